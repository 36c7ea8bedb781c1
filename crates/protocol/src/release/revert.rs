//! GET /wxa/revertcoderelease — lifecycle spec §2.14: rolls the live version back to the previous
//! one (or `app_version`); with `action=get_history_version` it only lists the (at most 5) versions
//! that can be gone back to. 87011 while a gray release runs, 87012 when the version cannot be
//! rolled back (none before it; a rolled-back version).

use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Roll back, or list the versions to roll back to.
    RevertCodeRelease {
        name: "revertcoderelease",
        method: Get,
        path: "/wxa/revertcoderelease",
        token: Authorizer,
        body: crate::endpoint::Body::None,
        retry: NotIdempotent,
        request: RevertCodeReleaseQuery,
        response: RevertCodeReleaseResponse,
    }
}

/// Query of revertcoderelease.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RevertCodeReleaseQuery {
    /// `get_history_version` to list only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The version to go back to; absent: the previous one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_version: Option<String>,
}

impl RevertCodeReleaseQuery {
    /// Back to the previous version.
    pub fn previous() -> Self {
        Self::default()
    }

    /// Back to `app_version`.
    pub fn to_version(app_version: u64) -> Self {
        RevertCodeReleaseQuery {
            action: None,
            app_version: Some(app_version.to_string()),
        }
    }

    /// List the versions only.
    pub fn history() -> Self {
        RevertCodeReleaseQuery {
            action: Some("get_history_version".into()),
            app_version: None,
        }
    }
}

/// Response of revertcoderelease (`version_list` only when listing).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RevertCodeReleaseResponse {
    /// The versions that can be gone back to, newest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub version_list: Vec<HistoryVersion>,
}

/// One version of the history.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HistoryVersion {
    /// The number `app_version` takes.
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub app_version: u64,
    /// Its `user_version`.
    #[serde(default)]
    pub user_version: String,
    /// Its `user_desc`.
    #[serde(default)]
    pub user_desc: String,
    /// When it was committed.
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub commit_time: u64,
}

impl HistoryVersion {
    /// A version of the history.
    pub fn new(
        app_version: u64,
        user_version: impl Into<String>,
        user_desc: impl Into<String>,
        commit_time: u64,
    ) -> Self {
        HistoryVersion {
            app_version,
            user_version: user_version.into(),
            user_desc: user_desc.into(),
            commit_time,
        }
    }
}
