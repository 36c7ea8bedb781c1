//! Issue 13, items 6 and 7: what internet noise and a declining admin leave behind. Client
//! refusals (a forged or stale callback, a declined confirmation, a registration for an account
//! that never authorized) log below ERROR; console and callback requests are traced like the
//! API's; callback pages carry the console's security headers; a declined confirmation says so
//! and what to do, instead of "the link is missing `ticket`".

use crate::helpers::*;
use crate::on_both;
use fastreg_emulator::builtin::*;
use serde_json::json;

/// The ERROR lines of the log that contain `needle`.
fn errors_with(needle: &str) -> Vec<String> {
    log_text()
        .lines()
        .filter(|l| l.contains("ERROR") && l.contains(needle))
        .map(str::to_owned)
        .collect()
}

async fn declined(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    app.authorize(OA_ENTERPRISE).await;
    let reg = app.start_registration(json!({ "oa_appid": OA_ENTERPRISE })).await;
    let id = reg["id"].as_str().expect("id").to_owned();
    // The admin declines on WeChat's page: WeChat sends the browser back without a ticket.
    let url = url::Url::parse(reg["auth_url"].as_str().expect("auth_url")).expect("url");
    let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    let r = app
        .control(
            "fastregister/confirm",
            json!({
                "component_appid": q["component_appid"], "appid": q["appid"],
                "copy_wx_verify": q["copy_wx_verify"] == "1", "redirect_uri": q["redirect_uri"],
                "decline": true,
            }),
        )
        .await;
    let redirect = r["redirect"].as_str().unwrap_or_else(|| panic!("no redirect: {r}"));
    assert!(!redirect.contains("ticket="), "{redirect}");
    let page = app.http.get(redirect).send().await.expect("callback");
    assert_eq!(page.status().as_u16(), 200);
    let headers = page.headers().clone();
    let text = page.text().await.expect("page");
    assert!(text.contains("declined"), "{text}");
    assert!(text.contains("start a new registration"), "{text}");
    assert!(!text.contains("missing"), "{text}");
    for h in [
        "content-security-policy",
        "x-frame-options",
        "x-content-type-options",
        "referrer-policy",
    ] {
        assert!(headers.contains_key(h), "the callback page has no {h}: {headers:?}");
    }
    assert_eq!(headers["x-frame-options"], "DENY");
    app.drain().await;
    let now = app.get(&format!("/registrations/{id}")).await;
    assert_eq!(now["state"], "abandoned", "{now:#}");
    // The account is free: a new registration goes through.
    let again = app.register(OA_ENTERPRISE, None).await;
    assert_eq!(again["state"], "registered", "{again:#}");

    // A forged callback: 400, with the headers, and not an ERROR.
    let forged = app
        .http
        .get(format!(
            "{}/callback/fastregister?state=forged.forged&ticket=t",
            app.address
        ))
        .send()
        .await
        .expect("callback");
    assert_eq!(forged.status().as_u16(), 400);
    assert!(forged.headers().contains_key("content-security-policy"));
    // A registration for an account that never authorized: 409/4xx, not an ERROR.
    let (status, body) = app
        .api(
            reqwest::Method::POST,
            "/registrations",
            Some(json!({ "oa_appid": OA_MEDIA })),
        )
        .await;
    assert!((400..500).contains(&status), "{status} {body}");
    assert_eq!(errors_with("declined"), Vec::<String>::new());
    assert_eq!(errors_with("the link is not valid"), Vec::<String>::new());
    assert_eq!(errors_with("has not authorized this platform"), Vec::<String>::new());
    assert_eq!(errors_with("callback refused"), Vec::<String>::new());
    // Console and callback requests are traced like the API's.
    let _ = app.http.get(format!("{}/console/login", app.address)).send().await;
    let log = log_text();
    for path in ["path=/console/login", "path=/callback/fastregister"] {
        assert!(
            log.lines()
                .any(|l| l.contains(path) && l.contains("finished processing request")),
            "no trace of {path}"
        );
    }
    app.cleanup().await;
}
on_both!(declined_confirmation_and_refusals_are_not_errors, declined);
