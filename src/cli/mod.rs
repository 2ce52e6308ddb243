//! Subcommands of the `backsolve` binary.

mod config;
mod output;
mod simulate;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Compile-time differentiated physics simulators.
#[derive(Parser, Debug)]
#[command(name = "backsolve", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Compute a conductance map G(phi, E) from a TOML config; writes G.npy and G.png.
    Simulate {
        /// The config file (see the README for its fields).
        config: PathBuf,
        /// Output folder (overrides `[output] dir`).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Simulate { config, out } => simulate::run(&config, out.as_deref()),
    }
}
