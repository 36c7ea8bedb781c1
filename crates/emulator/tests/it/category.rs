//! Categories, spec §6, and the rules of 53300–53308.

use crate::support::*;
use fastreg_emulator::Scenario;
use fastreg_emulator::builtin::*;
use serde_json::{Value, json};

const ADD: &str = "/cgi-bin/wxopen/addcategory";
const DELETE: &str = "/cgi-bin/wxopen/deletecategory";
const MODIFY: &str = "/cgi-bin/wxopen/modifycategory";
const EMIGRATION_LICENSE: &str = "《因私出入境中介机构经营许可证》";

async fn get(env: &Env, token: &str) -> Value {
    env.get(&format!("/cgi-bin/wxopen/getcategory?access_token={token}"))
        .await
}

async fn add(env: &Env, token: &str, categories: Value) -> Value {
    env.call(ADD, token, json!({"categories": categories})).await
}

/// Adds 教育/出国移民 with its qualification: the audit it opened.
async fn add_sensitive(env: &Env, mp: &MiniProgram) -> u64 {
    let cert = env.image(&mp.token).await;
    let v = add(
        env,
        &mp.token,
        json!([{"first": 8, "second": 39, "certicates": [{"key": EMIGRATION_LICENSE, "value": cert}]}]),
    )
    .await;
    assert_eq!(v["errcode"], 0, "{v}");
    let audits = env.get("/__emulator/audits").await;
    audits["audits"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|a| a["appid"] == mp.appid.as_str() && a["kind"] == "category")
        .unwrap()["audit_id"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn getallcategories_is_a_flat_tree_with_sensitive_qualifications() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let v = env
        .get(&format!("/cgi-bin/wxopen/getallcategories?access_token={}", mp.token))
        .await;
    assert_eq!(v["errcode"], 0, "{v}");
    let nodes = v["category_list"]["categories"].as_array().unwrap();
    let node = |id: u64| nodes.iter().find(|n| n["id"] == id).unwrap().clone();
    let root = node(0);
    assert!(root["children"].as_array().unwrap().len() >= 10, "{root}");
    assert_eq!(node(8)["name"], "教育");
    assert_eq!(node(39)["name"], "出国移民");
    assert_eq!(node(39)["father"], 8);
    assert_eq!(node(39)["level"], 2);
    assert_eq!(node(39)["sensitive_type"], 1);
    let news = node(874);
    assert_eq!(
        news["qualify"]["exter_list"][0]["inner_list"][0]["name"],
        "有资质证件：《互联网新闻信息服务许可证》"
    );
    assert_eq!(node(868)["name"], "时政信息");
}

#[tokio::test]
async fn addcategory_plain_is_approved_at_once_and_spends_the_quota() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let v = add(
        &env,
        &mp.token,
        json!([{"first": 304, "second": 305, "certicates": []}, {"first": 110, "second": 111}]),
    )
    .await;
    assert_eq!(v["errcode"], 0, "{v}");
    let g = get(&env, &mp.token).await;
    assert_eq!(g["limit"], 5);
    assert_eq!(g["quota"], 4, "{g}");
    assert_eq!(g["category_limit"], 20);
    let c = &g["categories"][0];
    assert_eq!(
        (c["first_name"].as_str(), c["second_name"].as_str()),
        (Some("工具"), Some("信息查询"))
    );
    assert_eq!(c["audit_status"], 3);
}

/// A sensitive category starts in review; its audit result is pushed as wxa_category_audit.
#[tokio::test]
async fn addcategory_sensitive_is_audited_and_pushed() {
    let env = Env::start().await;
    let receiver = Receiver::start().await;
    env.control(
        "components",
        json!({"appid": COMPONENT_APPID, "message_url": format!("{}/msg/$APPID$", receiver.url)}),
    )
    .await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let audit_id = add_sensitive(&env, &mp).await;
    assert_eq!(get(&env, &mp.token).await["categories"][0]["audit_status"], 1);
    env.advance(86_400).await;
    let pushes = receiver.wait_for(1).await;
    let (_, xml) = pushes
        .iter()
        .find(|(_, x)| x.contains("wxa_category_audit"))
        .expect("a category audit push");
    match fastreg_protocol::event::parse_authorizer_event(xml).unwrap() {
        fastreg_protocol::event::AuthorizerEvent::CategoryAudit { first, second, ret, .. } => {
            assert_eq!((first, second), (8, 39));
            assert_eq!(ret, fastreg_protocol::event::AuditOutcome::Approved);
        }
        other => panic!("{other:?}"),
    }
    let ctoken = env.component_token().await;
    let token = env.authorize(&ctoken, &mp.appid).await["authorizer_access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(get(&env, &token).await["categories"][0]["audit_status"], 3);
    let _ = audit_id;
}

#[tokio::test]
async fn addcategory_53303_sensitive_without_qualification_or_unknown_ids() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    assert_err(
        &add(&env, &mp.token, json!([{"first": 8, "second": 39, "certicates": []}])).await,
        53303,
    );
    assert_err(&add(&env, &mp.token, json!([{"first": 8, "second": 39, "certicates": [{"key": EMIGRATION_LICENSE, "value": "not-uploaded-media"}]}])).await, 53303);
    assert_err(&add(&env, &mp.token, json!([{"first": 8, "second": 305}])).await, 53303);
    assert_err(
        &add(&env, &mp.token, json!([{"first": 99999, "second": 1}])).await,
        53303,
    );
    assert_err(&add(&env, &mp.token, json!([])).await, 53303);
    assert_err(&env.call(ADD, &mp.token, json!({"categories": "x"})).await, 53303);
}

#[tokio::test]
async fn addcategory_53304_duplicate() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    assert_eq!(
        add(&env, &mp.token, json!([{"first": 304, "second": 305}])).await["errcode"],
        0
    );
    assert_err(
        &add(&env, &mp.token, json!([{"first": 304, "second": 305}])).await,
        53304,
    );
    assert_err(
        &add(
            &env,
            &mp.token,
            json!([{"first": 304, "second": 306}, {"first": 304, "second": 306}]),
        )
        .await,
        53304,
    );
}

#[tokio::test]
async fn addcategory_53301_over_category_limit() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let plain: Vec<Value> = [(304, 305..=311), (150, 151..=157), (220, 221..=224), (110, 111..=114)]
        .into_iter()
        .flat_map(|(f, seconds)| seconds.map(move |s| json!({"first": f, "second": s})))
        .collect();
    assert!(plain.len() > 20);
    assert_err(&add(&env, &mp.token, Value::Array(plain[..21].to_vec())).await, 53301);
    assert_eq!(
        add(&env, &mp.token, Value::Array(plain[..20].to_vec())).await["errcode"],
        0
    );
    assert_err(&add(&env, &mp.token, Value::Array(plain[20..21].to_vec())).await, 53301);
}

#[tokio::test]
async fn addcategory_53300_sixth_change_in_a_month() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let clock = env.get("/__emulator/clock").await;
    env.advance(clock["next_month_starts_at"].as_i64().unwrap() - clock["now"].as_i64().unwrap() + 60)
        .await;
    let ctoken = env.component_token().await;
    let token = env.authorize(&ctoken, &mp.appid).await["authorizer_access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    for s in 305..=309 {
        assert_eq!(
            add(&env, &token, json!([{"first": 304, "second": s}])).await["errcode"],
            0
        );
    }
    assert_eq!(get(&env, &token).await["quota"], 0);
    assert_err(&add(&env, &token, json!([{"first": 304, "second": 310}])).await, 53300);
}

#[tokio::test]
async fn addcategory_53302_subject_type_not_allowed() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    assert_err(
        &add(&env, &mp.token, json!([{"first": 1052, "second": 1053}])).await,
        53302,
    );
    // A government Mini Program may.
    let gov = env.new_mini_program(OA_GOVERNMENT).await;
    assert_eq!(
        add(&env, &gov.token, json!([{"first": 1052, "second": 1053}])).await["errcode"],
        0
    );
}

#[tokio::test]
async fn addcategory_53305_needs_icp_filing() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_OTHER).await;
    assert_err(
        &add(&env, &mp.token, json!([{"first": 1200, "second": 1202}])).await,
        53305,
    );
    let ok = env.new_mini_program(OA_ENTERPRISE).await;
    assert_eq!(
        add(&env, &ok.token, json!([{"first": 1200, "second": 1202}])).await["errcode"],
        0
    );
}

#[tokio::test]
async fn modifycategory_53306_ids_not_set() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    assert_err(
        &env.call(MODIFY, &mp.token, json!({"first": 8, "second": 39, "certicates": []}))
            .await,
        53306,
    );
}

#[tokio::test]
async fn modifycategory_53307_only_rejected_and_resubmits() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let audit_id = add_sensitive(&env, &mp).await;
    let cert = env.image(&mp.token).await;
    let body = json!({"first": 8, "second": 39, "certicates": [{"key": EMIGRATION_LICENSE, "value": cert}]});
    assert_err(&env.call(MODIFY, &mp.token, body.clone()).await, 53307);
    env.control(
        &format!("audits/{audit_id}"),
        json!({"approve": false, "reason": "资质不清晰"}),
    )
    .await;
    let g = get(&env, &mp.token).await;
    assert_eq!(g["categories"][0]["audit_status"], 2);
    assert_eq!(g["categories"][0]["audit_reason"], "资质不清晰");
    assert_eq!(env.call(MODIFY, &mp.token, body).await["errcode"], 0);
    assert_eq!(get(&env, &mp.token).await["categories"][0]["audit_status"], 1);
}

#[tokio::test]
async fn deletecategory_53308_under_review_and_deletes_otherwise() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    add_sensitive(&env, &mp).await;
    assert_err(
        &env.call(DELETE, &mp.token, json!({"first": 8, "second": 39})).await,
        53308,
    );
    assert_eq!(
        add(&env, &mp.token, json!([{"first": 304, "second": 305}])).await["errcode"],
        0
    );
    assert_eq!(
        env.call(DELETE, &mp.token, json!({"first": 304, "second": 305})).await["errcode"],
        0
    );
    assert_eq!(get(&env, &mp.token).await["categories"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn category_apis_41033_not_fast_registered() {
    let env = Env::start().await;
    let ctoken = env.component_token().await;
    let token = env.authorize(&ctoken, MP_NOT_FAST_REGISTERED).await["authorizer_access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_err(&add(&env, &token, json!([{"first": 304, "second": 305}])).await, 41033);
    assert_err(&get(&env, &token).await, 41033);
}

#[tokio::test]
async fn scenario_category_limit_is_configurable() {
    let mut scenario = Scenario::builtin();
    scenario.settings.category_limit = 1;
    let env = Env::with(scenario).await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    assert_eq!(
        add(&env, &mp.token, json!([{"first": 304, "second": 305}])).await["errcode"],
        0
    );
    assert_err(
        &add(&env, &mp.token, json!([{"first": 304, "second": 306}])).await,
        53301,
    );
    assert_eq!(get(&env, &mp.token).await["category_limit"], 1);
}
