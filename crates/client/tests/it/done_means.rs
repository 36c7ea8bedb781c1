//! The "Done means", each as a test.

use crate::harness::Harness;
use fastreg_client::RetryPolicy;
use fastreg_emulator::builtin;
use fastreg_protocol::AppId;
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;

/// With the emulator's clock advanced past expiry, 1,000 concurrent calls make exactly one
/// api_component_token call and one api_authorizer_token call per appid, and all succeed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn done_1000_concurrent_calls_after_expiry_refresh_each_token_once() {
    let h = Harness::start().await;
    let oa = h.onboard(builtin::OA_ENTERPRISE).await;
    let mp1 = h.new_mini_program().await;
    let mp2 = h.new_mini_program().await;
    let appids: Vec<AppId> = vec![oa, mp1, mp2];
    // Warm every token, then let them all expire.
    for a in &appids {
        h.client.account_basic_info(a).await.unwrap();
    }
    h.client.authorizer_info(&appids[0]).await.unwrap();
    let before = h.counts().await;
    h.advance(Duration::from_secs(7200 + 60)).await;

    let calls = (0..1000).map(|i| {
        let client = h.client.clone();
        let a = appids[i % appids.len()].clone();
        // Component-token and authorizer-token calls, interleaved; getcategory only on the
        // fast-registered Mini Programs (an Official Account answers 41033).
        let official_account = i % appids.len() == 0;
        tokio::spawn(async move {
            match i % 4 {
                0 => client.authorizer_info(&a).await.map(drop),
                1 if !official_account => client.categories(&a).await.map(drop),
                _ => client.account_basic_info(&a).await.map(drop),
            }
        })
    });
    let results = futures::future::join_all(calls).await;
    let failures: Vec<_> = results
        .into_iter()
        .map(|r| r.expect("task"))
        .filter_map(Result::err)
        .collect();
    assert!(failures.is_empty(), "{} failed, first: {}", failures.len(), failures[0]);

    let v = h.get("/__emulator/calls").await;
    let after = h.counts().await;
    let delta = |k: &str| after.get(k).unwrap_or(&0) - before.get(k).unwrap_or(&0);
    assert_eq!(delta("api_component_token"), 1, "{v}");
    assert_eq!(delta("api_authorizer_token"), appids.len() as u64, "{v}");
    // One api_authorizer_token per appid, not one appid refreshed three times.
    let refreshed: HashMap<String, usize> = v["recent"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["endpoint"] == "api_authorizer_token")
        .filter_map(|r| r["appid"].as_str().map(str::to_owned))
        .fold(HashMap::new(), |mut m, a| {
            *m.entry(a).or_default() += 1;
            m
        });
    if !refreshed.is_empty() {
        for a in &appids {
            assert_eq!(refreshed.get(a.as_str()), Some(&1), "{refreshed:?}");
        }
    }
}

/// With the emulator injecting -1 on 30% of calls, a sequence of 200 calls all succeed within
/// the retry budget.
///
/// The budget is the default policy's 8 retries: a call fails only if 9 draws in a row hit,
/// 0.3^9 ≈ 0.002% per call, 0.4% for the 200 (and the emulator's fault draws are seeded, so a
/// run is reproducible). Only the backoff is shortened, to keep the suite quick.
#[tokio::test]
async fn done_200_calls_succeed_with_system_busy_on_30_percent() {
    let h = Harness::start().await;
    let mp = h.new_mini_program().await;
    h.client.account_basic_info(&mp).await.unwrap();
    h.fault(json!({"path": "*", "errcode": -1, "probability": 0.3})).await;
    let default_budget = RetryPolicy::default().max_retries;
    let client = h.client_with_retry(RetryPolicy {
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(10),
        max_retries: default_budget,
    });
    let before = h.counts().await;
    for i in 0..200 {
        let result = match i % 4 {
            0 => client.account_basic_info(&mp).await.map(drop),
            1 => client.categories(&mp).await.map(drop),
            2 => client.check_nickname(&mp, "示例科技工具箱").await.map(drop),
            _ => client.authorizer_info(&mp).await.map(drop),
        };
        if let Err(e) = result {
            panic!("call {i} failed: {e}");
        }
    }
    let after = h.counts().await;
    let sent: u64 = after.values().sum::<u64>() - before.values().sum::<u64>();
    let errors = h.get("/__emulator/calls").await["errors"].clone();
    // 200 calls at a 30% failure rate take about 200/0.7 ≈ 286 sends; far fewer than 300 +
    // what the budget allows shows the retries stopped at success.
    assert!((200..=360).contains(&sent), "sent {sent}, errors {errors}");
}

/// With 42001 injected once, the call refreshes and succeeds.
#[tokio::test]
async fn done_42001_once_refreshes_and_succeeds() {
    let h = Harness::start().await;
    let mp = h.new_mini_program().await;
    h.client.account_basic_info(&mp).await.unwrap();
    let old = h.client.authorizer_token(&mp).await.unwrap();
    let before = h.counts().await;
    h.fault(json!({"path": "/cgi-bin/account/getaccountbasicinfo", "errcode": 42001, "count": 1}))
        .await;
    let info = h.client.account_basic_info(&mp).await.unwrap();
    assert_eq!(info.appid, mp);
    let after = h.counts().await;
    let delta = |k: &str| after.get(k).unwrap_or(&0) - before.get(k).unwrap_or(&0);
    assert_eq!(delta("api_authorizer_token"), 1);
    assert_eq!(delta("getaccountbasicinfo"), 2);
    assert_ne!(h.client.authorizer_token(&mp).await.unwrap(), old);
}
