//! The built-in scenario's identifiers and content: one published component with all five
//! permission sets (plus an unpublished one, one missing sets, and another platform that holds an
//! account's exclusive fast-register set), an Official Account for each rule of the spec, two
//! existing Mini Programs, the name rules and the default category catalog.
//!
//! Other crates' tests and `fastreg demo` use these constants; the happy path is
//! [`COMPONENT_APPID`] with [`OA_ENTERPRISE`].

mod registration;

pub use registration::*;

use crate::lifecycle::{ComponentLifecycleDef, DraftDef, LifecycleScenario, LifecycleSettings};
use crate::scenario::{
    AccountType, AdminDef, AuthorizationDef, CategoryDef, ComponentDef, ExistingName, MiniProgramDef, NameKind,
    OfficialAccountDef, PrincipalType, Rules, Scenario, ScenarioComponent, Settings,
};
use crate::subject::ComponentSubject;
use fastreg_protocol::permission::{PermissionSet, REQUIRED_FOR_FAST_REGISTER};

/// The component (第三方平台): published, all five permission sets.
pub const COMPONENT_APPID: &str = "wx3c0a1b2c3d4e5f60";
/// Its appsecret.
pub const COMPONENT_SECRET: &str = "emulator-component-secret-0001";
/// Its message-check token.
pub const COMPONENT_TOKEN: &str = "emulatortoken";
/// Its EncodingAESKey.
pub const COMPONENT_AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
/// Its login-authorization domain: redirect_uris must be on this host:port (61060).
pub const COMPONENT_LOGIN_DOMAIN: &str = "127.0.0.1:8080";

/// What an Official Account's admin ticks on the componentloginpage to give a platform all it
/// needs for fast registration: the account's own sets, the Mini Program management sets and
/// the fast-register set (快速注册小程序权限集), as `set` values of the page's form.
pub const FAST_REGISTRATION_SETS: [&str; 6] = [
    "account_service",
    "mp_account_management",
    "mp_development",
    "mp_verification",
    "mp_basic_info",
    "fast_register",
];

/// A component that is not published (全网发布): 61028.
pub const COMPONENT_UNPUBLISHED_APPID: &str = "wx3c0a1b2c3d4e5f61";
/// A published component with only two of the five required permission sets: 61029.
pub const COMPONENT_MISSING_SETS_APPID: &str = "wx3c0a1b2c3d4e5f62";
/// Another platform, which holds [`OA_AUTHORIZED_ELSEWHERE`]'s exclusive fast-register set.
pub const OTHER_COMPONENT_APPID: &str = "wx3c0a1b2c3d4e5f63";
/// A published platform with every set, owned by a person (`subject_type = "individual"`): the
/// enterprise route answers it 89295, the personal route 86040.
pub const COMPONENT_INDIVIDUAL_APPID: &str = "wx3c0a1b2c3d4e5f64";
/// The secret shared by the four other components.
pub const OTHER_COMPONENTS_SECRET: &str = "emulator-component-secret-0002";

/// A verified enterprise service account, admin present, quota free: the happy path.
pub const OA_ENTERPRISE: &str = "wx5a00000000000e01";
/// A verified media account (must reuse verification: 61056).
pub const OA_MEDIA: &str = "wx5a00000000000e02";
/// A verified government account (must reuse verification: 61056).
pub const OA_GOVERNMENT: &str = "wx5a00000000000e03";
/// A verified "other organization" account (must reuse verification: 61056); its subject has no
/// ICP filing (53305).
pub const OA_OTHER: &str = "wx5a00000000000e04";
/// An individual's account: 61051.
pub const OA_INDIVIDUAL: &str = "wx5a00000000000e05";
/// An enterprise account that is not verified: 61052.
pub const OA_UNVERIFIED: &str = "wx5a00000000000e06";
/// An overseas account: 61061.
pub const OA_OVERSEAS: &str = "wx5a00000000000e07";
/// An account whose subject is blacklisted: 61054.
pub const OA_BLACKLISTED: &str = "wx5a00000000000e08";
/// An account that granted its fast-register set to [`OTHER_COMPONENT_APPID`] (授权互斥).
pub const OA_AUTHORIZED_ELSEWHERE: &str = "wx5a00000000000e09";
/// An account that already fast-registered 5 Mini Programs this month: 61055.
pub const OA_AT_MONTHLY_LIMIT: &str = "wx5a00000000000e0a";
/// An account with a registration still pending (待完成注册): 61057.
pub const OA_WITH_PENDING: &str = "wx5a00000000000e0b";
/// An account whose subject already owns as many Mini Programs as allowed: 61053.
pub const OA_SUBJECT_CAP: &str = "wx5a00000000000e0c";

/// A Mini Program authorized to [`COMPONENT_APPID`] that was not fast-registered (91001, 41033).
pub const MP_NOT_FAST_REGISTERED: &str = "wx7b00000000000f01";
/// A fast-registered Mini Program of [`OA_ENTERPRISE`], already released (91002).
pub const MP_RELEASED: &str = "wx7b00000000000f02";

/// [`OA_ENTERPRISE`]'s subject.
pub const ENTERPRISE_PRINCIPAL: &str = "深圳市示例科技有限公司";
/// An ID card number on the admin blacklist (85063).
pub const BLACKLISTED_ID_CARD: &str = "110101199001010000";
/// A phone number on the admin blacklist (85062).
pub const BLACKLISTED_PHONE: &str = "13900000000";

fn admin(n: u32, name: &str) -> AdminDef {
    AdminDef {
        name: name.to_owned(),
        id_card: format!("11010119900307{n:04}"),
        phone: format!("1380000{n:04}"),
        wechat_id: format!("admin_wx_{n:04}"),
    }
}

fn component(appid: &str, secret: &str, published: bool, sets: Vec<PermissionSet>) -> ScenarioComponent {
    ScenarioComponent::from(ComponentDef {
        appid: appid.to_owned(),
        secret: secret.to_owned(),
        token: COMPONENT_TOKEN.to_owned(),
        encoding_aes_key: COMPONENT_AES_KEY.to_owned(),
        published,
        permission_sets: sets,
        login_domain: COMPONENT_LOGIN_DOMAIN.to_owned(),
        event_url: None,
        message_url: None,
    })
}

struct Oa {
    appid: &'static str,
    nickname: &'static str,
    principal_type: PrincipalType,
    principal_name: &'static str,
    verified: bool,
}

fn oa(n: u32, o: Oa) -> OfficialAccountDef {
    OfficialAccountDef {
        appid: o.appid.to_owned(),
        nickname: o.nickname.to_owned(),
        account_type: AccountType::Service,
        principal_type: o.principal_type,
        principal_name: o.principal_name.to_owned(),
        verified: o.verified,
        verify_expires_at: None,
        overseas: false,
        blacklisted: false,
        icp_filed: true,
        pending_registration: false,
        fast_registered_this_month: 0,
        subject_mini_programs: 0,
        admin: admin(n, "管理员"),
        authorizations: vec![],
    }
}

/// The built-in scenario (see the module doc).
pub fn scenario() -> Scenario {
    use PrincipalType::*;
    let mut accounts = vec![
        oa(
            1,
            Oa {
                appid: OA_ENTERPRISE,
                nickname: "示例科技",
                principal_type: Enterprise,
                principal_name: ENTERPRISE_PRINCIPAL,
                verified: true,
            },
        ),
        oa(
            2,
            Oa {
                appid: OA_MEDIA,
                nickname: "示例晚报",
                principal_type: Media,
                principal_name: "示例日报社",
                verified: true,
            },
        ),
        oa(
            3,
            Oa {
                appid: OA_GOVERNMENT,
                nickname: "示例市政务服务",
                principal_type: Government,
                principal_name: "示例市政务服务数据管理局",
                verified: true,
            },
        ),
        oa(
            4,
            Oa {
                appid: OA_OTHER,
                nickname: "示例公益",
                principal_type: Other,
                principal_name: "示例公益基金会",
                verified: true,
            },
        ),
        oa(
            5,
            Oa {
                appid: OA_INDIVIDUAL,
                nickname: "小李的日常",
                principal_type: Individual,
                principal_name: "李四",
                verified: true,
            },
        ),
        oa(
            6,
            Oa {
                appid: OA_UNVERIFIED,
                nickname: "未认证商店",
                principal_type: Enterprise,
                principal_name: "广州市未认证贸易有限公司",
                verified: false,
            },
        ),
        oa(
            7,
            Oa {
                appid: OA_OVERSEAS,
                nickname: "Example Overseas",
                principal_type: Enterprise,
                principal_name: "Example Overseas Ltd.",
                verified: true,
            },
        ),
        oa(
            8,
            Oa {
                appid: OA_BLACKLISTED,
                nickname: "违规商城",
                principal_type: Enterprise,
                principal_name: "某违规电子商务有限公司",
                verified: true,
            },
        ),
        oa(
            9,
            Oa {
                appid: OA_AUTHORIZED_ELSEWHERE,
                nickname: "别家代运营",
                principal_type: Enterprise,
                principal_name: "杭州别家网络有限公司",
                verified: true,
            },
        ),
        oa(
            10,
            Oa {
                appid: OA_AT_MONTHLY_LIMIT,
                nickname: "月度已满",
                principal_type: Enterprise,
                principal_name: "上海满额信息技术有限公司",
                verified: true,
            },
        ),
        oa(
            11,
            Oa {
                appid: OA_WITH_PENDING,
                nickname: "注册进行中",
                principal_type: Enterprise,
                principal_name: "北京进行中科技有限公司",
                verified: true,
            },
        ),
        oa(
            12,
            Oa {
                appid: OA_SUBJECT_CAP,
                nickname: "主体已满",
                principal_type: Enterprise,
                principal_name: "成都主体上限有限公司",
                verified: true,
            },
        ),
    ];
    for a in &mut accounts {
        match a.appid.as_str() {
            OA_OTHER => a.icp_filed = false,
            OA_OVERSEAS => a.overseas = true,
            OA_BLACKLISTED => a.blacklisted = true,
            OA_AT_MONTHLY_LIMIT => a.fast_registered_this_month = 5,
            OA_WITH_PENDING => a.pending_registration = true,
            OA_SUBJECT_CAP => a.subject_mini_programs = 50,
            OA_INDIVIDUAL => a.account_type = AccountType::Subscription,
            OA_AUTHORIZED_ELSEWHERE => {
                a.authorizations = vec![AuthorizationDef {
                    component_appid: OTHER_COMPONENT_APPID.to_owned(),
                    permission_sets: vec![PermissionSet::AccountService, PermissionSet::FastRegister],
                }]
            }
            _ => {}
        }
    }
    let mp_sets = vec![
        PermissionSet::MpAccountManagement,
        PermissionSet::MpDevelopment,
        PermissionSet::MpVerification,
        PermissionSet::MpBasicInfo,
    ];
    let mini_programs = vec![
        MiniProgramDef {
            appid: MP_NOT_FAST_REGISTERED.to_owned(),
            nickname: "普通注册小工具".to_owned(),
            principal_type: Enterprise,
            principal_name: ENTERPRISE_PRINCIPAL.to_owned(),
            fast_registered_from: None,
            released: false,
            verified: true,
            admin: admin(1, "管理员"),
            authorizations: vec![AuthorizationDef {
                component_appid: COMPONENT_APPID.to_owned(),
                permission_sets: mp_sets.clone(),
            }],
        },
        MiniProgramDef {
            appid: MP_RELEASED.to_owned(),
            nickname: "示例科技商城".to_owned(),
            principal_type: Enterprise,
            principal_name: ENTERPRISE_PRINCIPAL.to_owned(),
            fast_registered_from: Some(OA_ENTERPRISE.to_owned()),
            released: true,
            verified: true,
            admin: admin(1, "管理员"),
            authorizations: vec![AuthorizationDef {
                component_appid: COMPONENT_APPID.to_owned(),
                permission_sets: mp_sets,
            }],
        },
    ];
    Scenario {
        settings: Settings::default(),
        rules: default_rules(),
        components: vec![
            component(
                COMPONENT_APPID,
                COMPONENT_SECRET,
                true,
                REQUIRED_FOR_FAST_REGISTER.to_vec(),
            ),
            component(
                COMPONENT_UNPUBLISHED_APPID,
                OTHER_COMPONENTS_SECRET,
                false,
                REQUIRED_FOR_FAST_REGISTER.to_vec(),
            ),
            component(
                COMPONENT_MISSING_SETS_APPID,
                OTHER_COMPONENTS_SECRET,
                true,
                vec![PermissionSet::AccountService, PermissionSet::MpBasicInfo],
            ),
            component(
                OTHER_COMPONENT_APPID,
                OTHER_COMPONENTS_SECRET,
                true,
                REQUIRED_FOR_FAST_REGISTER.to_vec(),
            ),
            ScenarioComponent {
                def: component(
                    COMPONENT_INDIVIDUAL_APPID,
                    OTHER_COMPONENTS_SECRET,
                    true,
                    REQUIRED_FOR_FAST_REGISTER.to_vec(),
                )
                .def,
                subject_type: ComponentSubject::Individual,
            },
        ],
        official_accounts: accounts,
        mini_programs,
        categories: default_categories(),
        enterprises: registration::enterprises(),
        persons: registration::persons(),
        registration: Default::default(),
        lifecycle: lifecycle(),
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn default_rules() -> Rules {
    let name = |name: &str, kind, principal: &str, protected_until| ExistingName {
        name: name.to_owned(),
        kind,
        principal_name: principal.to_owned(),
        protected_until,
    };
    Rules {
        forbidden_nickname_words: strings(&["微信", "国务院", "腾讯官方"]),
        keyword_nickname_words: strings(&["中国", "国际", "全国"]),
        keyword_wording: "你申请的名称可能涉及特定主体姓名或名称，请提供可确认主体材料与名称对应的材料，或提供《商标注册证》等其他材料，以证明你有权合理且善意使用该名称，否则可能审核不通过".to_owned(),
        existing_names: vec![
            name("示例视频", NameKind::MiniProgram, "示例视频文化传媒有限公司", None),
            name("美团外卖优选", NameKind::MiniProgram, "北京三快在线科技有限公司", None),
            name("示例新闻", NameKind::OfficialAccount, "示例新闻出版社", None),
            name("天气预报", NameKind::OfficialAccount, "甲地气象服务有限公司", None),
            name("天气预报", NameKind::OfficialAccount, "乙地气象服务有限公司", None),
            name("新华社新闻", NameKind::OfficialAccount, "新华通讯社", None),
            name("旧名保护期", NameKind::MiniProgram, "已注销的某公司", Some(4_102_444_800)),
        ],
        wechat_ids: strings(&["fastreg_demo"]),
        signature_blacklist: strings(&["赌博", "代开发票", "刷单"]),
        blacklisted_id_cards: strings(&[BLACKLISTED_ID_CARD]),
        blacklisted_phones: strings(&[BLACKLISTED_PHONE]),
    }
}

/// The default category catalog: 11 first-level categories with their second-level children,
/// some sensitive (qualifications and an audit), some limited to subject types or needing an
/// ICP filing. Ids 8/39 (教育/出国移民) and 868/874 (时政信息) are the spec's examples.
pub fn default_categories() -> Vec<CategoryDef> {
    use PrincipalType::*;
    let mut out = Vec::new();
    let mut first = |id: u64, name: &str, children: Vec<CategoryDef>| {
        out.push(CategoryDef {
            id,
            name: name.to_owned(),
            father: 0,
            sensitive: false,
            qualifications: vec![],
            principal_types: vec![],
            requires_icp: false,
        });
        for mut c in children {
            c.father = id;
            out.push(c);
        }
    };
    let plain = |id: u64, name: &str| CategoryDef {
        id,
        name: name.to_owned(),
        father: 0,
        sensitive: false,
        qualifications: vec![],
        principal_types: vec![],
        requires_icp: false,
    };
    let sensitive = |id: u64, name: &str, quals: &[&[&str]]| CategoryDef {
        sensitive: true,
        qualifications: quals.iter().map(|alt| strings(alt)).collect(),
        ..plain(id, name)
    };
    first(
        8,
        "教育",
        vec![
            sensitive(39, "出国移民", &[&["《因私出入境中介机构经营许可证》"]]),
            sensitive(
                40,
                "在线教育",
                &[
                    &["《办学许可证》"],
                    &["《营业执照》（经营范围含教育培训）", "《信息网络传播视听节目许可证》"],
                ],
            ),
            plain(41, "教育信息服务"),
            sensitive(42, "培训机构", &[&["《办学许可证》"]]),
            plain(43, "学历教育（学校）"),
        ],
    );
    first(
        304,
        "工具",
        vec![
            plain(305, "信息查询"),
            plain(306, "记账"),
            plain(307, "办公"),
            plain(308, "图片/音频/视频"),
            plain(309, "计算类"),
            plain(310, "天气"),
            plain(311, "日历"),
        ],
    );
    first(
        150,
        "生活服务",
        vec![
            plain(151, "家政"),
            plain(152, "丽人"),
            plain(153, "婚庆服务"),
            plain(154, "洗浴保健"),
            plain(155, "宠物（非医院类）"),
            plain(156, "票务"),
            plain(157, "快递、物流"),
        ],
    );
    first(
        220,
        "餐饮",
        vec![
            plain(221, "餐饮服务场所/餐饮服务管理企业"),
            plain(222, "点评与推荐"),
            plain(223, "菜谱"),
            plain(224, "餐厅排队"),
            sensitive(225, "外卖平台", &[&["《食品经营许可证》"]]),
        ],
    );
    first(
        110,
        "旅游",
        vec![
            plain(111, "旅游线路"),
            plain(112, "酒店服务"),
            plain(113, "景区服务"),
            plain(114, "旅游攻略"),
        ],
    );
    first(
        632,
        "商业服务",
        vec![
            plain(633, "公关推广"),
            plain(634, "广告/设计"),
            sensitive(635, "法律服务", &[&["《律师事务所执业许可证》"]]),
            plain(636, "会展服务"),
            plain(637, "一般财务服务"),
        ],
    );
    first(
        868,
        "时政信息",
        vec![CategoryDef {
            principal_types: vec![Media, Government],
            ..sensitive(
                874,
                "时政新闻",
                &[
                    &["有资质证件：《互联网新闻信息服务许可证》"],
                    &["无资质：ICP 备案和《组织机构代码证》"],
                ],
            )
        }],
    );
    first(
        1052,
        "政务民生",
        vec![
            CategoryDef {
                principal_types: vec![Government],
                ..plain(1053, "政务服务")
            },
            CategoryDef {
                principal_types: vec![Government, Other],
                ..plain(1054, "公益服务")
            },
        ],
    );
    first(
        1100,
        "医疗",
        vec![
            sensitive(1101, "医疗机构", &[&["《医疗机构执业许可证》"]]),
            CategoryDef {
                requires_icp: true,
                ..sensitive(1102, "药品信息", &[&["《互联网药品信息服务资格证书》"]])
            },
        ],
    );
    first(
        1200,
        "社交",
        vec![
            CategoryDef {
                requires_icp: true,
                ..sensitive(1201, "直播", &[&["《信息网络传播视听节目许可证》"]])
            },
            CategoryDef {
                requires_icp: true,
                ..plain(1202, "社区/论坛")
            },
            plain(1203, "笔记"),
        ],
    );
    first(
        1300,
        "体育",
        vec![
            plain(1301, "体育赛事"),
            plain(1302, "体育场馆服务"),
            plain(1303, "健身"),
        ],
    );
    out
}

/// The server domain [`COMPONENT_APPID`] has registered (modify_domain accepts it and its
/// subdomains, with https://, wss://, …).
pub const COMPONENT_SERVER_DOMAIN: &str = "api.shop.example.com";
/// The business (web-view) domain [`COMPONENT_APPID`] has registered.
pub const COMPONENT_WEBVIEW_DOMAIN: &str = "h5.shop.example.com";
/// The 开发小程序 bound to [`COMPONENT_APPID`], whose upload is in its draft box.
pub const DEV_MINI_PROGRAM: &str = "wx7d00000000000d01";
/// The pages of the built-in draft and template.
pub const TEMPLATE_PAGES: [&str; 3] = ["pages/index/index", "pages/goods/detail", "pages/cart/cart"];
/// The built-in template's id (the whole path runs from the first start: commit it).
pub const TEMPLATE_ID: u64 = 1;
/// The built-in draft's id (addtotemplate it to get template 2).
pub const DRAFT_ID: u64 = 1;

fn upload(user_version: &str, user_desc: &str) -> DraftDef {
    DraftDef {
        user_version: user_version.to_owned(),
        user_desc: user_desc.to_owned(),
        pages: TEMPLATE_PAGES.iter().map(|p| (*p).to_owned()).collect(),
        source_miniprogram_appid: DEV_MINI_PROGRAM.to_owned(),
        source_miniprogram: "示例商城模板开发版".to_owned(),
        developer: "开发者小王".to_owned(),
    }
}

/// The lifecycle: [`COMPONENT_APPID`] with registered domains, a draft and a template.
pub fn lifecycle() -> LifecycleScenario {
    LifecycleScenario {
        settings: LifecycleSettings::default(),
        components: vec![ComponentLifecycleDef {
            component_appid: COMPONENT_APPID.to_owned(),
            server_domains: vec![COMPONENT_SERVER_DOMAIN.to_owned()],
            webview_domains: vec![COMPONENT_WEBVIEW_DOMAIN.to_owned()],
            drafts: vec![upload("1.0.1", "商城模板：修复购物车")],
            templates: vec![upload("1.0.0", "商城模板首版")],
        }],
    }
}

/// What each built-in Official Account is for, in a few words (the emulator's index page and
/// `fastreg demo` show it).
pub const PURPOSES: &[(&str, &str)] = &[
    (OA_ENTERPRISE, "the happy path: verified enterprise, quota free"),
    (OA_MEDIA, "media subject: must reuse verification (61056)"),
    (OA_GOVERNMENT, "government subject: must reuse verification (61056)"),
    (
        OA_OTHER,
        "other organisation: must reuse verification (61056), no ICP filing (53305)",
    ),
    (OA_INDIVIDUAL, "an individual's account: refused (61051)"),
    (OA_UNVERIFIED, "not verified: refused (61052)"),
    (OA_OVERSEAS, "overseas account: refused (61061)"),
    (OA_BLACKLISTED, "blacklisted subject: refused (61054)"),
    (OA_AUTHORIZED_ELSEWHERE, "fast-register set granted to another platform"),
    (OA_AT_MONTHLY_LIMIT, "5 registrations used this month: refused (61055)"),
    (OA_WITH_PENDING, "a registration still pending: refused (61057)"),
    (OA_SUBJECT_CAP, "subject owns as many Mini Programs as allowed (61053)"),
    (
        MP_NOT_FAST_REGISTERED,
        "a Mini Program not made by fast registration (91001)",
    ),
    (MP_RELEASED, "a fast-registered Mini Program, already released (91002)"),
];

/// What a built-in account is for, if it is one.
pub fn purpose(appid: &str) -> Option<&'static str> {
    PURPOSES.iter().find(|(a, _)| *a == appid).map(|(_, p)| *p)
}
