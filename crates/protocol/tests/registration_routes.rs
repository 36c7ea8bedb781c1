//! Every JSON example and XML sample of `registration-routes.md` through the protocol types:
//! requests and answers of the enterprise, personal and trial routes, the pushes (with the doc's
//! malformed samples and the real pushes that deviate), and the task statuses' catalog.

use fastreg_protocol::catalog::task_status::{StatusTable, lookup_status, statuses};
use fastreg_protocol::endpoint::{Endpoint, decode_response};
use fastreg_protocol::event::{ComponentEvent, RegistrationKind, RegistrationPush, parse_component_event};
use fastreg_protocol::registration::*;
use serde_json::json;

#[test]
fn personal_answer_example_round_trips() {
    let body =
        br#"{"errcode":0,"errmsg":"OK","taskid":"xxxxx","authorize_url":"https://mp.weixin.qq.com/xxxx","status":0}"#;
    let r = decode_response::<PersonalCreate>(body).unwrap();
    assert_eq!(r.taskid, "xxxxx");
    assert_eq!(r.authorize_url, "https://mp.weixin.qq.com/xxxx");
    assert_eq!(r.status, TaskStatus::Created);
    let back = serde_json::to_value(&r).unwrap();
    assert_eq!(
        back,
        json!({"taskid": "xxxxx", "authorize_url": "https://mp.weixin.qq.com/xxxx", "status": 0})
    );
}

#[test]
fn enterprise_and_personal_requests_are_the_new_versions() {
    let e = serde_json::to_value(EnterpriseCreateRequest::new(
        "某某有限公司",
        "91440300MA5REG0001",
        "13800000000",
    ))
    .unwrap();
    assert_eq!(
        e,
        json!({"name": "某某有限公司", "code": "91440300MA5REG0001", "component_phone": "13800000000", "new_version": true})
    );
    let p = serde_json::to_value(PersonalCreateRequest::new("wxid_x", "13800000000")).unwrap();
    assert_eq!(
        p,
        json!({"wxuser": "wxid_x", "component_phone": "13800000000", "new_version": true})
    );
    let q = serde_json::to_value(TaskQueryRequest::new("t1")).unwrap();
    assert_eq!(q, json!({"taskid": "t1", "new_version": true}));
    assert_eq!(EnterpriseCreate::PATH, EnterpriseQuery::PATH);
    assert_eq!((EnterpriseCreate::ACTION, EnterpriseQuery::ACTION), ("create", "query"));
    assert!(is_credit_code("91440300MA5REG0001"));
    assert!(
        !is_credit_code("440300123456789"),
        "a 15-digit licence number is not accepted"
    );
}

#[test]
fn trial_examples_round_trip() {
    let req: BetaCreateRequest =
        serde_json::from_str(r#"{"name":"小麦烤鸡","openid":"oK8Yg5YaUM-axuE_vVZmV_oIZxxx"}"#).unwrap();
    assert_eq!(req, BetaCreateRequest::new("小麦烤鸡", "oK8Yg5YaUM-axuE_vVZmV_oIZxxx"));
    let body = br#"{"errcode":0,"errmsg":"ok","unique_id":"BV8ToNpYUMSeoRgsDi7-_cyo2hMtcbJN4fDPEdOKAGSResiIK8VefChe6UkNhxOi","authorize_url":"https://mp.weixin.qq.com/wxawap/fastregistertpbeta?action=show&create_token=xxx#wechat_redirect"}"#;
    let r = decode_response::<BetaCreate>(body).unwrap();
    assert_eq!(r.unique_id.len(), 64);
    assert!(r.authorize_url.contains("create_token="));
    assert_eq!(
        serde_json::from_value::<BetaCreateResponse>(serde_json::to_value(&r).unwrap()).unwrap(),
        r
    );
}

#[test]
fn verify_request_reads_new_version_in_either_place() {
    let senparc: VerifyBetaRequest = serde_json::from_value(
        json!({"verify_info": {"enterprise_name": "某某", "code": "91440300MA5REG0001", "component_phone": "1"}, "new_version": true}),
    )
    .unwrap();
    assert!(senparc.is_new_version());
    let inside: VerifyBetaRequest = serde_json::from_value(
        json!({"verify_info": {"enterprise_name": "某某", "code": "91440300MA5REG0001", "component_phone": "1", "new_version": true}}),
    )
    .unwrap();
    assert!(inside.is_new_version());
    let old: VerifyBetaRequest = serde_json::from_value(
        json!({"verify_info": {"enterprise_name": "某某", "code": "1", "code_type": 1, "legal_persona_wechat": "x", "legal_persona_name": "y", "legal_persona_idcard": "z", "component_phone": "1"}}),
    )
    .unwrap();
    assert!(!old.is_new_version());
    assert_eq!(
        serde_json::to_value(VerifyBetaRequest::new("某某", "91440300MA5REG0001", "1")).unwrap(),
        json!({"verify_info": {"enterprise_name": "某某", "code": "91440300MA5REG0001", "component_phone": "1"}, "new_version": true})
    );
    // The old version's answer has no URL; the field is optional.
    assert_eq!(
        decode_response::<VerifyBeta>(br#"{"errcode":0,"errmsg":"ok"}"#).unwrap(),
        VerifyBetaResponse::default()
    );
}

/// §1.3's success sample.
const ENTERPRISE_SUCCESS: &str = r#"<xml>
  <AppId><![CDATA[wx_component_appid]]></AppId>
  <CreateTime>1535442403</CreateTime>
  <InfoType><![CDATA[notify_third_fasteregister]]></InfoType>
  <appid><![CDATA[wx_new_mp_appid]]></appid>
  <status>0</status>
  <auth_code><![CDATA[queryauthcode@@@xxxx]]></auth_code>
  <msg><![CDATA[OK]]></msg>
  <info>
    <name><![CDATA[某某有限公司]]></name>
    <code><![CDATA[91xxxxxxxxxxxxxxxx]]></code>
    <code_type>1</code_type>
    <legal_persona_wechat><![CDATA[wxid_x]]></legal_persona_wechat>
    <legal_persona_name><![CDATA[张三]]></legal_persona_name>
    <component_phone><![CDATA[13800000000]]></component_phone>
  </info>
</xml>"#;

#[test]
fn enterprise_success_sample_round_trips() {
    let event = parse_component_event(ENTERPRISE_SUCCESS).unwrap();
    assert_eq!(event.info_type(), "notify_third_fasteregister");
    let p = RegistrationPush::from_event(&event).unwrap().unwrap();
    assert_eq!(p.kind, RegistrationKind::FastRegister);
    assert_eq!(p.app_id.as_str(), "wx_component_appid");
    assert_eq!(p.create_time, 1_535_442_403);
    assert_eq!(p.appid.as_ref().unwrap().as_str(), "wx_new_mp_appid");
    assert_eq!(p.register_status(), RegisterPushStatus::Success);
    assert_eq!(p.auth_code.as_ref().unwrap().as_str(), "queryauthcode@@@xxxx");
    assert_eq!(p.msg, "OK");
    assert_eq!(p.info.name.as_deref(), Some("某某有限公司"));
    assert_eq!(p.info.code_type, Some(1));
    assert_eq!(p.info.legal_persona_name.as_deref(), Some("张三"));
    assert_eq!(p.info.component_phone.as_deref(), Some("13800000000"));
    // Written back well-formed, it reads the same.
    let again = RegistrationPush::parse(&p.to_xml()).unwrap();
    assert_eq!(again, p);
    assert!(matches!(p.to_event(), ComponentEvent::Unknown { .. }));
}

#[test]
fn real_failure_push_without_appid_is_read() {
    let xml = "<xml><AppId><![CDATA[wx_component_appid]]></AppId><CreateTime>1700000000</CreateTime>\
               <InfoType><![CDATA[notify_third_fasteregister]]></InfoType><status>-1</status>\
               <msg><![CDATA[open verity failed]]></msg><info><name><![CDATA[某某]]></name>\
               <code><![CDATA[91xxxxxxxxxxxxxxxx]]></code><code_type>1</code_type></info></xml>";
    let p = RegistrationPush::parse(xml).unwrap();
    assert!(
        p.appid.is_none(),
        "AppId (the component) must not be mistaken for appid"
    );
    assert!(p.auth_code.is_none());
    assert_eq!(p.register_status(), RegisterPushStatus::LegalPersonMismatch);
    assert!(p.register_status().entry().unwrap().zh.contains("法人"));
}

#[test]
fn real_personal_push_with_enterprise_shaped_info_and_taskid_is_read() {
    let xml = "<xml><AppId><![CDATA[wx_component_appid]]></AppId><CreateTime>1713000000</CreateTime>\
               <InfoType><![CDATA[notify_third_fasteregister]]></InfoType><appid><![CDATA[wx_new]]></appid>\
               <status>0</status><auth_code><![CDATA[queryauthcode@@@NT__abc]]></auth_code><msg><![CDATA[OK]]></msg>\
               <info><name><![CDATA[]]></name><code><![CDATA[f0b0349da13e098c]]></code><code_type>0</code_type>\
               <legal_persona_wechat><![CDATA[]]></legal_persona_wechat><legal_persona_name><![CDATA[]]></legal_persona_name>\
               <component_phone><![CDATA[12]]></component_phone><taskid><![CDATA[f0b0349da13e098c]]></taskid></info></xml>";
    let p = RegistrationPush::parse(xml).unwrap();
    assert_eq!(p.task_key(), Some("f0b0349da13e098c"));
    assert_eq!(p.info.code_type, Some(0));
    assert_eq!(p.info.name, None, "an empty name reads as absent");
    assert!(p.succeeded());
}

#[test]
fn personal_doc_sample_with_mismatched_closing_tag_is_read() {
    let xml = "<xml><AppId><![CDATA[第三方平台appid]]></AppId><CreateTime>1535442403</CreateTime>\
               <InfoType><![CDATA[notify_third_fasteregister]]></InfoType><appid>创建小程序appid</appid>\
               <status>0</status><auth_code>xxxxx第三方授权码</auth_code><msg>OK</msg>\
               <info><wxuser><![CDATA[用户微信号]]></wxuser><idname><![CDATA[用户姓名]]></wxidnnn>\
               <component_phone><![CDATA[第三方联系电话]]></component_phone></info></xml>";
    let p = RegistrationPush::parse(xml).unwrap();
    assert_eq!(p.info.wxuser.as_deref(), Some("用户微信号"));
    assert_eq!(p.info.idname.as_deref(), Some("用户姓名"));
    assert_eq!(p.info.component_phone.as_deref(), Some("第三方联系电话"));
    assert_eq!(p.status, 0);
}

#[test]
fn trial_doc_sample_with_unclosed_appid_is_read() {
    let xml = "<xml><AppId><![CDATA[第三方平台appid]]></AppId><CreateTime>1535442403</CreateTime>\
               <InfoType><![CDATA[notify_third_fastregisterbetaapp]]></InfoType><appid>创建小程序appid<appid>\
               <status>0</status><msg>OK</msg><info><unique_id><![CDATA[unique_id]]></unique_id>\
               <name><![CDATA[小程序名称]]></name></info></xml>";
    let p = RegistrationPush::parse(xml).unwrap();
    assert_eq!(p.kind, RegistrationKind::TrialCreated);
    assert_eq!(p.appid.as_ref().unwrap().as_str(), "创建小程序appid");
    assert_eq!(p.trial_status(), TrialPushStatus::Success);
    assert_eq!(p.info.unique_id.as_deref(), Some("unique_id"));
    assert_eq!(p.info.name.as_deref(), Some("小程序名称"));
}

/// §3.2's (well-formed) sample.
#[test]
fn trial_sample_round_trips() {
    let xml = r#"<xml>
  <AppId><![CDATA[wx_component_appid]]></AppId>
  <CreateTime>1535442403</CreateTime>
  <InfoType><![CDATA[notify_third_fastregisterbetaapp]]></InfoType>
  <appid><![CDATA[wx_trial_appid]]></appid>
  <status>0</status>
  <msg><![CDATA[OK]]></msg>
  <info>
    <unique_id><![CDATA[BV8ToNp…]]></unique_id>
    <name><![CDATA[小麦烤鸡]]></name>
  </info>
</xml>"#;
    let p = RegistrationPush::parse(xml).unwrap();
    assert_eq!(p.appid.as_ref().unwrap().as_str(), "wx_trial_appid");
    assert!(p.auth_code.is_none());
    assert_eq!(RegistrationPush::parse(&p.to_xml()).unwrap(), p);
}

#[test]
fn verify_push_is_typed_and_other_info_types_are_not_registration_pushes() {
    let xml = "<xml><AppId>wx_c</AppId><CreateTime>1</CreateTime><InfoType>notify_third_fastverifybetaapp</InfoType>\
               <appid>wx_trial</appid><status>100003</status><msg>timeout</msg><info><name>某某</name>\
               <code>91440300MA5REG0001</code><code_type>1</code_type><component_phone>1</component_phone></info></xml>";
    let p = RegistrationPush::parse(xml).unwrap();
    assert_eq!(p.kind, RegistrationKind::TrialVerified);
    assert_eq!(p.register_status(), RegisterPushStatus::TimedOut);
    let ticket = parse_component_event(
        "<xml><AppId>wx_c</AppId><CreateTime>1</CreateTime><InfoType>component_verify_ticket</InfoType>\
         <ComponentVerifyTicket>t</ComponentVerifyTicket></xml>",
    )
    .unwrap();
    assert!(RegistrationPush::from_event(&ticket).is_none());
    assert!(RegistrationPush::parse("<xml><Encrypt>x</Encrypt></xml>").is_err());
}

#[test]
fn every_status_of_the_notes_has_its_catalog_entry() {
    let task: Vec<i64> = (0..=14).chain(1001..=1008).collect();
    for n in &task {
        let e = lookup_status(StatusTable::Task, *n).unwrap_or_else(|| panic!("task status {n}"));
        assert!(!e.zh.is_empty() && !e.en.is_empty() && !e.remedy_zh.is_empty() && !e.remedy_en.is_empty());
        assert_ne!(TaskStatus::from_code(*n), TaskStatus::Other(*n));
    }
    let push: Vec<i64> = [0, -1, 100_001, 100_002, 100_003, 101, 102, 103, 104, 105, 1000]
        .into_iter()
        .chain(1001..=1008)
        .collect();
    for n in &push {
        assert!(
            lookup_status(StatusTable::RegisterPush, *n).is_some(),
            "push status {n}"
        );
        assert_ne!(RegisterPushStatus::from_code(*n), RegisterPushStatus::Other(*n));
    }
    for n in [0, 3] {
        assert!(lookup_status(StatusTable::TrialPush, n).is_some(), "trial status {n}");
    }
    assert_eq!(statuses(StatusTable::Task).len(), task.len());
    // The same number means different things in different tables.
    assert_ne!(
        lookup_status(StatusTable::Task, 2).unwrap().en,
        lookup_status(StatusTable::TrialPush, 3).unwrap().en
    );
}
