//! Built-in synthetic cases (seed 000, Figs. 2 and 3): a hidden landscape, its conductance map
//! as the target, a random initial guess, and the reconstruction.
//!
//! Potential (Fig. 2): `V[x, y]` uniform in `[-W/2, W/2]` with `W = 0.5 t`, a fixed notch
//! `V[0, 0] = 3 t`, the paper's wire leads with `k = pi/2`, the map on 31 flux x 21 energy
//! points (`phi` in `[0, 0.1]`, `E` in `[-3, 3]`), QR every 4 slices.
//!
//! Magnetization (Fig. 3): the spinful model with exchange `J = 0.25 t` to an out-of-plane
//! texture `m_z[x, y]` uniform in `[-1, 1]`, spin-dependent lead wavenumbers `k_up = 1`,
//! `k_down = 2`, the same notch in the (known) potential. The in-plane components are held at
//! zero: they enter `G` only through spin flips between leads of different `k`, at second
//! order, and a full three-component reconstruction stalls in local minima here (see the
//! README).

use super::invert::{self, Job};
use backsolve::inverse::{Method, Options};
use backsolve::models::transport::{
    simulate_map, Grid, Lattice, Model, Reconstruction, Unknown, WireLead,
};
use backsolve::SplitMix64;
use std::path::Path;

/// The notch: a large fixed potential at site (0, 0) breaking the mirror symmetries.
const NOTCH: f64 = 3.0;
/// Disorder strength of the hidden potential.
pub const W: f64 = 0.5;
/// Mixed into the seed for the initial guesses.
const INIT_STREAM: u64 = 0xD1B5_4A32_D192_ED03;
/// Exchange coupling of the magnetization case.
const EXCHANGE: f64 = 0.25;

/// Which built-in case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Case {
    /// Reconstruct a potential landscape (Fig. 2).
    Potential,
    /// Reconstruct an out-of-plane magnetization texture (Fig. 3).
    Magnetization,
}

impl Case {
    /// The lattice of the case unless `--size` says otherwise (both run in well under a minute
    /// on two cores).
    pub fn default_size(self) -> Lattice {
        match self {
            Case::Potential => Lattice { lx: 10, ly: 10 },
            Case::Magnetization => Lattice { lx: 8, ly: 6 },
        }
    }
}

/// The optimizer, as named on the command line and in configs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MethodName {
    /// L-BFGS with a weak-Wolfe line search.
    Lbfgs,
    /// Adam.
    Adam,
    /// The paper's rule: accept a gradient step if the cost drops, otherwise halve the rate.
    Halving,
    /// Truncated Newton: conjugate gradients on Hessian-vector products (central differences
    /// of two gradients for the transport maps), then a line search.
    #[value(name = "newton-cg")]
    #[serde(rename = "newton-cg")]
    NewtonCg,
    /// Newton-CG in a trust region (Steihaug): follows negative curvature to the region's edge.
    #[value(name = "newton-tr")]
    #[serde(rename = "newton-tr")]
    NewtonTrust,
}

impl MethodName {
    /// The method with this project's default settings for transport maps.
    pub fn method(self) -> Method {
        match self {
            MethodName::Lbfgs => Method::Lbfgs { memory: 20 },
            MethodName::Adam => Method::adam(0.01),
            MethodName::Halving => Method::Halving { lr: 1.0, grow: 1.5 },
            MethodName::NewtonCg => Method::NewtonCg { max_cg: 20 },
            MethodName::NewtonTrust => Method::NewtonTrust { max_cg: 20 },
        }
    }
}

/// Settings of a demo run.
pub struct Settings {
    /// The case.
    pub case: Case,
    /// Lattice size.
    pub lattice: Lattice,
    /// Seed of the hidden landscape, the noise and the initial guesses.
    pub seed: u64,
    /// Relative Gaussian noise on the target (standard deviation over the map's RMS value).
    pub noise: f64,
    /// Optimizer.
    pub method: MethodName,
    /// Epoch limit per start.
    pub max_epochs: usize,
    /// Random starts at most.
    pub starts: usize,
}

/// The paper's map: 31 flux x 21 energy points.
pub fn default_grid() -> Grid {
    Grid::linspace((0.0, 0.1, 31), (-3.0, 3.0, 21))
}

/// The hidden landscape and the fixed entries of a case.
fn hidden(case: Case, lattice: Lattice, rng: &mut SplitMix64) -> (Vec<f64>, Vec<usize>) {
    let sites = lattice.lx * lattice.ly;
    match case {
        Case::Potential => {
            let mut v: Vec<f64> = (0..sites).map(|_| rng.range(-W / 2.0, W / 2.0)).collect();
            v[0] = NOTCH;
            (v, vec![0])
        }
        Case::Magnetization => {
            let mut m = vec![0.0; 3 * sites];
            for site in 1..sites {
                m[3 * site + 2] = rng.range(-1.0, 1.0);
            }
            // In-plane components everywhere and the notch site's moment are known.
            let fixed = (0..3 * sites).filter(|i| i % 3 != 2 || *i < 3).collect();
            (m, fixed)
        }
    }
}

/// Gaussian noise of relative size `noise` (of the map's RMS value) added to `map`.
pub fn add_noise(map: &mut [f64], noise: f64, rng: &mut SplitMix64) {
    if noise == 0.0 {
        return;
    }
    let rms = (map.iter().map(|g| g * g).sum::<f64>() / map.len().max(1) as f64).sqrt();
    for g in map.iter_mut() {
        *g += noise * rms * rng.normal();
    }
}

/// The job of a demo: truth, target, and the optimizer settings.
pub fn job(s: &Settings) -> Result<Job, String> {
    let Lattice { lx, ly } = s.lattice;
    if lx < 2 || ly < 1 {
        return Err(format!(
            "--size: the lattice needs at least 2 x 1 sites, got {lx} x {ly}"
        ));
    }
    if !(s.noise.is_finite() && s.noise >= 0.0) {
        return Err(format!(
            "--noise must be a non-negative number, got {}",
            s.noise
        ));
    }
    let mut rng = SplitMix64(s.seed);
    let (truth, fixed) = hidden(s.case, s.lattice, &mut rng);
    let grid = default_grid();
    let (model, unknown, v, m) = match s.case {
        Case::Potential => (
            Model::Wires(WireLead::Wavenumber(std::f64::consts::FRAC_PI_2)),
            Unknown::Potential,
            truth.clone(),
            None,
        ),
        Case::Magnetization => {
            let mut v = vec![0.0; lx * ly];
            v[0] = NOTCH;
            let model = Model::Spinful {
                j: EXCHANGE,
                k_up: 1.0,
                k_down: 2.0,
            };
            (model, Unknown::Magnetization, v, Some(truth.clone()))
        }
    };
    let mut target = simulate_map(&model, s.lattice, 4, &v, m.as_deref(), &grid, &|| ())
        .map_err(|e| e.to_string())?;
    add_noise(&mut target, s.noise, &mut rng);
    let problem = Reconstruction {
        model,
        lattice: s.lattice,
        q: 4,
        grid,
        target,
        weights: None,
        v,
        m,
        unknown,
        fixed,
        regularizer: None,
    };
    let (scale, init_range) = match s.case {
        Case::Potential => (W, (-W / 2.0, W / 2.0)),
        Case::Magnetization => (1.0, (-1.0, 1.0)),
    };
    // A noisy map cannot be fitted below its noise variance; a start ending within a factor of
    // two of it (relative to the map's mean square) is a success.
    let mean_square =
        problem.target.iter().map(|g| g * g).sum::<f64>() / problem.target.len().max(1) as f64;
    let noise_floor = s.noise * s.noise * mean_square;
    // The method as the command line spells it (`newton-tr`, not the variant's name).
    let method = clap::ValueEnum::to_possible_value(&s.method)
        .map_or_else(|| format!("{:?}", s.method), |v| v.get_name().to_string());
    Ok(Job {
        name: format!(
            "demo {} {lx}x{ly} seed {} noise {} method {method}",
            format!("{:?}", s.case).to_lowercase(),
            s.seed,
            s.noise
        ),
        problem,
        truth: Some(truth),
        scale,
        first: None,
        init_range,
        method: s.method.method(),
        opts: Options {
            cost_tol: 1e-16 + noise_floor * 1e-3,
            stagnation_window: 40,
            stagnation_rel: 1e-2,
            max_epochs: s.max_epochs,
            bounds: None,
        },
        starts: s.starts,
        accept_cost: 1e-10 + 2.0 * noise_floor,
        // A stream of its own: the initial guesses must not repeat the hidden landscape's.
        seed: s.seed ^ INIT_STREAM,
    })
}

/// Run a demo into `out` and print what it found.
pub fn run(s: &Settings, out: &Path, resume: bool) -> Result<(), String> {
    let job = job(s)?;
    let scale = job.scale;
    let name = job.name.clone();
    let outcome = invert::run(job, out, resume)?;
    let rms = outcome.rms.unwrap_or(f64::NAN);
    println!(
        "{name}: cost {:.3e}, RMS error {:.3e} = {:.3e} x {} ({})",
        outcome.cost,
        rms,
        rms / scale,
        match s.case {
            Case::Potential => "W",
            Case::Magnetization => "|m|max",
        },
        outcome.stop
    );
    println!("wrote {}", out.display());
    if outcome.interrupted {
        return Err(format!(
            "interrupted: the best parameters so far are in {}; continue with --resume",
            out.display()
        ));
    }
    Ok(())
}
