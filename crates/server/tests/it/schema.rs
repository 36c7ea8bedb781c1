//! The two migration trees (`migrations/sqlite`, `migrations/postgres`) build the same schema:
//! the same tables, columns (type, nullability, default), primary keys, unique constraints,
//! foreign keys and indexes (columns, uniqueness, and the literals of a partial index's
//! predicate). One set of queries serves both backends, so a column or an index that exists on
//! one only is a bug waiting for the other backend's users; this test replaces the comment that
//! used to ask for the two trees to be kept in step.
//!
//! Types are compared after mapping each backend's spelling to one name (`BLOB`/`bytea` → bytes,
//! `BIGINT`/`INTEGER`/`bigint` → integer: SQLite stores every integer in 64 bits, and an
//! `INTEGER PRIMARY KEY AUTOINCREMENT` is PostgreSQL's identity column).

use crate::helpers::temp_dir;
use fastreg_server::store::Db;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Default, PartialEq, Eq)]
struct Table {
    /// name → (type, not null, default).
    columns: BTreeMap<String, (String, bool, Option<String>)>,
    primary_key: Vec<String>,
    unique: BTreeSet<Vec<String>>,
    /// (columns, referenced table, referenced columns, on delete).
    foreign_keys: BTreeSet<(Vec<String>, String, Vec<String>, String)>,
}

/// name → (table, columns, unique, partial predicate's literals).
type Indexes = BTreeMap<String, (String, Vec<String>, bool, BTreeSet<String>)>;

#[derive(Debug, PartialEq, Eq)]
struct Schema {
    tables: BTreeMap<String, Table>,
    indexes: Indexes,
}

fn norm_type(t: &str) -> String {
    match t.to_ascii_lowercase().as_str() {
        "blob" | "bytea" => "bytes".into(),
        "bigint" | "integer" | "int8" | "int" => "integer".into(),
        "text" => "text".into(),
        "real" | "double precision" => "real".into(),
        other => other.into(),
    }
}

/// A column default with each backend's casts and quoting taken off (`'[]'::text` → `'[]'`).
fn norm_default(d: Option<String>) -> Option<String> {
    let d = d?;
    if d.starts_with("nextval(") {
        return None;
    }
    let d = d
        .split("::")
        .next()
        .unwrap_or(&d)
        .trim()
        .trim_matches(|c| c == '(' || c == ')');
    Some(d.to_owned())
}

/// The string literals and numbers of a predicate, which both spellings share
/// (`state IN ('a', 'b')` and `(state = ANY (ARRAY['a'::text, 'b'::text]))`).
fn literals(predicate: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = predicate;
    while let Some(start) = rest.find('\'') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('\'') else { break };
        out.insert(after[..end].to_owned());
        rest = &after[end + 1..];
    }
    out
}

async fn sqlite_schema(pool: &sqlx::SqlitePool) -> Schema {
    let mut tables = BTreeMap::new();
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut indexes = Indexes::new();
    for name in names {
        let mut t = Table::default();
        let mut pk: Vec<(i64, String)> = Vec::new();
        for r in sqlx::query("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info($1)")
            .bind(&name)
            .fetch_all(pool)
            .await
            .unwrap()
        {
            let col: String = r.get(0);
            let pk_pos: i64 = r.get(4);
            if pk_pos > 0 {
                pk.push((pk_pos, col.clone()));
            }
            // A primary key column is NOT NULL on PostgreSQL whatever it says.
            let not_null = r.get::<i64, _>(2) == 1 || pk_pos > 0;
            t.columns.insert(
                col,
                (norm_type(&r.get::<String, _>(1)), not_null, norm_default(r.get(3))),
            );
        }
        pk.sort();
        t.primary_key = pk.into_iter().map(|(_, c)| c).collect();
        for r in sqlx::query("SELECT name, \"unique\", origin, partial FROM pragma_index_list($1)")
            .bind(&name)
            .fetch_all(pool)
            .await
            .unwrap()
        {
            let index: String = r.get(0);
            let unique = r.get::<i64, _>(1) == 1;
            let origin: String = r.get(2);
            let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                .bind(&index)
                .fetch_all(pool)
                .await
                .unwrap();
            match origin.as_str() {
                "pk" => {}
                "u" => {
                    t.unique.insert(columns);
                }
                _ => {
                    let sql: Option<String> =
                        sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = $1")
                            .bind(&index)
                            .fetch_one(pool)
                            .await
                            .unwrap();
                    let sql = sql.unwrap_or_default();
                    let predicate = sql
                        .to_ascii_uppercase()
                        .find(" WHERE ")
                        .map(|at| literals(&sql[at..]))
                        .unwrap_or_default();
                    indexes.insert(index, (name.clone(), columns, unique, predicate));
                }
            }
        }
        let mut fks: BTreeMap<i64, (Vec<String>, String, Vec<String>, String)> = BTreeMap::new();
        for r in sqlx::query(
            "SELECT id, \"from\", \"table\", \"to\", on_delete FROM pragma_foreign_key_list($1) ORDER BY id, seq",
        )
        .bind(&name)
        .fetch_all(pool)
        .await
        .unwrap()
        {
            let e = fks
                .entry(r.get(0))
                .or_insert_with(|| (vec![], r.get(2), vec![], r.get::<String, _>(4).to_ascii_lowercase()));
            e.0.push(r.get(1));
            e.2.push(r.get(3));
        }
        t.foreign_keys = fks.into_values().collect();
        tables.insert(name, t);
    }
    Schema { tables, indexes }
}

async fn postgres_schema(pool: &sqlx::PgPool) -> Schema {
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for r in sqlx::query(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text, column_default::text, is_identity::text
           FROM information_schema.columns
          WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    {
        let identity = r.get::<String, _>(5) == "YES";
        tables.entry(r.get(0)).or_default().columns.insert(
            r.get(1),
            (
                norm_type(&r.get::<String, _>(2)),
                r.get::<String, _>(3) == "NO",
                if identity { None } else { norm_default(r.get(4)) },
            ),
        );
    }
    // Constraints: p (primary key), u (unique), f (foreign key), with their columns in order.
    for r in sqlx::query(
        "SELECT c.conrelid::regclass::text, c.contype::text,
                ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i),
                c.confrelid::regclass::text,
                ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                        JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i),
                c.confdeltype::text
           FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
          WHERE n.nspname = 'public' AND c.contype IN ('p', 'u', 'f')",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    {
        let table: String = r.get(0);
        let Some(t) = tables.get_mut(&table) else { continue };
        let columns: Vec<String> = r.get(2);
        match r.get::<String, _>(1).as_str() {
            "p" => t.primary_key = columns,
            "u" => {
                t.unique.insert(columns);
            }
            _ => {
                let on_delete = match r.get::<String, _>(5).as_str() {
                    "c" => "cascade",
                    "n" => "set null",
                    "d" => "set default",
                    "r" => "restrict",
                    _ => "no action",
                };
                t.foreign_keys
                    .insert((columns, r.get(3), r.get(4), on_delete.to_owned()));
            }
        }
    }
    let mut indexes = Indexes::new();
    for r in sqlx::query(
        "SELECT i.relname::text, t.relname::text, x.indisunique,
                ARRAY(SELECT a.attname::text FROM unnest(x.indkey) WITH ORDINALITY k(n, o)
                        JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.n ORDER BY k.o),
                COALESCE(pg_get_expr(x.indpred, x.indrelid), '')
           FROM pg_index x
           JOIN pg_class i ON i.oid = x.indexrelid
           JOIN pg_class t ON t.oid = x.indrelid
           JOIN pg_namespace n ON n.oid = t.relnamespace
          WHERE n.nspname = 'public' AND t.relname NOT LIKE '_sqlx%'
            AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    {
        let predicate: String = r.get(4);
        indexes.insert(r.get(0), (r.get(1), r.get(3), r.get(2), literals(&predicate)));
    }
    Schema { tables, indexes }
}

#[tokio::test]
#[cfg_attr(
    not(fastreg_test_postgres),
    ignore = "needs PostgreSQL: set FASTREG_TEST_DATABASE_URL=postgres://… (CI does)"
)]
async fn sqlite_and_postgres_migrations_build_the_same_schema() {
    let dir = temp_dir();
    let sqlite_url = crate::helpers::fresh_database(crate::helpers::Db::Sqlite, &dir)
        .await
        .unwrap();
    let pg_url = crate::helpers::fresh_database(crate::helpers::Db::Postgres, &dir)
        .await
        .unwrap();
    let sqlite = Db::connect(&sqlite_url).await.expect("SQLite migrates");
    let postgres = Db::connect(&pg_url).await.expect("PostgreSQL migrates");
    let (Db::Sqlite(s), Db::Postgres(p)) = (&sqlite, &postgres) else {
        panic!("the URLs chose the wrong backends")
    };
    let a = sqlite_schema(s).await;
    let b = postgres_schema(p).await;
    postgres.close().await;
    crate::helpers::drop_database(&pg_url, &dir).await;

    // The schema is not empty (the introspection found what the migrations made).
    assert!(
        a.tables.contains_key("registrations") && a.tables.len() >= 15,
        "{:?}",
        a.tables.keys()
    );
    assert!(
        a.indexes.contains_key("registrations_one_in_flight"),
        "{:?}",
        a.indexes.keys()
    );

    let names = |s: &Schema| s.tables.keys().cloned().collect::<BTreeSet<_>>();
    assert_eq!(names(&a), names(&b), "the two backends have different tables");
    let mut differences = Vec::new();
    for (name, ta) in &a.tables {
        let tb = &b.tables[name];
        for (col, da) in &ta.columns {
            match tb.columns.get(col) {
                Some(db) if db == da => {}
                Some(db) => differences.push(format!("{name}.{col}: SQLite {da:?}, PostgreSQL {db:?}")),
                None => differences.push(format!("{name}.{col}: only on SQLite")),
            }
        }
        for col in tb.columns.keys().filter(|c| !ta.columns.contains_key(*c)) {
            differences.push(format!("{name}.{col}: only on PostgreSQL"));
        }
        if ta.primary_key != tb.primary_key {
            differences.push(format!(
                "{name} primary key: SQLite {:?}, PostgreSQL {:?}",
                ta.primary_key, tb.primary_key
            ));
        }
        if ta.unique != tb.unique {
            differences.push(format!(
                "{name} unique: SQLite {:?}, PostgreSQL {:?}",
                ta.unique, tb.unique
            ));
        }
        if ta.foreign_keys != tb.foreign_keys {
            differences.push(format!(
                "{name} foreign keys: SQLite {:?}, PostgreSQL {:?}",
                ta.foreign_keys, tb.foreign_keys
            ));
        }
    }
    for (index, ia) in &a.indexes {
        match b.indexes.get(index) {
            Some(ib) if ib == ia => {}
            Some(ib) => differences.push(format!("index {index}: SQLite {ia:?}, PostgreSQL {ib:?}")),
            None => differences.push(format!("index {index}: only on SQLite")),
        }
    }
    for index in b.indexes.keys().filter(|i| !a.indexes.contains_key(*i)) {
        differences.push(format!("index {index}: only on PostgreSQL"));
    }
    assert!(
        differences.is_empty(),
        "the migration trees differ:\n{}",
        differences.join("\n")
    );
}
