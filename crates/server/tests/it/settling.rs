//! Work that is done without a job of its own (issue 9's commit budget): an `authorized` push
//! for a Mini Program a registration has already claimed is settled as it is received, and a job
//! queued in this process starts at once, however long the workers' poll. (A push that comes
//! before the claim is settled by the claim's transaction; which comes first is WeChat's timing,
//! so the registrations bench counts it: `cargo bench -p fastreg-server --bench registrations`.)

use crate::helpers::*;
use crate::on_both;
use fastreg_emulator::builtin::*;
use serde_json::json;

on_both!(
    the_push_for_a_new_mini_program_is_settled_without_a_job,
    |db| async move {
        let Some(app) = spawn_app(db).await else { return };
        app.authorize(OA_ENTERPRISE).await;
        // WeChat's `authorized` push for the new Mini Program comes after the registration has
        // claimed it (two seconds after fastregister answers): all the push brings, the service
        // already has.
        app.control("push/mode", json!({ "mode": "delay", "delay_ms": 2000, "count": 1 }))
            .await;
        let reg = app.register(OA_ENTERPRISE, None).await;
        assert_eq!(reg["state"], "registered", "{reg:#}");
        let mp = reg["mini_program_appid"].as_str().expect("appid").to_owned();

        // The push is stored as processed when it is received...
        let (id, processed) = eventually(&format!("the push for {mp}"), async || {
            fastreg_server::fetch_optional!(
                &app.state.db,
                (i64, Option<i64>),
                "SELECT id, processed_at FROM events WHERE kind = 'authorized' AND subject = $1",
                mp.as_str()
            )
            .expect("events")
        })
        .await;
        assert!(processed.is_some(), "the push for {mp} is processed as it is received");
        // ...with no job queued for it.
        let (jobs,): (i64,) = fastreg_server::fetch_one!(
            &app.state.db,
            (i64,),
            "SELECT COUNT(*) FROM jobs WHERE kind = 'event' AND payload = $1",
            format!("{{\"id\":{id}}}")
        )
        .expect("jobs");
        assert_eq!(jobs, 0, "no job for a push settled as it was received");
        assert_eq!(app.drain().await, 0, "nothing left to run");
        // The Mini Program was imported by its registration, in its last transaction.
        let view = app.get(&format!("/authorizers/{mp}")).await;
        assert_eq!(view["kind"], "mini_program", "{view:#}");
        assert_eq!(view["status"], "authorized", "{view:#}");
        assert!(view["nick_name"].is_string(), "{view:#}");
        app.cleanup().await;
    }
);

on_both!(a_job_queued_here_starts_without_waiting_for_the_poll, |db| async move {
    // One worker that polls every ten minutes: only the signal can start a job sooner.
    let Some(app) = spawn_app_with(db, fastreg_emulator::Scenario::builtin(), |s| {
        s.workers = 1;
        s.job_poll_ms = 600_000;
    })
    .await
    else {
        return;
    };
    let queue = &app.state.queue;
    let status = async |id: i64| queue.get(id).await.expect("job").expect("exists").status;
    // A kind no worker knows ends `dead` at its first run: what ran it is what is measured.
    let kind = "settling_probe";
    for round in 0..2 {
        let id = queue
            .enqueue(
                &app.state.db,
                kind,
                &serde_json::json!({ "round": round }),
                None,
                queue.now_ms(),
            )
            .await
            .expect("enqueue")
            .expect("a new job");
        // One worker polling every ten minutes runs it within the wait only if it was told.
        eventually(&format!("round {round}: the job's run"), async || {
            let now = status(id).await;
            assert!(
                ["queued", "running", "dead"].contains(&now.as_str()),
                "round {round}: unexpected status {now}"
            );
            (now == "dead").then_some(())
        })
        .await;
    }
    app.cleanup().await;
});
