//! The inverse-problem layer: a problem is parameters, a simulator's value and gradient, target
//! data and a cost; optimizers minimize it. Nothing here knows about physics: transport, devices,
//! spectra and lattices all plug in through [`Objective`].
//!
//! The kit every model plugs into: [`Embedding`]s map the optimizer's vector to a model's
//! parameters (fixed entries, windows, positivity), [`LeastSquares`] fits a [`PointModel`]'s
//! values at many independent points in parallel with a bit-deterministic sum.
//!
//! Parameters are a flat `&[f64]` (use [`crate::Differentiable::to_reals`] and `read_reals` for
//! structured ones). Everything is deterministic given a seed.

mod costs;
mod embed;
mod optimize;
mod pointwise;

pub use costs::*;
pub use embed::*;
pub use optimize::*;
pub use pointwise::*;

/// Something to minimize: a value and its gradient at a point.
pub trait Objective {
    /// `(f(x), ∇f(x))`.
    fn value_and_gradient(&mut self, x: &[f64]) -> (f64, Vec<f64>);

    /// `f(x)`; by default through [`Objective::value_and_gradient`].
    fn value(&mut self, x: &[f64]) -> f64 {
        self.value_and_gradient(x).0
    }
}

/// An [`Objective`] from a closure returning value and gradient.
pub struct FnObjective<F>(pub F);

impl<F: FnMut(&[f64]) -> (f64, Vec<f64>)> Objective for FnObjective<F> {
    fn value_and_gradient(&mut self, x: &[f64]) -> (f64, Vec<f64>) {
        (self.0)(x)
    }
}
