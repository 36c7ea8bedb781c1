//! Permission sets (权限集) a third-party platform needs for fast registration, with WeChat's
//! funcscope category ids as they appear in `func_info[].funcscope_category.id`.
//!
//! The spec's 步骤一 requires five sets before fastregister may be called (帐号服务,
//! 小程序帐号管理, 小程序开发管理与数据分析, 小程序认证, 小程序基本信息设置); the sixth,
//! 快速注册小程序, is the one the Official Account grants to exactly one component (授权互斥).
//! The serde names are the ones our emulator's control API uses.
//!
//! Ids and where they come from:
//! - 3 帐号服务: WeChat's Official Account permission-set table
//!   (`/doc/oplatform/Third-party_Platforms/2.0/product/offical_account_authority.html`).
//! - 18, 30, 31: WeChat's Mini Program permission-set table (`…/product/miniprogram_authority.html`),
//!   which today names them 小程序开发与数据分析, 小程序基本信息管理, 小程序认证名称检测.
//! - 27 快速注册小程序: the new fastregister doc, "该接口所属的权限集 id 为：27"
//!   (`/doc/oplatform/openApi/register-management/fast-registration-officalaccount/…`).
//! - 17 小程序帐号管理: inferred. The official table now calls 17 获取小程序码; the older
//!   names "帐号管理权限（小程序）" come from developer-community lists of func_info ids. That 17
//!   is the spec's 小程序帐号管理权限 is our reading of those lists (uncertain).
//!
//! No id here is our own invention.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A permission set involved in fast registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PermissionSet {
    /// 帐号服务权限 (Official Account), id 3.
    AccountService,
    /// 小程序帐号管理权限, id 17 (see the module doc on how sure that is).
    MpAccountManagement,
    /// 小程序开发管理与数据分析权限, id 18. Mutually exclusive.
    MpDevelopment,
    /// 小程序认证权限, id 31.
    MpVerification,
    /// 小程序基本信息设置权限, id 30.
    MpBasicInfo,
    /// 快速注册小程序权限 (Official Account), id 27. Mutually exclusive.
    FastRegister,
}

/// The five sets the spec's 步骤一 requires of a component before it may call fastregister.
pub const REQUIRED_FOR_FAST_REGISTER: [PermissionSet; 5] = [
    PermissionSet::AccountService,
    PermissionSet::MpAccountManagement,
    PermissionSet::MpDevelopment,
    PermissionSet::MpVerification,
    PermissionSet::MpBasicInfo,
];

/// The three sets the text of error 61029 names (帐号服务, 小程序帐号管理, 小程序开发管理与数据
/// 分析): the ones WeChat is documented to check at fastregister time.
pub const CHECKED_BY_61029: [PermissionSet; 3] = [
    PermissionSet::AccountService,
    PermissionSet::MpAccountManagement,
    PermissionSet::MpDevelopment,
];

impl PermissionSet {
    /// Every set, in the order of the spec's list followed by fast_register.
    pub const ALL: [PermissionSet; 6] = [
        Self::AccountService,
        Self::MpAccountManagement,
        Self::MpDevelopment,
        Self::MpVerification,
        Self::MpBasicInfo,
        Self::FastRegister,
    ];

    /// The name used by serde and the emulator's control API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AccountService => "account_service",
            Self::MpAccountManagement => "mp_account_management",
            Self::MpDevelopment => "mp_development",
            Self::MpVerification => "mp_verification",
            Self::MpBasicInfo => "mp_basic_info",
            Self::FastRegister => "fast_register",
        }
    }

    /// WeChat's funcscope category id.
    pub fn funcscope_id(self) -> u32 {
        match self {
            Self::AccountService => 3,
            Self::MpAccountManagement => 17,
            Self::MpDevelopment => 18,
            Self::MpVerification => 31,
            Self::MpBasicInfo => 30,
            Self::FastRegister => 27,
        }
    }

    /// The set with this funcscope category id, if it is one of ours.
    pub fn from_funcscope_id(id: u32) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.funcscope_id() == id)
    }

    /// The Chinese name, as the spec writes it.
    pub fn chinese_name(self) -> &'static str {
        match self {
            Self::AccountService => "帐号服务权限",
            Self::MpAccountManagement => "小程序帐号管理权限",
            Self::MpDevelopment => "小程序开发管理与数据分析权限",
            Self::MpVerification => "小程序认证权限",
            Self::MpBasicInfo => "小程序基本信息设置权限",
            Self::FastRegister => "快速注册小程序权限",
        }
    }

    /// An English name (WeChat's English docs where they exist, else our translation).
    pub fn english_name(self) -> &'static str {
        match self {
            Self::AccountService => "Account service",
            Self::MpAccountManagement => "Mini Program account management",
            Self::MpDevelopment => "Mini Program development and data analysis",
            Self::MpVerification => "Mini Program verification",
            Self::MpBasicInfo => "Mini Program basic information",
            Self::FastRegister => "Fast registration of Mini Programs",
        }
    }

    /// Whether an account can grant this set to only one component at a time (权限集互斥):
    /// 18 per WeChat's table, 27 per the spec's 能力介绍.
    pub fn is_exclusive(self) -> bool {
        matches!(self, Self::MpDevelopment | Self::FastRegister)
    }
}

impl fmt::Display for PermissionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not one of [`PermissionSet::as_str`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "permission set {0:?} is unknown; use account_service, mp_account_management, mp_development, mp_verification, mp_basic_info or fast_register"
)]
pub struct UnknownPermissionSet(pub String);

impl FromStr for PermissionSet {
    type Err = UnknownPermissionSet;
    fn from_str(s: &str) -> Result<Self, UnknownPermissionSet> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| UnknownPermissionSet(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn funcscope_ids_round_trip_and_are_distinct() {
        for set in PermissionSet::ALL {
            assert_eq!(PermissionSet::from_funcscope_id(set.funcscope_id()), Some(set));
        }
        assert_eq!(PermissionSet::from_funcscope_id(1), None);
    }

    #[test]
    fn serde_names_match_as_str_and_from_str() {
        for set in PermissionSet::ALL {
            let json = serde_json::to_string(&set).unwrap();
            assert_eq!(json, format!("\"{}\"", set.as_str()));
            assert_eq!(serde_json::from_str::<PermissionSet>(&json).unwrap(), set);
            assert_eq!(set.as_str().parse::<PermissionSet>().unwrap(), set);
        }
        let err = "mp_basic".parse::<PermissionSet>().unwrap_err();
        assert!(err.to_string().contains("mp_basic_info"), "{err}");
    }

    #[test]
    fn fast_register_needs_the_five_sets_of_step_one_but_not_itself() {
        assert!(!REQUIRED_FOR_FAST_REGISTER.contains(&PermissionSet::FastRegister));
        let ids: Vec<u32> = REQUIRED_FOR_FAST_REGISTER.iter().map(|s| s.funcscope_id()).collect();
        assert_eq!(ids, [3, 17, 18, 31, 30]);
        assert!(CHECKED_BY_61029.iter().all(|s| REQUIRED_FOR_FAST_REGISTER.contains(s)));
    }
}
