//! Hostile console input: forged sessions and CSRF tokens, control characters, sign-in abuse.

use super::*;

/// The console: sign-in with hostile input, forged sessions, redirects with control characters,
/// hostile paths, no CSRF token.
pub(super) async fn console(target: &Target, tally: &mut Tally, rng: &mut impl Rng, genuine: &Genuine, rounds: usize) {
    let base = &target.service;
    let mp = &genuine.mini_program;
    for round in 0..rounds {
        // Sign-ins from their own loopback addresses, so the throttle does not answer them all.
        for i in 0..12u8 {
            let Ok(http) = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .local_address(std::net::IpAddr::from([127, 9, round as u8, i + 1]))
                .build()
            else {
                continue;
            };
            let page = http
                .get(format!("{base}/console/login?next={}", enc(&nasty(rng))))
                .send()
                .await;
            let status = page.as_ref().map(|p| p.status().as_u16()).unwrap_or(0);
            tally.note("console", "sign-in page, hostile next", status);
            let cookie = page
                .ok()
                .and_then(|p| {
                    p.headers()
                        .get_all("set-cookie")
                        .iter()
                        .filter_map(|v| v.to_str().ok())
                        .find(|c| c.starts_with("fastreg_login_csrf="))
                        .and_then(|c| c.split(';').next())
                        .map(str::to_owned)
                })
                .unwrap_or_default();
            let csrf = cookie.split_once('=').map(|(_, v)| v.to_owned()).unwrap_or_default();
            let (user, password, csrf) = match i % 6 {
                0 => ("a\0b".to_owned(), "x".to_owned(), csrf),
                1 => ("admin".to_owned(), "\0\r\n".to_owned(), csrf),
                2 => ("A".repeat(1 << 20), "x".to_owned(), csrf),
                3 => ("admin".to_owned(), "wrong".to_owned(), "forged-csrf".to_owned()),
                4 => (nasty(rng), nasty(rng), csrf),
                _ => ("admin".to_owned(), "wrong".to_owned(), String::new()),
            };
            let s = match http
                .post(format!("{base}/console/login?next={}", enc(&nasty(rng))))
                .header("cookie", &cookie)
                .form(&[("csrf", csrf.as_str()), ("username", &user), ("password", &password)])
                .send()
                .await
            {
                Ok(r) => r.status().as_u16(),
                Err(_) => 0,
            };
            tally.note("console", "hostile sign-in", s);
        }
        // Every page and action without a session, and with forged ones.
        let pages = [
            "/console/".to_owned(),
            "/console/accounts".to_owned(),
            format!("/console/accounts/{OA_ENTERPRISE}"),
            format!("/console/mini-programs/{mp}"),
            "/console/jobs".to_owned(),
            "/console/password".to_owned(),
        ];
        let actions = [
            "/console/logout".to_owned(),
            "/console/password".to_owned(),
            "/console/authorizations".to_owned(),
            format!("/console/accounts/{OA_MEDIA}/registrations"),
            format!("/console/registrations/{}/abandon", genuine.registration),
            format!("/console/mini-programs/{mp}/nickname"),
            format!("/console/mini-programs/{mp}/signature"),
            format!("/console/mini-programs/{mp}/categories"),
            format!("/console/mini-programs/{mp}/categories/1/delete"),
            format!("/console/mini-programs/{mp}/steps/avatar/retry"),
            format!("/console/mini-programs/{mp}/rebind"),
            "/console/jobs/1/retry".to_owned(),
        ];
        for cookie in [
            "".to_owned(),
            "fastreg_session=forged".to_owned(),
            format!("fastreg_session={}", "A".repeat(8000)),
            "fastreg_session=\u{7f}; fastreg_lang=\u{7f}".to_owned(),
        ] {
            for page in &pages {
                let s = target
                    .send(target.http.get(format!("{base}{page}")).header("cookie", &cookie))
                    .await;
                tally.note("console", "page, forged session", s);
            }
            for action in &actions {
                let s = target
                    .send(
                        target
                            .http
                            .post(format!("{base}{action}"))
                            .header("cookie", &cookie)
                            .form(&[
                                ("csrf", "forged"),
                                ("nickname", "x"),
                                ("signature", "x"),
                                ("password", "x"),
                            ]),
                    )
                    .await;
                tally.note("console", "action, forged session", s);
            }
        }
        // Hostile paths and redirect targets.
        for _ in 0..80 {
            let bad = enc(&nasty(rng));
            let path = match rng.gen_range(0..6) {
                0 => format!("/console/mini-programs/{bad}"),
                1 => format!("/console/accounts/{bad}"),
                2 => format!("/console/assets/{bad}"),
                3 => format!("/console/login?next={bad}"),
                4 => format!("/console/mini-programs?q={bad}&status={bad}&cursor={bad}"),
                _ => format!("/console/registrations/{bad}"),
            };
            let s = target.send(target.http.get(format!("{base}{path}"))).await;
            tally.note("console", "hostile path", s);
        }
        for raw in [
            format!(
                "GET /console/login?next=/console%0d%0aSet-Cookie:%20x=1 HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
                target.host
            ),
            format!(
                "GET /console/mini-programs/wx%0d%0aLocation:%20//evil HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
                target.host
            ),
            format!(
                "GET /console/assets/..%2f..%2f..%2fCargo.toml HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
                target.host
            ),
            format!(
                "GET /console/ HTTP/1.1\r\nHost: {}\r\nCookie: fastreg_session=\u{1}\r\nConnection: close\r\n\r\n",
                target.host
            ),
            format!(
                "GET /console/ HTTP/1.1\r\nHost: {}\r\nAccept-Language: {}\r\nConnection: close\r\n\r\n",
                target.host,
                "zh;q=0.9,".repeat(5000)
            ),
        ] {
            tally.note("console", &raw, target.raw(raw.as_bytes()).await);
        }
    }
}
