//! A new Mini Program's setup: its plan, steps, materials, and operator category changes.
//!
//! The rows of `setup_steps` (one per Mini Program and step), the images of plans kept in
//! `materials` until their step ends, and the Mini Program as the console shows it
//! (`mini_programs` with its authorizer's name and status).

use crate::setup::Step;
use crate::store::AsExec;
use crate::{execute, fetch_all, fetch_optional};
use anyhow::Context;

// ---- mini_programs ----

/// A Mini Program as the console's page shows it: its row with its authorizer's name and status.
#[derive(Clone, Debug, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = MiniProgramListed)]
pub struct MiniProgramRow {
    /// The Mini Program.
    pub appid: String,
    /// The registration that created it, if fastreg did.
    pub registration_id: Option<String>,
    /// The Official Account it was registered from.
    pub oa_appid: Option<String>,
    /// When it was recorded (unix ms).
    pub created_at: i64,
    /// Its name, as the authorizer's info last showed it.
    pub nick_name: Option<String>,
    /// Its authorization status (`authorized`, `unauthorized`), if it authorized the platform.
    pub status: Option<String>,
}

/// One Mini Program with its authorizer's name and status (a left join: a Mini Program whose
/// authorization was never recorded still shows).
pub async fn mini_program(target: impl AsExec, appid: &str) -> anyhow::Result<Option<MiniProgramRow>> {
    fetch_optional!(
        target,
        MiniProgramRow,
        "SELECT m.appid, m.registration_id, m.oa_appid, m.created_at, a.nick_name, a.status
         FROM mini_programs m LEFT JOIN authorizers a ON a.appid = m.appid WHERE m.appid = $1",
        appid
    )
    .context("cannot read a Mini Program")
}

/// Whether this service knows Mini Program `appid` (registered it, or it authorized).
pub async fn mini_program_known(target: impl AsExec, appid: &str) -> anyhow::Result<bool> {
    let row: Option<(String,)> = fetch_optional!(
        target,
        (String,),
        "SELECT appid FROM mini_programs WHERE appid = $1",
        appid
    )
    .context("cannot read a Mini Program")?;
    Ok(row.is_some())
}

// ---- setup_steps ----

/// A step's new state, detail, failure and time, as a save writes them.
pub struct StepChange<'a> {
    /// The new state.
    pub state: &'a str,
    /// The new detail (JSON).
    pub detail: &'a str,
    /// The failure (JSON), if any.
    pub failure: Option<&'a str>,
    /// When (unix ms).
    pub updated_at: i64,
}

/// The steps of a Mini Program, by name.
pub async fn steps(target: impl AsExec, appid: &str) -> anyhow::Result<Vec<Step>> {
    fetch_all!(
        target,
        Step,
        "SELECT appid, step, spec, state, detail, failure, updated_at FROM setup_steps WHERE appid = $1 ORDER BY step",
        appid
    )
    .context("cannot read setup steps")
}

/// One step of a Mini Program.
pub async fn step(target: impl AsExec, appid: &str, name: &str) -> anyhow::Result<Option<Step>> {
    fetch_optional!(
        target,
        Step,
        "SELECT appid, step, spec, state, detail, failure, updated_at FROM setup_steps WHERE appid = $1 AND step = $2",
        appid,
        name
    )
    .context("cannot read a setup step")
}

/// The spec (its part of a setup plan, JSON) of one step, to attach it again.
pub async fn step_spec(target: impl AsExec, appid: &str, name: &str) -> anyhow::Result<Option<String>> {
    let row: Option<(String,)> = fetch_optional!(
        target,
        (String,),
        "SELECT spec FROM setup_steps WHERE appid = $1 AND step = $2",
        appid,
        name
    )
    .context("cannot read a setup step")?;
    Ok(row.map(|(spec,)| spec))
}

/// Stores a step as `pending` with `spec`: a step attached again starts over (its detail and
/// failure are cleared).
pub async fn upsert_pending_step(
    target: impl AsExec,
    appid: &str,
    name: &str,
    spec: &str,
    now: i64,
) -> anyhow::Result<()> {
    execute!(
        target,
        "INSERT INTO setup_steps (appid, step, spec, state, detail, updated_at) VALUES ($1, $2, $3, 'pending', '{}', $4)
         ON CONFLICT (appid, step) DO UPDATE SET spec = excluded.spec, state = 'pending', detail = '{}', failure = NULL,
             updated_at = excluded.updated_at",
        appid,
        name,
        spec,
        now
    )
    .context("cannot store a setup step")?;
    Ok(())
}

/// Makes the queued job with `dedupe_key` (a step's job waiting to poll an audit) due at `now`;
/// a job due earlier already is left alone.
pub async fn wake_setup_job(target: impl AsExec, dedupe_key: &str, now: i64) -> anyhow::Result<()> {
    execute!(
        target,
        "UPDATE jobs SET run_at = $1 WHERE dedupe_key = $2 AND status = 'queued' AND run_at > $1",
        now,
        dedupe_key
    )
    .context("cannot wake a setup job")?;
    Ok(())
}

/// Writes a step's state, detail and failure if it is still in `from_state` (the job's save: a
/// step attached again or decided by a push meanwhile is not overwritten). Returns the rows
/// changed (0: it changed under the job).
pub async fn save_step(
    target: impl AsExec,
    appid: &str,
    name: &str,
    from_state: &str,
    change: &StepChange<'_>,
) -> anyhow::Result<u64> {
    execute!(
        target,
        "UPDATE setup_steps SET state = $1, detail = $2, failure = $3, updated_at = $4 WHERE appid = $5 AND step = $6 AND state = $7",
        change.state,
        change.detail,
        change.failure,
        change.updated_at,
        appid,
        name,
        from_state
    )
    .context("cannot save a setup step")
}

/// Rewrites the categories step with `spec` and `change` if its state and detail are still
/// `from_state` and `from_detail` (optimistic: the job saves between the operator's reads).
/// Returns the rows changed (0: it changed meanwhile).
pub async fn rewrite_categories_step(
    target: impl AsExec,
    appid: &str,
    spec: &str,
    (from_state, from_detail): (&str, &str),
    change: &StepChange<'_>,
) -> Result<u64, sqlx::Error> {
    execute!(
        target,
        "UPDATE setup_steps SET spec = $1, state = $2, detail = $3, failure = $8, updated_at = $4
         WHERE appid = $5 AND step = 'categories' AND state = $6 AND detail = $7",
        spec,
        change.state,
        change.detail,
        change.updated_at,
        appid,
        from_state,
        from_detail,
        change.failure
    )
}

/// Creates the categories step with `spec` and `change` (its failure is not written) unless one
/// was created meanwhile. Returns the rows inserted (0: it exists).
pub async fn insert_categories_step(
    target: impl AsExec,
    appid: &str,
    spec: &str,
    change: &StepChange<'_>,
) -> Result<u64, sqlx::Error> {
    execute!(
        target,
        "INSERT INTO setup_steps (appid, step, spec, state, detail, updated_at) VALUES ($1, 'categories', $2, $3, $4, $5)
         ON CONFLICT (appid, step) DO NOTHING",
        appid,
        spec,
        change.state,
        change.detail,
        change.updated_at
    )
}

// ---- materials ----

/// A stored image of a plan.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Material {
    /// The file name WeChat gets (`image.<ext>`).
    pub filename: String,
    /// The bytes: sealed when `sealed` is 1, in the clear (an older version's row) when 0.
    pub bytes: Vec<u8>,
    /// 1 when `bytes` are sealed.
    pub sealed: i64,
}

/// SQL: no step still running nor registration still under way refers to the material (`like`
/// is the pattern `%<id>%`; `$2` is when the links of registrations awaiting their admin
/// expired). A registration is over once `registered` (its plan is in its steps), `failed` or
/// `abandoned`, or still `awaiting_admin` past its link's expiry.
fn material_unused(like: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM setup_steps s WHERE s.state NOT IN ('done', 'failed') AND s.spec LIKE {like})
         AND NOT EXISTS (SELECT 1 FROM registrations r WHERE r.setup_plan LIKE {like}
                         AND r.state NOT IN ('registered', 'failed', 'abandoned')
                         AND NOT (r.state = 'awaiting_admin' AND r.created_at <= $2))"
    )
}

/// Whether a material is stored.
pub async fn material_exists(target: impl AsExec, id: &str) -> anyhow::Result<bool> {
    let found: Option<(String,)> = fetch_optional!(target, (String,), "SELECT id FROM materials WHERE id = $1", id)
        .context("cannot read materials")?;
    Ok(found.is_some())
}

/// Keeps an image (sealed, bound to its id).
pub async fn insert_material(
    target: impl AsExec,
    id: &str,
    filename: &str,
    content_type: &str,
    sealed: Vec<u8>,
    now: i64,
) -> anyhow::Result<()> {
    execute!(
        target,
        "INSERT INTO materials (id, filename, content_type, bytes, sealed, created_at) VALUES ($1, $2, $3, $4, 1, $5)",
        id,
        filename,
        content_type,
        sealed,
        now
    )
    .context("cannot keep a material")?;
    Ok(())
}

/// One material's file name and bytes.
pub async fn material(target: impl AsExec, id: &str) -> anyhow::Result<Option<Material>> {
    fetch_optional!(
        target,
        Material,
        "SELECT filename, bytes, sealed FROM materials WHERE id = $1",
        id
    )
    .context("cannot read a material")
}

/// Deletes a material unless a live step or registration still refers to it (`awaiting_cutoff`:
/// when the links of registrations awaiting their admin expired). Returns the rows deleted.
pub async fn delete_material_if_unused(target: impl AsExec, id: &str, awaiting_cutoff: i64) -> anyhow::Result<u64> {
    execute!(
        target,
        &format!("DELETE FROM materials WHERE id = $1 AND {}", material_unused("$3")),
        id,
        awaiting_cutoff,
        format!("%{id}%")
    )
    .context("cannot delete a material")
}

/// Deletes the materials stored before `created_before` that no live step or registration refers
/// to (`awaiting_cutoff` as in [`delete_material_if_unused`]). Returns the rows deleted.
pub async fn delete_orphan_materials(
    target: impl AsExec,
    created_before: i64,
    awaiting_cutoff: i64,
) -> anyhow::Result<u64> {
    execute!(
        target,
        &format!(
            "DELETE FROM materials WHERE created_at < $1 AND {}",
            material_unused("('%' || materials.id || '%')")
        ),
        created_before,
        awaiting_cutoff
    )
    .context("cannot sweep materials")
}

/// The ids of up to 100 materials stored in the clear (by an older version), oldest first.
pub async fn plain_material_ids(target: impl AsExec) -> anyhow::Result<Vec<String>> {
    let rows: Vec<(String,)> = fetch_all!(
        target,
        (String,),
        "SELECT id FROM materials WHERE sealed = 0 ORDER BY created_at LIMIT 100"
    )
    .context("cannot list plain materials")?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// The bytes of a material still stored in the clear.
pub async fn plain_material_bytes(target: impl AsExec, id: &str) -> anyhow::Result<Option<Vec<u8>>> {
    let row: Option<(Vec<u8>,)> = fetch_optional!(
        target,
        (Vec<u8>,),
        "SELECT bytes FROM materials WHERE id = $1 AND sealed = 0",
        id
    )
    .context("cannot read a material")?;
    Ok(row.map(|(bytes,)| bytes))
}

/// Replaces a material stored in the clear by its sealed bytes, unless another instance sealed
/// it meanwhile. Returns the rows changed.
pub async fn seal_material(target: impl AsExec, id: &str, sealed: Vec<u8>, filename: &str) -> anyhow::Result<u64> {
    execute!(
        target,
        "UPDATE materials SET bytes = $1, filename = $2, sealed = 1 WHERE id = $3 AND sealed = 0",
        sealed,
        filename,
        id
    )
    .context("cannot seal a material")
}
