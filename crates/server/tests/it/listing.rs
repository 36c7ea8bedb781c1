//! The REST lists at scale: Official Accounts and Mini Programs page by a cursor, are searched by
//! appid and by name and filtered by status, from the database only (no WeChat call); and a
//! declined confirmation frees the account.

use crate::helpers::*;
use crate::on_both;
use fastreg_emulator::builtin::*;
use serde_json::{Value, json};

/// Inserts `n` Official Accounts (every third unauthorized) and as many Mini Programs.
async fn seed(app: &TestApp, n: usize) {
    for i in 0..n {
        let oa = format!("wx9a{i:014}");
        let mp = format!("wx9b{i:014}");
        let status = if i % 3 == 0 { "unauthorized" } else { "authorized" };
        fastreg_server::execute!(
            &app.state.db,
            "INSERT INTO authorizers (appid, kind, status, nick_name, created_at, updated_at)
             VALUES ($1, 'official_account', $2, $3, 0, 0)",
            &oa,
            status,
            format!("商户 {i:03}")
        )
        .expect("insert an account");
        fastreg_server::execute!(
            &app.state.db,
            "INSERT INTO authorizers (appid, kind, status, nick_name, created_at, updated_at)
             VALUES ($1, 'mini_program', 'authorized', $2, 0, 0)",
            &mp,
            format!("小店 {i:03}")
        )
        .expect("insert a Mini Program's authorizer");
        fastreg_server::execute!(
            &app.state.db,
            "INSERT INTO mini_programs (appid, oa_appid, created_at, updated_at) VALUES ($1, $2, $3, $3)",
            &mp,
            &oa,
            i as i64
        )
        .expect("insert a Mini Program");
    }
}

async fn all_pages(app: &TestApp, path: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit=7&cursor={c}"),
            None => format!("{path}{sep}limit=7"),
        };
        let page = app.get(&url).await;
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= 7, "{page}");
        seen.extend(items.iter().map(|i| i["appid"].as_str().expect("appid").to_owned()));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    seen
}

on_both!(lists_page_search_and_filter, |db| async move {
    let Some(app) = spawn_app(db).await else { return };
    seed(&app, 30).await;
    let calls_before = app.control_get("calls").await;

    // Every account once, in name order, over several pages.
    let accounts = all_pages(&app, "/official-accounts").await;
    assert_eq!(accounts.len(), 30, "{accounts:?}");
    let mut sorted = accounts.clone();
    sorted.sort();
    assert_eq!(accounts, sorted, "by name (which sorts as the appids do here)");

    // Search by name, by appid, and filter by status.
    let found = app.get("/official-accounts?q=%E5%95%86%E6%88%B7%20012").await;
    let found: Vec<&str> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["appid"].as_str().unwrap())
        .collect();
    assert_eq!(found, ["wx9a00000000000012"]);
    let found = app.get("/official-accounts?q=WX9A0000000000002").await;
    assert_eq!(
        found["items"].as_array().unwrap().len(),
        10,
        "appid prefix, any case: {found}"
    );
    let unauthorized = all_pages(&app, "/official-accounts?status=unauthorized").await;
    assert_eq!(unauthorized.len(), 10, "{unauthorized:?}");

    // Mini Programs newest first, every one once; search and the setup filter.
    let mps = all_pages(&app, "/mini-programs").await;
    assert_eq!(mps.len(), 30);
    assert_eq!(
        mps.first().map(String::as_str),
        Some("wx9b00000000000029"),
        "newest first"
    );
    let found = app.get("/mini-programs?q=%E5%B0%8F%E5%BA%97%20007").await;
    assert_eq!(found["items"][0]["appid"], "wx9b00000000000007", "{found}");
    let none = all_pages(&app, "/mini-programs?status=setup_none").await;
    assert_eq!(none.len(), 30);
    let failed = app.get("/mini-programs?status=setup_failed").await;
    assert_eq!(failed["items"], json!([]), "{failed}");

    // A cursor not made by the service is refused with what to do.
    let (status, e) = app
        .api(reqwest::Method::GET, "/official-accounts?cursor=forged!", None)
        .await;
    assert_eq!(status, 400, "{e}");
    assert!(e.to_string().contains("cursor"), "{e}");

    // Listing called WeChat for nothing.
    assert_eq!(app.control_get("calls").await["counts"], calls_before["counts"]);
    app.cleanup().await;
});

on_both!(a_declined_confirmation_frees_the_account, |db| async move {
    let Some(app) = spawn_app(db).await else { return };
    app.authorize(OA_ENTERPRISE).await;
    let reg = app.start_registration(json!({ "oa_appid": OA_ENTERPRISE })).await;
    let url = url::Url::parse(reg["auth_url"].as_str().expect("auth_url")).expect("url");
    let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    let declined: Value = app
        .control(
            "fastregister/confirm",
            json!({
                "component_appid": q["component_appid"], "appid": q["appid"],
                "copy_wx_verify": true, "redirect_uri": q["redirect_uri"], "decline": true,
            }),
        )
        .await;
    let redirect = declined["redirect"].as_str().unwrap_or_else(|| panic!("{declined}"));
    assert!(!redirect.contains("ticket="), "{redirect}");
    let (status, page) = app.follow(redirect).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("declined"), "{page}");
    let id = reg["id"].as_str().unwrap();
    let reg = app.get(&format!("/registrations/{id}")).await;
    assert_eq!(reg["state"], "abandoned", "{reg:#}");
    assert_eq!(reg["note"], fastreg_server::registration::DECLINED_NOTE);
    // The account may start again at once.
    let again = app.register(OA_ENTERPRISE, None).await;
    assert_eq!(again["state"], "registered", "{again:#}");
    app.cleanup().await;
});
