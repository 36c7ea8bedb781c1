//! One wire: every endpoint's successful answer decodes into the protocol crate's response type
//! and encodes back to the same JSON. The emulator builds its answers from those types, so a
//! field the emulator sends that the type does not know (or the reverse) fails here, not in a
//! platform's decoder.

use crate::support::*;
use fastreg_emulator::builtin::*;
use fastreg_protocol::Endpoint;
use fastreg_protocol::endpoint::Envelope;
use fastreg_protocol::{account, admin, category, component, media, registration};
use serde_json::{Value, json};

/// An answer with `errcode`/`errmsg` beside the fields.
#[track_caller]
fn round_trip<E: Endpoint>(answer: &Value) {
    assert_eq!(answer["errcode"], 0, "{}: {answer}", E::NAME);
    let typed: Envelope<E::Response> =
        serde_json::from_value(answer.clone()).unwrap_or_else(|e| panic!("{}: {e}: {answer}", E::NAME));
    let again = serde_json::to_value(&typed).unwrap();
    assert_eq!(&again, answer, "{} does not encode back unchanged", E::NAME);
}

/// An answer of the token APIs: the fields alone.
#[track_caller]
fn bare_round_trip<E: Endpoint>(answer: &Value) {
    assert!(answer.get("errcode").is_none(), "{}: {answer}", E::NAME);
    let typed: E::Response =
        serde_json::from_value(answer.clone()).unwrap_or_else(|e| panic!("{}: {e}: {answer}", E::NAME));
    let again = serde_json::to_value(&typed).unwrap();
    assert_eq!(&again, answer, "{} does not encode back unchanged", E::NAME);
}

#[tokio::test]
async fn component_answers_are_the_protocol_types() {
    let env = Env::start().await;
    let ticket = env.ticket(COMPONENT_APPID).await;
    let token = env
        .post(
            "/cgi-bin/component/api_component_token",
            json!({"component_appid": COMPONENT_APPID, "component_appsecret": COMPONENT_SECRET,
                   "component_verify_ticket": ticket}),
        )
        .await;
    bare_round_trip::<component::ComponentToken>(&token);
    let ctoken = token["component_access_token"].as_str().unwrap().to_owned();
    let q = format!("?component_access_token={ctoken}");

    let pre = env
        .post(
            &format!("/cgi-bin/component/api_create_preauthcode{q}"),
            json!({"component_appid": COMPONENT_APPID}),
        )
        .await;
    bare_round_trip::<component::CreatePreAuthCode>(&pre);

    let code = env
        .control(
            "authorize",
            json!({"component_appid": COMPONENT_APPID, "appid": OA_ENTERPRISE, "fast_register": true}),
        )
        .await["auth_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let auth = env.query_auth(&ctoken, &code).await;
    bare_round_trip::<component::QueryAuth>(&auth);
    let refresh = auth["authorization_info"]["authorizer_refresh_token"].clone();

    let refreshed = env
        .post(
            &format!("/cgi-bin/component/api_authorizer_token{q}"),
            json!({"component_appid": COMPONENT_APPID, "authorizer_appid": OA_ENTERPRISE,
                   "authorizer_refresh_token": refresh}),
        )
        .await;
    bare_round_trip::<component::AuthorizerToken>(&refreshed);

    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    for appid in [OA_ENTERPRISE, mp.appid.as_str()] {
        let info = env
            .post(
                &format!("/cgi-bin/component/api_get_authorizer_info{q}"),
                json!({"component_appid": COMPONENT_APPID, "authorizer_appid": appid}),
            )
            .await;
        bare_round_trip::<component::GetAuthorizerInfo>(&info);
    }
    let list = env
        .post(
            &format!("/cgi-bin/component/api_get_authorizer_list{q}"),
            json!({"component_appid": COMPONENT_APPID, "offset": 0, "count": 100}),
        )
        .await;
    assert!(list["total_count"].as_u64().unwrap() >= 2, "{list}");
    bare_round_trip::<component::GetAuthorizerList>(&list);
}

#[tokio::test]
async fn fastregister_and_account_answers_are_the_protocol_types() {
    let env = Env::start().await;
    let ctoken = env.component_token().await;
    let oa_token = env.oa_token(&ctoken, OA_ENTERPRISE).await;
    let ticket = env.confirm(OA_ENTERPRISE, 1).await;
    let registered = env.fastregister(&oa_token, &ticket).await;
    round_trip::<registration::FastRegister>(&registered);
    let code = registered["authorization_code"].as_str().unwrap();
    let token = env.query_auth(&ctoken, code).await["authorization_info"]["authorizer_access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    let basic = env
        .get(&format!("/cgi-bin/account/getaccountbasicinfo?access_token={token}"))
        .await;
    round_trip::<account::AccountBasicInfo>(&basic);
    // The Official Account's, too (verified, with the annual review window).
    let oa_basic = env
        .get(&format!("/cgi-bin/account/getaccountbasicinfo?access_token={oa_token}"))
        .await;
    round_trip::<account::AccountBasicInfo>(&oa_basic);

    let check = env
        .call(
            "/cgi-bin/wxverify/checkwxverifynickname",
            &token,
            json!({"nick_name": "中国示例工具"}),
        )
        .await;
    assert_eq!(check["hit_condition"], true, "{check}");
    round_trip::<account::CheckNickname>(&check);

    let license = env.image(&token).await;
    let upload = env.upload(&token, "image", png(2048)).await;
    round_trip::<media::UploadTempMedia>(&upload);

    let set = env
        .call(
            "/wxa/setnickname",
            &token,
            json!({"nick_name": "示例科技工具箱", "license": license}),
        )
        .await;
    round_trip::<account::SetNickname>(&set);
    let audit = env
        .call(
            "/wxa/api_wxa_querynickname",
            &token,
            json!({"audit_id": set["audit_id"]}),
        )
        .await;
    round_trip::<account::QueryNicknameAudit>(&audit);

    let head = env
        .call(
            "/cgi-bin/account/modifyheadimage",
            &token,
            json!({"head_img_media_id": upload["media_id"], "x1": 0, "y1": 0, "x2": 1, "y2": 1}),
        )
        .await;
    round_trip::<account::ModifyHeadImage>(&head);
    let signature = env
        .call(
            "/cgi-bin/account/modifysignature",
            &token,
            json!({"signature": "提供好玩的服务。"}),
        )
        .await;
    round_trip::<account::ModifySignature>(&signature);
}

#[tokio::test]
async fn category_and_rebind_answers_are_the_protocol_types() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let all = env
        .get(&format!("/cgi-bin/wxopen/getallcategories?access_token={}", mp.token))
        .await;
    round_trip::<category::GetAllCategories>(&all);

    let cert = env.image(&mp.token).await;
    let add = env
        .call(
            "/cgi-bin/wxopen/addcategory",
            &mp.token,
            json!({"categories": [{"first": 304, "second": 305},
                                  {"first": 8, "second": 39, "certicates": [{"key": "《因私出入境中介机构经营许可证》", "value": cert}]}]}),
        )
        .await;
    round_trip::<category::AddCategory>(&add);
    let got = env
        .get(&format!("/cgi-bin/wxopen/getcategory?access_token={}", mp.token))
        .await;
    assert_eq!(got["categories"].as_array().unwrap().len(), 2, "{got}");
    round_trip::<category::GetCategory>(&got);

    let audits = env.get("/__emulator/audits").await;
    let audit_id = audits["audits"][0]["audit_id"].as_u64().unwrap();
    env.control(
        &format!("audits/{audit_id}"),
        json!({"approve": false, "reason": "资质不清晰"}),
    )
    .await;
    let modify = env
        .call(
            "/cgi-bin/wxopen/modifycategory",
            &mp.token,
            json!({"first": 8, "second": 39, "certicates": [{"key": "《因私出入境中介机构经营许可证》", "value": cert}]}),
        )
        .await;
    round_trip::<category::ModifyCategory>(&modify);
    let delete = env
        .call(
            "/cgi-bin/wxopen/deletecategory",
            &mp.token,
            json!({"first": 304, "second": 305}),
        )
        .await;
    round_trip::<category::DeleteCategory>(&delete);

    let confirmed = env
        .control(
            "rebindadmin/confirm",
            json!({"component_appid": COMPONENT_APPID, "appid": mp.appid, "redirect_uri": REDIRECT,
                   "new_admin": {"name": "王五", "id_card": "440300199001010001", "phone": "13700000001",
                                 "wechat_id": "wangwu_1"}}),
        )
        .await;
    let taskid = confirmed["redirect"]
        .as_str()
        .unwrap()
        .split("taskid=")
        .nth(1)
        .unwrap()
        .to_owned();
    let rebind = env
        .call(
            "/cgi-bin/account/componentrebindadmin",
            &mp.token,
            json!({"taskid": taskid}),
        )
        .await;
    round_trip::<admin::RebindAdmin>(&rebind);
}
