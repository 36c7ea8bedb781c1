//! The built-in scenario's enterprises and WeChat users for the registration routes: one that
//! succeeds and one that trips each failure (create errors and confirmation statuses), so a
//! test or a demo reaches every code by picking a subject.

use crate::subject::{EnterpriseDef, LegalPersonDef, PersonDef};

/// An operating enterprise with a clean legal person: registration succeeds.
pub const ENT_OK: &str = "91440300MA5REG0001";
/// Its name.
pub const ENT_OK_NAME: &str = "深圳市注册示例科技有限公司";
/// Not operating: create answers 86021.
pub const ENT_NOT_OPERATING: &str = "91440300MA5REG0002";
/// Blacklisted subject: push 1002.
pub const ENT_BLACKLISTED: &str = "91440300MA5REG0003";
/// At the subject's Mini Program cap: push 1001.
pub const ENT_SUBJECT_CAP: &str = "91440300MA5REG0004";
/// A valid code the registry does not know: push 102.
pub const ENT_UNKNOWN: &str = "91440300MA5REG0099";
/// The registry answers 101 (cancelled).
pub const ENT_REGISTRY_101: &str = "91440300MA5REG0101";
/// The registry answers 103 (legal person's name).
pub const ENT_REGISTRY_103: &str = "91440300MA5REG0103";
/// The registry answers 104 (legal person's ID).
pub const ENT_REGISTRY_104: &str = "91440300MA5REG0104";
/// The registry answers 105 (ID not updated).
pub const ENT_REGISTRY_105: &str = "91440300MA5REG0105";
/// The registry answers 1000 (inconsistent).
pub const ENT_REGISTRY_1000: &str = "91440300MA5REG1000";
/// Its legal person administers 5 Mini Programs: push 1003.
pub const ENT_ADMIN_CAP: &str = "91440300MA5REG1003";
/// Its legal person is blacklisted: push 1004.
pub const ENT_ADMIN_BLACKLISTED: &str = "91440300MA5REG1004";
/// Its legal person's phone is at the cap: push 1005.
pub const ENT_PHONE_CAP: &str = "91440300MA5REG1005";
/// Its legal person's phone is blacklisted: push 1006.
pub const ENT_PHONE_BLACKLISTED: &str = "91440300MA5REG1006";
/// Its legal person's ID card is at the cap: push 1007.
pub const ENT_ID_CARD_CAP: &str = "91440300MA5REG1007";
/// Its legal person's ID card is blacklisted: push 1008.
pub const ENT_ID_CARD_BLACKLISTED: &str = "91440300MA5REG1008";

/// A WeChat user with no Mini Program: personal registration and trials succeed.
pub const PERSON_OK: &str = "reg_user_ok";
/// Its openid.
pub const PERSON_OK_OPENID: &str = "oRegUser0000000000000000ok";
/// Administers 5 Mini Programs: push 1003.
pub const PERSON_AT_CAP: &str = "reg_user_at_cap";
/// Restricted: personal create 86034; trial confirmation 1004.
pub const PERSON_BLACKLISTED: &str = "reg_user_blacklisted";
/// Shares a phone with another user, 5 Mini Programs together: push 1005.
pub const PERSON_PHONE_CAP: &str = "reg_user_phone_cap";
/// Its phone is blacklisted: push 1006.
pub const PERSON_PHONE_BLACKLISTED: &str = "reg_user_phone_blacklisted";
/// Shares an ID card with another user, 5 Mini Programs together: push 1007.
pub const PERSON_ID_CARD_CAP: &str = "reg_user_id_card_cap";
/// Its ID card is blacklisted: push 1008.
pub const PERSON_ID_CARD_BLACKLISTED: &str = "reg_user_id_card_blacklisted";

/// Under 18: a personal registration passes the face and phone steps, then fails with task
/// status 11 (创建失败).
pub const PERSON_MINOR: &str = "reg_user_minor";

/// The openid the built-in scenario gives a user: `o` + the WeChat id.
pub fn openid_of(wechat_id: &str) -> String {
    if wechat_id == PERSON_OK {
        PERSON_OK_OPENID.to_owned()
    } else {
        format!("o_{wechat_id}")
    }
}

fn person(wechat_id: &str, name: &str, id_card: &str, phone: &str, mini_programs: u32, blacklisted: bool) -> PersonDef {
    PersonDef {
        wechat_id: wechat_id.to_owned(),
        openid: openid_of(wechat_id),
        name: name.to_owned(),
        id_card: id_card.to_owned(),
        phone: phone.to_owned(),
        blacklisted,
        mini_programs,
        minor: false,
    }
}

/// The built-in WeChat users.
pub fn persons() -> Vec<PersonDef> {
    vec![
        person(PERSON_OK, "李四", "440301199001010011", "13800000001", 0, false),
        person(PERSON_AT_CAP, "王五", "440301199001010022", "13800000002", 5, false),
        person(PERSON_BLACKLISTED, "赵六", "440301199001010033", "13800000003", 0, true),
        person(PERSON_PHONE_CAP, "钱七", "440301199001010044", "13800000055", 3, false),
        person(
            "reg_user_phone_cap_peer",
            "钱七同号",
            "440301199001010045",
            "13800000055",
            2,
            false,
        ),
        person(
            PERSON_PHONE_BLACKLISTED,
            "孙八",
            "440301199001010066",
            super::BLACKLISTED_PHONE,
            0,
            false,
        ),
        person(
            PERSON_ID_CARD_CAP,
            "周九",
            "440301199001010077",
            "13800000007",
            3,
            false,
        ),
        person(
            "reg_user_id_card_cap_peer",
            "周九副号",
            "440301199001010077",
            "13800000077",
            2,
            false,
        ),
        person(
            PERSON_ID_CARD_BLACKLISTED,
            "吴十",
            super::BLACKLISTED_ID_CARD,
            "13800000008",
            0,
            false,
        ),
        person("legal_zhangsan", "张三", "440301198001010011", "13700000001", 0, false),
        PersonDef {
            minor: true,
            ..person(PERSON_MINOR, "郑小", "440301201001010099", "13800000009", 0, false)
        },
    ]
}

fn enterprise(code: &str, name: &str, legal: &str) -> EnterpriseDef {
    let p = persons().into_iter().find(|p| p.wechat_id == legal).unwrap_or_default();
    EnterpriseDef {
        name: name.to_owned(),
        code: code.to_owned(),
        legal_person: LegalPersonDef {
            name: p.name.clone(),
            id_card: p.id_card.clone(),
            wechat_id: p.wechat_id.clone(),
            openid: p.openid.clone(),
        },
        operating: true,
        blacklisted: false,
        registry_status: 0,
        mini_programs: 0,
    }
}

/// The built-in enterprises.
pub fn enterprises() -> Vec<EnterpriseDef> {
    let registry = |code: &str, name: &str, status: i64| EnterpriseDef {
        registry_status: status,
        ..enterprise(code, name, "legal_zhangsan")
    };
    vec![
        enterprise(ENT_OK, ENT_OK_NAME, "legal_zhangsan"),
        EnterpriseDef {
            operating: false,
            ..enterprise(ENT_NOT_OPERATING, "深圳市已注销示例有限公司", "legal_zhangsan")
        },
        EnterpriseDef {
            blacklisted: true,
            ..enterprise(ENT_BLACKLISTED, "深圳市违规示例有限公司", "legal_zhangsan")
        },
        EnterpriseDef {
            mini_programs: 50,
            ..enterprise(ENT_SUBJECT_CAP, "深圳市满额示例有限公司", "legal_zhangsan")
        },
        registry(ENT_REGISTRY_101, "深圳市工商注销示例有限公司", 101),
        registry(ENT_REGISTRY_103, "深圳市法人姓名不符示例有限公司", 103),
        registry(ENT_REGISTRY_104, "深圳市法人证件不符示例有限公司", 104),
        registry(ENT_REGISTRY_105, "深圳市工商未更新示例有限公司", 105),
        registry(ENT_REGISTRY_1000, "深圳市信息不一致示例有限公司", 1000),
        enterprise(ENT_ADMIN_CAP, "深圳市法人满额示例有限公司", PERSON_AT_CAP),
        enterprise(ENT_ADMIN_BLACKLISTED, "深圳市法人违规示例有限公司", PERSON_BLACKLISTED),
        enterprise(ENT_PHONE_CAP, "深圳市手机满额示例有限公司", PERSON_PHONE_CAP),
        enterprise(
            ENT_PHONE_BLACKLISTED,
            "深圳市手机违规示例有限公司",
            PERSON_PHONE_BLACKLISTED,
        ),
        enterprise(ENT_ID_CARD_CAP, "深圳市证件满额示例有限公司", PERSON_ID_CARD_CAP),
        enterprise(
            ENT_ID_CARD_BLACKLISTED,
            "深圳市证件违规示例有限公司",
            PERSON_ID_CARD_BLACKLISTED,
        ),
    ]
}
