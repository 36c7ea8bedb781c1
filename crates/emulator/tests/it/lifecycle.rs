//! The Mini Program lifecycle over HTTP (lifecycle spec): templates, commit and the privacy scan,
//! audit and its pushes, release, gray release and rollback, domains, privacy, testers and
//! search. Each failure path is named after its code.

use crate::support::*;
use fastreg_emulator::Scenario;
use fastreg_emulator::builtin::*;
use fastreg_protocol::event::{CodeAuditEvent, parse_code_audit_event};
use serde_json::{Value, json};

/// An ext_json for the built-in template, as a string.
fn ext(extra: Value) -> String {
    let mut v = json!({"extAppid": "wx0000000000000000", "ext": {"shopId": "42"}});
    if let (Some(o), Value::Object(e)) = (v.as_object_mut(), extra) {
        o.extend(e);
    }
    v.to_string()
}

async fn commit(env: &Env, mp: &MiniProgram, version: &str) -> Value {
    env.call(
        "/wxa/commit",
        &mp.token,
        json!({"template_id": TEMPLATE_ID, "ext_json": ext(json!({})), "user_version": version, "user_desc": "desc"}),
    )
    .await
}

/// A fresh Mini Program with a committed trial version whose scan is done.
async fn committed(env: &Env) -> MiniProgram {
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let v = commit(env, &mp, "1.0.0").await;
    assert_eq!(v["errcode"], 0, "{v}");
    env.advance(61).await;
    mp
}

async fn submit(env: &Env, mp: &MiniProgram) -> Value {
    env.call(
        "/wxa/submit_audit",
        &mp.token,
        json!({"version_desc": "test account: demo/demo"}),
    )
    .await
}

async fn submitted(env: &Env, mp: &MiniProgram) -> u64 {
    let v = submit(env, mp).await;
    v["auditid"].as_u64().unwrap_or_else(|| panic!("no auditid: {v}"))
}

async fn decide(env: &Env, auditid: u64, body: Value) -> Value {
    env.control(&format!("audits/{auditid}"), body).await
}

fn with_settings(f: impl FnOnce(&mut fastreg_emulator::lifecycle::LifecycleSettings)) -> Scenario {
    let mut s = Scenario::builtin();
    f(&mut s.lifecycle.settings);
    s
}

async fn receiver(env: &Env) -> Receiver {
    let receiver = Receiver::start().await;
    env.control(
        "components",
        json!({"appid": COMPONENT_APPID, "message_url": format!("{}/msg/$APPID$", receiver.url)}),
    )
    .await;
    receiver
}

/// The code-audit pushes received so far, typed, with the path they reached.
fn code_audit_pushes(receiver: &Receiver) -> Vec<(String, CodeAuditEvent)> {
    receiver
        .decrypted()
        .into_iter()
        .filter_map(|(path, xml)| parse_code_audit_event(&xml).unwrap().map(|e| (path, e)))
        .collect()
}

async fn wait_for_code_pushes(receiver: &Receiver, n: usize) -> Vec<(String, CodeAuditEvent)> {
    for _ in 0..100 {
        let got = code_audit_pushes(receiver);
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    code_audit_pushes(receiver)
}

#[tokio::test]
async fn happy_path_from_template_to_live_version_with_the_success_push() {
    let env = Env::start().await;
    let receiver = receiver(&env).await;
    let ctoken = env.component_token().await;
    // The built-in component ships a draft and a template.
    let drafts = env
        .get(&format!("/wxa/gettemplatedraftlist?access_token={ctoken}"))
        .await;
    assert_eq!(drafts["draft_list"][0]["draft_id"], DRAFT_ID, "{drafts}");
    assert_eq!(drafts["draft_list"][0]["source_miniprogram_appid"], DEV_MINI_PROGRAM);
    let v = env
        .post(
            &format!("/wxa/addtotemplate?access_token={ctoken}"),
            json!({"draft_id": "1"}),
        )
        .await;
    assert_eq!(v["errcode"], 0, "{v}");
    let list = env.get(&format!("/wxa/gettemplatelist?access_token={ctoken}")).await;
    let ids: Vec<u64> = list["template_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["template_id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, vec![TEMPLATE_ID, 2], "{list}");

    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let v = env
        .call(
            "/wxa/modify_domain",
            &mp.token,
            json!({"action": "set", "requestdomain": [format!("https://{COMPONENT_SERVER_DOMAIN}")],
                   "uploaddomain": [], "downloaddomain": [], "wsrequestdomain": [], "udpdomain": [], "tcpdomain": []}),
        )
        .await;
    assert_eq!(v["errcode"], 0, "{v}");
    assert_eq!(v["requestdomain"][0], format!("https://{COMPONENT_SERVER_DOMAIN}"));

    let v = env
        .call(
            "/wxa/commit",
            &mp.token,
            json!({"template_id": 2, "ext_json": ext(json!({"pages": ["pages/index/index", "pages/cart/cart"]})),
                   "user_version": "1.0.1", "user_desc": "first"}),
        )
        .await;
    assert_eq!(v["errcode"], 0, "{v}");
    let pages = env.get(&format!("/wxa/get_page?access_token={}", mp.token)).await;
    assert_eq!(pages["page_list"], json!(["pages/index/index", "pages/cart/cart"]));
    assert_err(
        &env.get(&format!(
            "/wxa/security/get_code_privacy_info?access_token={}",
            mp.token
        ))
        .await,
        61039,
    );
    env.advance(60).await;
    let info = env
        .get(&format!(
            "/wxa/security/get_code_privacy_info?access_token={}",
            mp.token
        ))
        .await;
    assert_eq!(info["errcode"], 0, "{info}");
    assert_eq!(info["without_conf_list"], json!(["UserInfo"]));

    let v = env
        .call(
            "/cgi-bin/component/setprivacysetting",
            &mp.token,
            json!({"privacy_ver": 2, "owner_setting": {"contact_email": "a@example.com", "notice_method": "弹窗"},
                   "setting_list": [{"privacy_key": "UserInfo", "privacy_text": "登录"}]}),
        )
        .await;
    assert_eq!(v["errcode"], 0, "{v}");

    let auditid = submitted(&env, &mp).await;
    let status = env
        .call("/wxa/get_auditstatus", &mp.token, json!({"auditid": auditid}))
        .await;
    assert_eq!(status["status"], 2, "{status}");
    let audits = env.get("/__emulator/audits").await;
    let listed = audits["audits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["auditid"] == auditid)
        .unwrap_or_else(|| panic!("code audit not listed: {audits}"));
    assert_eq!(listed["kind"], "code");
    assert_eq!(listed["appid"], mp.appid.as_str());

    let d = decide(&env, auditid, json!({"approve": true})).await;
    assert_eq!(d["pushed_status"], 200, "{d}");
    let pushes = wait_for_code_pushes(&receiver, 1).await;
    let (path, event) = &pushes[0];
    assert_eq!(path, &format!("/msg/{}", mp.appid), "$APPID$ is replaced");
    assert!(matches!(event, CodeAuditEvent::Success { .. }), "{event:?}");

    let v = env.call("/wxa/release", &mp.token, json!({})).await;
    assert_eq!(v["errcode"], 0, "{v}");
    let info = env.call("/wxa/getversioninfo", &mp.token, json!({})).await;
    assert_eq!(info["release_info"]["release_version"], "1.0.1", "{info}");
    assert_eq!(info["exp_info"]["exp_version"], "1.0.1");
    let live = env
        .call(
            "/cgi-bin/component/getprivacysetting",
            &mp.token,
            json!({"privacy_ver": 1}),
        )
        .await;
    assert_eq!(
        live["setting_list"][0]["privacy_key"], "UserInfo",
        "dev guide copied on release: {live}"
    );
    let state = env.get("/__emulator/state").await;
    let program = &state["lifecycle"]["programs"][mp.appid.as_str()];
    assert_eq!(program["live"]["user_version"], "1.0.1", "{state}");
}

#[tokio::test]
async fn submit_before_the_scan_ends_is_61039() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    assert_eq!(commit(&env, &mp, "1.0.0").await["errcode"], 0);
    env.advance(30).await;
    assert_err(&submit(&env, &mp).await, 61039);
    env.advance(30).await;
    assert!(submit(&env, &mp).await["auditid"].is_u64());
}

#[tokio::test]
async fn submit_without_a_commit_is_85086() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    assert_err(&submit(&env, &mp).await, 85086);
    assert_err(
        &env.get(&format!("/wxa/get_page?access_token={}", mp.token)).await,
        86001,
    );
}

#[tokio::test]
async fn a_second_audit_while_one_runs_is_85009() {
    let env = Env::start().await;
    let mp = committed(&env).await;
    let auditid = submitted(&env, &mp).await;
    assert_err(&submit(&env, &mp).await, 85009);
    // Still 85009 while delayed.
    decide(&env, auditid, json!({"approve": false, "delay": true})).await;
    assert_err(&submit(&env, &mp).await, 85009);
}

#[tokio::test]
async fn the_spent_monthly_quota_is_85085_and_queryquota_shows_it() {
    let env = Env::with(with_settings(|s| s.audit_quota_per_month = 1)).await;
    let mp = committed(&env).await;
    let q = env.get(&format!("/wxa/queryquota?access_token={}", mp.token)).await;
    assert_eq!((q["rest"].as_u64(), q["limit"].as_u64()), (Some(1), Some(1)), "{q}");
    submitted(&env, &mp).await;
    assert_eq!(
        env.get(&format!("/wxa/undocodeaudit?access_token={}", mp.token)).await["errcode"],
        0
    );
    assert_err(&submit(&env, &mp).await, 85085);
    // The quota is the component's: another Mini Program sees it spent too.
    let other = committed(&env).await;
    assert_eq!(
        env.get(&format!("/wxa/queryquota?access_token={}", other.token)).await["rest"],
        0
    );
    assert_err(&submit(&env, &other).await, 85085);
}

#[tokio::test]
async fn undo_withdraws_the_audit_and_its_own_quota_is_87013() {
    let env = Env::with(with_settings(|s| {
        s.undo_per_day = 1;
        s.code_audit_secs = 600;
    }))
    .await;
    let mp = committed(&env).await;
    let first = submitted(&env, &mp).await;
    assert_eq!(
        env.get(&format!("/wxa/undocodeaudit?access_token={}", mp.token)).await["errcode"],
        0
    );
    let s = env
        .call("/wxa/get_auditstatus", &mp.token, json!({"auditid": first}))
        .await;
    assert_eq!(s["status"], 3, "{s}");
    // A withdrawn audit never decides, even when its time comes.
    env.advance(601).await;
    assert_eq!(
        env.call("/wxa/get_auditstatus", &mp.token, json!({"auditid": first}))
            .await["status"],
        3
    );
    assert_err(
        &env.get(&format!("/wxa/undocodeaudit?access_token={}", mp.token)).await,
        87012,
    );
    submitted(&env, &mp).await;
    assert_err(
        &env.get(&format!("/wxa/undocodeaudit?access_token={}", mp.token)).await,
        87013,
    );
}

#[tokio::test]
async fn reject_pushes_weapp_audit_fail_with_reason_and_screenshot() {
    let env = Env::start().await;
    let receiver = receiver(&env).await;
    let mp = committed(&env).await;
    let auditid = submitted(&env, &mp).await;
    decide(
        &env,
        auditid,
        json!({"approve": false, "reason": "请完善用户隐私保护指引", "screenshot": "media1|media2"}),
    )
    .await;
    let pushes = wait_for_code_pushes(&receiver, 1).await;
    match &pushes[0].1 {
        CodeAuditEvent::Fail {
            reason, screen_shot, ..
        } => {
            assert_eq!(reason, "请完善用户隐私保护指引");
            assert_eq!(screen_shot, "media1|media2");
        }
        other => panic!("not a fail push: {other:?}"),
    }
    let latest = env
        .get(&format!("/wxa/get_latest_auditstatus?access_token={}", mp.token))
        .await;
    assert_eq!(latest["status"], 1, "{latest}");
    assert_eq!(latest["ScreenShot"], "media1|media2");
    assert_eq!(latest["auditid"], auditid);
    // A rejected version cannot be released; fix, commit again and resubmit.
    assert_err(&env.call("/wxa/release", &mp.token, json!({})).await, 85020);
    assert_eq!(commit(&env, &mp, "1.0.1").await["errcode"], 0);
    env.advance(60).await;
    assert!(submitted(&env, &mp).await > auditid);
}

#[tokio::test]
async fn delay_pushes_weapp_audit_delay_then_the_decision() {
    let env = Env::start().await;
    let receiver = receiver(&env).await;
    let mp = committed(&env).await;
    let auditid = submitted(&env, &mp).await;
    let d = decide(
        &env,
        auditid,
        json!({"approve": false, "delay": true, "reason": "排队中"}),
    )
    .await;
    assert_eq!(d["audit_stat"], 4, "{d}");
    let s = env
        .call("/wxa/get_auditstatus", &mp.token, json!({"auditid": auditid}))
        .await;
    assert_eq!(
        (s["status"].as_u64(), s["reason"].as_str()),
        (Some(4), Some("排队中")),
        "{s}"
    );
    decide(&env, auditid, json!({"approve": true})).await;
    let pushes = wait_for_code_pushes(&receiver, 2).await;
    assert!(
        matches!(&pushes[0].1, CodeAuditEvent::Delay { reason, .. } if reason == "排队中"),
        "{pushes:?}"
    );
    assert!(matches!(pushes[1].1, CodeAuditEvent::Success { .. }), "{pushes:?}");
}

#[tokio::test]
async fn an_undecided_audit_decides_itself_after_the_virtual_delay() {
    let env = Env::with(with_settings(|s| s.code_audit_secs = 3600)).await;
    let receiver = receiver(&env).await;
    let mp = committed(&env).await;
    let auditid = submitted(&env, &mp).await;
    env.advance(3599).await;
    assert_eq!(
        env.call("/wxa/get_auditstatus", &mp.token, json!({"auditid": auditid}))
            .await["status"],
        2
    );
    env.advance(1).await;
    let pushes = wait_for_code_pushes(&receiver, 1).await;
    assert!(matches!(pushes[0].1, CodeAuditEvent::Success { .. }), "{pushes:?}");
    assert_eq!(
        env.call("/wxa/get_auditstatus", &mp.token, json!({"auditid": auditid}))
            .await["status"],
        0
    );
}

#[tokio::test]
async fn release_without_a_passed_audit_is_85019_then_85020_and_twice_is_85052() {
    let env = Env::start().await;
    let mp = committed(&env).await;
    assert_err(&env.call("/wxa/release", &mp.token, json!({})).await, 85019);
    assert_err(
        &env.post_raw(&format!("/wxa/release?access_token={}", mp.token), "")
            .await,
        44002,
    );
    let auditid = submitted(&env, &mp).await;
    assert_err(&env.call("/wxa/release", &mp.token, json!({})).await, 85020);
    decide(&env, auditid, json!({"approve": true})).await;
    assert_eq!(env.call("/wxa/release", &mp.token, json!({})).await["errcode"], 0);
    assert_err(&env.call("/wxa/release", &mp.token, json!({})).await, 85052);
}

/// Releases a new version through the whole path; returns nothing, asserts each step.
async fn release_version(env: &Env, mp: &MiniProgram, version: &str) {
    assert_eq!(commit(env, mp, version).await["errcode"], 0);
    env.advance(60).await;
    let auditid = submitted(env, mp).await;
    decide(env, auditid, json!({"approve": true})).await;
    let v = env.call("/wxa/release", &mp.token, json!({})).await;
    assert_eq!(v["errcode"], 0, "{v}");
}

#[tokio::test]
async fn gray_release_rises_to_100_and_its_failures_are_85079_85080_85081_85082() {
    let env = Env::start().await;
    let mp = committed(&env).await;
    let auditid = submitted(&env, &mp).await;
    decide(&env, auditid, json!({"approve": true})).await;
    assert_err(
        &env.call("/wxa/grayrelease", &mp.token, json!({"gray_percentage": 10}))
            .await,
        85079,
    );
    assert_eq!(env.call("/wxa/release", &mp.token, json!({})).await["errcode"], 0);
    assert_err(
        &env.call("/wxa/grayrelease", &mp.token, json!({"gray_percentage": 10}))
            .await,
        85080,
    );
    assert_eq!(commit(&env, &mp, "2.0.0").await["errcode"], 0);
    env.advance(60).await;
    let auditid = submitted(&env, &mp).await;
    decide(&env, auditid, json!({"approve": true})).await;
    assert_err(
        &env.call("/wxa/grayrelease", &mp.token, json!({"gray_percentage": 101}))
            .await,
        85081,
    );
    assert_err(
        &env.call("/wxa/grayrelease", &mp.token, json!({"gray_percentage": 0}))
            .await,
        85081,
    );
    assert_eq!(
        env.call("/wxa/grayrelease", &mp.token, json!({"gray_percentage": 10}))
            .await["errcode"],
        0
    );
    assert_err(
        &env.call("/wxa/grayrelease", &mp.token, json!({"gray_percentage": 10}))
            .await,
        85082,
    );
    let plan = env
        .get(&format!("/wxa/getgrayreleaseplan?access_token={}", mp.token))
        .await;
    assert_eq!(plan["gray_release_plan"]["status"], 1, "{plan}");
    assert_eq!(plan["gray_release_plan"]["gray_percentage"], 10);
    // While the plan runs, no rollback.
    assert_err(
        &env.get(&format!("/wxa/revertcoderelease?access_token={}", mp.token))
            .await,
        87011,
    );
    assert_eq!(
        env.call("/wxa/grayrelease", &mp.token, json!({"gray_percentage": 100}))
            .await["errcode"],
        0
    );
    let plan = env
        .get(&format!("/wxa/getgrayreleaseplan?access_token={}", mp.token))
        .await;
    assert_eq!(plan["gray_release_plan"]["status"], 3, "{plan}");
    let info = env.call("/wxa/getversioninfo", &mp.token, json!({})).await;
    assert_eq!(info["release_info"]["release_version"], "2.0.0", "{info}");
}

#[tokio::test]
async fn rollback_goes_to_the_previous_version_once_and_then_is_87012() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    assert_err(
        &env.get(&format!("/wxa/revertcoderelease?access_token={}", mp.token))
            .await,
        87012,
    );
    release_version(&env, &mp, "1.0.0").await;
    release_version(&env, &mp, "1.1.0").await;
    let history = env
        .get(&format!(
            "/wxa/revertcoderelease?access_token={}&action=get_history_version",
            mp.token
        ))
        .await;
    assert_eq!(history["version_list"][0]["user_version"], "1.0.0", "{history}");
    assert_eq!(
        env.get(&format!("/wxa/revertcoderelease?access_token={}", mp.token))
            .await["errcode"],
        0
    );
    let info = env.call("/wxa/getversioninfo", &mp.token, json!({})).await;
    assert_eq!(info["release_info"]["release_version"], "1.0.0", "{info}");
    assert_err(
        &env.get(&format!("/wxa/revertcoderelease?access_token={}", mp.token))
            .await,
        87012,
    );
}

#[tokio::test]
async fn the_history_keeps_five_versions() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    for i in 0..7 {
        release_version(&env, &mp, &format!("1.{i}.0")).await;
    }
    let history = env
        .get(&format!(
            "/wxa/revertcoderelease?access_token={}&action=get_history_version",
            mp.token
        ))
        .await;
    let versions: Vec<&str> = history["version_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["user_version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, vec!["1.5.0", "1.4.0", "1.3.0", "1.2.0", "1.1.0"]);
}

#[tokio::test]
async fn ext_json_not_a_string_is_47001_not_json_is_85048_unknown_pages_85045_unknown_template_85014() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let object =
        json!({"template_id": TEMPLATE_ID, "ext_json": {"extAppid": "wx"}, "user_version": "1", "user_desc": ""});
    assert_err(&env.call("/wxa/commit", &mp.token, object).await, 47001);
    let not_json = json!({"template_id": TEMPLATE_ID, "ext_json": "{not json", "user_version": "1", "user_desc": ""});
    assert_err(&env.call("/wxa/commit", &mp.token, not_json).await, 85048);
    let pages = json!({"template_id": TEMPLATE_ID, "ext_json": ext(json!({"pages": ["pages/admin/admin"]})), "user_version": "1", "user_desc": ""});
    assert_err(&env.call("/wxa/commit", &mp.token, pages).await, 85045);
    let unknown = json!({"template_id": 99, "ext_json": ext(json!({})), "user_version": "1", "user_desc": ""});
    assert_err(&env.call("/wxa/commit", &mp.token, unknown).await, 85014);
    // Nothing was committed by the failures.
    let info = env.call("/wxa/getversioninfo", &mp.token, json!({})).await;
    assert!(info.get("exp_info").is_none(), "{info}");
}

#[tokio::test]
async fn templates_unknown_ids_are_85064_and_a_full_library_85065() {
    let env = Env::with(with_settings(|s| s.template_limit = 2)).await;
    let ctoken = env.component_token().await;
    let add = |draft: Value| {
        let env = &env;
        let ctoken = ctoken.clone();
        async move {
            env.post(
                &format!("/wxa/addtotemplate?access_token={ctoken}"),
                json!({"draft_id": draft}),
            )
            .await
        }
    };
    assert_err(&add(json!(77)).await, 85064);
    assert_eq!(add(json!(DRAFT_ID)).await["errcode"], 0);
    assert_err(&add(json!(DRAFT_ID)).await, 85065);
    let del = env
        .post(
            &format!("/wxa/deletetemplate?access_token={ctoken}"),
            json!({"template_id": 77}),
        )
        .await;
    assert_err(&del, 85064);
    let del = env
        .post(
            &format!("/wxa/deletetemplate?access_token={ctoken}"),
            json!({"template_id": TEMPLATE_ID}),
        )
        .await;
    assert_eq!(del["errcode"], 0);
    // A new upload from the developer tool lands in the draft box.
    let up = env
        .control(
            "template-drafts",
            json!({"component_appid": COMPONENT_APPID, "user_version": "2.0.0", "user_desc": "new", "pages": ["pages/index/index"]}),
        )
        .await;
    let draft_id = up["draft_id"].as_u64().unwrap_or_else(|| panic!("{up}"));
    let drafts = env
        .get(&format!("/wxa/gettemplatedraftlist?access_token={ctoken}"))
        .await;
    let listed: Vec<u64> = drafts["draft_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["draft_id"].as_u64().unwrap())
        .collect();
    assert_eq!(
        listed,
        vec![draft_id],
        "one draft per development Mini Program: {drafts}"
    );
    // Template calls take the component's token.
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    assert_err(
        &env.get(&format!("/wxa/gettemplatelist?access_token={}", mp.token))
            .await,
        61014,
    );
}

#[tokio::test]
async fn a_domain_the_component_did_not_register_is_85018_and_89021() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let v = env
        .call(
            "/wxa/modify_domain",
            &mp.token,
            json!({"action": "add", "requestdomain": ["https://evil.example.org"]}),
        )
        .await;
    assert_err(&v, 85018);
    let sub = env
        .call(
            "/wxa/modify_domain",
            &mp.token,
            json!({"action": "add", "requestdomain": [format!("https://v2.{COMPONENT_SERVER_DOMAIN}")]}),
        )
        .await;
    assert_eq!(sub["errcode"], 0, "a subdomain of a registered domain is fine: {sub}");
    let bad_scheme = env
        .call(
            "/wxa/modify_domain",
            &mp.token,
            json!({"action": "add", "requestdomain": [format!("http://{COMPONENT_SERVER_DOMAIN}")]}),
        )
        .await;
    assert_err(&bad_scheme, 85301);
    let wv = env
        .call(
            "/wxa/setwebviewdomain",
            &mp.token,
            json!({"action": "add", "webviewdomain": ["https://evil.example.org"]}),
        )
        .await;
    assert_err(&wv, 89021);
    let all = env.call("/wxa/setwebviewdomain", &mp.token, json!({})).await;
    assert_eq!(
        all["webviewdomain"],
        json!([format!("https://{COMPONENT_WEBVIEW_DOMAIN}")]),
        "{all}"
    );
    // Registering on the component (control API or modify_wxa_server_domain) makes it usable.
    env.control(
        "components",
        json!({"appid": COMPONENT_APPID, "server_domains": ["evil.example.org"]}),
    )
    .await;
    let v = env
        .call(
            "/wxa/modify_domain",
            &mp.token,
            json!({"action": "add", "requestdomain": ["https://evil.example.org"]}),
        )
        .await;
    assert_eq!(v["errcode"], 0, "{v}");
    let ctoken = env.component_token().await;
    let c = env
        .post(
            &format!("/cgi-bin/component/modify_wxa_server_domain?access_token={ctoken}"),
            json!({"action": "add", "wxa_server_domain": "b.example.net;10.0.0.1", "is_modify_published_together": true}),
        )
        .await;
    assert_eq!(
        c["published_wxa_server_domain"], "evil.example.org;b.example.net",
        "{c}"
    );
    assert_eq!(c["invalid_wxa_server_domain"], "10.0.0.1");
}

#[tokio::test]
async fn fifty_domain_changes_a_month_then_86102() {
    let env = Env::with(with_settings(|s| s.domain_changes_per_month = 2)).await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let body = json!({"action": "set", "requestdomain": [format!("https://{COMPONENT_SERVER_DOMAIN}")]});
    assert_eq!(
        env.call("/wxa/modify_domain", &mp.token, body.clone()).await["errcode"],
        0
    );
    assert_eq!(
        env.call("/wxa/modify_domain", &mp.token, body.clone()).await["errcode"],
        0
    );
    assert_err(&env.call("/wxa/modify_domain", &mp.token, body).await, 86102);
    // `get` is not a change.
    let get = env
        .call("/wxa/modify_domain", &mp.token, json!({"action": "get"}))
        .await;
    assert_eq!(
        get["requestdomain"][0],
        format!("https://{COMPONENT_SERVER_DOMAIN}"),
        "{get}"
    );
}

#[tokio::test]
async fn live_privacy_guide_before_a_release_is_86074() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let owner = json!({"contact_phone": "13800000000", "notice_method": "公告"});
    let v = env
        .call(
            "/cgi-bin/component/setprivacysetting",
            &mp.token,
            json!({"privacy_ver": 1, "owner_setting": owner}),
        )
        .await;
    assert_err(&v, 86074);
    let v = env
        .call(
            "/cgi-bin/component/setprivacysetting",
            &mp.token,
            json!({"owner_setting": {"notice_method": "公告"}}),
        )
        .await;
    assert_err(&v, 86069);
}

#[tokio::test]
async fn testers_qr_code_search_and_visit_status() {
    let env = Env::start().await;
    let mp = committed(&env).await;
    let bound = env
        .call("/wxa/bind_tester", &mp.token, json!({"wechatid": "tester_one"}))
        .await;
    let userstr = bound["userstr"]
        .as_str()
        .unwrap_or_else(|| panic!("{bound}"))
        .to_owned();
    assert_err(
        &env.call("/wxa/bind_tester", &mp.token, json!({"wechatid": "tester_one"}))
            .await,
        85004,
    );
    assert_err(
        &env.call("/wxa/bind_tester", &mp.token, json!({"wechatid": "1"})).await,
        85001,
    );
    let members = env
        .call("/wxa/memberauth", &mp.token, json!({"action": "get_experiencer"}))
        .await;
    assert_eq!(members["members"], json!([{"userstr": userstr}]));
    let qr = env
        .http
        .get(format!(
            "{}/wxa/get_qrcode?access_token={}&path=pages%2Findex%2Findex",
            env.base, mp.token
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(qr.headers()["content-type"], "image/jpeg");
    assert!(qr.bytes().await.unwrap().starts_with(&[0xFF, 0xD8, 0xFF]));
    assert_err(
        &env.call("/wxa/changewxasearchstatus", &mp.token, json!({"status": 2}))
            .await,
        85084,
    );
    assert_eq!(
        env.call("/wxa/changewxasearchstatus", &mp.token, json!({"status": 1}))
            .await["errcode"],
        0
    );
    assert_eq!(
        env.get(&format!("/wxa/getwxasearchstatus?access_token={}", mp.token))
            .await["status"],
        1
    );
    assert_err(
        &env.call("/wxa/change_visitstatus", &mp.token, json!({"action": "open"}))
            .await,
        85021,
    );
    assert_err(
        &env.call("/wxa/change_visitstatus", &mp.token, json!({"action": "pause"}))
            .await,
        85022,
    );
    assert_eq!(
        env.call("/wxa/change_visitstatus", &mp.token, json!({"action": "close"}))
            .await["errcode"],
        0
    );
    let state = env.get("/__emulator/state").await;
    let program = &state["lifecycle"]["programs"][mp.appid.as_str()];
    assert_eq!(program["visit_open"], false, "{program}");
    assert_eq!(program["testers"][0]["wechatid"], "tester_one");
    // Without a commit the QR code is a JSON error.
    let fresh = env.new_mini_program(OA_ENTERPRISE).await;
    assert_err(
        &env.get(&format!("/wxa/get_qrcode?access_token={}", fresh.token)).await,
        86001,
    );
}

#[tokio::test]
async fn speedup_needs_an_open_audit_89402_once_89404() {
    let env = Env::with(with_settings(|s| s.code_audit_speedup_secs = 600)).await;
    let mp = committed(&env).await;
    assert_err(
        &env.call("/wxa/speedupaudit", &mp.token, json!({"auditid": 1})).await,
        89402,
    );
    let auditid = submitted(&env, &mp).await;
    assert_eq!(
        env.call("/wxa/speedupaudit", &mp.token, json!({"auditid": auditid}))
            .await["errcode"],
        0
    );
    assert_err(
        &env.call("/wxa/speedupaudit", &mp.token, json!({"auditid": auditid}))
            .await,
        89404,
    );
    env.advance(600).await;
    assert_eq!(
        env.call("/wxa/get_auditstatus", &mp.token, json!({"auditid": auditid}))
            .await["status"],
        0
    );
}

/// A multipart upload to a lifecycle path; the whole answer.
async fn upload(env: &Env, path: &str, token: &str, field: &str, bytes: Vec<u8>) -> Value {
    let part = reqwest::multipart::Part::bytes(bytes).file_name("f.bin");
    env.http
        .post(format!("{}{path}?access_token={token}", env.base))
        .multipart(reqwest::multipart::Form::new().part(field.to_owned(), part))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn preview_media_and_the_privacy_file_are_checked_85092_40005_40126_86073() {
    let env = Env::start().await;
    let mp = committed(&env).await;
    let pic = upload(&env, "/wxa/uploadmedia", &mp.token, "media", png(2048)).await;
    let mediaid = pic["mediaid"].as_str().unwrap_or_else(|| panic!("{pic}")).to_owned();
    assert_eq!(pic["type"], "image");
    assert_err(
        &upload(&env, "/wxa/uploadmedia", &mp.token, "media", b"plain text".to_vec()).await,
        40005,
    );
    let bad = env
        .call(
            "/wxa/submit_audit",
            &mp.token,
            json!({"preview_info": {"pic_id_list": ["nosuchmedia0001"]}}),
        )
        .await;
    assert_err(&bad, 85092);
    let ok = env
        .call(
            "/wxa/submit_audit",
            &mp.token,
            json!({"preview_info": {"pic_id_list": [mediaid]}}),
        )
        .await;
    assert!(ok["auditid"].is_u64(), "{ok}");

    let big = upload(
        &env,
        "/cgi-bin/component/uploadprivacyextfile",
        &mp.token,
        "file",
        vec![b'a'; 100 * 1024 + 1],
    )
    .await;
    assert_err(&big, 40126);
    let file = upload(
        &env,
        "/cgi-bin/component/uploadprivacyextfile",
        &mp.token,
        "file",
        "隐私指引".as_bytes().to_vec(),
    )
    .await;
    let file_id = file["ext_file_media_id"]
        .as_str()
        .unwrap_or_else(|| panic!("{file}"))
        .to_owned();
    let owner = |id: &str| json!({"contact_email": "a@example.com", "notice_method": "弹窗", "ext_file_media_id": id});
    let v = env
        .call(
            "/cgi-bin/component/setprivacysetting",
            &mp.token,
            json!({"owner_setting": owner("unknownfile00001")}),
        )
        .await;
    assert_err(&v, 86073);
    let v = env
        .call(
            "/cgi-bin/component/setprivacysetting",
            &mp.token,
            json!({"owner_setting": owner(&file_id)}),
        )
        .await;
    assert_eq!(v["errcode"], 0, "{v}");
    let got = env
        .call(
            "/cgi-bin/component/getprivacysetting",
            &mp.token,
            json!({"privacy_ver": 2}),
        )
        .await;
    assert_eq!(got["owner_setting"]["ext_file_media_id"], file_id.as_str(), "{got}");
    assert_eq!(got["code_exist"], 1);
    assert_eq!(got["privacy_list"], json!(["UserInfo"]));
}

#[tokio::test]
async fn direct_domains_need_their_scheme_86100_and_become_the_effective_ones() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let v = env
        .call(
            "/wxa/modify_domain_directly",
            &mp.token,
            json!({"action": "add", "requestdomain": ["ftp://own.example.org"]}),
        )
        .await;
    assert_err(&v, 86100);
    let v = env
        .call(
            "/wxa/modify_domain_directly",
            &mp.token,
            json!({"action": "add", "requestdomain": ["https://own.example.org"]}),
        )
        .await;
    assert_eq!(v["errcode"], 0, "not registered on the component, but direct: {v}");
    assert_err(
        &env.post_raw(&format!("/wxa/get_effective_domain?access_token={}", mp.token), "")
            .await,
        44002,
    );
    let e = env.call("/wxa/get_effective_domain", &mp.token, json!({})).await;
    assert_eq!(
        e["effective_domain"]["requestdomain"],
        json!(["https://own.example.org"]),
        "{e}"
    );
    assert_eq!(
        e["third_domain"]["requestdomain"],
        json!([format!("https://{COMPONENT_SERVER_DOMAIN}")])
    );
}
