//! Maximum entropy: `x = argmin χ²/2 - α S(x)` with `χ² = ||A x - y||² / s²` and Skilling's
//! entropy relative to a default model `m`, `S = Σ_j ΔΩ (x_j - m_j - x_j ln(x_j / m_j))`.
//! Positivity by the parametrization `x = m e^u` (then `ln(x/m) = u`); minimized by L-BFGS.
//! `α` by the historic rule `χ² = N` (the number of data points, the expected value for the true
//! spectrum), found by bisection in `log α` since `χ²` grows with `α`. Default model: flat
//! at 0.2 (the scale of the synthetic glue functions).

use super::{Operator, SpectralError};
use backsolve::inverse::{minimize, FnObjective, Method, Options};

/// The flat default model's level.
pub const DEFAULT_MODEL: f64 = 0.2;

/// The MaxEnt solution for `α`, warm-started from `u0`: `(u, χ²)`.
fn solve_for_alpha(op: &Operator, y: &[f64], s: f64, alpha: f64, u0: Vec<f64>) -> (Vec<f64>, f64) {
    let n = op.cols();
    let dw = op.d_omega;
    let value_and_grad = |u: &[f64]| {
        let x: Vec<f64> = u.iter().map(|u| DEFAULT_MODEL * u.exp()).collect();
        let r: Vec<f64> = op
            .apply(&x)
            .iter()
            .zip(y)
            .map(|(a, b)| (a - b) / s)
            .collect();
        let chi2: f64 = r.iter().map(|v| v * v).sum();
        let entropy: f64 = (0..n)
            .map(|j| dw * (x[j] - DEFAULT_MODEL - x[j] * u[j]))
            .sum();
        let grad = (0..n)
            .map(|j| {
                let at_r: f64 = (0..op.rows()).map(|i| op.a[(i, j)] * r[i]).sum::<f64>() / s;
                x[j] * (at_r + alpha * dw * u[j])
            })
            .collect();
        (0.5 * chi2 - alpha * entropy, grad)
    };
    let opts = Options {
        max_epochs: 400,
        stagnation_window: 20,
        stagnation_rel: 1e-10,
        ..Options::default()
    };
    let mut obj = FnObjective(value_and_grad);
    let report = minimize(
        &mut obj,
        u0,
        &Method::Lbfgs { memory: 10 },
        &opts,
        &mut |_| true,
    );
    let x: Vec<f64> = report.x.iter().map(|u| DEFAULT_MODEL * u.exp()).collect();
    let chi2 = op
        .apply(&x)
        .iter()
        .zip(y)
        .map(|(a, b)| ((a - b) / s).powi(2))
        .sum();
    (report.x, chi2)
}

/// MaxEnt with `α` from `χ² = N`, for data `y` with noise standard deviation `noise_std`:
/// the spectrum and the `α` used.
pub fn maxent(op: &Operator, y: &[f64], noise_std: f64) -> Result<(Vec<f64>, f64), SpectralError> {
    op.check_data(y)?;
    if !(noise_std > 0.0 && noise_std.is_finite()) {
        return Err(SpectralError::Value {
            name: "noise_std",
            value: noise_std,
            need: "positive (MaxEnt weighs the misfit by the noise)",
        });
    }
    let goal = y.len() as f64;
    let (mut lo, mut hi) = (-12.0f64, 8.0f64); // log10 α
    let mut u = vec![0.0; op.cols()];
    let mut best = (u.clone(), 10f64.powf(lo));
    for _ in 0..24 {
        let mid = 0.5 * (lo + hi);
        let (sol, chi2) = solve_for_alpha(op, y, noise_std, 10f64.powf(mid), u.clone());
        u = sol.clone();
        if chi2 > goal {
            hi = mid;
        } else {
            lo = mid;
            best = (sol, 10f64.powf(mid));
        }
    }
    let x = best.0.iter().map(|u| DEFAULT_MODEL * u.exp()).collect();
    Ok((x, best.1))
}
