//! Account setup of a Mini Program (spec §2–§5): getaccountbasicinfo, checkwxverifynickname,
//! setnickname, api_wxa_querynickname, modifyheadimage, modifysignature. All take the
//! authorizer's access_token.

use super::media::{MediaProblem, lookup};
use super::names::{Verdict, claims_another_subject, judge};
use super::{json_object, request_or, str_field};
use super::{unix, wire_appid};
use crate::error::{ApiResult, Reply, WxError};
use crate::scenario::PrincipalType;
use crate::state::{Inner, Query, deliver_later};
use crate::world::{Audit, AuditSubject, Counter};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use fastreg_protocol::AuditId;
use fastreg_protocol::account::{
    AccountBasicInfoResponse, AuditStatus, CheckNicknameResponse, HeadImageInfo, NicknameInfo,
    QueryNicknameAuditResponse, SetNicknameResponse, SignatureInfo, WxVerifyInfo,
};
use fastreg_protocol::account::{ModifySignatureRequest, QueryNicknameAuditRequest};
use fastreg_protocol::endpoint::Empty;
use fastreg_protocol::rules::{CropBox, HEAD_IMAGE_MAX_BYTES, check_signature};
use fastreg_protocol::wire::IntBool;
use serde_json::Value;
use std::sync::Arc;

/// Renames allowed per year (newer docs: 2), shown in `nickname_info`.
const NICKNAME_QUOTA: u64 = 2;

/// GET or POST /cgi-bin/account/getaccountbasicinfo — spec §2.
pub async fn basic_info(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery) -> ApiResult {
    let (_, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "getaccountbasicinfo")?;
    deliver_later(&inner, inner.settle_due());
    let now = inner.now();
    let w = inner.world.read();
    let Some(a) = w.accounts.get(&appid) else {
        return Err(WxError::of(40013).for_app(&appid));
    };
    let mut verify = WxVerifyInfo::new(a.verified, a.verified);
    if a.verified {
        verify.annual_review = Some(IntBool(true));
        verify.annual_review_begin_time = Some(unix(a.verify_expires_at - 90 * 86_400));
        verify.annual_review_end_time = Some(unix(a.verify_expires_at));
    }
    let s = &w.settings;
    let mut info = AccountBasicInfoResponse::new(
        wire_appid(&a.appid)?,
        a.account_type_code(),
        a.principal_type.code(),
        a.principal_name.clone(),
        a.realname_status,
    );
    info.wx_verify_info = Some(verify);
    info.signature_info = Some(SignatureInfo::new(
        a.signature.clone(),
        w.used(&appid, Counter::Signature, now).into(),
        s.signature_modifies_per_month.into(),
    ));
    info.head_image_info = Some(HeadImageInfo::new(
        a.head_image_url.clone(),
        w.used(&appid, Counter::HeadImage, now).into(),
        s.head_image_modifies_per_month.into(),
    ));
    info.nickname = Some(a.nickname.clone());
    info.nickname_info = Some(NicknameInfo::new(
        a.nickname.clone(),
        w.used(&appid, Counter::Nickname, now).into(),
        NICKNAME_QUOTA,
    ));
    info.registered_country = Some(if a.overseas { 1000 } else { 1017 });
    info.credential = Some(format!("9144{:014}", a.appid.bytes().map(u64::from).sum::<u64>()));
    info.customer_type = Some(if a.verified {
        a.principal_type.customer_type()
    } else {
        0
    });
    Ok(Reply::typed(&appid, &info))
}

/// POST /cgi-bin/wxverify/checkwxverifynickname — spec §3.1.
pub async fn check_nickname(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let (_, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "checkwxverifynickname")?;
    let run = || {
        let map = json_object(&body)?;
        let name = str_field(&map, "nick_name").unwrap_or_default().into_owned();
        let now = inner.now();
        let mut w = inner.world.write();
        if w.used(&appid, Counter::NicknameCheck, now) >= w.settings.nickname_checks_per_day {
            return Err(WxError::new(53011, "nickname check hits the frequency limit"));
        }
        w.spend(&appid, Counter::NicknameCheck, now);
        let Some(account) = w.accounts.get(&appid) else {
            return Err(WxError::of(40013));
        };
        match judge(&w, account, &name, now) {
            Verdict::Usable { keyword } => {
                let wording = if keyword {
                    w.rules.keyword_wording.clone()
                } else {
                    String::new()
                };
                Ok(Reply::typed(&appid, &CheckNicknameResponse::new(keyword, wording)))
            }
            other => Err(WxError::new(other.check_code(), other.reason())),
        }
    };
    run().map_err(|e: WxError| e.for_app(&appid))
}

/// POST /wxa/setnickname — spec §3.2. Opens a nickname audit.
pub async fn set_nickname(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let (component, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "setnickname")?;
    let run = || {
        let map = json_object(&body)?;
        let field = |k: &str| {
            str_field(&map, k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let name = field("nick_name").unwrap_or_default();
        let now = inner.now();
        let mut w = inner.world.write();
        let Some(account) = w.accounts.get(&appid) else {
            return Err(WxError::of(40013));
        };
        if !account.is_fast_registered() {
            return Err(WxError::new(
                91001,
                "not a Mini Program fast-registered from an Official Account",
            ));
        }
        if matches!(
            account.kind,
            crate::world::AccountKind::MiniProgram { released: true, .. }
        ) {
            return Err(WxError::new(
                91002,
                "the Mini Program is released; it cannot be renamed",
            ));
        }
        if account.nickname_audit.is_some() {
            return Err(WxError::new(
                91003,
                "a nickname audit is under way; wait for its result",
            ));
        }
        let verdict = judge(&w, account, &name, now);
        let keyword = match verdict {
            Verdict::Usable { keyword } => keyword,
            other => return Err(WxError::new(other.set_code(), other.reason())),
        };
        if claims_another_subject(account, &name) {
            return Err(WxError::new(
                91015,
                "the name does not match the subject of the Official Account",
            ));
        }
        let (material_field, material) = if account.principal_type == PrincipalType::Individual {
            ("id_card", field("id_card"))
        } else {
            ("license", field("license"))
        };
        let Some(material) = material else {
            return Err(WxError::new(
                91009,
                format!("materials required: {material_field} (a temporary media id)"),
            ));
        };
        let others: Vec<String> = (1..=5)
            .filter_map(|i| field(&format!("naming_other_stuff_{i}")))
            .collect();
        if keyword && others.is_empty() {
            return Err(WxError::new(
                91009,
                "materials required: the name hits the keyword policy; give naming_other_stuff_1..5",
            ));
        }
        for media_id in std::iter::once(&material).chain(others.iter()) {
            if lookup(&w, &appid, media_id, now).is_err() {
                return Err(WxError::new(
                    91010,
                    format!("material {media_id:?} is not a valid temporary media id of this account"),
                ));
            }
        }
        let wording = if keyword {
            w.rules.keyword_wording.clone()
        } else {
            String::new()
        };
        w.spend(&appid, Counter::Nickname, now);
        if !w.settings.nickname_audit {
            if let Some(a) = w.accounts.get_mut(&appid) {
                a.nickname = name;
            }
            return Ok(Reply::typed(&appid, &SetNicknameResponse::new(wording, None)));
        }
        let audit_id = w.next_audit();
        let due_at = now + w.settings.audit_delay_secs;
        inner.due_at(due_at);
        w.audits.insert(
            audit_id,
            Audit {
                audit_id,
                appid: appid.clone(),
                component_appid: component.clone(),
                subject: AuditSubject::Nickname { nickname: name.clone() },
                create_time: now,
                due_at,
                decision: None,
            },
        );
        if let Some(a) = w.accounts.get_mut(&appid) {
            a.nickname_audit = Some(audit_id);
        }
        Ok(Reply::typed(
            &appid,
            &SetNicknameResponse::new(wording, Some(AuditId(audit_id))),
        ))
    };
    run().map_err(|e: WxError| e.for_app(&appid))
}

/// POST /wxa/api_wxa_querynickname — spec §3.3.
pub async fn query_nickname(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let (_, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "api_wxa_querynickname")?;
    deliver_later(&inner, inner.settle_due());
    let run = || {
        let req: QueryNicknameAuditRequest = request_or(&body, |why| {
            WxError::new(91011, format!("audit_id missing or not a number: {why}"))
        })?;
        let id = req.audit_id.0;
        let w = inner.world.read();
        let Some(audit) = w.audits.get(&id).filter(|a| a.appid == appid) else {
            return Err(WxError::new(
                91011,
                "no nickname audit with this audit_id for this account",
            ));
        };
        let AuditSubject::Nickname { nickname } = &audit.subject else {
            return Err(WxError::new(
                91012,
                "this audit_id is a category audit, not a nickname audit",
            ));
        };
        let (stat, reason, at) = match &audit.decision {
            None => (AuditStatus::Reviewing, String::new(), 0),
            Some(d) => (
                AuditStatus::try_from(d.outcome.code()).map_err(|e| WxError::new(-1, format!("system error: {e}")))?,
                d.reason.clone(),
                d.at,
            ),
        };
        let answer = QueryNicknameAuditResponse::new(nickname.clone(), stat, reason, unix(audit.create_time), unix(at));
        Ok(Reply::typed(&appid, &answer))
    };
    run().map_err(|e: WxError| e.for_app(&appid))
}

/// POST /cgi-bin/account/modifyheadimage — spec §4.
pub async fn modify_head_image(
    State(inner): State<Arc<Inner>>,
    RawQuery(q): RawQuery,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> ApiResult {
    let (_, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "modifyheadimage")?;
    let run = || {
        let map = json_object(&body)?;
        let media_id = match map.get("head_img_media_id") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.trim().to_owned(),
            Some(_) => {
                return Err(WxError::new(
                    40007,
                    "invalid media_id: head_img_media_id must be a string",
                ));
            }
        };
        if media_id.is_empty() {
            return Err(WxError::of(41006));
        }
        let coordinate = |k: &str| {
            map.get(k)
                .and_then(|v| v.as_f64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok())))
                .ok_or_else(|| WxError::new(40097, format!("invalid args: {k} must be a number in [0, 1]")))
        };
        let (x1, y1, x2, y2) = (
            coordinate("x1")?,
            coordinate("y1")?,
            coordinate("x2")?,
            coordinate("y2")?,
        );
        CropBox::new(x1, y1, x2, y2).map_err(|e| WxError::new(40097, format!("invalid args: {e}")))?;
        let now = inner.now();
        let mut w = inner.world.write();
        if !w.accounts.get(&appid).is_some_and(|a| a.is_mini_program()) {
            return Err(WxError::new(
                48001,
                "api unauthorized: modifyheadimage is for Mini Programs",
            ));
        }
        let media = match lookup(&w, &appid, &media_id, now) {
            Ok(m) => m,
            Err(MediaProblem::Empty) => return Err(WxError::of(41006)),
            Err(MediaProblem::Malformed) => return Err(WxError::of(40007)),
            Err(MediaProblem::Missing) => return Err(WxError::of(46001)),
        };
        if media.image.is_none() {
            return Err(WxError::new(40007, "invalid media_id: not an image"));
        }
        if media.size > HEAD_IMAGE_MAX_BYTES as u64 {
            return Err(WxError::new(
                40009,
                format!("invalid image size: {} bytes, at most 2 MB", media.size),
            ));
        }
        if w.used(&appid, Counter::HeadImage, now) >= w.settings.head_image_modifies_per_month {
            return Err(WxError::new(53202, "head image modify quota of this month is used up"));
        }
        let image = crate::images::Image::of(media);
        w.spend(&appid, Counter::HeadImage, now);
        // Served by the emulator itself at the address it was called on, so it shows offline.
        let url = crate::images::store(&mut w, &headers, &inner.ids.alnum(48), image);
        if let Some(a) = w.accounts.get_mut(&appid) {
            a.head_image_url = url;
        }
        Ok(Reply::typed(&appid, &Empty {}))
    };
    run().map_err(|e: WxError| e.for_app(&appid))
}

/// POST /cgi-bin/account/modifysignature — spec §5.
pub async fn modify_signature(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let (_, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "modifysignature")?;
    let run = || {
        let req: ModifySignatureRequest = request_or(&body, |why| WxError::new(40097, format!("invalid args: {why}")))?;
        let signature = &req.signature;
        check_signature(signature).map_err(|e| WxError::new(40097, format!("invalid args: {e}")))?;
        let now = inner.now();
        let mut w = inner.world.write();
        if !w.accounts.get(&appid).is_some_and(|a| a.is_mini_program()) {
            return Err(WxError::new(
                48001,
                "api unauthorized: modifysignature is for Mini Programs",
            ));
        }
        if let Some(word) = w
            .rules
            .signature_blacklist
            .iter()
            .find(|b| signature.contains(b.as_str()))
        {
            return Err(WxError::new(
                53201,
                format!("signature hits the blacklisted keyword {word:?}"),
            ));
        }
        if w.used(&appid, Counter::Signature, now) >= w.settings.signature_modifies_per_month {
            return Err(WxError::new(53200, "signature modify quota of this month is used up"));
        }
        w.spend(&appid, Counter::Signature, now);
        if let Some(a) = w.accounts.get_mut(&appid) {
            a.signature = signature.clone();
        }
        Ok(Reply::typed(&appid, &Empty {}))
    };
    run().map_err(|e: WxError| e.for_app(&appid))
}
