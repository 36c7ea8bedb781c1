//! The Mini Program lifecycle through the SDK against the emulator (lifecycle spec §10): draft →
//! template → domains → commit → scan done → privacy guide → tester and QR code → submit_audit
//! → approve → the success push, typed → release → live version; then a gray release 10 % →
//! 50 % → 100 % and a rollback. Failure paths show as `Error::Api` with their code.

use crate::harness::Harness;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use fastreg_client::Error;
use fastreg_emulator::builtin;
use fastreg_protocol::audit::{CodeAuditStatus, SubmitAuditRequest};
use fastreg_protocol::code::CommitRequest;
use fastreg_protocol::crypto::MsgCrypt;
use fastreg_protocol::domain::{
    ModifyDomainRequest, ModifyWxaServerDomainRequest, ServerDomains, SetWebviewDomainRequest,
};
use fastreg_protocol::event::{CodeAuditEvent, parse_code_audit_event};
use fastreg_protocol::privacy::{OwnerSetting, PrivacySetting, SetPrivacySettingRequest};
use fastreg_protocol::release::GrayReleaseRequest;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The code-audit pushes received: (path, event).
type Seen = Arc<Mutex<Vec<(String, CodeAuditEvent)>>>;

/// Receives the component's message-URL pushes and keeps the code-audit ones, decrypted and
/// typed, with the path they reached.
struct Pushes {
    url: String,
    got: Seen,
}

impl Pushes {
    async fn start() -> Pushes {
        let got: Seen = Arc::default();
        let app = axum::Router::new()
            .fallback(
                |State(got): State<Seen>, uri: axum::http::Uri, RawQuery(q): RawQuery, body: Bytes| async move {
                    let url = reqwest::Url::parse(&format!("http://x/?{}", q.unwrap_or_default())).unwrap();
                    let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
                    let crypt = MsgCrypt::new(
                        builtin::COMPONENT_TOKEN,
                        builtin::COMPONENT_AES_KEY,
                        builtin::COMPONENT_APPID,
                    )
                    .unwrap();
                    let plain = crypt
                        .open(
                            &q["msg_signature"],
                            &q["timestamp"],
                            &q["nonce"],
                            &String::from_utf8_lossy(&body),
                        )
                        .expect("the push decrypts");
                    if let Some(e) = parse_code_audit_event(&plain.message).expect("the push parses") {
                        got.lock().unwrap().push((uri.path().to_owned(), e));
                    }
                    "success"
                },
            )
            .with_state(Arc::clone(&got));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Pushes { url, got }
    }

    /// The pushes once at least `n` arrived (deliveries run in the background).
    async fn wait_for(&self, n: usize) -> Vec<(String, CodeAuditEvent)> {
        for _ in 0..200 {
            if self.got.lock().unwrap().len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.got.lock().unwrap().clone()
    }
}

fn api_code(e: Error) -> i64 {
    match e {
        Error::Api { code, .. } => code,
        other => panic!("not a WeChat error: {other}"),
    }
}

/// Decides a code audit through the control API (`approve`, `reason`, `delay`, `screenshot`).
async fn decide(h: &Harness, auditid: u64, decision: serde_json::Value) {
    let v = h.post(&format!("/__emulator/audits/{auditid}"), decision).await;
    assert!(v.get("errcode").is_none(), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_a_draft_to_a_released_mini_program_then_gray_and_rollback() {
    let h = Harness::start().await;
    let pushes = Pushes::start().await;
    h.post(
        "/__emulator/components",
        json!({"appid": builtin::COMPONENT_APPID, "message_url": format!("{}/wechat/$APPID$", pushes.url)}),
    )
    .await;
    let c = &h.client;
    h.onboard(builtin::OA_ENTERPRISE).await;

    // Draft → template.
    let drafts = c.template_drafts().await.unwrap();
    assert_eq!(drafts[0].draft_id, builtin::DRAFT_ID);
    c.add_to_template(drafts[0].draft_id).await.unwrap();
    let template = c
        .templates()
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.draft_id == builtin::DRAFT_ID)
        .unwrap();

    // Domains: register on the component, then set on the Mini Program.
    let registered = c
        .set_component_server_domains(&ModifyWxaServerDomainRequest::new("add", &["cdn.shop.example.com"]))
        .await
        .unwrap();
    assert!(registered.published_wxa_server_domain.contains("cdn.shop.example.com"));
    let mp = h.new_mini_program().await;
    let domains = ServerDomains::https(&["https://api.shop.example.com", "https://cdn.shop.example.com"]);
    let set = c
        .modify_domain(&mp, &ModifyDomainRequest::new("set", domains))
        .await
        .unwrap();
    assert_eq!(set.domains.requestdomain.len(), 2);
    let webview = c
        .set_webview_domains(&mp, &SetWebviewDomainRequest::new(None, vec![]))
        .await
        .unwrap();
    assert_eq!(
        webview.webviewdomain,
        vec![format!("https://{}", builtin::COMPONENT_WEBVIEW_DOMAIN)]
    );

    // Commit; the scan runs a virtual minute.
    let ext = json!({"extAppid": mp.as_str(), "ext": {"shopId": "42"}});
    c.commit(
        &mp,
        &CommitRequest::with_ext(template.template_id, &ext, "1.0.0", "first"),
    )
    .await
    .unwrap();
    assert_eq!(api_code(c.code_privacy_info(&mp).await.unwrap_err()), 61039);
    assert_eq!(
        api_code(c.submit_audit(&mp, &SubmitAuditRequest::default()).await.unwrap_err()),
        61039
    );
    h.advance(Duration::from_secs(60)).await;
    let scan = c.code_privacy_info(&mp).await.unwrap();
    assert_eq!(scan.without_conf_list, vec!["UserInfo".to_owned()]);

    // Privacy guide covering what the scan found.
    let found = c.privacy_setting(&mp, 2).await.unwrap().privacy_list;
    let settings = found
        .iter()
        .map(|k| PrivacySetting::new(k.clone(), "用于登录"))
        .collect();
    c.set_privacy_setting(
        &mp,
        &SetPrivacySettingRequest::development(OwnerSetting::new("privacy@example.com", "弹窗"), settings),
    )
    .await
    .unwrap();
    assert!(c.code_privacy_info(&mp).await.unwrap().without_conf_list.is_empty());

    // A tester and the trial QR code.
    let userstr = c.bind_tester(&mp, "tester_wang").await.unwrap();
    assert_eq!(c.testers(&mp).await.unwrap(), vec![userstr]);
    let qr = c.trial_qr_code(&mp, Some("pages/index/index?from=qa")).await.unwrap();
    assert!(qr.starts_with(&[0xFF, 0xD8, 0xFF]), "JPEG bytes");
    assert_eq!(c.pages(&mp).await.unwrap().len(), builtin::TEMPLATE_PAGES.len());

    // Submit, approve, the success push.
    let quota = c.audit_quota(&mp).await.unwrap();
    let auditid = c
        .submit_audit(&mp, &SubmitAuditRequest::default())
        .await
        .unwrap()
        .auditid;
    assert_eq!(c.audit_quota(&mp).await.unwrap().rest, quota.rest - 1);
    assert_eq!(
        api_code(c.submit_audit(&mp, &SubmitAuditRequest::default()).await.unwrap_err()),
        85009
    );
    assert_eq!(
        c.audit_status(&mp, auditid).await.unwrap().status,
        CodeAuditStatus::Auditing
    );
    assert_eq!(api_code(c.release(&mp).await.unwrap_err()), 85020);
    decide(&h, auditid, json!({"approve": true})).await;
    let got = pushes.wait_for(1).await;
    assert_eq!(got[0].0, format!("/wechat/{mp}"));
    assert!(matches!(got[0].1, CodeAuditEvent::Success { .. }), "{got:?}");
    assert_eq!(
        c.latest_audit_status(&mp).await.unwrap().status,
        CodeAuditStatus::Approved
    );

    // Release: the live version.
    c.release(&mp).await.unwrap();
    let info = c.version_info(&mp).await.unwrap();
    assert_eq!(info.release_info.unwrap().release_version, "1.0.0");
    assert_eq!(api_code(c.release(&mp).await.unwrap_err()), 85052);
    assert_eq!(
        c.privacy_setting(&mp, 1).await.unwrap().setting_list.len(),
        1,
        "live guide copied"
    );

    // Version 2 through a gray release 10 % → 50 % → 100 %.
    c.commit(
        &mp,
        &CommitRequest::with_ext(template.template_id, &ext, "2.0.0", "second"),
    )
    .await
    .unwrap();
    h.advance(Duration::from_secs(60)).await;
    let auditid = c
        .submit_audit(&mp, &SubmitAuditRequest::default())
        .await
        .unwrap()
        .auditid;
    decide(&h, auditid, json!({"approve": true})).await;
    for p in [10, 50] {
        c.gray_release(&mp, &GrayReleaseRequest::new(p)).await.unwrap();
        let plan = c.gray_release_plan(&mp).await.unwrap();
        assert_eq!((plan.status, plan.gray_percentage), (1, p));
    }
    assert_eq!(
        api_code(c.gray_release(&mp, &GrayReleaseRequest::new(30)).await.unwrap_err()),
        85082
    );
    assert_eq!(api_code(c.revert_code_release(&mp, None).await.unwrap_err()), 87011);
    c.gray_release(&mp, &GrayReleaseRequest::new(100)).await.unwrap();
    assert_eq!(c.gray_release_plan(&mp).await.unwrap().status, 3);
    assert_eq!(
        c.version_info(&mp).await.unwrap().release_info.unwrap().release_version,
        "2.0.0"
    );

    // Roll back to 1.0.0, once.
    let history = c.release_history(&mp).await.unwrap();
    assert_eq!(history[0].user_version, "1.0.0");
    c.revert_code_release(&mp, Some(history[0].app_version)).await.unwrap();
    assert_eq!(
        c.version_info(&mp).await.unwrap().release_info.unwrap().release_version,
        "1.0.0"
    );
    assert_eq!(api_code(c.revert_code_release(&mp, None).await.unwrap_err()), 87012);

    // Visibility.
    c.set_search_status(&mp, false).await.unwrap();
    assert!(!c.search_status(&mp).await.unwrap());
    c.change_visit_status(&mp, false).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejection_arrives_typed_with_reason_and_screenshots_and_undo_spends_its_quota() {
    let h = Harness::start().await;
    let pushes = Pushes::start().await;
    h.post(
        "/__emulator/components",
        json!({"appid": builtin::COMPONENT_APPID, "message_url": format!("{}/m/$APPID$", pushes.url)}),
    )
    .await;
    let c = &h.client;
    h.onboard(builtin::OA_ENTERPRISE).await;
    let mp = h.new_mini_program().await;
    let ext = json!({"extAppid": mp.as_str()});
    c.commit(&mp, &CommitRequest::with_ext(builtin::TEMPLATE_ID, &ext, "1.0.0", "x"))
        .await
        .unwrap();
    h.advance(Duration::from_secs(60)).await;
    let first = c
        .submit_audit(&mp, &SubmitAuditRequest::default())
        .await
        .unwrap()
        .auditid;
    c.undo_code_audit(&mp).await.unwrap();
    assert_eq!(
        c.audit_status(&mp, first).await.unwrap().status,
        CodeAuditStatus::Withdrawn
    );
    let second = c
        .submit_audit(&mp, &SubmitAuditRequest::default())
        .await
        .unwrap()
        .auditid;
    decide(&h, second, json!({"approve": false, "delay": true, "reason": "排队"})).await;
    decide(
        &h,
        second,
        json!({"approve": false, "reason": "隐私指引不完整", "screenshot": "s1|s2"}),
    )
    .await;
    let got = pushes.wait_for(2).await;
    assert!(matches!(got[0].1, CodeAuditEvent::Delay { .. }), "{got:?}");
    match &got[1].1 {
        CodeAuditEvent::Fail {
            reason, screen_shot, ..
        } => {
            assert_eq!((reason.as_str(), screen_shot.as_str()), ("隐私指引不完整", "s1|s2"));
        }
        other => panic!("{other:?}"),
    }
    let status = c.audit_status(&mp, second).await.unwrap();
    assert_eq!(
        (status.status, status.screenshot.as_str()),
        (CodeAuditStatus::Rejected, "s1|s2")
    );
    assert_eq!(api_code(c.release(&mp).await.unwrap_err()), 85020);
    // commit with ext_json as an object cannot be sent through the SDK: CommitRequest carries a
    // string; a string that is not JSON is 85048.
    let bad = CommitRequest::new(builtin::TEMPLATE_ID, "{oops", "1.0.1", "x");
    assert_eq!(api_code(c.commit(&mp, &bad).await.unwrap_err()), 85048);
}
