//! `fastreg emulator`: a local WeChat for third-party platforms, on one port.

use anyhow::Context;
use clap::Args;
use fastreg_emulator::{Emulator, scenario::Scenario};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Options of `fastreg emulator`.
#[derive(Args, Debug)]
pub struct EmulatorArgs {
    /// Address to listen on; port 0 picks a free port (the address is printed).
    #[arg(long, default_value = "127.0.0.1:9100", env = "FASTREG_EMULATOR_LISTEN")]
    listen: SocketAddr,
    /// Scenario file (TOML); without it the built-in scenario is loaded (see --print-scenario).
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// Seed for generated appids, tickets, codes and tokens, so runs are repeatable.
    #[arg(long)]
    seed: Option<u64>,
    /// Print the built-in scenario as a scenario file and exit.
    #[arg(long)]
    print_scenario: bool,
    /// Listen on an address other than loopback. The control API (`/__emulator/`) has no
    /// authentication: whoever reaches the port can change the emulator's state.
    #[arg(long)]
    allow_network: bool,
}

/// Why a listen address is refused: anything but loopback, unless the operator says so.
fn check_listen(listen: SocketAddr, allow_network: bool) -> anyhow::Result<()> {
    if listen.ip().is_loopback() || allow_network {
        return Ok(());
    }
    anyhow::bail!(
        "refusing to listen on {listen}: the emulator's control API (/__emulator/) has no authentication, so anyone \
         who reaches this address could change its state. Listen on 127.0.0.1 (the default), or pass \
         --allow-network if every machine on that network is trusted."
    )
}

pub async fn run(args: EmulatorArgs) -> anyhow::Result<()> {
    if args.print_scenario {
        use std::io::Write;
        let _ = std::io::stdout().write_all(Scenario::builtin().to_toml().as_bytes());
        return Ok(());
    }
    let scenario = match &args.scenario {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the scenario file {}", path.display()))?;
            Scenario::from_toml(&text).with_context(|| format!("scenario file {}", path.display()))?
        }
        None => Scenario::builtin(),
    };
    check_listen(args.listen, args.allow_network)?;
    let running = Emulator::new(scenario, args.seed)
        .spawn(args.listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {} (is another process using it? try --listen 127.0.0.1:0)",
                args.listen
            )
        })?;
    // The first line is machine-readable: tests and scripts read the address from it.
    {
        use std::io::Write;
        // A reader that closed our stdout after the first line must not kill the emulator.
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "fastreg emulator listening on {}", running.base_url());
        let _ = out.flush();
    }
    eprintln!(
        "  API and mp pages: {0}    control API: {0}/__emulator/state",
        running.base_url()
    );
    let bound = running.addr();
    eprintln!("  bound to {bound}");
    if !bound.ip().is_loopback() {
        eprintln!(
            "  WARNING: bound to {bound}, which other machines can reach (--allow-network). The control API \
             /__emulator/ has no authentication: anyone who reaches it can change this emulator's state."
        );
    }
    eprintln!("  Ctrl-C to stop");
    tokio::signal::ctrl_c().await.context("cannot wait for Ctrl-C")?;
    running.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_unless_allowed() {
        assert!(check_listen("127.0.0.1:0".parse().unwrap(), false).is_ok());
        assert!(check_listen("[::1]:9100".parse().unwrap(), false).is_ok());
        let refused = check_listen("0.0.0.0:9100".parse().unwrap(), false).unwrap_err();
        assert!(refused.to_string().contains("--allow-network"), "{refused}");
        assert!(check_listen("192.168.1.5:9100".parse().unwrap(), false).is_err());
        assert!(check_listen("0.0.0.0:9100".parse().unwrap(), true).is_ok());
    }
}
