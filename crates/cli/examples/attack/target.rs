//! The service under attack, the tally of its answers, and the hostile strings.

use super::*;

/// Control characters, bidi overrides and other unwelcome text.
pub(super) const NASTY: &[&str] = &[
    "\u{0}",
    "a\u{0}b",
    "\r\n",
    "%0d%0aSet-Cookie:x=1",
    "\u{1b}[31m",
    "\u{7f}",
    "\u{202e}",
    "\u{200b}",
    "\u{feff}",
    "../../etc/passwd",
    "'; DROP TABLE authorizers; --",
    "\" OR 1=1 --",
    "<script>alert(1)</script>",
    "${jndi:ldap://x}",
    "{{7*7}}",
    "%s%s%s%n",
    "\u{fffd}",
    "𝕏",
    "",
];

#[derive(Default)]
pub(super) struct Tally {
    pub(super) by_category: BTreeMap<&'static str, BTreeMap<u16, u64>>,
    pub(super) bad: Vec<String>,
    pub(super) sent: u64,
}

impl Tally {
    pub(super) fn note(&mut self, category: &'static str, what: &str, status: impl Into<Option<u16>>) {
        let Some(status) = status.into() else { return };
        self.sent += 1;
        *self.by_category.entry(category).or_default().entry(status).or_default() += 1;
        if (status == 0 || status >= 500) && self.bad.len() < 200 {
            let what: String = what.chars().take(160).collect();
            self.bad.push(format!(
                "{category}: {what:?} -> {}",
                if status == 0 {
                    "no answer".to_owned()
                } else {
                    status.to_string()
                }
            ));
        }
    }
}

pub(super) struct Target {
    pub(super) http: reqwest::Client,
    /// A client that opens a connection for every request.
    pub(super) fresh: reqwest::Client,
    pub(super) service: String,
    pub(super) emulator: String,
    pub(super) host: String,
}

impl Target {
    pub(super) async fn control(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        Ok(self
            .http
            .post(format!("{}/__emulator/{path}", self.emulator))
            .json(&body)
            .send()
            .await?
            .json()
            .await?)
    }

    /// The status of the answer; 0 without one; `None` when the client library refuses to
    /// send the request at all (a header value it will not write: the raw requests cover those).
    pub(super) async fn send(&self, req: reqwest::RequestBuilder) -> Option<u16> {
        let (client, req) = req.build_split();
        let req = req.ok()?;
        let again = req.try_clone();
        let mut answer = client.execute(req).await;
        // A connection the service closed after refusing a huge body may have been taken from
        // the pool for this request: once more, on a fresh connection.
        if answer.is_err()
            && let Some(again) = again
        {
            answer = self.fresh.execute(again).await;
        }
        match answer {
            Ok(r) => {
                let status = r.status().as_u16();
                let _ = r.bytes().await;
                Some(status)
            }
            Err(e) => {
                if std::env::var_os("ATTACK_DEBUG").is_some() {
                    eprintln!("no answer: {e:?}");
                }
                Some(0)
            }
        }
    }

    pub(super) async fn api(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, format!("{}/api/v1{path}", self.service))
            .bearer_auth(API_KEY);
        if let Some(b) = body {
            req = req.json(&b);
        }
        match req.send().await {
            Ok(r) => {
                let status = r.status().as_u16();
                let text = r.text().await.unwrap_or_default();
                (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
            }
            Err(_) => (0, Value::Null),
        }
    }

    /// A request written byte for byte on a fresh connection (paths and headers no client
    /// library would send); the status of the answer, 0 without one.
    pub(super) async fn raw(&self, request: &[u8]) -> u16 {
        let Ok(mut stream) = tokio::net::TcpStream::connect(&self.host).await else {
            return 0;
        };
        let _ = stream.write_all(request).await;
        let mut buf = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(30), async {
            let mut chunk = [0u8; 4096];
            while !buf.windows(2).any(|w| w == b"\r\n") {
                match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
        })
        .await;
        if read.is_err() {
            return 0;
        }
        let line = String::from_utf8_lossy(&buf);
        line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
    }
}

pub(super) fn nasty(rng: &mut impl Rng) -> String {
    let mut s = String::new();
    for _ in 0..rng.gen_range(1..4) {
        match rng.gen_range(0..4) {
            0 => s.push_str(NASTY[rng.gen_range(0..NASTY.len())]),
            1 => s.push(char::from_u32(rng.gen_range(0..0x20)).unwrap_or('\0')),
            2 => s.push_str(&"A".repeat(rng.gen_range(1..3000))),
            _ => s.push(rng.gen_range('\u{a0}'..'\u{3000}')),
        }
    }
    s
}

/// `s` percent-encoded for a path segment or query value.
pub(super) fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub(super) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
