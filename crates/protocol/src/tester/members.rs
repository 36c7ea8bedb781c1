//! POST /wxa/memberauth — lifecycle spec §6: `{"action": "get_experiencer"}` lists the testers
//! (by `userstr`; no WeChat id is returned).

use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// List the testers.
    MemberAuth {
        name: "memberauth",
        method: Post,
        path: "/wxa/memberauth",
        token: Authorizer,
        body: crate::endpoint::Body::Json,
        retry: Idempotent,
        request: MemberAuthRequest,
        response: MemberAuthResponse,
    }
}

/// Request of memberauth.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MemberAuthRequest {
    /// `get_experiencer`.
    pub action: String,
}

impl Default for MemberAuthRequest {
    fn default() -> Self {
        MemberAuthRequest {
            action: "get_experiencer".into(),
        }
    }
}

/// Response of memberauth.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MemberAuthResponse {
    /// The testers.
    #[serde(default)]
    pub members: Vec<Member>,
}

/// One tester.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Member {
    /// The id bind_tester returned.
    pub userstr: String,
}

impl Member {
    /// A tester.
    pub fn new(userstr: impl Into<String>) -> Self {
        Member {
            userstr: userstr.into(),
        }
    }
}
