//! WeChat's error answer: HTTP 200 with `{"errcode": N, "errmsg": "… rid: xxxxxxxx-xxxxxxxx-xxxxxxxx"}`.
//!
//! Every API handler answers through [`Reply`] or [`WxError`]; both put an [`Outcome`] in the
//! response's extensions so the call log can count errors without reading bodies.

use axum::Json;
use axum::response::{IntoResponse, Response};
use fastreg_protocol::endpoint::Envelope;
use serde::Serialize;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};

/// What the call log records of an answer: its errcode and the account it concerned.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// 0 on success.
    pub errcode: i64,
    /// The caller (component or authorizer appid), when known.
    pub appid: Option<String>,
}

/// An error answer.
#[derive(Clone, Debug, PartialEq)]
pub struct WxError {
    /// The errcode.
    pub code: i64,
    /// The errmsg, before the rid is appended.
    pub msg: String,
    /// The account it concerned, for the call log.
    pub appid: Option<String>,
}

impl WxError {
    /// An error with WeChat's usual message for the code.
    pub fn of(code: i64) -> Self {
        Self::new(code, default_message(code))
    }

    /// An error with a message of our own (still WeChat-like: short, English).
    pub fn new(code: i64, msg: impl Into<String>) -> Self {
        WxError {
            code,
            msg: msg.into(),
            appid: None,
        }
    }

    /// Records the account the call concerned.
    pub fn for_app(mut self, appid: &str) -> Self {
        if self.appid.is_none() {
            self.appid = Some(appid.to_owned());
        }
        self
    }

    /// The JSON body, with a fresh rid.
    pub fn body(&self) -> Value {
        json!({"errcode": self.code, "errmsg": format!("{} rid: {}", self.msg, rid())})
    }
}

impl IntoResponse for WxError {
    fn into_response(self) -> Response {
        let mut response = Json(self.body()).into_response();
        response.extensions_mut().insert(Outcome {
            errcode: self.code,
            appid: self.appid,
        });
        response
    }
}

/// A successful answer, serialized when it is made.
#[derive(Debug)]
pub struct Reply {
    /// The account it concerned.
    pub appid: Option<String>,
    /// The JSON body, `errcode`/`errmsg` included.
    body: Vec<u8>,
    /// 0, or -1 if the body could not be serialized (it is then the -1 answer).
    errcode: i64,
}

impl Reply {
    /// `{"errcode": 0, "errmsg": "ok", …fields of body}`: the answer of a protocol response
    /// type, serialized once, with no intermediate JSON tree.
    pub fn typed<T: Serialize>(appid: &str, body: &T) -> Self {
        Self::typed_with(appid, "ok", body)
    }

    /// As [`Reply::typed`], with another `errmsg` (fastregister and componentrebindadmin
    /// answer `""`).
    pub fn typed_with<T: Serialize>(appid: &str, errmsg: &str, body: &T) -> Self {
        let mut envelope = Envelope::ok(body);
        if errmsg != envelope.errmsg {
            envelope.errmsg = errmsg.to_owned();
        }
        Self::serialized(appid, &envelope)
    }

    /// The fields of a protocol response type as they are, without `errcode`/`errmsg` (the
    /// token APIs answer this way).
    pub fn typed_bare<T: Serialize>(appid: &str, body: &T) -> Self {
        Self::serialized(appid, body)
    }

    fn serialized<T: Serialize>(appid: &str, body: &T) -> Self {
        match serde_json::to_vec(body) {
            Ok(body) => Reply {
                appid: Some(appid.to_owned()),
                body,
                errcode: 0,
            },
            Err(e) => {
                let err = WxError::new(-1, format!("system error: cannot encode the answer: {e}"));
                Reply {
                    appid: Some(appid.to_owned()),
                    body: err.body().to_string().into_bytes(),
                    errcode: -1,
                }
            }
        }
    }

    /// `{"errcode": 0, "errmsg": "ok", …fields}` from a JSON object. For endpoints the protocol
    /// crate has no response type for; the others answer with [`Reply::typed`]. (No endpoint of
    /// this branch uses it; endpoints added elsewhere may, until they move to `typed`.)
    #[allow(dead_code)]
    pub fn ok(appid: &str, fields: Value) -> Self {
        let mut body = json!({"errcode": 0, "errmsg": "ok"});
        if let (Some(into), Value::Object(fields)) = (body.as_object_mut(), fields) {
            for (k, v) in fields {
                into.insert(k, v);
            }
        }
        Self::serialized(appid, &body)
    }

    /// A JSON value as it is, without `errcode`/`errmsg`. As [`Reply::ok`], only for answers
    /// with no protocol type.
    #[allow(dead_code)]
    pub fn bare(appid: &str, body: Value) -> Self {
        Self::serialized(appid, &body)
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut response = ([(axum::http::header::CONTENT_TYPE, "application/json")], self.body).into_response();
        response.extensions_mut().insert(Outcome {
            errcode: self.errcode,
            appid: self.appid,
        });
        response
    }
}

/// What every API handler returns.
pub type ApiResult = Result<Reply, WxError>;

static RID_COUNTER: AtomicU64 = AtomicU64::new(0x5eed);

/// A request id in WeChat's shape, `xxxxxxxx-xxxxxxxx-xxxxxxxx` (hex). Not secret, not seeded:
/// it only has to differ between answers.
pub fn rid() -> String {
    let n = RID_COUNTER.fetch_add(1, Ordering::Relaxed);
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mix = splitmix(n);
    format!("{:08x}-{:08x}-{:08x}", secs as u32, (mix >> 32) as u32, mix as u32)
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// WeChat's own short English message for a code, where we know it; else the catalog's.
pub fn default_message(code: i64) -> String {
    let known = match code {
        -1 => "system error",
        40001 => "invalid credential, access_token is invalid or not latest",
        40004 => "invalid media type",
        40007 => "invalid media_id",
        40009 => "invalid image size",
        40013 => "invalid appid",
        40014 => "invalid access_token",
        40097 => "invalid args",
        40125 => "invalid appsecret",
        41001 => "access_token missing",
        41006 => "media_id missing",
        41033 => "invaid register type",
        42001 => "access_token expired",
        45009 => "reach max api daily quota limit",
        46001 => "media data missing",
        47001 => "data format error",
        48001 => "api unauthorized",
        61005 => "component ticket is expired",
        61006 => "component ticket is invalid",
        61009 => "code is invalid",
        61010 => "code is expired",
        61011 => "invalid component",
        61014 => "must use component token for component api",
        61015 => "must use biz account token for not component api",
        61023 => "refresh_token is invalid",
        61058 => "invalid ticket",
        85060 => "invalid taskid",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_owned();
    }
    match fastreg_protocol::catalog::lookup(code) {
        Some(e) => e.en.split([':', '(']).next().unwrap_or(e.en).trim().to_owned(),
        None => "error".to_owned(),
    }
}
