//! Authorize an account, fast-register a Mini Program, and every fastregister error of the spec.

use crate::helpers::*;
use crate::on_both;
use fastreg_emulator::builtin::*;
use serde_json::json;

on_both!(authorize_then_fast_register, |db| async move {
    let Some(app) = spawn_app(db).await else { return };
    let auth = app.authorize(OA_ENTERPRISE).await;
    assert_eq!(auth["state"], "authorized", "{auth}");
    assert_eq!(auth["authorizer_appid"], OA_ENTERPRISE);
    let oa = app.get(&format!("/authorizers/{OA_ENTERPRISE}")).await;
    assert_eq!(oa["kind"], "official_account", "{oa}");

    let reg = app.register(OA_ENTERPRISE, None).await;
    assert_eq!(reg["state"], "registered", "{reg:#}");
    let mp = reg["mini_program_appid"].as_str().expect("appid");
    assert_eq!(reg["copy_wx_verify"], true);
    assert_eq!(app.calls("fastregister").await, 1);
    // The refresh token is stored (sealed) and works: a call for the new Mini Program succeeds.
    let mp_view = app.get(&format!("/mini-programs/{mp}?live=true")).await;
    assert_eq!(mp_view["basic_info"]["appid"], mp, "{mp_view:#}");
    app.cleanup().await;
});

/// Every fastregister error of the spec ends the registration with the catalog's meaning and
/// remedy. The ones the built-in scenario reaches through its accounts' rules are reached that
/// way; the component-level ones (61028, 61029, 61060 — WeChat's page refuses those before a
/// ticket exists) are injected into fastregister as faults.
async fn spec_errors(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    let natural = [
        (OA_INDIVIDUAL, 61051),
        (OA_UNVERIFIED, 61052),
        (OA_SUBJECT_CAP, 61053),
        (OA_BLACKLISTED, 61054),
        (OA_AT_MONTHLY_LIMIT, 61055),
        (OA_WITH_PENDING, 61057),
        (OA_OVERSEAS, 61061),
    ];
    for (oa, code) in natural {
        let auth = app.authorize(oa).await;
        assert_eq!(auth["state"], "authorized", "{oa}: {auth}");
        let reg = app.register(oa, None).await;
        assert_failed_with(&reg, code);
    }
    // 61056: a media account that declines to reuse its verification. The service reads the
    // subject type (getaccountbasicinfo answers principal_type 2 here), forces copy_wx_verify,
    // registers, and tells the operator why: WeChat's 61056 is never met.
    app.authorize(OA_MEDIA).await;
    let reg = app
        .register_with(json!({ "oa_appid": OA_MEDIA, "copy_wx_verify": false }))
        .await;
    assert_eq!(reg["state"], "registered", "{reg:#}");
    assert_eq!(reg["copy_wx_verify"], true, "{reg:#}");
    assert!(reg["note"].as_str().unwrap_or("").contains("61056"), "{reg:#}");
    // 61058: a ticket WeChat does not recognise (a valid state, a ticket never issued).
    app.authorize(OA_ENTERPRISE).await;
    let reg = app.start_registration(json!({ "oa_appid": OA_ENTERPRISE })).await;
    let redirect = app.confirm_fastregister(&reg).await;
    let forged = replace_ticket(&redirect, "b25519093b1e97239eff9d2bfc07e08e");
    let (status, _) = app.follow(&forged).await;
    assert_eq!(status, 200);
    app.drain().await;
    let reg = app
        .get(&format!("/registrations/{}", reg["id"].as_str().unwrap_or_default()))
        .await;
    assert_failed_with(&reg, 61058);
    for code in [61028, 61029, 61060] {
        app.control(
            "faults",
            json!({ "path": "/cgi-bin/account/fastregister", "mode": "error", "errcode": code, "count": 1 }),
        )
        .await;
        let reg = app.register(OA_ENTERPRISE, None).await;
        assert_failed_with(&reg, code);
    }
    app.cleanup().await;
}
on_both!(every_fastregister_error_surfaces_with_its_meaning, spec_errors);

fn assert_failed_with(reg: &serde_json::Value, code: i64) {
    assert_eq!(reg["state"], "failed", "{code}: {reg:#}");
    let entry = fastreg_protocol::catalog::lookup(code).expect("a spec code");
    assert_eq!(reg["error"]["code"], code.to_string(), "{reg:#}");
    assert_eq!(reg["error"]["message"], entry.en, "{reg:#}");
    assert_eq!(reg["error"]["remedy"], entry.remedy_en, "{reg:#}");
    assert_eq!(reg["error"]["message_zh"], entry.zh, "{reg:#}");
    assert!(reg["mini_program_appid"].is_null());
}

pub fn replace_ticket(redirect: &str, ticket: &str) -> String {
    let mut url = url::Url::parse(redirect).expect("redirect");
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().filter(|(k, _)| k != "ticket").collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(pairs)
        .append_pair("ticket", ticket);
    url.to_string()
}
