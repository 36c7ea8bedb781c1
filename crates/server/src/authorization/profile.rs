//! An authorizer's profile: read from WeChat (api_get_authorizer_info) before a transaction
//! opens, written inside it.

use super::*;

/// Reads an authorizer's profile from WeChat into its `authorizers` row (after its refresh token
/// was stored by query_auth or the list); whether it is a Mini Program.
pub async fn import(state: &AppState, appid: &AppId) -> anyhow::Result<bool> {
    let profile = fetch_profile(state, appid).await?;
    profile.write(state, &state.db).await?;
    Ok(profile.is_mini_program)
}

/// An authorizer's profile as api_get_authorizer_info gave it, not yet stored: fetched before a
/// transaction opens (no transaction waits on WeChat), written inside it ([`FetchedProfile::write`]).
#[derive(Debug)]
pub struct FetchedProfile {
    appid: AppId,
    /// Whether it is a Mini Program.
    pub is_mini_program: bool,
    nick_name: String,
    principal_name: String,
    verify_type: Option<i64>,
    func_info: String,
}

/// api_get_authorizer_info for `appid`.
pub async fn fetch_profile(state: &AppState, appid: &AppId) -> anyhow::Result<FetchedProfile> {
    let info = state
        .client
        .authorizer_info(appid)
        .await
        .context("api_get_authorizer_info failed")?;
    let ids: Vec<u32> = info
        .authorization_info
        .func_info
        .iter()
        .map(|f| f.funcscope_category.id)
        .collect();
    Ok(FetchedProfile {
        appid: appid.clone(),
        is_mini_program: info.authorizer_info.mini_program_info.is_some(),
        nick_name: info.authorizer_info.nick_name,
        principal_name: info.authorizer_info.principal_name,
        verify_type: info.authorizer_info.verify_type_info.as_ref().map(|v| v.id),
        func_info: serde_json::to_string(&ids)?,
    })
}

impl FetchedProfile {
    /// Stores the profile in its `authorizers` row (in the caller's transaction, if any).
    pub async fn write(&self, state: &AppState, target: impl crate::store::AsExec) -> anyhow::Result<()> {
        let now = state.now_ms();
        // The refresh was planned when authorizer_info's token was stored (`put_authorizer_token`,
        // a random moment of the window before it expires); an account without a plan (one that
        // authorized again after withdrawing) gets one here, in the same statement.
        let window = i64::try_from(state.settings.token_refresh_window_secs)
            .unwrap_or(1800)
            .max(1)
            * 1000;
        let fallback_refresh = crate::upkeep::refresh_moment(now + 7200 * 1000, window);
        authorizers::import(
            target,
            &authorizers::Profile {
                appid: self.appid.as_str(),
                kind: if self.is_mini_program {
                    "unknown"
                } else {
                    "official_account"
                },
                nick_name: &self.nick_name,
                principal_name: &self.principal_name,
                verify_type: self.verify_type,
                func_info: &self.func_info,
                now,
                next_refresh_at: fallback_refresh,
            },
        )
        .await?;
        tracing::info!(appid = %self.appid, official_account = !self.is_mini_program, "authorizer imported");
        Ok(())
    }
}
