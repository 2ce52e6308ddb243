//! Plain backsolution: gradient descent through generated code on a positive parametrization
//! `x = softplus(u) = ln(1 + e^u)`, cost `||A x - y||²`, the main paper's accept-or-halve
//! gradient descent, stopped by the discrepancy principle (`||A x - y||² <= τ² N s²`): without
//! the stop it would fit the noise, like the unregularized least squares. Gradient descent, not
//! L-BFGS: stopped early, it filters the small singular values like Landweber does, while
//! L-BFGS's early iterates carry large null-space components (an L-BFGS version was 25 times
//! worse in test MSE at σ = 1e-2).

use super::{Operator, SpectralError};
use backsolve_core::faer::Mat;
use backsolve_core::inverse::{minimize, FnObjective, Method, Options};
use backsolve_core::linalg;
use backsolve_macros::differentiable;

/// The first step's learning rate. The standard operator's largest singular value is ~1600, so
/// at the start (`x = 0.1`, `dx/du = 0.095`) the misfit's curvature in `u` is ~5e4: larger
/// first steps would only be halved, and accepted steps grow the rate by 1.1.
const INITIAL_RATE: f64 = 1e-6;

/// `||A softplus(u) - y||²`; generates `softplus_misfit_pullback`.
#[differentiable(wrt(u))]
pub fn softplus_misfit(u: &[f64], a: &Mat<f64>, y: &[f64]) -> f64 {
    let mut x = Mat::<f64>::zeros(u.len(), 1);
    for j in 0..u.len() {
        // ln(1 + e^u) without overflow.
        if u[j] > 30.0 {
            x[(j, 0)] = u[j];
        } else {
            x[(j, 0)] = (u[j].exp() + 1.0).ln();
        }
    }
    let ax = linalg::matmul(a, &x);
    let mut cost = 0.0;
    for i in 0..y.len() {
        let r = ax[(i, 0)] - y[i];
        cost += r * r;
    }
    cost
}

/// Backsolution of `y` (noise standard deviation `noise_std`; 0 runs to `max_epochs`): the
/// spectrum and the epochs used.
pub fn backsolve_spectrum(
    op: &Operator,
    y: &[f64],
    noise_std: f64,
    max_epochs: usize,
) -> Result<(Vec<f64>, usize), SpectralError> {
    op.check_data(y)?;
    let tau = super::tikhonov::DISCREPANCY_TAU;
    let goal = tau * tau * y.len() as f64 * noise_std * noise_std;
    let mut obj = FnObjective(|u: &[f64]| {
        let mut grad = vec![0.0; u.len()];
        let c = softplus_misfit_pullback(u, &op.a, y, 1.0, &mut grad);
        (c, grad)
    });
    // softplus(u0) = 0.1: a small positive start.
    let u0 = vec![(0.1f64.exp() - 1.0).ln(); op.cols()];
    let opts = Options {
        max_epochs,
        cost_tol: goal,
        ..Options::default()
    };
    let report = minimize(
        &mut obj,
        u0,
        &Method::Halving {
            lr: INITIAL_RATE,
            grow: 1.1,
        },
        &opts,
        &mut |_| true,
    );
    let x = report
        .x
        .iter()
        .map(|&u| if u > 30.0 { u } else { u.exp().ln_1p() })
        .collect();
    Ok((x, report.epochs))
}
