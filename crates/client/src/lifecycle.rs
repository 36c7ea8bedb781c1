//! The Mini Program's lifecycle after registration (lifecycle spec): templates (component
//! token), code, audit, release, domains, privacy, testers and search (the Mini Program's token).
//! One method per endpoint, in the order of the happy path (§10).
//!
//! | method | endpoint | token | resent after `-1`/lost answer |
//! |---|---|---|---|
//! | [`template_drafts`](Client::template_drafts) | gettemplatedraftlist | component | yes |
//! | [`add_to_template`](Client::add_to_template) | addtotemplate | component | no: a repeat adds a second template; check [`templates`](Client::templates) |
//! | [`templates`](Client::templates) | gettemplatelist | component | yes |
//! | [`delete_template`](Client::delete_template) | deletetemplate | component | yes |
//! | [`set_component_server_domains`](Client::set_component_server_domains) | modify_wxa_server_domain | component | yes |
//! | [`set_component_jump_domains`](Client::set_component_jump_domains) | modify_wxa_jump_domain | component | yes |
//! | [`modify_domain`](Client::modify_domain), [`modify_domain_directly`](Client::modify_domain_directly) | modify_domain, modify_domain_directly | the Mini Program's | yes |
//! | [`effective_domains`](Client::effective_domains) | get_effective_domain | the Mini Program's | yes |
//! | [`set_webview_domains`](Client::set_webview_domains) | setwebviewdomain | the Mini Program's | yes |
//! | [`commit`](Client::commit) | commit | the Mini Program's | no: it restarts the privacy scan; check [`version_info`](Client::version_info) |
//! | [`pages`](Client::pages) | get_page | the Mini Program's | yes |
//! | [`trial_qr_code`](Client::trial_qr_code) | get_qrcode | the Mini Program's | yes |
//! | [`code_privacy_info`](Client::code_privacy_info) | get_code_privacy_info | the Mini Program's | yes |
//! | [`set_privacy_setting`](Client::set_privacy_setting), [`privacy_setting`](Client::privacy_setting) | setprivacysetting, getprivacysetting | the Mini Program's | yes |
//! | [`upload_privacy_ext_file`](Client::upload_privacy_ext_file) | uploadprivacyextfile | the Mini Program's | yes |
//! | [`bind_tester`](Client::bind_tester), [`unbind_tester`](Client::unbind_tester), [`testers`](Client::testers) | bind_tester, unbind_tester, memberauth | the Mini Program's | yes |
//! | [`audit_categories`](Client::audit_categories) | get_category | the Mini Program's | yes |
//! | [`upload_audit_media`](Client::upload_audit_media) | uploadmedia | the Mini Program's | yes |
//! | [`audit_quota`](Client::audit_quota) | queryquota | the Mini Program's | yes |
//! | [`submit_audit`](Client::submit_audit) | submit_audit | the Mini Program's | no: spends quota or answers 85009; check [`latest_audit_status`](Client::latest_audit_status) |
//! | [`audit_status`](Client::audit_status), [`latest_audit_status`](Client::latest_audit_status) | get_auditstatus, get_latest_auditstatus | the Mini Program's | yes |
//! | [`undo_code_audit`](Client::undo_code_audit) | undocodeaudit | the Mini Program's | no: spends the undo quota |
//! | [`speedup_audit`](Client::speedup_audit) | speedupaudit | the Mini Program's | no: spends the expedite quota |
//! | [`release`](Client::release) | release | the Mini Program's | no: a repeat reads 85052; check [`version_info`](Client::version_info) |
//! | [`gray_release`](Client::gray_release), [`gray_release_plan`](Client::gray_release_plan), [`revert_gray_release`](Client::revert_gray_release) | grayrelease, getgrayreleaseplan, revertgrayrelease | the Mini Program's | yes |
//! | [`revert_code_release`](Client::revert_code_release), [`release_history`](Client::release_history) | revertcoderelease | the Mini Program's | no (rolling back twice is 87012); the history: yes |
//! | [`version_info`](Client::version_info) | getversioninfo | the Mini Program's | yes |
//! | [`change_visit_status`](Client::change_visit_status) | change_visitstatus | the Mini Program's | yes |
//! | [`set_search_status`](Client::set_search_status), [`search_status`](Client::search_status) | changewxasearchstatus, getwxasearchstatus | the Mini Program's | yes |

use crate::client::{Auth, Call, Client, Payload, decode, query_pairs};
use crate::error::Error;
use bytes::Bytes;
use fastreg_protocol::AppId;
use fastreg_protocol::audit::{
    GetAuditStatus, GetAuditStatusRequest, GetAuditStatusResponse, GetLatestAuditStatus, GetLatestAuditStatusResponse,
    QueryQuota, QueryQuotaResponse, SpeedupAudit, SpeedupAuditRequest, SubmitAudit, SubmitAuditRequest,
    SubmitAuditResponse, UndoCodeAudit,
};
use fastreg_protocol::code::{
    ChangeVisitStatus, ChangeVisitStatusRequest, Commit, CommitRequest, GetAuditCategories, GetAuditCategoriesResponse,
    GetCodePrivacyInfo, GetCodePrivacyInfoResponse, GetPage, GetQrCode, GetQrCodeQuery, GetVersionInfo,
    GetVersionInfoResponse, UploadAuditMedia, UploadAuditMediaResponse,
};
use fastreg_protocol::domain::{
    GetEffectiveDomain, GetEffectiveDomainResponse, ModifyDomain, ModifyDomainDirectly, ModifyDomainRequest,
    ModifyDomainResponse, ModifyWxaJumpDomain, ModifyWxaJumpDomainRequest, ModifyWxaJumpDomainResponse,
    ModifyWxaServerDomain, ModifyWxaServerDomainRequest, ModifyWxaServerDomainResponse, SetWebviewDomain,
    SetWebviewDomainRequest, SetWebviewDomainResponse,
};
use fastreg_protocol::endpoint::{Body, Empty, Endpoint};
use fastreg_protocol::privacy::{
    GetPrivacySetting, GetPrivacySettingRequest, GetPrivacySettingResponse, SetPrivacySetting,
    SetPrivacySettingRequest, UploadPrivacyExtFile, UploadPrivacyExtFileResponse,
};
use fastreg_protocol::release::{
    GetGrayReleasePlan, GrayRelease, GrayReleasePlan, GrayReleaseRequest, HistoryVersion, Release, RevertCodeRelease,
    RevertCodeReleaseQuery, RevertGrayRelease,
};
use fastreg_protocol::rules::sniff_image;
use fastreg_protocol::template::{
    AddToTemplate, AddToTemplateRequest, DeleteTemplate, DeleteTemplateRequest, Draft, GetTemplateDraftList,
    GetTemplateList, GetTemplateListQuery, Template,
};
use fastreg_protocol::tester::{
    BindTester, BindTesterRequest, ChangeWxaSearchStatus, GetWxaSearchStatus, MemberAuth, MemberAuthRequest,
    UnbindTester, UnbindTesterRequest, WxaSearchStatus,
};

impl Client {
    // ---- templates (spec §1; component token) ----

    /// gettemplatedraftlist: the drafts the component's development Mini Programs uploaded.
    pub async fn template_drafts(&self) -> Result<Vec<Draft>, Error> {
        Ok(self
            .call_as_component::<GetTemplateDraftList>(&Empty {})
            .await?
            .draft_list)
    }

    /// addtotemplate: makes a draft a (normal) template. The new id is not returned: read it
    /// with [`templates`](Client::templates).
    pub async fn add_to_template(&self, draft_id: u64) -> Result<(), Error> {
        self.call_as_component::<AddToTemplate>(&AddToTemplateRequest::new(draft_id))
            .await
            .map(drop)
    }

    /// gettemplatelist: every template of the library.
    pub async fn templates(&self) -> Result<Vec<Template>, Error> {
        Ok(self
            .call_as_component::<GetTemplateList>(&GetTemplateListQuery::default())
            .await?
            .template_list)
    }

    /// deletetemplate.
    pub async fn delete_template(&self, template_id: u64) -> Result<(), Error> {
        self.call_as_component::<DeleteTemplate>(&DeleteTemplateRequest::new(template_id))
            .await
            .map(drop)
    }

    // ---- domains (spec §4) ----

    /// modify_wxa_server_domain (component token): registers, removes or lists the server
    /// domains the component's Mini Programs may use.
    pub async fn set_component_server_domains(
        &self,
        req: &ModifyWxaServerDomainRequest,
    ) -> Result<ModifyWxaServerDomainResponse, Error> {
        self.call_as_component::<ModifyWxaServerDomain>(req).await
    }

    /// modify_wxa_jump_domain (component token): the component's business domains.
    pub async fn set_component_jump_domains(
        &self,
        req: &ModifyWxaJumpDomainRequest,
    ) -> Result<ModifyWxaJumpDomainResponse, Error> {
        self.call_as_component::<ModifyWxaJumpDomain>(req).await
    }

    /// modify_domain: the Mini Program's server domains, from those the component registered.
    pub async fn modify_domain(&self, appid: &AppId, req: &ModifyDomainRequest) -> Result<ModifyDomainResponse, Error> {
        self.call_as_authorizer::<ModifyDomain>(appid, req).await
    }

    /// modify_domain_directly: the Mini Program's server domains, without the component.
    pub async fn modify_domain_directly(
        &self,
        appid: &AppId,
        req: &ModifyDomainRequest,
    ) -> Result<ModifyDomainResponse, Error> {
        self.call_as_authorizer::<ModifyDomainDirectly>(appid, req).await
    }

    /// get_effective_domain.
    pub async fn effective_domains(&self, appid: &AppId) -> Result<GetEffectiveDomainResponse, Error> {
        self.call_as_authorizer::<GetEffectiveDomain>(appid, &Empty {}).await
    }

    /// setwebviewdomain: the business domains (`action` `None` copies all the component's).
    pub async fn set_webview_domains(
        &self,
        appid: &AppId,
        req: &SetWebviewDomainRequest,
    ) -> Result<SetWebviewDomainResponse, Error> {
        self.call_as_authorizer::<SetWebviewDomain>(appid, req).await
    }

    // ---- code (spec §2) ----

    /// commit: a template as the trial version. Build `req` with
    /// [`CommitRequest::with_ext`] so `ext_json` travels as the string WeChat wants.
    pub async fn commit(&self, appid: &AppId, req: &CommitRequest) -> Result<(), Error> {
        self.call_as_authorizer::<Commit>(appid, req).await.map(drop)
    }

    /// get_page: the trial version's pages.
    pub async fn pages(&self, appid: &AppId) -> Result<Vec<String>, Error> {
        Ok(self.call_as_authorizer::<GetPage>(appid, &Empty {}).await?.page_list)
    }

    /// get_qrcode: the trial version's QR code as JPEG bytes (`path`: the page to open, with its
    /// query; `None` the home page). An error answer (JSON) is an [`Error::Api`].
    pub async fn trial_qr_code(&self, appid: &AppId, path: Option<&str>) -> Result<Bytes, Error> {
        let query = query_pairs(GetQrCode::NAME, &GetQrCodeQuery::new(path.map(str::to_owned)))?;
        let auth = Auth::Authorizer(appid.clone());
        let call = Call {
            name: GetQrCode::NAME,
            method: GetQrCode::METHOD,
            path: GetQrCode::PATH,
            retry: GetQrCode::RETRY,
            auth: &auth,
            subject: Some(appid),
            query,
            body: Payload::None,
        };
        let body = self.inner.execute(&call).await?;
        if sniff_image(&body).is_none() {
            return Err(Error::Decode {
                endpoint: GetQrCode::NAME,
                reason: "the answer is neither an image nor an error".into(),
                excerpt: fastreg_protocol::endpoint::excerpt(&body),
            });
        }
        Ok(body)
    }

    /// get_code_privacy_info: the privacy scan's result (61039 while it runs, about a minute
    /// after commit).
    pub async fn code_privacy_info(&self, appid: &AppId) -> Result<GetCodePrivacyInfoResponse, Error> {
        self.call_as_authorizer::<GetCodePrivacyInfo>(appid, &Empty {}).await
    }

    /// get_category: the approved categories submit_audit's `item_list` may use.
    pub async fn audit_categories(&self, appid: &AppId) -> Result<GetAuditCategoriesResponse, Error> {
        self.call_as_authorizer::<GetAuditCategories>(appid, &Empty {}).await
    }

    /// uploadmedia: a preview image or video for submit_audit's `preview_info`.
    pub async fn upload_audit_media(
        &self,
        appid: &AppId,
        filename: &str,
        bytes: impl Into<Bytes>,
    ) -> Result<UploadAuditMediaResponse, Error> {
        let bytes: Bytes = bytes.into();
        let mime = sniff_image(&bytes).map(|k| k.mime()).unwrap_or("video/mp4");
        self.upload::<UploadAuditMedia>(appid, filename, mime, bytes).await
    }

    /// getversioninfo: the trial and live versions.
    pub async fn version_info(&self, appid: &AppId) -> Result<GetVersionInfoResponse, Error> {
        self.call_as_authorizer::<GetVersionInfo>(appid, &Empty {}).await
    }

    /// change_visitstatus: opens (true) or closes the service.
    pub async fn change_visit_status(&self, appid: &AppId, open: bool) -> Result<(), Error> {
        self.call_as_authorizer::<ChangeVisitStatus>(appid, &ChangeVisitStatusRequest::new(open))
            .await
            .map(drop)
    }

    // ---- privacy (spec §5) ----

    /// setprivacysetting.
    pub async fn set_privacy_setting(&self, appid: &AppId, req: &SetPrivacySettingRequest) -> Result<(), Error> {
        self.call_as_authorizer::<SetPrivacySetting>(appid, req).await.map(drop)
    }

    /// getprivacysetting: version 1 (live) or 2 (development).
    pub async fn privacy_setting(&self, appid: &AppId, privacy_ver: u64) -> Result<GetPrivacySettingResponse, Error> {
        self.call_as_authorizer::<GetPrivacySetting>(appid, &GetPrivacySettingRequest::new(privacy_ver))
            .await
    }

    /// uploadprivacyextfile: a custom privacy guide (.txt, ≤ 100 KB).
    pub async fn upload_privacy_ext_file(
        &self,
        appid: &AppId,
        text: impl Into<Bytes>,
    ) -> Result<UploadPrivacyExtFileResponse, Error> {
        self.upload::<UploadPrivacyExtFile>(appid, "privacy.txt", "text/plain", text.into())
            .await
    }

    // ---- testers and search (spec §6, §7) ----

    /// bind_tester: returns the tester's `userstr`.
    pub async fn bind_tester(&self, appid: &AppId, wechatid: &str) -> Result<String, Error> {
        Ok(self
            .call_as_authorizer::<BindTester>(appid, &BindTesterRequest::new(wechatid))
            .await?
            .userstr)
    }

    /// unbind_tester.
    pub async fn unbind_tester(&self, appid: &AppId, req: &UnbindTesterRequest) -> Result<(), Error> {
        self.call_as_authorizer::<UnbindTester>(appid, req).await.map(drop)
    }

    /// memberauth: the testers' `userstr`s.
    pub async fn testers(&self, appid: &AppId) -> Result<Vec<String>, Error> {
        let resp = self
            .call_as_authorizer::<MemberAuth>(appid, &MemberAuthRequest::default())
            .await?;
        Ok(resp.members.into_iter().map(|m| m.userstr).collect())
    }

    /// changewxasearchstatus: searchable (true) or hidden.
    pub async fn set_search_status(&self, appid: &AppId, searchable: bool) -> Result<(), Error> {
        self.call_as_authorizer::<ChangeWxaSearchStatus>(appid, &WxaSearchStatus::new(searchable))
            .await
            .map(drop)
    }

    /// getwxasearchstatus: whether the Mini Program is searchable.
    pub async fn search_status(&self, appid: &AppId) -> Result<bool, Error> {
        Ok(self
            .call_as_authorizer::<GetWxaSearchStatus>(appid, &Empty {})
            .await?
            .status
            == 0)
    }

    // ---- audit (spec §2.7–2.11) ----

    /// queryquota: the component's audit quota (shared by its Mini Programs).
    pub async fn audit_quota(&self, appid: &AppId) -> Result<QueryQuotaResponse, Error> {
        self.call_as_authorizer::<QueryQuota>(appid, &Empty {}).await
    }

    /// submit_audit: returns the `auditid`. Not resent after a lost answer.
    pub async fn submit_audit(&self, appid: &AppId, req: &SubmitAuditRequest) -> Result<SubmitAuditResponse, Error> {
        self.call_as_authorizer::<SubmitAudit>(appid, req).await
    }

    /// get_auditstatus.
    pub async fn audit_status(&self, appid: &AppId, auditid: u64) -> Result<GetAuditStatusResponse, Error> {
        self.call_as_authorizer::<GetAuditStatus>(appid, &GetAuditStatusRequest::new(auditid))
            .await
    }

    /// get_latest_auditstatus.
    pub async fn latest_audit_status(&self, appid: &AppId) -> Result<GetLatestAuditStatusResponse, Error> {
        self.call_as_authorizer::<GetLatestAuditStatus>(appid, &Empty {}).await
    }

    /// undocodeaudit: withdraws the audit in progress (its own quota: 87013).
    pub async fn undo_code_audit(&self, appid: &AppId) -> Result<(), Error> {
        self.call_as_authorizer::<UndoCodeAudit>(appid, &Empty {})
            .await
            .map(drop)
    }

    /// speedupaudit.
    pub async fn speedup_audit(&self, appid: &AppId, auditid: u64) -> Result<(), Error> {
        self.call_as_authorizer::<SpeedupAudit>(appid, &SpeedupAuditRequest::new(auditid))
            .await
            .map(drop)
    }

    // ---- release (spec §2.13–2.15) ----

    /// release: publishes the approved version (body `{}`).
    pub async fn release(&self, appid: &AppId) -> Result<(), Error> {
        self.call_as_authorizer::<Release>(appid, &Empty {}).await.map(drop)
    }

    /// grayrelease: to this share of users (raise it call by call; 100 completes it).
    pub async fn gray_release(&self, appid: &AppId, req: &GrayReleaseRequest) -> Result<(), Error> {
        self.call_as_authorizer::<GrayRelease>(appid, req).await.map(drop)
    }

    /// getgrayreleaseplan.
    pub async fn gray_release_plan(&self, appid: &AppId) -> Result<GrayReleasePlan, Error> {
        Ok(self
            .call_as_authorizer::<GetGrayReleasePlan>(appid, &Empty {})
            .await?
            .gray_release_plan)
    }

    /// revertgrayrelease: cancels the gray plan.
    pub async fn revert_gray_release(&self, appid: &AppId) -> Result<(), Error> {
        self.call_as_authorizer::<RevertGrayRelease>(appid, &Empty {})
            .await
            .map(drop)
    }

    /// revertcoderelease: back to the previous live version, or to `app_version`.
    pub async fn revert_code_release(&self, appid: &AppId, app_version: Option<u64>) -> Result<(), Error> {
        let q = match app_version {
            Some(v) => RevertCodeReleaseQuery::to_version(v),
            None => RevertCodeReleaseQuery::previous(),
        };
        self.call_as_authorizer::<RevertCodeRelease>(appid, &q).await.map(drop)
    }

    /// revertcoderelease?action=get_history_version: the versions that can be gone back to.
    pub async fn release_history(&self, appid: &AppId) -> Result<Vec<HistoryVersion>, Error> {
        Ok(self
            .call_as_authorizer::<RevertCodeRelease>(appid, &RevertCodeReleaseQuery::history())
            .await?
            .version_list)
    }

    /// A multipart upload of `E` (its file field from its `BODY`).
    async fn upload<E: Endpoint>(
        &self,
        appid: &AppId,
        filename: &str,
        mime: &'static str,
        bytes: Bytes,
    ) -> Result<E::Response, Error> {
        if bytes.is_empty() {
            return Err(Error::Input {
                field: "file",
                reason: "the file is empty".into(),
            });
        }
        let Body::Multipart { field } = E::BODY else {
            return Err(Error::Input {
                field: "endpoint",
                reason: format!("{} is not an upload", E::NAME),
            });
        };
        let auth = Auth::Authorizer(appid.clone());
        let call = Call {
            name: E::NAME,
            method: E::METHOD,
            path: E::PATH,
            retry: E::RETRY,
            auth: &auth,
            subject: Some(appid),
            query: Vec::new(),
            body: Payload::Multipart {
                field,
                filename: filename.to_owned(),
                mime,
                bytes,
            },
        };
        let body = self.inner.execute(&call).await?;
        decode::<E>(&body)
    }
}
