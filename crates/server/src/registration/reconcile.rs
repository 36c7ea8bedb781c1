//! Finding out what a fastregister whose answer was lost did: the `authorized` pushes and the
//! authorizer list, within `reconcile_timeout_secs`.

use super::*;

/// The note (and history entry) of a resend that found the ticket spent.
pub(super) const SPENT_NOTE: &str = "the resent ticket answered 61058 (invalid ticket): it was already spent, so the first fastregister call did apply and the Mini Program exists. Finding it again from the `authorized` push and the authorizer list until reconcile_timeout_secs after the first call; fastregister is not sent again.";

/// Wakes every registration that is reconciling a lost answer (an `authorized` push arrived).
pub async fn wake_reconciling(state: &AppState) -> anyhow::Result<()> {
    wake_registrations(state, &reconciling(state, &state.db).await?).await
}

/// The registrations an `authorized` push may be news for: those reconciling a lost answer, or
/// caught mid-call, whose job is neither running nor due already (read in the caller's
/// transaction, if it has one).
pub async fn reconciling(state: &AppState, target: impl AsExec) -> anyhow::Result<Vec<String>> {
    store::registrations::reconciling_ids(target, state.now_ms()).await
}

/// Makes the jobs of registrations `ids` due now.
pub async fn wake_registrations(state: &AppState, ids: &[String]) -> anyhow::Result<()> {
    for id in ids {
        state
            .queue
            .wake(JOB, &serde_json::json!({ "id": id }), &format!("registration:{id}"))
            .await?;
    }
    Ok(())
}

pub(super) struct Candidate {
    pub(super) item: fastreg_protocol::component::AuthorizerListItem,
    pub(super) from_push: bool,
    pub(super) exact: bool,
    pub(super) unnamed: bool,
}

/// outcome_unknown: find the Mini Program WeChat may have created, without calling
/// fastregister again.
pub(super) async fn reconcile(state: &AppState, reg: &Registration) -> anyhow::Result<Outcome> {
    let submitted_at = reg.submitted_at.unwrap_or(reg.updated_at);
    // Appids that are not candidates: the accounts we know and the Mini Programs already ours.
    let known = store::registrations::known_appids_before(&state.db, submitted_at).await?;
    let known: HashSet<AppId> = known.into_iter().filter_map(|a| AppId::parse(a).ok()).collect();

    // 1. `authorized` pushes received since the call, for accounts we did not know.
    let pushed = store::registrations::authorized_push_subjects_since(&state.db, submitted_at).await?;
    let pushed: HashSet<AppId> = pushed
        .into_iter()
        .filter_map(|s| s.and_then(|s| AppId::parse(s).ok()))
        .collect();

    // 2. The authorizer list: authorizations granted since the call (WeChat's clock).
    let list = match state.client.find_new_authorizers(&known).await {
        Ok(list) => list,
        Err(e) => {
            return Ok(Outcome::Retry(format!(
                "reconcile: the authorizer list failed: {}",
                short(&e)
            )));
        }
    };
    let since = submitted_at / 1000;
    let oa = AppId::parse(reg.oa_appid.clone()).context("the stored appid is malformed")?;
    let principal = match state.client.authorizer_info(&oa).await {
        Ok(info) => info.authorizer_info.principal_name,
        Err(e) => {
            return Ok(Outcome::Retry(format!(
                "reconcile: cannot read the Official Account: {}",
                short(&e)
            )));
        }
    };
    let mut matches = Vec::new();
    for item in &list {
        let from_push = pushed.contains(&item.authorizer_appid);
        let recent = i64::try_from(item.auth_time).unwrap_or(0) >= since - 5;
        if !from_push && !recent {
            continue;
        }
        let info = match state.client.authorizer_info(&item.authorizer_appid).await {
            Ok(info) => info,
            Err(e) => {
                return Ok(Outcome::Retry(format!(
                    "reconcile: cannot read a candidate: {}",
                    short(&e)
                )));
            }
        };
        let is_mini_program = info.authorizer_info.mini_program_info.is_some();
        if is_mini_program && info.authorizer_info.principal_name == principal {
            let exact = i64::try_from(item.auth_time).unwrap_or(0) >= since;
            // A Mini Program fresh from fastregister has no name yet.
            let unnamed = info.authorizer_info.nick_name.is_empty();
            matches.push(Candidate {
                item: item.clone(),
                from_push,
                exact,
                unnamed,
            });
        }
    }
    // The push is the strongest evidence; then WeChat's own time of authorization; then the
    // missing name.
    let only = |f: &dyn Fn(&Candidate) -> bool| {
        let mut it = matches.iter().filter(|c| f(c));
        match (it.next(), it.next()) {
            (Some(c), None) => Some(c),
            _ => None,
        }
    };
    let pick = only(&|c| c.from_push)
        .or_else(|| only(&|_| true))
        .or_else(|| only(&|c| c.exact))
        .or_else(|| only(&|c| c.exact && c.unnamed))
        .or_else(|| only(&|c| c.unnamed));
    if let Some(Candidate { item, from_push, .. }) = pick {
        let appid = item.authorizer_appid.clone();
        state
            .client
            .put_refresh_token(&appid, &item.refresh_token)
            .await
            .context("cannot store the refresh token")?;
        let how = if *from_push {
            "the `authorized` push and the authorizer list"
        } else {
            "the authorizer list"
        };
        let note = format!(
            "fastregister's answer was lost, but WeChat had created Mini Program {appid}: found through {how}; its refresh token is stored"
        );
        set_note(state, &reg.id, &note).await?;
        tracing::info!(mini_program = %appid, how, "lost fastregister answer reconciled");
        return finish(state, reg, &appid, OUTCOME_UNKNOWN, &note).await;
    }
    // No new Mini Program at all: WeChat authorizes every Mini Program it fast-registers to the
    // component at once, so after the grace period its absence suggests the call was not applied
    // (WeChat answered -1 without acting, the process died before sending it, or the connection
    // was cut before WeChat read it). The ticket is then sent again, as long as that evidence
    // holds after each call: the wait doubles with every call (grace, 2×, 4×, at most 8×), at
    // most MAX_FASTREGISTER_CALLS calls, and only while the ticket is young enough to still be
    // valid. If WeChat had applied an earlier call after all (its list was late), the resend
    // answers 61058 and `submit` comes back here.
    let grace_ms = i64::try_from(state.settings.reconcile_grace_secs).unwrap_or(60) * 1000;
    let none_since_the_call = !matches.iter().any(|c| c.from_push || c.exact);
    // The registration's row changes last when the latest call's answer is recorded.
    let last_call = reg.updated_at.max(submitted_at);
    let submissions = reg.submissions.max(1);
    let backoff = grace_ms.saturating_mul(1 << (submissions - 1).clamp(0, 3));
    if none_since_the_call && state.now_ms() - last_call >= backoff {
        let ticket_young = state.now_ms() - submitted_at < FASTREGISTER_TICKET_LIFE_MS;
        if submissions < MAX_FASTREGISTER_CALLS && ticket_young && !ticket_spent(state, &reg.id).await? {
            let note = format!(
                "no new Mini Program appeared in WeChat's authorizer list {} s after fastregister call {submissions}, so WeChat did not apply it; the ticket is sent again (call {} of at most {MAX_FASTREGISTER_CALLS}; a 61058 answer would prove an earlier call applied)",
                backoff / 1000,
                submissions + 1
            );
            transition_now(state, reg, OUTCOME_UNKNOWN, TICKET_RECEIVED, Some(&note), None).await?;
            set_note(state, &reg.id, &note).await?;
            return Ok(Outcome::WaitUntil(state.now_ms()));
        }
    }
    let timeout_ms = i64::try_from(state.settings.reconcile_timeout_secs).unwrap_or(i64::MAX / 4_000) * 1000;
    // Counted from the latest call: a resent ticket is reconciled for as long as the first.
    if state.now_ms() - last_call > timeout_ms {
        let failure = if matches.len() > 1 {
            let appids: Vec<String> = matches.iter().map(|m| m.item.authorizer_appid.to_string()).collect();
            Failure::new(
                "outcome_unknown",
                format!(
                    "fastregister's answer was lost and several new Mini Programs of this subject appeared: {}",
                    appids.join(", ")
                ),
                "Tell which one is this registration's by checking the accounts on WeChat.",
            )
        } else if ticket_spent(state, &reg.id).await? {
            Failure {
                message_zh: Some(
                    "fastregister 已经生效（重发的 ticket 返回 61058：ticket 已被使用），但在授权推送和授权方列表中没有找到新建的小程序。".into(),
                ),
                remedy_zh: Some(
                    "新小程序已经存在：请在微信上找到它（与该公众号关联、尚未设置名称），确认它已授权给本平台。不要为重试而新建注册，否则会再创建一个小程序。".into(),
                ),
                ..Failure::new(
                    "outcome_unknown",
                    "fastregister did apply (the resent ticket answered 61058: it was already spent), but the new Mini Program was not found in the `authorized` pushes or the authorizer list within reconcile_timeout_secs",
                    "The Mini Program exists: find it on WeChat (linked to the Official Account, still unnamed) and check that it is authorized to this platform. Do not start a new registration to retry: it would create a second Mini Program.",
                )
            }
        } else {
            Failure::new(
                "outcome_unknown",
                format!(
                    "fastregister was sent {} time(s); WeChat answered -1 or its answer was lost each time ({}), and no new Mini Program appeared in the authorizer list, so WeChat did not apply it",
                    reg.submissions,
                    reg.note.as_deref().unwrap_or("no detail")
                ),
                "Start a new registration: the admin must confirm again (a ticket is single use).",
            )
        };
        transition_now(state, reg, OUTCOME_UNKNOWN, FAILED, None, Some(&failure)).await?;
        return Ok(Outcome::Done);
    }
    Ok(Outcome::WaitUntil(state.now_ms() + 5_000))
}
