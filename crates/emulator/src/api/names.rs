//! The name rules shared by checkwxverifynickname (spec §3.1, 53010–53019) and setnickname
//! (§3.2, 91004–91008): one judgement, two code tables.
//!
//! Names known to the emulator are the nicknames of its accounts and the scenario's
//! `rules.existing_names`; a subject may always reuse its own names.

use crate::scenario::NameKind;
use crate::world::{Account, World};

/// What the rules say of a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Breaks the format rules (length, control characters, 小程序).
    Format(String),
    /// Contains a forbidden word.
    Forbidden(String),
    /// Equals a WeChat id.
    WechatId,
    /// In another name's protection period.
    Protected,
    /// Equals another subject's Mini Program name.
    TakenByMiniProgram,
    /// Equals another subject's Official Account name.
    TakenByOfficialAccount,
    /// Equals the names of several Official Accounts.
    TakenByManyOfficialAccounts,
    /// Another subject's Mini Program is named this plus more ({名称 A+}).
    PrefixOfMiniProgram,
    /// Another subject's Official Account is named this plus more.
    PrefixOfOfficialAccount,
    /// Usable; `keyword` when it hits the keyword policy (materials advised).
    Usable {
        /// Hit the keyword policy.
        keyword: bool,
    },
}

impl Verdict {
    /// checkwxverifynickname's errcode (0 when usable).
    pub fn check_code(&self) -> i64 {
        match self {
            Verdict::Format(_) => 53010,
            Verdict::Forbidden(_) => 53012,
            Verdict::TakenByMiniProgram => 53013,
            Verdict::PrefixOfMiniProgram => 53014,
            Verdict::TakenByOfficialAccount => 53015,
            Verdict::TakenByManyOfficialAccounts => 53016,
            Verdict::PrefixOfOfficialAccount => 53017,
            Verdict::WechatId => 53018,
            Verdict::Protected => 53019,
            Verdict::Usable { .. } => 0,
        }
    }

    /// setnickname's errcode (0 when usable).
    pub fn set_code(&self) -> i64 {
        match self {
            Verdict::Format(_) | Verdict::Forbidden(_) => 91004,
            Verdict::PrefixOfMiniProgram | Verdict::PrefixOfOfficialAccount => 91005,
            Verdict::WechatId => 91006,
            Verdict::TakenByMiniProgram | Verdict::TakenByOfficialAccount | Verdict::TakenByManyOfficialAccounts => {
                91007
            }
            Verdict::Protected => 91008,
            Verdict::Usable { .. } => 0,
        }
    }

    /// A short English explanation for errmsg.
    pub fn reason(&self) -> String {
        match self {
            Verdict::Format(why) => format!("nickname format invalid: {why}"),
            Verdict::Forbidden(word) => format!("nickname contains the forbidden word {word:?}"),
            Verdict::WechatId => "nickname equals a WeChat id".into(),
            Verdict::Protected => "nickname is in its protection period".into(),
            Verdict::TakenByMiniProgram => "nickname is taken by another subject's Mini Program".into(),
            Verdict::TakenByOfficialAccount => "nickname is taken by another subject's Official Account".into(),
            Verdict::TakenByManyOfficialAccounts => "nickname is taken by several Official Accounts".into(),
            Verdict::PrefixOfMiniProgram => {
                "another subject's Mini Program is named this plus more; only that subject may use it".into()
            }
            Verdict::PrefixOfOfficialAccount => {
                "another subject's Official Account is named this plus more; only that subject may use it".into()
            }
            Verdict::Usable { .. } => "ok".into(),
        }
    }
}

/// Judges `name` for `account` at virtual time `now`.
pub fn judge(w: &World, account: &Account, name: &str, now: i64) -> Verdict {
    if let Err(e) = fastreg_protocol::rules::check_nickname(name) {
        return Verdict::Format(e.to_string());
    }
    if let Some(word) = w
        .rules
        .forbidden_nickname_words
        .iter()
        .find(|f| name.contains(f.as_str()))
    {
        return Verdict::Forbidden(word.clone());
    }
    if w.rules.wechat_ids.iter().any(|id| id == name) {
        return Verdict::WechatId;
    }
    let own = account.principal_name.as_str();
    if w.rules
        .existing_names
        .iter()
        .any(|n| n.name == name && n.principal_name != own && n.protected_until.is_some_and(|t| t > now))
    {
        return Verdict::Protected;
    }
    // (name, kind, subject) of every other account's name.
    let mut names: Vec<(&str, NameKind, &str)> = w
        .accounts
        .values()
        .filter(|a| a.appid != account.appid && !a.nickname.is_empty())
        .map(|a| {
            let kind = if a.is_mini_program() {
                NameKind::MiniProgram
            } else {
                NameKind::OfficialAccount
            };
            (a.nickname.as_str(), kind, a.principal_name.as_str())
        })
        .collect();
    names.extend(
        w.rules
            .existing_names
            .iter()
            .filter(|n| n.protected_until.is_none_or(|t| t <= now))
            .map(|n| (n.name.as_str(), n.kind, n.principal_name.as_str())),
    );
    let others: Vec<&(&str, NameKind, &str)> = names.iter().filter(|(_, _, p)| *p != own).collect();
    if others.iter().any(|(n, k, _)| *n == name && *k == NameKind::MiniProgram) {
        return Verdict::TakenByMiniProgram;
    }
    let oa_same = others
        .iter()
        .filter(|(n, k, _)| *n == name && *k == NameKind::OfficialAccount)
        .count();
    if oa_same > 1 {
        return Verdict::TakenByManyOfficialAccounts;
    }
    if oa_same == 1 {
        return Verdict::TakenByOfficialAccount;
    }
    let longer = |kind: NameKind| {
        others
            .iter()
            .any(|(n, k, _)| *k == kind && n.len() > name.len() && n.starts_with(name))
    };
    if longer(NameKind::MiniProgram) {
        return Verdict::PrefixOfMiniProgram;
    }
    if longer(NameKind::OfficialAccount) {
        return Verdict::PrefixOfOfficialAccount;
    }
    Verdict::Usable {
        keyword: w.rules.keyword_nickname_words.iter().any(|k| name.contains(k.as_str())),
    }
}

/// setnickname's 91015: a name styled as an organization (ending in 公司, 有限公司, 集团) that
/// is not part of the account's own subject name.
pub fn claims_another_subject(account: &Account, name: &str) -> bool {
    ["有限公司", "公司", "集团"].iter().any(|suffix| name.ends_with(suffix)) && !account.principal_name.contains(name)
}
