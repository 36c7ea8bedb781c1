//! The mp pages: what the admin sees, and the form posts that stand for the scan.

use crate::support::*;
use fastreg_emulator::builtin::*;
use serde_json::json;

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn html(env: &Env, path: &str) -> (u16, String) {
    let r = env.http.get(format!("{}{}", env.base, path)).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

#[tokio::test]
async fn fastregisterauth_page_shows_account_and_confirm_redirects_with_ticket() {
    let env = Env::start().await;
    let path = format!(
        "/cgi-bin/fastregisterauth?appid={OA_ENTERPRISE}&component_appid={COMPONENT_APPID}&copy_wx_verify=1&redirect_uri={}",
        enc(REDIRECT)
    );
    let (status, page) = html(&env, &path).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(ENTERPRISE_PRINCIPAL) && page.contains("已认证") && page.contains("copy_wx_verify=1"),
        "{page}"
    );
    assert!(page.contains("name=\"viewport\""), "phone-friendly");
    let form = format!(
        "component_appid={COMPONENT_APPID}&appid={OA_ENTERPRISE}&copy_wx_verify=1&redirect_uri={}&decision=confirm",
        enc(REDIRECT)
    );
    let r = env
        .http
        .post(format!("{}/cgi-bin/fastregisterauth/confirm", env.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("http://127.0.0.1:8080/auth/callback?from=mp&ticket="),
        "{location}"
    );
    // The ticket works.
    let ctoken = env.component_token().await;
    let oa_token = env.oa_token(&ctoken, OA_ENTERPRISE).await;
    let ticket = location.split("ticket=").nth(1).unwrap();
    assert_eq!(env.fastregister(&oa_token, ticket).await["errcode"], 0);
}

#[tokio::test]
async fn fastregisterauth_page_shows_61060_61028_61029_with_catalog_meaning() {
    let env = Env::start().await;
    let cases = [
        (COMPONENT_APPID, "https://elsewhere.example/cb", 61060),
        (COMPONENT_UNPUBLISHED_APPID, REDIRECT, 61028),
        (COMPONENT_MISSING_SETS_APPID, REDIRECT, 61029),
    ];
    for (component, redirect, code) in cases {
        let path = format!(
            "/cgi-bin/fastregisterauth?appid={OA_ENTERPRISE}&component_appid={component}&copy_wx_verify=1&redirect_uri={}",
            enc(redirect)
        );
        let (_, page) = html(&env, &path).await;
        let entry = fastreg_protocol::catalog::lookup(code).unwrap();
        assert!(page.contains(&format!("errcode {code}")), "{page}");
        assert!(
            page.contains(&escape(entry.zh)) && page.contains(&escape(entry.en)),
            "{code}: {page}"
        );
        assert!(!page.contains("<form"), "no confirm button on an error");
    }
}

/// Text as maud writes it into a page.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[tokio::test]
async fn pages_escape_html_and_refuse_bad_queries() {
    let env = Env::start().await;
    let evil = "http://127.0.0.1:8080/cb?x=<script>alert(1)</script>";
    let path = format!(
        "/cgi-bin/fastregisterauth?appid={OA_ENTERPRISE}&component_appid={COMPONENT_APPID}&copy_wx_verify=0&redirect_uri={}",
        enc(evil)
    );
    let (_, page) = html(&env, &path).await;
    assert!(!page.contains("<script>"), "{page}");
    assert!(page.contains("&lt;script&gt;"));
    let (status, page) = html(&env, "/cgi-bin/fastregisterauth?appid=").await;
    assert_eq!(status, 400);
    assert!(page.contains("errcode 47001"));
}

#[tokio::test]
async fn componentloginpage_authorizes_and_redirects_with_auth_code() {
    let env = Env::start().await;
    let ctoken = env.component_token().await;
    let pre = env
        .post(
            &format!("/cgi-bin/component/api_create_preauthcode?component_access_token={ctoken}"),
            json!({"component_appid": COMPONENT_APPID}),
        )
        .await;
    let pre = pre["pre_auth_code"].as_str().unwrap();
    let path = format!(
        "/cgi-bin/componentloginpage?component_appid={COMPONENT_APPID}&pre_auth_code={}&redirect_uri={}&auth_type=1",
        enc(pre),
        enc(REDIRECT)
    );
    let (status, page) = html(&env, &path).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(OA_ENTERPRISE) && !page.contains(MP_RELEASED),
        "auth_type=1 lists Official Accounts only"
    );
    assert!(page.contains("快速注册小程序权限"));
    // Each account choice shows its name and its appid, so an English reader can match it.
    let choice = page
        .split("<label>")
        .find(|l| l.contains(&format!("value=\"{OA_AT_MONTHLY_LIMIT}\"")))
        .expect("the account at its monthly limit is offered");
    assert!(
        choice.contains("月度已满") && choice.contains(&format!("<span class=\"appid\">{OA_AT_MONTHLY_LIMIT}</span>")),
        "{choice}"
    );
    let form = format!(
        "component_appid={COMPONENT_APPID}&pre_auth_code={}&redirect_uri={}&appid={OA_ENTERPRISE}&set=account_service&set=fast_register",
        enc(pre),
        enc(REDIRECT)
    );
    let post = |form: String| {
        env.http
            .post(format!("{}/cgi-bin/componentloginpage/confirm", env.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
    };
    let r = post(form.clone()).await.unwrap();
    assert_eq!(r.status(), 302);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.contains("&auth_code=queryauthcode") && location.ends_with("&expires_in=3600"),
        "{location}"
    );
    let code: String = location
        .split("auth_code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let code = url::form_urlencoded::parse(format!("c={code}").as_bytes())
        .next()
        .unwrap()
        .1
        .into_owned();
    let info = env.query_auth(&ctoken, &code).await;
    let ids: Vec<i64> = info["authorization_info"]["func_info"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["funcscope_category"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [3, 27], "{info}");
    // The pre_auth_code is single use.
    let r = post(form).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("errcode 61009"));
}

#[tokio::test]
async fn componentrebindadmin_page_posts_and_redirects_with_taskid() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let path = format!(
        "/wxopen/componentrebindadmin?appid={}&component_appid={COMPONENT_APPID}&redirect_uri={}",
        mp.appid,
        enc(REDIRECT)
    );
    let (status, page) = html(&env, &path).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("new admin") || page.contains("新管理员"));
    // The current admin's ID card has a hint saying what it is and where the emulator keeps it.
    assert!(
        page.contains("aria-describedby=\"old-id-hint\"")
            && page.contains("the ID card number of the account's current admin"),
        "{page}"
    );
    let state = env.get("/__emulator/state").await;
    let old_id = state["mini_programs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["appid"] == mp.appid.as_str())
        .unwrap()["admin"]["id_card"]
        .as_str()
        .unwrap()
        .to_owned();
    let form = |old: &str| {
        format!(
            "component_appid={COMPONENT_APPID}&appid={}&redirect_uri={}&old_admin_id_card={old}&name={}&id_card=440300199001010001&phone=13700000001&wechat_id=wangwu",
            mp.appid,
            enc(REDIRECT),
            enc("王五")
        )
    };
    let post = |body: String| {
        env.http
            .post(format!("{}/wxopen/componentrebindadmin/confirm", env.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let wrong = post(form("000")).await.unwrap();
    assert_eq!(wrong.status(), 200);
    let wrong = wrong.text().await.unwrap();
    assert!(wrong.contains("errcode 40097"), "{wrong}");
    // Said in the page's own words (not the catalog's modifyheadimage text), with a way back.
    assert!(
        wrong.contains("does not match the account's current admin") && !wrong.contains("crop"),
        "{wrong}"
    );
    let back = wrong
        .split("class=\"back\" href=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a link back to the form")
        .replace("&amp;", "&");
    let (status, again) = html(&env, &back).await;
    assert_eq!(status, 200, "{again}");
    assert!(
        again.contains("name=\"old_admin_id_card\"") && again.contains(&mp.appid),
        "{again}"
    );
    let r = post(form(&old_id)).await.unwrap();
    assert_eq!(r.status(), 302);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let taskid = location.split("taskid=").nth(1).unwrap();
    let v = env
        .call(
            "/cgi-bin/account/componentrebindadmin",
            &mp.token,
            json!({"taskid": taskid}),
        )
        .await;
    assert_eq!(v["errcode"], 0, "{v}");
}

/// The "then back to" URL breaks anywhere, so a long one stays inside the card.
#[tokio::test]
async fn a_long_redirect_uri_wraps_inside_the_card() {
    let env = Env::start().await;
    let long = format!("{REDIRECT}?state={}", "x".repeat(300));
    let path = format!(
        "/cgi-bin/fastregisterauth?appid={OA_ENTERPRISE}&component_appid={COMPONENT_APPID}&copy_wx_verify=1&redirect_uri={}",
        enc(&long)
    );
    let (status, page) = html(&env, &path).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("overflow-wrap:anywhere"), "{page}");
    assert!(
        page.contains(&format!("<dd><code>{}</code></dd>", escape(&long))),
        "{page}"
    );
}

/// `/` says what the emulator is, lists the scenario's components and accounts with what each
/// is for, and links to the pages, the control API's state and the docs (which are served).
#[tokio::test]
async fn the_index_page_introduces_the_emulator() {
    let env = Env::start().await;
    let (status, page) = html(&env, "/").await;
    assert_eq!(status, 200);
    for want in [
        "a local WeChat",
        COMPONENT_APPID,
        OA_ENTERPRISE,
        "示例科技",
        "the happy path",
        OA_AT_MONTHLY_LIMIT,
        "61055",
        "href=\"/cgi-bin/componentloginpage\"",
        "href=\"/cgi-bin/fastregisterauth\"",
        "href=\"/wxopen/componentrebindadmin\"",
        "href=\"/__emulator/state\"",
        "href=\"/docs\"",
    ] {
        assert!(page.contains(want), "the index shows {want:?}: {page}");
    }
    let (status, docs) = html(&env, "/docs").await;
    assert_eq!(status, 200);
    assert!(docs.starts_with("# fastreg-emulator"), "{docs}");
}
