//! Every JSON example of the spec (docs/spec/fast-register.md), in order, decodes into our wire
//! type and encodes back to the same JSON — so encoding matches the spec exactly (including the
//! spelling `certicates` and fastregister's string booleans) and decoding takes what WeChat sends.

use fastreg_protocol::account::*;
use fastreg_protocol::admin::RebindAdminRequest;
use fastreg_protocol::category::*;
use fastreg_protocol::endpoint::{Empty, Envelope};
use fastreg_protocol::registration::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

const SPEC: &str = include_str!("../../../docs/spec/fast-register.md");

fn json_blocks() -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut rest = SPEC;
    while let Some(start) = rest.find("```json") {
        let after = &rest[start + 7..];
        let end = after.find("```").expect("unterminated json block in the spec");
        out.push(after[..end].trim());
        rest = &after[end + 3..];
    }
    out
}

/// JSON equality where 0 and 0.0 are the same number.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

fn round_trip<T: Serialize + DeserializeOwned>(what: &str, block: &str) {
    let original: Value =
        serde_json::from_str(block).unwrap_or_else(|e| panic!("{what}: the spec's example is not JSON: {e}"));
    let typed: T = serde_json::from_value(original.clone())
        .unwrap_or_else(|e| panic!("{what}: cannot decode the spec's example: {e}\n{block}"));
    let encoded = serde_json::to_value(&typed).unwrap();
    assert!(
        same(&original, &encoded),
        "{what}: encoding differs from the spec\n spec: {original}\n ours: {encoded}"
    );
}

/// A named check of one example.
type Check = (&'static str, fn(&str, &str));

#[test]
fn every_json_example_of_the_spec_round_trips() {
    let blocks = json_blocks();
    let checks: Vec<Check> = vec![
        ("§1.3 fastregister request", round_trip::<FastRegisterRequest>),
        (
            "§1.3 fastregister response",
            round_trip::<Envelope<FastRegisterResponse>>,
        ),
        (
            "§2 getaccountbasicinfo response",
            round_trip::<Envelope<AccountBasicInfoResponse>>,
        ),
        ("§3.1 checkwxverifynickname request", round_trip::<CheckNicknameRequest>),
        (
            "§3.1 checkwxverifynickname response",
            round_trip::<Envelope<CheckNicknameResponse>>,
        ),
        ("§3.2 setnickname request", round_trip::<SetNicknameRequest>),
        ("§3.2 setnickname response", round_trip::<Envelope<SetNicknameResponse>>),
        (
            "§3.3 api_wxa_querynickname request",
            round_trip::<QueryNicknameAuditRequest>,
        ),
        (
            "§3.3 api_wxa_querynickname response",
            round_trip::<Envelope<QueryNicknameAuditResponse>>,
        ),
        ("§4 modifyheadimage request", round_trip::<ModifyHeadImageRequest>),
        ("§4 modifyheadimage response", round_trip::<Envelope<Empty>>),
        ("§5 modifysignature request", round_trip::<ModifySignatureRequest>),
        ("§5 modifysignature response", round_trip::<Envelope<Empty>>),
        (
            "§6.1 getallcategories response",
            round_trip::<Envelope<GetAllCategoriesResponse>>,
        ),
        ("§6.2 addcategory request", round_trip::<AddCategoryRequest>),
        ("§6.2 addcategory response", round_trip::<Envelope<Empty>>),
        ("§6.3 deletecategory response", round_trip::<Envelope<Empty>>),
        ("§6.4 getcategory response", round_trip::<Envelope<GetCategoryResponse>>),
        ("§6.5 modifycategory request", round_trip::<CategoryRequest>),
        ("§6.5 modifycategory response", round_trip::<Envelope<Empty>>),
        ("§7.3 componentrebindadmin request", round_trip::<RebindAdminRequest>),
        ("§7.3 componentrebindadmin response", round_trip::<Envelope<Empty>>),
    ];
    assert_eq!(
        blocks.len(),
        checks.len(),
        "the spec has {} JSON examples; this test names {}",
        blocks.len(),
        checks.len()
    );
    for ((what, check), block) in checks.iter().zip(&blocks) {
        check(what, block);
    }
}

#[test]
fn fastregister_response_keeps_string_booleans_and_empty_errmsg() {
    let blocks = json_blocks();
    let env: Envelope<FastRegisterResponse> = serde_json::from_str(blocks[1]).unwrap();
    assert_eq!(env.errmsg, "");
    assert!(env.body.is_wx_verify_succ.0 && env.body.is_link_succ.0);
    let out = serde_json::to_value(&env).unwrap();
    assert_eq!(out["is_wx_verify_succ"], Value::String("true".into()));
}

#[test]
fn addcategory_encodes_the_real_spelling_certicates() {
    let req = AddCategoryRequest {
        categories: vec![CategoryRequest {
            first: 8,
            second: 39,
            certicates: vec![Certificate {
                key: "k".into(),
                value: "m".into(),
            }],
        }],
    };
    let v = serde_json::to_value(&req).unwrap();
    assert!(v["categories"][0].get("certicates").is_some(), "{v}");
    assert!(v["categories"][0].get("certificates").is_none());
}
