//! The server crate's layout rules, read from its sources: all SQL lives in the storage layer
//! (`src/store/`), and no source file grows past ~800 lines (issue 9).

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn all_sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    files.sort();
    assert!(
        files.len() > 50,
        "the server's sources were not found under {}",
        root.display()
    );
    files
        .into_iter()
        .map(|p| {
            let name = p.strip_prefix(&root).expect("under src").display().to_string();
            (name, std::fs::read_to_string(&p).expect("read"))
        })
        .collect()
}

/// What marks a line as running or writing SQL.
const SQL_MARKS: [&str; 9] = [
    "execute!(",
    "fetch_one!(",
    "fetch_optional!(",
    "fetch_all!(",
    "sqlx::query",
    "\"SELECT ",
    "\"INSERT INTO",
    "\"UPDATE ",
    "\"DELETE FROM",
];

#[test]
fn sql_lives_only_in_the_storage_layer() {
    let mut outside = Vec::new();
    for (name, text) in all_sources() {
        if name.starts_with("store/") || name.starts_with("store\\") {
            continue;
        }
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            if let Some(mark) = SQL_MARKS.iter().find(|m| code.contains(*m)) {
                outside.push(format!("src/{name}:{}: {mark}", n + 1));
            }
        }
    }
    assert!(
        outside.is_empty(),
        "SQL outside src/store/ (move it into the aggregate's store module):\n{}",
        outside.join("\n")
    );
}

#[test]
fn the_check_sees_sql_where_it_is() {
    // The store itself is full of it: were the marks wrong, the check above would pass blindly.
    let in_store = all_sources()
        .into_iter()
        .filter(|(name, _)| name.starts_with("store"))
        .filter(|(_, text)| SQL_MARKS.iter().any(|m| text.contains(m)))
        .count();
    assert!(in_store >= 10, "only {in_store} store modules hold SQL");
}

#[test]
fn no_source_file_is_over_800_lines() {
    let long: Vec<String> = all_sources()
        .into_iter()
        .map(|(name, text)| (name, text.lines().count()))
        .filter(|(_, n)| *n > 800)
        .map(|(name, n)| format!("src/{name}: {n} lines"))
        .collect();
    assert!(long.is_empty(), "split these by concern:\n{}", long.join("\n"));
}
