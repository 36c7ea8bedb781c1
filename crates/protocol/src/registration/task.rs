//! What the task-based registration routes share: the `action` query parameter, the task
//! answer `{taskid, authorize_url, status}` and the query body `{taskid, new_version}`.

use super::status::TaskStatus;
use serde::{Deserialize, Serialize};

/// An endpoint whose path takes `?action=…` besides the token (fastregisterenterpriseweapp,
/// fastregisterpersonalweapp): create and query share one path and are told apart by it.
pub trait ActionEndpoint: crate::Endpoint {
    /// The value of `action` (`create`, `query`).
    const ACTION: &'static str;
}

/// The answer of a task route's create or query: `{errcode, errmsg, taskid, authorize_url,
/// status}`. `authorize_url` is what the user must open within 24 h (show it as a QR code).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RegisterTaskResponse {
    /// The task; absent on an old-version answer.
    #[serde(default)]
    pub taskid: String,
    /// The page the user must open (new versions).
    #[serde(default)]
    pub authorize_url: String,
    /// Where the task stands.
    #[serde(default)]
    pub status: TaskStatus,
}

impl RegisterTaskResponse {
    /// An answer with these fields.
    pub fn new(taskid: impl Into<String>, authorize_url: impl Into<String>, status: TaskStatus) -> Self {
        RegisterTaskResponse {
            taskid: taskid.into(),
            authorize_url: authorize_url.into(),
            status,
        }
    }
}

/// `action=query` body: `{taskid, new_version: true}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TaskQueryRequest {
    /// From the create answer.
    pub taskid: String,
    /// `true` for a new-version task (the emulator also finds it without).
    #[serde(default)]
    pub new_version: bool,
}

impl TaskQueryRequest {
    /// A new-version query.
    pub fn new(taskid: impl Into<String>) -> Self {
        TaskQueryRequest {
            taskid: taskid.into(),
            new_version: true,
        }
    }
}
