//! Page URL builders and the queries the pages receive: the spec's examples, round trips, and
//! the redirect_uri checks that stand in for WeChat's 61060.

use fastreg_protocol::id::AppId;
use fastreg_protocol::page::{
    ComponentLoginQuery, FastRegisterAuthQuery, MP_BASE, PageError, RebindAdminQuery, append_query,
    component_login_page_url, fast_register_auth_url, rebind_admin_url, redirect_host,
};

fn appid(s: &str) -> AppId {
    AppId::parse(s).unwrap()
}

fn query_of(url: &str) -> &str {
    url.split_once('?').unwrap().1
}

/// Spec §1.1's example URL, built from its parts. The spec writes the escapes in lower case
/// (`%3a%2f%2f`); we write upper case, which decodes the same.
#[test]
fn fast_register_auth_url_matches_the_spec_example() {
    let url = fast_register_auth_url(
        MP_BASE,
        &appid("wx666666666666123"),
        &appid("wx28f759479ea1e090"),
        true,
        "https://www.qq.com/auth/callback?from=mp",
    )
    .unwrap();
    let spec = "https://mp.weixin.qq.com/cgi-bin/fastregisterauth?appid=wx28f759479ea1e090&component_appid=wx666666666666123&copy_wx_verify=1&redirect_uri=https%3a%2f%2fwww.qq.com%2fauth%2fcallback%3ffrom%3dmp";
    assert_eq!(url.to_ascii_lowercase(), spec.to_ascii_lowercase());
}

#[test]
fn the_spec_example_query_parses_with_lowercase_escapes() {
    let q = FastRegisterAuthQuery::from_query(
        "appid=wx28f759479ea1e090&component_appid=wx666666666666123&copy_wx_verify=1&redirect_uri=https%3a%2f%2fwww.qq.com%2fauth%2fcallback%3ffrom%3dmp",
    )
    .unwrap();
    assert_eq!(
        q,
        FastRegisterAuthQuery {
            component_appid: appid("wx666666666666123"),
            appid: appid("wx28f759479ea1e090"),
            copy_wx_verify: 1,
            redirect_uri: "https://www.qq.com/auth/callback?from=mp".into(),
        }
    );
}

#[test]
fn builders_round_trip_through_their_query_structs() {
    let base = "http://127.0.0.1:4321/";
    let redirect = "https://example.com/cb?state=a b&x=1#frag";

    let url = fast_register_auth_url(base, &appid("wxc"), &appid("wxa"), false, redirect).unwrap();
    assert!(
        url.starts_with("http://127.0.0.1:4321/cgi-bin/fastregisterauth?"),
        "{url}"
    );
    let q = FastRegisterAuthQuery::from_query(query_of(&url)).unwrap();
    assert_eq!(q.copy_wx_verify, 0);
    assert_eq!(q.redirect_uri, redirect);
    assert_eq!(q.to_url(base).unwrap(), url);

    let url = rebind_admin_url(base, &appid("wxc"), &appid("wxm"), redirect).unwrap();
    assert!(
        url.contains("/wxopen/componentrebindadmin?appid=wxm&component_appid=wxc&"),
        "{url}"
    );
    let q = RebindAdminQuery::from_query(query_of(&url)).unwrap();
    assert_eq!(q.redirect_uri, redirect);
    assert_eq!(q.to_url(base).unwrap(), url);

    let biz = appid("wxbiz");
    let url =
        component_login_page_url(base, &appid("wxc"), "preauthcode@@@Cbeo", redirect, Some(2), Some(&biz)).unwrap();
    assert!(url.contains("pre_auth_code=preauthcode%40%40%40Cbeo"), "{url}");
    assert!(url.ends_with("&auth_type=2&biz_appid=wxbiz"), "{url}");
    let q = ComponentLoginQuery::from_query(query_of(&url)).unwrap();
    assert_eq!(q.pre_auth_code, "preauthcode@@@Cbeo");
    assert_eq!(q.auth_type, Some(2));
    assert_eq!(q.biz_appid, Some(biz));
    assert_eq!(q.to_url(base).unwrap(), url);
}

#[test]
fn component_login_page_without_options() {
    let url = component_login_page_url(MP_BASE, &appid("wxc"), "code", "https://a.example/cb", None, None).unwrap();
    assert_eq!(
        url,
        "https://mp.weixin.qq.com/cgi-bin/componentloginpage?component_appid=wxc&pre_auth_code=code&redirect_uri=https%3A%2F%2Fa.example%2Fcb"
    );
    let q = ComponentLoginQuery::from_query(&format!("{}&auth_type=&biz_appid=", query_of(&url))).unwrap();
    assert_eq!((q.auth_type, q.biz_appid), (None, None));
}

#[test]
fn query_structs_are_tolerant() {
    // Unknown keys ignored, copy_wx_verify missing → 0, `true` accepted, leading `?` allowed.
    let q = FastRegisterAuthQuery::from_query(
        "?component_appid=wxc&appid=wxa&redirect_uri=https%3A%2F%2Fa.example%2F&lang=zh_CN",
    )
    .unwrap();
    assert_eq!(q.copy_wx_verify, 0);
    let q = FastRegisterAuthQuery::from_query(
        "component_appid=wxc&appid=wxa&copy_wx_verify=true&redirect_uri=https://a.example/",
    )
    .unwrap();
    assert_eq!(q.copy_wx_verify, 1);
    // The same struct from JSON, as an emulator control API might send it.
    let q: FastRegisterAuthQuery = serde_json::from_str(
        r#"{"component_appid":"wxc","appid":"wxa","copy_wx_verify":1,"redirect_uri":"https://a.example/"}"#,
    )
    .unwrap();
    assert_eq!(q.copy_wx_verify, 1);
}

#[test]
fn query_missing_a_field_names_it() {
    let err = RebindAdminQuery::from_query("component_appid=wxc&redirect_uri=https://a.example/").unwrap_err();
    assert!(matches!(err, PageError::Query { .. }), "{err:?}");
    assert!(err.to_string().contains("appid"), "{err}");
}

#[test]
fn relative_and_non_http_redirects_are_refused() {
    for bad in [
        "/auth/callback",
        "auth/callback",
        "ftp://www.qq.com/cb",
        "javascript:alert(1)",
        "https://",
        "",
        " https://www.qq.com/cb",
    ] {
        let err = fast_register_auth_url(MP_BASE, &appid("wxc"), &appid("wxa"), true, bad).unwrap_err();
        assert!(matches!(err, PageError::RedirectUri { .. }), "{bad:?}: {err:?}");
        let msg = err.to_string();
        assert!(msg.starts_with("redirect_uri"), "{msg}");
        assert!(msg.contains("absolute http(s) URL"), "{msg}");
        assert!(append_query(bad, "ticket", "t").is_err(), "{bad:?}");
        assert!(redirect_host(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn a_non_http_base_is_refused() {
    for bad in [
        "mp.weixin.qq.com",
        "ftp://mp.weixin.qq.com",
        "https://mp.weixin.qq.com/?x=1",
    ] {
        let err = rebind_admin_url(bad, &appid("wxc"), &appid("wxa"), "https://a.example/").unwrap_err();
        assert!(matches!(err, PageError::MpBase { .. }), "{bad:?}: {err:?}");
        assert!(err.to_string().starts_with("mp_base"), "{err}");
    }
}

#[test]
fn bad_auth_type_and_pre_auth_code_are_named() {
    let err = component_login_page_url(MP_BASE, &appid("wxc"), "c", "https://a.example/", Some(7), None).unwrap_err();
    assert!(err.to_string().starts_with("auth_type is 7"), "{err}");
    let err = component_login_page_url(MP_BASE, &appid("wxc"), "", "https://a.example/", None, None).unwrap_err();
    assert!(err.to_string().starts_with("pre_auth_code is empty"), "{err}");
}

/// Spec §1.2: the page appends ticket= after the redirect_uri's own `from=mp`.
#[test]
fn append_query_keeps_the_redirects_own_query() {
    assert_eq!(
        append_query(
            "https://www.qq.com/auth/callback?from=mp",
            "ticket",
            "b25519093b1e97239eff9d2bfc07e08e"
        )
        .unwrap(),
        "https://www.qq.com/auth/callback?from=mp&ticket=b25519093b1e97239eff9d2bfc07e08e"
    );
    // Spec §7.2: no query of its own.
    assert_eq!(
        append_query("https://www.qq.com/auth/callback", "taskid", "b2551909").unwrap(),
        "https://www.qq.com/auth/callback?taskid=b2551909"
    );
    // A fragment stays last; a value is escaped; a trailing `?` or `&` gets no extra separator.
    assert_eq!(
        append_query("https://a.example/cb?x=1#top", "auth_code", "queryauthcode@@@a b").unwrap(),
        "https://a.example/cb?x=1&auth_code=queryauthcode%40%40%40a%20b#top"
    );
    assert_eq!(
        append_query("https://a.example/cb?", "ticket", "t").unwrap(),
        "https://a.example/cb?ticket=t"
    );
}

#[test]
fn redirect_host_for_the_61060_check() {
    assert_eq!(
        redirect_host("https://www.qq.com/auth/callback?from=mp").unwrap(),
        "www.qq.com"
    );
    assert_eq!(redirect_host("https://www.qq.com:443/cb").unwrap(), "www.qq.com");
    assert_eq!(redirect_host("http://LOCALHOST:8080/cb").unwrap(), "localhost:8080");
}
