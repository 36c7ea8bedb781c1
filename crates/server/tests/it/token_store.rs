//! The SQL TokenStore on each backend keeps the client's contract: values come back as put
//! (and are sealed at rest), compare-and-delete leaves a newer token alone, a lease is
//! exclusive until released or expired and only its holder releases it.

use crate::helpers::*;
use crate::on_both;
use fastreg_client::{StoredToken, TokenStore};
use fastreg_protocol::id::Secret;
use fastreg_protocol::{AccessToken, AppId, RefreshToken};
use fastreg_server::secret_box::SecretBox;
use fastreg_server::store::Db as Store;
use fastreg_server::token_store::SqlTokenStore;
use std::time::{Duration, SystemTime};

async fn contract(db: Db) {
    let dir = temp_dir();
    let Some(url) = fresh_database(db, &dir).await else {
        return;
    };
    let store = Store::connect(&url).await.expect("connect");
    let tokens = SqlTokenStore::new(store.clone(), SecretBox::new([9; 32]));
    let app = AppId::parse("wxa1b2c3d4e5f60001").expect("appid");
    let token = |s: &str| {
        StoredToken::new(
            AccessToken::parse(s).expect("token"),
            SystemTime::now(),
            Duration::from_secs(7200),
        )
    };

    tokens
        .put_verify_ticket(&app, &Secret::parse("ticket@@@one").expect("t"))
        .await
        .expect("put");
    tokens
        .put_verify_ticket(&app, &Secret::parse("ticket@@@two").expect("t"))
        .await
        .expect("put");
    assert_eq!(
        tokens
            .verify_ticket(&app)
            .await
            .expect("get")
            .map(|t| t.expose().to_owned())
            .as_deref(),
        Some("ticket@@@two")
    );

    let (old, new) = (token("OLD-TOKEN-VALUE"), token("NEW-TOKEN-VALUE"));
    tokens.put_authorizer_token(&app, &new).await.expect("put");
    assert!(
        !tokens
            .invalidate_authorizer_token_if(&app, &old.token)
            .await
            .expect("cad")
    );
    let got = tokens.authorizer_token(&app).await.expect("get").expect("token");
    assert_eq!(got.token, new.token);
    assert!(got.expires_at.duration_since(new.expires_at).unwrap_or_default() < Duration::from_millis(2));
    assert!(
        tokens
            .invalidate_authorizer_token_if(&app, &new.token)
            .await
            .expect("cad")
    );
    assert!(tokens.authorizer_token(&app).await.expect("get").is_none());
    tokens.put_component_token(&app, &new).await.expect("put");
    assert!(
        !tokens
            .invalidate_component_token_if(&app, &old.token)
            .await
            .expect("cad")
    );
    assert!(
        tokens
            .invalidate_component_token_if(&app, &new.token)
            .await
            .expect("cad")
    );

    let refresh = RefreshToken::parse("refreshtoken@@@SECRET-VALUE").expect("rt");
    tokens.put_refresh_token(&app, &refresh).await.expect("put");
    assert_eq!(tokens.refresh_token(&app).await.expect("get"), Some(refresh));
    // Sealed at rest: the value is not in the database.
    let (raw,): (Vec<u8>,) = fastreg_server::fetch_one!(
        &store,
        (Vec<u8>,),
        "SELECT refresh_token_sealed FROM authorizers WHERE appid = $1",
        app.as_str()
    )
    .expect("row");
    assert!(!raw.windows(12).any(|w| w == b"SECRET-VALUE"));
    tokens.delete_refresh_token(&app).await.expect("delete");
    assert!(tokens.refresh_token(&app).await.expect("get").is_none());

    let a = tokens
        .try_lease("k", Duration::from_secs(30))
        .await
        .expect("lease")
        .expect("free");
    assert!(
        tokens
            .try_lease("k", Duration::from_secs(30))
            .await
            .expect("lease")
            .is_none()
    );
    tokens.release_lease(&a).await.expect("release");
    let b = tokens
        .try_lease("k", Duration::from_millis(1))
        .await
        .expect("lease")
        .expect("released");
    tokio::time::sleep(Duration::from_millis(10)).await;
    let c = tokens
        .try_lease("k", Duration::from_secs(30))
        .await
        .expect("lease")
        .expect("expired is free");
    tokens.release_lease(&b).await.expect("release");
    assert!(
        tokens
            .try_lease("k", Duration::from_secs(30))
            .await
            .expect("lease")
            .is_none(),
        "a stale holder released the lease"
    );
    tokens.release_lease(&c).await.expect("release");

    // Another key cannot open what this one sealed, and a start with it is refused.
    assert!(
        fastreg_server::store::check_key(&store, &SecretBox::new([9; 32]))
            .await
            .is_ok()
    );
    let wrong = fastreg_server::store::check_key(&store, &SecretBox::new([8; 32])).await;
    assert!(wrong.is_err_and(|e| e.to_string().contains("encryption key")));
    store.close().await;
    drop_database(&url, &dir).await;
}
on_both!(sql_token_store_keeps_the_client_contract, contract);
