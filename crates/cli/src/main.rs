//! `fastreg` — the one binary: `crypto` (debug a push), `emulator` (a local WeChat), `demo`,
//! `serve` (the platform service).

mod crypto;
mod demo;
mod emulator;
mod memory;
mod serve;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "fastreg",
    version,
    about = "Fast registration of Mini Programs for WeChat third-party platforms"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Encrypt or decrypt a WeChat push (WXBizMsgCrypt), e.g. to debug an event URL.
    #[command(subcommand)]
    Crypto(crypto::CryptoCommand),
    /// Run a local WeChat (API paths, mp pages, /__emulator/ control API) on one port.
    Emulator(emulator::EmulatorArgs),
    /// Run the platform service (REST API, event receiver, workflows).
    Serve(serve::ServeArgs),
    /// The emulator and the service in one process, SQLite, nothing to configure.
    Demo(demo::DemoArgs),
    /// Console administration (with the service's settings): reset a user's password.
    #[command(subcommand)]
    Console(serve::ConsoleCommand),
}

fn main() -> std::process::ExitCode {
    memory::give_large_blocks_back();
    let cli = Cli::parse();
    // Logs go to stderr; FASTREG_LOG (tracing's EnvFilter syntax) chooses what is shown.
    let default_level = match cli.command {
        Command::Serve(_) | Command::Emulator(_) => "info",
        _ => "warn",
    };
    // FASTREG_LOG_FORMAT=json gives one JSON object per line, for log collectors.
    let filter = tracing_subscriber::EnvFilter::try_from_env("FASTREG_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    let json = std::env::var("FASTREG_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if json {
        logs.json().init();
    } else {
        logs.init();
    }
    let result = match cli.command {
        Command::Crypto(cmd) => crypto::run(cmd),
        Command::Emulator(args) => runtime().and_then(|rt| rt.block_on(emulator::run(args))),
        Command::Serve(args) => runtime().and_then(|rt| rt.block_on(serve::run(args))),
        Command::Demo(args) => runtime().and_then(|rt| rt.block_on(demo::run(args))),
        Command::Console(cmd) => runtime().and_then(|rt| rt.block_on(serve::console(cmd))),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fastreg: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}
