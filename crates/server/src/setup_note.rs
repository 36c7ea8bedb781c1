//! What a setup step notes for the operator ("decided by the wxa_nickname_audit push", "the
//! lost answer was applied", …), stored as a code with its parameters so that each reader gets
//! it in their language: the console renders [`SetupNote::zh`] or [`SetupNote::en`], the
//! history and the logs keep the English.
//!
//! Notes stored before they had codes are plain strings; they read back as [`SetupNote::Text`]
//! and show as they are.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What happened, one code per kind of note.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteCode {
    /// The Mini Program has the planned name already.
    AlreadyNamed,
    /// setnickname's answer was lost (`error`); an audit may be open.
    NicknameLostAuditUnknown,
    /// WeChat's own wording (`text`), shown as WeChat wrote it.
    WechatWording,
    /// setnickname's answer was lost, but WeChat shows the name.
    NicknameLostShown,
    /// The service stopped while setnickname was in flight.
    NicknameStoppedInFlight,
    /// setnickname's answer was lost, but WeChat counted the rename.
    NicknameLostCounted,
    /// setnickname's answer was lost without a trace; sent once more.
    NicknameResentNoTrace,
    /// Sent once more, setnickname was refused with 91003: the lost call opened the audit.
    NicknameResentAuditOpen,
    /// The name audit was decided by the `wxa_nickname_audit` push.
    AuditDecidedByPush,
    /// modifyheadimage's answer was lost, but WeChat applied it (`before` → `after`).
    HeadImageLostApplied,
    /// modifysignature's answer was lost, but WeChat shows the new signature.
    SignatureLostApplied,
    /// `call`'s answer was lost, but getcategory shows it (`before` → `after` changes).
    CategoriesLostApplied,
    /// `call`'s answer was lost and WeChat showed no change after `secs`: sent once more.
    LostNotApplied,
    /// Category `category` is to be resubmitted with new qualifications.
    CategoryResubmitted,
    /// Category `category` was resubmitted (modifycategory); its audit is followed again.
    CategoryResubmittedFollowed,
    /// Category `category` was deleted.
    CategoryDeleted,
    /// Category `category` was deleted and none is left in the plan.
    CategoryDeletedNoneLeft,
}

impl NoteCode {
    /// The note's words, Chinese then English, with `{name}` where a parameter goes.
    fn words(self) -> (&'static str, &'static str) {
        use NoteCode::*;
        match self {
            AlreadyNamed => ("小程序已经是这个名称。", "The Mini Program already has this name."),
            NicknameLostAuditUnknown => (
                "setnickname 的答复丢失了（{error}）；微信可能已经开了一个审核单，但单号未知：将通过 wxa_nickname_audit 推送和 getaccountbasicinfo 显示的名称跟进；除非能确认微信没有执行，否则不会再次提交 setnickname。",
                "setnickname's answer was lost ({error}); WeChat may have opened an audit whose id is unknown: it is followed by the wxa_nickname_audit push for this name and by the name getaccountbasicinfo shows; setnickname is not sent again unless WeChat provably did not apply it.",
            ),
            WechatWording => ("{text}", "{text}"),
            NicknameLostShown => (
                "setnickname 的答复丢失了，但微信已显示这个名称：已经生效。",
                "setnickname's answer was lost, but WeChat shows the name: it was applied.",
            ),
            NicknameStoppedInFlight => (
                "提交 setnickname 时服务停止了；名称将通过 wxa_nickname_audit 推送和 getaccountbasicinfo 跟进（除非能确认微信没有执行，否则不会再次提交）。",
                "The service stopped while setnickname was in flight; the name is followed by the wxa_nickname_audit push and getaccountbasicinfo (setnickname is not sent again unless WeChat provably did not apply it).",
            ),
            NicknameLostCounted => (
                "setnickname 的答复丢失了，但微信已计入这次改名（nickname_info）：审核进行中，结果会通过推送或 getaccountbasicinfo 得知。",
                "setnickname's answer was lost, but WeChat counted the rename (nickname_info): an audit is open; its result comes by push or shows in getaccountbasicinfo.",
            ),
            NicknameResentNoTrace => (
                "setnickname 的结果未知（答复丢失或微信答复 -1），微信上没有它的痕迹，说明没有执行：已再次提交。",
                "setnickname's outcome was unknown (the answer was lost, or WeChat answered -1) and WeChat showed no trace of it, so it was not applied: sent again.",
            ),
            NicknameResentAuditOpen => (
                "setnickname 的结果未知；再次提交时微信以 91003 拒绝（审核进行中不能再改名），说明之前那次已经开了审核单：结果会通过 wxa_nickname_audit 推送或 getaccountbasicinfo 得知。",
                "setnickname's outcome was unknown; sent again, WeChat refused a second name while an audit is open (91003), so the earlier call opened it: its result comes by the wxa_nickname_audit push or shows in getaccountbasicinfo.",
            ),
            AuditDecidedByPush => (
                "审核结果由微信的 wxa_nickname_audit 推送告知。",
                "decided by the wxa_nickname_audit push",
            ),
            HeadImageLostApplied => (
                "modifyheadimage 的答复丢失了，但微信已经执行（本月修改次数：{before} → {after}）。",
                "modifyheadimage's answer was lost, but WeChat applied it (changes this month: {before} → {after}).",
            ),
            SignatureLostApplied => (
                "modifysignature 的答复丢失了，但微信已显示新的简介：已经生效。",
                "modifysignature's answer was lost, but WeChat shows the new signature: it was applied.",
            ),
            CategoriesLostApplied => (
                "{call} 的答复丢失了，但微信已经执行（getcategory 可见；本期修改次数：{before} → {after}）。",
                "{call}'s answer was lost, but WeChat applied it (getcategory shows it; changes this period: {before} → {after}).",
            ),
            LostNotApplied => (
                "{call}：{what}；宽限期过后微信上仍没有变化，说明没有执行：已再次提交（第 {send} 次，最多 {max} 次）。",
                "{call}: {what}, and WeChat showed no change after the grace period, so it was not applied: sent again (send {send} of at most {max}).",
            ),
            CategoryResubmitted => (
                "类目 {category} 将带着新的资质重新提交。",
                "Category {category} is resubmitted with new qualifications.",
            ),
            CategoryResubmittedFollowed => (
                "类目 {category} 已带着新的资质重新提交（modifycategory），继续跟进它的审核。",
                "Category {category} was resubmitted with new qualifications (modifycategory); its audit is followed again.",
            ),
            CategoryDeleted => (
                "类目 {category} 已删除（deletecategory）。",
                "Category {category} was deleted (deletecategory).",
            ),
            CategoryDeletedNoneLeft => (
                "类目 {category} 已删除（deletecategory）；计划中已没有类目。",
                "Category {category} was deleted (deletecategory); no category is left in the plan.",
            ),
        }
    }
}

/// A step's note: a code and its parameters, or the text of a note stored before codes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SetupNote {
    /// A note with a code.
    Coded {
        /// What happened.
        code: NoteCode,
        /// The values the words name (`{error}`, `{category}`, …).
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        params: BTreeMap<String, String>,
    },
    /// A note stored as text (before notes had codes).
    Text(String),
}

impl SetupNote {
    /// A note without parameters.
    pub fn new(code: NoteCode) -> Self {
        SetupNote::Coded {
            code,
            params: BTreeMap::new(),
        }
    }

    /// The note with parameter `name` set to `value`.
    pub fn with(mut self, name: &str, value: impl ToString) -> Self {
        if let SetupNote::Coded { params, .. } = &mut self {
            params.insert(name.to_owned(), value.to_string());
        }
        self
    }

    /// In Chinese.
    pub fn zh(&self) -> String {
        self.render(|(zh, _)| zh)
    }

    /// In English (also what the history and the logs keep).
    pub fn en(&self) -> String {
        self.render(|(_, en)| en)
    }

    /// WeChat's own words, if that is what the note is.
    pub fn wechat_wording(&self) -> Option<&str> {
        match self {
            SetupNote::Coded {
                code: NoteCode::WechatWording,
                params,
            } => params.get("text").map(String::as_str),
            _ => None,
        }
    }

    fn render(&self, pick: impl Fn((&'static str, &'static str)) -> &'static str) -> String {
        match self {
            SetupNote::Text(text) => text.clone(),
            SetupNote::Coded { code, params } => {
                let mut out = pick(code.words()).to_owned();
                for (name, value) in params {
                    out = out.replace(&format!("{{{name}}}"), value);
                }
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_coded_note_reads_in_both_languages_with_its_parameters() {
        let note = SetupNote::new(NoteCode::CategoryDeleted).with("category", "1/2");
        assert_eq!(note.en(), "Category 1/2 was deleted (deletecategory).");
        assert_eq!(note.zh(), "类目 1/2 已删除（deletecategory）。");
        let json = serde_json::to_string(&note).unwrap();
        assert_eq!(json, r#"{"code":"category_deleted","params":{"category":"1/2"}}"#);
        assert_eq!(serde_json::from_str::<SetupNote>(&json).unwrap(), note);
    }

    #[test]
    fn a_note_stored_as_text_still_reads() {
        let note: SetupNote = serde_json::from_str(r#""decided by the wxa_nickname_audit push""#).unwrap();
        assert_eq!(note.zh(), "decided by the wxa_nickname_audit push");
    }

    #[test]
    fn every_chinese_note_is_chinese() {
        use NoteCode::*;
        for code in [
            AlreadyNamed,
            NicknameLostAuditUnknown,
            NicknameLostShown,
            NicknameStoppedInFlight,
            NicknameLostCounted,
            NicknameResentNoTrace,
            NicknameResentAuditOpen,
            AuditDecidedByPush,
            HeadImageLostApplied,
            SignatureLostApplied,
            CategoriesLostApplied,
            LostNotApplied,
            CategoryResubmitted,
            CategoryResubmittedFollowed,
            CategoryDeleted,
            CategoryDeletedNoneLeft,
        ] {
            let (zh, en) = code.words();
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{code:?}: {zh}"
            );
            assert_ne!(zh, en);
        }
    }
}
