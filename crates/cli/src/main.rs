//! `fastreg` — the one binary: `crypto` (debug a push), `emulator` (a local WeChat), `demo`,
//! `serve` (the platform service).

mod crypto;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "fastreg", version, about = "Fast registration of Mini Programs for WeChat third-party platforms")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Encrypt or decrypt a WeChat push (WXBizMsgCrypt), e.g. to debug an event URL.
    #[command(subcommand)]
    Crypto(crypto::CryptoCommand),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Crypto(cmd) => crypto::run(cmd),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fastreg: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
