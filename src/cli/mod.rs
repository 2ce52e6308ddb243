//! Subcommands of the `backsolve` binary.

mod config;
mod demo;
mod demo_lattice;
mod demo_rrim;
mod demo_rtd;
mod demo_spectral;
mod invert;
mod invert_config;
mod invert_lattice;
mod invert_qtbm;
mod invert_spectral;
mod learned;
mod output;
mod plot;
mod progress;
mod simulate;
mod spectral_tools;
mod study;
mod study_rrim;
mod table;
mod text;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Physics inverse problems solved through compile-time derivatives of their simulators:
/// magnetoconductance maps of 2D conductors, resonant-tunnelling diodes, optical spectra and
/// disordered lattices.
#[derive(Parser, Debug)]
#[command(name = "backsolve", version, arg_required_else_help = true)]
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
    /// Built-in synthetic cases, no files needed; each writes PNGs, the .npy arrays behind
    /// them and summary.json.
    #[command(arg_required_else_help = true)]
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
    /// Train a learned spectral solver (rRIM, FCN or CNN) on a seeded Gaussian-mixture
    /// dataset on the standard operator; writes the model file (JSON) that `spectral infer`
    /// runs. A checkpoint beside it after every epoch; Ctrl-C and `--resume` continue.
    Train(TrainArgs),
    /// Optical spectra: the operator's grids and matrix, and inference of glue functions from
    /// measured scattering rates.
    #[command(arg_required_else_help = true)]
    Spectral {
        #[command(subcommand)]
        action: SpectralAction,
    },
    /// Studies of the potential reconstruction: cost landscapes on 2D slices, error against
    /// noise, optimizer comparison; writes a Markdown table and PNGs.
    Study {
        /// Which study.
        #[arg(value_enum)]
        study: study::Study,
        /// Output folder.
        #[arg(long, default_value = "study")]
        out: PathBuf,
        /// The learned-solver study's settings (study rrim only).
        #[command(flatten)]
        rrim: RrimStudyArgs,
    },
}

/// Options of `study rrim`.
#[derive(clap::Args, Debug)]
struct RrimStudyArgs {
    /// Training runs per cell (different initializations and batch orders).
    #[arg(long)]
    runs: Option<usize>,
    /// Dataset sizes of the noise-free sweep, comma-separated.
    #[arg(long, value_delimiter = ',')]
    sizes: Option<Vec<usize>>,
    /// Noise levels of the noise sweep, comma-separated.
    #[arg(long, value_delimiter = ',')]
    noise_levels: Option<Vec<f64>>,
    /// Dataset size of the noise sweep.
    #[arg(long)]
    noise_size: Option<usize>,
    /// Epoch limit at up to 1000 samples (fewer above, for about as many Adam steps).
    #[arg(long)]
    epochs: Option<usize>,
    /// Seed of the datasets; run r trains with seed + r.
    #[arg(long)]
    seed: Option<u64>,
}

impl RrimStudyArgs {
    fn any(&self) -> bool {
        self.runs.is_some()
            || self.sizes.is_some()
            || self.noise_levels.is_some()
            || self.noise_size.is_some()
            || self.epochs.is_some()
            || self.seed.is_some()
    }

    /// The study's settings: by default 2 runs per cell, N = 100, 1000, 10000 and the five
    /// noise levels at N = 1000, at most 40 epochs (an hour on 2 cores).
    fn settings(self) -> study_rrim::Settings {
        use backsolve::models::spectral::data::NOISE_LEVELS;
        study_rrim::Settings {
            runs: self.runs.unwrap_or(2),
            sizes: self.sizes.unwrap_or(vec![100, 1000, 10_000]),
            noise_levels: self.noise_levels.unwrap_or(NOISE_LEVELS.to_vec()),
            noise_size: self.noise_size.unwrap_or(1000),
            epochs: self.epochs.unwrap_or(40),
            seed: self.seed.unwrap_or(1),
        }
    }
}

/// Options of `train`.
#[derive(clap::Args, Debug)]
struct TrainArgs {
    /// Which model.
    #[arg(value_enum)]
    model: learned::Kind,
    /// Dataset size (split 0.8 / 0.1 / 0.1 into training, validation and test).
    #[arg(long, default_value_t = 1000)]
    n: usize,
    /// Noise level: the noise's standard deviation is this times each sample's maximum.
    #[arg(long, default_value_t = 0.0)]
    noise: f64,
    /// Seed of the dataset, the initialization and the shuffles.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The model file to write (JSON).
    #[arg(long)]
    out: PathBuf,
    /// Most epochs.
    #[arg(long, default_value_t = 60)]
    epochs: usize,
    /// Samples per Adam step.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Adam's step size in the first epoch.
    #[arg(long, default_value_t = 3e-3)]
    learning_rate: f64,
    /// Step-size factor per epoch.
    #[arg(long, default_value_t = 0.97)]
    decay: f64,
    /// Epochs without a lower validation loss before stopping.
    #[arg(long, default_value_t = 8)]
    patience: usize,
    /// Continue an interrupted run from the checkpoint beside --out.
    #[arg(long)]
    resume: bool,
}

/// The `spectral` tools.
#[derive(Subcommand, Debug)]
enum SpectralAction {
    /// Write omega.npy, big_omega.npy (meV) and A.npy (1/tau = A @ glue) of the standard
    /// operator, so data can be made on the grid the models are trained on.
    Operator {
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        /// Temperature (K).
        #[arg(long, default_value_t = 100.0)]
        kelvin: f64,
    },
    /// The glue function of every spectrum (row) of a .npy of scattering rates 1/tau(omega)
    /// in meV, unscaled, on the operator's omega grid, by a trained model or a classical
    /// solver; writes one row per spectrum.
    Infer {
        /// A model file written by `backsolve train`.
        #[arg(long, required_unless_present = "solver", conflicts_with = "solver")]
        model: Option<PathBuf>,
        /// A classical solver instead of a model.
        #[arg(long, value_enum)]
        solver: Option<spectral_tools::SolverName>,
        /// Noise level relative to each spectrum's maximum (the solvers with a discrepancy
        /// rule or MaxEnt need it).
        #[arg(long)]
        sigma: Option<f64>,
        /// The spectra: a 1-D array (one) or 2-D (one per row), float64.
        #[arg(long)]
        input: PathBuf,
        /// The glue functions (.npy), same number of rows.
        #[arg(long)]
        out: PathBuf,
    },
}

/// The demos.
#[derive(Subcommand, Debug)]
enum DemoCase {
    /// Reconstruct a hidden on-site potential landscape from its magnetoconductance map
    /// G(phi, E), computed by the transfer-matrix method.
    Potential(TransportDemo),
    /// Reconstruct an out-of-plane magnetization texture from the spin-resolved
    /// magnetoconductance map it produces.
    Magnetization(TransportDemo),
    /// Fit the barriers of a double-barrier resonant-tunnelling diode to its I-V curve, and
    /// design a superlattice whose transmission T(E) is a band-pass filter.
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
        /// Continue an interrupted run from the checkpoints in the output folder.
        #[arg(long)]
        resume: bool,
    },
    /// Invert optical scattering rates 1/tau(omega) for the electron-boson glue function with
    /// every classical solver, on a seeded test set per noise level and on
    /// out-of-distribution shapes.
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
    /// Train the rRIM, the FCN and the CNN on one seeded Gaussian-mixture dataset of optical
    /// spectra, compare their test MSE with the classical solvers' on the same samples and
    /// on out-of-distribution shapes, and picture the rRIM's inference steps.
    Rrim {
        /// Seed of the dataset, the initializations and the shuffles.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Dataset size (split 0.8 / 0.1 / 0.1).
        #[arg(long, default_value_t = 1000)]
        n: usize,
        /// Noise level of the data (times each sample's maximum) and of the OOD samples.
        #[arg(long, default_value_t = 1e-2)]
        noise: f64,
        /// Epoch limit of each training.
        #[arg(long, default_value_t = 60)]
        epochs: usize,
        /// Output folder.
        #[arg(long, default_value = "demo-rrim")]
        out: PathBuf,
    },
    /// Generate atomic configurations whose momentum-space image matches a hidden displaced
    /// triangular lattice's, compare their pair distribution g(r) with the truth's, and race
    /// reverse Monte Carlo.
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

/// The largest transport demo lattice, in sites: 40 x 40 takes minutes per epoch.
const MAX_DEMO_SITES: usize = 1_600;

/// `LXxLY`, e.g. `12x8`.
fn parse_size(s: &str) -> Result<backsolve::models::transport::Lattice, String> {
    let bad = || format!("expected LXxLY such as 12x8, got \"{s}\"");
    let (a, b) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    let lx = a.trim().parse().map_err(|_| bad())?;
    let ly = b.trim().parse().map_err(|_| bad())?;
    Ok(backsolve::models::transport::Lattice { lx, ly })
}

/// `FLAG must be at least MIN, got VALUE` unless `value >= min`.
pub fn at_least(flag: &str, value: usize, min: usize) -> Result<(), String> {
    if value < min {
        return Err(format!("{flag} must be at least {min}, got {value}"));
    }
    Ok(())
}

/// `FLAG is VALUE; the limit is MAX (WHY)` when `value > max`: sizes whose memory or time would
/// not fit the machine are refused before any work starts.
pub fn at_most(flag: &str, value: usize, max: usize, why: &str) -> Result<(), String> {
    if value > max {
        return Err(format!("{flag} is {value}; the limit is {max} ({why})"));
    }
    Ok(())
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
        Command::Study { study, out, rrim } => match study {
            study::Study::Rrim => study_rrim::run(&rrim.settings(), &out),
            _ if rrim.any() => Err(format!(
                "--runs, --sizes, --noise-levels, --noise-size, --epochs and --seed apply to study rrim only, not study {}",
                format!("{study:?}").to_lowercase()
            )),
            _ => study::run(study, &out),
        },
        Command::Train(a) => learned::run_train(&learned::TrainCommand {
            spec: learned::Spec {
                kind: a.model,
                size: a.n,
                noise: a.noise,
                data_seed: a.seed,
                run_seed: a.seed,
                options: backsolve::inverse::TrainOptions {
                    epochs: a.epochs,
                    batch_size: a.batch_size,
                    learning_rate: a.learning_rate,
                    decay: a.decay,
                    patience: a.patience,
                    seed: a.seed,
                },
            },
            out: a.out,
            resume: a.resume,
        }),
        Command::Spectral { action } => match action {
            SpectralAction::Operator { out, kelvin } => spectral_tools::run_operator(&out, kelvin),
            SpectralAction::Infer {
                model,
                solver,
                sigma,
                input,
                out,
            } => {
                let method = match (&model, solver) {
                    (Some(path), _) => spectral_tools::Method::Model(path),
                    (None, Some(name)) => spectral_tools::Method::Solver(name, sigma),
                    (None, None) => unreachable!("clap requires --model or --solver"),
                };
                spectral_tools::run_infer(method, &input, &out)
            }
        },
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
            resume,
        } => {
            let settings = demo_rtd::Settings {
                seed,
                biases,
                energies,
                max_epochs,
            };
            return demo_rtd::run(&settings, &out, resume);
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
        DemoCase::Rrim {
            seed,
            n,
            noise,
            epochs,
            out,
        } => {
            let settings = demo_rrim::Settings {
                seed,
                size: n,
                noise,
                epochs,
            };
            return demo_rrim::run(&settings, &out);
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
    at_least("--max-epochs", args.max_epochs, 1)?;
    at_least("--starts", args.starts, 1)?;
    at_most(
        "--max-epochs",
        args.max_epochs,
        1_000_000,
        "an epoch costs a whole map",
    )?;
    at_most("--starts", args.starts, 1_000, "each start is a whole fit")?;
    if let Some(l) = args.size {
        at_most(
            "--size LX x LY (sites)",
            l.lx * l.ly,
            MAX_DEMO_SITES,
            "each epoch evaluates the map and its gradient at 651 points",
        )?;
    }
    let settings = demo::Settings {
        case,
        lattice: args.size.unwrap_or(case.default_size()),
        seed: args.seed,
        noise: args.noise,
        method: args.method,
        max_epochs: args.max_epochs,
        starts: args.starts,
    };
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from(format!("demo-{case:?}").to_lowercase()));
    demo::run(&settings, &out, args.resume)
}
