//! What the operator is told when a console request fails. The words shown are chosen here, in
//! both languages; the cause of an unexpected failure goes to the log only (vaultwarden keeps
//! user-facing messages apart from source errors the same way).

use super::i18n::{Explained, Lang, explain};
use super::view;
use crate::failure::Failure;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;

/// Words in both languages.
#[derive(Clone, Debug)]
pub struct Msg {
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

impl Msg {
    /// A message.
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Msg {
        Msg {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// The message in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        lang.t(&self.zh, &self.en)
    }
}

/// Why a console request failed.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// Nothing at that address.
    #[error("not found: {}", .0.en)]
    NotFound(Msg),
    /// A form without this session's CSRF token (or with another one).
    #[error("CSRF token missing or wrong")]
    Csrf,
    /// The input breaks a rule; `back` is the page to fix it on.
    #[error("{}", .msg.en)]
    Invalid {
        /// What is wrong.
        msg: Msg,
        /// Where to go back to.
        back: Option<String>,
    },
    /// WeChat refused a call made for this request.
    #[error("WeChat refused: {}", .failure.code)]
    WeChat {
        /// WeChat's answer, explained.
        failure: Box<Failure>,
        /// Where to go back to.
        back: Option<String>,
    },
    /// Anything else: logged, not shown.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl ConsoleError {
    /// A rule broken.
    pub fn invalid(zh: impl Into<String>, en: impl Into<String>, back: impl Into<String>) -> Self {
        ConsoleError::Invalid {
            msg: Msg::new(zh, en),
            back: Some(back.into()),
        }
    }

    /// A WeChat call failed.
    pub fn wechat(e: &fastreg_client::Error, back: impl Into<String>) -> Self {
        ConsoleError::WeChat {
            failure: Box::new(Failure::from_client(e)),
            back: Some(back.into()),
        }
    }

    /// No such thing.
    pub fn not_found(zh: &str, en: &str) -> Self {
        ConsoleError::NotFound(Msg::new(zh, en))
    }
}

impl From<sqlx::Error> for ConsoleError {
    fn from(e: sqlx::Error) -> Self {
        ConsoleError::Unexpected(e.into())
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let lang = Lang::current();
        let (status, title, body, back) = match &self {
            ConsoleError::NotFound(msg) => (
                StatusCode::NOT_FOUND,
                Msg::new("找不到", "Not found"),
                html! { p { (msg.get(lang)) } p.other-lang { (msg.get(lang.other())) } },
                Some("/console/".to_owned()),
            ),
            ConsoleError::Csrf => (
                StatusCode::FORBIDDEN,
                Msg::new("表单已失效", "This form has expired"),
                html! {
                    p { (lang.t("这个表单不是由本控制台的当前会话发出的，或者已经过期。没有做任何修改。请重新打开页面再提交。",
                        "This form did not come from your current console session, or it has expired. Nothing was changed. Open the page again and resubmit.")) }
                    p.other-lang { (lang.other().t("这个表单不是由本控制台的当前会话发出的，或者已经过期。没有做任何修改。请重新打开页面再提交。",
                        "This form did not come from your current console session, or it has expired. Nothing was changed. Open the page again and resubmit.")) }
                },
                Some("/console/".to_owned()),
            ),
            ConsoleError::Invalid { msg, back } => (
                StatusCode::BAD_REQUEST,
                Msg::new("无法提交", "Cannot submit"),
                html! { p.flash.warn { (msg.get(lang)) } p.other-lang { (msg.get(lang.other())) } },
                back.clone(),
            ),
            ConsoleError::WeChat { failure, back } => (
                StatusCode::BAD_GATEWAY,
                Msg::new("微信拒绝了请求", "WeChat refused the request"),
                view::explained(lang, &explain(failure)),
                back.clone(),
            ),
            ConsoleError::Unexpected(e) => {
                tracing::error!(error = %format!("{e:#}"), "console request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Msg::new("出错了", "Something went wrong"),
                    html! {
                        p { (lang.t("服务这边出了问题。请稍后重试；如果一直出现，请查看服务日志。",
                            "Something went wrong on our side. Try again in a minute; if it persists, see the service's logs.")) }
                    },
                    Some("/console/".to_owned()),
                )
            }
        };
        let page = view::bare(
            lang,
            title.get(lang),
            html! {
                (body)
                @if let Some(back) = back {
                    p { a.button.secondary href=(back) { (lang.t("返回", "Back")) } }
                }
            },
        );
        (status, page).into_response()
    }
}

/// A WeChat code explained, for pages that show one outside an error response.
pub fn explained_code(code: i64) -> Explained {
    Explained::code(code, None)
}
