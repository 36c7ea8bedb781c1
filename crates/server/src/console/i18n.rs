//! Chinese and English: which one a request wants, and the words the console says about
//! WeChat's errors.
//!
//! The language is `?lang=zh|en` when given (and then remembered in a cookie for a year), else
//! the cookie, else the browser's `Accept-Language`, else Chinese. Every WeChat error is shown
//! with the protocol catalog's meaning and remedy in both languages — the chosen one first — so
//! the console says about a code exactly what the client, the emulator and the REST API say.

use crate::failure::Failure;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use std::convert::Infallible;

/// The cookie that remembers the language.
const COOKIE: &str = "fastreg_lang";

/// A language of the console.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// 中文.
    Zh,
    /// English.
    En,
}

tokio::task_local! {
    /// The language of the request being served (for pages rendered outside a handler: errors).
    static CURRENT: Lang;
}

impl Lang {
    /// The text in this language.
    pub fn t<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// `zh` or `en`, as `?lang=` spells it.
    pub fn code(self) -> &'static str {
        self.t("zh", "en")
    }

    /// The `lang` attribute of the page.
    pub fn html(self) -> &'static str {
        self.t("zh-CN", "en")
    }

    /// The other language.
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("zh") {
            Some(Lang::Zh)
        } else if s.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The language of the request being served, Chinese outside one.
    pub fn current() -> Lang {
        CURRENT.try_with(|l| *l).unwrap_or(Lang::Zh)
    }
}

fn from_query(query: Option<&str>) -> Option<Lang> {
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::parse(&v))
}

fn from_headers(headers: &HeaderMap) -> Lang {
    if let Some(lang) = super::cookie(headers, COOKIE).and_then(Lang::parse) {
        return lang;
    }
    // The first language of the list the browser sends (they come in order of preference).
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .find_map(|item| Lang::parse(item.split(';').next().unwrap_or("")))
        })
        .unwrap_or(Lang::Zh)
}

/// The language a request wants.
pub fn of(parts: &Parts) -> Lang {
    from_query(parts.uri.query()).unwrap_or_else(|| from_headers(&parts.headers))
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(of(parts))
    }
}

/// Middleware: serves the request in its language and remembers a `?lang=` choice in a cookie.
pub async fn remember(req: Request, next: Next) -> Response {
    let chosen = from_query(req.uri().query());
    let lang = chosen.unwrap_or_else(|| from_headers(req.headers()));
    let mut response = CURRENT.scope(lang, next.run(req)).await;
    if let Some(lang) = chosen {
        let cookie = format!("{COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax", lang.code());
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

/// An error explained to the operator: its code, what it means and what to do, in both
/// languages.
#[derive(Clone, Debug)]
pub struct Explained {
    /// WeChat's errcode, or one of the service's (`outcome_unknown`, …).
    pub code: String,
    /// Whether the code is WeChat's.
    pub wechat: bool,
    /// Meaning, Chinese.
    pub meaning_zh: String,
    /// Meaning, English.
    pub meaning_en: String,
    /// What to do, Chinese.
    pub remedy_zh: String,
    /// What to do, English.
    pub remedy_en: String,
    /// What exactly happened, when it says more than the meaning (WeChat's errmsg, our message).
    pub detail: Option<String>,
}

impl Explained {
    /// The meaning in `lang`.
    pub fn meaning(&self, lang: Lang) -> &str {
        lang.t(&self.meaning_zh, &self.meaning_en)
    }

    /// The remedy in `lang`.
    pub fn remedy(&self, lang: Lang) -> &str {
        lang.t(&self.remedy_zh, &self.remedy_en)
    }

    /// A WeChat errcode, from the catalog.
    pub fn code(code: i64, errmsg: Option<&str>) -> Explained {
        explain(&Failure::wechat(code, errmsg.unwrap_or("")))
    }
}

/// The Chinese words of the service's own failure codes (the workflows write them in English).
fn ours_zh(code: &str) -> Option<(&'static str, &'static str)> {
    Some(match code {
        "outcome_unknown" => (
            "微信的应答丢失，无法确定这一步是否已经生效。",
            "先在微信侧核对帐号的实际状态，再决定是否重试。",
        ),
        "transport" => ("无法连接微信接口。", "检查本服务能否访问微信（api_base 设置）。"),
        "token" => (
            "调用微信接口所需的令牌不可用。",
            "检查第三方平台的配置，并确认微信推送的 component_verify_ticket 能到达 /wechat/component/events。",
        ),
        "internal" => ("服务内部出错。", "查看服务日志。"),
        "not_authorized" => (
            "小程序已创建，但没有授权给本平台。",
            "联系微信客服，或把该小程序重新授权给本平台。",
        ),
        "nickname_rejected" => (
            "微信审核驳回了这个名称。",
            "换一个名称，或补充能证明有权使用该名称的材料后重新提交。",
        ),
        "category_rejected" => (
            "微信审核驳回了这个类目。",
            "在类目下方上传新的资质重新提交审核（modifycategory），或删除这个类目后改选其他类目。",
        ),
        "material_missing" => ("提交的材料已不在服务中。", "重新提交这一步。"),
        "categories_missing" => ("类目已不在帐号上。", "重新添加类目。"),
        _ => return None,
    })
}

/// Explains a workflow's failure: WeChat's codes with the catalog's words, the service's own
/// with their Chinese words and the workflow's English message.
pub fn explain(f: &Failure) -> Explained {
    if let Some(entry) = f.code.parse::<i64>().ok().and_then(fastreg_protocol::catalog::lookup) {
        return Explained {
            code: f.code.clone(),
            wechat: true,
            meaning_zh: entry.zh.to_owned(),
            meaning_en: sentence(entry.en),
            remedy_zh: entry.remedy_zh.to_owned(),
            remedy_en: entry.remedy_en.to_owned(),
            detail: (f.message != entry.en).then(|| f.message.clone()),
        };
    }
    let (zh, remedy_zh) = match (&f.message_zh, &f.remedy_zh, ours_zh(&f.code)) {
        (Some(m), Some(r), _) => (m.clone(), r.clone()),
        (_, _, Some((m, r))) => (m.to_owned(), r.to_owned()),
        _ => (f.message.clone(), f.remedy.clone()),
    };
    Explained {
        code: f.code.clone(),
        wechat: f.code.parse::<i64>().is_ok(),
        meaning_zh: zh,
        meaning_en: sentence(&f.message),
        remedy_zh,
        remedy_en: f.remedy.clone(),
        detail: None,
    }
}

/// `the answer was lost` → `The answer was lost.`
fn sentence(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(1)
        .flat_map(char::to_uppercase)
        .chain(s.chars().skip(1))
        .collect();
    if !out.ends_with(['.', '!', '?', '。']) {
        out.push('.');
    }
    out
}

/// The WeChat errcode a job's last error names (`… WeChat error 61055: …`), if any.
pub fn wechat_code_in(text: &str) -> Option<i64> {
    let rest = &text[text.find("WeChat error ")? + "WeChat error ".len()..];
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit() || *c == '-').collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wechat_code_is_explained_with_the_catalog_in_both_languages() {
        let e = explain(&Failure::wechat(61055, "reach limit rid: 1"));
        let entry = fastreg_protocol::catalog::lookup(61055).unwrap();
        assert!(e.wechat);
        assert_eq!(e.meaning(Lang::Zh), entry.zh);
        assert!(
            e.meaning(Lang::En).contains(&entry.en[1..]),
            "the catalog's words, as a sentence"
        );
        assert_eq!(e.remedy(Lang::Zh), entry.remedy_zh);
        assert_eq!(e.remedy(Lang::En), entry.remedy_en);
    }

    #[test]
    fn the_service_s_own_codes_have_chinese_words() {
        let e = explain(&Failure::new(
            "outcome_unknown",
            "the answer of fastregister was lost",
            "Check first.",
        ));
        assert!(!e.wechat);
        assert!(e.meaning(Lang::Zh).contains("应答丢失"));
        assert_eq!(e.meaning(Lang::En), "The answer of fastregister was lost.");
    }

    #[test]
    fn the_code_of_a_job_error_is_found() {
        assert_eq!(
            wechat_code_in("fastregister: WeChat error 61055: over (x) — y [z]"),
            Some(61055)
        );
        assert_eq!(wechat_code_in("transport error"), None);
    }

    #[test]
    fn accept_language_picks_the_first_known_language() {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("fr-FR,en-US;q=0.8,zh;q=0.5"),
        );
        assert_eq!(from_headers(&h), Lang::En);
        h.insert(header::COOKIE, HeaderValue::from_static("a=b; fastreg_lang=zh"));
        assert_eq!(from_headers(&h), Lang::Zh);
        assert_eq!(from_query(Some("x=1&lang=en")), Some(Lang::En));
    }
}
