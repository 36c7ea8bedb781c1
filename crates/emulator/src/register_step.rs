//! The steps of a registration task's confirmation, as the task table numbers them
//! (`registration-routes.md` §2.2): the user agrees (3), starts the face check (4), passes it
//! (6) or fails it (5), is sent a code on the phone (7), enters it right (9) or wrong (8), and
//! submits (10); the route's checks then end the task (12, 13, 11, 14, 1001–1008).
//!
//! A confirmation — the page's buttons, or `POST /__emulator/register-tasks/confirm` — walks
//! from where the task stands to `until` (or to the end when `until` is absent), taking the
//! given answers on the way; a later confirmation goes on from there. `action=query` and
//! `GET /__emulator/register-tasks` show each step's status while the task stands on it. A
//! trial's admin only confirms: it has no steps.

use serde::{Deserialize, Serialize};

/// A step a confirmation may stop at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// 3 用户同意创建: the user agreed.
    Agreed,
    /// 4 已经发起人脸流程: the face check started.
    FaceStarted,
    /// 6 人脸认证ok: the face check passed.
    FaceChecked,
    /// 7 已经提交手机号码下发验证码: a code was sent to the phone.
    CodeSent,
    /// 9 手机验证成功: the code was right.
    PhoneVerified,
    /// 10 提交了创建: creation submitted (the checks run at the next confirmation).
    Submitted,
}

impl Step {
    /// Every step, in order.
    pub const ALL: [Step; 6] = [
        Step::Agreed,
        Step::FaceStarted,
        Step::FaceChecked,
        Step::CodeSent,
        Step::PhoneVerified,
        Step::Submitted,
    ];

    /// The task-table status of a task standing on this step.
    pub fn status(self) -> i64 {
        match self {
            Step::Agreed => 3,
            Step::FaceStarted => 4,
            Step::FaceChecked => 6,
            Step::CodeSent => 7,
            Step::PhoneVerified => 9,
            Step::Submitted => 10,
        }
    }

    /// The step a task-table status stands for.
    pub fn of_status(status: i64) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.status() == status)
    }
}

/// Whether a task with this status still waits for the user (0, or a step).
pub fn is_waiting(status: i64) -> bool {
    status == 0 || Step::of_status(status).is_some()
}

/// The user's answers in one confirmation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Answers {
    /// Declines (at any step): task status 2.
    pub decline: bool,
    /// The face check passes (else 5).
    pub face_ok: bool,
    /// The phone code is right (else 8).
    pub phone_ok: bool,
    /// Stop on this step; `None` goes to the end.
    pub until: Option<Step>,
}

impl Default for Answers {
    fn default() -> Self {
        Answers {
            decline: false,
            face_ok: true,
            phone_ok: true,
            until: None,
        }
    }
}
