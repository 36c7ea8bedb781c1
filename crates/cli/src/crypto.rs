//! `fastreg crypto encrypt|decrypt` (being written).
use clap::Subcommand;

#[derive(Subcommand)]
pub enum CryptoCommand {}

pub fn run(cmd: CryptoCommand) -> anyhow::Result<()> {
    match cmd {}
}
