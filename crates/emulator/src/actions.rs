//! What an admin does on an mp.weixin.qq.com page — authorize a component, confirm (or decline)
//! a fast registration, confirm an admin rebind — and the withdrawal of an authorization. The
//! pages' buttons and the control API call these same functions.

use crate::error::WxError;
use crate::push::{self, Outgoing};
use crate::scenario::AdminDef;
use crate::state::Inner;
use crate::tokens::Holder;
use crate::world::{AccountKind, FastRegisterTicket, RebindTask, World};
use fastreg_protocol::AppId;
use fastreg_protocol::event::ComponentEvent;
use fastreg_protocol::id::{AuthorizationCode, Secret};
use fastreg_protocol::page::{append_query, redirect_host};
use fastreg_protocol::permission::{PermissionSet, REQUIRED_FOR_FAST_REGISTER};
use serde::Deserialize;

/// An admin authorizes a component (componentloginpage, or `POST /__emulator/authorize`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorizeRequest {
    /// The component.
    pub component_appid: String,
    /// The account.
    pub appid: String,
    /// Also grant the exclusive fast-register set (Official Accounts only).
    #[serde(default)]
    pub fast_register: bool,
    /// The sets to grant; absent: every set the component asks for.
    #[serde(default)]
    pub permission_sets: Option<Vec<PermissionSet>>,
    /// The pre_auth_code of the login page (spent); absent from the control API.
    #[serde(default)]
    pub pre_auth_code: Option<String>,
}

/// The result of an authorization: the code for api_query_auth.
#[derive(Clone, Debug)]
pub struct Authorized {
    /// auth_code.
    pub auth_code: String,
    /// Seconds it lives.
    pub expires_in: i64,
    /// authorized / updateauthorized to deliver.
    pub pushes: Vec<Outgoing>,
}

fn component_checks(w: &World, component_appid: &str) -> Result<(), WxError> {
    let Some(c) = w.components.get(component_appid) else {
        return Err(WxError::of(61011));
    };
    if !c.def.published {
        return Err(WxError::of(61028));
    }
    Ok(())
}

fn redirect_checks(w: &World, component_appid: &str, redirect_uri: &str) -> Result<(), WxError> {
    let domain = w
        .components
        .get(component_appid)
        .map(|c| c.def.login_domain.to_ascii_lowercase())
        .unwrap_or_default();
    match redirect_host(redirect_uri) {
        Ok(host) if host == domain => Ok(()),
        Ok(host) => Err(WxError::new(
            61060,
            format!("invalid redirect_uri: host {host} is not the component's login domain {domain}"),
        )),
        Err(e) => Err(WxError::new(61060, format!("invalid redirect_uri: {e}"))),
    }
}

/// Authorizes `component_appid` for `appid`.
pub fn authorize(inner: &Inner, req: &AuthorizeRequest) -> Result<Authorized, WxError> {
    let now = inner.now();
    let mut w = inner.world.write();
    let Some(component) = w.components.get(&req.component_appid) else {
        return Err(WxError::of(61011));
    };
    let asks = component.def.permission_sets.clone();
    let Some(account) = w.accounts.get(&req.appid) else {
        return Err(WxError::of(40013));
    };
    let is_official = matches!(account.kind, AccountKind::OfficialAccount { .. });
    if let Some(code) = &req.pre_auth_code {
        let Some(p) = w.pre_auth_codes.get_mut(code) else {
            return Err(WxError::new(61009, "pre_auth_code is invalid"));
        };
        if p.component_appid != req.component_appid || p.used {
            return Err(WxError::new(61009, "pre_auth_code is invalid or used"));
        }
        if now >= p.expires_at {
            return Err(WxError::new(61010, "pre_auth_code is expired"));
        }
        p.used = true;
    }
    let mut sets: Vec<PermissionSet> = match &req.permission_sets {
        Some(s) => s.iter().copied().filter(|s| asks.contains(s)).collect(),
        None => asks,
    };
    sets.retain(|s| *s != PermissionSet::FastRegister);
    // Only an Official Account has the fast-register set; for a Mini Program it is ignored.
    if is_official
        && (req.fast_register
            || req
                .permission_sets
                .as_ref()
                .is_some_and(|s| s.contains(&PermissionSet::FastRegister)))
    {
        if let Some(other) = w.authorizations.values().find(|a| {
            a.appid == req.appid
                && a.component_appid != req.component_appid
                && a.permission_sets.contains(&PermissionSet::FastRegister)
        }) {
            return Err(WxError::new(
                48001,
                format!(
                    "api unauthorized: the account granted the exclusive fast_register set (27) to component {}; \
                     一个公众号只可以将该权限集授权给一个第三方平台",
                    other.component_appid
                ),
            ));
        }
        sets.push(PermissionSet::FastRegister);
    }
    sets.sort();
    let previous = w
        .authorizations
        .get(&(req.component_appid.clone(), req.appid.clone()))
        .map(|a| a.permission_sets.clone());
    w.grant(&req.component_appid, &req.appid, sets.clone(), now, &inner.ids);
    let code = w.new_auth_code(&req.component_appid, &req.appid, now, &inner.ids);
    let ttl = w.settings.authorization_code_ttl_secs;
    let mut pushes = Vec::new();
    // The push carries a code of its own (single use too), so a platform that exchanges the
    // pushed code in its event handler (as wechatpy does) and the redirect's code elsewhere
    // sees both succeed.
    let push_code =
        (previous.as_ref() != Some(&sets)).then(|| w.new_auth_code(&req.component_appid, &req.appid, now, &inner.ids));
    if let Some(push_code) = push_code
        && let (Ok(app_id), Ok(authorizer_appid), Ok(authorization_code), Ok(pre_auth_code)) = (
            AppId::parse(req.component_appid.clone()),
            AppId::parse(req.appid.clone()),
            AuthorizationCode::parse(push_code),
            Secret::parse(req.pre_auth_code.clone().unwrap_or_else(|| inner.ids.pre_auth_code())),
        )
    {
        let create_time = now as u64;
        let authorization_code_expired_time = (now + ttl) as u64;
        let event = if previous.is_some() {
            ComponentEvent::UpdateAuthorized {
                app_id,
                create_time,
                authorizer_appid,
                authorization_code,
                authorization_code_expired_time,
                pre_auth_code,
            }
        } else {
            ComponentEvent::Authorized {
                app_id,
                create_time,
                authorizer_appid,
                authorization_code,
                authorization_code_expired_time,
                pre_auth_code,
            }
        };
        pushes.extend(push::component_event(&w, &req.component_appid, &event, now, &inner.ids));
    }
    Ok(Authorized {
        auth_code: code,
        expires_in: ttl,
        pushes,
    })
}

/// The account withdraws its authorization: refresh token and access tokens stop working, and
/// `unauthorized` is pushed.
pub fn unauthorize(inner: &Inner, component_appid: &str, appid: &str) -> Result<Vec<Outgoing>, WxError> {
    let now = inner.now();
    let mut w = inner.world.write();
    if w.authorizations
        .remove(&(component_appid.to_owned(), appid.to_owned()))
        .is_none()
    {
        return Err(WxError::of(61003));
    }
    inner.tokens.revoke(&Holder::Authorizer {
        component_appid: component_appid.to_owned(),
        appid: appid.to_owned(),
    });
    let mut pushes = Vec::new();
    if let (Ok(app_id), Ok(authorizer_appid)) = (AppId::parse(component_appid), AppId::parse(appid)) {
        let event = ComponentEvent::Unauthorized {
            app_id,
            create_time: now as u64,
            authorizer_appid,
        };
        pushes.extend(push::component_event(&w, component_appid, &event, now, &inner.ids));
    }
    Ok(pushes)
}

/// The fastregisterauth page's confirmation (the admin's scan).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FastRegisterConfirm {
    /// The component.
    pub component_appid: String,
    /// The Official Account.
    pub appid: String,
    /// 1: reuse the account's verification.
    #[serde(default, deserialize_with = "fastreg_protocol::wire::flex_bool::deserialize")]
    pub copy_wx_verify: bool,
    /// Where to send the admin back.
    pub redirect_uri: String,
    /// The admin declined: the redirect carries no ticket.
    #[serde(default)]
    pub decline: bool,
}

/// The page's own checks (61028 unpublished, 61029 missing sets, 61060 redirect host, 40013
/// unknown account), shared by showing the page and confirming it.
pub fn fastregister_page_checks(
    w: &World,
    component_appid: &str,
    appid: &str,
    redirect_uri: &str,
) -> Result<(), WxError> {
    component_checks(w, component_appid)?;
    if let Some(c) = w.components.get(component_appid)
        && let Some(missing) = REQUIRED_FOR_FAST_REGISTER
            .iter()
            .find(|s| !c.def.permission_sets.contains(s))
    {
        return Err(WxError::new(
            61029,
            format!(
                "component is missing the permission set {missing} ({})",
                missing.chinese_name()
            ),
        ));
    }
    redirect_checks(w, component_appid, redirect_uri)?;
    match w.accounts.get(appid) {
        Some(a) if !a.is_mini_program() => Ok(()),
        _ => Err(WxError::new(
            40013,
            format!("invalid appid: {appid} is not an Official Account"),
        )),
    }
}

/// Confirms (or declines) a fast registration; the redirect_uri with `ticket=` appended (or
/// unchanged when declined).
pub fn confirm_fastregister(inner: &Inner, req: &FastRegisterConfirm) -> Result<String, WxError> {
    let now = inner.now();
    let mut w = inner.world.write();
    fastregister_page_checks(&w, &req.component_appid, &req.appid, &req.redirect_uri)?;
    if req.decline {
        return Ok(req.redirect_uri.clone());
    }
    let ticket = inner.ids.hex32();
    let expires_at = now + w.settings.fastregister_ticket_ttl_secs;
    w.fastregister_tickets.insert(
        ticket.clone(),
        FastRegisterTicket {
            component_appid: req.component_appid.clone(),
            appid: req.appid.clone(),
            copy_wx_verify: req.copy_wx_verify,
            expires_at,
            registered: None,
            last_attempt_at: None,
        },
    );
    append_query(&req.redirect_uri, "ticket", &ticket)
        .map_err(|e| WxError::new(61060, format!("invalid redirect_uri: {e}")))
}

/// The message of the 40097 for a current admin's ID card that does not match (the rebind
/// page explains it in its own words).
pub const OLD_ADMIN_ID_CARD_MISMATCH: &str = "invalid args: the old admin's ID card does not match";

/// The componentrebindadmin page's confirmation.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RebindConfirm {
    /// The component.
    pub component_appid: String,
    /// The Mini Program.
    pub appid: String,
    /// Where to send the admin back.
    pub redirect_uri: String,
    /// The new admin.
    pub new_admin: AdminDef,
    /// The old admin's ID card as typed on the page; when given it must match.
    #[serde(default)]
    pub old_admin_id_card: Option<String>,
}

/// The rebind page's own checks: 61028, 61060, 40013 (not a Mini Program), 61003 (not
/// authorized to the component).
pub fn rebind_page_checks(w: &World, component_appid: &str, appid: &str, redirect_uri: &str) -> Result<(), WxError> {
    component_checks(w, component_appid)?;
    redirect_checks(w, component_appid, redirect_uri)?;
    match w.accounts.get(appid) {
        Some(a) if a.is_mini_program() => {}
        _ => {
            return Err(WxError::new(
                40013,
                format!("invalid appid: {appid} is not a Mini Program"),
            ));
        }
    }
    if !w
        .authorizations
        .contains_key(&(component_appid.to_owned(), appid.to_owned()))
    {
        return Err(WxError::of(61003));
    }
    Ok(())
}

/// Confirms a rebind; the redirect_uri with `taskid=` appended.
pub fn confirm_rebind(inner: &Inner, req: &RebindConfirm) -> Result<String, WxError> {
    let now = inner.now();
    let mut w = inner.world.write();
    rebind_page_checks(&w, &req.component_appid, &req.appid, &req.redirect_uri)?;
    let a = &req.new_admin;
    for (field, value) in [
        ("name", &a.name),
        ("id_card", &a.id_card),
        ("phone", &a.phone),
        ("wechat_id", &a.wechat_id),
    ] {
        if value.trim().is_empty() {
            return Err(WxError::new(40097, format!("invalid args: new_admin.{field} is empty")));
        }
    }
    if let Some(typed) = &req.old_admin_id_card {
        let current = w
            .accounts
            .get(&req.appid)
            .map(|a| a.admin.id_card.clone())
            .unwrap_or_default();
        if typed.trim() != current {
            return Err(WxError::new(40097, OLD_ADMIN_ID_CARD_MISMATCH));
        }
    }
    let taskid = inner.ids.hex32();
    let expires_at = now + w.settings.rebind_task_ttl_secs;
    w.rebind_tasks.insert(
        taskid.clone(),
        RebindTask {
            component_appid: req.component_appid.clone(),
            appid: req.appid.clone(),
            new_admin: req.new_admin.clone(),
            expires_at,
            used: false,
        },
    );
    append_query(&req.redirect_uri, "taskid", &taskid)
        .map_err(|e| WxError::new(61060, format!("invalid redirect_uri: {e}")))
}
