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
        self.op.check_data(y)?;
        // A noise-free sample still needs a positive scale for the stopping rules.
        let s = s.max(1e-12 * y.iter().fold(0.0f64, |m, v| m.max(v.abs())));
        Ok(match solver {
            Solver::LeastSquares => self.svd.pseudo_inverse_solve(y),
            Solver::TikhonovLCurve => tikhonov(&self.op, &self.svd, y, Choice::LCurve)?.0,
            Solver::TikhonovGcv => tikhonov(&self.op, &self.svd, y, Choice::Gcv)?.0,
            Solver::TikhonovDiscrepancy => {
                tikhonov(&self.op, &self.svd, y, Choice::Discrepancy { noise_std: s })?.0
            }
            Solver::Landweber => {
                landweber_discrepancy(&self.op, &self.p, y, s, MAX_ITERATIONS, false)?.0
            }
            Solver::LandweberNonneg => {
                landweber_discrepancy(&self.op, &self.p, y, s, MAX_ITERATIONS, true)?.0
            }
            Solver::MaxEnt => maxent(&self.op, y, s)?.0,
            Solver::Backsolution => backsolve_spectrum(&self.op, y, s, MAX_EPOCHS)?.0,
        })
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
