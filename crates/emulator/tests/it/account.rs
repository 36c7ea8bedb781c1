//! Account setup, spec §2–§5: basic info, name check and set (with audits), head image,
//! signature, temporary media.

use crate::support::*;
use fastreg_emulator::Scenario;
use fastreg_emulator::builtin::*;
use serde_json::{Value, json};

const CHECK: &str = "/cgi-bin/wxverify/checkwxverifynickname";
const SET: &str = "/wxa/setnickname";
const QUERY: &str = "/wxa/api_wxa_querynickname";
const HEAD: &str = "/cgi-bin/account/modifyheadimage";
const SIGNATURE: &str = "/cgi-bin/account/modifysignature";

#[tokio::test]
async fn getaccountbasicinfo_answers_get_and_post() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let get = env
        .get(&format!(
            "/cgi-bin/account/getaccountbasicinfo?access_token={}",
            mp.token
        ))
        .await;
    let post = env
        .call("/cgi-bin/account/getaccountbasicinfo", &mp.token, json!({}))
        .await;
    for v in [&get, &post] {
        assert_eq!(v["errcode"], 0, "{v}");
        assert_eq!(v["errmsg"], "ok");
        assert_eq!(v["appid"], mp.appid.as_str());
        assert_eq!(v["principal_type"], 1);
        assert_eq!(v["signature_info"]["modify_quota"], 5);
        assert_eq!(v["head_image_info"]["modify_used_count"], 0);
        assert!(v["wx_verify_info"]["annual_review_end_time"].as_i64().unwrap() > 0);
    }
}

async fn check(env: &Env, token: &str, name: &str) -> Value {
    env.call(CHECK, token, json!({"nick_name": name})).await
}

#[tokio::test]
async fn checknickname_usable_and_keyword_hit_condition_with_wording() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let v = check(&env, &mp.token, "示例科技工具箱").await;
    assert_eq!(v["errcode"], 0, "{v}");
    assert_eq!(v["hit_condition"], false);
    let v = check(&env, &mp.token, "中国示例工具").await;
    assert_eq!(v["hit_condition"], true, "{v}");
    assert!(v["wording"].as_str().unwrap().contains("商标注册证"));
}

macro_rules! check_case {
    ($name:ident, $nick:expr, $code:expr) => {
        #[tokio::test]
        async fn $name() {
            let env = Env::start().await;
            let mp = env.new_mini_program(OA_ENTERPRISE).await;
            assert_err(&check(&env, &mp.token, $nick).await, $code);
        }
    };
}

check_case!(checknickname_53010_format_too_short, "a", 53010);
check_case!(checknickname_53010_format_reserved_word, "示例小程序工具", 53010);
check_case!(checknickname_53012_forbidden_word, "微信助手官方", 53012);
check_case!(
    checknickname_53013_same_as_mini_program_of_other_subject,
    "示例视频",
    53013
);
check_case!(checknickname_53014_mini_program_has_longer_name, "美团外卖", 53014);
check_case!(
    checknickname_53015_same_as_official_account_of_other_subject,
    "示例新闻",
    53015
);
check_case!(checknickname_53016_same_as_several_official_accounts, "天气预报", 53016);
check_case!(checknickname_53017_official_account_has_longer_name, "新华社", 53017);
check_case!(checknickname_53018_equals_a_wechat_id, "fastreg_demo", 53018);
check_case!(checknickname_53019_in_protection_period, "旧名保护期", 53019);

/// A subject may reuse its own names.
#[tokio::test]
async fn checknickname_own_subject_may_reuse_its_names() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    // 示例科技商城 is MP_RELEASED's name, same subject.
    assert_eq!(check(&env, &mp.token, "示例科技商城").await["errcode"], 0);
}

#[tokio::test]
async fn checknickname_53011_frequency_limit() {
    let mut scenario = fastreg_emulator::Scenario::builtin();
    scenario.settings.nickname_checks_per_day = 2;
    let env = Env::with(scenario).await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    assert_eq!(check(&env, &mp.token, "示例工具一").await["errcode"], 0);
    assert_eq!(check(&env, &mp.token, "示例工具二").await["errcode"], 0);
    assert_err(&check(&env, &mp.token, "示例工具三").await, 53011);
}

/// setnickname with a valid license.
async fn set(env: &Env, mp: &MiniProgram, name: &str, extra: Value) -> Value {
    let license = env.image(&mp.token).await;
    let mut body = json!({"nick_name": name, "license": license});
    if let (Some(b), Value::Object(extra)) = (body.as_object_mut(), extra) {
        b.extend(extra);
    }
    env.call(SET, &mp.token, body).await
}

/// setnickname opens an audit; approving it (control API) pushes `wxa_nickname_audit` to the
/// message URL and querynickname shows audit_stat 3.
#[tokio::test]
async fn setnickname_audit_approved_pushes_wxa_nickname_audit() {
    let env = Env::start().await;
    let receiver = Receiver::start().await;
    env.control(
        "components",
        json!({"appid": COMPONENT_APPID, "message_url": format!("{}/wechat/$APPID$/messages", receiver.url)}),
    )
    .await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let v = set(&env, &mp, "示例科技工具箱", json!({})).await;
    assert_eq!(v["errcode"], 0, "{v}");
    let audit_id = v["audit_id"].as_u64().unwrap();
    let q = env.call(QUERY, &mp.token, json!({"audit_id": audit_id})).await;
    assert_eq!(q["audit_stat"], 1, "{q}");
    assert_eq!(q["nickname"], "示例科技工具箱");
    // A second rename while the first is under audit.
    assert_err(&set(&env, &mp, "示例科技工具盒", json!({})).await, 91003);
    let d = env
        .control(&format!("audits/{audit_id}"), json!({"approve": true}))
        .await;
    assert_eq!(d["audit_stat"], 3, "{d}");
    // The audit id also reads as a string (older docs type it so).
    let q = env
        .call(QUERY, &mp.token, json!({"audit_id": audit_id.to_string()}))
        .await;
    assert_eq!(q["audit_stat"], 3, "{q}");
    assert!(q["audit_time"].as_i64().unwrap() >= q["create_time"].as_i64().unwrap());
    let pushes = receiver.wait_for(1).await;
    let (path, xml) = pushes
        .iter()
        .find(|(_, x)| x.contains("wxa_nickname_audit"))
        .expect("an audit push");
    assert_eq!(path, &format!("/wechat/{}/messages", mp.appid));
    let event = fastreg_protocol::event::parse_authorizer_event(xml).unwrap();
    match event {
        fastreg_protocol::event::AuthorizerEvent::NicknameAudit { ret, nickname, .. } => {
            assert_eq!(ret, fastreg_protocol::event::AuditOutcome::Approved);
            assert_eq!(nickname, "示例科技工具箱");
        }
        other => panic!("{other:?}"),
    }
    let basic = env
        .get(&format!(
            "/cgi-bin/account/getaccountbasicinfo?access_token={}",
            mp.token
        ))
        .await;
    assert_eq!(basic["nickname"], "示例科技工具箱");
}

/// `nickname_info.modify_used_count` counts the renames setnickname accepted (the service's
/// reconciliation of a lost setnickname answer reads it), audited or not yet decided.
#[tokio::test]
async fn nickname_info_counts_renames() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let basic = format!("/cgi-bin/account/getaccountbasicinfo?access_token={}", mp.token);
    assert_eq!(env.get(&basic).await["nickname_info"]["modify_used_count"], 0);
    let v = set(&env, &mp, "示例科技工具箱", json!({})).await;
    assert_eq!(v["errcode"], 0, "{v}");
    let info = env.get(&basic).await;
    assert_eq!(info["nickname_info"]["modify_used_count"], 1, "{info}");
    assert_eq!(info["nickname_info"]["modify_quota"], 2);
    // A refused rename is not counted.
    assert_err(&set(&env, &mp, "示例科技工具箱二号", json!({})).await, 91003);
    assert_eq!(env.get(&basic).await["nickname_info"]["modify_used_count"], 1);
}

/// With `nickname_audit = false` setnickname sets the name at once and answers without an
/// `audit_id` (the service has a branch for that answer).
#[tokio::test]
async fn setnickname_without_audit_sets_the_name_at_once() {
    let mut scenario = Scenario::builtin();
    scenario.settings.nickname_audit = false;
    let env = Env::with(scenario).await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let v = set(&env, &mp, "示例科技工具箱", json!({})).await;
    assert_eq!(v["errcode"], 0, "{v}");
    assert!(v.get("audit_id").is_none(), "{v}");
    let basic = env
        .get(&format!(
            "/cgi-bin/account/getaccountbasicinfo?access_token={}",
            mp.token
        ))
        .await;
    assert_eq!(basic["nickname"], "示例科技工具箱");
    assert_eq!(basic["nickname_info"]["modify_used_count"], 1);
    assert_eq!(env.get("/__emulator/audits").await["audits"], json!([]));
}

/// Audits decide on their own after the configured delay of virtual time (default 1 day, approve).
#[tokio::test]
async fn nickname_audit_decides_itself_after_a_day() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let v = set(&env, &mp, "示例科技工具箱", json!({})).await;
    let audit_id = v["audit_id"].as_u64().unwrap();
    env.advance(86_399).await;
    // The Mini Program's token expired meanwhile (7200 s): refresh it.
    let ctoken = env.component_token().await;
    let token = env.authorize(&ctoken, &mp.appid).await["authorizer_access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        env.call(QUERY, &token, json!({"audit_id": audit_id})).await["audit_stat"],
        1
    );
    env.advance(1).await;
    assert_eq!(
        env.call(QUERY, &token, json!({"audit_id": audit_id})).await["audit_stat"],
        3
    );
}

#[tokio::test]
async fn nickname_audit_rejected_shows_reason() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let audit_id = set(&env, &mp, "示例科技工具箱", json!({})).await["audit_id"]
        .as_u64()
        .unwrap();
    env.control(
        &format!("audits/{audit_id}"),
        json!({"approve": false, "reason": "名称与材料不符"}),
    )
    .await;
    let q = env.call(QUERY, &mp.token, json!({"audit_id": audit_id})).await;
    assert_eq!(q["audit_stat"], 2);
    assert_eq!(q["fail_reason"], "名称与材料不符");
}

#[tokio::test]
async fn querynickname_91011_unknown_audit() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    assert_err(&env.call(QUERY, &mp.token, json!({"audit_id": 1})).await, 91011);
}

#[tokio::test]
async fn querynickname_91012_category_audit_id() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let cert = env.image(&mp.token).await;
    let v = env
        .call("/cgi-bin/wxopen/addcategory", &mp.token, json!({"categories": [{"first": 8, "second": 39, "certicates": [{"key": "《因私出入境中介机构经营许可证》", "value": cert}]}]}))
        .await;
    assert_eq!(v["errcode"], 0, "{v}");
    let audits = env.get("/__emulator/audits").await;
    let id = audits["audits"][0]["audit_id"].as_u64().unwrap();
    assert_err(&env.call(QUERY, &mp.token, json!({"audit_id": id})).await, 91012);
}

#[tokio::test]
async fn setnickname_91001_not_fast_registered() {
    let env = Env::start().await;
    let ctoken = env.component_token().await;
    let token = env.authorize(&ctoken, MP_NOT_FAST_REGISTERED).await["authorizer_access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_err(
        &env.call(SET, &token, json!({"nick_name": "示例科技工具箱"})).await,
        91001,
    );
}

#[tokio::test]
async fn setnickname_91002_after_release() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    env.control(&format!("mini-programs/{}", mp.appid), json!({"released": true}))
        .await;
    assert_err(&set(&env, &mp, "示例科技工具箱", json!({})).await, 91002);
}

macro_rules! set_case {
    ($name:ident, $nick:expr, $code:expr) => {
        #[tokio::test]
        async fn $name() {
            let env = Env::start().await;
            let mp = env.new_mini_program(OA_ENTERPRISE).await;
            assert_err(&set(&env, &mp, $nick, json!({})).await, $code);
        }
    };
}

set_case!(setnickname_91004_invalid_nickname, "小程序", 91004);
set_case!(setnickname_91005_subject_protection, "美团外卖", 91005);
set_case!(setnickname_91006_hits_a_wechat_id, "fastreg_demo", 91006);
set_case!(setnickname_91007_taken, "示例视频", 91007);
set_case!(setnickname_91008_protection_period, "旧名保护期", 91008);
set_case!(setnickname_91015_name_of_another_subject, "某某贸易有限公司", 91015);

#[tokio::test]
async fn setnickname_91009_materials_required() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    // An organization must give its license.
    assert_err(
        &env.call(SET, &mp.token, json!({"nick_name": "示例科技工具箱"})).await,
        91009,
    );
    // A keyword hit needs other materials too.
    assert_err(&set(&env, &mp, "中国示例工具", json!({})).await, 91009);
    let other = env.image(&mp.token).await;
    let v = set(&env, &mp, "中国示例工具", json!({"naming_other_stuff_1": other})).await;
    assert_eq!(v["errcode"], 0, "{v}");
    assert!(!v["wording"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn setnickname_91010_material_not_a_valid_media_id() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let v = env.call(SET, &mp.token, json!({"nick_name": "示例科技工具箱", "license": "3LaLzqiTrQcD20DlX_o-OV1-nlYMu7sdVAL7SV2PrxVyjZFZZmB3O6LPGaYXlZWq"})).await;
    assert_err(&v, 91010);
}

async fn head(env: &Env, token: &str, media_id: &str, crop: [f64; 4]) -> Value {
    env.call(
        HEAD,
        token,
        json!({"head_img_media_id": media_id, "x1": crop[0], "y1": crop[1], "x2": crop[2], "y2": crop[3]}),
    )
    .await
}

#[tokio::test]
async fn modifyheadimage_sets_image_and_counts() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let id = env.image(&mp.token).await;
    let v = head(&env, &mp.token, &id, [0.0, 0.0, 0.7596899224806202, 0.49]).await;
    assert_eq!(v["errcode"], 0, "{v}");
    let basic = env
        .get(&format!(
            "/cgi-bin/account/getaccountbasicinfo?access_token={}",
            mp.token
        ))
        .await;
    assert_eq!(basic["head_image_info"]["modify_used_count"], 1);
    // The head image is served by the emulator itself (WeChat's CDN cannot load offline), with
    // the bytes that were uploaded.
    let url = basic["head_image_info"]["head_image_url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/mmbiz_png/", env.base)), "{url}");
    let r = env.http.get(url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.unwrap().to_vec(), png(1024));
    let r = env
        .http
        .get(format!("{}/mmbiz_png/unknown/0", env.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn modifyheadimage_40097_bad_crop_box() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let id = env.image(&mp.token).await;
    assert_err(&head(&env, &mp.token, &id, [0.0, 0.0, 1.5, 1.0]).await, 40097);
    assert_err(&head(&env, &mp.token, &id, [0.6, 0.0, 0.5, 1.0]).await, 40097);
    assert_err(
        &env.call(HEAD, &mp.token, json!({"head_img_media_id": id, "x1": "a"}))
            .await,
        40097,
    );
}

#[tokio::test]
async fn modifyheadimage_41006_empty_media_id() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    assert_err(&head(&env, &mp.token, "", [0.0, 0.0, 1.0, 1.0]).await, 41006);
}

#[tokio::test]
async fn modifyheadimage_40007_malformed_media_id() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    assert_err(
        &head(&env, &mp.token, "no spaces allowed!", [0.0, 0.0, 1.0, 1.0]).await,
        40007,
    );
}

#[tokio::test]
async fn modifyheadimage_46001_unknown_or_expired_media_id() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    assert_err(
        &head(
            &env,
            &mp.token,
            "mI-4E_sFh_2X3g-qmTIWD83RT78ytI1_6VfgFp_A3-Y2U5T_nLl3nm1xYTafFJ8p",
            [0.0, 0.0, 1.0, 1.0],
        )
        .await,
        46001,
    );
    // Temporary media lives 3 days.
    let id = env.image(&mp.token).await;
    env.advance(3 * 86_400).await;
    // The Mini Program's token expired too; refresh through a new authorization.
    let token = {
        let ctoken = env.component_token().await;
        env.authorize(&ctoken, &mp.appid).await["authorizer_access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_err(&head(&env, &token, &id, [0.0, 0.0, 1.0, 1.0]).await, 46001);
}

#[tokio::test]
async fn modifyheadimage_40009_image_over_2mb() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let v = env.upload(&mp.token, "image", png(2 * 1024 * 1024 + 1)).await;
    let id = v["media_id"].as_str().unwrap_or_else(|| panic!("{v}"));
    assert_err(&head(&env, &mp.token, id, [0.0, 0.0, 1.0, 1.0]).await, 40009);
}

#[tokio::test]
async fn modifyheadimage_53202_sixth_change_in_a_month() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    // Start at a month's beginning so the five fit in it.
    let clock = env.get("/__emulator/clock").await;
    env.advance(clock["next_month_starts_at"].as_i64().unwrap() - clock["now"].as_i64().unwrap() + 60)
        .await;
    let ctoken = env.component_token().await;
    let token = env.authorize(&ctoken, &mp.appid).await["authorizer_access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = env.image(&token).await;
    for i in 0..5 {
        assert_eq!(
            head(&env, &token, &id, [0.0, 0.0, 1.0, 1.0]).await["errcode"],
            0,
            "change {i}"
        );
    }
    assert_err(&head(&env, &token, &id, [0.0, 0.0, 1.0, 1.0]).await, 53202);
}

#[tokio::test]
async fn modifysignature_sets_it_and_40097_bad_length() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    assert_eq!(
        env.call(SIGNATURE, &mp.token, json!({"signature": "提供好玩的服务。"}))
            .await["errcode"],
        0
    );
    let basic = env
        .get(&format!(
            "/cgi-bin/account/getaccountbasicinfo?access_token={}",
            mp.token
        ))
        .await;
    assert_eq!(basic["signature_info"]["signature"], "提供好玩的服务。");
    assert_eq!(basic["signature_info"]["modify_used_count"], 1);
    assert_err(&env.call(SIGNATURE, &mp.token, json!({"signature": "短"})).await, 40097);
    assert_err(&env.call(SIGNATURE, &mp.token, json!({})).await, 40097);
}

#[tokio::test]
async fn modifysignature_53201_blacklisted_word() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    assert_err(
        &env.call(SIGNATURE, &mp.token, json!({"signature": "专业代开发票服务"}))
            .await,
        53201,
    );
}

#[tokio::test]
async fn modifysignature_53200_sixth_change_in_a_month_and_resets_next_month() {
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
    for i in 0..5 {
        assert_eq!(
            env.call(SIGNATURE, &token, json!({"signature": format!("第{i}版功能介绍")}))
                .await["errcode"],
            0
        );
    }
    assert_err(
        &env.call(SIGNATURE, &token, json!({"signature": "第六版功能介绍"}))
            .await,
        53200,
    );
    let clock = env.get("/__emulator/clock").await;
    env.advance(clock["next_month_starts_at"].as_i64().unwrap() - clock["now"].as_i64().unwrap())
        .await;
    let ctoken = env.component_token().await;
    let token = env.authorize(&ctoken, &mp.appid).await["authorizer_access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        env.call(SIGNATURE, &token, json!({"signature": "第六版功能介绍"}))
            .await["errcode"],
        0
    );
}

#[tokio::test]
async fn media_upload_answers_media_id_and_40004_for_bad_type() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let v = env.upload(&mp.token, "image", png(100)).await;
    assert_eq!(v["type"], "image", "{v}");
    assert!(v["created_at"].as_i64().unwrap() > 0);
    assert_err(&env.upload(&mp.token, "sticker", png(100)).await, 40004);
    assert_err(
        &env.upload(&mp.token, "image", b"plain text, not an image".to_vec())
            .await,
        40004,
    );
    assert_err(&env.upload(&mp.token, "image", png(10 * 1024 * 1024 + 1)).await, 40009);
}

#[tokio::test]
async fn media_upload_41005_without_media_part() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let form = reqwest::multipart::Form::new().text("other", "x");
    let v: Value = env
        .http
        .post(format!(
            "{}/cgi-bin/media/upload?access_token={}&type=image",
            env.base, mp.token
        ))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_err(&v, 41005);
}
