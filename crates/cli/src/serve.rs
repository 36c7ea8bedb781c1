//! `fastreg serve`: the platform service.

use anyhow::Context;
use clap::Args;
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
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    if args.print_settings {
        print!("{}", Settings::documentation());
        return Ok(());
    }
    let mut settings = Settings::load(args.config.as_deref())?;
    if let Some(listen) = args.listen {
        settings.listen = listen;
    }
    if let Some(url) = args.database_url {
        settings.database_url = Some(url);
    }
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
