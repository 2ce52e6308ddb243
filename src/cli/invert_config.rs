//! `backsolve invert CONFIG.toml`: reconstruct a landscape from a user's measured map.
//!
//! ```toml
//! [lattice]
//! lx = 10
//! ly = 10
//!
//! [leads]                  # as for `simulate`
//! kind = "wires"
//! k = 1.5707963267948966
//!
//! [grid]                   # the points the map was measured on
//! phi = [0.0, 0.1, 31]
//! energy = [-3.0, 3.0, 21]
//!
//! [target]
//! file = "G.npy"           # float64, shape (phi points, energy points)
//! # sigma = "sigma.npy"    # optional uncertainties, same shape: weights 1/sigma^2
//!
//! [unknown]
//! kind = "potential"       # or "magnetization" (needs [magnetization])
//! fixed = [[0, 0]]         # sites (x, y) held at their starting values (the notch)
//! # components = "z"       # magnetization: the free components, any of x, y, z
//!
//! [potential]              # optional: the starting potential (the unknown), or the known one
//! file = "v0.npy"
//!
//! # [magnetization]        # starting (or known) magnetization and exchange J
//! # file = "m0.npy"
//! # exchange = 0.25
//!
//! [initial]                # optional: random starts instead of (after) the file's values
//! random = [-0.25, 0.25]
//! seed = 1
//!
//! [optimizer]              # all optional
//! method = "lbfgs"         # "lbfgs", "adam", "halving", "newton-cg" or "newton-tr"
//! max_epochs = 600
//! starts = 4               # random starts at most
//! accept_cost = 1e-10      # a start ending below this ends the search
//! cost_tol = 1e-16
//!
//! [regularization]         # optional
//! kind = "smoothness"      # or "tv"
//! strength = 1e-4
//!
//! [output]
//! dir = "out"
//! ```

use super::config::{FileCfg, GridCfg, LatticeCfg, LeadsCfg, OutputCfg, SolverCfg};
use super::demo::MethodName;
use super::invert::{self, Job};
use super::simulate::{checked_lattice, finite, grid_of, landscapes, lead_model, load_array};
use backsolve::inverse::{Options, Regularizer};
use backsolve::models::transport::{Lattice, Reconstruction, Unknown};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// `[model]`: which simulator the data belong to.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub(super) struct ModelCfg {
    // Read through `model_kind` before the typed parse; here so the table is accepted.
    #[allow(dead_code)]
    pub(super) kind: String,
}

/// The folder a config's relative paths start from.
pub(super) fn config_folder(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new("."))
}

/// The output folder: `--out` if given, else the config's `[output] dir` beside it.
pub(super) fn output_folder(out: Option<&Path>, base: &Path, dir: &Path) -> PathBuf {
    out.map(Path::to_path_buf).unwrap_or_else(|| base.join(dir))
}

/// The model kinds `invert` knows.
const KINDS: &str = "\"transport\", \"qtbm\", \"spectral\" or \"lattice\"";

/// `[model] kind` of a config (`"transport"` when the table is absent, as before it existed).
fn model_kind(text: &str, name: &str) -> Result<String, String> {
    let value: toml::Value = super::config::parse(text, name)?;
    match value.get("model").map(|m| m.get("kind")) {
        None => Ok("transport".into()),
        Some(Some(toml::Value::String(k))) => Ok(k.clone()),
        Some(_) => Err(format!("{name}: model.kind: expected {KINDS}")),
    }
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct InvertConfig {
    #[allow(dead_code)]
    model: Option<ModelCfg>,
    lattice: LatticeCfg,
    leads: LeadsCfg,
    grid: GridCfg,
    #[serde(default)]
    solver: SolverCfg,
    target: TargetCfg,
    unknown: UnknownCfg,
    potential: Option<FileCfg>,
    magnetization: Option<super::config::MagnetizationCfg>,
    initial: Option<InitialCfg>,
    #[serde(default)]
    optimizer: OptimizerCfg,
    regularization: Option<RegularizationCfg>,
    #[serde(default)]
    output: OutputCfg,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct TargetCfg {
    file: PathBuf,
    sigma: Option<PathBuf>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct UnknownCfg {
    kind: String,
    #[serde(default)]
    fixed: Vec<(usize, usize)>,
    components: Option<String>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct InitialCfg {
    random: (f64, f64),
    #[serde(default = "default_seed")]
    seed: u64,
}

fn default_seed() -> u64 {
    1
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, default)]
pub(super) struct OptimizerCfg {
    pub(super) method: MethodName,
    pub(super) max_epochs: usize,
    pub(super) starts: usize,
    pub(super) accept_cost: f64,
    pub(super) cost_tol: f64,
}

impl Default for OptimizerCfg {
    fn default() -> Self {
        OptimizerCfg {
            method: MethodName::Lbfgs,
            max_epochs: 600,
            starts: 4,
            accept_cost: 1e-10,
            cost_tol: 1e-16,
        }
    }
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct RegularizationCfg {
    kind: String,
    strength: f64,
    #[serde(default = "default_tv_eps")]
    eps: f64,
}

fn default_tv_eps() -> f64 {
    1e-3
}

fn regularizer(cfg: &Option<RegularizationCfg>) -> Result<Option<Regularizer>, String> {
    let Some(r) = cfg else { return Ok(None) };
    let strength = finite("regularization.strength", r.strength)?;
    if strength < 0.0 {
        return Err(format!(
            "regularization.strength must be non-negative, got {strength}"
        ));
    }
    match r.kind.as_str() {
        "smoothness" => Ok(Some(Regularizer::Smoothness { strength })),
        "tv" => Ok(Some(Regularizer::TotalVariation {
            strength,
            eps: finite("regularization.eps", r.eps)?,
        })),
        other => Err(format!(
            "regularization.kind: expected \"smoothness\" or \"tv\", got \"{other}\""
        )),
    }
}

/// Flat indices of the fixed values: every component of each fixed site, and for the
/// magnetization the components not listed as free.
fn fixed_indices(u: &UnknownCfg, lattice: Lattice, unknown: Unknown) -> Result<Vec<usize>, String> {
    let Lattice { lx, ly } = lattice;
    let per_site = if unknown == Unknown::Magnetization {
        3
    } else {
        1
    };
    let mut fixed = vec![];
    for &(x, y) in &u.fixed {
        if x >= lx || y >= ly {
            return Err(format!(
                "unknown.fixed: site ({x}, {y}) is outside the {lx} x {ly} lattice"
            ));
        }
        fixed.extend((0..per_site).map(|c| (x * ly + y) * per_site + c));
    }
    if unknown == Unknown::Magnetization {
        let comps = u.components.as_deref().unwrap_or("xyz");
        if comps.is_empty() || !comps.chars().all(|c| "xyz".contains(c)) {
            return Err(format!(
                "unknown.components: expected letters from \"xyz\", got \"{comps}\""
            ));
        }
        for (c, name) in ['x', 'y', 'z'].into_iter().enumerate() {
            if !comps.contains(name) {
                fixed.extend((0..lx * ly).map(|site| 3 * site + c));
            }
        }
    } else if u.components.is_some() {
        return Err("unknown.components applies to the magnetization only".into());
    }
    fixed.sort_unstable();
    fixed.dedup();
    Ok(fixed)
}

fn target_and_weights(
    cfg: &InvertConfig,
    base: &Path,
    shape: &[u64],
) -> Result<(Vec<f64>, Option<Vec<f64>>), String> {
    let target = load_array(base, &cfg.target.file, "target.file", shape)?;
    let weights = match &cfg.target.sigma {
        None => None,
        Some(f) => {
            let sigma = load_array(base, f, "target.sigma", shape)?;
            if let Some(i) = sigma.iter().position(|s| *s <= 0.0) {
                return Err(format!(
                    "target.sigma: uncertainty {i} is {}, uncertainties must be positive",
                    sigma[i]
                ));
            }
            Some(sigma.iter().map(|s| 1.0 / (s * s)).collect())
        }
    };
    Ok((target, weights))
}

fn job(text: &str, path: &Path, out_override: Option<&Path>) -> Result<(Job, PathBuf), String> {
    let name = path.display().to_string();
    let cfg: InvertConfig = super::config::parse(text, &name)?;
    let base = config_folder(path);
    let lattice = checked_lattice(&cfg.lattice, &cfg.solver)?;
    let unknown = match cfg.unknown.kind.as_str() {
        "potential" => Unknown::Potential,
        "magnetization" => Unknown::Magnetization,
        other => {
            return Err(format!(
                "unknown.kind: expected \"potential\" or \"magnetization\", got \"{other}\""
            ))
        }
    };
    if unknown == Unknown::Magnetization && cfg.magnetization.is_none() {
        return Err("unknown.kind = \"magnetization\" needs a [magnetization] table".into());
    }
    let model = lead_model(&cfg.leads, cfg.magnetization.as_ref().map(|m| m.exchange))?;
    let grid = grid_of(&cfg.grid)?;
    // One epoch is a value and gradient of the map, about four forward maps.
    super::simulate::check_work(lattice, grid.len().saturating_mul(4))?;
    let map_shape = [grid.phis.len() as u64, grid.energies.len() as u64];
    let (target, weights) = target_and_weights(&cfg, base, &map_shape)?;
    let (v, m) = landscapes(base, &cfg.potential, &cfg.magnetization, lattice)?;
    let fixed = fixed_indices(&cfg.unknown, lattice, unknown)?;
    let problem = Reconstruction {
        model,
        lattice,
        q: cfg.solver.q,
        grid,
        target,
        weights,
        v,
        m,
        unknown,
        fixed,
        regularizer: regularizer(&cfg.regularization)?,
    };
    problem.validate().map_err(|e| e.to_string())?;
    let o = &cfg.optimizer;
    if o.max_epochs == 0 || o.starts == 0 {
        return Err("optimizer: max_epochs and starts must be at least 1".into());
    }
    let (first, init_range, seed) = match &cfg.initial {
        Some(init) => {
            let (lo, hi) = (
                finite("initial.random", init.random.0)?,
                finite("initial.random", init.random.1)?,
            );
            if lo > hi {
                return Err(format!("initial.random: [{lo}, {hi}] is empty"));
            }
            super::simulate::within_landscape_range("initial.random", &[lo, hi])?;
            (None, (lo, hi), init.seed)
        }
        None => (Some(problem.params_of(problem.landscape())), (0.0, 0.0), 1),
    };
    let starts = if cfg.initial.is_some() { o.starts } else { 1 };
    let out = output_folder(out_override, base, &cfg.output.dir);
    let job = Job {
        name: format!("invert {}", path.display()),
        problem,
        truth: None,
        scale: 1.0,
        first,
        init_range,
        method: o.method.method(),
        opts: Options {
            cost_tol: finite("optimizer.cost_tol", o.cost_tol)?,
            stagnation_window: 40,
            stagnation_rel: 1e-2,
            max_epochs: o.max_epochs,
            bounds: None,
        },
        starts,
        accept_cost: finite("optimizer.accept_cost", o.accept_cost)?,
        seed,
    };
    Ok((job, out))
}

/// Run `invert`.
pub fn run(config: &Path, out: Option<&Path>, resume: bool) -> Result<(), String> {
    let text = std::fs::read_to_string(config).map_err(|e| format!("{}: {e}", config.display()))?;
    let name = config.display().to_string();
    match model_kind(&text, &name)?.as_str() {
        "transport" => {
            let (job, out) = job(&text, config, out)?;
            finish(job, &out, resume)
        }
        "qtbm" => {
            let (job, out) = super::invert_qtbm::job(&text, config, out)?;
            finish(job, &out, resume)
        }
        "spectral" => match super::invert_spectral::job(&text, config, out)? {
            (super::invert_spectral::Run::Engine(job), out) => finish(job, &out, resume),
            (super::invert_spectral::Run::Direct(_), _) if resume => Err(format!(
                "{name}: --resume: only backsolution runs in epochs; a direct solver runs again from the start"
            )),
            (super::invert_spectral::Run::Direct(direct), out) => direct.run(&out),
        },
        "lattice" => {
            let (job, out) = super::invert_lattice::job(&text, config, out)?;
            finish(job, &out, resume)
        }
        other => Err(format!(
            "{name}: model.kind: expected {KINDS}, got \"{other}\""
        )),
    }
}

/// Run a job of any kind and report its result.
fn finish<P: invert::Problem>(job: Job<P>, out: &Path, resume: bool) -> Result<(), String> {
    let name = job.name.clone();
    let outcome = invert::run(job, out, resume)?;
    println!("{name}: final cost {:.3e} ({})", outcome.cost, outcome.stop);
    println!("wrote {}", out.display());
    if outcome.interrupted {
        return Err(format!(
            "interrupted: the best parameters so far are in {}; continue with --resume",
            out.display()
        ));
    }
    Ok(())
}
