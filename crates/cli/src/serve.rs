//! `fastreg serve`: the platform service.

use anyhow::Context;
use clap::{Args, Subcommand};
use fastreg_server::settings::ConfigError;
use fastreg_server::{Application, Settings};
use std::path::PathBuf;

/// Options of `fastreg serve`. Each overrides the config file and `FASTREG_*` variables.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (setting `listen`, env FASTREG_LISTEN).
    #[arg(long)]
    listen: Option<String>,
    /// Database URL: `sqlite://PATH` or `postgres://…` (setting `database_url`, env FASTREG_DATABASE_URL).
    #[arg(long)]
    database_url: Option<String>,
    /// Config file (TOML); see `fastreg serve --print-settings` for every setting.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Print every setting with its environment variable, default and meaning, and exit.
    #[arg(long)]
    print_settings: bool,
    /// Print a commented example config file (TOML) to fill in, and exit.
    #[arg(long)]
    print_config: bool,
}

/// What a newcomer without settings can do next, after the list of what is missing.
const WHERE_SETTINGS_COME_FROM: &str = "every setting: fastreg serve --print-settings\n\
     a commented example config: fastreg serve --print-config > fastreg.toml, then fastreg serve --config fastreg.toml\n\
     to try fastreg without a WeChat platform: fastreg demo";

/// `fastreg console …`.
#[derive(Subcommand, Debug)]
pub enum ConsoleCommand {
    /// Give a console user a new one-time password (printed once; it works for 24 hours and must
    /// be changed at the next sign-in), creating the user if needed. Reads the database settings
    /// of `fastreg serve`; the component's secrets are not needed.
    ResetPassword {
        /// The user.
        #[arg(long, default_value = "admin")]
        user: String,
        /// Database URL (as for `fastreg serve`).
        #[arg(long)]
        database_url: Option<String>,
        /// Config file (TOML), as for `fastreg serve`.
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

/// The service's settings: defaults, file, `FASTREG_*` variables, then these flags.
fn settings(
    config: Option<&std::path::Path>,
    listen: Option<String>,
    database_url: Option<String>,
) -> anyhow::Result<Settings> {
    let mut settings = Settings::load(config).map_err(|e| match e {
        ConfigError::Missing(_) => anyhow::anyhow!("{e}\n{WHERE_SETTINGS_COME_FROM}"),
        e => e.into(),
    })?;
    if let Some(listen) = listen {
        settings.listen = listen;
    }
    if let Some(url) = database_url {
        settings.database_url = Some(url);
    }
    Ok(settings)
}

pub async fn console(cmd: ConsoleCommand) -> anyhow::Result<()> {
    match cmd {
        ConsoleCommand::ResetPassword {
            user,
            database_url,
            config,
        } => {
            // Only the database: no WeChat client, so the component's secrets are not needed.
            let mut settings = Settings::load_without_component(config.as_deref())?;
            if let Some(url) = database_url {
                settings.database_url = Some(url);
            }
            let db = fastreg_server::store::Db::connect(&settings.database_url())
                .await
                .context("cannot open the service's database")?;
            let hashing = fastreg_server::console::sign_in::PasswordHashing::default();
            let password = fastreg_server::console::reset_password(&db, &hashing, &user)
                .await
                .with_context(|| format!("cannot reset the password of console user {user:?}"))?;
            db.close().await;
            println!(
                "console user {user}: one-time password {password} (works for 24 hours; change it at the next sign-in)"
            );
            Ok(())
        }
    }
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    if args.print_settings {
        print!("{}", Settings::documentation());
        return Ok(());
    }
    if args.print_config {
        print!("{}", Settings::example_config());
        return Ok(());
    }
    let settings = settings(args.config.as_deref(), args.listen, args.database_url)?;
    let app = Application::build(settings).await.context("cannot start the service")?;
    println!("fastreg serving on {}", app.local_url());
    // The first start creates the console's admin; the one-time password is shown once, here.
    if let Some(password) = fastreg_server::console::bootstrap_admin(app.state())
        .await
        .context("cannot create the console's admin")?
    {
        println!(
            "console: {}/console/  user: admin  one-time password: {password}",
            app.local_url()
        );
    }
    app.run_until_stopped()
        .await
        .context("the service stopped with an error")?;
    Ok(())
}
