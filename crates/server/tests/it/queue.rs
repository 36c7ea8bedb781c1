//! The job queue on each backend: concurrent claims never hand one job to two workers, a dead
//! worker's job is taken over after its lease, a stale worker cannot overwrite the new holder,
//! failures back off and end dead with their last error, and a dedupe key keeps one live job.

use crate::helpers::*;
use crate::on_both;
use fastreg_server::job::{Outcome, Queue};
use fastreg_server::store::{Db as Store, now_ms};
use serde_json::json;
use std::collections::HashSet;
use std::time::Duration;

async fn queue_story(db: Db) {
    let dir = temp_dir();
    let Some(url) = fresh_database(db, &dir).await else {
        return;
    };
    let store = Store::connect(&url).await.expect("connect");
    let queue = Queue::new(store.clone(), "test".into(), Duration::from_secs(60), 3);
    for i in 0..60 {
        queue
            .enqueue(&store, "noop", &json!({ "i": i }), None, now_ms())
            .await
            .expect("enqueue");
    }
    // Eight workers claim at once.
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let q = queue.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            while let Some(job) = q.claim(now_ms()).await.expect("claim") {
                mine.push(job.id);
                assert!(q.finish(&job, &Outcome::Done).await.expect("finish"));
            }
            mine
        }));
    }
    let mut seen = HashSet::new();
    let mut total = 0;
    for t in tasks {
        for id in t.await.expect("worker") {
            total += 1;
            assert!(seen.insert(id), "job {id} was claimed twice");
        }
    }
    assert_eq!(total, 60);

    // Dedupe: one live job per key, a new one once it finished.
    let a = queue
        .enqueue(&store, "k", &json!({}), Some("key-1"), now_ms())
        .await
        .expect("enqueue");
    let b = queue
        .enqueue(&store, "k", &json!({}), Some("key-1"), now_ms())
        .await
        .expect("enqueue");
    assert!(a.is_some() && b.is_none());
    let job = queue.claim(now_ms()).await.expect("claim").expect("due");
    // Failures back off, then the job is dead with its last error.
    assert!(
        queue
            .finish(&job, &Outcome::Retry("first".into()))
            .await
            .expect("finish")
    );
    assert!(
        queue.claim(now_ms()).await.expect("claim").is_none(),
        "a failed job ran again without backoff"
    );
    let job = queue
        .claim(now_ms() + 3_600_000)
        .await
        .expect("claim")
        .expect("after backoff");
    assert_eq!(job.attempts, 2);
    assert!(
        queue
            .finish(&job, &Outcome::Retry("second".into()))
            .await
            .expect("finish")
    );
    let job = queue
        .claim(now_ms() + 3_600_000)
        .await
        .expect("claim")
        .expect("after backoff");
    assert!(
        queue
            .finish(&job, &Outcome::Retry("third".into()))
            .await
            .expect("finish")
    );
    let view = queue.get(job.id).await.expect("get").expect("job");
    assert_eq!(view.status, "dead");
    assert_eq!(view.last_error.as_deref(), Some("third"));
    assert!(
        queue
            .enqueue(&store, "k", &json!({}), Some("key-1"), now_ms())
            .await
            .expect("enqueue")
            .is_some()
    );
    let again = queue.claim(now_ms()).await.expect("claim").expect("due");
    assert!(queue.finish(&again, &Outcome::Done).await.expect("finish"));

    // A worker that dies holding a job: another takes it after the lease; the dead one's late
    // outcome is dropped.
    let clock = std::sync::Arc::new(fastreg_client::OffsetClock::new());
    let short = Queue::new(store.clone(), "short".into(), Duration::from_millis(200), 3).with_clock(clock.clone());
    short
        .enqueue(&store, "lease", &json!({}), None, now_ms())
        .await
        .expect("enqueue");
    let held = short.claim(short.now_ms()).await.expect("claim").expect("due");
    assert!(short.claim(short.now_ms()).await.expect("claim").is_none());
    // The lease (200 ms) runs out on the queue's clock.
    clock.advance(Duration::from_millis(300));
    let taken = short
        .claim(short.now_ms())
        .await
        .expect("claim")
        .expect("lease expired");
    assert_eq!(taken.id, held.id);
    assert!(
        !short.finish(&held, &Outcome::Done).await.expect("finish"),
        "a stale worker overwrote the new holder"
    );
    assert!(short.finish(&taken, &Outcome::Done).await.expect("finish"));
    store.close().await;
    drop_database(&url, &dir).await;
}
on_both!(claims_leases_backoff_dedupe, queue_story);
