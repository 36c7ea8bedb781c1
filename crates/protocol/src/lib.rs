//! # fastreg-protocol — the wire, and nothing but the wire
//!
//! The single source of truth for how fastreg talks to WeChat's fast-register API family
//! (复用公众号主体快速注册小程序) and the component-authorization APIs around it. Both the client
//! (`fastreg-client`) and the emulator (`fastreg-emulator`) use these types, so a field renamed
//! here is renamed on both sides of the wire.
//!
//! May depend on: serde, RustCrypto, quick-xml, url. No IO, no async, no HTTP client.
//!
//! Where to start reading:
//! - [`endpoint`]: the [`Endpoint`] trait every API implements (method, path, token kind,
//!   retry safety, request and response), and [`endpoint::decode_response`], which turns a body
//!   into a typed response or an [`ApiError`].
//! - [`component`], [`registration`], [`account`], [`category`], [`admin`], [`media`]: one
//!   module per area of the spec, one type pair per endpoint.
//!   [`registration`] also holds the other routes to a new Mini Program (enterprise, personal,
//!   trial; `registration-routes.md`) with their task statuses as enums.
//! - [`template`], [`code`], [`audit`], [`release`], [`domain`], [`privacy`], [`tester`]: the
//!   Mini Program's lifecycle after registration (lifecycle spec), one file per endpoint.
//! - [`catalog`]: every error code with its Chinese and English meaning, class and remedy.
//! - [`crypto`]: WXBizMsgCrypt (signature, AES-256-CBC, the push envelope).
//! - [`event`]: the decrypted push XML (verify ticket, authorization changes, audits, and the
//!   registration routes' pushes, [`event::RegistrationPush`]).
//! - [`page`]: URL builders for the mp.weixin.qq.com pages (fastregisterauth, …).
//! - [`rules`]: input rules (crop box, image type and size, nickname and signature length).

pub mod account;
pub mod admin;
pub mod audit;
pub mod catalog;
pub mod category;
pub mod code;
pub mod component;
pub mod crypto;
pub mod domain;
pub mod endpoint;
pub mod event;
pub mod id;
pub mod media;
pub mod page;
pub mod permission;
pub mod privacy;
pub mod registration;
pub mod release;
pub mod rules;
pub mod template;
pub mod tester;
pub mod wire;

pub use catalog::{ErrorClass, ErrorEntry};
pub use endpoint::{ApiError, Endpoint, Method, RetrySafety, TokenKind};
pub use id::{AccessToken, AppId, AuditId, AuthorizationCode, MediaId, RefreshToken, TaskId, Ticket};

/// Every endpoint of the spec and around it, in the order of the spec.
pub const ENDPOINTS: &[endpoint::EndpointInfo] = &[
    endpoint::info::<component::ComponentToken>(),
    endpoint::info::<component::CreatePreAuthCode>(),
    endpoint::info::<component::QueryAuth>(),
    endpoint::info::<component::AuthorizerToken>(),
    endpoint::info::<component::GetAuthorizerInfo>(),
    endpoint::info::<component::GetAuthorizerList>(),
    endpoint::info::<registration::FastRegister>(),
    endpoint::info::<registration::EnterpriseCreate>(),
    endpoint::info::<registration::PersonalCreate>(),
    endpoint::info::<registration::BetaCreate>(),
    endpoint::info::<registration::VerifyBeta>(),
    endpoint::info::<registration::SetBetaNickname>(),
    endpoint::info::<account::AccountBasicInfo>(),
    endpoint::info::<account::CheckNickname>(),
    endpoint::info::<account::SetNickname>(),
    endpoint::info::<account::QueryNicknameAudit>(),
    endpoint::info::<media::UploadTempMedia>(),
    endpoint::info::<account::ModifyHeadImage>(),
    endpoint::info::<account::ModifySignature>(),
    endpoint::info::<category::GetAllCategories>(),
    endpoint::info::<category::AddCategory>(),
    endpoint::info::<category::DeleteCategory>(),
    endpoint::info::<category::GetCategory>(),
    endpoint::info::<category::ModifyCategory>(),
    endpoint::info::<admin::RebindAdmin>(),
    // The lifecycle (lifecycle spec §1–§7).
    endpoint::info::<template::GetTemplateDraftList>(),
    endpoint::info::<template::AddToTemplate>(),
    endpoint::info::<template::GetTemplateList>(),
    endpoint::info::<template::DeleteTemplate>(),
    endpoint::info::<code::Commit>(),
    endpoint::info::<code::GetPage>(),
    endpoint::info::<code::GetQrCode>(),
    endpoint::info::<code::GetCodePrivacyInfo>(),
    endpoint::info::<code::GetAuditCategories>(),
    endpoint::info::<code::UploadAuditMedia>(),
    endpoint::info::<audit::SubmitAudit>(),
    endpoint::info::<audit::GetAuditStatus>(),
    endpoint::info::<audit::GetLatestAuditStatus>(),
    endpoint::info::<audit::UndoCodeAudit>(),
    endpoint::info::<audit::SpeedupAudit>(),
    endpoint::info::<audit::QueryQuota>(),
    endpoint::info::<code::GetVersionInfo>(),
    endpoint::info::<release::Release>(),
    endpoint::info::<release::RevertCodeRelease>(),
    endpoint::info::<release::GrayRelease>(),
    endpoint::info::<release::GetGrayReleasePlan>(),
    endpoint::info::<release::RevertGrayRelease>(),
    endpoint::info::<code::ChangeVisitStatus>(),
    endpoint::info::<domain::ModifyWxaServerDomain>(),
    endpoint::info::<domain::ModifyWxaJumpDomain>(),
    endpoint::info::<domain::ModifyDomain>(),
    endpoint::info::<domain::ModifyDomainDirectly>(),
    endpoint::info::<domain::GetEffectiveDomain>(),
    endpoint::info::<domain::SetWebviewDomain>(),
    endpoint::info::<privacy::SetPrivacySetting>(),
    endpoint::info::<privacy::GetPrivacySetting>(),
    endpoint::info::<privacy::UploadPrivacyExtFile>(),
    endpoint::info::<tester::BindTester>(),
    endpoint::info::<tester::UnbindTester>(),
    endpoint::info::<tester::MemberAuth>(),
    endpoint::info::<tester::ChangeWxaSearchStatus>(),
    endpoint::info::<tester::GetWxaSearchStatus>(),
];
