//! The setup plan end to end: name (check, materials, audit approved by push, rejected by push,
//! decided while pushes are lost and found by polling), head image, signature, categories
//! (a sensitive one with its qualification, audited; a rejected one resubmitted through
//! modifycategory; one deleted, not while under review), rebind admin.

use crate::helpers::*;
use crate::on_both;
use fastreg_emulator::builtin::*;
use serde_json::{Value, json};
use std::time::Duration;

fn full_plan(name: &str) -> Value {
    json!({
        "nickname": { "name": name, "license": { "filename": "license.png", "data_base64": png_b64() } },
        "avatar": { "image": { "filename": "avatar.png", "data_base64": png_b64() }, "crop": { "x1": 0.0, "y1": 0.0, "x2": 1.0, "y2": 1.0 } },
        "signature": "提供好用的工具服务，欢迎使用。",
        "categories": [
            { "first": 304, "second": 305 },
            { "first": 8, "second": 39, "certificates": [
                { "key": "《因私出入境中介机构经营许可证》", "image": { "filename": "permit.png", "data_base64": png_b64() } }
            ] }
        ]
    })
}

pub fn step<'a>(mp: &'a Value, name: &str) -> &'a Value {
    mp["setup"]
        .as_array()
        .and_then(|s| s.iter().find(|x| x["step"] == name))
        .unwrap_or_else(|| panic!("no step {name}: {mp:#}"))
}

pub async fn decide(app: &TestApp, audit_id: u64, approve: bool, reason: &str) {
    let r = app
        .control(
            &format!("audits/{audit_id}"),
            json!({ "approve": approve, "reason": reason }),
        )
        .await;
    assert!(r.get("errcode").is_none_or(|c| c == 0), "decide audit: {r}");
}

pub async fn open_audits(app: &TestApp, appid: &str) -> Vec<Value> {
    let all = app.control_get("audits").await;
    all["audits"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|a| a["appid"] == appid && a["decision"].is_null())
        .collect()
}

async fn setup_approved(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    app.authorize(OA_ENTERPRISE).await;
    let reg = app.register(OA_ENTERPRISE, Some(full_plan("示例科技工具箱"))).await;
    assert_eq!(reg["state"], "registered", "{reg:#}");
    let appid = reg["mini_program_appid"].as_str().expect("appid").to_owned();
    let mp = app.get(&format!("/mini-programs/{appid}")).await;
    assert_eq!(step(&mp, "nickname")["state"], "awaiting_audit", "{mp:#}");
    assert_eq!(step(&mp, "avatar")["state"], "done", "{mp:#}");
    assert_eq!(step(&mp, "signature")["state"], "done", "{mp:#}");
    assert_eq!(step(&mp, "categories")["state"], "awaiting_audit", "{mp:#}");
    // Quotas were read before they were spent, and are shown.
    assert!(step(&mp, "signature")["detail"]["quota"].is_object(), "{mp:#}");

    let audit = app.get(&format!("/mini-programs/{appid}/nickname-audit")).await;
    let audit_id = audit["audit_id"].as_u64().expect("audit id");
    assert_eq!(audit["wechat"]["audit_stat"], 1, "{audit:#}");
    decide(&app, audit_id, true, "").await;
    for a in open_audits(&app, &appid).await {
        decide(&app, a["audit_id"].as_u64().expect("id"), true, "").await;
    }
    app.drain().await;
    let mp = app.get(&format!("/mini-programs/{appid}?live=true")).await;
    for s in ["nickname", "avatar", "signature", "categories"] {
        assert_eq!(step(&mp, s)["state"], "done", "{s}: {mp:#}");
    }
    assert_eq!(mp["basic_info"]["nickname"], "示例科技工具箱", "{mp:#}");
    assert_eq!(
        mp["basic_info"]["signature_info"]["signature"],
        "提供好用的工具服务，欢迎使用。"
    );
    assert_eq!(mp["quotas"]["signature"]["used"], 1, "{mp:#}");
    let cats = mp["categories"]["categories"].as_array().cloned().unwrap_or_default();
    assert_eq!(cats.len(), 2, "{mp:#}");
    assert!(cats.iter().all(|c| c["audit_status"] == 3), "{mp:#}");

    // Rebind the admin.
    let (status, task) = app
        .api(reqwest::Method::POST, &format!("/mini-programs/{appid}/rebind"), None)
        .await;
    assert_eq!(status, 201, "{task}");
    let url = url::Url::parse(task["auth_url"].as_str().expect("url")).expect("url");
    let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    let r = app
        .control(
            "rebindadmin/confirm",
            json!({
                "component_appid": COMPONENT_APPID, "appid": appid, "redirect_uri": q["redirect_uri"],
                "new_admin": { "name": "新管理员", "id_card": "110101199003070099", "phone": "13800000099", "wechat_id": "new_admin_0099" },
            }),
        )
        .await;
    let redirect = r["redirect"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    assert_eq!(app.follow(&redirect).await.0, 200);
    app.drain().await;
    let task = app
        .get(&format!("/rebind-tasks/{}", task["id"].as_str().expect("id")))
        .await;
    assert_eq!(task["state"], "done", "{task:#}");
    assert_eq!(app.calls("componentrebindadmin").await, 1);
    // A replayed rebind callback changes nothing.
    assert_eq!(app.follow(&redirect).await.0, 200);
    app.drain().await;
    assert_eq!(app.calls("componentrebindadmin").await, 1);
    app.cleanup().await;
}
on_both!(setup_plan_with_name_approved_and_rebind, setup_approved);

async fn nickname_rejected(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    app.authorize(OA_ENTERPRISE).await;
    let reg = app.register(OA_ENTERPRISE, Some(json!({ "nickname": { "name": "示例科技好帮手", "license": { "filename": "l.png", "data_base64": png_b64() } } }))).await;
    let appid = reg["mini_program_appid"].as_str().expect("appid").to_owned();
    let audit = app.get(&format!("/mini-programs/{appid}/nickname-audit")).await;
    decide(
        &app,
        audit["audit_id"].as_u64().unwrap_or_else(|| panic!("{audit:#}")),
        false,
        "名称与主体不符",
    )
    .await;
    app.drain().await;
    let mp = app.get(&format!("/mini-programs/{appid}")).await;
    let nick = step(&mp, "nickname");
    assert_eq!(nick["state"], "failed", "{mp:#}");
    assert_eq!(nick["error"]["code"], "nickname_rejected");
    assert!(
        nick["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("名称与主体不符"),
        "{mp:#}"
    );
    assert!(!nick["error"]["remedy"].as_str().unwrap_or("").is_empty());
    app.cleanup().await;
}
on_both!(nickname_audit_rejected_by_push, nickname_rejected);

/// The audit's push is lost: the step still ends, by polling api_wxa_querynickname.
async fn nickname_polled(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    app.authorize(OA_ENTERPRISE).await;
    let reg = app.register(OA_ENTERPRISE, Some(json!({ "nickname": { "name": "示例科技查询宝", "license": { "filename": "l.png", "data_base64": png_b64() } } }))).await;
    let appid = reg["mini_program_appid"].as_str().expect("appid").to_owned();
    let audit = app.get(&format!("/mini-programs/{appid}/nickname-audit")).await;
    app.control("push/mode", json!({ "mode": "drop" })).await;
    decide(&app, audit["audit_id"].as_u64().expect("audit id"), true, "").await;
    app.control("push/mode", json!({ "mode": "normal" })).await;
    app.drain().await;
    let mp = app.get(&format!("/mini-programs/{appid}")).await;
    assert_eq!(
        step(&mp, "nickname")["state"],
        "awaiting_audit",
        "the push was dropped: {mp:#}"
    );
    app.drain_ahead(Duration::from_secs(app.settings.nickname_poll_secs + 1))
        .await;
    let mp = app.get(&format!("/mini-programs/{appid}")).await;
    assert_eq!(step(&mp, "nickname")["state"], "done", "{mp:#}");
    assert!(app.calls("api_wxa_querynickname").await >= 1);
    app.cleanup().await;
}
on_both!(nickname_audit_found_by_polling_when_the_push_is_lost, nickname_polled);

/// A quota already spent stops the step before any call that would spend it.
async fn quota_first(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    app.authorize(OA_ENTERPRISE).await;
    let reg = app.register(OA_ENTERPRISE, None).await;
    let appid = reg["mini_program_appid"].as_str().expect("appid").to_owned();
    for i in 0..5 {
        let (status, _) = app
            .api(
                reqwest::Method::PUT,
                &format!("/mini-programs/{appid}/setup"),
                Some(json!({ "signature": format!("第{i}版功能介绍，欢迎使用。") })),
            )
            .await;
        assert_eq!(status, 200);
        app.drain().await;
    }
    let before = app.calls("modifysignature").await;
    assert_eq!(before, 5);
    let (status, _) = app
        .api(
            reqwest::Method::PUT,
            &format!("/mini-programs/{appid}/setup"),
            Some(json!({ "signature": "第六版功能介绍，欢迎使用。" })),
        )
        .await;
    assert_eq!(status, 200);
    app.drain().await;
    let mp = app.get(&format!("/mini-programs/{appid}")).await;
    let sig = step(&mp, "signature");
    assert_eq!(sig["state"], "failed", "{mp:#}");
    assert_eq!(sig["error"]["code"], "53200", "{mp:#}");
    assert_eq!(app.calls("modifysignature").await, before, "the quota was spent again");
    // A plan that breaks the spec's rules is refused up front with the reason.
    let (status, err) = app
        .api(
            reqwest::Method::PUT,
            &format!("/mini-programs/{appid}/setup"),
            Some(json!({ "signature": "短" })),
        )
        .await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["code"], "invalid_request");
    assert!(err["remedy"].is_string());
    app.cleanup().await;
}
on_both!(quota_is_checked_before_it_is_spent, quota_first);

/// The qualification the builtin catalog asks for 教育 › 出国移民 (8-39).
pub const PERMIT: &str = "《因私出入境中介机构经营许可证》";

pub fn permit(filename: &str) -> Value {
    json!({ "key": PERMIT, "image": { "filename": filename, "data_base64": png_b64() } })
}

/// The category `first-second` as getcategory shows it (`?live=true`).
pub fn set_category<'a>(mp: &'a Value, key: &str) -> Option<&'a Value> {
    mp["categories"]["categories"]
        .as_array()?
        .iter()
        .find(|c| format!("{}-{}", c["first"], c["second"]) == key)
}

/// Spec §6.5: WeChat rejects a sensitive category; the operator resubmits it with new
/// qualification images; they are uploaded, modifycategory is called once, and the category's
/// audit is followed again to its decision. Only a rejected category may be modified (53307),
/// only one that is set (53306): those are refused before anything is sent.
async fn category_resubmitted(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    app.authorize(OA_ENTERPRISE).await;
    let plan = json!({ "categories": [
        { "first": 304, "second": 305 },
        { "first": 8, "second": 39, "certificates": [permit("permit.png")] },
    ] });
    let reg = app.register(OA_ENTERPRISE, Some(plan)).await;
    let appid = reg["mini_program_appid"].as_str().expect("appid").to_owned();
    let audits = open_audits(&app, &appid).await;
    assert_eq!(audits.len(), 1, "{audits:?}");
    decide(
        &app,
        audits[0]["audit_id"].as_u64().expect("id"),
        false,
        "资质图片不清晰",
    )
    .await;
    app.drain().await;
    let mp = app.get(&format!("/mini-programs/{appid}")).await;
    let cats = step(&mp, "categories");
    assert_eq!(cats["state"], "failed", "{mp:#}");
    assert_eq!(cats["error"]["code"], "category_rejected", "{mp:#}");
    assert!(
        cats["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("资质图片不清晰")
    );
    assert!(
        cats["error"]["remedy"]
            .as_str()
            .unwrap_or("")
            .contains(&format!("/mini-programs/{appid}/categories/8-39/resubmit")),
        "the remedy names the way out: {mp:#}"
    );

    let path = |key: &str| format!("/mini-programs/{appid}/categories/{key}/resubmit");
    let body = json!({ "certificates": [permit("permit-2.png")] });
    let uploads = app.calls("media/upload").await;
    for (key, code) in [("304-305", "53307"), ("8-40", "53306")] {
        let (status, err) = app.api(reqwest::Method::POST, &path(key), Some(body.clone())).await;
        assert_eq!(status, 409, "{key}: {err}");
        assert_eq!(err["code"], code, "{key}: {err}");
        assert!(!err["remedy"].as_str().unwrap_or("").is_empty(), "{err}");
    }
    let (status, err) = app
        .api(
            reqwest::Method::POST,
            &path("8-39"),
            Some(json!({ "certificates": [] })),
        )
        .await;
    assert_eq!((status, err["code"].as_str()), (400, Some("invalid_request")), "{err}");
    let (status, _) = app.api(reqwest::Method::POST, &path("8"), Some(body.clone())).await;
    assert_eq!(status, 400);
    assert_eq!(app.calls("modifycategory").await, 0, "refused before anything was sent");

    let (status, accepted) = app.api(reqwest::Method::POST, &path("8-39"), Some(body)).await;
    assert_eq!(status, 202, "{accepted}");
    assert_eq!(accepted["step"]["state"], "pending", "{accepted}");
    app.drain().await;
    assert_eq!(app.calls("modifycategory").await, 1);
    assert_eq!(
        app.calls("media/upload").await,
        uploads + 1,
        "the new image was uploaded"
    );
    let mp = app.get(&format!("/mini-programs/{appid}?live=true")).await;
    assert_eq!(step(&mp, "categories")["state"], "awaiting_audit", "{mp:#}");
    assert_eq!(set_category(&mp, "8-39").expect("set")["audit_status"], 1, "{mp:#}");
    assert_eq!(
        mp["quotas"]["categories"]["left"], 3,
        "addcategory and modifycategory each spent a change: {mp:#}"
    );

    // The audit is followed again: its push decides the step.
    let audits = open_audits(&app, &appid).await;
    assert_eq!(audits.len(), 1, "a new audit: {audits:?}");
    decide(&app, audits[0]["audit_id"].as_u64().expect("id"), true, "").await;
    app.drain().await;
    let mp = app.get(&format!("/mini-programs/{appid}?live=true")).await;
    assert_eq!(step(&mp, "categories")["state"], "done", "{mp:#}");
    assert_eq!(set_category(&mp, "8-39").expect("set")["audit_status"], 3);
    assert_eq!(app.calls("modifycategory").await, 1);
    let log = app.get("/audit-log").await;
    assert!(
        log["items"]
            .as_array()
            .is_some_and(|i| i.iter().any(|e| e["action"] == "category.resubmit")),
        "{log}"
    );

    let doc: Value = app
        .http
        .get(format!("{}/api/v1/openapi.json", app.address))
        .send()
        .await
        .expect("doc")
        .json()
        .await
        .expect("json");
    for p in [
        "/mini-programs/{appid}/categories/{category}/resubmit",
        "/mini-programs/{appid}/categories/{category}",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} missing from the OpenAPI document");
    }
    app.cleanup().await;
}
on_both!(
    rejected_category_is_resubmitted_through_modifycategory,
    category_resubmitted
);

/// Spec §6.3: a category is deleted, but not while it is under review (53308, refused before
/// anything is sent); the categories step's plan loses it, and a step that had stopped over a
/// rejected category goes on with the others.
async fn category_deleted(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    app.authorize(OA_ENTERPRISE).await;
    let plan = json!({ "categories": [
        { "first": 304, "second": 305 },
        { "first": 8, "second": 39, "certificates": [permit("permit.png")] },
    ] });
    let reg = app.register(OA_ENTERPRISE, Some(plan)).await;
    let appid = reg["mini_program_appid"].as_str().expect("appid").to_owned();
    let path = |key: &str| format!("/mini-programs/{appid}/categories/{key}");

    let (status, err) = app.api(reqwest::Method::DELETE, &path("8-39"), None).await;
    assert_eq!(status, 409, "{err}");
    assert_eq!(err["code"], "53308", "{err}");
    assert_eq!(app.calls("deletecategory").await, 0);
    let (status, err) = app.api(reqwest::Method::DELETE, &path("8-40"), None).await;
    assert_eq!((status, err["code"].as_str()), (404, Some("category_not_set")), "{err}");

    let audits = open_audits(&app, &appid).await;
    decide(&app, audits[0]["audit_id"].as_u64().expect("id"), false, "资质不符").await;
    app.drain().await;
    let mp = app.get(&format!("/mini-programs/{appid}")).await;
    assert_eq!(step(&mp, "categories")["state"], "failed", "{mp:#}");

    // The rejected one is deleted: the step follows what is left, and is done.
    let (status, deleted) = app.api(reqwest::Method::DELETE, &path("8-39"), None).await;
    assert_eq!(status, 200, "{deleted}");
    assert_eq!(app.calls("deletecategory").await, 1);
    let left: Vec<String> = deleted["categories"]["categories"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|c| format!("{}-{}", c["first"], c["second"]))
        .collect();
    assert_eq!(left, ["304-305"], "{deleted:#}");
    app.drain().await;
    let mp = app.get(&format!("/mini-programs/{appid}")).await;
    let cats = step(&mp, "categories");
    assert_eq!(cats["state"], "done", "{mp:#}");
    assert!(cats["error"].is_null(), "{mp:#}");
    let history = mp["history"].as_array().cloned().unwrap_or_default();
    assert!(history.iter().any(|h| h["to_state"] == "categories:deleted"), "{mp:#}");

    // The last one: the plan is empty, the step stays done; deleting again finds nothing.
    let (status, _) = app.api(reqwest::Method::DELETE, &path("304-305"), None).await;
    assert_eq!(status, 200);
    let (status, _) = app.api(reqwest::Method::DELETE, &path("304-305"), None).await;
    assert_eq!(status, 404);
    let mp = app.get(&format!("/mini-programs/{appid}?live=true")).await;
    assert_eq!(step(&mp, "categories")["state"], "done", "{mp:#}");
    assert_eq!(mp["categories"]["categories"], json!([]), "{mp:#}");
    app.cleanup().await;
}
on_both!(a_category_is_deleted_but_not_while_under_review, category_deleted);
