//! POST /wxa/commit — lifecycle spec §2.1: uploads a template as the Mini Program's trial
//! version (体验版), replacing the previous one, and starts the privacy-API scan (about 60 s;
//! submit_audit before it ends is 61039).
//!
//! `ext_json` is a JSON object **serialized into a string**: an object on the wire is 47001, a
//! string that is not JSON 85048, `pages` outside the template's 85045, an unknown template
//! 85014. Not blindly retryable: each commit restarts the scan, so a lost answer is reconciled
//! with getversioninfo (`exp_info`), not by committing again.

use crate::endpoint::Empty;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Commit a template as the trial version.
    Commit {
        name: "commit",
        method: Post,
        path: "/wxa/commit",
        token: Authorizer,
        body: crate::endpoint::Body::Json,
        retry: NotIdempotent,
        request: CommitRequest,
        response: Empty,
    }
}

/// Request of commit.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CommitRequest {
    /// From gettemplatelist; sent as a JSON number.
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub template_id: u64,
    /// The ext config, a JSON object serialized into a string (see [`CommitRequest::with_ext`]).
    pub ext_json: String,
    /// ≤ 64 characters.
    pub user_version: String,
    /// The version description.
    pub user_desc: String,
}

impl CommitRequest {
    /// A commit with `ext_json` already serialized.
    pub fn new(
        template_id: u64,
        ext_json: impl Into<String>,
        user_version: impl Into<String>,
        user_desc: impl Into<String>,
    ) -> Self {
        CommitRequest {
            template_id,
            ext_json: ext_json.into(),
            user_version: user_version.into(),
            user_desc: user_desc.into(),
        }
    }

    /// A commit whose ext config is given as a JSON value: it is serialized into the string
    /// WeChat wants, so the object-instead-of-string mistake (47001) cannot be made.
    pub fn with_ext(
        template_id: u64,
        ext: &serde_json::Value,
        user_version: impl Into<String>,
        user_desc: impl Into<String>,
    ) -> Self {
        Self::new(template_id, ext.to_string(), user_version, user_desc)
    }
}
