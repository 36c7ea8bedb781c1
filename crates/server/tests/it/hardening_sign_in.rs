//! Issue 13, item 1 (and 10): sign-in can neither exhaust memory nor lock the real admin out.
//! Every sign-in used to run an argon2 hash (~19 MiB) with no bound, and five wrong passwords
//! from anywhere locked `admin` everywhere. Now at most two hashes run at once, and wrong
//! passwords lock the name from the address they came from, or that address: the admin signs in
//! from another. (The RSS under 200 concurrent sign-ins is measured by the `sign_in_flood`
//! runner, see benches/README.md.)

use crate::helpers::*;
use crate::on_both;
use fastreg_server::console::sign_in::{HASHING_PERMITS, MAX_FAILURES_PER_ADDRESS, MAX_FAILURES_PER_USER};
use std::net::IpAddr;

/// A browser on `from` (any 127.x.y.z is this machine).
pub struct Browser {
    http: reqwest::Client,
    base: String,
}

impl Browser {
    pub fn new(app: &TestApp, from: &str) -> Self {
        let ip: IpAddr = from.parse().expect("ip");
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .local_address(ip)
                .build()
                .expect("http"),
            base: app.address.clone(),
        }
    }

    /// Signs in (form token and cookie taken from the sign-in page); (status, page).
    pub async fn sign_in(&self, username: &str, password: &str) -> (u16, String) {
        let page = self
            .http
            .get(format!("{}/console/login", self.base))
            .send()
            .await
            .expect("sign-in page");
        let cookie = page
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("fastreg_login_csrf="))
            .and_then(|c| c.split(';').next())
            .expect("the form's cookie")
            .to_owned();
        let csrf = cookie.split_once('=').expect("cookie").1.to_owned();
        let r = self
            .http
            .post(format!("{}/console/login", self.base))
            .header("cookie", cookie)
            .form(&[("csrf", csrf.as_str()), ("username", username), ("password", password)])
            .send()
            .await
            .expect("sign in");
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    }
}

async fn admin_password(app: &TestApp) -> String {
    fastreg_server::console::bootstrap_admin(&app.state)
        .await
        .expect("bootstrap")
        .expect("a new admin")
}

async fn per_address(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    let password = admin_password(&app).await;
    // A stranger guesses admin's password from 127.0.0.2 until locked out…
    let stranger = Browser::new(&app, "127.0.0.2");
    for _ in 0..MAX_FAILURES_PER_USER {
        assert_eq!(stranger.sign_in("admin", "guess-guess-guess").await.0, 401);
    }
    let (status, page) = stranger.sign_in("admin", &password).await;
    assert_eq!(status, 429, "the stranger's address is locked for admin: {page}");
    // …while the real admin, from another address, signs in.
    let admin = Browser::new(&app, "127.0.0.1");
    let (status, page) = admin.sign_in("admin", &password).await;
    assert_eq!(status, 303, "the admin is not locked out by a stranger: {page}");

    // A sprayer trying many names from one address locks that address, for every name.
    let sprayer = Browser::new(&app, "127.0.0.3");
    for i in 0..MAX_FAILURES_PER_ADDRESS {
        assert_eq!(sprayer.sign_in(&format!("user{i}"), "guess").await.0, 401);
    }
    let (status, page) = sprayer.sign_in("admin", &password).await;
    assert_eq!(status, 429, "{page}");
    assert!(page.contains("your address") || page.contains("网络地址"), "{page}");
    assert_eq!(admin.sign_in("admin", &password).await.0, 303);
    app.cleanup().await;
}
on_both!(sign_in_is_throttled_per_address_not_per_user, per_address);

async fn bounded(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    admin_password(&app).await;
    // Twelve at once, from twelve addresses (so no throttle interferes): each is answered 401
    // (checked) or 429 (no slot within a few seconds), never 500, and no more than
    // HASHING_PERMITS hashes ever ran together.
    let browsers: Vec<Browser> = (0..12)
        .map(|i| Browser::new(&app, &format!("127.0.1.{}", i + 1)))
        .collect();
    let answers = futures::future::join_all(browsers.iter().map(|b| b.sign_in("admin", "wrong-wrong-wrong"))).await;
    for (status, page) in &answers {
        assert!(matches!(status, 401 | 429), "{status}: {page}");
    }
    let peak = app.state.password_hashing.peak();
    assert!((1..=HASHING_PERMITS).contains(&peak), "peak {peak}");
    app.cleanup().await;
}
on_both!(concurrent_sign_ins_hash_within_the_bound, bounded);

async fn expired_one_time_password(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    let password = admin_password(&app).await;
    // A day later (the row's expiry moved back rather than the clock forward).
    fastreg_server::execute!(
        &app.state.db,
        "UPDATE console_users SET password_expires_at = $1",
        fastreg_server::store::now_ms() - 1
    )
    .expect("expire");
    let browser = Browser::new(&app, "127.0.0.1");
    let (status, page) = browser.sign_in("admin", &password).await;
    assert_eq!(status, 401, "{page}");
    assert!(page.contains("reset-password"), "{page}");
    // A reset gives a new one that works.
    let fresh = fastreg_server::console::reset_admin_password(&app.state, "admin")
        .await
        .expect("reset");
    assert_eq!(browser.sign_in("admin", &fresh).await.0, 303);
    app.cleanup().await;
}
on_both!(the_one_time_password_expires, expired_one_time_password);
