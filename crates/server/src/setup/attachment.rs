//! Attaching a setup plan to a Mini Program, the one operation the REST API
//! (`PUT /mini-programs/{appid}/setup`) and the console's setup forms both call: the plan is
//! checked against WeChat's rules and its images kept ([`store_plan`]), its steps (re)started
//! ([`attach`]), and the change audited.

use super::*;

/// Why a setup plan was not attached.
#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    /// This service knows no such Mini Program.
    #[error("no Mini Program {0} is known here")]
    NotFound(AppId),
    /// The plan breaks one of WeChat's rules (the message names the field).
    #[error("{0}")]
    Rule(String),
    /// The database, or a stored plan that does not read.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Attaches `plan` to Mini Program `appid` for `actor`; the steps as they now stand.
pub async fn attach_plan(
    state: &AppState,
    appid: &AppId,
    plan: SetupPlan,
    actor: &str,
) -> Result<Vec<Step>, AttachError> {
    if !store::setup::mini_program_known(&state.db, appid.as_str()).await? {
        return Err(AttachError::NotFound(appid.clone()));
    }
    let stored = store_plan(state, plan).await.map_err(|e| match e {
        PlanError::Rule(m) => AttachError::Rule(m),
        PlanError::Unexpected(e) => AttachError::Unexpected(e),
    })?;
    attach_stored_plan(state, appid, &stored, actor).await
}

/// Attaches a plan already stored (its images kept: the JSON [`store_plan`] answered, or a step's
/// stored spec being run again) to Mini Program `appid` for `actor`; the steps as they now stand.
pub async fn attach_stored_plan(
    state: &AppState,
    appid: &AppId,
    plan_json: &str,
    actor: &str,
) -> Result<Vec<Step>, AttachError> {
    let mut tx = state.db.begin().await?;
    attach(state, &mut tx, appid, plan_json).await?;
    tx.commit().await?;
    let plan: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(plan_json).context("a stored plan is malformed")?;
    let names: Vec<&str> = plan.keys().map(String::as_str).collect();
    crate::startup::audit(
        state,
        actor,
        "setup.attach",
        &format!("mini_program:{appid}"),
        &names.join(","),
    )
    .await;
    Ok(steps(state, appid.as_str()).await?)
}
