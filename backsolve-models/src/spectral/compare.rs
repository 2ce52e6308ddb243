//! Every solver on the same samples: the comparison behind `backsolve demo spectral` (the shape
//! of seed 003's Fig. 2b, classical solvers only). The noise standard deviation of each sample
//! is known to the solvers that need it (discrepancy principle, MaxEnt, the stopping rules).

use super::backsolution::backsolve_spectrum;
use super::data::Sample;
use super::landweber::{landweber_discrepancy, preconditioner, DEFAULT_H};
use super::maxent::maxent;
use super::tikhonov::{tikhonov, Choice, Svd};
use super::{Operator, SpectralError};
use backsolve_core::faer::Mat;
use rayon::prelude::*;

/// The solvers compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Solver {
    /// Unregularized least squares (pseudo-inverse).
    LeastSquares,
    /// Tikhonov, `λ` at the L-curve's corner.
    TikhonovLCurve,
    /// Tikhonov, `λ` by generalized cross-validation.
    TikhonovGcv,
    /// Tikhonov, `λ` by the discrepancy principle.
    TikhonovDiscrepancy,
    /// Preconditioned Landweber (`h = 0.01`) stopped by the discrepancy principle.
    Landweber,
    /// The same, projected onto `x >= 0` after each step.
    LandweberNonneg,
    /// Maximum entropy, `χ² = N`.
    MaxEnt,
    /// Accept-or-halve gradient descent through the generated forward model on
    /// `x = softplus(u)`, stopped by the discrepancy principle.
    Backsolution,
}

impl Solver {
    /// Every solver, in table order.
    pub const ALL: [Solver; 8] = [
        Solver::LeastSquares,
        Solver::TikhonovLCurve,
        Solver::TikhonovGcv,
        Solver::TikhonovDiscrepancy,
        Solver::Landweber,
        Solver::LandweberNonneg,
        Solver::MaxEnt,
        Solver::Backsolution,
    ];

    /// Short name for tables.
    pub fn name(self) -> &'static str {
        match self {
            Solver::LeastSquares => "least squares",
            Solver::TikhonovLCurve => "Tikhonov L-curve",
            Solver::TikhonovGcv => "Tikhonov GCV",
            Solver::TikhonovDiscrepancy => "Tikhonov discrepancy",
            Solver::Landweber => "Landweber",
            Solver::LandweberNonneg => "Landweber x>=0",
            Solver::MaxEnt => "MaxEnt",
            Solver::Backsolution => "backsolution",
        }
    }
}

/// The regularization a solver chose for one spectrum.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Setting {
    /// None (least squares).
    None,
    /// Tikhonov's `λ`.
    Lambda(f64),
    /// Landweber's steps.
    Steps(usize),
    /// MaxEnt's entropy weight `α`.
    Alpha(f64),
    /// Backsolution's gradient-descent epochs.
    Epochs(usize),
}

impl std::fmt::Display for Setting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Setting::None => write!(f, "none"),
            Setting::Lambda(l) => write!(f, "lambda = {l:.4e}"),
            Setting::Steps(n) => write!(f, "{n} steps"),
            Setting::Alpha(a) => write!(f, "alpha = {a:.4e}"),
            Setting::Epochs(n) => write!(f, "{n} epochs"),
        }
    }
}

/// A solver's estimate and its regularization.
#[derive(Clone, Debug, PartialEq)]
pub struct Solution {
    /// The glue function on the operator's `Ω` grid.
    pub x: Vec<f64>,
    /// What the solver chose.
    pub setting: Setting,
}

/// What every solve with one operator shares: the SVD and the Landweber preconditioner.
pub struct Solvers {
    /// The operator.
    pub op: Operator,
    svd: Svd,
    p: Mat<f64>,
}

/// Steps at most for the Landweber solvers.
const MAX_ITERATIONS: usize = 500;
/// Epochs at most for backsolution's gradient descent.
const MAX_EPOCHS: usize = 5000;

impl Solvers {
    /// Factorizations of `op`.
    pub fn new(op: Operator) -> Result<Solvers, SpectralError> {
        let svd = Svd::of(&op.a);
        let p = preconditioner(&op, DEFAULT_H)?;
        Ok(Solvers { op, svd, p })
    }

    /// The SVD of the operator.
    pub fn svd(&self) -> &Svd {
        &self.svd
    }

    /// `solver`'s estimate of the glue function from `y` with noise standard deviation `s`.
    pub fn solve(&self, solver: Solver, y: &[f64], s: f64) -> Result<Vec<f64>, SpectralError> {
        Ok(self.solve_with_setting(solver, y, s)?.x)
    }

    /// `solver`'s estimate with the regularization it chose.
    pub fn solve_with_setting(
        &self,
        solver: Solver,
        y: &[f64],
        s: f64,
    ) -> Result<Solution, SpectralError> {
        self.op.check_data(y)?;
        // A noise-free sample still needs a positive scale for the stopping rules.
        let s = s.max(1e-12 * y.iter().fold(0.0f64, |m, v| m.max(v.abs())));
        let tikhonov =
            |choice| tikhonov(&self.op, &self.svd, y, choice).map(|(x, l)| (x, Setting::Lambda(l)));
        let landweber = |nonneg| {
            landweber_discrepancy(&self.op, &self.p, y, s, MAX_ITERATIONS, nonneg)
                .map(|(x, n)| (x, Setting::Steps(n)))
        };
        let (x, setting) = match solver {
            Solver::LeastSquares => (self.svd.pseudo_inverse_solve(y), Setting::None),
            Solver::TikhonovLCurve => tikhonov(Choice::LCurve)?,
            Solver::TikhonovGcv => tikhonov(Choice::Gcv)?,
            Solver::TikhonovDiscrepancy => tikhonov(Choice::Discrepancy { noise_std: s })?,
            Solver::Landweber => landweber(false)?,
            Solver::LandweberNonneg => landweber(true)?,
            Solver::MaxEnt => maxent(&self.op, y, s).map(|(x, a)| (x, Setting::Alpha(a)))?,
            Solver::Backsolution => backsolve_spectrum(&self.op, y, s, MAX_EPOCHS)
                .map(|(x, n)| (x, Setting::Epochs(n)))?,
        };
        Ok(Solution { x, setting })
    }

    /// Mean over `samples` of the mean squared error of `solver`'s estimate, samples in
    /// parallel.
    pub fn test_mse(&self, solver: Solver, samples: &[Sample]) -> Result<f64, SpectralError> {
        let errors = samples
            .par_iter()
            .map(|s| Ok(mse(&self.solve(solver, &s.y, s.noise_std)?, &s.x)))
            .collect::<Result<Vec<f64>, SpectralError>>()?;
        Ok(errors.iter().sum::<f64>() / errors.len().max(1) as f64)
    }
}

/// `(1/n) Σ (a - b)²`.
pub fn mse(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(a, b)| (a - b).powi(2)).sum::<f64>() / a.len().max(1) as f64
}
