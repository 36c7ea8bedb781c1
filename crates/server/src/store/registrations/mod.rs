//! The registrations (every route): their rows, state changes, notes, and the queries of the console's and REST's lists.
//!
//! This module holds the official_account route's statements (its start, the callback's ticket,
//! fastregister's marks and answers, the reconciliation's reads) and the ones every route shares
//! (a state change, a note, a Mini Program claimed); `lists.rs` holds the lists' and the console
//! accounts' reads. The other routes' task columns are [`super::route_tasks`]'.

mod lists;

pub use lists::*;

use super::AsExec;
use crate::registration::Registration;
use crate::{execute, fetch_all, fetch_one, fetch_optional};
use anyhow::Context;

/// The columns of [`Registration`].
const COLUMNS: &str = "id, oa_appid, copy_wx_verify, state, auth_url, submitted_at, submissions, mini_program_appid, is_wx_verify_succ, \
     is_link_succ, failure, note, setup_plan, created_by, created_at, updated_at";

/// One registration.
pub async fn get(target: impl AsExec, id: &str) -> anyhow::Result<Option<Registration>> {
    let sql = format!("SELECT {COLUMNS} FROM registrations WHERE id = $1");
    fetch_optional!(target, Registration, sql.as_str(), id).context("cannot read a registration")
}

/// Registrations (of `oa_appid`, if given), newest first, at most `limit`.
pub async fn list(target: impl AsExec, oa_appid: Option<&str>, limit: i64) -> anyhow::Result<Vec<Registration>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM registrations WHERE ($1 IS NULL OR oa_appid = $1) ORDER BY created_at DESC, id LIMIT $2"
    );
    fetch_all!(target, Registration, sql.as_str(), oa_appid, limit).context("cannot list registrations")
}

/// Moves registration `id` (any route) from `from` to `to`, with the failure (JSON) if any;
/// false if it was no longer in `from` (the state in the `WHERE` makes every change a
/// compare-and-set, so a concurrent run loses cleanly).
pub async fn change_state(
    target: impl AsExec,
    id: &str,
    from: &str,
    to: &str,
    failure_json: Option<&str>,
    now: i64,
) -> anyhow::Result<bool> {
    let n = execute!(
        target,
        "UPDATE registrations SET state = $1, failure = COALESCE($2, failure), updated_at = $3
         WHERE id = $4 AND state = $5",
        to,
        failure_json,
        now,
        id,
        from
    )
    .context("cannot change a registration's state")?;
    Ok(n == 1)
}

/// A sealed secret of a registration row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sealed {
    /// `ticket_sealed`: the fastregisterauth callback's ticket.
    Ticket,
    /// `authorization_code_sealed`: the new Mini Program's authorization code.
    AuthorizationCode,
}

impl Sealed {
    /// Its column.
    pub fn column(self) -> &'static str {
        match self {
            Sealed::Ticket => "ticket_sealed",
            Sealed::AuthorizationCode => "authorization_code_sealed",
        }
    }
}

/// The sealed secret `which` of registration `id` (any route); `None` if the row or the secret
/// is missing.
pub async fn sealed(target: impl AsExec, id: &str, which: Sealed) -> anyhow::Result<Option<Vec<u8>>> {
    let column = which.column();
    let sql = format!("SELECT {column} FROM registrations WHERE id = $1");
    let row: Option<(Option<Vec<u8>>,)> = fetch_optional!(target, (Option<Vec<u8>>,), sql.as_str(), id)
        .with_context(|| format!("cannot read {column}"))?;
    Ok(row.and_then(|(sealed,)| sealed))
}

/// Sets what the operator must know of registration `id` (any route).
pub async fn set_note(target: impl AsExec, id: &str, note: &str) -> anyhow::Result<()> {
    execute!(target, "UPDATE registrations SET note = $1 WHERE id = $2", note, id)
        .context("cannot note a registration")?;
    Ok(())
}

/// What a start of the official_account route checks, read at once from the account's row.
#[derive(Clone, Debug)]
pub struct StartFacts {
    /// The authorization status (`authorized`, …).
    pub status: String,
    /// Whether its refresh token is stored.
    pub has_refresh_token: bool,
    /// Granted funcscope ids, JSON.
    pub func_info: String,
    /// Its registrations `registered` since the month's start.
    pub registered_this_month: i64,
    /// Its registration in flight, if any.
    pub in_flight: Option<String>,
}

/// The account's [`StartFacts`] in one read (one round trip): its status, token and
/// permission sets, its successes since `month_start` (ms), and a registration in flight (a
/// link awaiting its admin counting only if created after `link_since`); `None` if the account
/// is unknown.
pub async fn start_facts(
    target: impl AsExec,
    oa_appid: &str,
    month_start: i64,
    link_since: i64,
) -> anyhow::Result<Option<StartFacts>> {
    let sql = format!(
        "SELECT a.status, a.refresh_token_sealed IS NOT NULL, a.func_info,
                (SELECT COUNT(*) FROM registrations r
                  WHERE r.oa_appid = a.appid AND r.state = 'registered' AND COALESCE(r.submitted_at, r.created_at) >= $2),
                (SELECT r.id FROM registrations r WHERE r.oa_appid = a.appid AND {} LIMIT 1)
         FROM authorizers a WHERE a.appid = $1",
        in_flight_condition("$3")
    );
    let facts: Option<(String, bool, String, i64, Option<String>)> = fetch_optional!(
        target,
        (String, bool, String, i64, Option<String>),
        sql.as_str(),
        oa_appid,
        month_start,
        link_since
    )
    .context("cannot read the authorizer")?;
    Ok(facts.map(
        |(status, has_refresh_token, func_info, registered_this_month, in_flight)| StartFacts {
            status,
            has_refresh_token,
            func_info,
            registered_this_month,
            in_flight,
        },
    ))
}

/// Abandons, with `note`, the account's links still awaiting their admin that were created at
/// or before `created_until` (expired: they no longer hold the account); the number retired.
pub async fn retire_expired_links(
    target: impl AsExec,
    oa_appid: &str,
    note: &str,
    now: i64,
    created_until: i64,
) -> anyhow::Result<u64> {
    execute!(
        target,
        "UPDATE registrations SET state = 'abandoned', note = $1, updated_at = $2
         WHERE oa_appid = $3 AND state = 'awaiting_admin' AND created_at <= $4",
        note,
        now,
        oa_appid,
        created_until
    )
    .context("cannot retire an expired registration link")
}

/// A new registration of the official_account route.
#[derive(Clone, Copy, Debug)]
pub struct NewRegistration<'a> {
    /// Id.
    pub id: &'a str,
    /// The Official Account.
    pub oa_appid: &'a str,
    /// 1 if the account's verification is reused.
    pub copy_wx_verify: i64,
    /// The fastregisterauth URL.
    pub auth_url: &'a str,
    /// What the operator should know.
    pub note: Option<&'a str>,
    /// The setup plan (JSON).
    pub setup_plan: Option<&'a str>,
    /// Who starts it.
    pub created_by: &'a str,
    /// Now (unix ms).
    pub now: i64,
}

/// Inserts a registration `awaiting_admin` and returns it. The error is sqlx's so that the
/// caller can tell `registrations_one_in_flight`'s unique violation (a concurrent start won).
pub async fn insert(target: impl AsExec, new: &NewRegistration<'_>) -> Result<Registration, sqlx::Error> {
    let sql = format!(
        "INSERT INTO registrations (id, oa_appid, copy_wx_verify, state, auth_url, note, setup_plan, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, 'awaiting_admin', $4, $5, $6, $7, $8, $8)
         RETURNING {COLUMNS}"
    );
    fetch_one!(
        target,
        Registration,
        sql.as_str(),
        new.id,
        new.oa_appid,
        new.copy_wx_verify,
        new.auth_url,
        new.note,
        new.setup_plan,
        new.created_by,
        new.now
    )
}

/// The account's registration in flight, if any (at most one: `registrations_one_in_flight`),
/// a link awaiting its admin counting only if created after `link_since` (unix ms).
pub async fn in_flight(target: impl AsExec, oa_appid: &str, link_since: i64) -> anyhow::Result<Option<String>> {
    let sql = format!(
        "SELECT r.id FROM registrations r WHERE r.oa_appid = $1 AND {} LIMIT 1",
        in_flight_condition("$2")
    );
    let row: Option<(String,)> = fetch_optional!(target, (String,), sql.as_str(), oa_appid, link_since)
        .context("cannot look for registrations under way")?;
    Ok(row.map(|(id,)| id))
}

/// A registration `r` in flight (the states of `registrations_one_in_flight`, the index that
/// enforces one per account), a link awaiting its admin counting only while younger than the
/// placeholder `since` (unix ms).
fn in_flight_condition(since: &str) -> String {
    format!(
        "(r.state IN ('ticket_received', 'submitting', 'outcome_unknown', 'code_received') \
          OR (r.state = 'awaiting_admin' AND r.created_at > {since}))"
    )
}

/// The account's registrations `registered` since `since` (unix ms; the first call's time, or
/// the creation's).
pub async fn count_registered_since(target: impl AsExec, oa_appid: &str, since: i64) -> anyhow::Result<i64> {
    let (n,): (i64,) = fetch_one!(
        target,
        (i64,),
        "SELECT COUNT(*) FROM registrations
         WHERE oa_appid = $1 AND state = 'registered' AND COALESCE(submitted_at, created_at) >= $2",
        oa_appid,
        since
    )
    .context("cannot count this month's registrations")?;
    Ok(n)
}

/// Abandons registration `id` if it is still in `from` and fastregister was never sent
/// (`awaiting_admin`, or no call counted); false otherwise.
pub async fn abandon_unsent(target: impl AsExec, id: &str, from: &str, now: i64) -> anyhow::Result<bool> {
    let n = execute!(
        target,
        "UPDATE registrations SET state = 'abandoned', updated_at = $1
         WHERE id = $2 AND state = $3 AND (state = 'awaiting_admin' OR submissions = 0)",
        now,
        id,
        from
    )
    .context("cannot abandon a registration")?;
    Ok(n == 1)
}

/// Abandons registration `id` with `note` if it still awaits its admin (who declined); false
/// for a replay or one that moved on.
pub async fn decline(target: impl AsExec, id: &str, note: &str, now: i64) -> anyhow::Result<bool> {
    let n = execute!(
        target,
        "UPDATE registrations SET state = 'abandoned', note = $1, updated_at = $2
         WHERE id = $3 AND state = 'awaiting_admin'",
        note,
        now,
        id
    )
    .context("cannot record a decline")?;
    Ok(n != 0)
}

/// Stores the callback's ticket (sealed, with its digest) and moves registration `id` to
/// `ticket_received`, only if it still awaits its admin; false otherwise. The error is sqlx's:
/// the digest's unique index refuses a ticket another registration has (a replay across rows).
pub async fn record_ticket(
    target: impl AsExec,
    id: &str,
    sealed: &[u8],
    digest: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = execute!(
        target,
        "UPDATE registrations SET state = 'ticket_received', ticket_sealed = $1, ticket_digest = $2, updated_at = $3
         WHERE id = $4 AND state = 'awaiting_admin'",
        sealed,
        digest,
        now,
        id
    )?;
    Ok(n != 0)
}

/// Whether `appid`'s refresh token is stored, and registration `id`'s sealed authorization
/// code, in one read.
pub async fn token_stored_and_code(
    target: impl AsExec,
    appid: &str,
    id: &str,
) -> anyhow::Result<(bool, Option<Vec<u8>>)> {
    fetch_one!(
        target,
        (bool, Option<Vec<u8>>),
        "SELECT EXISTS (SELECT 1 FROM authorizers WHERE appid = $1 AND refresh_token_sealed IS NOT NULL),
                (SELECT authorization_code_sealed FROM registrations WHERE id = $2)",
        appid,
        id
    )
    .context("cannot read the registration's code")
}

/// Sets the Mini Program of registration `id`.
pub async fn set_mini_program(target: impl AsExec, id: &str, appid: &str) -> anyhow::Result<()> {
    execute!(
        target,
        "UPDATE registrations SET mini_program_appid = $1 WHERE id = $2",
        appid,
        id
    )
    .context("cannot store the Mini Program's appid")?;
    Ok(())
}

/// Marks registration `id` `submitting` before fastregister is called, counting the call
/// (`submitted_at` stays the first's), and returns the count and the sealed ticket; `None` if it
/// was not `ticket_received` with a ticket.
pub async fn mark_submitting(target: impl AsExec, id: &str, now: i64) -> anyhow::Result<Option<(i64, Vec<u8>)>> {
    fetch_optional!(
        target,
        (i64, Vec<u8>),
        "UPDATE registrations SET state = 'submitting',
                submitted_at = CASE WHEN submissions = 0 OR submitted_at IS NULL THEN $1 ELSE submitted_at END,
                submissions = submissions + 1, updated_at = $1
         WHERE id = $2 AND state = 'ticket_received' AND ticket_sealed IS NOT NULL
         RETURNING submissions, ticket_sealed",
        now,
        id
    )
    .context("cannot mark the registration as submitting")
}

/// fastregister's answer: registration `id`, if still `submitting`, becomes `code_received`
/// with the new Mini Program, its sealed code and the two flags; false if it had moved.
pub async fn record_code(
    target: impl AsExec,
    id: &str,
    appid: &str,
    code_sealed: &[u8],
    is_wx_verify_succ: i64,
    is_link_succ: i64,
    now: i64,
) -> anyhow::Result<bool> {
    let n = execute!(
        target,
        "UPDATE registrations SET state = 'code_received', mini_program_appid = $1, authorization_code_sealed = $2,
                is_wx_verify_succ = $3, is_link_succ = $4, updated_at = $5
         WHERE id = $6 AND state = 'submitting'",
        appid,
        code_sealed,
        is_wx_verify_succ,
        is_link_succ,
        now,
        id
    )
    .context("cannot store fastregister's answer")?;
    Ok(n == 1)
}

/// Uncounts the last fastregister call of registration `id` (it never reached WeChat), clearing
/// `submitted_at` if it was the only one.
pub async fn uncount_submission(target: impl AsExec, id: &str) -> anyhow::Result<()> {
    execute!(
        target,
        "UPDATE registrations SET submissions = submissions - 1,
                submitted_at = CASE WHEN submissions <= 1 THEN NULL ELSE submitted_at END
         WHERE id = $1",
        id
    )
    .context("cannot uncount a call that was not applied")?;
    Ok(())
}

/// Records Mini Program `appid` as registration `registration_id`'s (the primary key stops two
/// registrations from claiming one Mini Program: a second claim fails).
pub async fn insert_mini_program(
    target: impl AsExec,
    appid: &str,
    registration_id: &str,
    oa_appid: &str,
    now: i64,
) -> anyhow::Result<()> {
    execute!(
        target,
        "INSERT INTO mini_programs (appid, registration_id, oa_appid, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
        appid,
        registration_id,
        oa_appid,
        now
    )
    .context("cannot record the Mini Program")?;
    Ok(())
}

/// Records Mini Program `appid` as registration `registration_id`'s (no Official Account),
/// unless it is recorded already.
pub async fn insert_mini_program_if_absent(
    target: impl AsExec,
    appid: &str,
    registration_id: &str,
    now: i64,
) -> anyhow::Result<()> {
    execute!(
        target,
        "INSERT INTO mini_programs (appid, registration_id, oa_appid, created_at, updated_at) VALUES ($1, $2, NULL, $3, $3)
         ON CONFLICT (appid) DO NOTHING",
        appid,
        registration_id,
        now
    )
    .context("cannot record the Mini Program")?;
    Ok(())
}

/// Records `appid` as an authorized Mini Program among the authorizers (an existing row keeps
/// its status and token, and becomes a Mini Program).
pub async fn upsert_mini_program_authorizer(target: impl AsExec, appid: &str, now: i64) -> anyhow::Result<()> {
    execute!(
        target,
        "INSERT INTO authorizers (appid, kind, status, created_at, updated_at) VALUES ($1, 'mini_program', 'authorized', $2, $2)
         ON CONFLICT (appid) DO UPDATE SET kind = 'mini_program', updated_at = excluded.updated_at",
        appid,
        now
    )
    .context("cannot record the Mini Program as an authorizer")?;
    Ok(())
}

/// Whether the history of `subject` has a move to `outcome_unknown` with exactly `note` (the
/// mark a resend's 61058 answer leaves).
pub async fn has_outcome_unknown_note(target: impl AsExec, subject: &str, note: &str) -> anyhow::Result<bool> {
    let (n,): (i64,) = fetch_one!(
        target,
        (i64,),
        "SELECT COUNT(*) FROM history WHERE subject = $1 AND to_state = 'outcome_unknown' AND note = $2",
        subject,
        note
    )
    .context("cannot read a registration's history")?;
    Ok(n > 0)
}

/// The registrations reconciling a lost fastregister answer (or caught mid-call) whose job a
/// wake would move: not those whose job is running (fastregister under way: the run goes on by
/// itself) or already due.
pub async fn reconciling_ids(target: impl AsExec, now: i64) -> anyhow::Result<Vec<String>> {
    let ids: Vec<(String,)> = fetch_all!(
        target,
        (String,),
        "SELECT r.id FROM registrations r
         WHERE r.state IN ('outcome_unknown', 'submitting')
           AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.dedupe_key = 'registration:' || r.id
                             AND (j.status = 'running' OR j.run_at <= $1))",
        now
    )
    .context("cannot list reconciling registrations")?;
    Ok(ids.into_iter().map(|(id,)| id).collect())
}

/// Appids that cannot be a new Mini Program of a call made at `before` (unix ms): the Official
/// Accounts, the authorizers known before it, and the Mini Programs already ours.
pub async fn known_appids_before(target: impl AsExec, before: i64) -> anyhow::Result<Vec<String>> {
    let rows: Vec<(String,)> = fetch_all!(
        target,
        (String,),
        "SELECT appid FROM authorizers WHERE kind = 'official_account' OR created_at < $1
         UNION SELECT appid FROM mini_programs",
        before
    )
    .context("cannot list known authorizers")?;
    Ok(rows.into_iter().map(|(a,)| a).collect())
}

/// Appids that cannot be a new Mini Program: the Official Accounts and the Mini Programs
/// already ours.
pub async fn known_appids(target: impl AsExec) -> anyhow::Result<Vec<String>> {
    let rows: Vec<(String,)> = fetch_all!(
        target,
        (String,),
        "SELECT appid FROM authorizers WHERE kind = 'official_account' UNION SELECT appid FROM mini_programs"
    )
    .context("cannot list known authorizers")?;
    Ok(rows.into_iter().map(|(a,)| a).collect())
}

/// The subjects (appids) of the `authorized` pushes received since `since` (unix ms).
pub async fn authorized_push_subjects_since(target: impl AsExec, since: i64) -> anyhow::Result<Vec<Option<String>>> {
    let rows: Vec<(Option<String>,)> = fetch_all!(
        target,
        (Option<String>,),
        "SELECT subject FROM events WHERE kind = 'authorized' AND received_at >= $1",
        since
    )
    .context("cannot read the event inbox")?;
    Ok(rows.into_iter().map(|(s,)| s).collect())
}

/// Notes that registration `id` was started again as `new_id`, once (only if it had not been);
/// false if it had.
pub async fn set_restarted_as(target: impl AsExec, id: &str, new_id: &str, now: i64) -> anyhow::Result<bool> {
    let n = execute!(
        target,
        "UPDATE registrations SET restarted_as = $1, updated_at = $2 WHERE id = $3 AND restarted_as IS NULL",
        new_id,
        now,
        id
    )
    .context("cannot note the restart")?;
    Ok(n == 1)
}
