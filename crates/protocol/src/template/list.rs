//! GET /wxa/gettemplatelist — lifecycle spec §1.4: the template library. GET only (a POST is
//! 43001 on WeChat).

use super::TemplateCategory;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// List the component's templates.
    GetTemplateList {
        name: "gettemplatelist",
        method: Get,
        path: "/wxa/gettemplatelist",
        token: Component,
        body: crate::endpoint::Body::None,
        retry: Idempotent,
        request: GetTemplateListQuery,
        response: GetTemplateListResponse,
    }
}

/// Query of gettemplatelist: `template_type` 0 or 1, absent for all.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetTemplateListQuery {
    /// 0 普通, 1 标准; `None` lists both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_type: Option<String>,
}

/// Response of gettemplatelist.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetTemplateListResponse {
    /// The templates.
    #[serde(default)]
    pub template_list: Vec<Template>,
}

/// One template.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Template {
    /// When it was added to the library.
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub create_time: u64,
    /// Copied from the draft.
    #[serde(default)]
    pub user_version: String,
    /// Copied from the draft.
    #[serde(default)]
    pub user_desc: String,
    /// The id commit takes.
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub template_id: u64,
    /// The source draft.
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub draft_id: u64,
    /// The 开发小程序.
    #[serde(default)]
    pub source_miniprogram_appid: String,
    /// Its name.
    #[serde(default)]
    pub source_miniprogram: String,
    /// The uploader.
    #[serde(default)]
    pub developer: String,
    /// 0 普通, 1 标准.
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub template_type: u64,
    /// Standard templates only, else empty.
    #[serde(default)]
    pub category_list: Vec<TemplateCategory>,
}
