//! Task statuses as enums, each number with its meaning in the catalog
//! ([`crate::catalog::task_status`]). A number WeChat may add later is kept as `Other(n)`, so a
//! push or answer with a status we do not know still parses.

use crate::catalog::task_status::{StatusEntry, StatusTable, lookup_status};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! status_enum {
    ($(#[$doc:meta])* $name:ident, $table:expr, { $($(#[$vdoc:meta])* $variant:ident = $code:literal,)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
            /// A number the catalog does not know, kept as sent.
            Other(i64),
        }

        impl $name {
            /// The status for a wire number.
            pub fn from_code(code: i64) -> Self {
                match code {
                    $($code => Self::$variant,)*
                    n => Self::Other(n),
                }
            }

            /// The wire number.
            pub fn code(self) -> i64 {
                match self {
                    $(Self::$variant => $code,)*
                    Self::Other(n) => n,
                }
            }

            /// Its meaning and remedy in the catalog, if known.
            pub fn entry(self) -> Option<&'static StatusEntry> {
                lookup_status($table, self.code())
            }

            /// Whether the task has ended (unknown numbers count as ended: nothing we know
            /// follows them).
            pub fn is_final(self) -> bool {
                self.entry().is_none_or(|e| e.done)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_i64(self.code())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                crate::wire::flex_i64::deserialize(d).map(Self::from_code)
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::from_code(0)
            }
        }
    };
}

status_enum!(
    /// `status` of a fastregisterenterpriseweapp / fastregisterpersonalweapp answer (create and
    /// query), and of the personal route's push ([`StatusTable::Task`]).
    TaskStatus, StatusTable::Task, {
        /// 0 生成任务.
        Created = 0,
        /// 1 任务超时 (24 h).
        TimedOut = 1,
        /// 2 任务已经被用户拒绝.
        Declined = 2,
        /// 3 用户同意创建.
        Agreed = 3,
        /// 4 已经发起人脸流程.
        FaceStarted = 4,
        /// 5 人脸认证失败.
        FaceFailed = 5,
        /// 6 人脸认证ok.
        FaceOk = 6,
        /// 7 已经提交手机号码下发验证码.
        PhoneCodeSent = 7,
        /// 8 手机验证失败.
        PhoneFailed = 8,
        /// 9 手机验证成功.
        PhoneOk = 9,
        /// 10 提交了创建.
        Submitted = 10,
        /// 11 创建失败.
        CreateFailed = 11,
        /// 12 创建成功.
        MiniProgramCreated = 12,
        /// 13 验证成功 / 企业信息验证通过.
        Verified = 13,
        /// 14 验证失败 / 企业信息验证不通过.
        VerifyFailed = 14,
        /// 1001 主体创建小程序数量达到上限.
        SubjectCap = 1001,
        /// 1002 主体违规命中黑名单.
        SubjectBlacklisted = 1002,
        /// 1003 管理员绑定账号数量达到上限.
        AdminCap = 1003,
        /// 1004 管理员违规命中黑名单.
        AdminBlacklisted = 1004,
        /// 1005 管理员手机绑定账号数量达到上限.
        PhoneCap = 1005,
        /// 1006 管理员手机号违规命中黑名单.
        PhoneBlacklisted = 1006,
        /// 1007 管理员身份证创建账号数量达到上限.
        IdCardCap = 1007,
        /// 1008 管理员身份证违规命中黑名单.
        IdCardBlacklisted = 1008,
    }
);

status_enum!(
    /// `status` of the enterprise `notify_third_fasteregister` push, and of
    /// `notify_third_fastverifybetaapp` ([`StatusTable::RegisterPush`]).
    RegisterPushStatus, StatusTable::RegisterPush, {
        /// -1 企业与法人姓名不一致 (real msg `open verity failed`).
        LegalPersonMismatch = -1,
        /// 0 success.
        Success = 0,
        /// 2 declined (the emulator's number; WeChat documents none).
        Declined = 2,
        /// 8 phone verification failed (the emulator's number; WeChat documents none).
        PhoneFailed = 8,
        /// 101 企业已注销.
        EnterpriseCancelled = 101,
        /// 102 企业不存在或企业信息未更新.
        EnterpriseNotFound = 102,
        /// 103 企业法定代表人姓名不一致.
        LegalNameMismatch = 103,
        /// 104 企业法定代表人身份证号码不一致.
        LegalIdCardMismatch = 104,
        /// 105 法定代表人身份证号码工商数据未更新.
        LegalIdCardNotUpdated = 105,
        /// 1000 企业信息或法定代表人信息不一致.
        RegistryMismatch = 1000,
        /// 1001 主体创建小程序数量达到上限.
        SubjectCap = 1001,
        /// 1002 主体违规命中黑名单.
        SubjectBlacklisted = 1002,
        /// 1003 管理员绑定账号数量达到上限.
        AdminCap = 1003,
        /// 1004 管理员违规命中黑名单.
        AdminBlacklisted = 1004,
        /// 1005 管理员手机绑定账号数量达到上限.
        PhoneCap = 1005,
        /// 1006 管理员手机号违规命中黑名单.
        PhoneBlacklisted = 1006,
        /// 1007 管理员身份证创建账号数量达到上限.
        IdCardCap = 1007,
        /// 1008 管理员身份证违规命中黑名单.
        IdCardBlacklisted = 1008,
        /// 100001 超时（24h），未进行身份证校验.
        TimeoutBeforeIdCheck = 100001,
        /// 100002 超时（24h），未进行人脸识别校验.
        TimeoutBeforeFaceCheck = 100002,
        /// 100003 超时（24h）.
        TimedOut = 100003,
    }
);

status_enum!(
    /// `status` of `notify_third_fastregisterbetaapp` ([`StatusTable::TrialPush`]).
    TrialPushStatus, StatusTable::TrialPush, {
        /// 0 created.
        Success = 0,
        /// 2 declined (the emulator's number; WeChat documents none).
        Declined = 2,
        /// 3 overdue unconfirmed.
        Overdue = 3,
        /// 1003 the admin reached 5 Mini Programs.
        AdminCap = 1003,
        /// 1004 the admin is blacklisted.
        AdminBlacklisted = 1004,
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_and_unknown_numbers_are_kept() {
        for n in [0, 1, 12, 14, 1001, 1008] {
            assert_eq!(TaskStatus::from_code(n).code(), n);
            assert!(TaskStatus::from_code(n).entry().is_some(), "{n}");
        }
        assert_eq!(TaskStatus::from_code(77), TaskStatus::Other(77));
        assert!(!TaskStatus::Created.is_final());
        assert!(TaskStatus::MiniProgramCreated.is_final());
        let s: RegisterPushStatus = serde_json::from_str("\"100003\"").unwrap();
        assert_eq!(s, RegisterPushStatus::TimedOut);
        assert_eq!(
            serde_json::to_string(&RegisterPushStatus::LegalPersonMismatch).unwrap(),
            "-1"
        );
        assert!(TrialPushStatus::Overdue.entry().unwrap().zh.contains("超时"));
    }
}
