//! The scenario file: the built-in scenario round-trips through TOML, and bad files are refused
//! with a message naming the problem.

use fastreg_emulator::Scenario;
use fastreg_emulator::builtin::*;

#[test]
fn builtin_scenario_round_trips_through_toml() {
    let builtin = Scenario::builtin();
    let text = builtin.to_toml();
    assert!(text.contains(COMPONENT_APPID) && text.contains("出国移民"), "{text}");
    let back = Scenario::from_toml(&text).unwrap();
    assert_eq!(back, builtin);
}

#[test]
fn a_minimal_scenario_needs_only_identifiers() {
    let text = r#"
        [[components]]
        appid = "wx1111111111111111"
        secret = "s"
        token = "t"
        encoding_aes_key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
        login_domain = "example.com"

        [[official_accounts]]
        appid = "wx2222222222222222"
        principal_name = "某公司"
        verified = true
    "#;
    let s = Scenario::from_toml(text).unwrap();
    assert_eq!(s.settings.token_ttl_secs, 7200);
    assert!(s.components[0].published);
    assert_eq!(s.components[0].permission_sets.len(), 5);
    assert!(s.catalog().len() > 40, "the default catalog applies");
}

#[test]
fn unknown_field_and_duplicate_appid_are_refused() {
    let err = Scenario::from_toml("[settings]\ntoken_ttl = 5\n").unwrap_err();
    assert!(err.to_string().contains("token_ttl"), "{err}");
    let mut s = Scenario::builtin();
    s.official_accounts[1].appid = OA_ENTERPRISE.to_owned();
    let err = Scenario::from_toml(&s.to_toml()).unwrap_err();
    assert!(err.to_string().contains("twice"), "{err}");
    let mut s = Scenario::builtin();
    s.components[0].encoding_aes_key = "short".into();
    assert!(Scenario::from_toml(&s.to_toml()).is_err());
}
