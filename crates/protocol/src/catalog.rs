//! The error-code catalog: every `errcode` the fast-register spec lists
//! (`docs/spec/fast-register.md`: fastregister, checkwxverifynickname, setnickname,
//! querynickname, modifyheadimage, modifysignature, the category APIs, componentrebindadmin) and
//! the global and extra codes of `docs/spec/protocol-notes.md` §1, §5 and §7, each with its
//! Chinese meaning (the spec's own wording where the spec has one), an English meaning, a class
//! that decides what a client and the service do with it, and one line telling the platform
//! operator what to do, in both languages. The client, the emulator and the service all read
//! this one table, so an error means the same thing on both sides of the wire. Where WeChat gives
//! one code different meanings on different endpoints, the English text says so. Codes we could
//! not find a documented meaning for (91018) are left out rather than guessed; an unknown code is
//! still described, with its number, by [`describe`].
//!
//! [`ENTRIES`] is sorted by code, so [`lookup`] is a binary search.

/// What kind of failure a code is, which decides what a client and the service do with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// Transient (-1 system busy): retry later, with backoff.
    RetryLater,
    /// The token is invalid or expired: refresh it and retry once.
    RefreshToken,
    /// A quota or rate limit is used up: wait for it to reset; retrying now fails again.
    QuotaExhausted,
    /// Something only a person can fix (a setting, a document, another name).
    OperatorMustAct,
    /// The request can never succeed as sent.
    Permanent,
}

/// One error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ErrorEntry {
    /// The `errcode`.
    pub code: i64,
    /// The meaning in Chinese, as the spec says it.
    pub zh: &'static str,
    /// The meaning in English.
    pub en: &'static str,
    /// What kind of failure it is.
    pub class: ErrorClass,
    /// What the operator should do, in Chinese.
    pub remedy_zh: &'static str,
    /// What the operator should do, in English.
    pub remedy_en: &'static str,
}

/// The language of a [`describe`] line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// Chinese.
    Zh,
    /// English.
    En,
}

const fn entry(
    code: i64,
    class: ErrorClass,
    zh: &'static str,
    en: &'static str,
    remedy_zh: &'static str,
    remedy_en: &'static str,
) -> ErrorEntry {
    ErrorEntry {
        code,
        zh,
        en,
        class,
        remedy_zh,
        remedy_en,
    }
}

use ErrorClass::{OperatorMustAct, Permanent, QuotaExhausted, RefreshToken, RetryLater};

/// Every known code, sorted by code (a unit test keeps it so, without duplicates).
pub static ENTRIES: &[ErrorEntry] = &[
    // ---- global (protocol-notes §5) ----
    entry(
        -1,
        RetryLater,
        "系统繁忙，此时请开发者稍候再试",
        "system busy: a transient failure on WeChat's side",
        "按退避策略稍后重试；若持续数分钟仍失败，查看微信开放社区的故障公告。",
        "Retry with exponential backoff; if it keeps failing for minutes, check the WeChat open community for an outage notice.",
    ),
    entry(
        40001,
        RefreshToken,
        "获取 access_token 时 AppSecret 错误，或者 access_token 无效",
        "invalid credential: the access_token is invalid or not the latest (on api_component_token, which takes no token, it means the AppSecret is wrong)",
        "刷新 access_token 后重试一次；若来自 api_component_token，请核对第三方平台的 AppSecret。",
        "Refresh the access token and retry once; if api_component_token returned it, check the component AppSecret in the configuration.",
    ),
    entry(
        40004,
        Permanent,
        "不合法的媒体文件类型",
        "invalid media type: media/upload's type is not image, voice, video or thumb, or the file does not match it",
        "以 type=image 上传，且只上传 BMP、JPEG、JPG、GIF、PNG 图片。",
        "Upload with type=image and send only a BMP, JPEG, JPG, GIF or PNG file.",
    ),
    // ---- modifyheadimage (spec §4); 40007 is also the global "invalid media_id" ----
    entry(
        40006,
        Permanent,
        "不合法的媒体文件大小",
        "invalid media file size: the file is larger than its type allows",
        "按类型压缩文件（图片不超过 2MB），再重新上传。",
        "Shrink the file to its type's limit (2 MB for images) and upload it again.",
    ),
    entry(
        40007,
        Permanent,
        "非法的 media_id",
        "invalid media_id (modifyheadimage; the media APIs return the same code for a malformed id)",
        "重新上传头像临时素材获取新的 media_id（临时素材 3 天后失效）后再提交。",
        "Upload the image again to get a fresh media_id (temporary media expire after 3 days) and resubmit.",
    ),
    entry(
        40009,
        Permanent,
        "图片尺寸太大",
        "image too large (modifyheadimage; WeChat's global table words 40009 as \"invalid image size\")",
        "把头像压缩到 2M 以内，重新上传后用新的 media_id 提交。",
        "Shrink the head image below 2 MB, upload it again and resubmit with the new media_id.",
    ),
    entry(
        40013,
        Permanent,
        "不合法的 AppID",
        "invalid appid: it does not exist or does not fit the binding it is used in",
        "核对请求中的 appid，检查公众号、小程序与第三方平台的 appid 是否填错或混用。",
        "Check the appid in the request: an official-account, mini-program or component appid may be mistyped or used in the wrong place.",
    ),
    entry(
        40014,
        RefreshToken,
        "不合法的 access_token",
        "invalid access_token: malformed, or issued for another account",
        "刷新该帐号的 access_token 后重试一次，并确认令牌属于被调用的帐号。",
        "Refresh the account's access token and retry once; make sure the token belongs to the account being called.",
    ),
    // ---- modifyheadimage / modifysignature (spec §4, §5) ----
    entry(
        40097,
        Permanent,
        "参数错误",
        "invalid arguments (modifyheadimage: crop box outside [0, 1] or inverted; modifysignature: signature empty, too long or malformed)",
        "修正请求参数：头像裁剪坐标须在 [0, 1] 内且 x1<x2、y1<y2；功能介绍须非空且长度合规。",
        "Fix the request: crop coordinates must lie in [0, 1] with x1 < x2 and y1 < y2; the signature must be non-empty and within the length limit.",
    ),
    entry(
        40125,
        OperatorMustAct,
        "不合法的 AppSecret",
        "invalid appsecret: the component AppSecret is wrong or has been reset",
        "在微信开放平台核对或重置第三方平台的 AppSecret，并更新配置。",
        "Check or reset the component AppSecret on the WeChat Open Platform and update the configuration.",
    ),
    entry(
        41001,
        Permanent,
        "缺少 access_token 参数",
        "access_token missing from the query string",
        "在请求 URL 上携带 access_token（或 component_access_token）参数；这是调用方的程序错误。",
        "Put the access_token (or component_access_token) parameter on the URL; this is a bug in the caller.",
    ),
    entry(
        41004,
        Permanent,
        "缺少 secret 参数",
        "appsecret missing: api_component_token was called without component_appsecret",
        "在请求中携带 component_appsecret，并确认配置中已填写 AppSecret。",
        "Send component_appsecret in the request and make sure the AppSecret is set in the configuration.",
    ),
    entry(
        41005,
        Permanent,
        "缺少多媒体文件数据",
        "media data missing: the multipart field `media` is absent or empty",
        "以 multipart/form-data 上传，文件放在字段 media 中。",
        "Upload as multipart/form-data with the file in the field `media`.",
    ),
    entry(
        41006,
        Permanent,
        "media_id 不能为空",
        "media_id missing: head_img_media_id is empty",
        "先上传头像临时素材，再用返回的 media_id 调用。",
        "Upload the head image as temporary media first, then call again with the returned media_id.",
    ),
    entry(
        41033,
        Permanent,
        "只允许通过 API 创建的小程序调用此接口（非法的注册类型）",
        "invalid register type: only mini programs created through the API may call this (errmsg is the misspelled \"invaid register type\"; returned by checknickname and the category APIs)",
        "该小程序不是通过第三方平台接口创建的，请在它自己的小程序后台手动操作。",
        "This mini program was not created through the API; make the change by hand in its own admin console.",
    ),
    entry(
        42001,
        RefreshToken,
        "access_token 超时",
        "access_token expired (tokens last 7200 s)",
        "刷新 access_token 后重试一次，并在到期前约 10 分钟主动刷新。",
        "Refresh the access token and retry once; refresh tokens about 10 minutes before they expire.",
    ),
    entry(
        45009,
        QuotaExhausted,
        "接口调用超过限制（当日调用额度已用完）",
        "reach max API daily quota limit (some mini-program APIs return 45009 for a per-minute rate limit instead)",
        "等次日额度重置后再调用；紧急时可用清零额度接口（每月可用次数有限）。",
        "Wait for the daily quota to reset the next day; in an emergency clear it with the quota-reset API, whose own uses per month are limited.",
    ),
    entry(
        46001,
        Permanent,
        "media_id 不存在",
        "media_id does not exist: never uploaded, uploaded by another account, or expired after 3 days",
        "用同一帐号的令牌重新上传头像临时素材，并在 3 天内使用。",
        "Upload the image again with the same account's token and use the media_id within 3 days.",
    ),
    entry(
        47001,
        Permanent,
        "解析 JSON/XML 内容错误",
        "data format error: the body is not valid JSON/XML or a required field is missing",
        "检查请求体是否为合法 JSON 且包含全部必填字段；这是调用方的程序错误。",
        "Check that the body is valid JSON with every required field; this is a bug in the caller.",
    ),
    entry(
        48001,
        OperatorMustAct,
        "api 功能未授权",
        "API unauthorized: the account has not granted the permission set that covers this API, or the component lacks it",
        "让帐号管理员重新授权并勾选所需权限集，或为第三方平台申请该权限集并全网发布。",
        "Ask the account admin to authorize again with the needed permission set ticked, or add that set to the component and release it.",
    ),
    // ---- checkwxverifynickname (spec §3.1); 53013–53017 depend on the account type ----
    entry(
        53010,
        OperatorMustAct,
        "名称格式不合法",
        "name format invalid",
        "换一个由中文、英文、数字组成，长度 4–30 个字符（一个汉字算 2 个）的名称。",
        "Choose a name of Chinese characters, letters and digits, 4 to 30 characters long (a Chinese character counts as 2).",
    ),
    entry(
        53011,
        QuotaExhausted,
        "名称检测命中频率限制",
        "name check rate-limited: names were checked too often",
        "暂停名称检测，稍后再试；只在提交时检测，不要逐字检测。",
        "Stop checking for a while and try again later; check a name when it is submitted, not on every keystroke.",
    ),
    entry(
        53012,
        OperatorMustAct,
        "禁止使用该名称",
        "name forbidden",
        "换一个名称，该名称不允许使用。",
        "Choose another name; this one may not be used.",
    ),
    entry(
        53013,
        OperatorMustAct,
        "公众号：名称与已有公众号名称重复;小程序：该名称与已有小程序名称重复",
        "name duplicates an account of the same type (for an official account: another official account; for a mini program: another mini program)",
        "换一个名称；若重名帐号属于本主体，先给那个帐号改名。",
        "Choose another name; if the same-named account belongs to this entity, rename that account first.",
    ),
    entry(
        53014,
        OperatorMustAct,
        "公众号：公众号已有{名称 A+}时，需与该帐号相同主体才可申请{名称 A};小程序：小程序已有{名称 A+}时，需与该帐号相同主体才可申请{名称 A}",
        "an account of the same type already holds \"{name A}+\", so only that account's entity may take \"{name A}\" (official account vs official account, mini program vs mini program)",
        "换一个名称，或由持有 {名称 A+} 的同一主体申请。",
        "Choose another name, or apply under the entity that holds \"{name A}+\".",
    ),
    entry(
        53015,
        OperatorMustAct,
        "公众号：该名称与已有小程序名称重复，需与该小程序帐号相同主体才可申请;小程序：该名称与已有公众号名称重复，需与该公众号帐号相同主体才可申请",
        "name duplicates an account of the other type (for a mini program: an official account), and only that account's entity may use it",
        "换一个名称，或由重名帐号的同一主体申请。",
        "Choose another name, or apply under the entity that owns the same-named account.",
    ),
    entry(
        53016,
        OperatorMustAct,
        "公众号：该名称与已有多个小程序名称重复，暂不支持申请;小程序：该名称与已有多个公众号名称重复，暂不支持申请",
        "name duplicates several accounts of the other type (for a mini program: several official accounts) and cannot be applied for at present",
        "换一个名称，被多个帐号占用的名称暂不能申请。",
        "Choose another name; a name held by several accounts cannot be taken.",
    ),
    entry(
        53017,
        OperatorMustAct,
        "公众号：小程序已有{名称 A+}时，需与该帐号相同主体才可申请{名称 A};小程序：公众号已有{名称 A+}时，需与该帐号相同主体才可申请{名称 A}",
        "an account of the other type already holds \"{name A}+\" (for a mini program: an official account), so only that account's entity may take \"{name A}\"",
        "换一个名称，或由持有 {名称 A+} 的主体申请。",
        "Choose another name, or apply under the entity that holds \"{name A}+\".",
    ),
    entry(
        53018,
        OperatorMustAct,
        "名称命中微信号",
        "name matches an existing WeChat ID",
        "换一个名称，该名称与某个微信号相同。",
        "Choose another name; it collides with a WeChat ID.",
    ),
    entry(
        53019,
        OperatorMustAct,
        "名称在保护期内",
        "name is in a protection period",
        "换一个名称，或等保护期结束后再申请。",
        "Choose another name, or wait until its protection period ends.",
    ),
    // ---- modifysignature / modifyheadimage quotas (spec §4, §5) ----
    entry(
        53200,
        QuotaExhausted,
        "本月功能介绍修改次数已用完",
        "the monthly quota for changing the signature (description) is used up",
        "下月 1 日额度重置后再修改；getaccountbasicinfo 的 signature_info 显示已用与总次数。",
        "Change it after the quota resets on the 1st of next month; getaccountbasicinfo's signature_info shows the used and total changes.",
    ),
    entry(
        53201,
        OperatorMustAct,
        "功能介绍内容命中黑名单关键字",
        "the signature contains a blacklisted keyword",
        "删除或改写敏感词后重新提交功能介绍。",
        "Reword the signature without the blocked keyword and submit it again.",
    ),
    entry(
        53202,
        QuotaExhausted,
        "本月头像修改次数已用完",
        "the monthly quota for changing the head image is used up",
        "下月 1 日额度重置后再修改；getaccountbasicinfo 的 head_image_info 显示已用与总次数。",
        "Change it after the quota resets on the 1st of next month; getaccountbasicinfo's head_image_info shows the used and total changes.",
    ),
    // ---- category APIs (spec §6; 53309 from protocol-notes §7) ----
    entry(
        53300,
        QuotaExhausted,
        "超出每月次数限制",
        "the monthly limit on category changes is exceeded",
        "等下一个更改周期再设置类目；getcategory 的 quota 显示本周期剩余次数。",
        "Wait for the next change period; getcategory's quota field shows how many changes are left.",
    ),
    entry(
        53301,
        OperatorMustAct,
        "超出可配置类目总数限制",
        "the total number of categories would exceed the limit (getcategory's category_limit)",
        "先删除不再需要的类目，再添加新类目。",
        "Delete a category you no longer need, then add the new one.",
    ),
    entry(
        53302,
        Permanent,
        "当前账号主体类型不允许设置此种类目",
        "the account's entity type may not set this category",
        "从 getallcategories 返回的可选类目中另选一个。",
        "Pick another category from those getallcategories returns for this account.",
    ),
    entry(
        53303,
        Permanent,
        "提交的参数不合法",
        "invalid parameters: bad first/second category ids or certicates",
        "核对 first/second 类目 ID 与 certicates 的 key/value（value 为资质图片的 media_id）。",
        "Check the first/second category ids and the certicates key/value pairs (value is the media_id of the qualification image).",
    ),
    entry(
        53304,
        Permanent,
        "与已有类目重复",
        "the category duplicates one already set",
        "该类目已存在，无需重复添加；用 getcategory 查看当前类目。",
        "The category is already set, so there is nothing to add; getcategory lists the current ones.",
    ),
    entry(
        53305,
        OperatorMustAct,
        "包含未通过 IPC 校验的类目",
        "contains a category that failed the IPC check (the spec's wording; most likely the ICP filing check)",
        "为该类目补齐备案或资质后再提交，或改选其他类目。",
        "Complete the filing or qualification the category needs, or choose another category.",
    ),
    entry(
        53306,
        Permanent,
        "修改类目只允许修改类目资质，不允许修改类目 ID",
        "modifycategory may only change a category's qualifications, not its ids",
        "要换类目请先 deletecategory 再 addcategory；modifycategory 只用于修改资质。",
        "To change the category itself, delete it and add the new one; use modifycategory only for qualifications.",
    ),
    entry(
        53307,
        Permanent,
        "只有审核失败的类目允许修改",
        "only a category whose review failed may be modified",
        "只对 audit_status=2（审核不通过）的类目调用 modifycategory。",
        "Call modifycategory only for categories with audit_status 2 (rejected).",
    ),
    entry(
        53308,
        RetryLater,
        "审核中的类目不允许删除",
        "a category under review cannot be deleted",
        "等收到 wxa_category_audit 审核结果推送后再删除。",
        "Wait for the wxa_category_audit push with the review result, then delete it.",
    ),
    entry(
        53309,
        Permanent,
        "社交红包类目不允许删除",
        "the social red-packet category cannot be deleted",
        "保留该类目，它不能通过接口删除。",
        "Keep this category; it cannot be deleted through the API.",
    ),
    // ---- component authorization (protocol-notes §1, §5) ----
    entry(
        61003,
        OperatorMustAct,
        "该帐号未授权给此第三方平台",
        "component is not authorized by this account: the account never granted, or has withdrawn, the permission set",
        "让帐号管理员通过授权链接重新授权本第三方平台。",
        "Ask the account admin to authorize the component again through the authorization link.",
    ),
    entry(
        61004,
        OperatorMustAct,
        "请求来源 IP 未在第三方平台的 IP 白名单中",
        "access client IP is not registered: the caller's IP is not on the component's IP whitelist",
        "在微信开放平台的第三方平台设置中把服务器出口 IP 加入白名单。",
        "Add the server's outbound IP to the component's IP whitelist on the WeChat Open Platform.",
    ),
    entry(
        61005,
        RetryLater,
        "component_verify_ticket 已过期",
        "component_verify_ticket expired (a ticket lasts 12 h; WeChat pushes a new one every 10 minutes); not the fast-register scan ticket, whose failures are 61058",
        "确认授权事件接收 URL 正常接收推送并保存最新 ticket，等下一次推送（10 分钟内）后重试。",
        "Make sure the authorization-event URL receives the pushes and stores the latest ticket; retry after the next push (within 10 minutes).",
    ),
    entry(
        61006,
        RetryLater,
        "component_verify_ticket 无效",
        "component_verify_ticket invalid (not the latest, or not this component's); not the fast-register scan ticket, whose failures are 61058",
        "使用最近一次推送的 ticket；仍无效时核对解密推送所用的 EncodingAESKey 和第三方平台 appid。",
        "Use the most recently pushed ticket; if it still fails, check the EncodingAESKey and component appid used to decrypt the push.",
    ),
    entry(
        61009,
        Permanent,
        "授权码（code）无效",
        "code is invalid: the pre_auth_code or authorization_code is unknown or already used",
        "重新发起授权，获取新的 pre_auth_code / authorization_code；授权码只能用一次。",
        "Start the authorization again for a new pre_auth_code / authorization_code; each code is single use.",
    ),
    entry(
        61010,
        Permanent,
        "授权码（code）已过期",
        "code is expired: the pre_auth_code or authorization_code outlived its lifetime",
        "重新发起授权，并在收到授权码后立即换取令牌。",
        "Start the authorization again and exchange the code as soon as it arrives.",
    ),
    entry(
        61011,
        OperatorMustAct,
        "无效的第三方平台",
        "invalid component: the component appid is wrong or the component cannot be used",
        "核对 component_appid，并在开放平台确认第三方平台状态正常。",
        "Check component_appid and confirm on the WeChat Open Platform that the component is active.",
    ),
    entry(
        61014,
        Permanent,
        "第三方平台接口必须使用 component_access_token 调用",
        "must use the component token for a component API (an authorizer token was sent)",
        "调用 api_* 接口时传 component_access_token，而不是授权方的 access_token。",
        "Send component_access_token to the component APIs (api_*), not an authorizer's access_token.",
    ),
    entry(
        61015,
        Permanent,
        "非第三方平台接口必须使用授权方的 access_token 调用",
        "must use the authorizer's token for a non-component API (the component token was sent)",
        "调用小程序/公众号接口时传该授权方的 authorizer_access_token。",
        "Send the authorizer's authorizer_access_token to account APIs, not component_access_token.",
    ),
    entry(
        61023,
        OperatorMustAct,
        "refresh_token 无效",
        "refresh_token is invalid: the account de-authorized, or re-authorized and was issued a new one",
        "让帐号管理员重新授权，并保存新的 authorizer_refresh_token。",
        "Ask the account admin to authorize again and store the new authorizer_refresh_token.",
    ),
    entry(
        61024,
        Permanent,
        "第三方平台帐号必须通过 api_component_token 接口获取令牌",
        "must use api_component_token to get a token for a component account (/cgi-bin/token was called with a component appid)",
        "第三方平台的令牌改用 api_component_token 获取，不要调用 /cgi-bin/token。",
        "Get the component's token from api_component_token, not from /cgi-bin/token.",
    ),
    // ---- fastregister (spec §1.3) ----
    entry(
        61028,
        OperatorMustAct,
        "第三方平台未发布",
        "the component is not released, so its permission sets are not live",
        "在微信开放平台将第三方平台全网发布后再调用。",
        "Release the component to all accounts (full release) on the WeChat Open Platform, then call again.",
    ),
    entry(
        61029,
        OperatorMustAct,
        "第三方平台缺少必备权限集(帐号服务权限. 程序帐号管理权限. 小程序开发管理与数据分析权限)",
        "the component lacks a required permission set (account service, mini program account management, mini program development management and data analysis)",
        "为第三方平台勾选帐号服务、小程序帐号管理、小程序开发管理与数据分析等权限集，并重新全网发布。",
        "Add the account-service, mini-program account-management and development-and-data-analysis permission sets to the component and release it again.",
    ),
    entry(
        61051,
        Permanent,
        "公众号主体类型不允许快速创建",
        "the official account's entity type may not fast-register (only verified enterprise, media, government and other-organization accounts may)",
        "该公众号的主体类型不支持复用资质注册，请用其他方式创建小程序。",
        "This account's entity type cannot reuse its qualification; create the mini program another way.",
    ),
    entry(
        61052,
        OperatorMustAct,
        "公众号未认证",
        "the official account is not WeChat-verified",
        "先完成公众号的微信认证，再发起快速注册。",
        "Complete the official account's WeChat verification first, then start the registration again.",
    ),
    entry(
        61053,
        OperatorMustAct,
        "超过主体可注册数量上限",
        "the entity has reached its limit of registered accounts",
        "注销该主体下不再使用的小程序后再试。",
        "Deregister mini programs the entity no longer uses, then try again.",
    ),
    entry(
        61054,
        Permanent,
        "主体黑名单",
        "the entity is blacklisted",
        "该主体被限制注册，平台无法处理，请主体自行联系微信客服。",
        "The entity is barred from registering; the platform cannot fix this, the entity must contact WeChat support.",
    ),
    entry(
        61055,
        QuotaExhausted,
        "超出公众号每月可快速创建限额",
        "the official account's monthly fast-register quota (5) is used up",
        "该公众号本月已复用资质注册 5 个小程序，请下月 1 日后再试（仅创建成功的计入额度）。",
        "This account has registered 5 Mini Programs this month; try again on the 1st of next month (quota counts only successful registrations).",
    ),
    entry(
        61056,
        Permanent,
        "政府. 媒体. 其他组织必须复选微信认证",
        "government, media and other-organization accounts must reuse WeChat verification (copy_wx_verify=1)",
        "以 copy_wx_verify=1 重新生成授权注册链接，让管理员重新扫码。",
        "Rebuild the fastregisterauth link with copy_wx_verify=1 and have the admin scan it again.",
    ),
    entry(
        61057,
        OperatorMustAct,
        "公众号仍有快速创建的账号在流程中",
        "the official account still has a fast-registered account pending completion",
        "先完成（或等待结束）该公众号下待完成注册的小程序，再发起新的注册。",
        "Finish the pending registration of this account (or wait for it to end) before starting another.",
    ),
    entry(
        61058,
        Permanent,
        "用户扫码凭证校验不通过",
        "the scan ticket failed verification (invalid ticket: expired, already used or not this account's; also returned when the same ticket is retried within 5 s); permanent for that ticket",
        "不要重试该 ticket；先确认之前的调用是否已创建成功，否则让管理员重新扫码获取新 ticket。",
        "Do not retry this ticket; check whether an earlier call with it already succeeded, otherwise have the admin scan again for a new ticket.",
    ),
    entry(
        61060,
        Permanent,
        "转 uri 不合法",
        "invalid redirect_uri: it must be urlencoded and its host must be the component's login-authorization domain",
        "修正 redirect_uri：先 urlencode，且域名须与开放平台登录授权发起页域名一致。",
        "Fix redirect_uri: urlencode it and use the host registered as the component's login-authorization domain.",
    ),
    entry(
        61061,
        Permanent,
        "海外帐号不允许快速创建",
        "overseas accounts may not fast-register",
        "海外主体不支持复用资质注册，请用其他方式创建小程序。",
        "Overseas entities cannot reuse their qualification; create the mini program another way.",
    ),
    // ---- componentrebindadmin (spec §7.3) ----
    entry(
        85026,
        OperatorMustAct,
        "微信号绑定管理员名额达到上限",
        "the new admin's WeChat ID already administers the maximum number of accounts",
        "换一个微信号作为新管理员，或让该微信号先卸任其他帐号的管理员，再重新发起换绑。",
        "Pick another WeChat user as the new admin, or have this one give up another admin role, then restart the rebind.",
    ),
    entry(
        85027,
        OperatorMustAct,
        "身份证绑定管理员名额达到上限",
        "the new admin's ID card is bound as admin to the maximum number of accounts",
        "换一位新管理员（不同身份证）重新发起换绑。",
        "Restart the rebind with a different person (another ID card) as the new admin.",
    ),
    entry(
        85060,
        Permanent,
        "无效的 taskid",
        "invalid taskid: unknown, expired or already used",
        "从换绑页面重新发起流程，用新回跳的 taskid 调用。",
        "Restart the rebind from the componentrebindadmin page and call with the new taskid.",
    ),
    entry(
        85061,
        OperatorMustAct,
        "手机号绑定管理员名额达到上限",
        "the new admin's phone number is bound as admin to the maximum number of accounts",
        "换一个手机号重新发起换绑。",
        "Restart the rebind with a different phone number for the new admin.",
    ),
    entry(
        85062,
        OperatorMustAct,
        "手机号黑名单",
        "the new admin's phone number is blacklisted",
        "换一个手机号或换一位新管理员，重新发起换绑。",
        "Restart the rebind with another phone number or another person as the new admin.",
    ),
    entry(
        85063,
        OperatorMustAct,
        "身份证黑名单",
        "the new admin's ID card is blacklisted",
        "换一位新管理员重新发起换绑。",
        "Restart the rebind with another person as the new admin.",
    ),
    // ---- global (protocol-notes §5) ----
    entry(
        89503,
        OperatorMustAct,
        "此次调用需要管理员确认，请联系管理员",
        "this call (from this IP) needs the account admin's confirmation",
        "通知帐号管理员在微信中确认本次调用，确认后再重试。",
        "Ask the account admin to confirm the call in WeChat, then retry.",
    ),
    // ---- setnickname (spec §3.2, protocol-notes §7) and querynickname (spec §3.3) ----
    entry(
        91001,
        Permanent,
        "不是公众号快速创建的小程序",
        "not a mini program fast-registered from an official account",
        "该接口只用于复用公众号资质创建的小程序，请在该小程序后台手动改名。",
        "This API only works for fast-registered mini programs; rename this one in its own admin console.",
    ),
    entry(
        91002,
        Permanent,
        "小程序发布后不可改名",
        "a released mini program cannot be renamed through this API",
        "发布后只能通过微信认证改名，请在小程序后台发起。",
        "After release the name can only change through WeChat verification, started in the mini program's admin console.",
    ),
    entry(
        91003,
        OperatorMustAct,
        "改名状态不合法",
        "the mini program is not in a state that allows renaming",
        "用 api_wxa_querynickname 查看上一次改名审核，待其结束后再改名。",
        "Check the previous rename with api_wxa_querynickname and rename again only after it has finished.",
    ),
    entry(
        91004,
        OperatorMustAct,
        "昵称不合法",
        "nickname invalid",
        "换一个合规的名称（例如不得包含“小程序”字样）。",
        "Choose a valid name (for example, it must not contain the Chinese words for \"mini program\").",
    ),
    entry(
        91005,
        OperatorMustAct,
        "昵称命中主体保护",
        "nickname hits entity protection (the newer docs call it a 15-day entity protection)",
        "换一个名称，或提交能证明有权使用该名称的材料。",
        "Choose another name, or submit materials proving the right to use it.",
    ),
    entry(
        91006,
        OperatorMustAct,
        "昵称命中微信号",
        "nickname matches an existing WeChat ID",
        "换一个名称，该名称与某个微信号相同。",
        "Choose another name; it collides with a WeChat ID.",
    ),
    entry(
        91007,
        OperatorMustAct,
        "昵称已被占用",
        "nickname already taken",
        "换一个名称。",
        "Choose another name.",
    ),
    entry(
        91008,
        OperatorMustAct,
        "昵称命中 7 天侵权保护期",
        "nickname is in a 7-day infringement protection period",
        "换一个名称，或 7 天保护期结束后再试。",
        "Choose another name, or try again after the 7-day protection period.",
    ),
    entry(
        91009,
        OperatorMustAct,
        "需要提交材料",
        "supporting materials are required",
        "把证明材料上传为临时素材，填入 naming_other_stuff_1 至 naming_other_stuff_5 后重新提交。",
        "Upload proof documents as temporary media and resubmit with naming_other_stuff_1 to naming_other_stuff_5.",
    ),
    entry(
        91010,
        RetryLater,
        "其他错误",
        "other error (setnickname; querynickname's \"other error\" is 91012)",
        "稍后重试；多次失败时记录 errmsg 并到微信开放社区反馈。",
        "Retry later; if it keeps failing, record errmsg and ask in the WeChat open community.",
    ),
    entry(
        91011,
        Permanent,
        "查不到昵称修改审核单信息",
        "no rename audit exists for this audit_id (querynickname)",
        "核对 audit_id 是否为该小程序 setnickname 返回的值。",
        "Check that audit_id is the one setnickname returned for this mini program.",
    ),
    entry(
        91012,
        RetryLater,
        "其它错误",
        "other error (querynickname; setnickname's \"other error\" is 91010)",
        "稍后重试；多次失败时记录 errmsg 并到微信开放社区反馈。",
        "Retry later; if it keeps failing, record errmsg and ask in the WeChat open community.",
    ),
    entry(
        91013,
        OperatorMustAct,
        "占用名字过多",
        "too many names are occupied",
        "换一个名称。",
        "Choose another name.",
    ),
    entry(
        91014,
        OperatorMustAct,
        "+号规则 同一类型关联名主体不一致",
        "\"+\" rule: a related name of the same account type belongs to a different entity",
        "换一个名称。",
        "Choose another name.",
    ),
    entry(
        91015,
        OperatorMustAct,
        "创建的小程序名称与对应公众号主体不一致",
        "the mini program's name does not match the official account's entity (SDK tables word 91015 as \"the original name belongs to a different entity of another account type\")",
        "使用与公众号主体一致的名称，或提交证明材料。",
        "Use a name consistent with the official account's entity, or submit supporting materials.",
    ),
    entry(
        91016,
        OperatorMustAct,
        "名称占用者 ≥2",
        "the name is held by two or more accounts",
        "换一个名称。",
        "Choose another name.",
    ),
    entry(
        91017,
        OperatorMustAct,
        "+号规则 不同类型关联名主体不一致",
        "\"+\" rule: a related name of the other account type belongs to a different entity",
        "换一个名称。",
        "Choose another name.",
    ),
    entry(
        91019,
        RetryLater,
        "小程序正在审核中",
        "the mini program is under review, so it cannot be renamed now",
        "等审核结束后再改名（注意发布后不可改名）。",
        "Wait until the review ends, then rename (a released mini program can no longer be renamed).",
    ),
];

/// Every known code, sorted by code.
pub fn all() -> &'static [ErrorEntry] {
    ENTRIES
}

/// The entry of a code, if known.
pub fn lookup(code: i64) -> Option<&'static ErrorEntry> {
    ENTRIES
        .binary_search_by_key(&code, |e| e.code)
        .ok()
        .map(|i| &ENTRIES[i])
}

/// The class of a code, if known.
pub fn class_of(code: i64) -> Option<ErrorClass> {
    lookup(code).map(|e| e.class)
}

/// One line for a person: the code, its meaning and what to do. An unknown code keeps its number.
pub fn describe(code: i64, lang: Lang) -> String {
    match (lookup(code), lang) {
        (Some(e), Lang::En) => format!("WeChat error {code}: {} — {}", e.en, e.remedy_en),
        (Some(e), Lang::Zh) => format!("微信错误码 {code}：{}。{}", e.zh, e.remedy_zh),
        (None, Lang::En) => format!("unknown WeChat error code {code}"),
        (None, Lang::Zh) => format!("未知的微信错误码 {code}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `lookup` is a binary search: the table must stay sorted, one entry per code.
    #[test]
    fn entries_are_sorted_without_duplicates() {
        for pair in ENTRIES.windows(2) {
            assert!(
                pair[0].code < pair[1].code,
                "{} must come before {}",
                pair[0].code,
                pair[1].code
            );
        }
    }

    #[test]
    fn lookup_finds_every_entry() {
        for e in ENTRIES {
            assert_eq!(lookup(e.code), Some(e));
        }
        assert_eq!(lookup(0), None);
        assert_eq!(lookup(61059), None);
    }
}
