//! Fully connected layer.

use super::Init;
use crate::SplitMix64;
use backsolve_macros::{differentiable, Differentiable};

/// `y = W x + b` with `W` of `n_out x n_in`, row-major.
#[derive(Clone, Debug, PartialEq, Differentiable)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Dense {
    /// Weights, `w[o * n_in + i]`.
    pub w: Vec<f64>,
    /// Biases, one per output.
    pub b: Vec<f64>,
    /// Inputs.
    #[differentiable(skip)]
    pub n_in: usize,
    /// Outputs.
    #[differentiable(skip)]
    pub n_out: usize,
}

impl Dense {
    /// A layer with seeded weights drawn by `init` and zero biases.
    pub fn new(n_in: usize, n_out: usize, init: Init, rng: &mut SplitMix64) -> Self {
        Dense {
            w: init.weights(n_in * n_out, n_in, n_out, rng),
            b: vec![0.0; n_out],
            n_in,
            n_out,
        }
    }

    /// The number of trainable parameters.
    pub fn n_params(&self) -> usize {
        self.w.len() + self.b.len()
    }

    /// Checks that the weights and biases have the lengths `n_in` and `n_out` call for.
    pub fn check_shapes(&self) -> Result<(), super::ShapeError> {
        super::check_lengths(
            "dense",
            &[
                ("w", &self.w, self.n_in * self.n_out),
                ("b", &self.b, self.n_out),
            ],
        )
    }
}

/// `W x + b`. Panics if `x.len() != layer.n_in`.
#[differentiable(forward, reverse)]
pub fn dense(layer: &Dense, x: &[f64]) -> Vec<f64> {
    assert_eq!(x.len(), layer.n_in, "dense: input length");
    let mut y = vec![0.0; layer.n_out];
    for o in 0..layer.n_out {
        let mut s = layer.b[o];
        for i in 0..layer.n_in {
            s += layer.w[o * layer.n_in + i] * x[i];
        }
        y[o] = s;
    }
    y
}
