//! Hostile REST input: bad keys, control characters, huge and malformed bodies, path tricks.

use super::*;

/// REST: without a key, with forged keys, and with the key but hostile input.
pub(super) async fn rest(target: &Target, tally: &mut Tally, rng: &mut impl Rng, genuine: &Genuine, rounds: usize) {
    let api = format!("{}/api/v1", target.service);
    let mp = &genuine.mini_program;
    let reads = [
        "/authorizers".to_owned(),
        format!("/authorizers/{OA_ENTERPRISE}"),
        "/mini-programs".to_owned(),
        format!("/mini-programs/{mp}"),
        format!("/registrations/{}", genuine.registration),
        format!("/authorizations/{}", genuine.authorization),
        "/jobs".to_owned(),
        "/audit-log".to_owned(),
        "/api-keys".to_owned(),
    ];
    let writes: Vec<(reqwest::Method, String)> = vec![
        (reqwest::Method::POST, "/api-keys".to_owned()),
        (reqwest::Method::POST, "/authorizations".to_owned()),
        (reqwest::Method::POST, "/registrations".to_owned()),
        (reqwest::Method::PUT, format!("/mini-programs/{mp}/setup")),
        (reqwest::Method::POST, format!("/mini-programs/{mp}/rebind")),
        (reqwest::Method::DELETE, format!("/mini-programs/{mp}/categories/1")),
        (
            reqwest::Method::POST,
            format!("/mini-programs/{mp}/categories/1/resubmit"),
        ),
        (reqwest::Method::DELETE, "/api-keys/1".to_owned()),
    ];
    for _ in 0..rounds {
        // No key, forged keys: every route, reads and writes with valid bodies.
        for key in [
            None,
            Some("fr_forged_key_0123456789"),
            Some(""),
            Some("Bearer x"),
            Some("\u{7f}"),
        ] {
            for path in &reads {
                let mut req = target.http.get(format!("{api}{path}"));
                if let Some(k) = key {
                    req = req.header("authorization", format!("Bearer {k}"));
                }
                tally.note("rest", "forged key, read", target.send(req).await);
            }
            for (m, path) in &writes {
                let mut req = target.http.request(m.clone(), format!("{api}{path}")).json(&json!({
                    "name": "x", "oa_appid": OA_MEDIA, "setup": {}, "new_admin": "x"
                }));
                if let Some(k) = key {
                    req = req.header("authorization", format!("Bearer {k}"));
                }
                tally.note("rest", "forged key, write", target.send(req).await);
            }
        }
        // The key, hostile path parameters and queries.
        for _ in 0..150 {
            let bad = enc(&nasty(rng));
            let path = match rng.gen_range(0..10) {
                0 => format!("/authorizers/{bad}"),
                1 => format!("/mini-programs/{bad}"),
                2 => format!("/mini-programs/{bad}/categories/catalog"),
                3 => format!("/mini-programs/{mp}/nickname-audit?x={bad}"),
                4 => format!("/registrations/{bad}"),
                5 => format!("/authorizations/{bad}"),
                6 => format!("/jobs/{bad}"),
                7 => format!("/rebind-tasks/{bad}"),
                8 => format!("/audit-log?limit={bad}&cursor={bad}"),
                _ => format!("/mini-programs?q={bad}&status={bad}&cursor={bad}&limit={bad}"),
            };
            let s = target
                .send(target.http.get(format!("{api}{path}")).bearer_auth(API_KEY))
                .await;
            tally.note("rest", "hostile path or query", s);
        }
        // The key, hostile bodies (never a valid one: that would be the operator's own change).
        let bodies: Vec<(&str, String, &str)> = vec![
            ("invalid JSON", "{\"oa_appid\": ".to_owned(), "application/json"),
            ("not JSON", "oa_appid=x".to_owned(), "application/x-www-form-urlencoded"),
            ("no content type", "{}".to_owned(), ""),
            (
                "NUL in a string",
                "{\"name\":\"a\\u0000b\",\"oa_appid\":\"wx\\u0000\"}".to_owned(),
                "application/json",
            ),
            (
                "wrong types",
                "{\"name\":5,\"oa_appid\":[1],\"setup\":\"x\",\"biz_appid\":{}}".to_owned(),
                "application/json",
            ),
            (
                "deep nesting",
                format!("{}{}", "[".repeat(50_000), "]".repeat(50_000)),
                "application/json",
            ),
            (
                "huge body",
                format!("{{\"name\":\"{}\"}}", "A".repeat(11 * 1024 * 1024)),
                "application/json",
            ),
            (
                "unknown fields",
                "{\"oa_appid\":\"wx5a00000000000e02\",\"evil\":true,\"setup\":{\"nickname\":\"\\u202eevil\"}}"
                    .to_owned(),
                "application/json",
            ),
            (
                "bidi name",
                format!("{{\"oa_appid\":\"{OA_MEDIA}\",\"setup\":{{\"nickname\":\"好用\\u202e工具\"}}}}"),
                "application/json",
            ),
            (
                "huge avatar",
                format!(
                    "{{\"oa_appid\":\"{OA_MEDIA}\",\"setup\":{{\"avatar\":{{\"image\":{{\"filename\":\"a.png\",\"data_base64\":\"{}\"}}}}}}}}",
                    "QUFB".repeat(100_000)
                ),
                "application/json",
            ),
            (
                "bad base64",
                format!(
                    "{{\"oa_appid\":\"{OA_MEDIA}\",\"setup\":{{\"avatar\":{{\"image\":{{\"filename\":\"../../x\",\"data_base64\":\"%%%\"}}}}}}}}"
                ),
                "application/json",
            ),
            (
                "NUL appid",
                "{\"biz_appid\":\"wx\\u0000\"}".to_owned(),
                "application/json",
            ),
            (
                "invisible name",
                "{\"name\":\"\\ufeffadmin\"}".to_owned(),
                "application/json",
            ),
            (
                "long name",
                format!("{{\"name\":\"{}\"}}", "n".repeat(101)),
                "application/json",
            ),
        ];
        // Every body is refused by the routes that take a body with required fields. POST
        // /authorizations takes no body or `{}` and ignores what it does not know (so it gets
        // only bodies that cannot be read or name a bad account), and a rebind takes no body:
        // with the key, anything else is the operator's own request.
        for (m, path) in writes.iter().filter(|(_, p)| !p.ends_with("/rebind")) {
            for (what, body, content_type) in &bodies {
                if path == "/authorizations"
                    && !matches!(
                        *what,
                        "invalid JSON" | "NUL appid" | "wrong types" | "deep nesting" | "huge body"
                    )
                {
                    continue;
                }
                let mut req = target
                    .http
                    .request(m.clone(), format!("{api}{path}"))
                    .bearer_auth(API_KEY)
                    .body(body.clone());
                if !content_type.is_empty() {
                    req = req.header("content-type", *content_type);
                }
                tally.note("rest", what, target.send(req).await);
            }
        }
        // Random JSON with hostile strings in every field the writes take (not to /api-keys: a
        // random name may well be a good one, and the key the operator's own; the bodies above
        // give it the bad names).
        for _ in 0..150 {
            let (m, path) = &writes[rng.gen_range(0..writes.len())];
            if path.ends_with("/rebind") || path == "/api-keys" {
                continue;
            }
            let body = json!({
                "name": nasty(rng), "oa_appid": nasty(rng), "biz_appid": nasty(rng),
                "setup": { "nickname": nasty(rng), "signature": nasty(rng), "categories": [{ "first": nasty(rng) }] },
                "new_admin": nasty(rng),
            });
            let s = target
                .send(
                    target
                        .http
                        .request(m.clone(), format!("{api}{path}"))
                        .bearer_auth(API_KEY)
                        .json(&body),
                )
                .await;
            tally.note("rest", "hostile JSON fields", s);
        }
        // Raw requests no client library sends.
        for raw in [
            format!(
                "GET /api/v1/authorizers/\0 HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {API_KEY}\r\nConnection: close\r\n\r\n",
                target.host
            ),
            format!(
                "GET /api/v1/../../../etc/passwd HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
                target.host
            ),
            format!(
                "GET /api/v1/authorizers HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {API_KEY}\u{1}\r\nConnection: close\r\n\r\n",
                target.host
            ),
            format!(
                "POST /api/v1/registrations HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {API_KEY}\r\nContent-Type: application/json\r\nContent-Length: 99999999999999999999\r\nConnection: close\r\n\r\n{{}}",
                target.host
            ),
            format!(
                "POST /api/v1/registrations HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {API_KEY}\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\nConnection: close\r\n\r\nzz\r\n",
                target.host
            ),
            format!(
                "GET /api/v1/authorizers?limit=%ff%fe HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {API_KEY}\r\nConnection: close\r\n\r\n",
                target.host
            ),
            format!(
                "GET /api/v1/mini-programs/%ff HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {API_KEY}\r\nConnection: close\r\n\r\n",
                target.host
            ),
            "GARBAGE\r\n\r\n".to_owned(),
        ] {
            tally.note("rest", &raw, target.raw(raw.as_bytes()).await);
        }
    }
}
