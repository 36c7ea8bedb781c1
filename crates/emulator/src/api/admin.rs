//! POST /cgi-bin/account/componentrebindadmin — spec §7.3, with the Mini Program's access token
//! and the `taskid` of the componentrebindadmin page.
//!
//! Checked in this order: the task (85060: unknown, used, expired, or for another account or
//! component), the blacklists (85063 ID card, 85062 phone), then the binding caps of the new
//! admin over all accounts (85027 ID card, 85061 phone, 85026 WeChat id).

use super::request_or;
use crate::error::{ApiResult, Reply, WxError};
use crate::state::{Inner, Query};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use fastreg_protocol::admin::RebindAdminRequest;
use fastreg_protocol::endpoint::Empty;
use std::sync::Arc;

/// POST /cgi-bin/account/componentrebindadmin.
pub async fn rebind_admin(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let (component, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "componentrebindadmin")?;
    let run = || {
        let req: RebindAdminRequest = request_or(&body, |why| WxError::new(85060, format!("invalid taskid: {why}")))?;
        let taskid = req.taskid.as_str().to_owned();
        let now = inner.now();
        let mut w = inner.world.write();
        let invalid = |why: &str| WxError::new(85060, format!("invalid taskid: {why}"));
        let Some(task) = w.rebind_tasks.get(&taskid) else {
            return Err(invalid("unknown taskid"));
        };
        if task.used {
            return Err(invalid("the task was completed already"));
        }
        if task.appid != appid || task.component_appid != component {
            return Err(invalid("the task belongs to another account or component"));
        }
        if now >= task.expires_at {
            return Err(invalid("the task expired"));
        }
        let admin = task.new_admin.clone();
        if w.rules.blacklisted_id_cards.contains(&admin.id_card) {
            return Err(WxError::new(85063, "the ID card is blacklisted"));
        }
        if w.rules.blacklisted_phones.contains(&admin.phone) {
            return Err(WxError::new(85062, "the phone number is blacklisted"));
        }
        let others = || w.accounts.values().filter(|a| a.appid != appid);
        let s = &w.settings;
        if others().filter(|a| a.admin.id_card == admin.id_card).count() as u32 >= s.admin_accounts_per_id_card {
            return Err(WxError::new(
                85027,
                "the ID card is admin of as many accounts as allowed",
            ));
        }
        if others().filter(|a| a.admin.phone == admin.phone).count() as u32 >= s.admin_accounts_per_phone {
            return Err(WxError::new(
                85061,
                "the phone number is admin of as many accounts as allowed",
            ));
        }
        if others().filter(|a| a.admin.wechat_id == admin.wechat_id).count() as u32 >= s.admin_accounts_per_wechat_id {
            return Err(WxError::new(
                85026,
                "the WeChat id is admin of as many accounts as allowed",
            ));
        }
        if let Some(t) = w.rebind_tasks.get_mut(&taskid) {
            t.used = true;
        }
        if let Some(a) = w.accounts.get_mut(&appid) {
            a.admin = admin;
        }
        Ok(Reply::typed_with(&appid, "", &Empty {}))
    };
    run().map_err(|e: WxError| e.for_app(&appid))
}
