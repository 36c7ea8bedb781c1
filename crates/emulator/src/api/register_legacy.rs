//! POST /cgi-bin/component/fastregisterweapp (registerMiniprogram, create and search): offline
//! since 2026-04-30 12:00. WeChat answers a plain `{"errcode":-1,"errmsg":"system error rid: …"}`
//! whatever the body and token (observed 2026-05-06); so does the emulator.

use super::register_task::offline;
use crate::error::ApiResult;

/// The handler.
pub async fn fastregisterweapp() -> ApiResult {
    Err(offline())
}
