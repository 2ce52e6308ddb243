//! Gated recurrent unit (Cho et al. 2014), in the convention of PyTorch's `GRUCell`.

use super::Init;
use crate::SplitMix64;
use backsolve_macros::{differentiable, Differentiable};

/// One GRU step. With `σ` the logistic function and `∘` the elementwise product:
/// ```text
/// z  = σ(W_z x + U_z h + b_z)            update gate
/// r  = σ(W_r x + U_r h + b_r)            reset gate
/// n  = tanh(W_n x + b_n + r ∘ (U_n h + c_n))
/// h' = (1 − z) ∘ n + z ∘ h
/// ```
/// `W_*` are `n_hidden x n_in`, `U_*` are `n_hidden x n_hidden`, row-major.
#[derive(Clone, Debug, PartialEq, Differentiable)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct GruCell {
    /// Input weights of the update gate.
    pub w_z: Vec<f64>,
    /// Hidden weights of the update gate.
    pub u_z: Vec<f64>,
    /// Bias of the update gate.
    pub b_z: Vec<f64>,
    /// Input weights of the reset gate.
    pub w_r: Vec<f64>,
    /// Hidden weights of the reset gate.
    pub u_r: Vec<f64>,
    /// Bias of the reset gate.
    pub b_r: Vec<f64>,
    /// Input weights of the candidate.
    pub w_n: Vec<f64>,
    /// Hidden weights of the candidate.
    pub u_n: Vec<f64>,
    /// Input bias of the candidate.
    pub b_n: Vec<f64>,
    /// Hidden bias of the candidate, inside the reset gate.
    pub c_n: Vec<f64>,
    /// Inputs.
    #[differentiable(skip)]
    pub n_in: usize,
    /// Hidden units.
    #[differentiable(skip)]
    pub n_hidden: usize,
}

impl GruCell {
    /// A cell with seeded weights drawn by `init` and zero biases.
    pub fn new(n_in: usize, n_hidden: usize, init: Init, rng: &mut SplitMix64) -> Self {
        let mut w = || init.weights(n_hidden * n_in, n_in, n_hidden, rng);
        let (w_z, w_r, w_n) = (w(), w(), w());
        let mut u = || init.weights(n_hidden * n_hidden, n_hidden, n_hidden, rng);
        let (u_z, u_r, u_n) = (u(), u(), u());
        let zero = || vec![0.0; n_hidden];
        GruCell {
            w_z,
            u_z,
            b_z: zero(),
            w_r,
            u_r,
            b_r: zero(),
            w_n,
            u_n,
            b_n: zero(),
            c_n: zero(),
            n_in,
            n_hidden,
        }
    }

    /// The number of trainable parameters.
    pub fn n_params(&self) -> usize {
        3 * self.n_hidden * (self.n_in + self.n_hidden) + 4 * self.n_hidden
    }

    /// Checks every weight and bias length against `n_in` and `n_hidden`.
    pub fn check_shapes(&self) -> Result<(), super::ShapeError> {
        let (input, hidden, bias) = (
            self.n_hidden * self.n_in,
            self.n_hidden * self.n_hidden,
            self.n_hidden,
        );
        super::check_lengths(
            "gru",
            &[
                ("w_z", &self.w_z, input),
                ("u_z", &self.u_z, hidden),
                ("b_z", &self.b_z, bias),
                ("w_r", &self.w_r, input),
                ("u_r", &self.u_r, hidden),
                ("b_r", &self.b_r, bias),
                ("w_n", &self.w_n, input),
                ("u_n", &self.u_n, hidden),
                ("b_n", &self.b_n, bias),
                ("c_n", &self.c_n, bias),
            ],
        )
    }
}

/// The next hidden state from input `x` (`n_in`) and state `h` (`n_hidden`). Panics on other
/// lengths.
// `as usize` tells the activity analysis that a size read from the parameters is an integer.
#[allow(clippy::unnecessary_cast)]
#[differentiable(forward, reverse)]
pub fn gru_cell(cell: &GruCell, x: &[f64], h: &[f64]) -> Vec<f64> {
    assert_eq!(x.len(), cell.n_in, "gru_cell: input length");
    assert_eq!(h.len(), cell.n_hidden, "gru_cell: state length");
    // Sizes read from the parameter struct through `as usize`: integers, never differentiated.
    let (ni, nh) = (cell.n_in as usize, cell.n_hidden as usize);
    let mut out = vec![0.0; nh];
    for j in 0..nh {
        let mut az = cell.b_z[j];
        let mut ar = cell.b_r[j];
        let mut an = cell.b_n[j];
        let mut hn = cell.c_n[j];
        for i in 0..ni {
            az += cell.w_z[j * ni + i] * x[i];
            ar += cell.w_r[j * ni + i] * x[i];
            an += cell.w_n[j * ni + i] * x[i];
        }
        for k in 0..nh {
            az += cell.u_z[j * nh + k] * h[k];
            ar += cell.u_r[j * nh + k] * h[k];
            hn += cell.u_n[j * nh + k] * h[k];
        }
        let z = 1.0 / (1.0 + (-az).exp());
        let r = 1.0 / (1.0 + (-ar).exp());
        let n = (an + r * hn).tanh();
        out[j] = (1.0 - z) * n + z * h[j];
    }
    out
}
