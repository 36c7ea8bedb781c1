//! Every endpoint against the emulator: the happy path of the spec, and its documented errors
//! arriving as `Error::Api` with their catalog entry.

use crate::harness::{Harness, PNG_1X1, appid, redirect_uri};
use fastreg_client::{Auth, Error, TokenStore};
use fastreg_emulator::builtin;
use fastreg_protocol::account::{AuditStatus, SetNicknameRequest};
use fastreg_protocol::catalog::ErrorClass;
use fastreg_protocol::category::{CategoryRequest, Certificate};
use fastreg_protocol::endpoint::Method;
use fastreg_protocol::rules::{CropBox, MediaType};
use serde_json::json;
use std::collections::HashSet;

fn assert_code<T: std::fmt::Debug>(result: Result<T, Error>, code: i64) -> Error {
    let err = result.expect_err("expected a WeChat error");
    assert_eq!(err.code(), Some(code), "{err}");
    if let Error::Api { known, .. } = &err {
        assert!(known.is_some(), "{code} is in the catalog");
    } else {
        panic!("expected Error::Api, got {err:?}");
    }
    err
}

#[tokio::test]
async fn component_token_is_fetched_once_with_the_stored_ticket() {
    let h = Harness::start().await;
    h.push_ticket().await;
    let a = h.client.component_token().await.unwrap();
    let b = h.client.component_token().await.unwrap();
    assert_eq!(a, b);
    assert_eq!(h.count("api_component_token").await, 1);
    // Debug and Display of the token never show it.
    assert!(!format!("{a:?}{a}").contains(a.expose()));
}

#[tokio::test]
async fn stale_verify_ticket_is_refused_with_its_code() {
    let h = Harness::start().await;
    h.store
        .put_verify_ticket(
            &appid(builtin::COMPONENT_APPID),
            &fastreg_protocol::id::Secret::parse("ticket@@@not-issued-by-wechat").unwrap(),
        )
        .await
        .unwrap();
    let err = h.client.component_token().await.unwrap_err();
    assert!(matches!(err.code(), Some(61005 | 61006)), "{err}");
}

#[tokio::test]
async fn create_pre_auth_code_feeds_the_login_page_url() {
    let h = Harness::start().await;
    h.push_ticket().await;
    let code = h.client.create_pre_auth_code().await.unwrap();
    assert!(code.expires_in > 0);
    let url = h
        .client
        .component_login_page_url(&code.pre_auth_code, &redirect_uri(), Some(3), None)
        .unwrap();
    assert!(
        url.starts_with(&format!("{}/cgi-bin/componentloginpage?", h.base)),
        "{url}"
    );
    assert!(url.contains(builtin::COMPONENT_APPID));
}

#[tokio::test]
async fn query_auth_stores_the_refresh_and_access_tokens() {
    let h = Harness::start().await;
    h.push_ticket().await;
    let code = h.authorize(builtin::OA_ENTERPRISE).await;
    let info = h.client.query_auth(&code).await.unwrap();
    let oa = appid(builtin::OA_ENTERPRISE);
    assert_eq!(info.authorizer_appid, oa);
    assert!(!info.func_info.is_empty());
    assert_eq!(
        h.store.refresh_token(&oa).await.unwrap().as_ref(),
        info.authorizer_refresh_token.as_ref()
    );
    let stored = h.store.authorizer_token(&oa).await.unwrap().unwrap();
    assert_eq!(Some(&stored.token), info.authorizer_access_token.as_ref());
    // The token from query_auth is used as is: no api_authorizer_token.
    h.client.account_basic_info(&oa).await.unwrap();
    assert_eq!(h.count("api_authorizer_token").await, 0);
}

#[tokio::test]
async fn query_auth_code_is_single_use_and_not_resent() {
    let h = Harness::start().await;
    h.push_ticket().await;
    let code = h.authorize(builtin::OA_ENTERPRISE).await;
    h.client.query_auth(&code).await.unwrap();
    let err = h.client.query_auth(&code).await.unwrap_err();
    assert!(matches!(err, Error::Api { .. }), "{err:?}");
    assert_eq!(h.count("api_query_auth").await, 2);
}

#[tokio::test]
async fn authorizer_info_reads_the_profile() {
    let h = Harness::start().await;
    let oa = h.onboard(builtin::OA_ENTERPRISE).await;
    let info = h.client.authorizer_info(&oa).await.unwrap();
    assert_eq!(info.authorization_info.authorizer_appid, oa);
    assert_eq!(info.authorizer_info.principal_name, builtin::ENTERPRISE_PRINCIPAL);
}

#[tokio::test]
async fn authorizer_list_pages_and_all_authorizers_collects_them() {
    let h = Harness::start().await;
    let oa = h.onboard(builtin::OA_ENTERPRISE).await;
    let first = h.client.authorizer_list(0, 1).await.unwrap();
    assert_eq!(first.list.len(), 1);
    let all = h.client.all_authorizers().await.unwrap();
    assert_eq!(all.len() as u64, first.total_count);
    let appids: HashSet<_> = all.iter().map(|a| a.authorizer_appid.clone()).collect();
    for expected in [oa, appid(builtin::MP_RELEASED), appid(builtin::MP_NOT_FAST_REGISTERED)] {
        assert!(appids.contains(&expected), "{expected} in {appids:?}");
    }
    let err = h.client.authorizer_list(0, 501).await.unwrap_err();
    assert!(matches!(err, Error::Input { field: "count", .. }), "{err:?}");
}

#[tokio::test]
async fn fast_register_creates_a_mini_program_and_its_code_is_exchanged() {
    let h = Harness::start().await;
    let oa = h.onboard(builtin::OA_ENTERPRISE).await;
    let url = h.client.fast_register_auth_url(&oa, true, &redirect_uri()).unwrap();
    assert!(
        url.starts_with(&format!("{}/cgi-bin/fastregisterauth?", h.base)),
        "{url}"
    );
    let ticket = h.confirm_fast_register(builtin::OA_ENTERPRISE).await;
    let reg = h.client.fast_register(&oa, &ticket).await.unwrap();
    assert_ne!(reg.appid, oa);
    assert!(reg.is_link_succ.0);
    let info = h.client.query_auth(&reg.authorization_code).await.unwrap();
    assert_eq!(info.authorizer_appid, reg.appid);
    let basic = h.client.account_basic_info(&reg.appid).await.unwrap();
    assert_eq!(basic.appid, reg.appid);
    assert_eq!(basic.account_type, 3);

    // The ticket is spent: a second call is refused (61058), and not retried.
    let before = h.count("fastregister").await;
    assert_code(h.client.fast_register(&oa, &ticket).await, 61058);
    assert_eq!(h.count("fastregister").await, before + 1);
}

/// The spec's fastregister errors that the built-in accounts are set up to produce.
#[tokio::test]
async fn fast_register_errors_of_the_spec() {
    let h = Harness::start().await;
    h.push_ticket().await;
    for (account, code) in [
        (builtin::OA_INDIVIDUAL, 61051),
        (builtin::OA_UNVERIFIED, 61052),
        (builtin::OA_SUBJECT_CAP, 61053),
        (builtin::OA_BLACKLISTED, 61054),
        (builtin::OA_AT_MONTHLY_LIMIT, 61055),
        (builtin::OA_WITH_PENDING, 61057),
        (builtin::OA_OVERSEAS, 61061),
    ] {
        let oa = h.onboard(account).await;
        let ticket = h.confirm_fast_register(account).await;
        let before = h.count("fastregister").await;
        let err = assert_code(h.client.fast_register(&oa, &ticket).await, code);
        assert!(!err.is_outcome_unknown());
        assert_eq!(h.count("fastregister").await, before + 1, "{code} is not retried");
    }
    // 61055 is a quota: the class says wait, not retry.
    let err = Error::Api {
        endpoint: "fastregister",
        code: 61055,
        message: String::new(),
        known: fastreg_protocol::catalog::lookup(61055),
    };
    assert_eq!(err.class(), Some(ErrorClass::QuotaExhausted));
}

#[tokio::test]
async fn account_basic_info_of_the_new_mini_program() {
    let h = Harness::start().await;
    let mp = h.new_mini_program().await;
    let info = h.client.account_basic_info(&mp).await.unwrap();
    assert_eq!(info.appid, mp);
    assert_eq!(info.principal_name, builtin::ENTERPRISE_PRINCIPAL);
    assert!(info.signature_info.is_some());
}

#[tokio::test]
async fn check_nickname_hit_and_refusals() {
    let h = Harness::start().await;
    let mp = h.new_mini_program().await;
    let plain = h.client.check_nickname(&mp, "示例科技工具箱").await.unwrap();
    assert!(!plain.hit_condition);
    let hit = h.client.check_nickname(&mp, "中国示例工具").await.unwrap();
    assert!(hit.hit_condition && !hit.wording.is_empty());
    assert_code(h.client.check_nickname(&mp, "微信示例工具").await, 53012);
}

#[tokio::test]
async fn set_nickname_opens_an_audit_that_query_nickname_audit_follows() {
    let h = Harness::start().await;
    let mp = h.new_mini_program().await;
    // A keyword name needs materials: 91009 without them.
    let mut req = SetNicknameRequest {
        nick_name: "中国示例工具".into(),
        ..Default::default()
    };
    assert_code(h.client.set_nickname(&mp, &req).await, 91009);

    let material = h
        .client
        .upload_temp_media(&mp, MediaType::Image, "license.png", PNG_1X1)
        .await
        .unwrap();
    // An organization's name needs its license, and a keyword name other proof as well.
    req.license = Some(material.media_id.as_str().to_owned());
    req.naming_other_stuff_1 = Some(material.media_id.as_str().to_owned());
    let set = h.client.set_nickname(&mp, &req).await.unwrap();
    let audit_id = set.audit_id.expect("a keyword name is audited");
    let audit = h.client.query_nickname_audit(&mp, audit_id).await.unwrap();
    assert_eq!(audit.audit_stat, AuditStatus::Reviewing);
    assert_eq!(audit.nickname, "中国示例工具");

    h.post(
        &format!("/__emulator/audits/{}", audit_id.0),
        json!({"approve": true, "reason": ""}),
    )
    .await;
    let audit = h.client.query_nickname_audit(&mp, audit_id).await.unwrap();
    assert_eq!(audit.audit_stat, AuditStatus::Approved);

    assert_code(
        h.client
            .query_nickname_audit(&mp, fastreg_protocol::AuditId(987_654_321))
            .await,
        91011,
    );
}

#[tokio::test]
async fn set_nickname_on_a_released_mini_program_is_refused() {
    let h = Harness::start().await;
    h.push_ticket().await;
    // Its refresh token comes from the authorizer list, as when reconciling.
    let released = appid(builtin::MP_RELEASED);
    let item = h
        .client
        .all_authorizers()
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.authorizer_appid == released)
        .unwrap();
    h.client
        .put_refresh_token(&released, &item.refresh_token)
        .await
        .unwrap();
    let req = SetNicknameRequest {
        nick_name: "示例科技新商城".into(),
        ..Default::default()
    };
    assert_code(h.client.set_nickname(&released, &req).await, 91002);
}

#[tokio::test]
async fn upload_temp_media_then_set_head_image() {
    let h = Harness::start().await;
    let mp = h.new_mini_program().await;
    let media = h
        .client
        .upload_temp_media(&mp, MediaType::Image, "head.png", PNG_1X1)
        .await
        .unwrap();
    assert_eq!(media.media_type, "image");
    h.client
        .set_head_image(&mp, &media.media_id, CropBox::FULL)
        .await
        .unwrap();
    let crop = CropBox::new(0.0, 0.0, 0.76, 0.49).unwrap();
    h.client.set_head_image(&mp, &media.media_id, crop).await.unwrap();
    let unknown = fastreg_protocol::MediaId::parse("no-such-media-id").unwrap();
    let err = h.client.set_head_image(&mp, &unknown, CropBox::FULL).await.unwrap_err();
    assert!(matches!(err.code(), Some(40007 | 46001)), "{err}");

    // A file that is not an image is refused before sending.
    let before = h.count("media/upload").await;
    let err = h
        .client
        .upload_temp_media(&mp, MediaType::Image, "x.png", &b"not an image"[..])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Input { field: "media", .. }), "{err:?}");
    assert_eq!(h.count("media/upload").await, before);
}

#[tokio::test]
async fn head_image_quota_is_53202_and_not_retried() {
    let h = Harness::start().await;
    let mp = h.new_mini_program().await;
    let media = h
        .client
        .upload_temp_media(&mp, MediaType::Image, "head.png", PNG_1X1)
        .await
        .unwrap();
    for _ in 0..5 {
        h.client
            .set_head_image(&mp, &media.media_id, CropBox::FULL)
            .await
            .unwrap();
    }
    let before = h.count("modifyheadimage").await;
    let err = assert_code(
        h.client.set_head_image(&mp, &media.media_id, CropBox::FULL).await,
        53202,
    );
    assert_eq!(err.class(), Some(ErrorClass::QuotaExhausted));
    assert_eq!(h.count("modifyheadimage").await, before + 1);
}

#[tokio::test]
async fn set_signature_blacklist_and_quota() {
    let h = Harness::start().await;
    let mp = h.new_mini_program().await;
    h.client.set_signature(&mp, "提供好玩的服务。").await.unwrap();
    let info = h.client.account_basic_info(&mp).await.unwrap();
    assert_eq!(info.signature_info.unwrap().signature, "提供好玩的服务。");
    assert_code(h.client.set_signature(&mp, "专业代开发票服务").await, 53201);
    for i in 1..5 {
        h.client
            .set_signature(&mp, &format!("提供好玩的服务，第{i}版。"))
            .await
            .unwrap();
    }
    let before = h.count("modifysignature").await;
    assert_code(h.client.set_signature(&mp, "再改一次功能介绍。").await, 53200);
    assert_eq!(h.count("modifysignature").await, before + 1);
}

#[tokio::test]
async fn categories_add_read_modify_delete() {
    let h = Harness::start().await;
    let mp = h.new_mini_program().await;
    let all = h.client.all_categories(&mp).await.unwrap();
    assert!(
        all.category_list
            .categories
            .iter()
            .any(|c| c.id == 39 && c.sensitive_type == 1)
    );

    h.client
        .add_categories(
            &mp,
            vec![CategoryRequest {
                first: 304,
                second: 305,
                certicates: vec![],
            }],
        )
        .await
        .unwrap();
    let set = h.client.categories(&mp).await.unwrap();
    assert!(set.categories.iter().any(|c| c.first == 304 && c.second == 305));
    assert_code(
        h.client
            .add_categories(
                &mp,
                vec![CategoryRequest {
                    first: 304,
                    second: 305,
                    certicates: vec![],
                }],
            )
            .await,
        53304,
    );

    // A sensitive category goes to audit; only a rejected one may be modified.
    let license = h
        .client
        .upload_temp_media(&mp, MediaType::Image, "permit.png", PNG_1X1)
        .await
        .unwrap();
    let sensitive = CategoryRequest {
        first: 8,
        second: 39,
        certicates: vec![Certificate {
            key: "《因私出入境中介机构经营许可证》".into(),
            value: license.media_id.as_str().to_owned(),
        }],
    };
    h.client.add_categories(&mp, vec![sensitive.clone()]).await.unwrap();
    let set = h.client.categories(&mp).await.unwrap();
    let pending = set
        .categories
        .iter()
        .find(|c| c.second == 39)
        .expect("category 8/39 set");
    assert_eq!(pending.audit_status, AuditStatus::Reviewing);
    assert_code(h.client.modify_category(&mp, &sensitive).await, 53307);
    assert_code(h.client.delete_category(&mp, 8, 39).await, 53308);

    h.client.delete_category(&mp, 304, 305).await.unwrap();
    let set = h.client.categories(&mp).await.unwrap();
    assert!(!set.categories.iter().any(|c| c.second == 305));
}

#[tokio::test]
async fn rebind_admin_takes_the_mini_program_token_and_a_single_use_taskid() {
    let h = Harness::start().await;
    let mp = h.new_mini_program().await;
    let url = h.client.rebind_admin_url(&mp, &redirect_uri()).unwrap();
    assert!(
        url.starts_with(&format!("{}/wxopen/componentrebindadmin?", h.base)),
        "{url}"
    );
    let taskid = h.confirm_rebind(&mp, "110101198001010011", "13800138011").await;
    h.client.rebind_admin(&mp, &taskid).await.unwrap();
    let before = h.count("componentrebindadmin").await;
    assert_code(h.client.rebind_admin(&mp, &taskid).await, 85060);
    assert_eq!(h.count("componentrebindadmin").await, before + 1);
}

#[tokio::test]
async fn rebind_admin_refuses_blacklisted_admins() {
    let h = Harness::start().await;
    let mp = h.new_mini_program().await;
    let taskid = h.confirm_rebind(&mp, builtin::BLACKLISTED_ID_CARD, "13800138012").await;
    assert_code(h.client.rebind_admin(&mp, &taskid).await, 85063);
    let taskid = h
        .confirm_rebind(&mp, "110101198001010013", builtin::BLACKLISTED_PHONE)
        .await;
    assert_code(h.client.rebind_admin(&mp, &taskid).await, 85062);
}

#[tokio::test]
async fn call_raw_reaches_a_path_with_the_right_token() {
    let h = Harness::start().await;
    let mp = h.new_mini_program().await;
    let v = h
        .client
        .call_raw(
            Method::Get,
            "/cgi-bin/account/getaccountbasicinfo",
            Auth::Authorizer(mp.clone()),
            None,
        )
        .await
        .unwrap();
    assert_eq!(v["appid"], mp.as_str());
    let v = h
        .client
        .call_raw(
            Method::Post,
            "/cgi-bin/wxverify/checkwxverifynickname",
            Auth::Authorizer(mp.clone()),
            Some(&json!({"nick_name": "微信示例工具"})),
        )
        .await
        .unwrap_err();
    assert_eq!(v.code(), Some(53012));
    let err = h
        .client
        .call_raw(Method::Get, "no-slash", Auth::None, None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Input { field: "path", .. }));
}

#[tokio::test]
async fn msg_crypt_opens_what_the_component_seals() {
    let h = Harness::start().await;
    let crypt = h.client.msg_crypt().expect("configured");
    let envelope = crypt.seal(
        "<xml><InfoType>component_verify_ticket</InfoType></xml>",
        "1700000000",
        "nonce",
    );
    let xml = envelope.to_xml();
    let opened = crypt
        .open(&envelope.msg_signature, "1700000000", "nonce", &xml)
        .unwrap();
    assert!(opened.message.contains("component_verify_ticket"));
}
