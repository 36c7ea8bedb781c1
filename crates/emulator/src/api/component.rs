//! Component authorization (protocol-notes §1): api_component_token, api_create_preauthcode,
//! api_query_auth, api_authorizer_token, api_get_authorizer_info, api_get_authorizer_list.
//! These answer without `errcode` on success, as WeChat's token APIs do.

use super::{json_object, request, str_field, unix, wire, wire_appid};
use crate::error::{ApiResult, Reply, WxError};
use crate::scenario::AccountType;
use crate::state::{Inner, Query};
use crate::tokens::Holder;
use crate::world::{Account, AccountKind, Authorization, PreAuthCode, World};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use fastreg_protocol::component::{
    AuthorizationInfo, AuthorizationSummary, AuthorizerInfo, AuthorizerListItem, AuthorizerTokenResponse,
    CategoryNames, ComponentTokenRequest, ComponentTokenResponse, CreatePreAuthCodeResponse, FuncInfo,
    GetAuthorizerInfoResponse, GetAuthorizerListResponse, MiniProgramInfo, QueryAuthResponse, TypeInfo,
};
use fastreg_protocol::component::{CreatePreAuthCodeRequest, GetAuthorizerInfoRequest, QueryAuthRequest};
use fastreg_protocol::id::Secret;
use fastreg_protocol::permission::PermissionSet;
use fastreg_protocol::{AccessToken, AppId, RefreshToken};
use serde_json::{Value, json};
use std::sync::Arc;

/// `func_info` of a set of permission sets.
pub fn func_info(sets: &[PermissionSet]) -> Vec<FuncInfo> {
    sets.iter().map(|s| FuncInfo::new(s.funcscope_id())).collect()
}

fn required<'a>(map: &'a serde_json::Map<String, Value>, key: &str) -> Result<std::borrow::Cow<'a, str>, WxError> {
    str_field(map, key)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| WxError::new(47001, format!("data format error: {key} missing")))
}

/// A required appid field of a body read as a JSON object (47001 when missing).
fn wire_field(map: &serde_json::Map<String, Value>, key: &str) -> Result<AppId, WxError> {
    let value = required(map, key)?;
    AppId::parse(value.as_ref()).map_err(|e| WxError::new(47001, format!("data format error: {key}: {e}")))
}

/// The request's component_appid must be the caller's.
fn same_component(caller: &str, appid: &AppId) -> Result<(), WxError> {
    if appid.as_str() != caller {
        return Err(WxError::new(
            61011,
            format!("invalid component: the token belongs to {caller}, not {appid}"),
        ));
    }
    Ok(())
}

/// POST /cgi-bin/component/api_component_token.
pub async fn component_token(State(inner): State<Arc<Inner>>, body: Bytes) -> ApiResult {
    let req: ComponentTokenRequest = request(&body)?;
    let appid = req.component_appid.as_str().to_owned();
    let secret = req.component_appsecret.expose();
    let ticket = req.component_verify_ticket.expose();
    let now = inner.now();
    {
        let w = inner.world.read();
        let Some(component) = w.components.get(&appid) else {
            return Err(WxError::of(61011).for_app(&appid));
        };
        inner.spend_daily(&appid, "api_component_token")?;
        if component.def.secret != secret {
            return Err(WxError::of(40125).for_app(&appid));
        }
        let ttl = w.settings.verify_ticket_ttl_secs;
        match component.tickets.iter().find(|(t, _)| *t == ticket) {
            None => return Err(WxError::of(61006).for_app(&appid)),
            Some((_, issued)) if now >= issued + ttl => {
                return Err(WxError::of(61005).for_app(&appid));
            }
            Some(_) => {}
        }
    }
    let (token, ttl) = inner.issue_token(Holder::Component {
        component_appid: appid.clone(),
    });
    let token = wire(AccessToken::parse(token))?;
    Ok(Reply::typed_bare(
        &appid,
        &ComponentTokenResponse::new(token, unix(ttl)),
    ))
}

/// POST /cgi-bin/component/api_create_preauthcode.
pub async fn create_preauthcode(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let caller = inner.component_caller(&Query::parse(q.as_deref()), "api_create_preauthcode")?;
    let run = || {
        let req: CreatePreAuthCodeRequest = request(&body)?;
        same_component(&caller, &req.component_appid)?;
        let code = inner.ids.pre_auth_code();
        let mut w = inner.world.write();
        let ttl = w.settings.pre_auth_code_ttl_secs;
        w.pre_auth_codes.insert(
            code.clone(),
            PreAuthCode {
                component_appid: caller.clone(),
                expires_at: inner.now() + ttl,
                used: false,
            },
        );
        Ok(Reply::typed_bare(
            &caller,
            &CreatePreAuthCodeResponse::new(wire(Secret::parse(code))?, unix(ttl)),
        ))
    };
    run().map_err(|e: WxError| e.for_app(&caller))
}

/// POST /cgi-bin/component/api_query_auth.
pub async fn query_auth(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let caller = inner.component_caller(&Query::parse(q.as_deref()), "api_query_auth")?;
    let run = || {
        let req: QueryAuthRequest = request(&body)?;
        same_component(&caller, &req.component_appid)?;
        let code = req.authorization_code.as_str();
        let now = inner.now();
        let (appid, sets, refresh) = {
            let mut w = inner.world.write();
            let Some(entry) = w.auth_codes.get_mut(code) else {
                return Err(WxError::of(61009));
            };
            if entry.component_appid != caller || entry.used {
                return Err(WxError::of(61009));
            }
            if now >= entry.expires_at {
                return Err(WxError::of(61010));
            }
            entry.used = true;
            let appid = entry.appid.clone();
            let Some(auth) = w.authorizations.get(&(caller.clone(), appid.clone())) else {
                return Err(WxError::of(61003).for_app(&appid));
            };
            (appid, auth.permission_sets.clone(), auth.refresh_token.clone())
        };
        let (token, ttl) = inner.issue_token(Holder::Authorizer {
            component_appid: caller.clone(),
            appid: appid.clone(),
        });
        let mut info = AuthorizationInfo::new(wire_appid(&appid)?, func_info(&sets));
        info.authorizer_access_token = Some(wire(AccessToken::parse(token))?);
        info.expires_in = Some(unix(ttl));
        info.authorizer_refresh_token = Some(wire(RefreshToken::parse(refresh))?);
        Ok(Reply::typed_bare(&caller, &QueryAuthResponse::new(info)))
    };
    run().map_err(|e: WxError| e.for_app(&caller))
}

/// POST /cgi-bin/component/api_authorizer_token.
pub async fn authorizer_token(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let caller = inner.component_caller(&Query::parse(q.as_deref()), "api_authorizer_token")?;
    let run = || {
        // Not the typed request: a missing refresh token answers 61023 here, as a wrong one does.
        let map = json_object(&body)?;
        same_component(&caller, &wire_field(&map, "component_appid")?)?;
        let appid = required(&map, "authorizer_appid")?.into_owned();
        let presented = str_field(&map, "authorizer_refresh_token").unwrap_or_default();
        let refresh = {
            let mut w = inner.world.write();
            let rotate = w.settings.rotate_refresh_tokens;
            let auth = w
                .authorizations
                .get_mut(&(caller.clone(), appid.clone()))
                .filter(|a| !presented.is_empty() && a.refresh_token == presented)
                .ok_or_else(|| WxError::of(61023).for_app(&appid))?;
            if rotate {
                auth.refresh_token = inner.ids.refresh_token();
            }
            auth.refresh_token.clone()
        };
        let (token, ttl) = inner.issue_token(Holder::Authorizer {
            component_appid: caller.clone(),
            appid: appid.clone(),
        });
        Ok(Reply::typed_bare(
            &caller,
            &AuthorizerTokenResponse::new(
                wire(AccessToken::parse(token))?,
                unix(ttl),
                Some(wire(RefreshToken::parse(refresh))?),
            ),
        ))
    };
    run().map_err(|e: WxError| e.for_app(&caller))
}

/// The authorizer_info of an account, as api_get_authorizer_info shows it.
pub fn authorizer_profile(w: &World, account: &Account) -> AuthorizerInfo {
    let service_type = match account.kind {
        AccountKind::OfficialAccount {
            account_type: AccountType::Service,
        } => 2,
        _ => 0,
    };
    let mut info = AuthorizerInfo::default();
    info.nick_name = account.nickname.clone();
    info.head_img = account.head_image_url.clone();
    info.service_type_info = Some(TypeInfo::new(service_type));
    info.verify_type_info = Some(TypeInfo::new(if account.verified { 0 } else { -1 }));
    info.user_name = account.original_id.clone();
    info.qrcode_url = format!("http://mmbiz.qpic.cn/mmbiz_jpg/emulator-{}/0", account.appid);
    // Raw in the protocol type (WeChat adds switches over time): the five the docs show.
    info.business_info = Some(json!({"open_pay": 0, "open_shake": 0, "open_scan": 0, "open_card": 0, "open_store": 0}));
    info.principal_name = account.principal_name.clone();
    info.signature = account.signature.clone();
    info.account_status = Some(1);
    if account.is_mini_program() {
        let mut mini = MiniProgramInfo::default();
        mini.network = Some(json!({"RequestDomain": [], "WsRequestDomain": [], "UploadDomain": [],
                                   "DownloadDomain": [], "BizDomain": [], "UDPDomain": []}));
        mini.categories = account
            .categories
            .iter()
            .map(|c| {
                let name = |id| w.category(id).map(|n| n.name.clone()).unwrap_or_default();
                CategoryNames::new(name(c.first), name(c.second))
            })
            .collect();
        mini.visit_status = Some(0);
        info.mini_program_info = Some(mini);
        info.register_type = Some(if account.is_fast_registered() { 1 } else { 0 });
        info.basic_config = Some(json!({"is_phone_configured": false, "is_email_configured": false}));
    }
    info
}

/// POST /cgi-bin/component/api_get_authorizer_info.
pub async fn authorizer_info(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let caller = inner.component_caller(&Query::parse(q.as_deref()), "api_get_authorizer_info")?;
    let run = || {
        let req: GetAuthorizerInfoRequest = request(&body)?;
        same_component(&caller, &req.component_appid)?;
        let appid = req.authorizer_appid.into_string();
        let w = inner.world.read();
        let Some(account) = w.accounts.get(&appid) else {
            return Err(WxError::of(40013));
        };
        let Some(auth) = w.authorizations.get(&(caller.clone(), appid.clone())) else {
            return Err(WxError::of(61003));
        };
        let summary = AuthorizationSummary::new(
            wire_appid(&appid)?,
            Some(wire(RefreshToken::parse(auth.refresh_token.clone()))?),
            func_info(&auth.permission_sets),
        );
        Ok(Reply::typed_bare(
            &caller,
            &GetAuthorizerInfoResponse::new(authorizer_profile(&w, account), summary),
        ))
    };
    run().map_err(|e: WxError| e.for_app(&caller))
}

/// POST /cgi-bin/component/api_get_authorizer_list.
pub async fn authorizer_list(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let caller = inner.component_caller(&Query::parse(q.as_deref()), "api_get_authorizer_list")?;
    let run = || {
        // Not the typed request: offset and count may be missing here (0 and 500).
        let map = json_object(&body)?;
        same_component(&caller, &wire_field(&map, "component_appid")?)?;
        let number = |key: &str| -> Result<u64, WxError> {
            match map.get(key) {
                None => Ok(if key == "count" { 500 } else { 0 }),
                Some(v) => v
                    .as_u64()
                    .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
                    .ok_or_else(|| WxError::new(40097, format!("invalid args: {key} must be a number"))),
            }
        };
        let offset = number("offset")?;
        let count = number("count")?;
        if count == 0 || count > 500 {
            return Err(WxError::new(40097, "invalid args: count must be 1 to 500"));
        }
        let w = inner.world.read();
        let mut all: Vec<&Authorization> = w
            .authorizations
            .values()
            .filter(|a| a.component_appid == caller)
            .collect();
        all.sort_by(|a, b| (a.auth_time, &a.appid).cmp(&(b.auth_time, &b.appid)));
        let list = all
            .iter()
            .skip(offset as usize)
            .take(count as usize)
            .map(|a| {
                Ok(AuthorizerListItem::new(
                    wire_appid(&a.appid)?,
                    wire(RefreshToken::parse(a.refresh_token.clone()))?,
                    unix(a.auth_time),
                ))
            })
            .collect::<Result<Vec<_>, WxError>>()?;
        Ok(Reply::typed_bare(
            &caller,
            &GetAuthorizerListResponse::new(all.len() as u64, list),
        ))
    };
    run().map_err(|e: WxError| e.for_app(&caller))
}
