//! Every code and status of the registration routes, reached on purpose: one table of cases,
//! each driving the emulator by data (a built-in subject, a component, a scenario setting) or a
//! documented control-API field and asserting what the user sees (the errcode, the query's or
//! the control API's `status`, the push's `status`). The test first checks the table covers
//! every registration-route code of the catalog and every status of its three status tables,
//! then runs every case.

use crate::register_flow::*;
use crate::register_legacy::{old_body, online, with};
use crate::support::*;
use fastreg_emulator::Scenario;
use fastreg_emulator::builtin::*;
use fastreg_protocol::catalog::task_status::{StatusTable, lookup_status, statuses};
use fastreg_protocol::catalog::{lookup, registration_routes};
use fastreg_protocol::event::{RegistrationKind, RegistrationPush};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;

/// What a user sees: an errcode, a task status (query / control API), a push status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Seen {
    Errcode(i64),
    Task(i64),
    RegisterPush(i64),
    TrialPush(i64),
}
use Seen::*;

type Run = Box<dyn Fn() -> Pin<Box<dyn Future<Output = ()>>>>;

struct Case {
    name: &'static str,
    reaches: Vec<Seen>,
    run: Run,
}

macro_rules! case {
    ($name:expr, [$($seen:expr),* $(,)?], $body:expr) => {
        Case { name: $name, reaches: vec![$($seen),*], run: Box::new(|| Box::pin($body)) }
    };
}

/// The trial pushes' statuses no trial can reach: the subject caps. A trial's subject is its
/// admin, a person, whose caps are 1003–1008.
const TRIAL_UNREACHABLE: [i64; 2] = [1001, 1002];

/// Codes the routes answer that live in other parts of the catalog.
const OTHER_CODES: [i64; 2] = [-1, 45009];

async fn ent_confirmed(code: &str, body: Value) -> (RegEnv, Value, RegistrationPush) {
    let r = RegEnv::start().await;
    let name = r.env.get("/__emulator/state").await["enterprises"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["code"] == code)
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| "未登记的企业".to_owned());
    let v = r.enterprise(&name, code).await;
    assert_eq!(v["errcode"], 0, "{v}");
    assert_eq!(v["status"], 0, "{v}");
    let mut body = body;
    body["id"] = v["taskid"].clone();
    let c = r.confirm_with(body).await;
    let push = r.push(RegistrationKind::FastRegister, 1).await;
    (r, c, push)
}

/// An enterprise confirmed to its end: the control API's status and the push's.
async fn enterprise_ends(code: &str, body: Value, task: i64, push: i64) {
    let (r, c, p) = ent_confirmed(code, body).await;
    assert_eq!(c["status"], task, "{c}");
    assert_eq!(p.status, push);
    assert!(p.appid.is_none() && p.auth_code.is_none());
    assert!(lookup_status(StatusTable::RegisterPush, push).is_some());
    drop(r);
}

/// A personal task walked to `until`: the query shows `status`.
async fn personal_stops(until: &str, status: i64) {
    let r = RegEnv::start().await;
    let v = r.personal(PERSON_OK).await;
    let id = v["taskid"].as_str().unwrap();
    let c = r.confirm_with(json!({"id": id, "until": until})).await;
    assert_eq!(c["status"], status, "{c}");
    assert_eq!(r.query("personal", id).await["status"], status);
}

/// A trial confirmed by a user: the trial push's status.
async fn trial_ends(openid: &str, decline: bool, push: i64) {
    let r = RegEnv::start().await;
    let v = r.trial("小麦烤鸡", openid).await;
    assert_eq!(v["errcode"], 0, "{v}");
    r.confirm(v["unique_id"].as_str().unwrap(), decline, true).await;
    let p = r.push(RegistrationKind::TrialCreated, 1).await;
    assert_eq!(p.status, push);
    assert!(lookup_status(StatusTable::TrialPush, push).is_some());
}

/// A create with a component token of another built-in component.
async fn with_component(component: &str, route: &str) -> Value {
    let r = RegEnv::start().await;
    let ctoken = r.other_ctoken(component).await;
    let body = match route {
        "enterprise" => json!({"name": ENT_OK_NAME, "code": ENT_OK, "component_phone": "1", "new_version": true}),
        _ => json!({"wxuser": PERSON_OK, "component_phone": "1", "new_version": true}),
    };
    r.env
        .post(
            &format!("/wxa/component/fastregister{route}weapp?action=create&access_token={ctoken}"),
            body,
        )
        .await
}

fn verify_body() -> Value {
    json!({"verify_info": {"enterprise_name": ENT_OK_NAME, "code": ENT_OK, "component_phone": "1"}, "new_version": true})
}

fn cases() -> Vec<Case> {
    let mut cases = vec![
        // --- the enterprise route: create, the page's steps, the pushes ---
        case!("enterprise succeeds", [Task(0), Task(12), RegisterPush(0)], async {
            let (r, c, p) = ent_confirmed(ENT_OK, json!({})).await;
            assert_eq!(c["status"], 12);
            assert_eq!(p.status, 0);
            let appid = p.appid.clone().unwrap().into_string();
            r.exchange_and_call(p.auth_code.as_ref().unwrap().as_str(), &appid)
                .await;
        }),
        case!(
            "enterprise declined",
            [Task(2), RegisterPush(2)],
            enterprise_ends(ENT_OK, json!({"decline": true}), 2, 2)
        ),
        case!(
            "enterprise face check fails",
            [Task(5), RegisterPush(-1)],
            enterprise_ends(ENT_OK, json!({"face_ok": false}), 5, -1)
        ),
        case!(
            "enterprise phone code wrong",
            [Task(8), RegisterPush(8)],
            enterprise_ends(ENT_OK, json!({"phone_ok": false}), 8, 8)
        ),
        case!(
            "enterprise unknown to the registry",
            [Task(14), RegisterPush(102)],
            enterprise_ends(ENT_UNKNOWN, json!({}), 14, 102)
        ),
        case!(
            "registry 101",
            [RegisterPush(101)],
            enterprise_ends(ENT_REGISTRY_101, json!({}), 14, 101)
        ),
        case!(
            "registry 103",
            [RegisterPush(103)],
            enterprise_ends(ENT_REGISTRY_103, json!({}), 14, 103)
        ),
        case!(
            "registry 104",
            [RegisterPush(104)],
            enterprise_ends(ENT_REGISTRY_104, json!({}), 14, 104)
        ),
        case!(
            "registry 105",
            [RegisterPush(105)],
            enterprise_ends(ENT_REGISTRY_105, json!({}), 14, 105)
        ),
        case!(
            "registry 1000",
            [RegisterPush(1000)],
            enterprise_ends(ENT_REGISTRY_1000, json!({}), 14, 1000)
        ),
        case!("timeout unopened", [Task(1), RegisterPush(100_003)], async {
            let mut r = RegEnv::start().await;
            let v = r.enterprise(ENT_OK_NAME, ENT_OK).await;
            r.advance(86_400).await;
            assert_eq!(r.query("enterprise", v["taskid"].as_str().unwrap()).await["status"], 1);
            assert_eq!(r.push(RegistrationKind::FastRegister, 1).await.status, 100_003);
        }),
        case!("timeout after opening the page", [RegisterPush(100_001)], async {
            let mut r = RegEnv::start().await;
            let v = r.enterprise(ENT_OK_NAME, ENT_OK).await;
            r.env
                .http
                .get(v["authorize_url"].as_str().unwrap())
                .send()
                .await
                .unwrap();
            r.advance(86_400).await;
            assert_eq!(r.push(RegistrationKind::FastRegister, 1).await.status, 100_001);
        }),
        case!(
            "timeout during the face check",
            [Task(4), RegisterPush(100_002)],
            async {
                let mut r = RegEnv::start().await;
                let v = r.enterprise(ENT_OK_NAME, ENT_OK).await;
                let id = v["taskid"].as_str().unwrap();
                r.confirm_with(json!({"id": id, "until": "face_started"})).await;
                assert_eq!(r.query("enterprise", id).await["status"], 4);
                r.advance(86_400).await;
                assert_eq!(r.push(RegistrationKind::FastRegister, 1).await.status, 100_002);
            }
        ),
        // --- personal: the steps the query shows, a minor ---
        case!("personal agreed", [Task(3)], personal_stops("agreed", 3)),
        case!("personal face checked", [Task(6)], personal_stops("face_checked", 6)),
        case!("personal code sent", [Task(7)], personal_stops("code_sent", 7)),
        case!(
            "personal phone verified",
            [Task(9)],
            personal_stops("phone_verified", 9)
        ),
        case!("personal submitted", [Task(10)], personal_stops("submitted", 10)),
        case!("personal minor", [Task(11)], async {
            let r = RegEnv::start().await;
            let v = r.personal(PERSON_MINOR).await;
            let id = v["taskid"].as_str().unwrap();
            assert_eq!(r.confirm(id, false, true).await["status"], 11);
            assert_eq!(r.query("personal", id).await["status"], 11);
        }),
        // --- the trial: create, convert ---
        case!("trial succeeds", [TrialPush(0)], trial_ends(PERSON_OK_OPENID, false, 0)),
        case!("trial declined", [TrialPush(2)], trial_ends(PERSON_OK_OPENID, true, 2)),
        case!("trial overdue", [TrialPush(3)], async {
            let mut r = RegEnv::start().await;
            r.trial("小麦烤鸡", PERSON_OK_OPENID).await;
            r.advance(86_400).await;
            assert_eq!(r.push(RegistrationKind::TrialCreated, 1).await.status, 3);
        }),
        case!("trial converted", [Task(13)], async {
            let r = RegEnv::start().await;
            let (appid, token, _) = r.trial_mp().await;
            let v = r.env.call("/wxa/verifybetaweapp", &token, verify_body()).await;
            assert_eq!(v["errcode"], 0, "{v}");
            let id = r.env.get("/__emulator/register-tasks").await["tasks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["route"] == "trial_verify")
                .map(|t| t["id"].as_str().unwrap().to_owned())
                .unwrap();
            let c = r.confirm(&id, false, true).await;
            assert_eq!(c["status"], 13, "{c}");
            assert_eq!(c["appid"], appid.as_str());
        }),
        // --- create errors ---
        case!("-1 old version offline", [Errcode(-1)], async {
            let r = RegEnv::start().await;
            assert_err(&r.old("create", old_body()).await, -1);
        }),
        case!("40003", [Errcode(40003)], async {
            assert_err(&RegEnv::start().await.trial("小麦烤鸡", "o_nobody").await, 40003);
        }),
        case!("45011 and 45009", [Errcode(45011), Errcode(45009)], async {
            let mut s = Scenario::builtin();
            s.registration.verify_per_day = 6;
            let mut r = RegEnv::with(s).await;
            let (_, token, _) = r.trial_mp().await;
            async fn call(r: &RegEnv, token: &str) -> Value {
                r.env
                    .call("/wxa/verifybetaweapp", token, json!({"new_version": true}))
                    .await
            }
            for _ in 0..5 {
                assert_err(&call(&r, &token).await, 86030);
            }
            assert_err(&call(&r, &token).await, 45011);
            r.advance(60).await;
            assert_err(&call(&r, &token).await, 86030);
            assert_err(&call(&r, &token).await, 45009);
        }),
        case!("61070", [Errcode(61070)], async {
            assert_err(
                &online()
                    .await
                    .old("create", with("legal_persona_name", json!("李四")))
                    .await,
                61070,
            );
        }),
        case!("86004", [Errcode(86004)], async {
            assert_err(
                &online()
                    .await
                    .old("create", with("legal_persona_wechat", json!("nobody")))
                    .await,
                86004,
            );
        }),
        case!("86011", [Errcode(86011)], async {
            assert_err(
                &RegEnv::start().await.trial("微信烤鸡店", PERSON_OK_OPENID).await,
                86011,
            );
        }),
        case!("86021", [Errcode(86021)], async {
            assert_err(
                &RegEnv::start()
                    .await
                    .enterprise("深圳市已注销示例有限公司", ENT_NOT_OPERATING)
                    .await,
                86021,
            );
        }),
        case!("86022", [Errcode(86022)], async {
            assert_err(&RegEnv::start().await.enterprise("另一家公司", ENT_OK).await, 86022);
        }),
        case!("86030", [Errcode(86030)], async {
            let r = RegEnv::start().await;
            let v = r
                .env
                .post(
                    &format!(
                        "/wxa/component/fastregisterpersonalweapp?action=create&access_token={}",
                        r.ctoken
                    ),
                    json!({"component_phone": "1", "new_version": true}),
                )
                .await;
            assert_err(&v, 86030);
        }),
        case!("86031", [Errcode(86031)], async {
            assert_err(&with_component(COMPONENT_UNPUBLISHED_APPID, "personal").await, 86031);
        }),
        case!("86032", [Errcode(86032)], async {
            assert_err(&RegEnv::start().await.personal("nobody_here").await, 86032);
        }),
        case!("86033", [Errcode(86033)], async {
            assert_err(&with_component(COMPONENT_MISSING_SETS_APPID, "personal").await, 86033);
        }),
        case!("86034", [Errcode(86034)], async {
            assert_err(&RegEnv::start().await.personal(PERSON_BLACKLISTED).await, 86034);
        }),
        case!("86036", [Errcode(86036)], async {
            let r = online().await;
            let v = r
                .env
                .post(
                    &format!(
                        "/wxa/component/fastregisterpersonalweapp?action=create&access_token={}",
                        r.ctoken
                    ),
                    json!({"idname": "王五", "wxuser": PERSON_OK}),
                )
                .await;
            assert_err(&v, 86036);
        }),
        case!("86040", [Errcode(86040)], async {
            assert_err(&with_component(COMPONENT_INDIVIDUAL_APPID, "personal").await, 86040);
        }),
        case!("89247", [Errcode(89247)], async {
            assert_err(
                &online()
                    .await
                    .old("create", with("code", json!("440300123456789")))
                    .await,
                89247,
            );
        }),
        case!("89248", [Errcode(89248)], async {
            assert_err(&online().await.old("create", with("code_type", json!(7))).await, 89248);
        }),
        case!("89249", [Errcode(89249)], async {
            let r = RegEnv::start().await;
            r.enterprise(ENT_OK_NAME, ENT_OK).await;
            assert_err(&r.enterprise(ENT_OK_NAME, ENT_OK).await, 89249);
        }),
        case!("89250", [Errcode(89250)], async {
            assert_err(&RegEnv::start().await.query("enterprise", "nope").await, 89250);
        }),
        case!("89251 and 89252", [Errcode(89251), Errcode(89252)], async {
            let mut r = online().await;
            assert_eq!(r.old("create", old_body()).await["errcode"], 0);
            let search =
                json!({"name": ENT_OK_NAME, "legal_persona_wechat": "legal_zhangsan", "legal_persona_name": "张三"});
            assert_err(&r.old("search", search.clone()).await, 89252);
            r.advance(60).await;
            assert_err(&r.old("search", search).await, 89251);
        }),
        case!("89253", [Errcode(89253)], async {
            assert_err(&online().await.old("create", with("code", Value::Null)).await, 89253);
        }),
        case!("89254", [Errcode(89254)], async {
            assert_err(&with_component(COMPONENT_UNPUBLISHED_APPID, "enterprise").await, 89254);
        }),
        case!("89255", [Errcode(89255)], async {
            assert_err(
                &RegEnv::start().await.enterprise(ENT_OK_NAME, "440300123456789").await,
                89255,
            );
        }),
        case!("89295", [Errcode(89295)], async {
            assert_err(&with_component(COMPONENT_INDIVIDUAL_APPID, "enterprise").await, 89295);
        }),
        case!("91020 and 91021", [Errcode(91020), Errcode(91021)], async {
            let r = RegEnv::start().await;
            let (_, token) = r.enterprise_mp().await;
            let v = r
                .env
                .call("/wxa/setbetaweappnickname", &token, json!({"name": "小麦烤鸡"}))
                .await;
            assert_err(&v, 91020);
            assert_err(&r.env.call("/wxa/verifybetaweapp", &token, verify_body()).await, 91021);
        }),
        case!("91030", [Errcode(91030)], async {
            let r = RegEnv::start().await;
            for _ in 0..5 {
                assert_eq!(r.personal(PERSON_OK).await["errcode"], 0);
            }
            assert_err(&r.personal(PERSON_OK).await, 91030);
        }),
    ];
    // The caps and blacklists: the same number as task status and push status.
    let enterprise_caps = [
        (ENT_SUBJECT_CAP, 1001),
        (ENT_BLACKLISTED, 1002),
        (ENT_ADMIN_CAP, 1003),
        (ENT_ADMIN_BLACKLISTED, 1004),
        (ENT_PHONE_CAP, 1005),
        (ENT_PHONE_BLACKLISTED, 1006),
        (ENT_ID_CARD_CAP, 1007),
        (ENT_ID_CARD_BLACKLISTED, 1008),
    ];
    for (code, n) in enterprise_caps {
        cases.push(Case {
            name: "enterprise cap",
            reaches: vec![Task(n), RegisterPush(n)],
            run: Box::new(move || Box::pin(enterprise_ends(code, json!({}), n, n))),
        });
    }
    let trial_caps = [
        (PERSON_AT_CAP, 1003),
        (PERSON_BLACKLISTED, 1004),
        (PERSON_PHONE_CAP, 1005),
        (PERSON_PHONE_BLACKLISTED, 1006),
        (PERSON_ID_CARD_CAP, 1007),
        (PERSON_ID_CARD_BLACKLISTED, 1008),
    ];
    for (person, n) in trial_caps {
        cases.push(Case {
            name: "trial admin cap",
            reaches: vec![TrialPush(n)],
            run: Box::new(move || Box::pin(async move { trial_ends(&openid_of(person), false, n).await })),
        });
    }
    cases
}

/// Everything the notes and the catalog give the routes.
fn required() -> BTreeSet<Seen> {
    let mut all: BTreeSet<Seen> = registration_routes().iter().map(|e| Errcode(e.code)).collect();
    all.extend(OTHER_CODES.map(Errcode));
    all.extend(statuses(StatusTable::Task).iter().map(|e| Task(e.code)));
    all.extend(statuses(StatusTable::RegisterPush).iter().map(|e| RegisterPush(e.code)));
    all.extend(
        statuses(StatusTable::TrialPush)
            .iter()
            .filter(|e| !TRIAL_UNREACHABLE.contains(&e.code))
            .map(|e| TrialPush(e.code)),
    );
    all
}

#[test]
fn the_table_covers_every_registration_code_and_status() {
    let covered: BTreeSet<Seen> = cases().iter().flat_map(|c| c.reaches.clone()).collect();
    let missing: Vec<Seen> = required().into_iter().filter(|s| !covered.contains(s)).collect();
    assert!(missing.is_empty(), "no case reaches {missing:?}");
    // Nothing is claimed that the catalog does not know.
    for s in &covered {
        let known = match *s {
            Errcode(c) => lookup(c).is_some(),
            Task(c) => lookup_status(StatusTable::Task, c).is_some(),
            RegisterPush(c) => lookup_status(StatusTable::RegisterPush, c).is_some(),
            TrialPush(c) => lookup_status(StatusTable::TrialPush, c).is_some(),
        };
        assert!(known, "{s:?} is not in the catalog");
    }
    // The trial's exceptions are real: the catalog lists them, and a trial reaches their
    // admin counterparts instead.
    for c in TRIAL_UNREACHABLE {
        assert!(lookup_status(StatusTable::TrialPush, c).is_some());
        assert!(!covered.contains(&TrialPush(c)));
    }
    assert_eq!(registration_routes().len(), 27);
}

#[tokio::test]
async fn every_registration_code_and_status_is_reached_on_purpose() {
    let cases = cases();
    let n = cases.len();
    // Four at a time: each case runs its own emulator.
    let mut it = cases.into_iter();
    loop {
        let batch: Vec<Case> = it.by_ref().take(4).collect();
        if batch.is_empty() {
            break;
        }
        let runs = batch.iter().map(|c| {
            let name = c.name;
            let fut = (c.run)();
            async move {
                fut.await;
                name
            }
        });
        futures::future::join_all(runs).await;
    }
    assert!(n > 60, "{n} cases");
}
