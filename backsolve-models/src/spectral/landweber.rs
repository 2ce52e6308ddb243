//! Preconditioned Landweber iteration (iterated Tikhonov), seed 003's update:
//! `x_{t+1} = x_t + (AᵀA + hI)⁻¹ Aᵀ (y - A x_t)`, `h = 0.01` by default (for the paper's
//! data scaled by 1/300, see [`DATA_SCALE`]). Each step multiplies
//! the error along a singular vector by `h / (σ_i² + h)`, so after `t` steps the filter factor
//! is `1 - (h / (σ_i² + h))^t`: the step count regularizes. [`landweber`] runs a fixed number
//! of steps and is `#[differentiable]` in the data and the start (the learned solver
//! differentiates through it); [`landweber_discrepancy`] stops at the discrepancy principle;
//! the non-negative variant projects onto `x >= 0` after every step.

use super::{Operator, SpectralError};
use backsolve_core::faer::Mat;
use backsolve_core::linalg;
use backsolve_macros::differentiable;

/// The default `h`.
pub const DEFAULT_H: f64 = 0.01;

/// The paper divides the scattering rates by 300 before inverting (its `h` refers to that
/// scaled problem); in our unscaled units (`y` in meV) the shift is `h · 300²`.
pub const DATA_SCALE: f64 = 300.0;

/// `P = (AᵀA + h 300² I)⁻¹ Aᵀ` (`n x m`), by Cholesky, `h` in the paper's scaled units.
pub fn preconditioner(op: &Operator, h: f64) -> Result<Mat<f64>, SpectralError> {
    if !(h > 0.0 && h.is_finite()) {
        return Err(SpectralError::Value {
            name: "h",
            value: h,
            need: "positive and finite",
        });
    }
    let normal = op.shifted_normal(h * DATA_SCALE * DATA_SCALE);
    let at = op.a.transpose().to_owned();
    Ok(linalg::cholesky_solve(&normal, &at))
}

/// `steps` Landweber steps from `x0` (`n x 1`) for data `y` (`m x 1`), with `p` from
/// [`preconditioner`]; `nonneg` projects onto `x >= 0` after each step. Generates
/// `landweber_pullback` (gradients with respect to `y` and `x0`).
#[differentiable(wrt(y, x0))]
pub fn landweber(
    a: &Mat<f64>,
    p: &Mat<f64>,
    y: &Mat<f64>,
    x0: &Mat<f64>,
    steps: usize,
    nonneg: bool,
) -> Mat<f64> {
    let mut x = x0.clone();
    for _ in 0..steps {
        let residual = y - &linalg::matmul(a, &x);
        let step = linalg::matmul(p, &residual);
        x = &x + &step;
        if nonneg {
            for j in 0..x.nrows() {
                x[(j, 0)] = x[(j, 0)].max(0.0);
            }
        }
    }
    x
}

/// A column vector from a slice.
pub fn column(v: &[f64]) -> Mat<f64> {
    Mat::from_fn(v.len(), 1, |i, _| v[i])
}

/// Landweber from zero, stopped at the first step whose residual satisfies the discrepancy
/// principle `||A x_t - y||² <= τ² m s²` (`τ` = [`super::tikhonov::DISCREPANCY_TAU`]), or after
/// `max_steps`: the solution and the steps taken. The non-negative variant also stops when its
/// residual levels off (see [`STALL_REL`]): positivity can keep the
/// fit above the noise level, and iterating on would only fit the noise.
pub fn landweber_discrepancy(
    op: &Operator,
    p: &Mat<f64>,
    y: &[f64],
    noise_std: f64,
    max_steps: usize,
    nonneg: bool,
) -> Result<(Vec<f64>, usize), SpectralError> {
    op.check_data(y)?;
    let tau = super::tikhonov::DISCREPANCY_TAU;
    let goal = tau * tau * y.len() as f64 * noise_std * noise_std;
    let yc = column(y);
    let mut x = Mat::<f64>::zeros(op.cols(), 1);
    let mut history = vec![linalg::frob2(&yc)];
    let as_vec = |x: &Mat<f64>| (0..op.cols()).map(|j| x[(j, 0)]).collect();
    for t in 1..=max_steps {
        x = landweber(&op.a, p, &yc, &x, 1, nonneg);
        let misfit = linalg::frob2(&(&yc - &linalg::matmul(&op.a, &x)));
        let stalled =
            nonneg && t >= STALL_WINDOW && misfit > (1.0 - STALL_REL) * history[t - STALL_WINDOW];
        if misfit <= goal || stalled {
            return Ok((as_vec(&x), t));
        }
        history.push(misfit);
    }
    Ok((as_vec(&x), max_steps))
}

/// The non-negative iteration stops when its misfit fell by less than [`STALL_REL`] (relative)
/// over the last [`STALL_WINDOW`] steps (the projected misfit need not fall every step).
pub const STALL_REL: f64 = 1e-3;
/// See [`STALL_REL`].
pub const STALL_WINDOW: usize = 20;
