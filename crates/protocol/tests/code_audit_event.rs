//! The code-audit pushes (lifecycle spec §3): the spec's own samples parse into typed events,
//! `to_xml` writes what parses back, and older parsers keep seeing them as unknown events.

use fastreg_protocol::event::{AuthorizerEvent, CodeAuditEvent, parse_authorizer_event, parse_code_audit_event};

const FAIL: &str = r#"<xml>
  <ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>
  <FromUserName><![CDATA[oABCDEF-system-openid]]></FromUserName>
  <CreateTime>1735689600</CreateTime>
  <MsgType><![CDATA[event]]></MsgType>
  <Event><![CDATA[weapp_audit_fail]]></Event>
  <Reason><![CDATA[小程序内涉及收集相关接口或组件，请通过接口完善【用户隐私保护指引】后再重新提审]]></Reason>
  <FailTime>1735689600</FailTime>
  <ScreenShot><![CDATA[mediaid1|mediaid2]]></ScreenShot>
</xml>"#;

#[test]
fn the_spec_fail_sample_parses_with_reason_and_screenshots() {
    let Some(CodeAuditEvent::Fail {
        to_user_name,
        reason,
        fail_time,
        screen_shot,
        ..
    }) = parse_code_audit_event(FAIL).unwrap()
    else {
        panic!("not a fail push")
    };
    assert_eq!(to_user_name, "gh_0123456789ab");
    assert!(reason.starts_with("小程序内涉及收集"));
    assert_eq!(fail_time, 1_735_689_600);
    assert_eq!(screen_shot, "mediaid1|mediaid2");
}

#[test]
fn success_and_delay_round_trip_through_xml() {
    let events = [
        CodeAuditEvent::Success {
            to_user_name: "gh_1".into(),
            from_user_name: "o1".into(),
            create_time: 10,
            succ_time: 10,
        },
        CodeAuditEvent::Delay {
            to_user_name: "gh_1".into(),
            from_user_name: "o1".into(),
            create_time: 11,
            reason: "为了更好的服务小程序]]>".into(),
            delay_time: 11,
        },
    ];
    for e in events {
        assert_eq!(parse_code_audit_event(&e.to_xml()).unwrap(), Some(e.clone()));
        assert!(e.event_id().starts_with(&format!("authorizer:{}:gh_1:", e.event())));
    }
}

#[test]
fn older_matches_see_an_unknown_event_and_other_events_are_not_code_audits() {
    assert!(matches!(
        parse_authorizer_event(FAIL).unwrap(),
        AuthorizerEvent::Unknown { event, .. } if event == "weapp_audit_fail"
    ));
    let nickname = "<xml><ToUserName>gh_1</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>\
                    <MsgType>event</MsgType><Event>wxa_nickname_audit</Event><ret>3</ret><nickname>n</nickname></xml>";
    assert_eq!(parse_code_audit_event(nickname).unwrap(), None);
    let missing = FAIL.replace("<FailTime>1735689600</FailTime>", "");
    assert!(
        parse_code_audit_event(&missing)
            .unwrap_err()
            .to_string()
            .contains("FailTime")
    );
}
