//! The inverse-problem layer: a problem is parameters, a simulator's value and gradient, target
//! data and a cost; optimizers minimize it. Nothing here knows about physics: transport, devices,
//! spectra and lattices all plug in through [`Objective`].
//!
//! The kit every model plugs into: [`Embedding`]s map the optimizer's vector to a model's
//! parameters (fixed entries, windows, positivity), [`LeastSquares`] fits a [`PointModel`]'s
//! values at many independent points in parallel with a bit-deterministic sum, and [`train`]
//! trains a [`Learner`] on samples (minibatch Adam, early stopping, bit-identical at any thread
//! count).
//!
//! Parameters are a flat `&[f64]` (use [`crate::Differentiable::to_reals`] and `read_reals` for
//! structured ones). Everything is deterministic given a seed.

mod costs;
mod embed;
mod optimize;
mod pointwise;
mod train;

pub use costs::*;
pub use embed::*;
pub use optimize::*;
pub use pointwise::*;
pub use train::*;

/// Something to minimize: a value and its gradient at a point.
pub trait Objective {
    /// `(f(x), ∇f(x))`.
    fn value_and_gradient(&mut self, x: &[f64]) -> (f64, Vec<f64>);

    /// `f(x)`; by default through [`Objective::value_and_gradient`].
    fn value(&mut self, x: &[f64]) -> f64 {
        self.value_and_gradient(x).0
    }

    /// The Hessian-vector product `∇²f(x) v`, which [`Method::NewtonCg`] uses. Override it with
    /// an exact one where there is one (the pullback of a jvp: `NAME_jvp_pullback` of a
    /// `#[differentiable(nested)]` function). By default it is the central difference of two
    /// gradients, `(∇f(x + h v) − ∇f(x − h v)) / 2h` with `h = 1e-5 · max(1, |x|) / |v|`:
    /// accurate to about 1e-9 relative for smooth objectives, at two gradient evaluations.
    fn hessian_vector(&mut self, x: &[f64], v: &[f64]) -> Vec<f64> {
        let norm = |a: &[f64]| a.iter().map(|t| t * t).sum::<f64>().sqrt();
        let (nx, nv) = (norm(x), norm(v));
        if nv == 0.0 {
            return vec![0.0; x.len()];
        }
        let h = 1e-5 * nx.max(1.0) / nv;
        let shifted = |t: f64| -> Vec<f64> { x.iter().zip(v).map(|(a, b)| a + t * b).collect() };
        let (_, gp) = self.value_and_gradient(&shifted(h));
        let (_, gm) = self.value_and_gradient(&shifted(-h));
        gp.iter()
            .zip(&gm)
            .map(|(p, m)| (p - m) / (2.0 * h))
            .collect()
    }
}

/// An [`Objective`] from a closure returning value and gradient.
pub struct FnObjective<F>(pub F);

impl<F: FnMut(&[f64]) -> (f64, Vec<f64>)> Objective for FnObjective<F> {
    fn value_and_gradient(&mut self, x: &[f64]) -> (f64, Vec<f64>) {
        (self.0)(x)
    }
}
