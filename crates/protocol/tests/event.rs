//! Push event parsing and writing: the doc's samples, the looseness real pushes show, and the
//! errors a broken push gives.

use fastreg_protocol::event::{
    AuditOutcome, AuthorizerEvent, ComponentEvent, EventError, parse_authorizer_event, parse_component_event,
};
use fastreg_protocol::id::{AppId, AuthorizationCode, Secret};

fn appid(s: &str) -> AppId {
    AppId::parse(s).unwrap()
}

fn verify_ticket() -> ComponentEvent {
    ComponentEvent::VerifyTicket {
        app_id: appid("wx304925fbea25bcbe"),
        create_time: 1413192605,
        ticket: Secret::parse("ticket@@@7CiP6eEXAMPLE").unwrap(),
    }
}

fn authorized() -> ComponentEvent {
    ComponentEvent::Authorized {
        app_id: appid("wx304925fbea25bcbe"),
        create_time: 1413192760,
        authorizer_appid: appid("wxf8b4f85f3a794e77"),
        authorization_code: AuthorizationCode::parse("queryauthcode@@@abc").unwrap(),
        authorization_code_expired_time: 1413196360,
        pre_auth_code: Secret::parse("preauthcode@@@xyz").unwrap(),
    }
}

#[test]
fn verify_ticket_as_the_doc_shows_it() {
    let xml = "<xml>\n<AppId><![CDATA[wx304925fbea25bcbe]]></AppId>\n<CreateTime>1413192605</CreateTime>\n\
               <InfoType><![CDATA[component_verify_ticket]]></InfoType>\n\
               <ComponentVerifyTicket><![CDATA[ticket@@@7CiP6eEXAMPLE]]></ComponentVerifyTicket>\n</xml>";
    assert_eq!(parse_component_event(xml).unwrap(), verify_ticket());
}

#[test]
fn order_cdata_whitespace_and_extra_elements_do_not_matter() {
    let xml = "  <xml>\r\n\t<ComponentVerifyTicket>\n  ticket@@@7CiP6eEXAMPLE \n</ComponentVerifyTicket>\
               <Extra><Nested>1</Nested></Extra><Empty/>\
               <InfoType>component_verify_ticket</InfoType>\
               <CreateTime><![CDATA[1413192605]]></CreateTime>\
               <AppId>wx304925fbea25bcbe</AppId></xml>\n";
    assert_eq!(parse_component_event(xml).unwrap(), verify_ticket());
}

#[test]
fn every_component_event_round_trips_through_to_xml() {
    let update = match authorized() {
        ComponentEvent::Authorized {
            app_id,
            create_time,
            authorizer_appid,
            authorization_code,
            authorization_code_expired_time,
            pre_auth_code,
        } => ComponentEvent::UpdateAuthorized {
            app_id,
            create_time,
            authorizer_appid,
            authorization_code,
            authorization_code_expired_time,
            pre_auth_code,
        },
        _ => unreachable!(),
    };
    let unauthorized = ComponentEvent::Unauthorized {
        app_id: appid("wx304925fbea25bcbe"),
        create_time: 1413192760,
        authorizer_appid: appid("wxf8b4f85f3a794e77"),
    };
    for event in [verify_ticket(), authorized(), update, unauthorized] {
        let xml = event.to_xml();
        assert!(xml.starts_with("<xml><AppId><![CDATA["), "{xml}");
        assert!(xml.contains("<CreateTime>141319"), "numbers are bare: {xml}");
        assert_eq!(parse_component_event(&xml).unwrap(), event, "{xml}");
    }
}

#[test]
fn authorized_push_in_the_doc_order() {
    let xml = authorized().to_xml();
    let order = [
        "AppId",
        "CreateTime",
        "InfoType",
        "AuthorizerAppid",
        "AuthorizationCode",
        "AuthorizationCodeExpiredTime",
        "PreAuthCode",
    ];
    let positions: Vec<usize> = order.iter().map(|e| xml.find(&format!("<{e}>")).unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{xml}");
}

#[test]
fn unknown_info_type_keeps_the_raw_xml() {
    let xml = "<xml><AppId><![CDATA[wx304925fbea25bcbe]]></AppId><CreateTime>1535442403</CreateTime>\
               <InfoType><![CDATA[notify_third_fasteregister]]></InfoType><appid>wxabc</appid>\
               <status>0</status><info><name><![CDATA[tencent]]></name></info></xml>";
    let event = parse_component_event(xml).unwrap();
    assert_eq!(
        event,
        ComponentEvent::Unknown {
            info_type: "notify_third_fasteregister".into(),
            raw: xml.into()
        }
    );
    assert_eq!(event.to_xml(), xml);
    assert!(
        event
            .event_id()
            .starts_with("component:notify_third_fasteregister:raw:")
    );
}

#[test]
fn missing_field_is_named() {
    let xml = "<xml><AppId>wx304925fbea25bcbe</AppId><InfoType>component_verify_ticket</InfoType>\
               <ComponentVerifyTicket>t</ComponentVerifyTicket></xml>";
    let err = parse_component_event(xml).unwrap_err();
    assert!(
        matches!(
            err,
            EventError::Missing {
                element: "CreateTime",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("<CreateTime>"), "{err}");

    let err = parse_component_event("<xml><AppId>wx1</AppId></xml>").unwrap_err();
    assert!(err.to_string().contains("InfoType"), "{err}");
}

#[test]
fn bad_number_is_named_with_its_value() {
    let xml = "<xml><AppId>wx304925fbea25bcbe</AppId><CreateTime>soon</CreateTime>\
               <InfoType>unauthorized</InfoType><AuthorizerAppid>wx2</AuthorizerAppid></xml>";
    let err = parse_component_event(xml).unwrap_err();
    assert!(err.to_string().contains("<CreateTime>"), "{err}");
    assert!(err.to_string().contains("soon"), "{err}");
}

#[test]
fn the_encrypted_envelope_is_recognized() {
    let xml = "<xml><AppId><![CDATA[wx304925fbea25bcbe]]></AppId><Encrypt><![CDATA[abc==]]></Encrypt></xml>";
    assert_eq!(parse_component_event(xml).unwrap_err(), EventError::StillEncrypted);
}

#[test]
fn not_xml_is_malformed() {
    for bad in ["", "just text", "<xml><AppId>wx</AppId>"] {
        let err = parse_component_event(bad).unwrap_err();
        assert!(matches!(err, EventError::Malformed { .. }), "{bad:?}: {err:?}");
    }
}

#[test]
fn a_bad_secret_is_not_echoed() {
    let xml = "<xml><AppId>wx304925fbea25bcbe</AppId><CreateTime>1</CreateTime>\
               <InfoType>component_verify_ticket</InfoType>\
               <ComponentVerifyTicket>secret part</ComponentVerifyTicket></xml>";
    let err = parse_component_event(xml).unwrap_err().to_string();
    assert!(err.contains("ComponentVerifyTicket"), "{err}");
    assert!(!err.contains("secret part"), "{err}");
}

#[test]
fn event_id_is_stable_across_retries_and_distinct_across_pushes() {
    let xml = verify_ticket().to_xml();
    let reformatted = xml.replace("><", ">\n  <");
    let a = parse_component_event(&xml).unwrap().event_id();
    let b = parse_component_event(&reformatted).unwrap().event_id();
    assert_eq!(a, b);
    assert!(!a.contains("7CiP6e"), "the ticket must not leak into the key: {a}");

    let later = ComponentEvent::VerifyTicket {
        app_id: appid("wx304925fbea25bcbe"),
        create_time: 1413193205,
        ticket: Secret::parse("ticket@@@other").unwrap(),
    };
    assert_ne!(a, later.event_id());
    assert_ne!(authorized().event_id(), a);
    assert!(!authorized().event_id().contains("queryauthcode"));
}

const NICKNAME_AUDIT: &str = "<xml>\n<ToUserName><![CDATA[gh_fxxxxxxxa4b2]]></ToUserName>\n\
<FromUserName><![CDATA[odxxxxM]]></FromUserName>\n<CreateTime>1488800000</CreateTime>\n\
<MsgType><![CDATA[event]]></MsgType>\n<Event><![CDATA[wxa_nickname_audit]]></Event>\n\
<ret>2</ret>\n<nickname>昵称</nickname>\n<reason>驳回原因</reason>\n</xml>";

#[test]
fn nickname_audit_as_the_doc_shows_it() {
    let event = parse_authorizer_event(NICKNAME_AUDIT).unwrap();
    assert_eq!(
        event,
        AuthorizerEvent::NicknameAudit {
            to_user_name: "gh_fxxxxxxxa4b2".into(),
            from_user_name: "odxxxxM".into(),
            create_time: 1488800000,
            ret: AuditOutcome::Rejected,
            nickname: "昵称".into(),
            reason: "驳回原因".into(),
        }
    );
    assert_eq!(parse_authorizer_event(&event.to_xml()).unwrap(), event);
}

/// The doc's wxa_category_audit sample closes `<first>` with `</nickname>` and `<second>` with
/// `</reason>` (community thread 0006eed1bdcda8d1fe4c3febf56400); we read it anyway, and write
/// well-formed XML.
#[test]
fn category_audit_with_the_docs_mismatched_tags() {
    let xml = "<xml><ToUserName><![CDATA[gh_fxxxxxxxa4b2]]></ToUserName>\
               <FromUserName><![CDATA[odxxxxM]]></FromUserName><CreateTime>1488800000</CreateTime>\
               <MsgType><![CDATA[event]]></MsgType><Event><![CDATA[wxa_category_audit]]></Event>\
               <ret>3</ret><first>8</nickname><second>39</reason><reason></reason></xml>";
    let event = parse_authorizer_event(xml).unwrap();
    let expected = AuthorizerEvent::CategoryAudit {
        to_user_name: "gh_fxxxxxxxa4b2".into(),
        from_user_name: "odxxxxM".into(),
        create_time: 1488800000,
        first: 8,
        second: 39,
        ret: AuditOutcome::Approved,
        reason: String::new(),
    };
    assert_eq!(event, expected);

    let written = event.to_xml();
    assert!(written.contains("<first><![CDATA[8]]></first>"), "{written}");
    assert!(written.contains("<second><![CDATA[39]]></second>"), "{written}");
    assert_eq!(parse_authorizer_event(&written).unwrap(), expected);
}

#[test]
fn category_ids_as_strings_or_numbers() {
    let as_string = AuthorizerEvent::CategoryAudit {
        to_user_name: "gh_1".into(),
        from_user_name: "o1".into(),
        create_time: 1,
        first: 8,
        second: 39,
        ret: AuditOutcome::Rejected,
        reason: "缺少资质".into(),
    }
    .to_xml();
    let as_number = as_string
        .replace("<first><![CDATA[8]]></first>", "<first>8</first>")
        .replace("<second><![CDATA[39]]></second>", "<second> 39 </second>");
    assert_eq!(
        parse_authorizer_event(&as_string).unwrap(),
        parse_authorizer_event(&as_number).unwrap()
    );
}

#[test]
fn an_undocumented_audit_result_is_an_error_naming_ret() {
    let xml = NICKNAME_AUDIT.replace("<ret>2</ret>", "<ret>1</ret>");
    let err = parse_authorizer_event(&xml).unwrap_err();
    assert!(matches!(err, EventError::Invalid { element: "ret", .. }), "{err:?}");
    assert!(err.to_string().contains("2 (rejected) or 3 (approved)"), "{err}");
}

#[test]
fn a_missing_reason_reads_as_empty_but_a_missing_nickname_is_an_error() {
    let no_reason = NICKNAME_AUDIT.replace("<reason>驳回原因</reason>", "");
    let AuthorizerEvent::NicknameAudit { reason, .. } = parse_authorizer_event(&no_reason).unwrap() else {
        panic!("not a nickname audit")
    };
    assert_eq!(reason, "");

    let no_nickname = NICKNAME_AUDIT.replace("<nickname>昵称</nickname>", "");
    let err = parse_authorizer_event(&no_nickname).unwrap_err();
    assert!(err.to_string().contains("<nickname>"), "{err}");
}

#[test]
fn user_messages_and_unknown_events() {
    let text = "<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName>\
                <CreateTime>1</CreateTime><MsgType>text</MsgType><Content>hi</Content></xml>";
    assert_eq!(
        parse_authorizer_event(text).unwrap_err(),
        EventError::NotAnEvent {
            msg_type: "text".into()
        }
    );

    let other = NICKNAME_AUDIT.replace("wxa_nickname_audit", "weapp_audit_success");
    let event = parse_authorizer_event(&other).unwrap();
    assert_eq!(event.event(), "weapp_audit_success");
    assert_eq!(event.to_xml(), other);
}

#[test]
fn authorizer_event_ids_differ_by_subject() {
    let a = parse_authorizer_event(NICKNAME_AUDIT).unwrap();
    let b = parse_authorizer_event(&NICKNAME_AUDIT.replace("昵称", "别名")).unwrap();
    assert_ne!(a.event_id(), b.event_id());
    assert_eq!(a.event_id(), parse_authorizer_event(&a.to_xml()).unwrap().event_id());
    assert!(
        a.event_id()
            .starts_with("authorizer:wxa_nickname_audit:gh_fxxxxxxxa4b2:1488800000:")
    );
}

#[test]
fn cdata_terminator_in_a_value_survives_to_xml() {
    let event = AuthorizerEvent::NicknameAudit {
        to_user_name: "gh_1".into(),
        from_user_name: "o1".into(),
        create_time: 1,
        ret: AuditOutcome::Rejected,
        nickname: "a]]>b<c>&d".into(),
        reason: "x".into(),
    };
    assert_eq!(parse_authorizer_event(&event.to_xml()).unwrap(), event);
}

#[test]
fn audit_outcome_codes() {
    assert_eq!(AuditOutcome::from_code(2), Some(AuditOutcome::Rejected));
    assert_eq!(AuditOutcome::from_code(3), Some(AuditOutcome::Approved));
    assert_eq!(AuditOutcome::from_code(1), None);
    assert_eq!(AuditOutcome::Approved.code(), 3);
}
