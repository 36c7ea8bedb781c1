//! Task statuses of the registration routes (`registration-routes.md` §1.2, §1.3, §2.2, §3.2,
//! §3.3), with their meaning in Chinese and English and what the operator should do.
//!
//! Their numbers overlap error codes (`-1`, `101`, …) and each other (`2` is a refusal in the
//! task table, `3` a timeout in the trial push), so they are kept apart from [`super::lookup`]
//! and looked up by [`StatusTable`]: the query answer's `status`, the `notify_third_fasteregister`
//! push's `status`, or the trial pushes' `status`. Entries the notes do not document but the
//! emulator sends (a declined confirmation) say so in their English text.

/// Which list a status number belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusTable {
    /// `status` of fastregisterenterpriseweapp / fastregisterpersonalweapp answers (create and
    /// query), and of the personal route's push (the notes give it no table of its own).
    Task,
    /// `status` of `notify_third_fasteregister` for enterprises, and of
    /// `notify_third_fastverifybetaapp` (the notes give the verify push no table of its own).
    RegisterPush,
    /// `status` of `notify_third_fastregisterbetaapp`.
    TrialPush,
}

/// One status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct StatusEntry {
    /// The number on the wire.
    pub code: i64,
    /// The meaning in Chinese.
    pub zh: &'static str,
    /// The meaning in English.
    pub en: &'static str,
    /// Whether the task has ended (no later status follows).
    pub done: bool,
    /// What the operator should do, in Chinese.
    pub remedy_zh: &'static str,
    /// What the operator should do, in English.
    pub remedy_en: &'static str,
}

const fn st(
    code: i64,
    done: bool,
    zh: &'static str,
    en: &'static str,
    remedy_zh: &'static str,
    remedy_en: &'static str,
) -> StatusEntry {
    StatusEntry {
        code,
        zh,
        en,
        done,
        remedy_zh,
        remedy_en,
    }
}

const WAIT_ZH: &str = "无需操作，等待用户继续完成流程。";
const WAIT_EN: &str = "Nothing to do: wait for the user to go on.";
const RESTART_ZH: &str = "重新发起注册，把新的链接发给用户并提醒其 24 小时内完成。";
const RESTART_EN: &str =
    "Start the registration again, send the user the new link and remind them to finish within 24 h.";
const DONE_ZH: &str = "用推送中的 auth_code 调用 api_query_auth 换取授权。";
const DONE_EN: &str = "Exchange the pushed auth_code through api_query_auth.";

/// Account caps and blacklists, the same numbers in every table.
static CAPS: &[StatusEntry] = &[
    st(
        1001,
        true,
        "主体创建小程序数量达到上限",
        "the subject reached its Mini Program cap",
        "该主体无法再注册小程序；请用户注销不用的小程序或更换主体。",
        "The subject cannot register more; ask the user to close unused Mini Programs or use another subject.",
    ),
    st(
        1002,
        true,
        "主体违规命中黑名单",
        "the subject is blacklisted",
        "该主体无法注册，请用户联系微信客服申诉。",
        "The subject cannot register; the user must appeal to WeChat support.",
    ),
    st(
        1003,
        true,
        "管理员绑定账号数量达到上限",
        "the admin reached the number of accounts it may bind (5 per WeChat user)",
        "请用户解绑不用的账号或换一个管理员微信号。",
        "Ask the user to unbind unused accounts or use another admin WeChat id.",
    ),
    st(
        1004,
        true,
        "管理员违规命中黑名单",
        "the admin is blacklisted",
        "换一个未被处罚的管理员后重新发起。",
        "Start again with an admin who is not blacklisted.",
    ),
    st(
        1005,
        true,
        "管理员手机绑定账号数量达到上限",
        "the admin's phone number reached its account cap",
        "换一个绑定账号较少的手机号后重新发起。",
        "Start again with a phone number bound to fewer accounts.",
    ),
    st(
        1006,
        true,
        "管理员手机号违规命中黑名单",
        "the admin's phone number is blacklisted",
        "换一个手机号后重新发起。",
        "Start again with another phone number.",
    ),
    st(
        1007,
        true,
        "管理员身份证创建账号数量达到上限",
        "the admin's ID card reached its account cap",
        "换一个管理员（身份证）后重新发起。",
        "Start again with another admin (ID card).",
    ),
    st(
        1008,
        true,
        "管理员身份证违规命中黑名单",
        "the admin's ID card is blacklisted",
        "换一个管理员（身份证）后重新发起。",
        "Start again with another admin (ID card).",
    ),
];

/// The task table (personal API page, authoritative per WeChat staff; enterprise uses it too,
/// with 13/14 meaning the enterprise check).
static TASK: &[StatusEntry] = &[
    st(
        0,
        false,
        "生成任务",
        "task created, waiting for the user to open the link",
        WAIT_ZH,
        WAIT_EN,
    ),
    st(
        1,
        true,
        "任务超时",
        "task timed out (24 h without confirmation)",
        RESTART_ZH,
        RESTART_EN,
    ),
    st(
        2,
        true,
        "任务已经被用户拒绝",
        "the user declined the task",
        "与用户确认意愿后重新发起。",
        "Check with the user, then start again if they want to.",
    ),
    st(3, false, "用户同意创建", "the user agreed", WAIT_ZH, WAIT_EN),
    st(4, false, "已经发起人脸流程", "face check started", WAIT_ZH, WAIT_EN),
    st(
        5,
        true,
        "人脸认证失败",
        "face check failed",
        "请本人在光线充足处重新完成人脸识别（重新发起任务）。",
        "Start again and have the person themself redo the face check in good light.",
    ),
    st(6, false, "人脸认证ok", "face check passed", WAIT_ZH, WAIT_EN),
    st(
        7,
        false,
        "人脸认证后，已经提交手机号码下发验证码",
        "phone number submitted, code sent",
        WAIT_ZH,
        WAIT_EN,
    ),
    st(
        8,
        true,
        "手机验证失败",
        "phone verification failed",
        RESTART_ZH,
        RESTART_EN,
    ),
    st(9, false, "手机验证成功", "phone verified", WAIT_ZH, WAIT_EN),
    st(
        10,
        false,
        "手机号验证成功后，提交了创建",
        "creation submitted",
        WAIT_ZH,
        WAIT_EN,
    ),
    st(11, true, "创建失败", "creation failed", RESTART_ZH, RESTART_EN),
    st(12, true, "创建成功", "Mini Program created", DONE_ZH, DONE_EN),
    st(
        13,
        true,
        "验证成功（企业：企业信息验证通过）",
        "verified (enterprise: enterprise information verified)",
        DONE_ZH,
        DONE_EN,
    ),
    st(
        14,
        true,
        "验证失败（企业：企业信息验证不通过）",
        "verification failed (enterprise: enterprise information did not verify)",
        "按营业执照核对企业名称、信用代码与法人信息后重新发起。",
        "Check the name, credit code and legal person against the licence, then start again.",
    ),
];

/// `notify_third_fasteregister` (enterprise) and, by the emulator's choice, the verify push.
static REGISTER_PUSH: &[StatusEntry] = &[
    st(
        -1,
        true,
        "企业与法人姓名不一致",
        "the enterprise and legal person's name do not match (real msg: open verity failed)",
        "核对法人姓名与企业信息后重新发起。",
        "Check the legal person's name against the enterprise, then start again.",
    ),
    st(0, true, "成功", "success", DONE_ZH, DONE_EN),
    st(
        2,
        true,
        "任务已经被用户拒绝（模拟器取值：文档未给出拒绝的推送状态）",
        "the user declined (the emulator's number, borrowed from the task table: WeChat documents none)",
        "与用户确认意愿后重新发起。",
        "Check with the user, then start again if they want to.",
    ),
    st(
        8,
        true,
        "手机验证失败（模拟器取值：文档未给出）",
        "phone verification failed (the emulator's number, borrowed from the task table: WeChat documents none)",
        "重新发起，提醒用户填写发到其手机的验证码。",
        "Start again and remind the user to enter the code sent to their phone.",
    ),
    st(
        101,
        true,
        "工商数据返回：“企业已注销”",
        "business registry: the enterprise is cancelled",
        "非在营企业无法注册，请确认主体。",
        "A cancelled enterprise cannot register; check the subject.",
    ),
    st(
        102,
        true,
        "工商数据返回：“企业不存在或企业信息未更新”",
        "business registry: no such enterprise, or not updated yet",
        "核对企业名称与信用代码；新设企业请等工商数据更新后再试。",
        "Check the name and credit code; a new enterprise must wait for the registry to update.",
    ),
    st(
        103,
        true,
        "工商数据返回：“企业法定代表人姓名不一致”",
        "business registry: the legal representative's name does not match",
        "由营业执照上的法定代表人本人完成确认。",
        "Have the legal representative on the licence confirm in person.",
    ),
    st(
        104,
        true,
        "工商数据返回：“企业法定代表人身份证号码不一致”",
        "business registry: the legal representative's ID number does not match",
        "由营业执照上的法定代表人本人完成确认。",
        "Have the legal representative on the licence confirm in person.",
    ),
    st(
        105,
        true,
        "法定代表人身份证号码，工商数据未更新，请 5-15 个工作日之后尝试",
        "the registry has not updated the legal representative's ID yet: retry in 5–15 working days",
        "5–15 个工作日后重新发起。",
        "Start again in 5 to 15 working days.",
    ),
    st(
        1000,
        true,
        "工商数据返回：“企业信息或法定代表人信息不一致”",
        "business registry: enterprise or legal representative information does not match",
        "按营业执照核对企业与法人信息后重新发起。",
        "Check the enterprise and legal person against the licence, then start again.",
    ),
    st(
        100001,
        true,
        "已下发的模板消息法人并未确认且已超时（24h），未进行身份证校验",
        "timed out (24 h) before the ID check",
        RESTART_ZH,
        RESTART_EN,
    ),
    st(
        100002,
        true,
        "已下发的模板消息法人并未确认且已超时（24h），未进行人脸识别校验",
        "timed out (24 h) before the face check",
        RESTART_ZH,
        RESTART_EN,
    ),
    st(
        100003,
        true,
        "已下发的模板消息法人并未确认且已超时（24h）",
        "timed out (24 h) without confirmation",
        RESTART_ZH,
        RESTART_EN,
    ),
];

/// `notify_third_fastregisterbetaapp`.
static TRIAL_PUSH: &[StatusEntry] = &[
    st(
        0,
        true,
        "创建成功",
        "trial created and authorized to the platform",
        "用 authorized 推送的授权码调用 api_query_auth。",
        "Exchange the code of the authorized push through api_query_auth.",
    ),
    st(
        2,
        true,
        "用户拒绝创建（模拟器取值：文档未给出）",
        "the user declined (the emulator's number: WeChat documents none)",
        "与用户确认意愿后重新发起。",
        "Check with the user, then start again if they want to.",
    ),
    st(
        3,
        true,
        "用户超时未确认",
        "overdue unconfirmed: 24 h passed",
        RESTART_ZH,
        RESTART_EN,
    ),
];

fn find(table: &'static [StatusEntry], code: i64) -> Option<&'static StatusEntry> {
    table.binary_search_by_key(&code, |e| e.code).ok().map(|i| &table[i])
}

/// The entry of a status in a table, if known.
pub fn lookup_status(table: StatusTable, code: i64) -> Option<&'static StatusEntry> {
    let own = match table {
        StatusTable::Task => TASK,
        StatusTable::RegisterPush => REGISTER_PUSH,
        StatusTable::TrialPush => TRIAL_PUSH,
    };
    find(own, code).or_else(|| find(CAPS, code))
}

/// Every status of a table, sorted by number (caps included).
pub fn statuses(table: StatusTable) -> Vec<&'static StatusEntry> {
    let own = match table {
        StatusTable::Task => TASK,
        StatusTable::RegisterPush => REGISTER_PUSH,
        StatusTable::TrialPush => TRIAL_PUSH,
    };
    let mut all: Vec<&'static StatusEntry> = own.iter().chain(CAPS.iter()).collect();
    all.sort_by_key(|e| e.code);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_and_complete() {
        for t in [TASK, REGISTER_PUSH, TRIAL_PUSH, CAPS] {
            for pair in t.windows(2) {
                assert!(pair[0].code < pair[1].code, "{} before {}", pair[0].code, pair[1].code);
            }
            for e in t {
                assert!(!e.zh.is_empty() && !e.en.is_empty() && !e.remedy_zh.is_empty() && !e.remedy_en.is_empty());
            }
        }
        assert_eq!(statuses(StatusTable::Task).len(), 15 + 8);
        assert_eq!(
            lookup_status(StatusTable::RegisterPush, 100003).unwrap().en,
            "timed out (24 h) without confirmation"
        );
        assert!(lookup_status(StatusTable::TrialPush, 101).is_none());
    }
}
