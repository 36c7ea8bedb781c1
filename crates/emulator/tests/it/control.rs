//! The control API: call log, faults, clock, pushes, reset, seed.

use crate::support::*;
use fastreg_emulator::builtin::*;
use fastreg_emulator::{Emulator, Scenario};
use serde_json::json;

/// 200 concurrent calls are all counted: the counters are atomics, exact under concurrency.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn calls_count_200_concurrent_calls_exactly() {
    let env = Env::start().await;
    let ctoken = env.component_token().await;
    let url = format!(
        "{}/cgi-bin/component/api_create_preauthcode?component_access_token={ctoken}",
        env.base
    );
    let calls = (0..200).map(|_| {
        let http = env.http.clone();
        let url = url.clone();
        tokio::spawn(async move {
            let v: serde_json::Value = http
                .post(&url)
                .json(&json!({"component_appid": COMPONENT_APPID}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v["pre_auth_code"].is_string()
        })
    });
    let ok = futures::future::join_all(calls)
        .await
        .into_iter()
        .filter(|r| matches!(r, Ok(true)))
        .count();
    assert_eq!(ok, 200);
    let calls = env.get("/__emulator/calls").await;
    assert_eq!(calls["counts"]["api_create_preauthcode"], 200, "{}", calls["counts"]);
    assert_eq!(calls["counts"]["api_component_token"], 1);
    assert!(calls["errors"].get("api_create_preauthcode").is_none());
}

/// The recent log names endpoint, appid and errcode, and never carries a token.
#[tokio::test]
async fn calls_log_counts_errors_and_redacts_tokens() {
    let env = Env::start().await;
    let ctoken = env.component_token().await;
    let _ = env
        .post(
            "/cgi-bin/component/api_create_preauthcode",
            json!({"component_appid": COMPONENT_APPID}),
        )
        .await;
    let calls = env.get("/__emulator/calls").await;
    assert_eq!(calls["errors"]["api_create_preauthcode"], 1);
    let recent = calls["recent"].as_array().unwrap();
    let token_call = recent.iter().find(|r| r["endpoint"] == "api_component_token").unwrap();
    assert_eq!(token_call["appid"], COMPONENT_APPID);
    assert_eq!(token_call["errcode"], 0);
    assert!(token_call["at"].as_i64().unwrap() > 0);
    assert!(recent.iter().any(|r| r["errcode"] == 41001));
    assert!(!calls.to_string().contains(&ctoken), "a token leaked into the call log");
    let state = env.get("/__emulator/state").await;
    assert!(!state.to_string().contains(&ctoken), "a token leaked into the state");
    assert_eq!(state["tokens"][0]["holder"]["kind"], "component");
}

#[tokio::test]
async fn fault_error_mode_answers_errcode_without_applying_then_count_runs_out() {
    let env = Env::start().await;
    let ticket = env.ticket(COMPONENT_APPID).await;
    let v = env.control("faults", json!({"path": "/cgi-bin/component/api_component_token", "errcode": -1, "latency_ms": 0, "probability": 1.0, "count": 2, "mode": "error"})).await;
    assert_eq!(v["ok"], true, "{v}");
    let body = json!({"component_appid": COMPONENT_APPID, "component_appsecret": COMPONENT_SECRET, "component_verify_ticket": ticket});
    assert_err(
        &env.post("/cgi-bin/component/api_component_token", body.clone()).await,
        -1,
    );
    assert_err(
        &env.post("/cgi-bin/component/api_component_token", body.clone()).await,
        -1,
    );
    assert!(
        env.post("/cgi-bin/component/api_component_token", body.clone()).await["component_access_token"].is_string()
    );
    assert_eq!(
        env.get("/__emulator/state").await["tokens"].as_array().unwrap().len(),
        1,
        "the faulted calls issued nothing"
    );
    let calls = env.get("/__emulator/calls").await;
    assert_eq!(calls["counts"]["api_component_token"], 3);
    assert_eq!(calls["errors"]["api_component_token"], 2);
}

#[tokio::test]
async fn fault_probability_zero_never_fires_and_delete_clears() {
    let env = Env::start().await;
    env.control("faults", json!({"path": "*", "errcode": 45009, "probability": 0.0}))
        .await;
    assert!(env.component_token().await.len() > 20);
    env.control("faults", json!({"path": "*", "errcode": 45009})).await;
    assert_err(
        &env.post("/cgi-bin/component/api_component_token", json!({})).await,
        45009,
    );
    let r = env
        .http
        .delete(format!("{}/__emulator/faults", env.base))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    assert!(env.component_token().await.len() > 20);
    // A fault on a path the emulator does not serve is refused.
    let r = env
        .http
        .post(format!("{}/__emulator/faults", env.base))
        .json(&json!({"path": "/nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

/// drop_response applies the call and cuts the connection: reqwest reports a transport error.
#[tokio::test]
async fn fault_drop_response_cuts_the_connection_after_applying() {
    let env = Env::start().await;
    let ticket = env.ticket(COMPONENT_APPID).await;
    env.control(
        "faults",
        json!({"path": "/cgi-bin/component/api_component_token", "mode": "drop_response", "count": 1}),
    )
    .await;
    let result = async {
        env.http
            .post(format!("{}/cgi-bin/component/api_component_token", env.base))
            .json(&json!({"component_appid": COMPONENT_APPID, "component_appsecret": COMPONENT_SECRET, "component_verify_ticket": ticket}))
            .send()
            .await?
            .json::<serde_json::Value>()
            .await
    }
    .await;
    assert!(result.is_err(), "expected a transport error, got {result:?}");
    // Applied: a token was issued.
    assert_eq!(
        env.get("/__emulator/state").await["tokens"].as_array().unwrap().len(),
        1
    );
}

#[tokio::test]
async fn fault_latency_delays_the_answer() {
    let env = Env::start().await;
    env.control(
        "faults",
        json!({"path": "/cgi-bin/component/api_component_token", "mode": "delay", "latency_ms": 300}),
    )
    .await;
    let started = std::time::Instant::now();
    let _ = env.component_token().await;
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));
}

#[tokio::test]
async fn clock_advance_moves_virtual_time_only_forward() {
    let env = Env::start().await;
    let before = env.now().await;
    let after = env.advance(3600).await;
    assert!(after - before >= 3600 && after - before < 3700);
    let r = env
        .http
        .post(format!("{}/__emulator/clock/advance", env.base))
        .json(&json!({"seconds": -5}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = env
        .http
        .post(format!("{}/__emulator/clock/advance", env.base))
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["errcode"], 47001);
}

#[tokio::test]
async fn reset_returns_to_the_scenario() {
    let env = Env::start().await;
    let _mp = env.new_mini_program(OA_ENTERPRISE).await;
    env.advance(86_400 * 3).await;
    let v = env.control("reset", json!({})).await;
    assert_eq!(v["ok"], true);
    let state = env.get("/__emulator/state").await;
    assert_eq!(state["mini_programs"].as_array().unwrap().len(), 2);
    assert!(state["tokens"].as_array().unwrap().is_empty());
    assert!(
        state["now"].as_i64().unwrap()
            - (std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs() as i64)
            < 10
    );
    assert!(
        env.get("/__emulator/calls").await["counts"]
            .as_object()
            .unwrap()
            .is_empty()
    );
}

/// Same seed, same calls: same appids, tickets and tokens.
#[tokio::test]
async fn seed_makes_generated_values_deterministic() {
    async fn run(seed: u64) -> (String, String) {
        let running = Emulator::new(Scenario::builtin(), Some(seed))
            .spawn("127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let env = Env {
            base: running.base_url(),
            running,
            http: reqwest::Client::new(),
        };
        let mp = env.new_mini_program(OA_ENTERPRISE).await;
        (mp.appid, mp.token)
    }
    let a = run(42).await;
    let b = run(42).await;
    let c = run(43).await;
    assert_eq!(a, b);
    assert_ne!(a.0, c.0);
}

/// The verify ticket is pushed encrypted to the event URL on demand and every 10 minutes of
/// virtual time; the push decrypts with the component's key to the ticket the control API names.
#[tokio::test]
async fn verify_ticket_pushed_encrypted_on_demand_and_on_schedule() {
    let env = Env::start().await;
    let receiver = Receiver::start().await;
    let v = env
        .control(
            "components",
            json!({"appid": COMPONENT_APPID, "event_url": format!("{}/events", receiver.url)}),
        )
        .await;
    assert_eq!(v["ok"], true, "{v}");
    // Setting the URL brings a push at once.
    let first = receiver.wait_for(1).await;
    assert!(first[0].1.contains("component_verify_ticket"), "{first:?}");
    let v = env
        .control("push/verify-ticket", json!({"component_appid": COMPONENT_APPID}))
        .await;
    assert_eq!(v["pushed"], true, "{v}");
    assert_eq!(v["status"], 200);
    let pushes = receiver.wait_for(2).await;
    let ticket = v["ticket"].as_str().unwrap();
    match fastreg_protocol::event::parse_component_event(&pushes[1].1).unwrap() {
        fastreg_protocol::event::ComponentEvent::VerifyTicket { ticket: t, app_id, .. } => {
            assert_eq!(t.expose(), ticket);
            assert_eq!(app_id.as_str(), COMPONENT_APPID);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        receiver.got.lock().unwrap()[1]
            .body
            .contains(&format!("<AppId><![CDATA[{COMPONENT_APPID}]]></AppId>"))
    );
    env.advance(600).await;
    let pushes = receiver.wait_for(3).await;
    assert_eq!(pushes.len(), 3, "one scheduled push after 10 minutes");
    let state = env.get("/__emulator/state").await;
    assert_eq!(
        state["pushes"].as_array().unwrap().last().unwrap()["acknowledged"],
        true
    );
}

#[tokio::test]
async fn verify_ticket_without_event_url_is_returned_not_pushed() {
    let env = Env::start().await;
    let v = env
        .control("push/verify-ticket", json!({"component_appid": COMPONENT_APPID}))
        .await;
    assert_eq!(v["pushed"], false);
    assert!(v["status"].is_null());
    let state = env.get("/__emulator/state").await;
    let c = state["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["appid"] == COMPONENT_APPID)
        .unwrap()
        .clone();
    assert_eq!(c["ticket"], v["ticket"]);
    assert_eq!(
        env.running.emulator().verify_ticket(COMPONENT_APPID).as_deref(),
        v["ticket"].as_str()
    );
}

/// Pushes can be dropped, duplicated or delayed, as WeChat's delivery sometimes is.
#[tokio::test]
async fn push_mode_drops_duplicates_and_delays() {
    let env = Env::start().await;
    let receiver = Receiver::start().await;
    env.control("push/mode", json!({"mode": "drop", "count": 1})).await;
    env.control(
        "components",
        json!({"appid": COMPONENT_APPID, "event_url": receiver.url}),
    )
    .await;
    let v = env
        .control("push/verify-ticket", json!({"component_appid": COMPONENT_APPID}))
        .await;
    // The first push (on setting the URL) or this one was dropped; exactly one arrived.
    let _ = v;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(receiver.got.lock().unwrap().len(), 1);
    env.control("push/mode", json!({"mode": "duplicate", "count": 1})).await;
    env.control("push/verify-ticket", json!({"component_appid": COMPONENT_APPID}))
        .await;
    assert_eq!(receiver.got.lock().unwrap().len(), 3);
    let got = receiver.got.lock().unwrap().clone();
    assert_eq!(got[1].body, got[2].body, "a duplicate is the same push");
    env.control("push/mode", json!({"mode": "delay", "delay_ms": 300, "count": 1}))
        .await;
    let v = env
        .control("push/verify-ticket", json!({"component_appid": COMPONENT_APPID}))
        .await;
    assert_eq!(
        v["pushed"], false,
        "a delayed push has not arrived when the call answers"
    );
    assert_eq!(receiver.wait_for(4).await.len(), 4);
}

/// authorized, then updateauthorized when the sets change, then unauthorized: tokens revoked.
#[tokio::test]
async fn authorization_changes_are_pushed_and_unauthorize_revokes() {
    let env = Env::start().await;
    let receiver = Receiver::start().await;
    env.control(
        "components",
        json!({"appid": COMPONENT_APPID, "event_url": receiver.url}),
    )
    .await;
    receiver.wait_for(1).await;
    let ctoken = env.component_token().await;
    let info = env.authorize(&ctoken, OA_ENTERPRISE).await;
    let token = info["authorizer_access_token"].as_str().unwrap().to_owned();
    env.control(
        "authorize",
        json!({"component_appid": COMPONENT_APPID, "appid": OA_ENTERPRISE, "fast_register": false}),
    )
    .await;
    env.control(
        "authorize",
        json!({"component_appid": COMPONENT_APPID, "appid": OA_ENTERPRISE, "fast_register": false}),
    )
    .await;
    env.control(
        "unauthorize",
        json!({"component_appid": COMPONENT_APPID, "appid": OA_ENTERPRISE}),
    )
    .await;
    let pushes = receiver.wait_for(5).await;
    let kinds: Vec<String> = pushes
        .iter()
        .map(|(_, x)| {
            fastreg_protocol::event::parse_component_event(x)
                .unwrap()
                .info_type()
                .to_owned()
        })
        .filter(|k| k != "component_verify_ticket")
        .collect();
    // The repeated authorization with the same sets pushes nothing.
    assert_eq!(kinds, ["authorized", "updateauthorized", "unauthorized"]);
    assert_err(
        &env.get(&format!("/cgi-bin/account/getaccountbasicinfo?access_token={token}"))
            .await,
        40001,
    );
    let v = env
        .post(
            &format!("/cgi-bin/component/api_authorizer_token?component_access_token={ctoken}"),
            json!({"component_appid": COMPONENT_APPID, "authorizer_appid": OA_ENTERPRISE, "authorizer_refresh_token": info["authorizer_refresh_token"]}),
        )
        .await;
    assert_err(&v, 61023);
}

#[tokio::test]
async fn fastregister_pushes_authorized_for_the_new_mini_program() {
    let env = Env::start().await;
    let receiver = Receiver::start().await;
    env.control(
        "components",
        json!({"appid": COMPONENT_APPID, "event_url": receiver.url}),
    )
    .await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let pushes = receiver.wait_for(4).await;
    let code = pushes
        .iter()
        .find_map(|(_, x)| match fastreg_protocol::event::parse_component_event(x) {
            Ok(fastreg_protocol::event::ComponentEvent::Authorized {
                authorizer_appid,
                authorization_code,
                ..
            }) if authorizer_appid.as_str() == mp.appid => Some(authorization_code),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no authorized push for the new Mini Program: {pushes:?}"));
    // The pushed code is exchangeable once, apart from the answer's (already exchanged).
    let ctoken = env.component_token().await;
    let info = env.query_auth(&ctoken, code.as_str()).await;
    assert_eq!(
        info["authorization_info"]["authorizer_appid"],
        mp.appid.as_str(),
        "{info}"
    );
    assert_err(&env.query_auth(&ctoken, code.as_str()).await, 61009);
}

#[tokio::test]
async fn library_surface_sets_urls_and_reads_ticket() {
    let emulator = Emulator::new(Scenario::builtin(), Some(1));
    assert!(emulator.set_component_urls(
        COMPONENT_APPID,
        Some("http://127.0.0.1:1/events".into()),
        Some("http://127.0.0.1:1/$APPID$".into())
    ));
    assert!(!emulator.set_component_urls("wx0000000000000000", None, None));
    let ticket = emulator.verify_ticket(COMPONENT_APPID).unwrap();
    assert!(ticket.starts_with("ticket@@@"));
    let before = emulator.now();
    assert!(emulator.advance(100).await >= before + 100);
    let running = emulator.spawn("127.0.0.1:0".parse().unwrap()).await.unwrap();
    assert!(running.base_url().starts_with("http://127.0.0.1:"));
    assert_eq!(
        running.addr().port(),
        running.base_url().rsplit(':').next().unwrap().parse::<u16>().unwrap()
    );
    running.shutdown().await;
}
