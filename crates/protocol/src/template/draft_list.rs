//! GET /wxa/gettemplatedraftlist — lifecycle spec §1.2: the component's draft box (草稿箱), one
//! draft per 开发小程序, replaced by its next upload.

use crate::endpoint::Empty;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// List the drafts uploaded by the component's development Mini Programs.
    GetTemplateDraftList {
        name: "gettemplatedraftlist",
        method: Get,
        path: "/wxa/gettemplatedraftlist",
        token: Component,
        body: crate::endpoint::Body::None,
        retry: Idempotent,
        request: Empty,
        response: GetTemplateDraftListResponse,
    }
}

/// Response of gettemplatedraftlist.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetTemplateDraftListResponse {
    /// The drafts.
    #[serde(default)]
    pub draft_list: Vec<Draft>,
}

/// One draft (the old doc lists the first four fields; real answers carry all of them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Draft {
    /// Upload time, unix seconds.
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub create_time: u64,
    /// Version string given at upload.
    #[serde(default)]
    pub user_version: String,
    /// Description given at upload.
    #[serde(default)]
    pub user_desc: String,
    /// The id addtotemplate takes.
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub draft_id: u64,
    /// The 开发小程序 that uploaded it.
    #[serde(default)]
    pub source_miniprogram_appid: String,
    /// Its name.
    #[serde(default)]
    pub source_miniprogram: String,
    /// The uploader's nickname.
    #[serde(default)]
    pub developer: String,
}
