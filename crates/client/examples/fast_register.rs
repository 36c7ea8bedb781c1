//! The whole flow against an emulator spawned in this process:
//! verify ticket → the Official Account authorizes the component → fastregisterauth page →
//! fastregister → api_query_auth → name, head image, description and categories of the new
//! Mini Program.
//!
//! Run: `cargo run -p fastreg-client --example fast_register`
//! (`RUST_LOG=fastreg_client=debug` shows the client's spans.)
//!
//! Against WeChat itself the client is the same; what changes is who does the steps marked
//! "admin": a person scanning a QR code instead of the emulator's control API, and the verify
//! ticket arriving as an encrypted push to your authorization-event URL.

use fastreg_client::{Client, ClientConfig, MemoryStore};
use fastreg_emulator::{Emulator, builtin, scenario::Scenario};
use fastreg_protocol::account::SetNicknameRequest;
use fastreg_protocol::category::CategoryRequest;
use fastreg_protocol::id::Secret;
use fastreg_protocol::rules::{CropBox, MediaType};
use fastreg_protocol::{AppId, AuthorizationCode, Ticket};
use serde_json::{Value, json};
use std::sync::Arc;

/// A 1×1 PNG, standing in for a real head image.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0A, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00,
    0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    if let Err(e) = run().await {
        // One line: the code, its meaning and what to do.
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<()> {
    let emulator = Emulator::new(Scenario::builtin(), Some(1))
        .spawn("127.0.0.1:0".parse()?)
        .await?;
    let base = emulator.base_url().to_string().trim_end_matches('/').to_owned();
    println!("emulator at {base}");
    let control = Control {
        http: reqwest::Client::new(),
        base: base.clone(),
    };

    // The client, pointed at the emulator for both hosts.
    let config = ClientConfig::builder(
        AppId::parse(builtin::COMPONENT_APPID)?,
        Secret::parse(builtin::COMPONENT_SECRET)?,
    )
    .token(builtin::COMPONENT_TOKEN)
    .encoding_aes_key(builtin::COMPONENT_AES_KEY)
    .api_base(&base)
    .mp_base(&base)
    .build()?;
    let client = Client::new(config, Arc::new(MemoryStore::new()))?;

    // WeChat pushes the verify ticket every 10 minutes; the service stores it.
    let pushed = control
        .post(
            "/__emulator/push/verify-ticket",
            json!({"component_appid": builtin::COMPONENT_APPID}),
        )
        .await?;
    client
        .put_verify_ticket(&Secret::parse(text(&pushed, "ticket")?)?)
        .await?;
    println!("1. verify ticket stored");

    // admin: the Official Account authorizes the component (componentloginpage QR code).
    let official_account = AppId::parse(builtin::OA_ENTERPRISE)?;
    let pre_auth = client.create_pre_auth_code().await?;
    let redirect_uri = format!("http://{}/callback", builtin::COMPONENT_LOGIN_DOMAIN);
    let login_url = client.component_login_page_url(&pre_auth.pre_auth_code, &redirect_uri, Some(1), None)?;
    println!("2. admin opens {login_url}");
    let authorized = control
        .post(
            "/__emulator/authorize",
            json!({"component_appid": builtin::COMPONENT_APPID,
                   "appid": official_account.as_str(), "fast_register": true}),
        )
        .await?;
    let code = AuthorizationCode::parse(text(&authorized, "auth_code")?)?;
    client.query_auth(&code).await?;
    println!("   {official_account} authorized; its refresh token is stored");

    // admin: confirms fast registration on the fastregisterauth page.
    let auth_url = client.fast_register_auth_url(&official_account, true, &redirect_uri)?;
    println!("3. admin opens {auth_url}");
    let confirmed = control
        .post(
            "/__emulator/fastregister/confirm",
            json!({"component_appid": builtin::COMPONENT_APPID,
                   "appid": official_account.as_str(), "copy_wx_verify": 1,
                   "redirect_uri": redirect_uri}),
        )
        .await?;
    let redirect = text(&confirmed, "redirect")?;
    let ticket = reqwest::Url::parse(redirect)?
        .query_pairs()
        .find(|(k, _)| k == "ticket")
        .map(|(_, v)| v.into_owned())
        .ok_or("no ticket in the redirect")?;
    println!("   back at {redirect}");

    // fastregister with the Official Account's token, then exchange the new Mini Program's code.
    let registered = client.fast_register(&official_account, &Ticket::parse(ticket)?).await?;
    let mini_program = registered.appid.clone();
    println!(
        "4. registered {mini_program} (verification reused: {}, linked: {})",
        registered.is_wx_verify_succ.0, registered.is_link_succ.0
    );
    client.query_auth(&registered.authorization_code).await?;
    println!("5. its authorization code exchanged; refresh token stored");

    // Set it up with its own token.
    let basic = client.account_basic_info(&mini_program).await?;
    println!(
        "6. {} — realname_status {}",
        basic.principal_name, basic.realname_status
    );
    let name = "示例科技工具箱";
    let check = client.check_nickname(&mini_program, name).await?;
    println!("   name {name:?}: keyword hit = {}", check.hit_condition);
    // Materials (an organization's license here) are uploaded as temporary media first.
    let license = client
        .upload_temp_media(&mini_program, MediaType::Image, "license.png", PNG)
        .await?;
    let set = client
        .set_nickname(
            &mini_program,
            &SetNicknameRequest {
                nick_name: name.into(),
                license: Some(license.media_id.as_str().to_owned()),
                ..Default::default()
            },
        )
        .await?;
    match set.audit_id {
        Some(audit) => {
            let state = client.query_nickname_audit(&mini_program, audit).await?;
            println!("   name under audit {audit}: {:?}", state.audit_stat);
        }
        None => println!("   name set"),
    }
    let media = client
        .upload_temp_media(&mini_program, MediaType::Image, "head.png", PNG)
        .await?;
    client
        .set_head_image(&mini_program, &media.media_id, CropBox::FULL)
        .await?;
    println!("   head image set");
    client.set_signature(&mini_program, "提供好玩的服务。").await?;
    println!("   description set");
    let catalog = client.all_categories(&mini_program).await?;
    println!("   {} categories available", catalog.category_list.categories.len());
    client
        .add_categories(
            &mini_program,
            vec![CategoryRequest {
                first: 304,
                second: 305,
                certicates: vec![],
            }],
        )
        .await?;
    let categories = client.categories(&mini_program).await?;
    for c in &categories.categories {
        println!(
            "   category {}/{} {}/{}: {:?}",
            c.first, c.first_name, c.second, c.second_name, c.audit_status
        );
    }
    println!("7. done");
    emulator.shutdown().await;
    Ok(())
}

/// The emulator's control API: what the admins and WeChat's scheduler do.
struct Control {
    http: reqwest::Client,
    base: String,
}

impl Control {
    async fn post(&self, path: &str, body: Value) -> Result<Value> {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await?;
        let status = resp.status();
        let value: Value = resp.json().await?;
        if !status.is_success() {
            return Err(format!("{path}: {status} {value}").into());
        }
        Ok(value)
    }
}

fn text<'a>(v: &'a Value, key: &str) -> Result<&'a str> {
    v[key].as_str().ok_or_else(|| format!("no {key} in {v}").into())
}
