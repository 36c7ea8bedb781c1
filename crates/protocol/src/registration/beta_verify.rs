//! POST /wxa/verifybetaweapp — 试用小程序快速转正, new version (`registration-routes.md` §3.3).
//!
//! The **trial's own** authorizer token. `{verify_info: {enterprise_name, code,
//! component_phone}, new_version: true}`; WeChat's notes leave open whether `new_version` goes
//! beside `verify_info` or inside it, so this type sends it beside and reads either. The new
//! version answers with a URL (its field name is unconfirmed: the emulator and this type use
//! `authorize_url`, read as optional). The result is `notify_third_fastverifybetaapp`. Limits:
//! 5 calls a minute, 100 a day; 91021 for a Mini Program that is not a trial; 89251 while a task
//! is pending.

use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Convert (转正) a trial Mini Program into a formal one.
    VerifyBeta {
        name: "verifybetaweapp",
        method: Post,
        path: "/wxa/verifybetaweapp",
        token: Authorizer,
        body: crate::endpoint::Body::Json,
        retry: NotIdempotent,
        request: VerifyBetaRequest,
        response: VerifyBetaResponse,
    }
}

/// `verify_info`, new version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VerifyInfo {
    /// 企业名.
    pub enterprise_name: String,
    /// The 18-character unified social credit code.
    pub code: String,
    /// 第三方联系电话.
    pub component_phone: String,
    /// Some copies put `new_version` here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_version: Option<bool>,
}

/// Body of verifybetaweapp.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VerifyBetaRequest {
    /// The enterprise to convert to.
    pub verify_info: VerifyInfo,
    /// `true` (Senparc's placement).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_version: Option<bool>,
}

impl VerifyBetaRequest {
    /// A new-version request, `new_version` beside `verify_info`.
    pub fn new(
        enterprise_name: impl Into<String>,
        code: impl Into<String>,
        component_phone: impl Into<String>,
    ) -> Self {
        VerifyBetaRequest {
            verify_info: VerifyInfo {
                enterprise_name: enterprise_name.into(),
                code: code.into(),
                component_phone: component_phone.into(),
                new_version: None,
            },
            new_version: Some(true),
        }
    }

    /// Whether `new_version: true` is given, in either place.
    pub fn is_new_version(&self) -> bool {
        self.new_version == Some(true) || self.verify_info.new_version == Some(true)
    }
}

/// Answer of verifybetaweapp (new version).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VerifyBetaResponse {
    /// The page the legal person opens within 24 h (empty on an old-version answer).
    #[serde(default)]
    pub authorize_url: String,
}

impl VerifyBetaResponse {
    /// An answer.
    pub fn new(authorize_url: impl Into<String>) -> Self {
        VerifyBetaResponse {
            authorize_url: authorize_url.into(),
        }
    }
}
