//! One flight per token, whatever it ends with: 1,000 tasks waiting for the same expired token
//! share one refresh when it succeeds, one retry sequence when WeChat keeps answering `-1`, and
//! one call when WeChat refuses the refresh token (61023), which then fails later calls unsent
//! until the stored refresh token changes. Each test prints its figures (calls made, time to the
//! last answer) — printed, not asserted: speed is for benchmarks; the counts are the assertion.

use crate::harness::{Harness, config_on, fast_retry};
use fastreg_client::{Client, Clock, Error, MemoryStore, RetryPolicy, TokenStore};
use fastreg_emulator::builtin;
use fastreg_protocol::AppId;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

const WAITERS: usize = 1000;

/// `WAITERS` calls for `oa` at once (polled together, so all join the flight before its first
/// answer); every result, and the time from the start to the last of them.
async fn herd(client: &Client, oa: &AppId) -> (Vec<Result<(), Error>>, Duration) {
    let started = Instant::now();
    let calls = (0..WAITERS).map(|_| async { client.account_basic_info(oa).await.map(drop) });
    let results = futures::future::join_all(calls).await;
    (results, started.elapsed())
}

/// An Official Account onboarded, its tokens warmed, then two hours later: both expired.
async fn expired(h: &Harness) -> AppId {
    let oa = h.onboard(builtin::OA_ENTERPRISE).await;
    h.client.account_basic_info(&oa).await.unwrap();
    h.advance(Duration::from_secs(7200 + 60)).await;
    oa
}

fn codes(results: &[Result<(), Error>]) -> Vec<Option<i64>> {
    let mut codes: Vec<_> = results.iter().map(|r| r.as_ref().err().and_then(Error::code)).collect();
    codes.dedup();
    codes
}

#[tokio::test]
async fn a_successful_refresh_serves_1000_waiters_with_one_call() {
    let h = Harness::start().await;
    let oa = expired(&h).await;
    let before = h.counts().await;

    let (results, elapsed) = herd(&h.client, &oa).await;

    assert_eq!(codes(&results), vec![None], "every call succeeds");
    let after = h.counts().await;
    let delta = |k: &str| after.get(k).unwrap_or(&0) - before.get(k).unwrap_or(&0);
    assert_eq!(delta("api_component_token"), 1);
    assert_eq!(delta("api_authorizer_token"), 1);
    assert_eq!(delta("getaccountbasicinfo"), WAITERS as u64);
    eprintln!(
        "flight figures, success: {WAITERS} waiters, 1 api_authorizer_token + 1 api_component_token call, last answer after {elapsed:?}"
    );
}

/// Before: the error reached only the task that held the lock, and each waiter then ran the
/// whole retry sequence again — 4 callers made 36 calls, 1,000 would have waited an hour.
#[tokio::test]
async fn a_refresh_failing_with_minus_1_fails_1000_waiters_after_one_retry_sequence() {
    let h = Harness::start().await;
    let oa = expired(&h).await;
    // The latency keeps the sequence long enough that every waiter has joined before it ends.
    h.fault(json!({"path": "/cgi-bin/component/api_authorizer_token", "errcode": -1, "latency_ms": 20}))
        .await;
    let before = h.counts().await;

    let (results, elapsed) = herd(&h.client, &oa).await;

    assert_eq!(codes(&results), vec![Some(-1)], "every caller gets WeChat's -1");
    let after = h.counts().await;
    let delta = |k: &str| after.get(k).unwrap_or(&0) - before.get(k).unwrap_or(&0);
    let sequence = u64::from(fast_retry().max_retries) + 1;
    assert_eq!(
        delta("api_authorizer_token"),
        sequence,
        "one retry sequence (the call and its {} retries) for all {WAITERS} waiters",
        sequence - 1
    );
    assert_eq!(delta("getaccountbasicinfo"), 0, "no call went out without a token");
    eprintln!(
        "flight figures, refresh always -1: {WAITERS} waiters, {} api_authorizer_token calls, last error after {elapsed:?} \
         (backoff 2–20 ms, 20 ms of injected latency per call)",
        delta("api_authorizer_token")
    );

    // The failure is not remembered: the next call starts a new sequence, which succeeds once
    // WeChat does.
    h.clear_faults().await;
    h.client.account_basic_info(&oa).await.unwrap();
    assert_eq!(h.count("api_authorizer_token").await - after["api_authorizer_token"], 1);
}

/// Before: each of 1,000 callers sent its own api_authorizer_token and got its own 61023.
#[tokio::test]
async fn a_refused_refresh_token_is_one_call_for_1000_waiters_and_none_after() {
    let h = Harness::start().await;
    let oa = expired(&h).await;
    h.fault(json!({"path": "/cgi-bin/component/api_authorizer_token", "errcode": 61023}))
        .await;
    let before = h.count("api_authorizer_token").await;

    let (results, elapsed) = herd(&h.client, &oa).await;
    assert_eq!(codes(&results), vec![Some(61023)]);
    assert_eq!(h.count("api_authorizer_token").await - before, 1);
    eprintln!(
        "flight figures, refresh refused (61023): {WAITERS} waiters, 1 api_authorizer_token call, last error after {elapsed:?}"
    );

    // Marked: later calls fail at once with the same error and send nothing, even now that
    // WeChat would answer (the refresh token in the store is still the refused one).
    h.clear_faults().await;
    let (results, again) = herd(&h.client, &oa).await;
    assert_eq!(codes(&results), vec![Some(61023)]);
    assert_eq!(h.count("api_authorizer_token").await - before, 1, "nothing sent");
    eprintln!("flight figures, marked refused: {WAITERS} more calls failed unsent in {again:?}");
    let err = h.client.authorizer_token(&oa).await.unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Api {
                endpoint: "api_authorizer_token",
                code: 61023,
                ..
            }
        ),
        "{err:?}"
    );

    // The account is authorized again and another process stores the new refresh token: the
    // mark is lifted by the change, and the next call refreshes with it.
    let elsewhere = Arc::new(MemoryStore::new());
    let other_process = h.new_client(elsewhere.clone(), h.clock.clone());
    let ticket = h.push_ticket_only().await;
    other_process.put_verify_ticket(&ticket).await.unwrap();
    let code = h.authorize(builtin::OA_ENTERPRISE).await;
    other_process.query_auth(&code).await.unwrap();
    let renewed = elsewhere.refresh_token(&oa).await.unwrap().unwrap();
    h.store.put_refresh_token(&oa, &renewed).await.unwrap();
    let calls = h.count("api_authorizer_token").await;
    h.client.account_basic_info(&oa).await.unwrap();
    assert_eq!(h.count("api_authorizer_token").await - calls, 1);
}

/// A waiter gives up at `flight_wait`; the refresh goes on by itself and fills the cache, and
/// the next call uses what it fetched.
#[tokio::test]
async fn waiters_give_up_at_the_deadline_and_the_flight_still_lands() {
    let h = Harness::start().await;
    let oa = expired(&h).await;
    h.client.component_token().await.unwrap();
    let client = Client::new(
        config_on(&h.base, h.clock.clone(), RetryPolicy::none())
            .flight_wait(Duration::from_millis(50))
            .build()
            .unwrap(),
        h.store.clone(),
    )
    .unwrap();
    h.fault(
        json!({"path": "/cgi-bin/component/api_authorizer_token", "mode": "delay",
                   "latency_ms": 500, "count": 1}),
    )
    .await;
    let before = h.count("api_authorizer_token").await;

    let (results, elapsed) = herd(&client, &oa).await;
    for r in &results {
        let err = r.as_ref().unwrap_err();
        assert!(matches!(err, Error::Token(m) if m.contains("flight_wait")), "{err}");
    }
    eprintln!("flight figures, deadline 50 ms: {WAITERS} waiters gave up after {elapsed:?}");

    // The condition: the flight stores the token it fetched (waited on, at most 5 s).
    let mut stored = false;
    for _ in 0..500 {
        stored = h
            .store
            .authorizer_token(&oa)
            .await
            .unwrap()
            .is_some_and(|t| t.is_fresh_at(h.clock.now(), Duration::from_secs(300)));
        if stored {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(stored, "the abandoned flight never stored its token");
    client.account_basic_info(&oa).await.unwrap();
    assert_eq!(h.count("api_authorizer_token").await - before, 1, "one refresh in all");
}
