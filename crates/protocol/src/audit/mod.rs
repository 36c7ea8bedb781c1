//! Code audit (lifecycle spec §2.7–2.11), with the **Mini Program's** token: submit the trial
//! version, follow its audit (status enum below; the result is also pushed, see
//! [`crate::event::CodeAuditEvent`]), withdraw it, expedite it, and read the component's quota.

mod latest;
mod quota;
mod speedup;
mod status;
mod submit;
mod undo;

pub use latest::*;
pub use quota::*;
pub use speedup::*;
pub use status::*;
pub use submit::*;
pub use undo::*;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The status of a code audit (both status queries).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CodeAuditStatus {
    /// 0 审核成功.
    Approved,
    /// 1 审核被拒绝.
    Rejected,
    /// 2 审核中.
    Auditing,
    /// 3 已撤回.
    Withdrawn,
    /// 4 审核延后.
    Delayed,
    /// A value WeChat may add later, kept as sent.
    Other(u64),
}

impl CodeAuditStatus {
    /// The wire value.
    pub fn code(self) -> u64 {
        match self {
            Self::Approved => 0,
            Self::Rejected => 1,
            Self::Auditing => 2,
            Self::Withdrawn => 3,
            Self::Delayed => 4,
            Self::Other(n) => n,
        }
    }

    /// The status of a wire value.
    pub fn from_code(code: u64) -> Self {
        match code {
            0 => Self::Approved,
            1 => Self::Rejected,
            2 => Self::Auditing,
            3 => Self::Withdrawn,
            4 => Self::Delayed,
            n => Self::Other(n),
        }
    }

    /// Still waiting for a decision (auditing or delayed).
    pub fn is_open(self) -> bool {
        matches!(self, Self::Auditing | Self::Delayed)
    }
}

impl Serialize for CodeAuditStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.code())
    }
}

impl<'de> Deserialize<'de> for CodeAuditStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::wire::flex_u64::deserialize(d).map(Self::from_code)
    }
}
