//! Tikhonov regularization `x_λ = argmin ||A x - y||² + λ ||x||² = (AᵀA + λI)⁻¹ Aᵀ y`, solved by
//! Cholesky (faer), with `λ` chosen by the L-curve, generalized cross-validation or the
//! discrepancy principle, all three from the thin SVD `A = U Σ Vᵀ`: with `β = Uᵀ y` and the
//! filter factors `f_i = σ_i² / (σ_i² + λ)`,
//! `||A x_λ - y||² = Σ ((1 - f_i) β_i)² + ||y||² - ||β||²`, `||x_λ||² = Σ (f_i β_i / σ_i)²`,
//! `GCV(λ) = ||A x_λ - y||² / (m - Σ f_i)²`.
//! Also the unregularized least-squares solution (pseudo-inverse, every singular value above
//! rounding kept), the baseline regularization must beat.

use super::{Operator, SpectralError};
use backsolve_core::faer::Mat;
use backsolve_core::linalg;

/// Morozov's safety factor `τ` of the discrepancy principle. With `τ = 1` the rule
/// under-regularizes here: most of the operator's singular directions carry only noise, so the
/// residual sits near `m s²` over a wide range of small `λ` and random fluctuations (of relative
/// size `sqrt(2/m)`, 14 % at `m = 100`) decide. `τ = 1.1` is the customary margin.
pub const DISCREPANCY_TAU: f64 = 1.1;

/// How `λ` is chosen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Choice {
    /// This `λ`.
    Fixed(f64),
    /// The corner of the L-curve: the point of largest curvature of
    /// `(log ||A x_λ - y||, log ||x_λ||)` on a log-spaced `λ` grid.
    LCurve,
    /// The minimum of `GCV(λ)` on a log-spaced grid.
    Gcv,
    /// `||A x_λ - y||² = τ² m s²` for the noise standard deviation `s` ([`DISCREPANCY_TAU`]), by
    /// bisection in `log λ` (the residual grows monotonically with `λ`).
    Discrepancy {
        /// Noise standard deviation of each data point.
        noise_std: f64,
    },
}

/// The SVD of the operator, shared by every solve with it.
#[derive(Clone, Debug)]
pub struct Svd {
    u: Mat<f64>,
    s: Vec<f64>,
    v: Mat<f64>,
}

impl Svd {
    /// The thin SVD of `A`.
    pub fn of(a: &Mat<f64>) -> Svd {
        let svd = a.thin_svd().expect("SVD of a finite matrix converges");
        let s = (0..svd.S().dim()).map(|i| svd.S()[i]).collect();
        Svd {
            u: svd.U().to_owned(),
            s,
            v: svd.V().to_owned(),
        }
    }

    /// Singular values, largest first.
    pub fn singular_values(&self) -> &[f64] {
        &self.s
    }

    /// `β = Uᵀ y`.
    fn project(&self, y: &[f64]) -> Vec<f64> {
        (0..self.s.len())
            .map(|k| (0..y.len()).map(|i| self.u[(i, k)] * y[i]).sum())
            .collect()
    }

    /// `(||A x_λ - y||², ||x_λ||², Σ f_i)`.
    fn norms(&self, beta: &[f64], y_outside: f64, lambda: f64) -> (f64, f64, f64) {
        let mut residual = y_outside;
        let (mut solution, mut trace) = (0.0, 0.0);
        for (s, b) in self.s.iter().zip(beta) {
            let f = s * s / (s * s + lambda);
            residual += ((1.0 - f) * b).powi(2);
            if *s > 0.0 {
                solution += (f * b / s).powi(2);
            }
            trace += f;
        }
        (residual, solution, trace)
    }

    /// The minimum-norm least-squares solution, singular values below `1e-13 σ_max` dropped.
    pub fn pseudo_inverse_solve(&self, y: &[f64]) -> Vec<f64> {
        let beta = self.project(y);
        let cut = 1e-13 * self.s[0];
        let n = self.v.nrows();
        (0..n)
            .map(|j| {
                (0..self.s.len())
                    .filter(|&k| self.s[k] > cut)
                    .map(|k| self.v[(j, k)] * beta[k] / self.s[k])
                    .sum()
            })
            .collect()
    }
}

/// A log-spaced `λ` grid from `1e-13 σ_max²` (where `AᵀA + λI` is still safely positive definite
/// for Cholesky) to `10 σ_max²`.
fn lambda_grid(s: &[f64]) -> Vec<f64> {
    let hi = (s[0] * s[0]).log10() + 1.0;
    let lo = (s[0] * s[0]).log10() - 13.0;
    (0..=170)
        .map(|k| 10f64.powf(lo + (hi - lo) * k as f64 / 170.0))
        .collect()
}

/// `λ` by the chosen rule for data `y`.
pub fn choose_lambda(svd: &Svd, y: &[f64], choice: Choice) -> f64 {
    let beta = svd.project(y);
    let outside =
        (y.iter().map(|v| v * v).sum::<f64>() - beta.iter().map(|b| b * b).sum::<f64>()).max(0.0);
    let m = y.len() as f64;
    let grid = lambda_grid(&svd.s);
    match choice {
        Choice::Fixed(lambda) => lambda,
        Choice::Gcv => *grid
            .iter()
            .min_by(|&&a, &&b| {
                let g = |l: f64| {
                    let (r, _, tr) = svd.norms(&beta, outside, l);
                    r / (m - tr).powi(2)
                };
                g(a).total_cmp(&g(b))
            })
            .expect("non-empty grid"),
        Choice::LCurve => {
            let pts: Vec<(f64, f64)> = grid
                .iter()
                .map(|&l| {
                    let (r, x, _) = svd.norms(&beta, outside, l);
                    (0.5 * r.max(1e-300).ln(), 0.5 * x.max(1e-300).ln())
                })
                .collect();
            let mut best = (f64::NEG_INFINITY, grid[grid.len() / 2]);
            for k in 1..pts.len() - 1 {
                let (a, b, c) = (pts[k - 1], pts[k], pts[k + 1]);
                let (dx, dy) = ((c.0 - a.0) / 2.0, (c.1 - a.1) / 2.0);
                let (ddx, ddy) = (c.0 - 2.0 * b.0 + a.0, c.1 - 2.0 * b.1 + a.1);
                let speed = (dx * dx + dy * dy).powf(1.5);
                if speed > 1e-300 {
                    // The corner bends towards smaller residual and smaller norm: positive
                    // signed curvature in this orientation.
                    let kappa = (dx * ddy - dy * ddx) / speed;
                    if kappa > best.0 {
                        best = (kappa, grid[k]);
                    }
                }
            }
            best.1
        }
        Choice::Discrepancy { noise_std } => {
            let goal = DISCREPANCY_TAU * DISCREPANCY_TAU * m * noise_std * noise_std;
            let residual = |l: f64| svd.norms(&beta, outside, l).0;
            let (mut lo, mut hi) = (grid[0].ln(), grid[grid.len() - 1].ln());
            if residual(lo.exp()) >= goal {
                return lo.exp();
            }
            if residual(hi.exp()) <= goal {
                return hi.exp();
            }
            for _ in 0..200 {
                let mid = 0.5 * (lo + hi);
                if residual(mid.exp()) < goal {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            (0.5 * (lo + hi)).exp()
        }
    }
}

/// `x_λ = (AᵀA + λI)⁻¹ Aᵀ y` by Cholesky.
pub fn solve(op: &Operator, y: &[f64], lambda: f64) -> Result<Vec<f64>, SpectralError> {
    op.check_data(y)?;
    if !(lambda > 0.0 && lambda.is_finite()) {
        return Err(SpectralError::Value {
            name: "lambda",
            value: lambda,
            need: "positive and finite",
        });
    }
    let normal = op.shifted_normal(lambda);
    let rhs = linalg::matmul_adj_lhs(&op.a, &Mat::from_fn(y.len(), 1, |i, _| y[i]));
    let x = linalg::cholesky_solve(&normal, &rhs);
    Ok((0..op.cols()).map(|j| x[(j, 0)]).collect())
}

/// Tikhonov with `λ` chosen by `choice`: the solution and the `λ` used.
pub fn tikhonov(
    op: &Operator,
    svd: &Svd,
    y: &[f64],
    choice: Choice,
) -> Result<(Vec<f64>, f64), SpectralError> {
    op.check_data(y)?;
    let lambda = choose_lambda(svd, y, choice);
    Ok((solve(op, y, lambda)?, lambda))
}
