//! Subcommands of the `backsolve` binary.

mod config;
mod demo;
mod invert;
mod invert_config;
mod output;
mod simulate;
mod study;

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
    /// Reconstruct a hidden landscape from its conductance map, a built-in synthetic case
    /// (seed paper Figs. 2 and 3); writes PNGs, .npy arrays and summary.json.
    Demo {
        /// Which case.
        #[arg(value_enum)]
        case: demo::Case,
        /// Lattice size, LXxLY (slices along transport x sites across); 10x10 for the
        /// potential, 8x6 for the magnetization unless given.
        #[arg(long, value_parser = parse_size)]
        size: Option<backsolve_models::transport::Lattice>,
        /// Seed of the hidden landscape, the noise and the initial guesses.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Gaussian noise on the target, relative to the map's RMS value (0.01 = 1 %).
        #[arg(long, default_value_t = 0.0)]
        noise: f64,
        /// Optimizer.
        #[arg(long, value_enum, default_value = "lbfgs")]
        method: demo::MethodName,
        /// Epoch limit per start.
        #[arg(long, default_value_t = 600)]
        max_epochs: usize,
        /// Random starts at most (a start stuck in a local minimum is abandoned).
        #[arg(long, default_value_t = 4)]
        starts: usize,
        /// Output folder.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Continue an interrupted run from the checkpoint in the output folder.
        #[arg(long)]
        resume: bool,
    },
    /// Reconstruct a landscape from a measured conductance map described by a TOML config
    /// (see the README); writes PNGs, .npy arrays and summary.json.
    Invert {
        /// The config file.
        config: PathBuf,
        /// Output folder (overrides `[output] dir`).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Continue an interrupted run from the checkpoint in the output folder.
        #[arg(long)]
        resume: bool,
    },
    /// Studies of the potential case: cost slices (Fig. 4), error against noise, optimizer
    /// comparison; writes a Markdown table and PNGs.
    Study {
        /// Which study.
        #[arg(value_enum)]
        study: study::Study,
        /// Output folder.
        #[arg(long, default_value = "study")]
        out: PathBuf,
    },
}

/// `LXxLY`, e.g. `12x8`.
fn parse_size(s: &str) -> Result<backsolve_models::transport::Lattice, String> {
    let bad = || format!("expected LXxLY such as 12x8, got \"{s}\"");
    let (a, b) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    let lx = a.trim().parse().map_err(|_| bad())?;
    let ly = b.trim().parse().map_err(|_| bad())?;
    Ok(backsolve_models::transport::Lattice { lx, ly })
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Simulate { config, out } => simulate::run(&config, out.as_deref()),
        Command::Demo {
            case,
            size,
            seed,
            noise,
            method,
            max_epochs,
            starts,
            out,
            resume,
        } => {
            let settings = demo::Settings {
                case,
                lattice: size.unwrap_or(case.default_size()),
                seed,
                noise,
                method,
                max_epochs,
                starts: starts.max(1),
            };
            let out = out.unwrap_or_else(|| PathBuf::from(format!("demo-{case:?}").to_lowercase()));
            demo::run(&settings, &out, resume)
        }
        Command::Invert {
            config,
            out,
            resume,
        } => invert_config::run(&config, out.as_deref(), resume),
        Command::Study { study, out } => study::run(study, &out),
    }
}
