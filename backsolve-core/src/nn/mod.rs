//! Network building blocks written as ordinary `#[differentiable]` code: no hand-written
//! adjoint anywhere, the macro derives every gradient (and tangent) from the loops below.
//!
//! Each block is a `#[derive(Differentiable)]` struct of parameters (its sizes are skipped
//! configuration) and a free function that applies it, `dense(&layer, &x)`: a method's `&self`
//! is inactive configuration in `#[differentiable]` code, so the parameters are an argument.
//! Vectors are flat `Vec<f64>`; matrices row-major; a signal of `c` channels and length `l` is
//! channel-major (`x[ch * l + t]`). Initializations are seeded ([`SplitMix64`]) so a training
//! run is reproducible.
//!
//! [`SplitMix64`]: crate::SplitMix64

// Index loops are the form the macro differentiates (iterator adapters are not).
#![allow(clippy::needless_range_loop)]

mod activation;
mod conv;
mod dense;
mod gru;

pub use activation::*;
pub use conv::*;
pub use dense::*;
pub use gru::*;

use crate::SplitMix64;

/// Weights uniform in `[-a, a)`, `a = gain * sqrt(6 / (fan_in + fan_out))` (Glorot and Bengio
/// 2010) for `fan_out > 0`; `a = gain * sqrt(6 / fan_in)` (He et al. 2015) with `fan_out = 0`.
pub fn uniform_weights(
    n: usize,
    fan_in: usize,
    fan_out: usize,
    gain: f64,
    rng: &mut SplitMix64,
) -> Vec<f64> {
    let a = gain * (6.0 / (fan_in + fan_out).max(1) as f64).sqrt();
    (0..n).map(|_| rng.range(-a, a)).collect()
}

/// How the weights of a block are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Init {
    /// Glorot (Xavier) uniform: for tanh and sigmoid units.
    Glorot,
    /// He (Kaiming) uniform: for ReLU units.
    He,
}

impl Init {
    fn weights(self, n: usize, fan_in: usize, fan_out: usize, rng: &mut SplitMix64) -> Vec<f64> {
        match self {
            Init::Glorot => uniform_weights(n, fan_in, fan_out, 1.0, rng),
            Init::He => uniform_weights(n, fan_in, 0, 1.0, rng),
        }
    }
}
