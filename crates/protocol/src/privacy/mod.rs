//! The privacy guide (用户隐私保护指引, lifecycle spec §5), with the **Mini Program's** token on
//! `/cgi-bin/component/` paths: a development version (2), which takes effect when audited and
//! released, and a live version (1), copied from version 2 on release; version 1 without a live
//! guide is 86074.

mod get;
mod set;
mod upload_ext_file;

pub use get::*;
pub use set::*;
pub use upload_ext_file::*;

use serde::{Deserialize, Serialize};

/// `privacy_ver` 1: the live guide.
pub const PRIVACY_VER_LIVE: u64 = 1;
/// `privacy_ver` 2: the development guide (the default).
pub const PRIVACY_VER_DEV: u64 = 2;

/// `owner_setting`: who to contact and how users are told of changes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OwnerSetting {
    /// At least one of the four contacts.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub contact_email: String,
    /// Contact phone.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub contact_phone: String,
    /// Contact QQ.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub contact_qq: String,
    /// Contact WeChat id.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub contact_weixin: String,
    /// A custom guide file from uploadprivacyextfile.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ext_file_media_id: String,
    /// How users are told of changes (弹窗, 公告, …); required.
    #[serde(default)]
    pub notice_method: String,
    /// Retention, as number + 天 (`30天`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub store_expire_timestamp: String,
}

impl OwnerSetting {
    /// An owner reachable by e-mail, telling users by `notice_method`.
    pub fn new(contact_email: impl Into<String>, notice_method: impl Into<String>) -> Self {
        OwnerSetting {
            contact_email: contact_email.into(),
            notice_method: notice_method.into(),
            ..Default::default()
        }
    }
}

/// One entry of `setting_list`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PrivacySetting {
    /// `UserInfo`, `Location`, … (spec §5.4).
    pub privacy_key: String,
    /// The purpose shown to users.
    #[serde(default)]
    pub privacy_text: String,
    /// WeChat's display name of the key (answers only).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub privacy_label: String,
}

impl PrivacySetting {
    /// A key with its purpose.
    pub fn new(privacy_key: impl Into<String>, privacy_text: impl Into<String>) -> Self {
        PrivacySetting {
            privacy_key: privacy_key.into(),
            privacy_text: privacy_text.into(),
            privacy_label: String::new(),
        }
    }
}
