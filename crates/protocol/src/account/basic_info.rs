//! GET /cgi-bin/account/getaccountbasicinfo — spec §2 (newer docs: POST; WeChat answers both).
//!
//! The newer fields of protocol-notes §7 (`nickname`, `nickname_info`, `registered_country`,
//! `credential`, `customer_type`) are optional: older answers lack them, and a real answer has
//! been seen with an empty `nickname_info: {}`.

use crate::endpoint::Empty;
use crate::id::AppId;
use crate::wire::IntBool;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Read the Mini Program's basic info and this month's modify quotas.
    AccountBasicInfo {
        name: "getaccountbasicinfo",
        method: Get,
        path: "/cgi-bin/account/getaccountbasicinfo",
        token: Authorizer,
        body: crate::endpoint::Body::None,
        retry: Idempotent,
        request: Empty,
        response: AccountBasicInfoResponse,
    }
}

/// Response of getaccountbasicinfo.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccountBasicInfoResponse {
    /// The account.
    pub appid: AppId,
    /// 1 subscription, 2 service, 3 Mini Program.
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub account_type: u64,
    /// 1 enterprise (the doc lists only that value).
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub principal_type: u64,
    /// The subject's name.
    #[serde(default)]
    pub principal_name: String,
    /// 1 verified, 2 verifying (a newly fast-registered account), 3 failed. While not 1, only
    /// the verification and account-setting APIs may be called.
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub realname_status: u64,
    /// WeChat verification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wx_verify_info: Option<WxVerifyInfo>,
    /// The description and its monthly quota.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_info: Option<SignatureInfo>,
    /// The head image and its monthly quota.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_image_info: Option<HeadImageInfo>,
    /// Newer docs: the current name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    /// Newer docs: the name and its quota (may be `{}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname_info: Option<NicknameInfo>,
    /// Newer docs: country of registration (enum number).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::flex_opt_u64::deserialize"
    )]
    pub registered_country: Option<u64>,
    /// Newer docs: the subject's credential number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
    /// Newer docs: verification type (0 not verified, 1 enterprise, 3 government, …).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::flex_opt_u64::deserialize"
    )]
    pub customer_type: Option<u64>,
}

impl AccountBasicInfoResponse {
    /// An answer with the fields every version of the doc has; the optional ones are `None`.
    pub fn new(
        appid: AppId,
        account_type: u64,
        principal_type: u64,
        principal_name: impl Into<String>,
        realname_status: u64,
    ) -> Self {
        AccountBasicInfoResponse {
            appid,
            account_type,
            principal_type,
            principal_name: principal_name.into(),
            realname_status,
            wx_verify_info: None,
            signature_info: None,
            head_image_info: None,
            nickname: None,
            nickname_info: None,
            registered_country: None,
            credential: None,
            customer_type: None,
        }
    }
}

/// WeChat verification of the account.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WxVerifyInfo {
    /// Qualification verified.
    #[serde(default)]
    pub qualification_verify: IntBool,
    /// Name verified.
    #[serde(default)]
    pub naming_verify: IntBool,
    /// Needs annual review (only when qualification_verify).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annual_review: Option<IntBool>,
    /// Annual review window start (unix seconds).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::flex_opt_u64::deserialize"
    )]
    pub annual_review_begin_time: Option<u64>,
    /// Annual review deadline (unix seconds).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::flex_opt_u64::deserialize"
    )]
    pub annual_review_end_time: Option<u64>,
}

/// The description (功能介绍) and this month's quota.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SignatureInfo {
    /// The description.
    #[serde(default)]
    pub signature: String,
    /// Changes used this month.
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub modify_used_count: u64,
    /// Changes allowed this month.
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub modify_quota: u64,
}

/// The head image and this month's quota.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HeadImageInfo {
    /// The image's URL.
    #[serde(default)]
    pub head_image_url: String,
    /// Changes used this month.
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub modify_used_count: u64,
    /// Changes allowed this month.
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub modify_quota: u64,
}

/// The name and its quota (newer docs).
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NicknameInfo {
    /// The name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    /// Renames used.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::flex_opt_u64::deserialize"
    )]
    pub modify_used_count: Option<u64>,
    /// Renames allowed.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::flex_opt_u64::deserialize"
    )]
    pub modify_quota: Option<u64>,
}

impl WxVerifyInfo {
    /// Whether the qualification and the name are verified; no annual review.
    pub fn new(qualification_verify: bool, naming_verify: bool) -> Self {
        WxVerifyInfo {
            qualification_verify: IntBool(qualification_verify),
            naming_verify: IntBool(naming_verify),
            ..Self::default()
        }
    }
}

impl SignatureInfo {
    /// The description with this month's used and allowed changes.
    pub fn new(signature: impl Into<String>, modify_used_count: u64, modify_quota: u64) -> Self {
        SignatureInfo {
            signature: signature.into(),
            modify_used_count,
            modify_quota,
        }
    }
}

impl HeadImageInfo {
    /// The image's URL with this month's used and allowed changes.
    pub fn new(head_image_url: impl Into<String>, modify_used_count: u64, modify_quota: u64) -> Self {
        HeadImageInfo {
            head_image_url: head_image_url.into(),
            modify_used_count,
            modify_quota,
        }
    }
}

impl NicknameInfo {
    /// The name with the renames used and allowed.
    pub fn new(nickname: impl Into<String>, modify_used_count: u64, modify_quota: u64) -> Self {
        NicknameInfo {
            nickname: Some(nickname.into()),
            modify_used_count: Some(modify_used_count),
            modify_quota: Some(modify_quota),
        }
    }
}
