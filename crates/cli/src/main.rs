//! `fastreg` — the one binary: `crypto` (debug a push), `emulator` (a local WeChat), `demo`,
//! `serve` (the platform service).

mod crypto;
mod emulator;

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
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Crypto(cmd) => crypto::run(cmd),
        Command::Emulator(args) => runtime().and_then(|rt| rt.block_on(emulator::run(args))),
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
