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

/// A block whose parameter vectors do not have the lengths its sizes call for (a model file
/// edited by hand or written by another version).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShapeError {
    /// The block (`dense`, `conv1d`, `gru`).
    pub block: &'static str,
    /// The vector.
    pub field: &'static str,
    /// Its length.
    pub len: usize,
    /// The length the sizes call for.
    pub expected: usize,
}

impl std::fmt::Display for ShapeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} layer: `{}` has {} values, its sizes call for {}",
            self.block, self.field, self.len, self.expected
        )
    }
}

impl std::error::Error for ShapeError {}

/// `Ok` if every `(field, vector, expected length)` matches.
fn check_lengths(
    block: &'static str,
    fields: &[(&'static str, &[f64], usize)],
) -> Result<(), ShapeError> {
    for &(field, v, expected) in fields {
        if v.len() != expected {
            return Err(ShapeError {
                block,
                field,
                len: v.len(),
                expected,
            });
        }
    }
    Ok(())
}

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
