//! One method per endpoint, named after what it does, in the order of the spec; plus the
//! tokens, the reconciliation helper and the mp page URLs.
//!
//! What each is safe to retry after a `-1` or a lost answer (token errors are always retried
//! once, because WeChat rejects them before applying anything):
//!
//! | method | endpoint | token | resent after `-1`/lost answer |
//! |---|---|---|---|
//! | [`component_token`](Client::component_token) | api_component_token | none | yes |
//! | [`create_pre_auth_code`](Client::create_pre_auth_code) | api_create_preauthcode | component | yes |
//! | [`query_auth`](Client::query_auth) | api_query_auth | component | no: the code is single use; reconcile with [`all_authorizers`](Client::all_authorizers) |
//! | [`refresh_authorizer_token`](Client::refresh_authorizer_token) | api_authorizer_token | component | yes |
//! | [`authorizer_info`](Client::authorizer_info) | api_get_authorizer_info | component | yes |
//! | [`authorizer_list`](Client::authorizer_list), [`all_authorizers`](Client::all_authorizers) | api_get_authorizer_list | component | yes |
//! | [`fast_register`](Client::fast_register) | fastregister | the Official Account's | no: the ticket is single use (61058); reconcile with [`find_new_authorizers`](Client::find_new_authorizers) |
//! | [`account_basic_info`](Client::account_basic_info) | getaccountbasicinfo | the Mini Program's | yes |
//! | [`check_nickname`](Client::check_nickname) | checkwxverifynickname | the Mini Program's | yes |
//! | [`set_nickname`](Client::set_nickname) | setnickname | the Mini Program's | no: may open a second audit; check [`account_basic_info`](Client::account_basic_info) |
//! | [`query_nickname_audit`](Client::query_nickname_audit) | api_wxa_querynickname | the Mini Program's | yes |
//! | [`upload_temp_media`](Client::upload_temp_media) | media/upload | the Mini Program's | yes (a duplicate upload is only an unused media id) |
//! | [`set_head_image`](Client::set_head_image) | modifyheadimage | the Mini Program's | no: spends the monthly quota (53202) |
//! | [`set_signature`](Client::set_signature) | modifysignature | the Mini Program's | no: spends the monthly quota (53200) |
//! | [`all_categories`](Client::all_categories) | getallcategories | the Mini Program's | yes |
//! | [`add_categories`](Client::add_categories) | addcategory | the Mini Program's | no: spends the period's quota (53300) |
//! | [`delete_category`](Client::delete_category) | deletecategory | the Mini Program's | yes |
//! | [`categories`](Client::categories) | getcategory | the Mini Program's | yes |
//! | [`modify_category`](Client::modify_category) | modifycategory | the Mini Program's | no |
//! | [`rebind_admin`](Client::rebind_admin) | componentrebindadmin | the Mini Program's | no: the taskid is single use (85060) |

use crate::client::{Auth, Call, Client, Payload, TokenKey, decode, query_pairs};
use crate::error::Error;
use crate::store::StoredToken;
use bytes::Bytes;
use fastreg_protocol::account::{
    AccountBasicInfo, AccountBasicInfoResponse, CheckNickname, CheckNicknameRequest, CheckNicknameResponse,
    ModifyHeadImage, ModifyHeadImageRequest, ModifySignature, ModifySignatureRequest, QueryNicknameAudit,
    QueryNicknameAuditRequest, QueryNicknameAuditResponse, SetNickname, SetNicknameRequest, SetNicknameResponse,
};
use fastreg_protocol::admin::{RebindAdmin, RebindAdminRequest};
use fastreg_protocol::category::{
    AddCategory, AddCategoryRequest, CategoryRequest, DeleteCategory, DeleteCategoryRequest, GetAllCategories,
    GetAllCategoriesResponse, GetCategory, GetCategoryResponse, ModifyCategory,
};
use fastreg_protocol::component::{
    AUTHORIZER_LIST_MAX_COUNT, AuthorizationInfo, AuthorizerListItem, CreatePreAuthCode, CreatePreAuthCodeRequest,
    CreatePreAuthCodeResponse, GetAuthorizerInfo, GetAuthorizerInfoRequest, GetAuthorizerInfoResponse,
    GetAuthorizerList, GetAuthorizerListRequest, GetAuthorizerListResponse, QueryAuth, QueryAuthRequest,
};
use fastreg_protocol::endpoint::{Body, Empty, Endpoint};
use fastreg_protocol::id::Secret;
use fastreg_protocol::media::{UploadTempMedia, UploadTempMediaQuery, UploadTempMediaResponse};
use fastreg_protocol::page;
use fastreg_protocol::registration::{FastRegister, FastRegisterRequest, FastRegisterResponse};
use fastreg_protocol::rules::{self, CropBox, MediaType};
use fastreg_protocol::{AccessToken, AppId, AuditId, AuthorizationCode, MediaId, RefreshToken, TaskId, Ticket};
use std::collections::HashSet;
use std::time::Duration;

impl Client {
    // ---- tokens and the store ----

    /// The component_access_token: cached, stored, or fetched once (however many tasks ask)
    /// with the verify ticket in the store. Fails with [`Error::Token`] if no verify ticket has
    /// been stored yet.
    pub async fn component_token(&self) -> Result<AccessToken, Error> {
        self.inner.token(&TokenKey::Component).await
    }

    /// The authorizer_access_token of `appid`: cached, stored, or refreshed once with the stored
    /// refresh token.
    pub async fn authorizer_token(&self, appid: &AppId) -> Result<AccessToken, Error> {
        self.inner.token(&TokenKey::Authorizer(appid.clone())).await
    }

    /// Replaces the authorizer_access_token of `appid` through api_authorizer_token now, even if
    /// the current one is still fresh, and returns the new one. Concurrent callers share one
    /// refresh: the token they all saw is invalidated once, and one of them fetches.
    /// A rotated refresh token is stored before the new access token.
    pub async fn refresh_authorizer_token(&self, appid: &AppId) -> Result<AccessToken, Error> {
        let key = TokenKey::Authorizer(appid.clone());
        if let Some(current) = self.inner.current(&key).await? {
            self.inner.invalidate(&key, &current.token).await?;
        }
        self.inner.token(&key).await
    }

    /// Stores a component_verify_ticket (the service does this when WeChat's push arrives).
    pub async fn put_verify_ticket(&self, ticket: &Secret) -> Result<(), Error> {
        self.inner
            .store
            .put_verify_ticket(&self.inner.config.component_appid, ticket)
            .await?;
        Ok(())
    }

    /// Stores a refresh token learned elsewhere (from [`all_authorizers`](Client::all_authorizers)
    /// while reconciling, say), so that calls for `appid` can get access tokens.
    pub async fn put_refresh_token(&self, appid: &AppId, token: &RefreshToken) -> Result<(), Error> {
        self.inner.store.put_refresh_token(appid, token).await?;
        Ok(())
    }

    /// Forgets everything about `appid`'s tokens, here and in the store (after an
    /// `unauthorized` push: its tokens no longer work).
    pub async fn forget_authorizer(&self, appid: &AppId) -> Result<(), Error> {
        let key = TokenKey::Authorizer(appid.clone());
        self.inner.forget_cached(&key);
        self.inner.store.delete_authorizer_token(appid).await?;
        self.inner.store.delete_refresh_token(appid).await?;
        Ok(())
    }

    // ---- component authorization ----

    /// api_create_preauthcode: a pre_auth_code for the component login page
    /// ([`component_login_page_url`](Client::component_login_page_url)).
    pub async fn create_pre_auth_code(&self) -> Result<CreatePreAuthCodeResponse, Error> {
        let req = CreatePreAuthCodeRequest {
            component_appid: self.component_appid().clone(),
        };
        self.call_as_component::<CreatePreAuthCode>(&req).await
    }

    /// api_query_auth: exchanges an authorization code (from [`fast_register`](Client::fast_register),
    /// the login page's `auth_code`, or an `authorized` push) for the authorizer's tokens, and
    /// stores them — the refresh token first — before returning.
    ///
    /// The code is single use: if the answer is lost this returns [`Error::OutcomeUnknown`];
    /// the refresh token can then be had from [`all_authorizers`](Client::all_authorizers) and
    /// stored with [`put_refresh_token`](Client::put_refresh_token).
    pub async fn query_auth(&self, code: &AuthorizationCode) -> Result<AuthorizationInfo, Error> {
        let req = QueryAuthRequest {
            component_appid: self.component_appid().clone(),
            authorization_code: code.clone(),
        };
        let issued = self.inner.now();
        let resp = self.call_as_component::<QueryAuth>(&req).await?;
        let info = resp.authorization_info;
        let appid = &info.authorizer_appid;
        let access = info.authorizer_access_token.as_ref().map(|access| {
            StoredToken::new(
                access.clone(),
                issued,
                Duration::from_secs(info.expires_in.unwrap_or(7200)),
            )
        });
        // The refresh token is durable before the access token is used (or cached): both in one
        // write when both came, which a database store makes one transaction.
        match (&info.authorizer_refresh_token, &access) {
            (Some(refresh), Some(stored)) => self.inner.store.put_authorizer_tokens(appid, refresh, stored).await?,
            (Some(refresh), None) => self.inner.store.put_refresh_token(appid, refresh).await?,
            (None, Some(stored)) => self.inner.store.put_authorizer_token(appid, stored).await?,
            (None, None) => {}
        }
        if let Some(stored) = access {
            self.inner.cache_put(&TokenKey::Authorizer(appid.clone()), stored);
        }
        tracing::info!(%appid, has_refresh_token = info.authorizer_refresh_token.is_some(), "authorization code exchanged and stored");
        Ok(info)
    }

    /// api_get_authorizer_info: an authorizer's profile and what it authorized.
    pub async fn authorizer_info(&self, appid: &AppId) -> Result<GetAuthorizerInfoResponse, Error> {
        let req = GetAuthorizerInfoRequest {
            component_appid: self.component_appid().clone(),
            authorizer_appid: appid.clone(),
        };
        self.inner
            .call_endpoint::<GetAuthorizerInfo>(&Auth::Component, Some(appid), &req)
            .await
    }

    /// api_get_authorizer_list: one page (`count` at most 500) of the accounts authorized to the
    /// component.
    pub async fn authorizer_list(&self, offset: u32, count: u32) -> Result<GetAuthorizerListResponse, Error> {
        if count == 0 || count > AUTHORIZER_LIST_MAX_COUNT {
            return Err(Error::Input {
                field: "count",
                reason: format!("{count} is not in 1..={AUTHORIZER_LIST_MAX_COUNT}"),
            });
        }
        let req = GetAuthorizerListRequest {
            component_appid: self.component_appid().clone(),
            offset,
            count,
        };
        self.call_as_component::<GetAuthorizerList>(&req).await
    }

    /// Every account authorized to the component, page by page.
    pub async fn all_authorizers(&self) -> Result<Vec<AuthorizerListItem>, Error> {
        let mut all = Vec::new();
        loop {
            let offset = u32::try_from(all.len()).unwrap_or(u32::MAX);
            let page = self.authorizer_list(offset, AUTHORIZER_LIST_MAX_COUNT).await?;
            let got = page.list.len();
            all.extend(page.list);
            if got == 0 || all.len() as u64 >= page.total_count {
                return Ok(all);
            }
        }
    }

    /// The authorizers not in `known`: after a [`fast_register`](Client::fast_register) that
    /// ended in [`Error::OutcomeUnknown`], the new Mini Program (if WeChat created it) is among
    /// these, with its refresh token — store it with
    /// [`put_refresh_token`](Client::put_refresh_token). `known` is every authorizer appid the
    /// service already has. The `authorized` push for the new Mini Program says the same, with
    /// an authorization code.
    pub async fn find_new_authorizers(&self, known: &HashSet<AppId>) -> Result<Vec<AuthorizerListItem>, Error> {
        Ok(self
            .all_authorizers()
            .await?
            .into_iter()
            .filter(|a| !known.contains(&a.authorizer_appid))
            .collect())
    }

    // ---- fast registration (spec §1) ----

    /// fastregister (spec §1.3): registers a Mini Program reusing the Official Account's entity,
    /// with the `ticket` the fastregisterauth page appended to the redirect_uri. Takes the
    /// **Official Account's** token. Next: persist the answer, then [`query_auth`](Client::query_auth)
    /// with its `authorization_code`.
    ///
    /// Never resent after a lost answer (the ticket is spent: a second call answers 61058): the
    /// error is then [`Error::OutcomeUnknown`]; find the new Mini Program with
    /// [`find_new_authorizers`](Client::find_new_authorizers) or wait for its `authorized` push.
    pub async fn fast_register(
        &self,
        official_account_appid: &AppId,
        ticket: &Ticket,
    ) -> Result<FastRegisterResponse, Error> {
        let req = FastRegisterRequest { ticket: ticket.clone() };
        self.call_as_authorizer::<FastRegister>(official_account_appid, &req)
            .await
    }

    // ---- setup of the new Mini Program (spec §2–§6) ----

    /// getaccountbasicinfo (spec §2): basic info and this month's modify quotas.
    pub async fn account_basic_info(&self, appid: &AppId) -> Result<AccountBasicInfoResponse, Error> {
        self.call_as_authorizer::<AccountBasicInfo>(appid, &Empty {}).await
    }

    /// checkwxverifynickname (spec §3.1): whether a name hits a keyword policy (then materials
    /// may be supplied with [`set_nickname`](Client::set_nickname)).
    pub async fn check_nickname(&self, appid: &AppId, nick_name: &str) -> Result<CheckNicknameResponse, Error> {
        let req = CheckNicknameRequest {
            nick_name: nick_name.to_owned(),
        };
        self.call_as_authorizer::<CheckNickname>(appid, &req).await
    }

    /// setnickname (spec §3.2): sets the name, opening an audit (`audit_id`) when needed.
    pub async fn set_nickname(&self, appid: &AppId, req: &SetNicknameRequest) -> Result<SetNicknameResponse, Error> {
        self.call_as_authorizer::<SetNickname>(appid, req).await
    }

    /// api_wxa_querynickname (spec §3.3): the state of a name audit.
    pub async fn query_nickname_audit(
        &self,
        appid: &AppId,
        audit_id: AuditId,
    ) -> Result<QueryNicknameAuditResponse, Error> {
        let req = QueryNicknameAuditRequest { audit_id };
        self.call_as_authorizer::<QueryNicknameAudit>(appid, &req).await
    }

    /// media/upload: uploads a temporary media file (multipart field `media`) for materials,
    /// the head image and category qualifications; the `media_id` lives 3 days.
    ///
    /// The file is checked first (not empty, within the type's size limit, a format the type
    /// accepts) so a bad file fails here rather than as 40004/40009 later.
    pub async fn upload_temp_media(
        &self,
        appid: &AppId,
        kind: MediaType,
        filename: &str,
        bytes: impl Into<Bytes>,
    ) -> Result<UploadTempMediaResponse, Error> {
        let bytes: Bytes = bytes.into();
        rules::check_temp_media(kind, &bytes).map_err(|e| Error::Input {
            field: "media",
            reason: e.to_string(),
        })?;
        let field = match UploadTempMedia::BODY {
            Body::Multipart { field } => field,
            _ => "media",
        };
        let mime = match kind {
            MediaType::Image => rules::sniff_image(&bytes)
                .map(|k| k.mime())
                .unwrap_or("application/octet-stream"),
            MediaType::Thumb => "image/jpeg",
            MediaType::Voice => "audio/mpeg",
            MediaType::Video => "video/mp4",
        };
        let query = query_pairs(
            UploadTempMedia::NAME,
            &UploadTempMediaQuery {
                media_type: kind.as_str().to_owned(),
            },
        )?;
        let filename = if filename.is_empty() {
            format!("upload.{}", kind.as_str())
        } else {
            filename.to_owned()
        };
        let auth = Auth::Authorizer(appid.clone());
        let call = Call {
            name: UploadTempMedia::NAME,
            method: UploadTempMedia::METHOD,
            path: UploadTempMedia::PATH,
            retry: UploadTempMedia::RETRY,
            auth: &auth,
            subject: Some(appid),
            query,
            body: Payload::Multipart {
                field,
                filename,
                mime,
                bytes,
            },
        };
        let body = self.inner.execute(&call).await?;
        decode::<UploadTempMedia>(&body)
    }

    /// modifyheadimage (spec §4): sets the head image from an uploaded image and a crop box.
    pub async fn set_head_image(&self, appid: &AppId, media_id: &MediaId, crop: CropBox) -> Result<(), Error> {
        let req = ModifyHeadImageRequest {
            head_img_media_id: media_id.as_str().to_owned(),
            x1: crop.x1(),
            y1: crop.y1(),
            x2: crop.x2(),
            y2: crop.y2(),
        };
        self.call_as_authorizer::<ModifyHeadImage>(appid, &req).await.map(drop)
    }

    /// modifysignature (spec §5): sets the description (功能介绍).
    pub async fn set_signature(&self, appid: &AppId, signature: &str) -> Result<(), Error> {
        let req = ModifySignatureRequest {
            signature: signature.to_owned(),
        };
        self.call_as_authorizer::<ModifySignature>(appid, &req).await.map(drop)
    }

    /// getallcategories (spec §6.1): every category the account may set.
    pub async fn all_categories(&self, appid: &AppId) -> Result<GetAllCategoriesResponse, Error> {
        self.call_as_authorizer::<GetAllCategories>(appid, &Empty {}).await
    }

    /// addcategory (spec §6.2): adds categories, with qualification images for sensitive ones.
    pub async fn add_categories(&self, appid: &AppId, categories: Vec<CategoryRequest>) -> Result<(), Error> {
        let req = AddCategoryRequest { categories };
        self.call_as_authorizer::<AddCategory>(appid, &req).await.map(drop)
    }

    /// deletecategory (spec §6.3): deletes a category (not while it is under review: 53308).
    pub async fn delete_category(&self, appid: &AppId, first: u64, second: u64) -> Result<(), Error> {
        let req = DeleteCategoryRequest { first, second };
        self.call_as_authorizer::<DeleteCategory>(appid, &req).await.map(drop)
    }

    /// getcategory (spec §6.4): the categories set, their audit, and the quota.
    pub async fn categories(&self, appid: &AppId) -> Result<GetCategoryResponse, Error> {
        self.call_as_authorizer::<GetCategory>(appid, &Empty {}).await
    }

    /// modifycategory (spec §6.5): resubmits a rejected category's qualifications.
    pub async fn modify_category(&self, appid: &AppId, category: &CategoryRequest) -> Result<(), Error> {
        self.call_as_authorizer::<ModifyCategory>(appid, category)
            .await
            .map(drop)
    }

    /// componentrebindadmin (spec §7.3): completes an admin rebind with the `taskid` the
    /// rebind page appended to the redirect_uri. Takes the **Mini Program's** token.
    pub async fn rebind_admin(&self, appid: &AppId, taskid: &TaskId) -> Result<(), Error> {
        let req = RebindAdminRequest { taskid: taskid.clone() };
        self.call_as_authorizer::<RebindAdmin>(appid, &req).await.map(drop)
    }

    // ---- the mp pages ----

    /// The fastregisterauth page (spec §1.1) on the configured `mp_base`, for the Official
    /// Account `appid`: its admin confirms there and lands on `redirect_uri` with `ticket=`.
    pub fn fast_register_auth_url(
        &self,
        official_account_appid: &AppId,
        copy_wx_verify: bool,
        redirect_uri: &str,
    ) -> Result<String, Error> {
        page::fast_register_auth_url(
            &self.inner.config.mp_base,
            self.component_appid(),
            official_account_appid,
            copy_wx_verify,
            redirect_uri,
        )
        .map_err(page_error)
    }

    /// The componentrebindadmin page (spec §7.1) for the Mini Program `appid`: the admins
    /// confirm there and land on `redirect_uri` with `taskid=`.
    pub fn rebind_admin_url(&self, mini_program_appid: &AppId, redirect_uri: &str) -> Result<String, Error> {
        page::rebind_admin_url(
            &self.inner.config.mp_base,
            self.component_appid(),
            mini_program_appid,
            redirect_uri,
        )
        .map_err(page_error)
    }

    /// The componentloginpage (authorization by QR code) with a pre_auth_code from
    /// [`create_pre_auth_code`](Client::create_pre_auth_code); the admin lands on `redirect_uri`
    /// with `auth_code=` for [`query_auth`](Client::query_auth). `auth_type`: 1 Official
    /// Accounts, 2 Mini Programs, 3 both.
    pub fn component_login_page_url(
        &self,
        pre_auth_code: &Secret,
        redirect_uri: &str,
        auth_type: Option<u8>,
        biz_appid: Option<&AppId>,
    ) -> Result<String, Error> {
        page::component_login_page_url(
            &self.inner.config.mp_base,
            self.component_appid(),
            pre_auth_code.expose(),
            redirect_uri,
            auth_type,
            biz_appid,
        )
        .map_err(page_error)
    }
}

fn page_error(e: page::PageError) -> Error {
    Error::Input {
        field: "page url",
        reason: e.to_string(),
    }
}
