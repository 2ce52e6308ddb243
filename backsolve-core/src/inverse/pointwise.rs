//! Least squares over many independent evaluation points: grid points of a map, biases of an
//! I-V curve, energies of a transmission, samples, pixels.
//!
//! A model supplies only its value at one point and that value's gradient (one reverse pass
//! with a unit output cotangent, which also returns the value, so the forward runs once per
//! point). The fit does the rest: `C = (1/N) Σ_k w_k (y_k - t_k)²` with weights `w_k`
//! (`1/σ_k²` for measured data), its gradient `Σ_k (2 w_k r_k / N) ∇y_k`, points in parallel
//! (with the `parallel` feature), and the sum taken in point order so the result is the same
//! bit for bit at any thread count.

use std::fmt;

/// A model evaluated independently at many points.
pub trait PointModel: Sync {
    /// Why a point cannot be evaluated.
    type Error: Send;
    /// Number of evaluation points.
    fn points(&self) -> usize;
    /// Length of the parameter vector.
    fn params(&self) -> usize;
    /// Whether the points are worth spreading over threads (with the `parallel` feature);
    /// `false` for points of a few hundred flops, where scheduling would cost more.
    fn parallel(&self) -> bool {
        true
    }
    /// The value at point `k`.
    fn value(&self, k: usize, params: &[f64]) -> Result<f64, Self::Error>;
    /// The value at point `k`, with its gradient added into `grad` (zeroed by the caller).
    fn value_and_gradient(
        &self,
        k: usize,
        params: &[f64],
        grad: &mut [f64],
    ) -> Result<f64, Self::Error>;
}

/// A target that cannot be fitted as given.
#[derive(Clone, Debug, PartialEq)]
pub enum FitError {
    /// The weights do not match the target.
    Weights {
        /// Weights given.
        len: usize,
        /// Target values.
        expected: usize,
    },
    /// A target value or weight is not finite, or a weight is negative.
    Value {
        /// `"target"` or `"weights"`.
        name: &'static str,
        /// Its index.
        index: usize,
        /// The value.
        value: f64,
    },
    /// The model has another number of points than the target.
    Points {
        /// The model's points.
        model: usize,
        /// Target values.
        target: usize,
    },
}

impl fmt::Display for FitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FitError::Weights { len, expected } => write!(
                f,
                "weights: {len} values for a target of {expected}"
            ),
            FitError::Value { name, index, value } => write!(
                f,
                "{name}[{index}] = {value}: targets must be finite and weights finite and non-negative"
            ),
            FitError::Points { model, target } => write!(
                f,
                "the model has {model} evaluation points, the target {target} values"
            ),
        }
    }
}

impl std::error::Error for FitError {}

/// The data of a pointwise least-squares fit.
#[derive(Clone, Debug, PartialEq)]
pub struct LeastSquares {
    target: Vec<f64>,
    weights: Option<Vec<f64>>,
}

/// Runs `f` on every point, in parallel when the feature is on, and returns the results in
/// point order (or the first error, by point order).
fn map_points<T: Send, E: Send>(
    n: usize,
    parallel: bool,
    f: impl Fn(usize) -> Result<T, E> + Sync + Send,
) -> Result<Vec<T>, E> {
    #[cfg(feature = "parallel")]
    if parallel {
        use rayon::prelude::*;
        return (0..n).into_par_iter().map(f).collect();
    }
    let _ = parallel;
    (0..n).map(f).collect()
}

impl LeastSquares {
    /// Fit `target` with weights (`None`: every point weighs 1).
    pub fn new(target: Vec<f64>, weights: Option<Vec<f64>>) -> Result<Self, FitError> {
        if let Some(i) = target.iter().position(|t| !t.is_finite()) {
            return Err(FitError::Value {
                name: "target",
                index: i,
                value: target[i],
            });
        }
        if let Some(w) = &weights {
            if w.len() != target.len() {
                return Err(FitError::Weights {
                    len: w.len(),
                    expected: target.len(),
                });
            }
            if let Some(i) = w.iter().position(|w| !(w.is_finite() && *w >= 0.0)) {
                return Err(FitError::Value {
                    name: "weights",
                    index: i,
                    value: w[i],
                });
            }
        }
        Ok(LeastSquares { target, weights })
    }

    /// The target values.
    pub fn target(&self) -> &[f64] {
        &self.target
    }

    /// The weights, if any.
    pub fn weights(&self) -> Option<&[f64]> {
        self.weights.as_deref()
    }

    fn weight(&self, k: usize) -> f64 {
        self.weights.as_ref().map_or(1.0, |w| w[k])
    }

    /// Whether `model` has one point per target value.
    pub fn check<M: PointModel>(&self, model: &M) -> Result<(), FitError> {
        if model.points() != self.target.len() {
            return Err(FitError::Points {
                model: model.points(),
                target: self.target.len(),
            });
        }
        Ok(())
    }

    /// The model's values at every point, in order.
    pub fn predict<M: PointModel>(model: &M, params: &[f64]) -> Result<Vec<f64>, M::Error> {
        map_points(model.points(), model.parallel(), |k| model.value(k, params))
    }

    /// The cost `C`.
    pub fn cost<M: PointModel>(&self, model: &M, params: &[f64]) -> Result<f64, M::Error> {
        let y = Self::predict(model, params)?;
        let n = self.target.len().max(1) as f64;
        let mut cost = 0.0;
        for (k, (y, t)) in y.iter().zip(&self.target).enumerate() {
            let r = y - t;
            cost += self.weight(k) * r * r / n;
        }
        Ok(cost)
    }

    /// The cost `C` and its gradient with respect to the model's parameters.
    pub fn cost_and_gradient<M: PointModel>(
        &self,
        model: &M,
        params: &[f64],
    ) -> Result<(f64, Vec<f64>), M::Error> {
        let np = model.params();
        let per_point = map_points(model.points(), model.parallel(), |k| {
            let mut g = vec![0.0; np];
            model.value_and_gradient(k, params, &mut g).map(|y| (y, g))
        })?;
        let n = self.target.len().max(1) as f64;
        let (mut cost, mut grad) = (0.0, vec![0.0; np]);
        // In point order: the same sum at any thread count (a parallel reduction's tree
        // depends on work stealing), which resumed optimizations rely on.
        for (k, ((y, g), t)) in per_point.iter().zip(&self.target).enumerate() {
            let w = self.weight(k);
            let r = y - t;
            cost += w * r * r / n;
            let s = 2.0 * w * r / n;
            grad.iter_mut().zip(g).for_each(|(a, d)| *a += s * d);
        }
        Ok((cost, grad))
    }
}
