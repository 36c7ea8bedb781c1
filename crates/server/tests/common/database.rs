//! Test databases, shared by the `it` and `console` test binaries (included with `#[path]`):
//! a fresh SQLite file or PostgreSQL database per test, and its removal.
#![allow(dead_code)]

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// A fresh database URL (always `Some`: the `Option` keeps the callers' `let … else`).
pub async fn fresh_database(db: Db, dir: &std::path::Path) -> Option<String> {
    match db {
        Db::Sqlite => Some(format!("sqlite://{}", dir.join("fastreg.db").display())),
        Db::Postgres => {
            // The `::postgres` variants are ignored at build time when the variable is unset
            // (`build.rs`); one that runs without it was required (FASTREG_REQUIRE_POSTGRES=1).
            let Ok(admin) = std::env::var("FASTREG_TEST_DATABASE_URL") else {
                panic!("FASTREG_TEST_DATABASE_URL is not set: set it to postgres://… to run the PostgreSQL tests");
            };
            use sqlx::Connection;
            let name = format!("fastreg_test_{}", uuid::Uuid::new_v4().simple());
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .expect("connect to FASTREG_TEST_DATABASE_URL");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("create a test database");
            let mut url = url::Url::parse(&admin).expect("FASTREG_TEST_DATABASE_URL is a URL");
            url.set_path(&format!("/{name}"));
            Some(url.to_string())
        }
    }
}

/// Drops a test database made by [`fresh_database`] (and its folder).
pub async fn drop_database(url: &str, dir: &std::path::Path) {
    if url.starts_with("postgres")
        && let Ok(admin) = std::env::var("FASTREG_TEST_DATABASE_URL")
    {
        use sqlx::Connection;
        if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
            let name = url.rsplit('/').next().unwrap_or_default().to_owned();
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn)
                .await;
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}
