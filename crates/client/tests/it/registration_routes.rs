//! The other routes to a new Mini Program through the SDK, against the emulator: enterprise,
//! personal and trial. Each goes create → the user's confirmation (control API) → the push,
//! received over HTTP and opened with the client's own crypto → query_auth of the new appid →
//! an authorizer call with the new token.

use crate::harness::*;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use fastreg_client::Error;
use fastreg_emulator::builtin;
use fastreg_protocol::AuthorizationCode;
use fastreg_protocol::event::{ComponentEvent, RegistrationKind, RegistrationPush, parse_component_event};
use fastreg_protocol::registration::{
    BetaCreateRequest, EnterpriseCreateRequest, PersonalCreateRequest, RegisterPushStatus, TaskStatus, TrialPushStatus,
    VerifyBetaRequest,
};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

type Got = Arc<Mutex<Vec<(String, String)>>>;

/// An HTTP receiver on the component's authorization-event URL, answering `success`.
async fn receiver(h: &Harness) -> Got {
    let got: Got = Arc::default();
    let app = axum::Router::new()
        .fallback(
            |State(got): State<Got>, RawQuery(q): RawQuery, body: Bytes| async move {
                got.lock()
                    .unwrap()
                    .push((q.unwrap_or_default(), String::from_utf8_lossy(&body).into_owned()));
                "success"
            },
        )
        .with_state(Arc::clone(&got));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/events", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    h.post(
        "/__emulator/components",
        json!({"appid": builtin::COMPONENT_APPID, "event_url": url}),
    )
    .await;
    got
}

fn params(query: &str) -> HashMap<String, String> {
    reqwest::Url::parse(&format!("http://push.invalid/?{query}"))
        .expect("a query string")
        .query_pairs()
        .into_owned()
        .collect()
}

/// Waits for the `n`-th registration push of a kind, opened by the client.
async fn push(h: &Harness, got: &Got, kind: RegistrationKind, n: usize) -> RegistrationPush {
    for _ in 0..200 {
        let all: Vec<(String, String)> = got.lock().unwrap().clone();
        let found: Vec<RegistrationPush> = all
            .iter()
            .filter_map(|(q, body)| {
                let p = params(q);
                h.client
                    .registration_push(&p["msg_signature"], &p["timestamp"], &p["nonce"], body)
                    .expect("every push opens")
            })
            .filter(|p| p.kind == kind)
            .collect();
        if found.len() >= n {
            return found[n - 1].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("no {kind:?} push #{n}");
}

/// Waits for the `authorized` push of `appid`; its code.
async fn authorized(h: &Harness, got: &Got, appid: &str) -> AuthorizationCode {
    let crypt = h.client.msg_crypt().expect("the client has the push key");
    for _ in 0..200 {
        for (q, body) in got.lock().unwrap().iter() {
            let p = params(q);
            let opened = crypt
                .open(&p["msg_signature"], &p["timestamp"], &p["nonce"], body)
                .expect("opens");
            if let Ok(ComponentEvent::Authorized {
                authorizer_appid,
                authorization_code,
                ..
            }) = parse_component_event(&opened.message)
                && authorizer_appid.as_str() == appid
            {
                return authorization_code;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("no authorized push for {appid}");
}

async fn confirm(h: &Harness, id: &str) -> serde_json::Value {
    h.post("/__emulator/register-tasks/confirm", json!({"id": id})).await
}

#[tokio::test]
async fn enterprise_registration_through_the_sdk() {
    let h = Harness::start().await;
    let got = receiver(&h).await;
    h.push_ticket().await;
    let task = h
        .client
        .register_enterprise(&EnterpriseCreateRequest::new(
            builtin::ENT_OK_NAME,
            builtin::ENT_OK,
            "13800138000",
        ))
        .await
        .expect("create");
    assert_eq!(task.status, TaskStatus::Created);
    assert!(task.authorize_url.contains("create_token="));
    assert_eq!(confirm(&h, &task.taskid).await["status"], 12);
    let p = push(&h, &got, RegistrationKind::FastRegister, 1).await;
    assert_eq!(p.register_status(), RegisterPushStatus::Success);
    assert_eq!(p.task_key(), Some(task.taskid.as_str()));
    let info = h
        .client
        .query_auth(p.auth_code.as_ref().unwrap())
        .await
        .expect("query_auth");
    let appid = info.authorizer_appid;
    assert_eq!(Some(&appid), p.appid.as_ref());
    let basic = h.client.account_basic_info(&appid).await.expect("the new token works");
    assert_eq!(basic.principal_name, builtin::ENT_OK_NAME);
    let q = h.client.enterprise_task(&task.taskid).await.expect("query");
    assert_eq!(q.status, TaskStatus::MiniProgramCreated);
    assert!(q.status.is_final());
}

#[tokio::test]
async fn enterprise_errors_come_with_their_catalog_entry() {
    let h = Harness::start().await;
    h.push_ticket().await;
    let err = h
        .client
        .register_enterprise(&EnterpriseCreateRequest::new(builtin::ENT_OK_NAME, "123", "1"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(89255), "{err}");
    assert!(err.to_string().contains("credit code"), "{err}");
    let err = h.client.enterprise_task("nope").await.unwrap_err();
    assert_eq!(err.code(), Some(89250), "{err}");
}

#[tokio::test]
async fn personal_registration_through_the_sdk() {
    let h = Harness::start().await;
    let got = receiver(&h).await;
    h.push_ticket().await;
    let task = h
        .client
        .register_personal(&PersonalCreateRequest::new(builtin::PERSON_OK, "13800138000"))
        .await
        .expect("create");
    assert_eq!(confirm(&h, &task.taskid).await["status"], 12);
    let p = push(&h, &got, RegistrationKind::FastRegister, 1).await;
    assert!(p.succeeded());
    let info = h
        .client
        .query_auth(p.auth_code.as_ref().unwrap())
        .await
        .expect("query_auth");
    h.client
        .account_basic_info(&info.authorizer_appid)
        .await
        .expect("the new token works");
    assert_eq!(
        h.client.personal_task(&task.taskid).await.unwrap().status,
        TaskStatus::MiniProgramCreated
    );
}

#[tokio::test]
async fn trial_registration_rename_and_conversion_through_the_sdk() {
    let h = Harness::start().await;
    let got = receiver(&h).await;
    h.push_ticket().await;
    let created = h
        .client
        .register_trial(&BetaCreateRequest::new("小麦烤鸡", builtin::PERSON_OK_OPENID))
        .await
        .expect("create");
    assert_eq!(confirm(&h, &created.unique_id).await["status"], 12);
    let p = push(&h, &got, RegistrationKind::TrialCreated, 1).await;
    assert_eq!(p.trial_status(), TrialPushStatus::Success);
    assert_eq!(p.info.unique_id.as_deref(), Some(created.unique_id.as_str()));
    assert!(p.auth_code.is_none());
    let trial = p.appid.clone().unwrap();
    let code = authorized(&h, &got, trial.as_str()).await;
    h.client.query_auth(&code).await.expect("query_auth");
    h.client.set_trial_nickname(&trial, "大麦烤鸡").await.expect("rename");
    assert_eq!(
        h.client.account_basic_info(&trial).await.unwrap().nickname.as_deref(),
        Some("大麦烤鸡的体验小程序")
    );
    let v = h
        .client
        .verify_trial(
            &trial,
            &VerifyBetaRequest::new(builtin::ENT_OK_NAME, builtin::ENT_OK, "13800138000"),
        )
        .await
        .expect("verify");
    let c = h
        .post(
            "/__emulator/register-tasks/confirm",
            json!({"authorize_url": v.authorize_url}),
        )
        .await;
    assert_eq!(c["status"], 13, "{c}");
    let p = push(&h, &got, RegistrationKind::TrialVerified, 1).await;
    assert_eq!(p.register_status(), RegisterPushStatus::Success);
    assert_eq!(p.appid.as_ref(), Some(&trial));
    // Converted: same appid, same authorization, the enterprise's now.
    assert_eq!(
        h.client.account_basic_info(&trial).await.unwrap().principal_name,
        builtin::ENT_OK_NAME
    );
    let err = h
        .client
        .verify_trial(
            &trial,
            &VerifyBetaRequest::new(builtin::ENT_OK_NAME, builtin::ENT_OK, "1"),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api { code: 91021, .. }), "{err}");
}

#[tokio::test]
async fn personal_task_status_follows_the_users_steps_through_the_sdk() {
    let h = Harness::start().await;
    h.push_ticket().await;
    let task = h
        .client
        .register_personal(&PersonalCreateRequest::new(builtin::PERSON_OK, "13800138000"))
        .await
        .expect("create");
    let steps = [
        ("agreed", TaskStatus::Agreed),
        ("face_started", TaskStatus::FaceStarted),
        ("face_checked", TaskStatus::FaceOk),
        ("code_sent", TaskStatus::PhoneCodeSent),
        ("phone_verified", TaskStatus::PhoneOk),
        ("submitted", TaskStatus::Submitted),
    ];
    for (until, want) in steps {
        h.post(
            "/__emulator/register-tasks/confirm",
            json!({"id": task.taskid, "until": until}),
        )
        .await;
        let seen = h.client.personal_task(&task.taskid).await.unwrap().status;
        assert_eq!(seen, want, "{until}");
        assert!(!seen.is_final(), "{until}");
        let meaning = seen.entry().expect("the catalog explains every step");
        assert!(!meaning.zh.is_empty() && !meaning.en.is_empty());
    }
    // The next confirmation runs the checks.
    h.post("/__emulator/register-tasks/confirm", json!({"id": task.taskid}))
        .await;
    assert_eq!(
        h.client.personal_task(&task.taskid).await.unwrap().status,
        TaskStatus::MiniProgramCreated
    );
    let minor = h
        .client
        .register_personal(&PersonalCreateRequest::new(builtin::PERSON_MINOR, "13800138000"))
        .await
        .expect("create");
    h.post(
        "/__emulator/register-tasks/confirm",
        json!({"id": minor.taskid, "phone_ok": false}),
    )
    .await;
    // The code was wrong: the task ends with 8.
    let ended = h.client.personal_task(&minor.taskid).await.unwrap().status;
    assert_eq!(ended, TaskStatus::PhoneFailed);
    assert!(ended.is_final());
}

#[tokio::test]
async fn individual_platform_is_refused_with_its_catalog_entry() {
    let h = Harness::start().await;
    h.push_ticket().await;
    h.post(
        "/__emulator/components",
        json!({"appid": builtin::COMPONENT_APPID, "subject_type": "individual"}),
    )
    .await;
    let err = h
        .client
        .register_enterprise(&EnterpriseCreateRequest::new(
            builtin::ENT_OK_NAME,
            builtin::ENT_OK,
            "13800138000",
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(89295), "{err}");
    let err = h
        .client
        .register_personal(&PersonalCreateRequest::new(builtin::PERSON_OK, "13800138000"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(86040), "{err}");
    assert!(err.to_string().contains("personal third-party platform"), "{err}");
}
