//! Decoding takes what WeChat really sends: string booleans and numbers, ` rid:` suffixes,
//! missing optional fields, unknown fields, the newer fields of protocol-notes §7.

use fastreg_protocol::account::{AccountBasicInfo, AuditStatus, QueryNicknameAudit};
use fastreg_protocol::component::{GetAuthorizerInfo, QueryAuth};
use fastreg_protocol::endpoint::{ResponseError, decode_response};
use fastreg_protocol::registration::FastRegister;
use fastreg_protocol::{ENDPOINTS, RetrySafety, TokenKind};

#[test]
fn fastregister_accepts_real_booleans_and_missing_is_link_succ() {
    let r = decode_response::<FastRegister>(br#"{"errcode":0,"errmsg":"","appid":"wxe5f52902cf4de896","authorization_code":"code","is_wx_verify_succ":true}"#).unwrap();
    assert!(r.is_wx_verify_succ.0);
    assert!(!r.is_link_succ.0);
}

#[test]
fn error_answer_keeps_code_and_rid_even_when_unknown() {
    let err = decode_response::<FastRegister>(
        br#"{"errcode":61058,"errmsg":"invalid ticket rid: 6142cae2-160a288b-589e1ad2"}"#,
    )
    .unwrap_err();
    match err {
        ResponseError::Api(e) => {
            assert_eq!(e.errcode, 61058);
            assert_eq!(e.message(), "invalid ticket");
            assert!(e.errmsg.ends_with("589e1ad2"));
        }
        other => panic!("expected an API error, got {other}"),
    }
    let err = decode_response::<FastRegister>(br#"{"errcode":99999999,"errmsg":"brand new"}"#).unwrap_err();
    assert!(err.to_string().contains("99999999"), "{err}");
}

#[test]
fn basic_info_with_newer_fields_and_empty_nickname_info() {
    let body = br#"{"errcode":0,"errmsg":"ok","appid":"wx1234567890abcdef","account_type":3,"principal_type":"1",
        "principal_name":"x","realname_status":1,"customer_type":12,"registered_country":1017,
        "credential":"92130534MADNFAQN4R","nickname_info":{},"wx_verify_info":{"qualification_verify":true,"naming_verify":false,
        "annual_review":false,"annual_review_begin_time":"1550490981"},"some_future_field":[1,2]}"#;
    let r = decode_response::<AccountBasicInfo>(body).unwrap();
    assert_eq!(r.customer_type, Some(12));
    assert_eq!(r.principal_type, 1);
    assert!(r.nickname_info.unwrap().nickname.is_none());
    let v = r.wx_verify_info.unwrap();
    assert!(v.qualification_verify.0 && !v.naming_verify.0);
    assert_eq!(v.annual_review_begin_time, Some(1550490981));
    assert!(r.signature_info.is_none());
}

#[test]
fn audit_stat_outside_1_to_3_is_a_decode_error_naming_it() {
    let err = decode_response::<QueryNicknameAudit>(br#"{"errcode":0,"nickname":"a","audit_stat":7,"create_time":1}"#)
        .unwrap_err();
    assert!(err.to_string().contains("audit status 7"), "{err}");
    let ok = decode_response::<QueryNicknameAudit>(br#"{"errcode":0,"nickname":"a","audit_stat":"3","create_time":1}"#)
        .unwrap();
    assert_eq!(ok.audit_stat, AuditStatus::Approved);
}

#[test]
fn authorizer_info_accepts_old_appid_key() {
    let body = br#"{"authorizer_info":{"nick_name":"n","service_type_info":{"id":2},"verify_type_info":{"id":0},"MiniProgramInfo":{"categories":[{"first":"a","second":"b"}],"visit_status":0}},
        "authorization_info":{"appid":"wxf8b4f85f3a794e77","func_info":[{"funcscope_category":{"id":1}}]}}"#;
    let r = decode_response::<GetAuthorizerInfo>(body).unwrap();
    assert_eq!(r.authorization_info.authorizer_appid.as_str(), "wxf8b4f85f3a794e77");
    assert_eq!(r.authorizer_info.mini_program_info.unwrap().categories[0].second, "b");
}

#[test]
fn query_auth_without_tokens_is_still_decoded() {
    let r = decode_response::<QueryAuth>(br#"{"authorization_info":{"authorizer_appid":"wxf8b4f85f3a794e77","func_info":[{"funcscope_category":{"id":"17","type":1,"name":"n"},"confirm_info":{"need_confirm":0,"already_confirm":0,"can_confirm":0}}]}}"#).unwrap();
    assert!(r.authorization_info.authorizer_refresh_token.is_none());
    assert_eq!(r.authorization_info.func_info[0].funcscope_category.id, 17);
}

#[test]
fn token_body_that_is_not_json_is_a_decode_error_with_excerpt() {
    let err = decode_response::<QueryAuth>(b"<html>502 Bad Gateway</html>").unwrap_err();
    let s = err.to_string();
    assert!(s.contains("api_query_auth") && s.contains("502 Bad Gateway"), "{s}");
}

#[test]
fn endpoint_table_is_consistent() {
    // 20 of fast registration, 5 of the other registration routes, 37 of the lifecycle.
    assert_eq!(ENDPOINTS.len(), 62);
    let mut paths: Vec<_> = ENDPOINTS.iter().map(|e| e.path).collect();
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), ENDPOINTS.len(), "two endpoints share a path");
    // A repeated commit restarts the scan, a repeated submit_audit spends quota or reads 85009,
    // a repeated release reads 85052: none may be resent blindly.
    for name in ["commit", "submit_audit", "release", "addtotemplate", "undocodeaudit"] {
        let e = ENDPOINTS.iter().find(|e| e.name == name).unwrap();
        assert_eq!(e.retry, RetrySafety::NotIdempotent, "{name}");
    }
    let fastregister = ENDPOINTS.iter().find(|e| e.name == "fastregister").unwrap();
    assert_eq!(fastregister.retry, RetrySafety::NotIdempotent);
    assert_eq!(fastregister.token, TokenKind::Authorizer);
    let token = ENDPOINTS.iter().find(|e| e.name == "api_component_token").unwrap();
    assert_eq!(token.token, TokenKind::None);
}
