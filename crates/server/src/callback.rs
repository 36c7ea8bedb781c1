//! The pages WeChat sends an admin back to, and the signed `state` that ties each visit to one
//! workflow.
//!
//! Every redirect_uri we hand WeChat carries `state=<payload>.<mac>`: the payload names the
//! purpose (`authorize`, `fastregister`, `rebind`), the row id and an expiry, and the mac is
//! HMAC-SHA256 under a key only the service has. The callback checks the mac and the expiry
//! before anything else; then the workflow records what WeChat appended (`auth_code`, `ticket`,
//! `taskid`) with a compare-and-set on the row's state, so a replayed callback, a second
//! `ticket` for the same registration, or a forged `state` changes nothing (zero2prod's
//! idempotency habit, applied to redirects).

use crate::startup::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use std::collections::HashMap;

type HmacSha256 = Hmac<sha2::Sha256>;

/// Signs and checks `state` values.
#[derive(Clone)]
pub struct StateSigner {
    key: [u8; 32],
    ttl_secs: u64,
}

impl std::fmt::Debug for StateSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateSigner")
            .field("ttl_secs", &self.ttl_secs)
            .finish_non_exhaustive()
    }
}

/// Why a `state` was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// Not ours, or altered.
    #[error("the link is not valid (its signature does not match); start again from the console")]
    Forged,
    /// Ours, but too old.
    #[error("the link has expired; start again from the console")]
    Expired,
    /// Ours, for another page.
    #[error("the link belongs to another step")]
    WrongPurpose,
}

impl StateSigner {
    /// A signer with `key`; states live `ttl_secs`.
    pub fn new(key: [u8; 32], ttl_secs: u64) -> Self {
        StateSigner { key, ttl_secs }
    }

    fn mac(&self, payload: &str) -> HmacSha256 {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.key).expect("HMAC accepts keys of any length");
        mac.update(payload.as_bytes());
        mac
    }

    /// A state for `purpose` and row `id`, expiring after the configured lifetime.
    pub fn sign(&self, purpose: &str, id: &str) -> String {
        let exp = crate::store::now_ms() / 1000 + i64::try_from(self.ttl_secs).unwrap_or(i64::MAX / 2);
        self.sign_until(purpose, id, exp)
    }

    fn sign_until(&self, purpose: &str, id: &str, exp_secs: i64) -> String {
        let payload = format!("{purpose}|{id}|{exp_secs}");
        let tag = self.mac(&payload).finalize().into_bytes();
        format!("{}.{}", URL_SAFE_NO_PAD.encode(payload), URL_SAFE_NO_PAD.encode(tag))
    }

    /// The row id a state names, if the state is ours, unexpired and for `purpose`.
    pub fn verify(&self, purpose: &str, state: &str) -> Result<String, StateError> {
        let (payload_b64, tag_b64) = state.split_once('.').ok_or(StateError::Forged)?;
        let payload = URL_SAFE_NO_PAD.decode(payload_b64).map_err(|_| StateError::Forged)?;
        let tag = URL_SAFE_NO_PAD.decode(tag_b64).map_err(|_| StateError::Forged)?;
        let payload = String::from_utf8(payload).map_err(|_| StateError::Forged)?;
        self.mac(&payload).verify_slice(&tag).map_err(|_| StateError::Forged)?;
        let mut parts = payload.split('|');
        let (Some(p), Some(id), Some(exp), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(StateError::Forged);
        };
        let exp: i64 = exp.parse().map_err(|_| StateError::Forged)?;
        if exp < crate::store::now_ms() / 1000 {
            return Err(StateError::Expired);
        }
        if p != purpose {
            return Err(StateError::WrongPurpose);
        }
        Ok(id.to_owned())
    }
}

/// The redirect_uri of a purpose, with its signed state.
pub fn redirect_uri(state: &AppState, purpose: &str, id: &str) -> String {
    format!(
        "{}/callback/{purpose}?state={}",
        state.public_url,
        state.states.sign(purpose, id)
    )
}

/// What a callback did, shown to the admin's browser.
pub enum Landing {
    /// Recorded now.
    Recorded(String),
    /// Already recorded before (a replay): nothing changed.
    AlreadyRecorded(String),
}

/// The end of recording a callback, the same for every workflow: after the caller moved the row
/// out of `awaiting_admin` in `tx`, the move goes into `{kind}:{id}`'s history, the workflow's
/// `job` is queued (deduplicated on the subject), and all of it commits at once — so a crash
/// either keeps everything or nothing, and a replayed callback finds the row already moved.
pub async fn land(
    state: &AppState,
    mut tx: crate::store::Tx,
    kind: &str,
    id: &str,
    to: &str,
    job: &str,
    message: &str,
) -> Result<Landing, CallbackError> {
    let subject = format!("{kind}:{id}");
    crate::store::record_history(&mut tx, &subject, Some("awaiting_admin"), to, None).await?;
    let now = crate::store::now_ms();
    state
        .queue
        .enqueue(&mut tx, job, &serde_json::json!({ "id": id }), Some(&subject), now)
        .await?;
    tx.commit().await?;
    Ok(Landing::Recorded(message.to_owned()))
}

/// Errors of the callback pages.
#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
    /// Bad or expired state.
    #[error(transparent)]
    State(#[from] StateError),
    /// A required parameter is missing or malformed.
    #[error("the link is missing `{0}` or it is malformed")]
    Param(&'static str),
    /// The admin declined on WeChat's page, or closed it: WeChat sent the browser back without
    /// what a confirmation appends. Not an error of anyone's; the page says what to do.
    #[error("the admin declined or closed WeChat's page")]
    Declined(Declined),
    /// The row the state names does not exist.
    #[error("no such {0}")]
    NotFound(&'static str),
    /// Anything else.
    #[error("something went wrong on our side; try again in a minute")]
    Unexpected(#[from] anyhow::Error),
}

/// Which confirmation was declined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Declined {
    /// The authorization page (componentloginpage).
    Authorization,
    /// The fast registration page (fastregisterauth).
    Registration,
    /// The admin rebind page (componentrebindadmin).
    Rebind,
}

impl Declined {
    fn text(self) -> (&'static str, &'static str) {
        match self {
            Declined::Authorization => (
                "The admin declined the authorization, or closed WeChat's page before confirming. Nothing was \
                 recorded and nothing changed.",
                "To try again, start a new authorization from the console (or POST /api/v1/authorizations) and \
                 send the admin its link; the admin confirms on WeChat's page with the account's administrator \
                 WeChat.",
            ),
            Declined::Registration => (
                "The admin declined the fast registration, or closed WeChat's page before confirming. No Mini \
                 Program was created, and this registration is closed (abandoned), so the account is free.",
                "To try again, start a new registration from the console (or POST /api/v1/registrations) and \
                 send the admin its new link.",
            ),
            Declined::Rebind => (
                "The admin declined the administrator change, or closed WeChat's page before confirming. Nothing \
                 was recorded and the administrator is unchanged.",
                "To try again, start the rebind again from the Mini Program's page in the console.",
            ),
        }
    }
}

impl IntoResponse for CallbackError {
    fn into_response(self) -> Response {
        let status = match &self {
            CallbackError::State(StateError::Expired) => StatusCode::GONE,
            CallbackError::State(_) | CallbackError::Param(_) => StatusCode::BAD_REQUEST,
            CallbackError::NotFound(_) => StatusCode::NOT_FOUND,
            CallbackError::Declined(what) => {
                // The admin's choice: worth an INFO line, nobody's fault.
                tracing::info!(?what, "confirmation declined");
                let (said, todo) = what.text();
                return (StatusCode::OK, page("Not confirmed", &[said, todo])).into_response();
            }
            CallbackError::Unexpected(e) => {
                tracing::error!(error = %format!("{e:#}"), "callback failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        if status.is_client_error() {
            // A stale, forged or mangled link: the visitor's problem, not ours.
            tracing::info!(reason = %self, "callback refused");
        }
        (status, page("Not recorded", &[&self.to_string()])).into_response()
    }
}

/// A plain page in the console's style (its stylesheet; the console's security headers are
/// added around every callback route, see [`crate::api::router`]).
fn page(title: &str, paragraphs: &[&str]) -> Html<String> {
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let body: String = paragraphs.iter().map(|p| format!("<p>{}</p>", esc(p))).collect();
    Html(format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <link rel=\"stylesheet\" href=\"/console/assets/console.css\"><title>{t} — fastreg</title>\
         <body class=\"bare\"><main class=\"narrow\"><h1>{t}</h1>{body}</main></body></html>",
        t = esc(title),
    ))
}

fn landing(l: Landing) -> Response {
    match l {
        Landing::Recorded(text) => (StatusCode::OK, page("Received", &[&text])).into_response(),
        Landing::AlreadyRecorded(text) => (StatusCode::OK, page("Already received", &[&text])).into_response(),
    }
}

fn state_of(q: &HashMap<String, String>) -> Result<&str, CallbackError> {
    q.get("state")
        .map(String::as_str)
        .filter(|s| !s.is_empty())
        .ok_or(CallbackError::Param("state"))
}

/// `GET /callback/authorize?state=…&auth_code=…&expires_in=…` (componentloginpage).
#[tracing::instrument(skip_all)]
pub async fn authorize(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, CallbackError> {
    let id = state.states.verify("authorize", state_of(&q)?)?;
    if !q.contains_key("auth_code") {
        return Err(CallbackError::Declined(Declined::Authorization));
    }
    let code = q
        .get("auth_code")
        .and_then(|c| fastreg_protocol::AuthorizationCode::parse(c.clone()).ok())
        .ok_or(CallbackError::Param("auth_code"))?;
    Ok(landing(crate::authorization::record_code(&state, &id, &code).await?))
}

/// `GET /callback/fastregister?state=…&ticket=…` (fastregisterauth, spec §1.2); without a
/// ticket, the admin declined.
#[tracing::instrument(skip_all)]
pub async fn fastregister(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, CallbackError> {
    let id = state.states.verify("fastregister", state_of(&q)?)?;
    // WeChat sends a declining admin back with the state and no ticket at all: the registration
    // ends abandoned (the account is free again) and the page says what happened.
    if !q.contains_key("ticket") {
        return match crate::registration::record_declined(&state, &id).await? {
            Landing::Recorded(_) => Err(CallbackError::Declined(Declined::Registration)),
            already => Ok(landing(already)),
        };
    }
    let ticket = q
        .get("ticket")
        .and_then(|t| fastreg_protocol::Ticket::parse(t.clone()).ok())
        .ok_or(CallbackError::Param("ticket"))?;
    Ok(landing(crate::registration::record_ticket(&state, &id, &ticket).await?))
}

/// `GET /callback/rebind?state=…&taskid=…` (componentrebindadmin, spec §7.2).
#[tracing::instrument(skip_all)]
pub async fn rebind(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, CallbackError> {
    let id = state.states.verify("rebind", state_of(&q)?)?;
    if !q.contains_key("taskid") {
        return Err(CallbackError::Declined(Declined::Rebind));
    }
    let taskid = q
        .get("taskid")
        .and_then(|t| fastreg_protocol::TaskId::parse(t.clone()).ok())
        .ok_or(CallbackError::Param("taskid"))?;
    Ok(landing(crate::rebind::record_taskid(&state, &id, &taskid).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_and_refuses_tampering() {
        let s = StateSigner::new([1; 32], 60);
        let st = s.sign("fastregister", "reg-1");
        assert_eq!(s.verify("fastregister", &st).unwrap(), "reg-1");
        assert_eq!(s.verify("rebind", &st), Err(StateError::WrongPurpose));
        let other = StateSigner::new([2; 32], 60);
        assert_eq!(other.verify("fastregister", &st), Err(StateError::Forged));
        // Swapping the id in the payload breaks the mac.
        let (_, tag) = st.split_once('.').unwrap();
        let forged = format!("{}.{tag}", URL_SAFE_NO_PAD.encode("fastregister|reg-2|9999999999"));
        assert_eq!(s.verify("fastregister", &forged), Err(StateError::Forged));
        assert_eq!(s.verify("fastregister", "garbage"), Err(StateError::Forged));
        let expired = s.sign_until("fastregister", "reg-1", 1);
        assert_eq!(s.verify("fastregister", &expired), Err(StateError::Expired));
    }
}
