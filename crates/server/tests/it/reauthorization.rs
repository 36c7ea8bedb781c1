//! An account that authorizes again with other permission sets: WeChat pushes
//! `updateauthorized`, and what the service shows of the account (its sets, and so whether a
//! fast registration may start) follows, though the first `authorized` push of an account the
//! callback already imported is not imported twice.

use crate::helpers::*;
use crate::on_both;
use fastreg_emulator::builtin::*;
use reqwest::Method;
use serde_json::json;

fn sets_of(a: &serde_json::Value) -> Vec<i64> {
    a["func_info"]
        .as_array()
        .unwrap_or_else(|| panic!("func_info: {a:#}"))
        .iter()
        .filter_map(serde_json::Value::as_i64)
        .collect()
}

async fn sets_follow(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    // First without the fast-registration set (27).
    let first = app
        .confirm_authorization_with(OA_ENTERPRISE, &["account_service", "mp_basic_info"])
        .await;
    app.drain().await;
    assert_eq!(
        app.get(&format!("/authorizations/{first}")).await["state"],
        "authorized"
    );
    let a = app.get(&format!("/authorizers/{OA_ENTERPRISE}")).await;
    assert!(!sets_of(&a).contains(&27), "{a:#}");
    assert_eq!(a["status"], "authorized", "{a:#}");
    let (status, e) = app
        .api(
            Method::POST,
            "/registrations",
            Some(json!({ "oa_appid": OA_ENTERPRISE })),
        )
        .await;
    assert_eq!(status, 409, "{e}");
    assert_eq!(e["code"], "permission_missing", "{e}");

    // The admin authorizes again with it ticked: the sets shown follow, and the start is allowed.
    let second = app
        .confirm_authorization_with(OA_ENTERPRISE, &["account_service", "mp_basic_info", "fast_register"])
        .await;
    app.drain().await;
    assert_eq!(
        app.get(&format!("/authorizations/{second}")).await["state"],
        "authorized"
    );
    let a = app.get(&format!("/authorizers/{OA_ENTERPRISE}")).await;
    assert!(sets_of(&a).contains(&27), "{a:#}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM events WHERE kind = 'updateauthorized' AND processed_at IS NOT NULL")
            .await,
        1,
        "the second authorization's push is an updateauthorized one, processed"
    );
    let reg = app.start_registration(json!({ "oa_appid": OA_ENTERPRISE })).await;
    assert_eq!(reg["state"], "awaiting_admin", "{reg:#}");
    app.cleanup().await;
}
on_both!(authorizing_again_with_other_sets_updates_them, sets_follow);
