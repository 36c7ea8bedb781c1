//! Two service instances on one PostgreSQL share the work: 200 registrations, each processed
//! exactly once (fastregister called once per ticket, per the emulator's call log).

use crate::helpers::*;
use fastreg_emulator::Scenario;
use fastreg_emulator::builtin::OA_ENTERPRISE;
use fastreg_server::Application;
use serde_json::json;
use std::time::Duration;

const N: usize = 200;

fn oa_appid(i: usize) -> String {
    format!("wx5b{i:014x}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(
    not(fastreg_test_postgres),
    ignore = "needs PostgreSQL: set FASTREG_TEST_DATABASE_URL=postgres://… (CI does)"
)]
async fn two_instances_process_200_registrations_exactly_once() {
    let mut scenario = Scenario::builtin();
    let template = scenario
        .official_accounts
        .iter()
        .find(|a| a.appid == OA_ENTERPRISE)
        .cloned()
        .expect("template");
    for i in 0..N {
        let mut a = template.clone();
        a.appid = oa_appid(i);
        a.nickname = format!("并发测试{i}");
        a.principal_name = format!("并发测试第{i}号有限公司");
        scenario.official_accounts.push(a);
    }
    let Some(app) = spawn_app_with(Db::Postgres, scenario, |_| {}).await else {
        return;
    };

    // Authorize every account and let every admin confirm, through instance A (no workers).
    let mut ids = Vec::new();
    for i in 0..N {
        let auth = app.authorize(&oa_appid(i)).await;
        assert_eq!(auth["state"], "authorized", "{auth}");
    }
    for i in 0..N {
        let reg = app.start_registration(json!({ "oa_appid": oa_appid(i) })).await;
        let redirect = app.confirm_fastregister(&reg).await;
        assert_eq!(app.follow(&redirect).await.0, 200);
        ids.push(reg["id"].as_str().expect("id").to_owned());
    }
    assert_eq!(app.calls("fastregister").await, 0);

    // Instances B and C run the queue.
    let mut instances = Vec::new();
    for _ in 0..2 {
        let mut s = app.settings.clone();
        s.listen = "127.0.0.1:0".into();
        s.workers = 4;
        s.job_poll_ms = 20;
        let b = Application::build(s).await.expect("instance");
        instances.push(tokio::spawn(async move {
            let _ = b.run_until_stopped().await;
        }));
    }
    let mut registered = 0;
    for _ in 0..600 {
        registered = app
            .count("SELECT COUNT(*) FROM registrations WHERE state = 'registered'")
            .await;
        if registered == N as i64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Let the last jobs record their outcome before the instances stop.
    for _ in 0..100 {
        let open = app
            .count("SELECT COUNT(*) FROM jobs WHERE kind = 'registration' AND status <> 'succeeded'")
            .await;
        if open == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for i in &instances {
        i.abort();
    }
    assert_eq!(registered, N as i64, "not every registration completed");
    assert_eq!(
        app.calls("fastregister").await,
        N as u64,
        "fastregister was not called exactly once per ticket"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM history WHERE to_state = 'submitting'")
            .await,
        N as i64
    );
    assert_eq!(
        app.count("SELECT COUNT(DISTINCT mini_program_appid) FROM registrations WHERE state = 'registered'")
            .await,
        N as i64
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM jobs WHERE kind = 'registration' AND status <> 'succeeded'")
            .await,
        0
    );
    for id in ids.iter().take(5) {
        let r = app.get(&format!("/registrations/{id}")).await;
        assert_eq!(r["state"], "registered");
    }
    app.cleanup().await;
}
