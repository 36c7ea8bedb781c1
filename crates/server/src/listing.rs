//! Lists of Official Accounts and Mini Programs at their users' scale (thousands of merchants):
//! one page at a time by a keyset cursor (never `OFFSET`, never everything), searched by appid
//! or name and filtered by status, from the database only — a list never calls WeChat. The
//! console's lists and the REST API's use the same queries.
//!
//! A cursor is opaque to its users: the sort key and appid of the page's last row, in base64.

use crate::startup::AppState;
use crate::store::registrations::{self as store, Search};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

/// The most rows a page has.
pub const MAX_LIMIT: i64 = 200;

/// What a list is asked for.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// An appid (or its start) or part of a name; empty for all.
    pub q: String,
    /// A status to keep (see [`accounts`] and [`mini_programs`]); empty for all.
    pub status: String,
    /// Where the page starts: the previous page's [`Page::next`].
    pub cursor: Option<String>,
    /// Rows per page (1 to [`MAX_LIMIT`]).
    pub limit: i64,
}

/// A page of rows and the cursor of the next page, if there is one.
#[derive(Clone, Debug, Serialize)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// The next page's cursor.
    pub next: Option<String>,
}

/// Why a list cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// The cursor was not made by this service.
    #[error("the cursor is not one this service gave out")]
    BadCursor,
    /// The database failed.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

fn encode(key: &str, appid: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{key}\u{1f}{appid}"))
}

fn decode(cursor: &str) -> Result<(String, String), ListError> {
    let raw = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| ListError::BadCursor)?;
    let text = String::from_utf8(raw).map_err(|_| ListError::BadCursor)?;
    let (key, appid) = text.split_once('\u{1f}').ok_or(ListError::BadCursor)?;
    Ok((key.to_owned(), appid.to_owned()))
}

/// The `LIKE` patterns of a search: an appid starting with it, a name containing it (no
/// wildcard of the user's counts as one).
fn patterns(q: &str) -> (String, String) {
    let plain: String = q
        .trim()
        .chars()
        .filter(|c| !matches!(c, '%' | '_' | '\\'))
        .collect::<String>()
        .to_lowercase();
    (format!("{plain}%"), format!("%{plain}%"))
}

fn limit(f: &Filter) -> i64 {
    f.limit.clamp(1, MAX_LIMIT)
}

/// An Official Account in a list: what the database knows, with its stored profile.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AccountListed {
    /// Its appid.
    pub appid: String,
    /// `authorized`, `unauthorized` or `refresh_rejected`.
    pub status: String,
    /// Its name, when known.
    pub nick_name: Option<String>,
    /// Its subject.
    pub principal_name: Option<String>,
    /// WeChat's verify type (-1: not verified).
    pub verify_type: Option<i64>,
    /// Granted funcscope ids, JSON.
    #[serde(skip)]
    pub func_info: String,
    /// The stored profile's subject type (getaccountbasicinfo), when one was read.
    pub principal_type: Option<i64>,
    /// The stored profile's verification (0/1).
    pub verified: Option<i64>,
    /// The stored profile's verification end, unix seconds.
    pub verify_expires_at: Option<i64>,
    /// When the stored profile was read from WeChat, unix ms.
    #[serde(skip)]
    pub profile_fetched_at: Option<i64>,
}

/// A page of Official Accounts by name then appid. `status`: an authorization status.
pub async fn accounts(state: &AppState, f: &Filter) -> Result<Page<AccountListed>, ListError> {
    let (key, after) = match &f.cursor {
        Some(c) => decode(c)?,
        None => (String::new(), String::new()),
    };
    let (prefix, contains) = patterns(&f.q);
    let n = limit(f);
    let search = Search {
        q: f.q.trim(),
        prefix: &prefix,
        contains: &contains,
        status: f.status.as_str(),
    };
    let mut items = store::list_accounts(&state.db, &search, &key, &after, n + 1).await?;
    let next = if items.len() as i64 > n {
        items.truncate(n as usize);
        items
            .last()
            .map(|a| encode(a.nick_name.as_deref().unwrap_or(""), &a.appid))
    } else {
        None
    };
    Ok(Page { items, next })
}

/// A Mini Program in a list: its row with its authorizer's name and status (the row the
/// console's page reads too).
pub use crate::store::setup::MiniProgramRow as MiniProgramListed;

/// The statuses a Mini Program list filters by, besides an authorization status.
pub const SETUP_FAILED: &str = "setup_failed";
/// A setup step is running or waiting for WeChat.
pub const SETUP_RUNNING: &str = "setup_running";
/// No setup plan was given.
pub const SETUP_NONE: &str = "setup_none";

/// A page of Mini Programs, newest first. `status`: an authorization status, or
/// [`SETUP_FAILED`], [`SETUP_RUNNING`], [`SETUP_NONE`].
pub async fn mini_programs(state: &AppState, f: &Filter) -> Result<Page<MiniProgramListed>, ListError> {
    let (key, after) = match &f.cursor {
        Some(c) => decode(c)?,
        None => (i64::MAX.to_string(), String::new()),
    };
    let before: i64 = key.parse().map_err(|_| ListError::BadCursor)?;
    let (prefix, contains) = patterns(&f.q);
    let n = limit(f);
    let search = Search {
        q: f.q.trim(),
        prefix: &prefix,
        contains: &contains,
        status: f.status.as_str(),
    };
    let mut items = store::list_mini_programs(&state.db, &search, before, &after, n + 1).await?;
    let next = if items.len() as i64 > n {
        items.truncate(n as usize);
        items.last().map(|m| encode(&m.created_at.to_string(), &m.appid))
    } else {
        None
    };
    Ok(Page { items, next })
}

/// The setup steps of the Mini Programs on a page, by appid: (step, state), in step order.
pub async fn setup_steps_of(
    state: &AppState,
    appids: &[&str],
) -> anyhow::Result<std::collections::HashMap<String, Vec<(String, String)>>> {
    let mut out: std::collections::HashMap<String, Vec<(String, String)>> = std::collections::HashMap::new();
    // One indexed lookup per row of the page (at most MAX_LIMIT).
    for appid in appids {
        let rows = store::setup_steps_of(&state.db, appid).await?;
        if !rows.is_empty() {
            out.insert((*appid).to_owned(), rows);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_a_forged_one_is_refused() {
        let c = encode("示例科技", "wx5a00000000000e01");
        assert_eq!(
            decode(&c).unwrap(),
            ("示例科技".to_owned(), "wx5a00000000000e01".to_owned())
        );
        assert!(matches!(decode("not a cursor!"), Err(ListError::BadCursor)));
        assert!(matches!(
            decode(&URL_SAFE_NO_PAD.encode("no separator")),
            Err(ListError::BadCursor)
        ));
    }

    #[test]
    fn a_search_is_taken_literally() {
        assert_eq!(patterns(" WX5a%_ "), ("wx5a%".to_owned(), "%wx5a%".to_owned()));
    }
}
