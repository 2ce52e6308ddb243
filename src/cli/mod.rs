//! Subcommands of the `backsolve` binary.

mod config;
mod demo;
mod demo_lattice;
mod demo_rtd;
mod demo_spectral;
mod invert;
mod invert_config;
mod output;
mod plot;
mod progress;
mod simulate;
mod study;
mod text;

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
    /// Built-in synthetic cases of the seed papers, no files needed; each writes PNGs, .npy
    /// arrays and summary.json.
    Demo {
        #[command(subcommand)]
        case: DemoCase,
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

/// The demos.
#[derive(Subcommand, Debug)]
enum DemoCase {
    /// Reconstruct a hidden potential landscape from its conductance map (seed 000, Fig. 2).
    Potential(TransportDemo),
    /// Reconstruct an out-of-plane magnetization texture from its map (seed 000, Fig. 3).
    Magnetization(TransportDemo),
    /// Fit a double-barrier resonant-tunnelling diode to a target I-V curve and design a
    /// band-pass T(E) (seed 001).
    Rtd {
        /// Seed of the perturbed start.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Bias points in [0, 0.5] V.
        #[arg(long, default_value_t = 26)]
        biases: usize,
        /// Energies of the current's quadrature.
        #[arg(long, default_value_t = 1000)]
        energies: usize,
        /// Epoch limit of the fit and of the design.
        #[arg(long, default_value_t = 200)]
        max_epochs: usize,
        /// Output folder.
        #[arg(long, default_value = "demo-rtd")]
        out: PathBuf,
    },
    /// Invert optical scattering rates for the glue function with every classical solver, on a
    /// seeded test set per noise level and on out-of-distribution shapes (seed 003, Fig. 2b).
    Spectral {
        /// Seed of the datasets and of the noise.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Dataset size per noise level; the test set is its last 10 %.
        #[arg(long, default_value_t = 200)]
        size: usize,
        /// Noise level of the out-of-distribution samples and of the pictured test sample.
        #[arg(long, default_value_t = 1e-2)]
        sigma: f64,
        /// Output folder.
        #[arg(long, default_value = "demo-spectral")]
        out: PathBuf,
    },
    /// Generate atomic configurations whose momentum-space image matches a hidden displaced
    /// triangular lattice's, compare their g(r) with the truth's, and race reverse Monte Carlo
    /// (seed 000, Fig. 5).
    Lattice(LatticeDemo),
}

/// Options of `demo lattice`.
#[derive(clap::Args, Debug)]
struct LatticeDemo {
    /// Seed of the hidden lattice; candidate c starts from seed + 1 + c.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Lattice columns.
    #[arg(long, default_value_t = 10)]
    columns: usize,
    /// Lattice rows (even: alternate rows are shifted).
    #[arg(long, default_value_t = 12)]
    rows: usize,
    /// Standard deviation of the hidden lattice's displacements (box side 10).
    #[arg(long, default_value_t = 0.12)]
    disorder: f64,
    /// Standard deviation of the starting lattices' displacements.
    #[arg(long, default_value_t = 0.03)]
    start_disorder: f64,
    /// Candidates (starts) to fit.
    #[arg(long, default_value_t = 3)]
    candidates: usize,
    /// Image pixels per side.
    #[arg(long, default_value_t = 64)]
    pixels: usize,
    /// Gaussian blur width of each atom.
    #[arg(long, default_value_t = 0.25)]
    sigma: f64,
    /// Weight of the radially averaged structure-factor term.
    #[arg(long, default_value_t = 0.0)]
    structure_factor: f64,
    /// Excluded radius (with --excluded-weight).
    #[arg(long, default_value_t = 0.0)]
    excluded_radius: f64,
    /// Weight of the excluded-radius penalty.
    #[arg(long, default_value_t = 0.0)]
    excluded_weight: f64,
    /// Epoch limit per continuation stage.
    #[arg(long, default_value_t = 300)]
    max_epochs: usize,
    /// Fit the blur width too, starting from this value (the target is rendered with --sigma).
    #[arg(long, value_name = "START")]
    fit_sigma: Option<f64>,
    /// Fit the target directly, without the continuation through wider blurs.
    #[arg(long)]
    no_continuation: bool,
    /// Output folder.
    #[arg(long, default_value = "demo-lattice")]
    out: PathBuf,
}

/// Options of the transport reconstructions.
#[derive(clap::Args, Debug)]
struct TransportDemo {
    /// Lattice size, LXxLY (slices along transport x sites across); 10x10 for the
    /// potential, 8x6 for the magnetization unless given.
    #[arg(long, value_parser = parse_size)]
    size: Option<backsolve::models::transport::Lattice>,
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
}

/// `LXxLY`, e.g. `12x8`.
fn parse_size(s: &str) -> Result<backsolve::models::transport::Lattice, String> {
    let bad = || format!("expected LXxLY such as 12x8, got \"{s}\"");
    let (a, b) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    let lx = a.trim().parse().map_err(|_| bad())?;
    let ly = b.trim().parse().map_err(|_| bad())?;
    Ok(backsolve::models::transport::Lattice { lx, ly })
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Simulate { config, out } => simulate::run(&config, out.as_deref()),
        Command::Demo { case } => run_demo(case),
        Command::Invert {
            config,
            out,
            resume,
        } => invert_config::run(&config, out.as_deref(), resume),
        Command::Study { study, out } => study::run(study, &out),
    }
}

fn run_demo(case: DemoCase) -> Result<(), String> {
    let (case, args) = match case {
        DemoCase::Potential(args) => (demo::Case::Potential, args),
        DemoCase::Magnetization(args) => (demo::Case::Magnetization, args),
        DemoCase::Rtd {
            seed,
            biases,
            energies,
            max_epochs,
            out,
        } => {
            let settings = demo_rtd::Settings {
                seed,
                biases,
                energies,
                max_epochs,
            };
            return demo_rtd::run(&settings, &out);
        }
        DemoCase::Lattice(a) => {
            let settings = demo_lattice::Settings {
                seed: a.seed,
                columns: a.columns,
                rows: a.rows,
                disorder: a.disorder,
                start_disorder: a.start_disorder,
                candidates: a.candidates,
                geometry: backsolve::models::lattice::Geometry {
                    side: 10.0,
                    pixels: a.pixels,
                    sigma: a.sigma,
                    quantity: backsolve::models::lattice::Quantity::LogPower,
                },
                constraints: backsolve::models::lattice::fit::Constraints {
                    structure_factor: a.structure_factor,
                    excluded_weight: a.excluded_weight,
                    excluded_radius: a.excluded_radius,
                },
                sigma_start: a.fit_sigma,
                max_epochs: a.max_epochs,
                continuation: !a.no_continuation,
            };
            return demo_lattice::run(&settings, &a.out);
        }
        DemoCase::Spectral {
            seed,
            size,
            sigma,
            out,
        } => {
            let settings = demo_spectral::Settings { seed, size, sigma };
            return demo_spectral::run(&settings, &out);
        }
    };
    let settings = demo::Settings {
        case,
        lattice: args.size.unwrap_or(case.default_size()),
        seed: args.seed,
        noise: args.noise,
        method: args.method,
        max_epochs: args.max_epochs,
        starts: args.starts.max(1),
    };
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from(format!("demo-{case:?}").to_lowercase()));
    demo::run(&settings, &out, args.resume)
}
