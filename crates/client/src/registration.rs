//! The other routes to a new Mini Program (`registration-routes.md`), WeChat's 2026 versions:
//! enterprise and personal fast registration (create, query), the trial Mini Program (create,
//! convert, rename), and reading their pushes.
//!
//! | method | endpoint | token | resent after `-1`/lost answer |
//! |---|---|---|---|
//! | [`register_enterprise`](Client::register_enterprise) | fastregisterenterpriseweapp `action=create` | component | no: a second task for the subject answers 89249 for 24 h; look for the task with the push or by asking the user |
//! | [`enterprise_task`](Client::enterprise_task) | fastregisterenterpriseweapp `action=query` | component | yes |
//! | [`register_personal`](Client::register_personal) | fastregisterpersonalweapp `action=create` | component | no: spends one of the WeChat id's 5 a day (91030) |
//! | [`personal_task`](Client::personal_task) | fastregisterpersonalweapp `action=query` | component | yes |
//! | [`register_trial`](Client::register_trial) | fastregisterbetaweapp | component | no: a second call opens a second task |
//! | [`verify_trial`](Client::verify_trial) | verifybetaweapp | the trial's | no: 89251 while the first task is open |
//! | [`set_trial_nickname`](Client::set_trial_nickname) | setbetaweappnickname | the trial's | yes |
//!
//! The old versions (without `new_version: true`) and `fastregisterweapp` are offline since
//! 2026-04-30 and answer `-1`; these methods always send the new version.

use crate::client::{Auth, Call, Client, Payload, decode};
use crate::error::Error;
use bytes::Bytes;
use fastreg_protocol::AppId;
use fastreg_protocol::endpoint::{Endpoint, TokenKind};
use fastreg_protocol::event::{EventError, RegistrationPush};
use fastreg_protocol::registration::{
    ActionEndpoint, BetaCreate, BetaCreateRequest, BetaCreateResponse, EnterpriseCreate, EnterpriseCreateRequest,
    EnterpriseQuery, PersonalCreate, PersonalCreateRequest, PersonalQuery, RegisterTaskResponse, SetBetaNickname,
    SetBetaNicknameRequest, TaskQueryRequest, VerifyBeta, VerifyBetaRequest, VerifyBetaResponse,
};

impl Client {
    /// fastregisterenterpriseweapp `action=create`, new version: opens a task for the
    /// enterprise; show the answer's `authorize_url` to its legal person (as a QR code), who
    /// has 24 h. The result arrives as `notify_third_fasteregister` (read it with
    /// [`registration_push`](Client::registration_push)), whose `auth_code` goes to
    /// [`query_auth`](Client::query_auth).
    pub async fn register_enterprise(&self, req: &EnterpriseCreateRequest) -> Result<RegisterTaskResponse, Error> {
        self.call_action::<EnterpriseCreate>(req).await
    }

    /// fastregisterenterpriseweapp `action=query`: where an enterprise task stands.
    pub async fn enterprise_task(&self, taskid: &str) -> Result<RegisterTaskResponse, Error> {
        self.call_action::<EnterpriseQuery>(&TaskQueryRequest::new(taskid))
            .await
    }

    /// fastregisterpersonalweapp `action=create`, new version: opens a task for the WeChat
    /// user; the user scans `authorize_url` within 24 h.
    pub async fn register_personal(&self, req: &PersonalCreateRequest) -> Result<RegisterTaskResponse, Error> {
        self.call_action::<PersonalCreate>(req).await
    }

    /// fastregisterpersonalweapp `action=query`: where a personal task stands.
    pub async fn personal_task(&self, taskid: &str) -> Result<RegisterTaskResponse, Error> {
        self.call_action::<PersonalQuery>(&TaskQueryRequest::new(taskid)).await
    }

    /// fastregisterbetaweapp: opens a trial task; the user named by `openid` confirms
    /// `authorize_url` within 24 h. The results are `notify_third_fastregisterbetaapp` (no
    /// code; correlate by `unique_id`) and `authorized`, whose code goes to
    /// [`query_auth`](Client::query_auth).
    pub async fn register_trial(&self, req: &BetaCreateRequest) -> Result<BetaCreateResponse, Error> {
        self.call_as_component::<BetaCreate>(req).await
    }

    /// verifybetaweapp, new version, with the trial's own token: opens a conversion task; its
    /// legal person opens the answer's URL within 24 h; the result is
    /// `notify_third_fastverifybetaapp`. The trial keeps its appid and authorization.
    pub async fn verify_trial(&self, trial: &AppId, req: &VerifyBetaRequest) -> Result<VerifyBetaResponse, Error> {
        self.call_as_authorizer::<VerifyBeta>(trial, req).await
    }

    /// setbetaweappnickname: renames a trial (WeChat appends “的体验小程序”). After conversion
    /// use [`set_nickname`](Client::set_nickname).
    pub async fn set_trial_nickname(&self, trial: &AppId, name: &str) -> Result<(), Error> {
        self.call_as_authorizer::<SetBetaNickname>(trial, &SetBetaNicknameRequest::new(name))
            .await
            .map(|_| ())
    }

    /// Reads a registration push from its encrypted body and the URL's query parameters
    /// (`msg_signature`, `timestamp`, `nonce`), with the configured token and key. `Ok(None)`
    /// for a push of another kind.
    pub fn registration_push(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        body: &str,
    ) -> Result<Option<RegistrationPush>, Error> {
        let crypt = self.msg_crypt().ok_or_else(|| Error::Input {
            field: "config",
            reason: "no token/encoding_aes_key configured: cannot open pushes".into(),
        })?;
        let opened = crypt
            .open(msg_signature, timestamp, nonce, body)
            .map_err(|e| Error::Input {
                field: "push",
                reason: e.to_string(),
            })?;
        let event = fastreg_protocol::event::parse_component_event(&opened.message).map_err(push_error)?;
        RegistrationPush::from_event(&event).transpose().map_err(push_error)
    }

    /// A component endpoint whose path takes `action=…`.
    async fn call_action<E: ActionEndpoint>(&self, req: &E::Request) -> Result<E::Response, Error> {
        const {
            assert!(
                matches!(E::TOKEN, TokenKind::Component),
                "action endpoints take the component_access_token"
            )
        };
        let body = serde_json::to_vec(req).map_err(|e| Error::Input {
            field: "request",
            reason: e.to_string(),
        })?;
        let call = Call {
            name: <E as Endpoint>::NAME,
            method: E::METHOD,
            path: E::PATH,
            retry: E::RETRY,
            auth: &Auth::Component,
            subject: None,
            query: vec![("action".to_owned(), E::ACTION.to_owned())],
            body: Payload::Json(Bytes::from(body)),
        };
        let bytes = self.inner.execute(&call).await?;
        decode::<E>(&bytes)
    }
}

fn push_error(e: EventError) -> Error {
    Error::Input {
        field: "push",
        reason: e.to_string(),
    }
}
