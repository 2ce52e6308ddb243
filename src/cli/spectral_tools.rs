//! `backsolve spectral operator` (the grids and matrix anyone can make data with) and
//! `backsolve spectral infer` (a trained model or a classical solver on every row of a user's
//! spectra).

use super::learned::load_model;
use super::output::{read_npy, write_npy, Staging};
use backsolve::models::spectral::compare::{Solver, Solvers};
use backsolve::models::spectral::Operator;
use std::path::Path;

/// The classical solvers `spectral infer` runs by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SolverName {
    /// Tikhonov, λ by generalized cross-validation.
    TikhonovGcv,
    /// Tikhonov, λ at the L-curve's corner.
    TikhonovLcurve,
    /// Tikhonov, λ by the discrepancy principle (needs --sigma).
    TikhonovDiscrepancy,
    /// Preconditioned Landweber stopped by the discrepancy principle (needs --sigma).
    Landweber,
    /// The same, projected onto x >= 0 (needs --sigma).
    LandweberNonneg,
    /// Maximum entropy at χ² = N (needs --sigma).
    Maxent,
    /// Gradient descent through the generated forward model (needs --sigma).
    Backsolution,
}

impl SolverName {
    fn solver(self) -> Solver {
        match self {
            SolverName::TikhonovGcv => Solver::TikhonovGcv,
            SolverName::TikhonovLcurve => Solver::TikhonovLCurve,
            SolverName::TikhonovDiscrepancy => Solver::TikhonovDiscrepancy,
            SolverName::Landweber => Solver::Landweber,
            SolverName::LandweberNonneg => Solver::LandweberNonneg,
            SolverName::Maxent => Solver::MaxEnt,
            SolverName::Backsolution => Solver::Backsolution,
        }
    }

    /// Whether the solver's stopping rule or regularization needs the noise level.
    fn needs_noise(self) -> bool {
        !matches!(self, SolverName::TikhonovGcv | SolverName::TikhonovLcurve)
    }

    fn flag(self) -> String {
        clap::ValueEnum::to_possible_value(&self)
            .map(|v| v.get_name().to_string())
            .unwrap_or_default()
    }
}

/// Run `spectral operator`: `omega.npy`, `big_omega.npy` (meV) and `A.npy` (`m x n`,
/// `A_ij = K(ω_i, Ω_j, T) ΔΩ`) of the standard operator at `kelvin`.
pub fn run_operator(out: &Path, kelvin: f64) -> Result<(), String> {
    if !(kelvin > 0.0 && kelvin.is_finite()) {
        return Err(format!("--kelvin must be positive, got {kelvin}"));
    }
    let stage = Staging::new(out)?;
    let op = Operator::new(100, 4.0, 100, 4.0, kelvin).map_err(|e| e.to_string())?;
    let (m, n) = (op.rows(), op.cols());
    let a: Vec<f64> = (0..m * n).map(|k| op.a[(k / n, k % n)]).collect();
    write_npy(&stage.path().join("omega.npy"), &op.omega, &[m as u64])?;
    write_npy(
        &stage.path().join("big_omega.npy"),
        &op.big_omega,
        &[n as u64],
    )?;
    write_npy(&stage.path().join("A.npy"), &a, &[m as u64, n as u64])?;
    stage.commit()?;
    println!(
        "spectral operator: omega ({m}, {} to {} meV), big_omega ({n}, {} to {} meV), A ({m} x {n}) at {kelvin} K; 1/tau = A @ glue; wrote {}",
        op.omega[0],
        op.omega[m - 1],
        op.big_omega[0],
        op.big_omega[n - 1],
        out.display()
    );
    Ok(())
}

/// What `spectral infer` runs.
pub enum Method<'a> {
    /// A model file written by `train`.
    Model(&'a Path),
    /// A classical solver with the noise level relative to each row's maximum.
    Solver(SolverName, Option<f64>),
}

/// The rows of `input`: a 1-D array is one spectrum, a 2-D array one per row; each row must
/// have `m` finite values.
fn read_spectra(input: &Path, op: &Operator) -> Result<(Vec<Vec<f64>>, bool), String> {
    let (data, shape) = read_npy(input)?;
    let m = op.rows();
    let grid = format!(
        "the operator's omega grid has {m} points ({} to {} meV)",
        op.omega[0],
        op.omega[m - 1]
    );
    let (rows, cols, one) = match shape.as_slice() {
        [c] => (1, *c as usize, true),
        [r, c] => (*r as usize, *c as usize, false),
        _ => {
            return Err(format!(
            "--input {}: expected a 1-D spectrum or a 2-D array of spectra, got shape {shape:?}",
            input.display()
        ))
        }
    };
    if cols != m {
        return Err(format!(
            "--input {}: each spectrum has {cols} values; {grid}",
            input.display()
        ));
    }
    if rows == 0 {
        return Err(format!("--input {}: no spectra", input.display()));
    }
    if let Some(k) = data.iter().position(|v| !v.is_finite()) {
        return Err(format!(
            "--input {}: row {}, column {} is {}; every value must be finite",
            input.display(),
            k / m,
            k % m,
            data[k]
        ));
    }
    Ok((data.chunks(m).map(<[f64]>::to_vec).collect(), one))
}

/// Run `spectral infer`: every row of `input` through `method` into `out` (one row of the
/// glue function per spectrum; nothing is written if any row fails).
pub fn run_infer(method: Method, input: &Path, out: &Path) -> Result<(), String> {
    if out.is_dir() {
        return Err(format!(
            "--out {}: is a folder; give a file name such as glue.npy",
            out.display()
        ));
    }
    let (estimates, big_omega, one, what) = match method {
        Method::Model(path) => {
            let inference = load_model(path)?
                .inference()
                .map_err(|e| format!("--model {}: {e}", path.display()))?;
            let (rows, one) = read_spectra(input, inference.operator())?;
            let x = rows
                .iter()
                .map(|y| inference.infer(y).map_err(|e| e.to_string()))
                .collect::<Result<Vec<_>, String>>()?;
            let what = format!(
                "model {} ({})",
                path.display(),
                inference.saved().model.name()
            );
            (x, inference.operator().big_omega.clone(), one, what)
        }
        Method::Solver(name, sigma) => {
            if let Some(s) = sigma {
                if !(s > 0.0 && s < 1.0) {
                    return Err(format!("--sigma must be in (0, 1), got {s}"));
                }
            }
            if name.needs_noise() && sigma.is_none() {
                return Err(format!(
                    "--solver {} needs --sigma, the noise level relative to each spectrum's maximum",
                    name.flag()
                ));
            }
            let solvers = Solvers::new(super::learned::operator()).map_err(|e| e.to_string())?;
            let (rows, one) = read_spectra(input, &solvers.op)?;
            let x = run_solver(&solvers, name.solver(), &rows, sigma.unwrap_or(0.0))?;
            let what = format!("solver {}", name.flag());
            (x, solvers.op.big_omega.clone(), one, what)
        }
    };
    let (rows, cols) = (estimates.len(), big_omega.len());
    let flat: Vec<f64> = estimates.concat();
    let shape = if one {
        vec![cols as u64]
    } else {
        vec![rows as u64, cols as u64]
    };
    write_npy(out, &flat, &shape)?;
    println!(
        "spectral infer: {rows} spectra through {what}; wrote {} ({rows} x {cols}, the glue function on big_omega = {} to {} meV)",
        out.display(),
        big_omega[0],
        big_omega[cols - 1]
    );
    Ok(())
}

/// Each row through `solver` in parallel, the noise standard deviation `sigma` times the row's
/// maximum.
fn run_solver(
    solvers: &Solvers,
    solver: Solver,
    rows: &[Vec<f64>],
    sigma: f64,
) -> Result<Vec<Vec<f64>>, String> {
    use rayon::prelude::*;
    rows.par_iter()
        .map(|y| {
            let std = sigma * y.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            solvers.solve(solver, y, std).map_err(|e| e.to_string())
        })
        .collect()
}
