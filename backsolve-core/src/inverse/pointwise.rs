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
use std::sync::atomic::{AtomicBool, Ordering};

/// Set by [`request_stop`]: the points of a fit not yet started are skipped.
static STOP: AtomicBool = AtomicBool::new(false);

/// Ask every pointwise fit running in this process to stop (a Ctrl-C handler's call): its points
/// not yet started are skipped and the evaluation returns a NaN cost with a zero gradient, which
/// every optimizer rejects as no decrease. A long evaluation so ends within one point's time and
/// the optimizer's observer sees the request at the end of the epoch; the epoch's state is
/// meaningless and must not be kept. [`LeastSquares::predict`] never skips.
pub fn request_stop() {
    STOP.store(true, Ordering::SeqCst);
}

/// Withdraw a [`request_stop`] (before writing results, or before the next run).
pub fn clear_stop() {
    STOP.store(false, Ordering::SeqCst);
}

/// Whether a stop was requested.
pub fn stop_requested() -> bool {
    STOP.load(Ordering::Relaxed)
}

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

    /// The cost `C` (NaN after a [`request_stop`]).
    pub fn cost<M: PointModel>(&self, model: &M, params: &[f64]) -> Result<f64, M::Error> {
        let y = map_points(model.points(), model.parallel(), |k| {
            if stop_requested() {
                return Ok(None);
            }
            model.value(k, params).map(Some)
        })?;
        let Some(y) = y.into_iter().collect::<Option<Vec<f64>>>() else {
            return Ok(f64::NAN);
        };
        let n = self.target.len().max(1) as f64;
        let mut cost = 0.0;
        for (k, (y, t)) in y.iter().zip(&self.target).enumerate() {
            let r = y - t;
            cost += self.weight(k) * r * r / n;
        }
        Ok(cost)
    }

    /// The cost `C` and its gradient with respect to the model's parameters (NaN and zero
    /// after a [`request_stop`]).
    pub fn cost_and_gradient<M: PointModel>(
        &self,
        model: &M,
        params: &[f64],
    ) -> Result<(f64, Vec<f64>), M::Error> {
        let np = model.params();
        let per_point = map_points(model.points(), model.parallel(), |k| {
            if stop_requested() {
                return Ok(None);
            }
            let mut g = vec![0.0; np];
            model
                .value_and_gradient(k, params, &mut g)
                .map(|y| Some((y, g)))
        })?;
        let Some(per_point) = per_point.into_iter().collect::<Option<Vec<_>>>() else {
            return Ok((f64::NAN, vec![0.0; np]));
        };
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// `y_k = k p_0`, counting its evaluations.
    struct Counted(AtomicUsize);

    impl PointModel for Counted {
        type Error = ();
        fn points(&self) -> usize {
            50
        }
        fn params(&self) -> usize {
            1
        }
        fn value(&self, k: usize, p: &[f64]) -> Result<f64, ()> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(k as f64 * p[0])
        }
        fn value_and_gradient(&self, k: usize, p: &[f64], g: &mut [f64]) -> Result<f64, ()> {
            g[0] += k as f64;
            self.value(k, p)
        }
    }

    // The only test of this binary that touches the process-wide request.
    #[test]
    fn a_stop_request_skips_the_points_of_costs_but_not_of_predictions() {
        let model = Counted(AtomicUsize::new(0));
        let fit = LeastSquares::new(vec![1.0; 50], None).unwrap();
        let cost = fit.cost(&model, &[0.5]).unwrap();
        assert!(cost.is_finite() && model.0.load(Ordering::SeqCst) == 50);
        request_stop();
        let skipped = fit.cost(&model, &[0.5]).unwrap();
        let (with_gradient, grad) = fit.cost_and_gradient(&model, &[0.5]).unwrap();
        let predicted = LeastSquares::predict(&model, &[0.5]).unwrap();
        clear_stop();
        assert!(
            skipped.is_nan() && with_gradient.is_nan(),
            "NaN costs: no decrease"
        );
        assert_eq!(grad, vec![0.0]);
        assert_eq!(
            model.0.load(Ordering::SeqCst),
            100,
            "only the prediction evaluated"
        );
        assert_eq!(predicted[3], 1.5);
        assert_eq!(fit.cost(&model, &[0.5]).unwrap(), cost, "cleared");
    }
}
