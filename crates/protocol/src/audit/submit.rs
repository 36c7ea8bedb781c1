//! POST /wxa/submit_audit — lifecycle spec §2.7: submits the trial version for review and
//! returns `auditid`. Needs a commit (86001 / 85086) whose privacy scan has finished (61039), no
//! other audit open (85009), and the component's monthly quota (85085). Not blindly retryable:
//! a repeat after a lost answer spends quota or answers 85009; reconcile with
//! get_latest_auditstatus.

use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Submit the trial version for audit.
    SubmitAudit {
        name: "submit_audit",
        method: Post,
        path: "/wxa/submit_audit",
        token: Authorizer,
        body: crate::endpoint::Body::Json,
        retry: NotIdempotent,
        request: SubmitAuditRequest,
        response: SubmitAuditResponse,
    }
}

/// Request of submit_audit. Everything is optional: WeChat fills the categories itself when
/// `item_list` is absent (the docs disagree on whether it is required; spec §2.7).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SubmitAuditRequest {
    /// 1–5 pages with their category (85023 otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub item_list: Vec<AuditItem>,
    /// For reviewers, after a rejection (≤ 200 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback_info: Option<String>,
    /// `|`-separated temporary media ids (≤ 5 images).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback_stuff: Option<String>,
    /// Version description for reviewers (a test account, say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_desc: Option<String>,
    /// Media from uploadmedia.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview_info: Option<PreviewInfo>,
    /// The UGC declaration (required for some categories: 85094).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ugc_declare: Option<serde_json::Value>,
    /// Declares that privacy APIs found but not configured are not used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy_api_not_use: Option<bool>,
    /// The order-centre page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_path: Option<String>,
}

/// One item of `item_list`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuditItem {
    /// A page from get_page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Space-separated tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// First-level category name.
    #[serde(default)]
    pub first_class: String,
    /// Second-level category name.
    #[serde(default)]
    pub second_class: String,
    /// First-level category id.
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub first_id: u64,
    /// Second-level category id.
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub second_id: u64,
    /// ≤ 32 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// `preview_info`: an object, not an array.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PreviewInfo {
    /// Video media ids.
    #[serde(default)]
    pub video_id_list: Vec<String>,
    /// Image media ids.
    #[serde(default)]
    pub pic_id_list: Vec<String>,
}

/// Response of submit_audit.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SubmitAuditResponse {
    /// The audit's id (a number).
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub auditid: u64,
}

impl SubmitAuditResponse {
    /// An answer with this id.
    pub fn new(auditid: u64) -> Self {
        SubmitAuditResponse { auditid }
    }
}
