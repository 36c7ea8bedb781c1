//! The retry policy against injected faults: what is resent, what is not, and what the caller
//! is told when a call that must not be resent loses its answer.

use crate::harness::{Harness, appid, client_on, fast_retry};
use crate::scripted;
use fastreg_client::{Error, MemoryStore, OffsetClock, RetryPolicy, TokenStore};
use fastreg_emulator::builtin;
use fastreg_protocol::RefreshToken;
use fastreg_protocol::catalog::ErrorClass;
use fastreg_protocol::id::Secret;
use serde_json::json;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

const BASIC_INFO: &str = "/cgi-bin/account/getaccountbasicinfo";

#[tokio::test]
async fn system_busy_is_retried_for_reads() {
    let h = Harness::start().await;
    let oa = h.onboard(builtin::OA_ENTERPRISE).await;
    h.fault(json!({"path": BASIC_INFO, "errcode": -1, "count": 2})).await;
    let before = h.count("getaccountbasicinfo").await;
    h.client.account_basic_info(&oa).await.unwrap();
    assert_eq!(h.count("getaccountbasicinfo").await, before + 3);
}

#[tokio::test]
async fn lost_answers_to_reads_are_retried() {
    let h = Harness::start().await;
    let oa = h.onboard(builtin::OA_ENTERPRISE).await;
    h.fault(json!({"path": BASIC_INFO, "mode": "drop_response", "count": 2}))
        .await;
    h.client.account_basic_info(&oa).await.unwrap();
}

#[tokio::test]
async fn retries_are_bounded_by_the_policy() {
    let h = Harness::start().await;
    let oa = h.onboard(builtin::OA_ENTERPRISE).await;
    h.fault(json!({"path": BASIC_INFO, "errcode": -1})).await;
    let client = h.client_with_retry(RetryPolicy {
        max_retries: 3,
        ..fast_retry()
    });
    let before = h.count("getaccountbasicinfo").await;
    let err = client.account_basic_info(&oa).await.unwrap_err();
    assert_eq!(err.code(), Some(-1));
    assert!(err.is_transient());
    assert_eq!(h.count("getaccountbasicinfo").await, before + 4);

    let none = h.client_with_retry(RetryPolicy::none());
    let before = h.count("getaccountbasicinfo").await;
    none.account_basic_info(&oa).await.unwrap_err();
    assert_eq!(h.count("getaccountbasicinfo").await, before + 1);
}

#[tokio::test]
async fn quota_errors_are_never_retried() {
    let h = Harness::start().await;
    let oa = h.onboard(builtin::OA_ENTERPRISE).await;
    for code in [45009, 61055, 53200, 53202, 53300] {
        h.clear_faults().await;
        h.fault(json!({"path": BASIC_INFO, "errcode": code})).await;
        let before = h.count("getaccountbasicinfo").await;
        let err = h.client.account_basic_info(&oa).await.unwrap_err();
        assert_eq!(err.code(), Some(code));
        assert_eq!(err.class(), Some(ErrorClass::QuotaExhausted), "{code}");
        assert!(!err.is_transient());
        assert_eq!(h.count("getaccountbasicinfo").await, before + 1, "{code}");
    }
}

#[tokio::test]
async fn operator_errors_are_never_retried() {
    let h = Harness::start().await;
    let oa = h.onboard(builtin::OA_ENTERPRISE).await;
    for code in [48001, 61003, 89503] {
        h.clear_faults().await;
        h.fault(json!({"path": BASIC_INFO, "errcode": code})).await;
        let before = h.count("getaccountbasicinfo").await;
        let err = h.client.account_basic_info(&oa).await.unwrap_err();
        assert_eq!(err.class(), Some(ErrorClass::OperatorMustAct), "{code}");
        assert_eq!(h.count("getaccountbasicinfo").await, before + 1, "{code}");
    }
}

/// fastregister is not idempotent: `-1` after sending leaves its outcome unknown, and it is not
/// sent again.
#[tokio::test]
async fn system_busy_on_fastregister_is_an_unknown_outcome() {
    let h = Harness::start().await;
    let oa = h.onboard(builtin::OA_ENTERPRISE).await;
    let ticket = h.confirm_fast_register(builtin::OA_ENTERPRISE).await;
    h.fault(json!({"path": "/cgi-bin/account/fastregister", "errcode": -1, "count": 1}))
        .await;
    let err = h.client.fast_register(&oa, &ticket).await.unwrap_err();
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert_eq!(err.code(), Some(-1));
    assert!(matches!(&err, Error::OutcomeUnknown { endpoint: "fastregister", appid: Some(a), .. } if *a == oa));
    assert_eq!(h.count("fastregister").await, 1);
}

/// The hard case: WeChat applied fastregister and the answer was lost. The client says so
/// (OutcomeUnknown, no resend — a resend would answer 61058 and hide the new Mini Program), and
/// the new Mini Program is found in the authorizer list, with its refresh token.
#[tokio::test]
async fn lost_fastregister_answer_is_reconciled_from_the_authorizer_list() {
    let h = Harness::start().await;
    let oa = h.onboard(builtin::OA_ENTERPRISE).await;
    let known: HashSet<_> = h
        .client
        .all_authorizers()
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.authorizer_appid)
        .collect();
    let ticket = h.confirm_fast_register(builtin::OA_ENTERPRISE).await;
    h.fault(json!({"path": "/cgi-bin/account/fastregister", "mode": "drop_response", "count": 1}))
        .await;

    let err = h.client.fast_register(&oa, &ticket).await.unwrap_err();
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert!(err.to_string().contains("do not resend"), "{err}");
    assert_eq!(h.count("fastregister").await, 1, "not resent");

    let new = h.client.find_new_authorizers(&known).await.unwrap();
    assert_eq!(new.len(), 1, "{new:?}");
    let mp = new[0].authorizer_appid.clone();
    h.client.put_refresh_token(&mp, &new[0].refresh_token).await.unwrap();
    let info = h.client.account_basic_info(&mp).await.unwrap();
    assert_eq!(info.appid, mp);

    // Why not resend: the ticket is spent.
    let again = h.client.fast_register(&oa, &ticket).await.unwrap_err();
    assert_eq!(again.code(), Some(61058));
}

/// A lost answer to api_query_auth is the same kind of case: the code is spent, the refresh
/// token is in the authorizer list.
#[tokio::test]
async fn lost_query_auth_answer_is_an_unknown_outcome() {
    let h = Harness::start().await;
    h.push_ticket().await;
    let code = h.authorize(builtin::OA_ENTERPRISE).await;
    h.fault(json!({"path": "/cgi-bin/component/api_query_auth", "mode": "drop_response", "count": 1}))
        .await;
    let err = h.client.query_auth(&code).await.unwrap_err();
    assert!(err.is_outcome_unknown(), "{err:?}");
    let oa = appid(builtin::OA_ENTERPRISE);
    let listed = h
        .client
        .all_authorizers()
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.authorizer_appid == oa)
        .expect("authorized");
    h.client.put_refresh_token(&oa, &listed.refresh_token).await.unwrap();
    h.client.account_basic_info(&oa).await.unwrap();
}

/// Token errors on a non-idempotent endpoint are retried once: WeChat rejects a bad token
/// before applying anything.
#[tokio::test]
async fn token_error_on_fastregister_is_retried_once() {
    let h = Harness::start().await;
    let oa = h.onboard(builtin::OA_ENTERPRISE).await;
    let ticket = h.confirm_fast_register(builtin::OA_ENTERPRISE).await;
    h.fault(json!({"path": "/cgi-bin/account/fastregister", "errcode": 42001, "count": 1}))
        .await;
    let reg = h.client.fast_register(&oa, &ticket).await.unwrap();
    assert_ne!(reg.appid, oa);
    assert_eq!(h.count("fastregister").await, 2);
    assert_eq!(h.count("api_authorizer_token").await, 1);
}

/// Nothing listens: a refused connection never reached WeChat, so even a non-idempotent call
/// may be resent; in the end it is a transport error saying so, with no token in it.
#[tokio::test]
async fn refused_connection_is_a_transport_error_that_was_not_sent() {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let store = Arc::new(MemoryStore::new());
    let client = client_on(&base, store.clone(), Arc::new(OffsetClock::new()), fast_retry());
    client
        .put_verify_ticket(&Secret::parse("ticket@@@x").unwrap())
        .await
        .unwrap();
    let err = client.component_token().await.unwrap_err();
    match &err {
        Error::Transport { sent, .. } => assert!(!sent),
        other => panic!("expected a transport error, got {other:?}"),
    }
    assert!(err.to_string().contains("api_component_token"), "{err}");
}

/// Errors never carry a token: not the URL's `access_token=`, not a body field.
#[tokio::test]
async fn errors_and_their_debug_never_show_a_token() {
    let h = Harness::start().await;
    let oa = h.onboard(builtin::OA_ENTERPRISE).await;
    let token = h.client.authorizer_token(&oa).await.unwrap();
    h.fault(json!({"path": BASIC_INFO, "mode": "drop_response"})).await;
    let client = h.client_with_retry(RetryPolicy::none());
    let err = client.account_basic_info(&oa).await.unwrap_err();
    assert!(matches!(err, Error::Transport { sent: true, .. }), "{err:?}");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(token.expose()), "{shown}");
    let refresh = h.store.refresh_token(&oa).await.unwrap().unwrap();
    assert!(!shown.contains(refresh.expose()));
}

/// A body that is not the endpoint's JSON is a decode error naming the endpoint, with an
/// excerpt whose token fields are blanked.
#[tokio::test]
async fn undecodable_answer_is_a_decode_error_with_a_redacted_excerpt() {
    let wechat = scripted::serve(|req| match req.path {
        "/cgi-bin/component/api_component_token" => (
            200,
            json!({"component_access_token": "SECRET_COMPONENT_TOKEN", "expires_in": "soon"}).to_string(),
        ),
        _ => (502, "<html>bad gateway</html>".into()),
    })
    .await;
    let client = client_on(
        &wechat.base,
        Arc::new(MemoryStore::new()),
        Arc::new(OffsetClock::new()),
        RetryPolicy::none(),
    );
    client
        .put_verify_ticket(&Secret::parse("ticket@@@x").unwrap())
        .await
        .unwrap();
    let err = client.component_token().await.unwrap_err();
    match &err {
        Error::Decode { endpoint, excerpt, .. } => {
            assert_eq!(*endpoint, "api_component_token");
            assert!(!excerpt.contains("SECRET_COMPONENT_TOKEN"), "{excerpt}");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    // A gateway error is transient (it may have been applied: counted as sent).
    client
        .put_refresh_token(&appid("wx7b00000000000f99"), &RefreshToken::parse("R").unwrap())
        .await
        .unwrap();
    let err = client
        .call_raw(
            fastreg_protocol::endpoint::Method::Get,
            "/cgi-bin/untyped",
            fastreg_client::Auth::None,
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { sent: true, .. }), "{err:?}");
    assert!(err.to_string().contains("502"), "{err}");
}

/// Backoff between retries is real time, jittered and bounded.
#[tokio::test]
async fn retries_wait_the_backoff() {
    let h = Harness::start().await;
    let oa = h.onboard(builtin::OA_ENTERPRISE).await;
    h.fault(json!({"path": BASIC_INFO, "errcode": -1, "count": 2})).await;
    let client = h.client_with_retry(RetryPolicy {
        max_retries: 2,
        initial_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_millis(200),
    });
    let started = std::time::Instant::now();
    client.account_basic_info(&oa).await.unwrap();
    // At least half of 100 ms, then half of 200 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "{:?}",
        started.elapsed()
    );
}
