//! `fastreg demo`: the emulator and the service in one process, SQLite, nothing to configure.
//!
//! The emulator runs the built-in scenario on its own port; the service is configured with the
//! scenario's component and points at the emulator for both WeChat hosts; the emulator pushes
//! verify tickets and events to the service's URLs. Everything lives in memory or in the demo's
//! data folder, which is wiped at start (once both ports are bound) so the service never
//! remembers accounts the freshly started emulator does not know.

use anyhow::Context;
use clap::Args;
use fastreg_emulator::scenario::{ComponentDef, Scenario};
use fastreg_emulator::{Emulator, builtin};
use fastreg_server::routes::input::credit_check_char;
use fastreg_server::{Application, ComponentSettings, SecretString, Settings};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Options of `fastreg demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Where the service (console, REST API, event URLs) listens.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Where the emulated WeChat listens.
    #[arg(long, default_value = "127.0.0.1:9100")]
    emulator_listen: SocketAddr,
    /// The demo's data folder (wiped at start).
    #[arg(long, default_value = "./fastreg-demo")]
    data_dir: PathBuf,
    /// Seed of the emulator's generated ids, for repeatable runs.
    #[arg(long)]
    seed: Option<u64>,
}

/// The file that marks a folder as the demo's own, so that wiping it can never delete anything
/// else a mistyped `--data-dir` points at.
const MARKER: &str = ".fastreg-demo";

/// Wipes the demo's folder from an earlier run (only if it is one: empty, or marked) and
/// creates it afresh with its marker.
fn prepare_data_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .next()
            .is_none();
        if !empty && !dir.join(MARKER).exists() {
            anyhow::bail!(
                "--data-dir {} is not empty and was not made by `fastreg demo`; the demo wipes its folder at start, \
                 so give it an empty or new folder",
                dir.display()
            );
        }
        std::fs::remove_dir_all(dir).with_context(|| format!("cannot wipe the demo folder {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::write(dir.join(MARKER), "made by `fastreg demo`; wiped at its next start\n")
        .with_context(|| format!("cannot write {}", dir.join(MARKER).display()))?;
    Ok(())
}

/// How long the demo's audits take, in seconds.
const DEMO_AUDIT_DELAY_SECS: i64 = 30;

/// A random hex string of `bytes` bytes.
fn random_hex(bytes: usize) -> String {
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    // WeChat decides a name or category audit in days; the demo's emulator does it in 30
    // seconds (approving), so the console shows the audit finish. Decide one sooner, or
    // reject it, with POST /__emulator/audits/{id}.
    // Both ports are taken before the folder is touched: a second demo started in the same
    // folder fails here, leaving the running one's database alone.
    let listener = std::net::TcpListener::bind(args.listen)
        .with_context(|| format!("cannot start the service on {} (try --listen 127.0.0.1:0)", args.listen))?;
    let mut scenario = Scenario::builtin();
    scenario.settings.audit_delay_secs = DEMO_AUDIT_DELAY_SECS;
    // Accounts are named as the emulated WeChat page shows them: name, then appid.
    let shown = |appid: &str| {
        let name = scenario
            .official_accounts
            .iter()
            .find(|a| a.appid == appid)
            .map(|a| a.nickname.clone())
            .unwrap_or_default();
        format!("「{name}」 {appid}")
    };
    let (happy, at_limit) = (shown(builtin::OA_ENTERPRISE), shown(builtin::OA_AT_MONTHLY_LIMIT));
    // The service checks a credit code's check character (GB 32100-2015) before it calls
    // WeChat; the built-in enterprises' codes are made up, so each one that fails the check is
    // given a valid one: its first 13 characters, its last 4 (what tells them apart), and the
    // check character those 17 call for.
    for e in &mut scenario.enterprises {
        if e.code.is_ascii()
            && e.code.len() == 18
            && credit_check_char(&e.code[..17]) != e.code.chars().last()
            && let Some(c) = credit_check_char(&format!("{}{}", &e.code[..13], &e.code[14..]))
        {
            e.code = format!("{}{}{c}", &e.code[..13], &e.code[14..]);
        }
    }
    let enterprise = |name_part: &str| {
        scenario
            .enterprises
            .iter()
            .find(|e| e.name.contains(name_part))
            .map(|e| format!("{} {}", e.name, e.code))
            .unwrap_or_default()
    };
    let (ent_ok, ent_blacklisted, ent_closed, ent_admin_cap) = (
        enterprise(builtin::ENT_OK_NAME),
        enterprise("违规示例"),
        enterprise("已注销"),
        enterprise("法人满额"),
    );
    let emulator = Emulator::new(scenario, args.seed)
        .spawn(args.emulator_listen)
        .await
        .with_context(|| {
            format!(
                "cannot start the emulator on {} (try --emulator-listen 127.0.0.1:0)",
                args.emulator_listen
            )
        })?;
    let wechat = emulator.base_url();

    prepare_data_dir(&args.data_dir)?;

    let mut settings = Settings::with_component(ComponentSettings {
        appid: builtin::COMPONENT_APPID.into(),
        secret: SecretString::new(builtin::COMPONENT_SECRET),
        token: SecretString::new(builtin::COMPONENT_TOKEN),
        encoding_aes_key: SecretString::new(builtin::COMPONENT_AES_KEY),
        previous_encoding_aes_key: None,
    });
    let api_key = format!("demo-{}", random_hex(16));
    settings.listen = args.listen.to_string();
    settings.data_dir = args.data_dir.clone();
    settings.database_url = None;
    settings.api_base = wechat.clone();
    settings.mp_base = wechat.clone();
    settings.bootstrap_api_key = Some(SecretString::new(api_key.clone()));

    let app = Application::build_with_listener(settings, listener)
        .await
        .with_context(|| format!("cannot start the service on {} (try --listen 127.0.0.1:0)", args.listen))?;
    let service = app.local_url();

    // The emulated WeChat learns where the platform lives: its login domain (redirect_uris must
    // be on it, 61060) and its two push URLs. A changed event URL gets a verify ticket at once.
    let host = service
        .trim_start_matches("http://")
        .trim_start_matches("https://")
        .to_string();
    emulator.emulator().upsert_component(ComponentDef {
        appid: builtin::COMPONENT_APPID.into(),
        secret: builtin::COMPONENT_SECRET.into(),
        token: builtin::COMPONENT_TOKEN.into(),
        encoding_aes_key: builtin::COMPONENT_AES_KEY.into(),
        published: true,
        permission_sets: fastreg_protocol::permission::REQUIRED_FOR_FAST_REGISTER.to_vec(),
        login_domain: host,
        event_url: Some(format!("{service}/wechat/component/events")),
        message_url: Some(format!("{service}/wechat/authorizers/$APPID$/events")),
    });

    // The demo's folder is fresh, so this always creates the admin and its one-time password.
    let password = fastreg_server::console::bootstrap_admin(app.state())
        .await
        .context("cannot create the console's admin")?;
    let server = tokio::spawn(app.run_until_stopped());

    // The first verify ticket, pushed now rather than at the emulator's next tick, so the
    // component token can be had from the first click. Encrypted and signed like WeChat's.
    match emulator.emulator().push_verify_ticket(builtin::COMPONENT_APPID).await {
        Some((_, Some(200))) => {}
        Some((_, status)) => anyhow::bail!(
            "the service did not accept the emulator's verify-ticket push (HTTP status {status:?}); see the log above"
        ),
        None => anyhow::bail!("the emulator does not know the demo's component (a bug)"),
    }

    println!("fastreg demo is running — the service on SQLite, an emulated WeChat beside it.\n");
    match &password {
        Some(pw) => println!("  Console        {service}/console/   user: admin   one-time password: {pw}"),
        None => println!("  Console        {service}/console/   (sign in with the admin's password)"),
    }
    println!("  REST API       {service}/api/v1   (header: Authorization: Bearer {api_key})");
    println!("  OpenAPI        {service}/api/v1/openapi.json");
    println!("  Emulated WeChat  {wechat}   (state: {wechat}/__emulator/state)");
    println!("\nWhat to click:");
    println!("  0. Open the console, sign in as admin with the one-time password, choose your own.");
    println!("  1. Official Accounts → Authorize an account → pick {happy} on the emulated WeChat page.");
    println!("  2. On the account: Fast-register a Mini Program → Confirm (this stands for the admin's QR scan).");
    println!("  3. On the new Mini Program: set its name, avatar, description and a category.");
    println!("     Audits are approved after {DEMO_AUDIT_DELAY_SECS} s; decide one now with");
    println!("     curl -X POST {wechat}/__emulator/audits/AUDIT_ID -d '{{\"approve\":false,\"reason\":\"test\"}}'");
    println!("  4. Rebind its admin. Try {at_limit} too: it has used its 5 registrations this month (61055).");
    println!("  5. No Official Account? New Mini Program (in the menu), and pick a route; the QR code's link");
    println!("     opens the emulated WeChat's confirmation page (this stands for the merchant's scan):");
    println!("     enterprise  {ent_ok} registers;");
    println!("                 {ent_blacklisted} fails with push status 1002 (blacklisted),");
    println!("                 {ent_admin_cap} with 1003 (its legal person's cap),");
    println!("                 {ent_closed} is refused at once (86021); component phone 13800138000.");
    println!(
        "     personal    WeChat id {} registers; {} fails with 1003 (5 Mini Programs already).",
        builtin::PERSON_OK,
        builtin::PERSON_AT_CAP
    );
    println!(
        "     trial       openid {} with any name of 4–30 characters; a name with 微信 is refused",
        builtin::PERSON_OK_OPENID
    );
    println!("                 before WeChat is called (86011). Convert it from its page with the first enterprise.");
    println!("     By API:  curl -H 'Authorization: Bearer {api_key}' -H 'content-type: application/json' \\");
    println!(
        "       -d '{{\"route\":\"trial\",\"trial\":{{\"name\":\"小麦烤鸡店\",\"openid\":\"{}\"}}}}' {service}/api/v1/registrations",
        builtin::PERSON_OK_OPENID
    );
    println!("\nThe emulated WeChat's other accounts each show one of WeChat's refusals; {wechat}/ lists them");
    println!("with what each is for.");
    println!("\nCtrl-C stops both; data folder: {}", args.data_dir.display());

    tokio::select! {
        result = server => {
            result.context("the service task failed")?.context("the service stopped with an error")?;
        }
        signal = tokio::signal::ctrl_c() => {
            signal.context("cannot wait for Ctrl-C")?;
            println!("\nstopping");
        }
    }
    emulator.shutdown().await;
    Ok(())
}
