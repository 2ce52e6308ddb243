//! `backsolve invert CONFIG.toml` with `[model] kind = "spectral"`: the electron-boson glue
//! function `I²χ(Ω)` from a measured optical scattering rate `1/τ(ω)` on the user's
//! frequencies, by a chosen solver. Backsolution runs on the run engine (checkpoints,
//! `--resume`, Ctrl-C); the direct solvers finish in one step and write the same files.
//!
//! ```toml
//! [model]
//! kind = "spectral"
//!
//! [data]
//! file = "rate.csv"        # columns: ω (meV), 1/τ (meV), optional σ (meV)
//! temperature = 100.0      # K
//! # noise = 0.3            # meV: the noise's standard deviation, if the file has no σ
//!
//! [glue]                   # the grid of the unknown: Ω_j = j spacing, j = 1..points
//! points = 100
//! spacing = 4.0            # meV
//!
//! [solver]
//! kind = "backsolution"    # or "least-squares", "tikhonov-lcurve", "tikhonov-gcv",
//!                          # "tikhonov-discrepancy", "landweber", "landweber-nonneg", "maxent"
//!
//! [optimizer]              # backsolution only
//! max_epochs = 5000
//!
//! [output]
//! dir = "out-spectral"
//! ```
//!
//! With a σ column the operator's rows and the data are divided by σ (weighted least squares
//! for every solver) and the noise is 1.

use super::config::OutputCfg;
use super::invert::{Job, Problem};
use super::output::{write_json, write_npy, Staging};
use super::plot::{write_curves, Axes, YAxis};
use super::table::{read_table, Layout, Table};
use backsolve::inverse::Options;
use backsolve::models::spectral::backsolution::GlueFit;
use backsolve::models::spectral::compare::{Solver, Solvers};
use backsolve::models::spectral::Operator;
use plotters::style::RGBColor;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct SpectralConfig {
    #[allow(dead_code)]
    model: super::invert_config::ModelCfg,
    data: DataCfg,
    glue: GlueCfg,
    solver: SolverCfg,
    #[serde(default)]
    optimizer: EpochsCfg,
    #[serde(default)]
    output: OutputCfg,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct DataCfg {
    file: PathBuf,
    temperature: f64,
    noise: Option<f64>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct GlueCfg {
    points: usize,
    spacing: f64,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct SolverCfg {
    kind: String,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, default)]
struct EpochsCfg {
    max_epochs: usize,
}

impl Default for EpochsCfg {
    fn default() -> Self {
        EpochsCfg { max_epochs: 5000 }
    }
}

/// The solvers by their config names.
const SOLVERS: [(&str, Solver); 8] = [
    ("least-squares", Solver::LeastSquares),
    ("tikhonov-lcurve", Solver::TikhonovLCurve),
    ("tikhonov-gcv", Solver::TikhonovGcv),
    ("tikhonov-discrepancy", Solver::TikhonovDiscrepancy),
    ("landweber", Solver::Landweber),
    ("landweber-nonneg", Solver::LandweberNonneg),
    ("maxent", Solver::MaxEnt),
    ("backsolution", Solver::Backsolution),
];

/// Most data frequencies and glue points: the direct solvers factor an SVD of their product.
const MAX_FREQUENCIES: usize = 10_000;
const MAX_GLUE_POINTS: usize = 2_000;

fn solver_named(name: &str) -> Result<Solver, String> {
    SOLVERS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, s)| *s)
        .ok_or_else(|| {
            let names: Vec<String> = SOLVERS.iter().map(|(n, _)| format!("\"{n}\"")).collect();
            format!(
                "solver.kind: expected one of {}, got \"{name}\"",
                names.join(", ")
            )
        })
}

/// Whether a solver stops or weighs by the noise level.
fn needs_noise(solver: Solver) -> bool {
    !matches!(
        solver,
        Solver::LeastSquares | Solver::TikhonovLCurve | Solver::TikhonovGcv
    )
}

/// A measured spectrum set up for its solver: the operator on the data's frequencies (as
/// measured and as the solvers see it) and the data the solvers see.
#[derive(Debug)]
struct Measured {
    /// The operator in the data's units.
    op: Operator,
    /// The operator the solvers use (rows divided by σ when given).
    solved_op: Operator,
    table_sigma: Option<Vec<f64>>,
    /// The measured rates.
    y: Vec<f64>,
    /// The rates the solvers fit (divided by σ when given).
    solved_y: Vec<f64>,
    /// The noise the solvers assume in their data.
    noise: f64,
}

fn measured(cfg: &SpectralConfig, table: Table, solver: Solver) -> Result<Measured, String> {
    let d = &cfg.data;
    let g = &cfg.glue;
    super::at_least("glue.points", g.points, 1)?;
    super::at_most(
        "glue.points",
        g.points,
        MAX_GLUE_POINTS,
        "the solvers factor the operator's SVD",
    )?;
    let op = Operator::on_points(table.x, g.points, g.spacing, d.temperature).map_err(|e| {
        format!("{e} (data.file's first column, glue.spacing and data.temperature)")
    })?;
    let noise = match (&table.sigma, d.noise) {
        (Some(_), Some(_)) => {
            return Err(
                "data.noise: the file has a sigma column already; give one or the other".into(),
            )
        }
        (Some(_), None) => 1.0,
        (None, Some(s)) if s > 0.0 && s.is_finite() => s,
        (None, Some(s)) => return Err(format!("data.noise must be positive, got {s}")),
        (None, None) if needs_noise(solver) => {
            return Err(format!(
                "data.noise: the solver \"{}\" needs the noise's standard deviation (meV): give data.noise or a third column sigma in data.file",
                solver.name()
            ))
        }
        (None, None) => 0.0,
    };
    let (solved_op, solved_y) = match &table.sigma {
        Some(s) => (
            op.whitened(s).map_err(|e| e.to_string())?,
            table.y.iter().zip(s).map(|(y, s)| y / s).collect(),
        ),
        None => (op.clone(), table.y.clone()),
    };
    Ok(Measured {
        op,
        solved_op,
        table_sigma: table.sigma,
        y: table.y,
        solved_y,
        noise,
    })
}

/// What `summary.json` of a direct solver holds.
#[derive(serde::Serialize)]
struct DirectSummary<'a> {
    job: &'a str,
    solver: &'a str,
    regularization: String,
    final_cost: f64,
    wall_time_s: f64,
    parameters: usize,
}

/// The kind of run a spectral config asks for.
#[allow(clippy::large_enum_variant)] // one value per run, moved once
pub enum Run {
    /// Backsolution on the run engine.
    Engine(Job<GlueInversion>),
    /// A direct solver, run in one step.
    Direct(Direct),
}

/// A direct solve, ready to run.
pub struct Direct {
    name: String,
    solver: Solver,
    measured: Measured,
}

/// Set up the run of a spectral config, and its output folder.
pub fn job(text: &str, path: &Path, out: Option<&Path>) -> Result<(Run, PathBuf), String> {
    let cfg: SpectralConfig = super::config::parse(text, &path.display().to_string())?;
    let base = super::invert_config::config_folder(path);
    let solver = solver_named(&cfg.solver.kind)?;
    let layout = Layout {
        key: "data.file",
        columns: "ω meV, 1/τ meV, optional sigma meV",
        max_rows: (MAX_FREQUENCIES, "the solvers factor the operator's SVD"),
    };
    let table = read_table(&base.join(&cfg.data.file), &layout)?;
    let measured = measured(&cfg, table, solver)?;
    let out = super::invert_config::output_folder(out, base, &cfg.output.dir);
    let name = format!("invert spectral {}", path.display());
    if solver != Solver::Backsolution {
        let direct = Direct {
            name,
            solver,
            measured,
        };
        return Ok((Run::Direct(direct), out));
    }
    super::at_least("optimizer.max_epochs", cfg.optimizer.max_epochs, 1)?;
    let fit = GlueFit::new(measured.solved_op.clone(), measured.solved_y.clone(), None)
        .map_err(|e| e.to_string())?;
    let job = Job {
        name,
        truth: None,
        scale: 1.0,
        first: Some(fit.start()),
        init_range: (0.0, 0.0),
        method: fit.method(),
        opts: Options {
            max_epochs: cfg.optimizer.max_epochs,
            cost_tol: GlueFit::discrepancy_goal(measured.noise),
            ..Options::default()
        },
        starts: 1,
        accept_cost: f64::INFINITY,
        seed: 1,
        problem: GlueInversion { fit, measured },
    };
    Ok((Run::Engine(job), out))
}

impl Direct {
    /// Solve and write the outputs together into `out`.
    pub fn run(self, out: &Path) -> Result<(), String> {
        let stage = Staging::new(out)?;
        let clock = Instant::now();
        let m = &self.measured;
        let solvers = Solvers::new(m.solved_op.clone()).map_err(|e| e.to_string())?;
        let solution = solvers
            .solve_with_setting(self.solver, &m.solved_y, m.noise)
            .map_err(|e| e.to_string())?;
        let seconds = clock.elapsed().as_secs_f64();
        let cost = write_spectrum(stage.path(), m, &solution.x)?;
        let summary = DirectSummary {
            job: &self.name,
            solver: self.solver.name(),
            regularization: solution.setting.to_string(),
            final_cost: cost,
            wall_time_s: seconds,
            parameters: solution.x.len(),
        };
        write_json(&stage.path().join("summary.json"), &summary)?;
        stage.commit()?;
        println!(
            "{}: {}, {}, final cost {cost:.3e}",
            self.name,
            self.solver.name(),
            summary.regularization
        );
        println!("wrote {}", out.display());
        Ok(())
    }
}

/// The mean squared (weighted) residual the solvers saw: `(1/m) Σ ((A x)_i - y_i)² / σ_i²`.
fn cost_of(m: &Measured, x: &[f64]) -> f64 {
    let refit = m.solved_op.apply(x);
    let n = refit.len().max(1) as f64;
    refit
        .iter()
        .zip(&m.solved_y)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        / n
}

/// `glue.npy` (Ω meV, I²χ), `refit.npy` (ω meV, measured, refitted 1/τ meV, and σ if
/// given), `glue.png` and `refit.png`; returns the cost of `x`.
fn write_spectrum(out: &Path, m: &Measured, x: &[f64]) -> Result<f64, String> {
    let op = &m.op;
    let glue: Vec<f64> = op
        .big_omega
        .iter()
        .zip(x)
        .flat_map(|(w, v)| [*w, *v])
        .collect();
    write_npy(&out.join("glue.npy"), &glue, &[x.len() as u64, 2])?;
    let refit = op.apply(x);
    let width = if m.table_sigma.is_some() { 4 } else { 3 };
    let rows: Vec<f64> = (0..op.rows())
        .flat_map(|i| {
            let mut row = vec![op.omega[i], m.y[i], refit[i]];
            row.extend(m.table_sigma.as_ref().map(|s| s[i]));
            row
        })
        .collect();
    write_npy(
        &out.join("refit.npy"),
        &rows,
        &[op.rows() as u64, width as u64],
    )?;
    let glue_axes = Axes {
        x: "boson energy (meV)",
        y: "glue function",
        scale: YAxis::Linear,
    };
    write_curves(
        &out.join("glue.png"),
        &op.big_omega,
        &[(x, RGBColor(30, 90, 220), "estimate")],
        glue_axes,
    )?;
    let rate_axes = Axes {
        x: "frequency (meV)",
        y: "scattering rate 1/tau (meV)",
        scale: YAxis::Linear,
    };
    write_curves(
        &out.join("refit.png"),
        &op.omega,
        &[
            (&m.y, RGBColor(0, 0, 0), "measured"),
            (&refit, RGBColor(30, 90, 220), "refit"),
        ],
        rate_axes,
    )?;
    Ok(cost_of(m, x))
}

/// Backsolution of a measured spectrum on the run engine.
#[derive(Debug)]
pub struct GlueInversion {
    fit: GlueFit,
    measured: Measured,
}

impl Problem for GlueInversion {
    type Objective = GlueFit;

    fn objective(&mut self) -> &mut GlueFit {
        &mut self.fit
    }

    fn dim(&self) -> usize {
        self.fit.op.cols()
    }

    /// Of the glue functions.
    fn rms_error(&self, u: &[f64], truth: &[f64]) -> f64 {
        super::invert::rms_difference(&self.fit.glue(u), truth)
    }

    /// As a direct solver's, from the glue function `softplus(u)`.
    fn write_outputs(
        &mut self,
        out: &Path,
        u: &[f64],
        _u0: &[f64],
        _truth: Option<&[f64]>,
    ) -> Result<(), String> {
        write_spectrum(out, &self.measured, &self.fit.glue(u)).map(|_| ())
    }
}
