//! POST /cgi-bin/account/fastregister — spec §1.3, with every rule of the spec's 相关规则 and
//! error table, checked in this order:
//!
//! 1. the ticket (61058): unknown, for another account or component, used, expired, or tried
//!    again within `fastregister_retry_window_secs` (5 s) of the last try;
//! 2. the component: published (61028), the five permission sets (61029); the account granted
//!    it the fast-register set (48001 otherwise);
//! 3. the account: blacklisted subject (61054), overseas (61061), subject type (61051: only
//!    enterprise, media, government, other), verified (61052), government/media/other without
//!    `copy_wx_verify` (61056), a pending registration (61057), 5 successful registrations this
//!    month (61055; failures are not counted), the subject's Mini Program cap (61053).
//!
//! Success creates the Mini Program linked to the account, verified with the account's expiry
//! when verification was reused (unless `fast_registered_start_unverified`), authorized to the
//! component; returns a single-use authorization_code and pushes `authorized` (with a code of
//! its own, so the answer's code and the push's can each be exchanged once).

use crate::error::{ApiResult, Reply, WxError};
use crate::scenario::PrincipalType;
use crate::state::{Inner, Query, deliver_later};
use crate::world::{Account, AccountKind, Counter};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use fastreg_protocol::AppId;
use fastreg_protocol::event::ComponentEvent;
use fastreg_protocol::id::{AuthorizationCode, Secret};
use fastreg_protocol::permission::{PermissionSet, REQUIRED_FOR_FAST_REGISTER};
use fastreg_protocol::registration::{FastRegisterRequest, FastRegisterResponse};
use std::sync::Arc;

/// The permission sets a fast-registered Mini Program is authorized to its component with.
pub const MINI_PROGRAM_SETS: [PermissionSet; 4] = [
    PermissionSet::MpAccountManagement,
    PermissionSet::MpDevelopment,
    PermissionSet::MpVerification,
    PermissionSet::MpBasicInfo,
];

/// POST /cgi-bin/account/fastregister.
pub async fn fastregister(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let (component, oa) = inner.authorizer_caller(&Query::parse(q.as_deref()), "fastregister")?;
    let result = register(&inner, &component, &oa, &body);
    match result {
        Ok((reply, pushes)) => {
            deliver_later(&inner, pushes);
            Ok(reply)
        }
        Err(e) => Err(e.for_app(&oa)),
    }
}

fn register(
    inner: &Inner,
    component_appid: &str,
    oa: &str,
    body: &[u8],
) -> Result<(Reply, Vec<crate::push::Outgoing>), WxError> {
    let req: FastRegisterRequest =
        super::request_or(body, |why| WxError::new(61058, format!("invalid ticket: {why}")))?;
    let ticket = req.ticket.as_str().to_owned();
    let now = inner.now();
    let mut w = inner.world.write();
    let window = w.settings.fastregister_retry_window_secs;
    let invalid = |why: &str| WxError::new(61058, format!("invalid ticket: {why}"));
    let copy_wx_verify = {
        let Some(t) = w.fastregister_tickets.get_mut(&ticket) else {
            return Err(invalid("unknown ticket"));
        };
        if t.appid != oa || t.component_appid != component_appid {
            return Err(invalid("the ticket was issued for another account or component"));
        }
        if t.registered.is_some() {
            return Err(invalid("the ticket was used already"));
        }
        if now >= t.expires_at {
            return Err(invalid("the ticket expired"));
        }
        let last = t.last_attempt_at.replace(now);
        if let Some(last) = last
            && now - last < window
        {
            return Err(invalid("the ticket was tried again within 5 seconds"));
        }
        t.copy_wx_verify
    };
    let Some(component) = w.components.get(component_appid) else {
        return Err(WxError::of(61011));
    };
    if !component.def.published {
        return Err(WxError::of(61028));
    }
    if let Some(missing) = REQUIRED_FOR_FAST_REGISTER
        .iter()
        .find(|s| !component.def.permission_sets.contains(s))
    {
        return Err(WxError::new(
            61029,
            format!(
                "component is missing the permission set {missing} ({})",
                missing.chinese_name()
            ),
        ));
    }
    let granted = w
        .authorizations
        .get(&(component_appid.to_owned(), oa.to_owned()))
        .is_some_and(|a| a.permission_sets.contains(&PermissionSet::FastRegister));
    if !granted {
        return Err(WxError::new(
            48001,
            "api unauthorized: the account has not granted the fast_register permission set (27) to this component",
        ));
    }
    let Some(account) = w.accounts.get(oa) else {
        return Err(WxError::of(40013));
    };
    if account.is_mini_program() {
        return Err(WxError::new(61051, "a Mini Program cannot fast-register Mini Programs"));
    }
    if account.blacklisted {
        return Err(WxError::of(61054));
    }
    if account.overseas {
        return Err(WxError::of(61061));
    }
    if account.principal_type == PrincipalType::Individual {
        return Err(WxError::of(61051));
    }
    if !account.verified {
        return Err(WxError::of(61052));
    }
    if matches!(
        account.principal_type,
        PrincipalType::Government | PrincipalType::Media | PrincipalType::Other
    ) && !copy_wx_verify
    {
        return Err(WxError::of(61056));
    }
    if account.pending_registration {
        return Err(WxError::of(61057));
    }
    if w.used(oa, Counter::FastRegister, now) >= w.settings.monthly_fast_registrations {
        return Err(WxError::of(61055));
    }
    if w.subject_mini_programs(&account.principal_name) >= w.settings.mini_programs_per_subject {
        return Err(WxError::of(61053));
    }

    // Every rule passed: create the Mini Program.
    let verified = copy_wx_verify && !w.settings.fast_registered_start_unverified;
    let account = account.clone();
    let appid = inner.ids.appid();
    let realname_delay = w.settings.realname_delay_secs;
    if !verified {
        inner.due_at(now + realname_delay);
    }
    w.accounts.insert(
        appid.clone(),
        Account {
            appid: appid.clone(),
            kind: AccountKind::MiniProgram {
                fast_registered_from: Some(oa.to_owned()),
                released: false,
            },
            original_id: inner.ids.original_id(),
            nickname: String::new(),
            principal_type: account.principal_type,
            principal_name: account.principal_name.clone(),
            verified,
            verify_expires_at: if verified { account.verify_expires_at } else { 0 },
            overseas: false,
            blacklisted: false,
            icp_filed: account.icp_filed,
            pending_registration: false,
            subject_mini_programs: 0,
            admin: account.admin.clone(),
            signature: String::new(),
            head_image_url: String::new(),
            realname_status: if verified { 1 } else { 2 },
            realname_due_at: if verified { None } else { Some(now + realname_delay) },
            categories: vec![],
            nickname_audit: None,
            created_at: now,
        },
    );
    w.grant(component_appid, &appid, MINI_PROGRAM_SETS.to_vec(), now, &inner.ids);
    let code = w.new_auth_code(component_appid, &appid, now, &inner.ids);
    w.spend(oa, Counter::FastRegister, now);
    if let Some(t) = w.fastregister_tickets.get_mut(&ticket) {
        t.registered = Some(appid.clone());
    }
    let mut pushes = Vec::new();
    let ttl = w.settings.authorization_code_ttl_secs;
    // As for every authorization, the push carries a code of its own.
    let push_code = w.new_auth_code(component_appid, &appid, now, &inner.ids);
    if let (Ok(app_id), Ok(authorizer_appid), Ok(authorization_code), Ok(pre_auth_code)) = (
        AppId::parse(component_appid),
        AppId::parse(appid.clone()),
        AuthorizationCode::parse(push_code),
        Secret::parse(inner.ids.pre_auth_code()),
    ) {
        let event = ComponentEvent::Authorized {
            app_id,
            create_time: now as u64,
            authorizer_appid,
            authorization_code,
            authorization_code_expired_time: (now + ttl) as u64,
            pre_auth_code,
        };
        pushes.extend(crate::push::component_event(
            &w,
            component_appid,
            &event,
            now,
            &inner.ids,
        ));
    }
    let answer = FastRegisterResponse::new(
        super::wire_appid(&appid)?,
        super::wire(AuthorizationCode::parse(code))?,
        verified,
        true,
    );
    // The spec's example answers `errmsg: ""` here.
    Ok((Reply::typed_with(oa, "", &answer), pushes))
}
