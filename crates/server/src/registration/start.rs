//! Starting a registration: the checks every caller gets (authorized with the permission, the
//! month's limit on China's calendar, one in flight per account by the schema's unique index).

use super::*;

/// Why a registration could not be started.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The Official Account has not authorized the component (or withdrew it).
    #[error("{0} has not authorized this platform; authorize it first (POST /api/v1/authorizations)")]
    NotAuthorized(String),
    /// Another registration of the account is under way (spec rule 3 / 61057); `dead_job` is its
    /// job, when that gave up.
    #[error("registration {id} of this account is still under way; finish or wait for it first")]
    InProgress {
        /// The registration under way.
        id: String,
        /// Its job, if it gave up (retry it, or abandon the registration).
        dead_job: Option<i64>,
    },
    /// The account has not granted this platform the fast-registration permission set
    /// (WeChat would refuse fastregister with 48001 after the admin scanned).
    #[error(
        "{0} has not granted this platform the fast-registration permission set; its admin must authorize again with that set ticked"
    )]
    PermissionMissing(String),
    /// The account has made its five successful registrations this month (WeChat's 61055).
    #[error(
        "{appid} has made {used} successful fast registrations this month, WeChat's limit; start again next month (China time)"
    )]
    MonthlyLimit {
        /// The account.
        appid: String,
        /// Successful registrations this month.
        used: i64,
    },
    /// A bad argument.
    #[error("{0}")]
    Invalid(String),
    /// Anything else.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Starts a registration for an authorized Official Account and returns it, with the URL to
/// send the account's admin to.
///
/// `copy_wx_verify`: `None` reuses the account's verification (the usual wish); `Some(false)` is
/// overridden for government, media and other-organization accounts, which must reuse it (61056).
// Refusals (not authorized, in progress, invalid) are the caller's: logged at INFO; the callers log
// `Unexpected` at ERROR.
#[tracing::instrument(skip_all, fields(oa = %oa_appid), err(level = "info", Display))]
pub async fn start(
    state: &AppState,
    oa_appid: &AppId,
    copy_wx_verify: Option<bool>,
    setup_plan: Option<crate::setup::SetupPlan>,
    actor: &str,
) -> Result<Registration, StartError> {
    // What every check needs, in one read (one round trip and one transaction): the account's
    // status, token and permission sets, this month's successes, and a registration in flight.
    let ttl_ms = link_ttl_ms(state);
    let facts = store::registrations::start_facts(
        &state.db,
        oa_appid.as_str(),
        crate::calendar::month_start_ms(),
        state.now_ms() - ttl_ms,
    )
    .await?;
    let (func_info, used, under_way) = match facts {
        Some(f) if f.has_refresh_token && f.status == "authorized" => {
            (f.func_info, f.registered_this_month, f.in_flight)
        }
        _ => return Err(StartError::NotAuthorized(oa_appid.to_string())),
    };
    // The rules WeChat would refuse by, checked for every caller before an admin is asked to scan.
    let granted = serde_json::from_str::<Vec<u32>>(&func_info).unwrap_or_default();
    if !granted
        .into_iter()
        .filter_map(fastreg_protocol::permission::PermissionSet::from_funcscope_id)
        .any(|s| s == fastreg_protocol::permission::PermissionSet::FastRegister)
    {
        return Err(StartError::PermissionMissing(oa_appid.to_string()));
    }
    if used >= MONTHLY_LIMIT {
        return Err(StartError::MonthlyLimit {
            appid: oa_appid.to_string(),
            used,
        });
    }
    if under_way.is_some() {
        return Err(in_progress(state, oa_appid).await?);
    }

    let mut note = None;
    let copy = match copy_wx_verify {
        None | Some(true) => true,
        Some(false) => match state.client.account_basic_info(oa_appid).await {
            // principal_type 2 media, 3 government, 4 other organization must reuse (61056).
            Ok(info) if matches!(info.principal_type, 2..=4) => {
                note = Some("copy_wx_verify forced to 1: government, media and other organizations must reuse the account's verification (61056)".to_owned());
                true
            }
            Ok(_) => false,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the account's subject type; keeping copy_wx_verify=0 as asked");
                false
            }
        },
    };
    let plan = match setup_plan {
        Some(plan) => Some(
            crate::setup::store_plan(state, plan)
                .await
                .map_err(|e| StartError::Invalid(e.to_string()))?,
        ),
        None => None,
    };

    let id = uuid::Uuid::new_v4().to_string();
    let redirect = crate::callback::redirect_uri(state, "fastregister", &id);
    let url = fastreg_protocol::page::fast_register_auth_url(
        &state.settings.mp_base,
        &state.component_appid,
        oa_appid,
        copy,
        &redirect,
    )
    .map_err(|e| StartError::Invalid(format!("cannot build the fastregisterauth URL: {e}")))?;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    // A link that expired unconfirmed frees its account: it is abandoned in the same transaction
    // as the new row, so the one-in-flight index sees one or the other.
    store::registrations::retire_expired_links(
        &mut tx,
        oa_appid.as_str(),
        "its link expired before the admin confirmed; superseded by a new registration",
        now,
        now - ttl_ms,
    )
    .await?;
    let inserted = store::registrations::insert(
        &mut tx,
        &store::registrations::NewRegistration {
            id: &id,
            oa_appid: oa_appid.as_str(),
            copy_wx_verify: i64::from(copy),
            auth_url: &url,
            note: note.as_deref(),
            setup_plan: plan.as_deref(),
            created_by: actor,
            now,
        },
    )
    .await;
    let created = match inserted {
        Ok(created) => created,
        // `registrations_one_in_flight`: another start for this account won the race.
        Err(e) if crate::store::is_unique_violation(&e) => {
            drop(tx);
            return Err(in_progress(state, oa_appid).await?);
        }
        Err(e) => return Err(anyhow::Error::new(e).context("cannot store the registration").into()),
    };
    record_history(
        &mut tx,
        &format!("registration:{id}"),
        None,
        AWAITING_ADMIN,
        note.as_deref(),
    )
    .await?;
    crate::startup::audit_in(
        &mut tx,
        now,
        actor,
        "registration.start",
        &format!("registration:{id}"),
        oa_appid.as_str(),
    )
    .await?;
    tx.commit().await?;
    state.metrics.registration_started();
    tracing::info!(registration = %id, copy_wx_verify = copy, "registration started");
    Ok(created)
}

/// Successful fast registrations a month (spec rule 4; WeChat's 61055).
pub const MONTHLY_LIMIT: i64 = 5;

/// The account's registration in flight, if any (at most one: `registrations_one_in_flight`).
/// A link still awaiting its admin past `state_ttl_secs` does not count: the next start retires it.
pub(super) async fn in_flight(state: &AppState, oa_appid: &AppId) -> anyhow::Result<Option<String>> {
    store::registrations::in_flight(&state.db, oa_appid.as_str(), state.now_ms() - link_ttl_ms(state)).await
}

pub(super) fn link_ttl_ms(state: &AppState) -> i64 {
    i64::try_from(state.settings.state_ttl_secs).unwrap_or(i64::MAX / 4_000) * 1000
}

/// The refusal for an account with a registration in flight, naming it (and its job, if that
/// gave up).
pub(super) async fn in_progress(state: &AppState, oa_appid: &AppId) -> Result<StartError, StartError> {
    let Some(id) = in_flight(state, oa_appid).await? else {
        return Ok(StartError::Unexpected(anyhow::anyhow!(
            "a concurrent start of this account's registration conflicted; try again"
        )));
    };
    let job = state.queue.with_key(&format!("registration:{id}")).await?;
    let dead_job = job.filter(|j| j.status == "dead").map(|j| j.id);
    Ok(StartError::InProgress { id, dead_job })
}

/// Successful fast registrations of `oa_appid` this calendar month on China's calendar, as this
/// platform made them (spec rule 4 counts successes only).
pub async fn registered_this_month(state: &AppState, oa_appid: &AppId) -> anyhow::Result<i64> {
    store::registrations::count_registered_since(&state.db, oa_appid.as_str(), crate::calendar::month_start_ms()).await
}
