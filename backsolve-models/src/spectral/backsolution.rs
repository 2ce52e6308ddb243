//! Plain backsolution: gradient descent through generated code on a positive parametrization `x = softplus(u)`
//! (the kit's [`Positive`] embedding), cost `(1/m) Σ_i w_i ((A x)_i - y_i)²` (the kit's
//! [`LeastSquares`] over the data frequencies), the main paper's accept-or-halve gradient
//! descent, stopped by the discrepancy principle (`(1/m) ||A x - y||² <= τ² s²`): without the
//! stop it would fit the noise, like the unregularized least squares. Gradient descent, not
//! L-BFGS: stopped early, it filters the small singular values like Landweber does, while
//! L-BFGS's early iterates carry large null-space components (an L-BFGS version was 25 times
//! worse in test MSE at σ = 1e-2).

use super::{Operator, SpectralError};
use backsolve_core::faer::Mat;
use backsolve_core::inverse::{
    minimize, Embedding, FitError, LeastSquares, Method, Objective, Options, PointModel, Positive,
    Positivity,
};
use backsolve_macros::differentiable;
use std::convert::Infallible;

/// The first step's learning rate for the cost summed over the data points. The standard
/// operator's largest singular value is ~1600, so at the start (`x = 0.1`, `dx/du = 0.095`)
/// the misfit's curvature in `u` is ~5e4: larger first steps would only be halved, and
/// accepted steps grow the rate by 1.1. [`GlueFit::initial_rate`] scales it to the kit's mean.
const INITIAL_RATE: f64 = 1e-6;

/// The start `softplus(u0) = 0.1`: a small positive glue function.
const START: f64 = 0.1;

/// The scattering rate at data frequency `k`, `(A x)_k`; generates `rate_pullback`, the
/// per-point gradient the fit sums.
#[differentiable(wrt(glue))]
pub fn rate(a: &Mat<f64>, k: usize, glue: &[f64]) -> f64 {
    let mut r = 0.0;
    for j in 0..glue.len() {
        r += a[(k, j)] * glue[j];
    }
    r
}

/// The scattering rate at each data frequency.
#[derive(Debug)]
struct Rates<'a> {
    a: &'a Mat<f64>,
}

impl PointModel for Rates<'_> {
    type Error = Infallible;

    fn points(&self) -> usize {
        self.a.nrows()
    }

    fn params(&self) -> usize {
        self.a.ncols()
    }

    /// A point is a hundred multiply-adds: threads would cost more than they save.
    fn parallel(&self) -> bool {
        false
    }

    fn value(&self, k: usize, glue: &[f64]) -> Result<f64, Infallible> {
        Ok(rate(self.a, k, glue))
    }

    fn value_and_gradient(
        &self,
        k: usize,
        glue: &[f64],
        grad: &mut [f64],
    ) -> Result<f64, Infallible> {
        Ok(rate_pullback(self.a, k, glue, 1.0, grad))
    }
}

/// Backsolution's objective: the glue function `x = softplus(u)` fitted to measured rates.
#[derive(Clone, Debug)]
pub struct GlueFit {
    /// The operator of the data's frequencies.
    pub op: Operator,
    fit: LeastSquares,
    positive: Positive,
}

impl GlueFit {
    /// The fit of the rates `y` (one per row of `op`), weighted by `weights` when given.
    pub fn new(
        op: Operator,
        y: Vec<f64>,
        weights: Option<Vec<f64>>,
    ) -> Result<GlueFit, SpectralError> {
        op.check_data(&y)?;
        let fit = LeastSquares::new(y, weights).map_err(|e| match e {
            FitError::Weights { len, expected } => SpectralError::Shape {
                name: "weights",
                len,
                expected,
            },
            FitError::Value { name, value, .. } => SpectralError::Value {
                name,
                value,
                need: "finite (and a weight non-negative)",
            },
            FitError::Points { model, target } => SpectralError::Shape {
                name: "y",
                len: target,
                expected: model,
            },
        })?;
        let positive = Positive::all(op.cols(), Positivity::Softplus);
        Ok(GlueFit { op, fit, positive })
    }

    /// The measured rates.
    pub fn data(&self) -> &[f64] {
        self.fit.target()
    }

    /// The glue function of optimizer parameters `u`.
    pub fn glue(&self, u: &[f64]) -> Vec<f64> {
        self.positive.embed(u)
    }

    /// The rates the glue function of `u` predicts, `A softplus(u)`.
    pub fn refit(&self, u: &[f64]) -> Vec<f64> {
        self.op.apply(&self.glue(u))
    }

    /// The optimizer's start: `softplus(u0) = 0.1` everywhere.
    pub fn start(&self) -> Vec<f64> {
        self.positive.inverse(&vec![START; self.op.cols()])
    }

    /// The accept-or-halve descent's first learning rate for this (mean) cost.
    pub fn initial_rate(&self) -> f64 {
        INITIAL_RATE * self.op.rows() as f64
    }

    /// The discrepancy principle's stop for noise standard deviation `noise_std` (unweighted
    /// data; with weights `1/σ²`, `noise_std = 1`): the cost `τ² s²`.
    pub fn discrepancy_goal(noise_std: f64) -> f64 {
        let tau = super::tikhonov::DISCREPANCY_TAU;
        tau * tau * noise_std * noise_std
    }

    /// The descent [`backsolve_spectrum`] runs.
    pub fn method(&self) -> Method {
        Method::Halving {
            lr: self.initial_rate(),
            grow: 1.1,
        }
    }
}

fn infallible<T>(r: Result<T, Infallible>) -> T {
    match r {
        Ok(v) => v,
        Err(never) => match never {},
    }
}

impl Objective for GlueFit {
    fn value_and_gradient(&mut self, u: &[f64]) -> (f64, Vec<f64>) {
        let glue = self.glue(u);
        let rates = Rates { a: &self.op.a };
        let (cost, d_glue) = infallible(self.fit.cost_and_gradient(&rates, &glue));
        (cost, self.positive.pullback(u, &d_glue))
    }

    fn value(&mut self, u: &[f64]) -> f64 {
        let rates = Rates { a: &self.op.a };
        infallible(self.fit.cost(&rates, &self.glue(u)))
    }
}

/// Backsolution of `y` (noise standard deviation `noise_std`; 0 runs to `max_epochs`): the
/// spectrum and the epochs used.
pub fn backsolve_spectrum(
    op: &Operator,
    y: &[f64],
    noise_std: f64,
    max_epochs: usize,
) -> Result<(Vec<f64>, usize), SpectralError> {
    let mut fit = GlueFit::new(op.clone(), y.to_vec(), None)?;
    let opts = Options {
        max_epochs,
        cost_tol: GlueFit::discrepancy_goal(noise_std),
        ..Options::default()
    };
    let method = fit.method();
    let start = fit.start();
    let report = minimize(&mut fit, start, &method, &opts, &mut |_| true);
    Ok((fit.glue(&report.x), report.epochs))
}
