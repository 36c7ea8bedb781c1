//! POST /cgi-bin/component/api_get_authorizer_info — an authorizer's profile and what it
//! authorized (protocol-notes §1, §6: `MiniProgramInfo` is PascalCase; old examples say
//! `authorization_info.appid` where newer ones say `authorizer_appid`).

use super::FuncInfo;
use crate::id::{AppId, RefreshToken};
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Read an authorizer's profile.
    GetAuthorizerInfo {
        name: "api_get_authorizer_info",
        method: Post,
        path: "/cgi-bin/component/api_get_authorizer_info",
        token: Component,
        body: crate::endpoint::Body::Json,
        retry: Idempotent,
        request: GetAuthorizerInfoRequest,
        response: GetAuthorizerInfoResponse,
    }
}

/// Request of api_get_authorizer_info.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GetAuthorizerInfoRequest {
    /// The component's appid.
    pub component_appid: AppId,
    /// The authorizer.
    pub authorizer_appid: AppId,
}

/// Response of api_get_authorizer_info.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetAuthorizerInfoResponse {
    /// The account's profile.
    pub authorizer_info: AuthorizerInfo,
    /// What it authorized.
    pub authorization_info: AuthorizationSummary,
}

/// An id wrapped in an object (`service_type_info`, `verify_type_info`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TypeInfo {
    /// The id.
    #[serde(deserialize_with = "crate::wire::flex_i64::deserialize")]
    pub id: i64,
}

/// The account's profile.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuthorizerInfo {
    /// Name.
    #[serde(default)]
    pub nick_name: String,
    /// Avatar URL.
    #[serde(default)]
    pub head_img: String,
    /// 0 subscription, 1 subscription upgraded from an old account, 2 service account; for
    /// Mini Programs always 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_type_info: Option<TypeInfo>,
    /// -1 not verified, 0 WeChat verified, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_type_info: Option<TypeInfo>,
    /// The original id (`gh_…`).
    #[serde(default)]
    pub user_name: String,
    /// The WeChat id, if set.
    #[serde(default)]
    pub alias: String,
    /// QR code URL.
    #[serde(default)]
    pub qrcode_url: String,
    /// Feature switches (`open_pay`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_info: Option<serde_json::Value>,
    /// The subject's name.
    #[serde(default)]
    pub principal_name: String,
    /// The description (功能介绍).
    #[serde(default)]
    pub signature: String,
    /// Present for Mini Programs.
    #[serde(rename = "MiniProgramInfo", default, skip_serializing_if = "Option::is_none")]
    pub mini_program_info: Option<MiniProgramInfo>,
    /// How the account was registered.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::flex_opt_u64::deserialize"
    )]
    pub register_type: Option<u64>,
    /// 1 normal, 14 cancelled, 16 banned, …
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::flex_opt_u64::deserialize"
    )]
    pub account_status: Option<u64>,
    /// Basic configuration (casing differs between docs; kept raw).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basic_config: Option<serde_json::Value>,
}

/// Mini Program details of an authorizer.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MiniProgramInfo {
    /// Server domains (`RequestDomain`, …), kept raw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<serde_json::Value>,
    /// Categories, by name.
    #[serde(default)]
    pub categories: Vec<CategoryNames>,
    /// Visit status.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::flex_opt_u64::deserialize"
    )]
    pub visit_status: Option<u64>,
}

/// A category by its names.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CategoryNames {
    /// First-level name.
    #[serde(default)]
    pub first: String,
    /// Second-level name.
    #[serde(default)]
    pub second: String,
}

/// What an authorizer authorized.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuthorizationSummary {
    /// The authorizer (old examples call it `appid`).
    #[serde(alias = "appid")]
    pub authorizer_appid: AppId,
    /// Its refresh token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_refresh_token: Option<RefreshToken>,
    /// The permission sets.
    #[serde(default)]
    pub func_info: Vec<FuncInfo>,
}

impl GetAuthorizerInfoResponse {
    /// The profile and what was authorized.
    pub fn new(authorizer_info: AuthorizerInfo, authorization_info: AuthorizationSummary) -> Self {
        GetAuthorizerInfoResponse {
            authorizer_info,
            authorization_info,
        }
    }
}

impl TypeInfo {
    /// The id.
    pub fn new(id: i64) -> Self {
        TypeInfo { id }
    }
}

impl CategoryNames {
    /// A category by its first- and second-level names.
    pub fn new(first: impl Into<String>, second: impl Into<String>) -> Self {
        CategoryNames {
            first: first.into(),
            second: second.into(),
        }
    }
}

impl AuthorizationSummary {
    /// What `authorizer_appid` authorized.
    pub fn new(
        authorizer_appid: AppId,
        authorizer_refresh_token: Option<RefreshToken>,
        func_info: Vec<FuncInfo>,
    ) -> Self {
        AuthorizationSummary {
            authorizer_appid,
            authorizer_refresh_token,
            func_info,
        }
    }
}
