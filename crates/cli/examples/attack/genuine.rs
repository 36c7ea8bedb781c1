//! The genuine traffic the attack replays and mutates: an authorized account, a real push, a
//! real callback.

use super::*;

pub(super) struct Genuine {
    pub(super) older_ticket_push: (String, String),
    pub(super) newer_ticket_push: (String, String),
    pub(super) authorize_callback: String,
    pub(super) fastregister_callback: String,
    pub(super) mini_program: String,
    pub(super) registration: String,
    pub(super) authorization: String,
}

pub(super) async fn authorize(target: &Target, oa: &str) -> anyhow::Result<(String, String)> {
    let (status, auth) = target
        .api(reqwest::Method::POST, "/authorizations", Some(json!({})))
        .await;
    if status != 201 {
        bail!("POST /authorizations: {status} {auth}");
    }
    let location = common::confirm_login_page(
        &target.http,
        &target.emulator,
        auth["auth_url"].as_str().unwrap_or_default(),
        oa,
        &[
            "account_service",
            "mp_account_management",
            "mp_development",
            "mp_basic_info",
            "fast_register",
        ],
    )
    .await?;
    target.http.get(&location).send().await?;
    Ok((auth["id"].as_str().unwrap_or_default().to_owned(), location))
}

pub(super) async fn prepare(target: &Target) -> anyhow::Result<Genuine> {
    let (authorization, authorize_callback) = authorize(target, OA_ENTERPRISE).await?;
    authorize(target, OA_MEDIA).await?;
    settle(target).await?;
    let (status, reg) = target
        .api(
            reqwest::Method::POST,
            "/registrations",
            Some(json!({ "oa_appid": OA_ENTERPRISE })),
        )
        .await;
    if status != 201 {
        bail!("POST /registrations: {status} {reg}");
    }
    let url = url::Url::parse(reg["auth_url"].as_str().unwrap_or_default())?;
    let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
    let confirmed = target
        .control(
            "fastregister/confirm",
            json!({
                "component_appid": q.get("component_appid"), "appid": q.get("appid"),
                "copy_wx_verify": q.get("copy_wx_verify").map(String::as_str) == Some("1"),
                "redirect_uri": q.get("redirect_uri"),
            }),
        )
        .await?;
    let fastregister_callback = confirmed["redirect"]
        .as_str()
        .with_context(|| format!("no redirect: {confirmed}"))?
        .to_owned();
    target.http.get(&fastregister_callback).send().await?;
    let id = reg["id"].as_str().unwrap_or_default().to_owned();
    let started = Instant::now();
    let mini_program = loop {
        let (_, r) = target
            .api(reqwest::Method::GET, &format!("/registrations/{id}"), None)
            .await;
        if r["state"] == "registered" {
            break r["mini_program_appid"].as_str().unwrap_or_default().to_owned();
        }
        if r["state"] == "failed" || started.elapsed() > Duration::from_secs(120) {
            bail!("the registration did not complete: {r}");
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    // Two verify tickets as WeChat pushes them, ten minutes apart, delivered in order.
    let crypt = MsgCrypt::new(COMPONENT_TOKEN, COMPONENT_AES_KEY, COMPONENT_APPID)?;
    let t = now();
    let older_ticket_push = sign_push(&crypt, &ticket_xml("ticket@@@attack-older", t - 600), t - 600, "older");
    let newer_ticket_push = sign_push(&crypt, &ticket_xml("ticket@@@attack-newer", t), t, "newer");
    for (q, b) in [&older_ticket_push, &newer_ticket_push] {
        let r = target
            .http
            .post(format!("{}/wechat/component/events?{q}", target.service))
            .body(b.clone())
            .send()
            .await?;
        if !r.status().is_success() {
            bail!("a genuine push was refused: {}", r.status());
        }
    }
    settle(target).await?;
    Ok(Genuine {
        older_ticket_push,
        newer_ticket_push,
        authorize_callback,
        fastregister_callback,
        mini_program,
        registration: id,
        authorization,
    })
}
