//! Bad input never panics a handler: every API path, page and control route answers garbage
//! with a WeChat-style error (or a 4xx page), and the connection survives.

use crate::support::*;
use fastreg_emulator::builtin::*;
use fastreg_protocol::ENDPOINTS;
use fastreg_protocol::endpoint::TokenKind;

const BODIES: &[&str] = &[
    "",
    "null",
    "[]",
    "\"x\"",
    "{\"a\":1}",
    "{not json",
    "\u{0}\u{1}",
    "{\"ticket\": 5, \"taskid\": [], \"audit_id\": \"x\", \"nick_name\": {}, \"signature\": 1}",
    "{\"categories\": [{\"first\": -1, \"second\": 1e308, \"certicates\": 3}]}",
    "{\"head_img_media_id\": \"\\u0000\", \"x1\": \"NaN\", \"y1\": null, \"x2\": 1e999, \"y2\": -0}",
    "{\"component_appid\": 123, \"authorization_code\": null, \"offset\": -5, \"count\": \"many\"}",
    "{\"first\": 18446744073709551616, \"second\": \"8\"}",
];

#[tokio::test]
async fn no_api_path_fails_on_garbage() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let ctoken = env.component_token().await;
    for e in ENDPOINTS {
        let token = match e.token {
            TokenKind::Component => format!("?component_access_token={ctoken}"),
            TokenKind::Authorizer => format!("?access_token={}&type=image", mp.token),
            TokenKind::None => String::new(),
        };
        for body in BODIES {
            let r = env
                .http
                .post(format!("{}{}{token}", env.base, e.path))
                .header("content-type", "application/json")
                .body(*body)
                .send()
                .await
                .unwrap_or_else(|err| panic!("{} with {body:?}: transport error {err}", e.name));
            assert_eq!(r.status(), 200, "{} with {body:?}", e.name);
            let v: serde_json::Value = r
                .json()
                .await
                .unwrap_or_else(|err| panic!("{} with {body:?}: {err}", e.name));
            assert!(
                v.get("errcode").is_some() || v.is_object(),
                "{} with {body:?}: {v}",
                e.name
            );
        }
    }
}

#[tokio::test]
async fn no_page_or_control_route_fails_on_garbage() {
    let env = Env::start().await;
    let pages = [
        "/cgi-bin/fastregisterauth",
        "/wxopen/componentrebindadmin",
        "/cgi-bin/componentloginpage",
    ];
    for page in pages {
        for query in [
            "",
            "?appid=%ZZ",
            "?appid=wx1&component_appid=&redirect_uri=javascript:alert(1)",
            "?copy_wx_verify=yes",
        ] {
            let r = env
                .http
                .get(format!("{}{page}{query}", env.base))
                .send()
                .await
                .expect("page answers");
            assert!(
                r.status().is_success() || r.status().is_client_error(),
                "{page}{query}: {}",
                r.status()
            );
        }
        for body in BODIES {
            let r = env
                .http
                .post(format!("{}{page}/confirm", env.base))
                .body(*body)
                .send()
                .await
                .expect("confirm answers");
            assert!(r.status().as_u16() < 500, "{page}/confirm {body:?}: {}", r.status());
        }
    }
    let control = [
        "clock/advance",
        "components",
        "official-accounts",
        "mini-programs/wx7b00000000000f01",
        "authorize",
        "unauthorize",
        "fastregister/confirm",
        "rebindadmin/confirm",
        "audits/123",
        "audits/not-a-number",
        "faults",
        "push/verify-ticket",
        "push/mode",
    ];
    for route in control {
        for body in BODIES {
            let r = env
                .http
                .post(format!("{}/__emulator/{route}", env.base))
                .body(*body)
                .send()
                .await
                .expect("control answers");
            assert!(r.status().as_u16() < 500, "{route} {body:?}: {}", r.status());
            let v: serde_json::Value = r.json().await.unwrap_or_else(|e| panic!("{route} {body:?}: {e}"));
            assert!(v.is_object(), "{route} {body:?}: {v}");
        }
    }
    // Still serving.
    assert!(env.get("/__emulator/state").await["now"].is_i64());
}
