//! The database before and after: a dump of every table, and what an attack may change.

use super::*;

/// The tables an attack may change: the sign-in throttle's counters, the audit log, the job
/// queue's bookkeeping (the upkeep's runs), the access tokens the upkeep renews (the verify
/// ticket is not: it is a row of `tokens` compared like any other), the leases of the workers,
/// and SQLite's id counters (an `INSERT … ON CONFLICT DO NOTHING` of a duplicate push moves the
/// counter of `events`, though no row is written).
pub(super) const MAY_CHANGE: &[&str] = &[
    "console_sign_in_failures",
    "audit_log",
    "jobs",
    "leases",
    "sqlite_sequence",
];

/// Every row of the database as text, by table (`sqlite3 .dump` or `pg_dump --inserts`).
pub(super) fn dump(database_url: &str) -> anyhow::Result<BTreeMap<String, BTreeSet<String>>> {
    let out = if let Some(path) = database_url.strip_prefix("sqlite://") {
        Command::new("sqlite3")
            .arg(path.split('?').next().unwrap_or(path))
            .arg(".dump")
            .output()
            .context("sqlite3 is needed for the database dump")?
    } else {
        Command::new("pg_dump")
            .args(["--data-only", "--inserts", "--rows-per-insert=1", database_url])
            .output()
            .context("pg_dump is needed for the database dump")?
    };
    if !out.status.success() {
        bail!("the dump failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let mut tables: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some(rest) = line.strip_prefix("INSERT INTO ") else {
            continue;
        };
        let table = rest
            .split([' ', '('])
            .next()
            .unwrap_or_default()
            .trim_start_matches("public.")
            .trim_matches('"')
            .to_owned();
        tables.entry(table).or_default().insert(line.to_owned());
    }
    Ok(tables)
}

/// The rows of `tokens` other than the verify ticket: access tokens the upkeep may renew.
pub(super) fn renewable_token(line: &str) -> bool {
    line.contains("component_token:") || line.contains("authorizer_token:")
}

pub(super) async fn settle(target: &Target) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        let (_, jobs) = target.api(reqwest::Method::GET, "/jobs?status=queued", None).await;
        let (_, running) = target.api(reqwest::Method::GET, "/jobs?status=running", None).await;
        let due = |v: &Value| {
            v["items"]
                .as_array()
                .map(|items| items.iter().filter(|j| j["kind"] != "token_upkeep").count())
                .unwrap_or(0)
        };
        if due(&jobs) + due(&running) == 0 {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(120) {
            bail!("jobs never settled: {jobs}");
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}
