//! Maximum entropy: `x = argmin χ²/2 - α S(x)` with `χ² = ||A x - y||² / s²` and Skilling's
//! entropy relative to a default model `m`, `S = Σ_j ΔΩ (x_j - m_j - x_j ln(x_j / m_j))`.
//! Positivity by the parametrization `x = m e^u` (then `ln(x/m) = u`); minimized by L-BFGS.
//! `α` by the historic rule `χ² = N` (the number of data points, the expected value for the true
//! spectrum), found by following the solution path down from large `α` and bisecting the bracket
//! (`χ²` grows with `α`); when no `α` reaches it, the
//! largest `α` whose `χ²` is within 10 % of the best fit on the path. Default model: flat
//! at 0.2 (the scale of the synthetic glue functions).

use super::{Operator, SpectralError};
use backsolve_core::inverse::{minimize, FnObjective, Method, Options};

/// The flat default model's level.
pub const DEFAULT_MODEL: f64 = 0.2;

/// The range of `log10(α s²)` searched, from the default model down to a least-squares fit.
const WEIGHT_RANGE: (f64, f64) = (-10.0, 10.0);
/// The step of `log10(α s²)` along the solution path.
const PATH_STEP: f64 = 0.5;
/// When `χ² = N` is out of reach: accept `χ²` up to this factor above the path's best fit.
const FLOOR_MARGIN: f64 = 1.1;
/// Bisections of the bracket around `χ² = N`.
const BISECTIONS: usize = 8;

/// The MaxEnt solution for `α`, warm-started from `u0`: `(u, χ²)`. Minimizes the equivalent
/// `s² (χ²/2 - α S)`, whose scale is the data's whatever the noise level: at `s = 1e-9 max y`
/// the unscaled gradient (~1e18) would underflow the line search's first step.
fn solve_for_alpha(op: &Operator, y: &[f64], s: f64, alpha: f64, u0: Vec<f64>) -> (Vec<f64>, f64) {
    let n = op.cols();
    let dw = op.d_omega;
    let weight = alpha * s * s;
    let value_and_grad = |u: &[f64]| {
        let x: Vec<f64> = u.iter().map(|u| DEFAULT_MODEL * u.exp()).collect();
        let r: Vec<f64> = op.apply(&x).iter().zip(y).map(|(a, b)| a - b).collect();
        let misfit: f64 = r.iter().map(|v| v * v).sum();
        let entropy: f64 = (0..n)
            .map(|j| dw * (x[j] - DEFAULT_MODEL - x[j] * u[j]))
            .sum();
        let grad = (0..n)
            .map(|j| {
                let at_r: f64 = (0..op.rows()).map(|i| op.a[(i, j)] * r[i]).sum();
                x[j] * (at_r + weight * dw * u[j])
            })
            .collect();
        (0.5 * misfit - weight * entropy, grad)
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
    // α in terms of log10(α s²), the entropy's weight in the data's units.
    let alpha = |log_weight: f64| 10f64.powf(log_weight) / (noise_std * noise_std);
    let mut met: Option<(Vec<f64>, f64)> = None;
    let mut path: Vec<(Vec<f64>, f64, f64)> = Vec::new();
    let mut record = |sol: &[f64], log_weight: f64, chi2: f64| {
        path.push((sol.to_vec(), alpha(log_weight), chi2));
        chi2 <= goal
    };
    // Follow the solution path down from the default model (large α), warm-starting each α
    // from the previous one: a cold start at small α, or a warm start from a point off the
    // path, strands the exp parametrization at spurious stationary points.
    let mut u = vec![0.0; op.cols()];
    let mut above = WEIGHT_RANGE.1;
    let mut bracket = None;
    let mut w = WEIGHT_RANGE.1;
    while w >= WEIGHT_RANGE.0 {
        let (sol, chi2) = solve_for_alpha(op, y, noise_std, alpha(w), u.clone());
        if record(&sol, w, chi2) {
            met = Some((sol, alpha(w)));
            bracket = Some((w, above));
            break;
        }
        u = sol;
        above = w;
        w -= PATH_STEP;
    }
    // Refine χ² = N by bisection inside the bracket, always from the solution above it.
    if let Some((mut lo, mut hi)) = bracket {
        for _ in 0..BISECTIONS {
            let mid = 0.5 * (lo + hi);
            let (sol, chi2) = solve_for_alpha(op, y, noise_std, alpha(mid), u.clone());
            if record(&sol, mid, chi2) {
                lo = mid;
                met = Some((sol, alpha(mid)));
            } else {
                hi = mid;
                u = sol;
            }
        }
    }
    // If no α reaches χ² = N (positivity or the optimizer keep the fit above the noise), the
    // largest α within 10 % of the best fit on the path: the smallest α would fit the noise.
    let best = met.unwrap_or_else(|| {
        let floor = path.iter().map(|p| p.2).fold(f64::INFINITY, f64::min);
        let (sol, a, _) = path
            .into_iter()
            .find(|p| p.2 <= FLOOR_MARGIN * floor)
            .expect("the path holds its own minimum");
        (sol, a)
    });
    let x = best.0.iter().map(|u| DEFAULT_MODEL * u.exp()).collect();
    Ok((x, best.1))
}
