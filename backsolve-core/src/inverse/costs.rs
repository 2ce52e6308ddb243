//! Costs and regularizers.
//!
//! - Weighted mean squared error `C = (1/N) Σ_p w_p (y_p - t_p)²`, `∂C/∂y_p = 2 w_p (y_p - t_p)/N`
//!   (the `d_ret` a simulator's pullback takes).
//! - Smoothness on a 2D grid `S = Σ (x_{i+1,j} - x_{ij})² + (x_{i,j+1} - x_{ij})²`.
//! - Total variation `TV = Σ sqrt(|∇x|² + ε²)` (smoothed so its gradient exists at 0).
//! - Bounds by projection onto `[lo, hi]`.

/// Weighted mean squared error and its derivative with respect to the prediction.
pub fn mse(prediction: &[f64], target: &[f64], weights: Option<&[f64]>) -> (f64, Vec<f64>) {
    assert_eq!(
        prediction.len(),
        target.len(),
        "mse: prediction has {} values, target {}",
        prediction.len(),
        target.len()
    );
    if let Some(w) = weights {
        assert_eq!(
            w.len(),
            target.len(),
            "mse: {} weights for {} values",
            w.len(),
            target.len()
        );
    }
    let n = target.len().max(1) as f64;
    let mut c = 0.0;
    let d = prediction
        .iter()
        .zip(target)
        .enumerate()
        .map(|(p, (y, t))| {
            let w = weights.map_or(1.0, |w| w[p]);
            c += w * (y - t) * (y - t) / n;
            2.0 * w * (y - t) / n
        })
        .collect();
    (c, d)
}

/// A regularizer on parameters laid out as an `nx x ny` row-major grid.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Regularizer {
    /// `strength · Σ (differences of neighbours)²`.
    Smoothness {
        /// Weight of the term.
        strength: f64,
    },
    /// `strength · Σ sqrt(|∇x|² + eps²)`.
    TotalVariation {
        /// Weight of the term.
        strength: f64,
        /// Smoothing.
        eps: f64,
    },
}

impl Regularizer {
    /// Value and gradient on an `nx x ny` grid; added into `grad`.
    pub fn apply(&self, x: &[f64], nx: usize, ny: usize, grad: &mut [f64]) -> f64 {
        assert_eq!(
            x.len(),
            nx * ny,
            "regularizer: {} parameters for a {nx}x{ny} grid",
            x.len()
        );
        let at = |i: usize, j: usize| i * ny + j;
        let mut value = 0.0;
        match *self {
            Regularizer::Smoothness { strength } => {
                for i in 0..nx {
                    for j in 0..ny {
                        for (ii, jj) in [(i + 1, j), (i, j + 1)] {
                            if ii < nx && jj < ny {
                                let d = x[at(ii, jj)] - x[at(i, j)];
                                value += strength * d * d;
                                grad[at(ii, jj)] += 2.0 * strength * d;
                                grad[at(i, j)] -= 2.0 * strength * d;
                            }
                        }
                    }
                }
            }
            Regularizer::TotalVariation { strength, eps } => {
                for i in 0..nx {
                    for j in 0..ny {
                        let dx = if i + 1 < nx {
                            x[at(i + 1, j)] - x[at(i, j)]
                        } else {
                            0.0
                        };
                        let dy = if j + 1 < ny {
                            x[at(i, j + 1)] - x[at(i, j)]
                        } else {
                            0.0
                        };
                        let r = (dx * dx + dy * dy + eps * eps).sqrt();
                        value += strength * r;
                        if i + 1 < nx {
                            grad[at(i + 1, j)] += strength * dx / r;
                            grad[at(i, j)] -= strength * dx / r;
                        }
                        if j + 1 < ny {
                            grad[at(i, j + 1)] += strength * dy / r;
                            grad[at(i, j)] -= strength * dy / r;
                        }
                    }
                }
            }
        }
        value
    }
}

/// Box constraints, enforced by projection after each step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bounds {
    /// Lower bound.
    pub lo: f64,
    /// Upper bound.
    pub hi: f64,
}

impl Bounds {
    /// Clamp every component into `[lo, hi]`.
    pub fn project(&self, x: &mut [f64]) {
        x.iter_mut().for_each(|v| *v = v.clamp(self.lo, self.hi));
    }
}
