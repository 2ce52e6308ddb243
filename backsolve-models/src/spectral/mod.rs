//! Optical-spectrum inversion (seed 003): the electron-boson glue function `I²χ(Ω)` from the
//! optical scattering rate `1/τ(ω)` through the generalized Allen formula with the Shulga
//! kernel, a Fredholm integral equation of the first kind (the physics notes, §7).
//!
//! - [`kernel`]: `K(ω, Ω, T)` and its limits, the discretized operator `y = A x` on documented
//!   grids, and the forward model as `#[differentiable]` code;
//! - [`data`]: the synthetic Gaussian-mixture datasets with noise levels and the paper's
//!   out-of-distribution shapes;
//! - solvers: [`tikhonov`] (with the L-curve, generalized cross-validation and the discrepancy
//!   principle), [`landweber`] (preconditioned Landweber / iterated Tikhonov, plain and
//!   non-negative, differentiable through its iterations), [`maxent`] (maximum entropy) and
//!   [`backsolution`] (gradient descent through the generated forward model);
//! - learned solvers: [`learned`] (the rRIM, an FCN and a CNN on `backsolve::nn` blocks).
//!
//! Units: meV for `ω`, `Ω` and `kB T`; the glue function is dimensionless, `1/τ` in meV.

// Differentiable code indexes arrays in counted loops: the macro records indexed reads and
// writes, and an index loop reads like the equation it implements.
#![allow(clippy::needless_range_loop)]

pub mod backsolution;
pub mod compare;
pub mod data;
pub mod kernel;
pub mod landweber;
pub mod learned;
pub mod maxent;
pub mod tikhonov;

pub use kernel::{shulga_kernel, Operator};

/// Why a spectral problem cannot be set up as given.
#[derive(Clone, Debug, PartialEq)]
pub enum SpectralError {
    /// An array does not match the operator.
    Shape {
        /// Which array.
        name: &'static str,
        /// Its length.
        len: usize,
        /// The length needed.
        expected: usize,
    },
    /// A value outside its allowed range.
    Value {
        /// Which setting.
        name: &'static str,
        /// The value.
        value: f64,
        /// What it must be.
        need: &'static str,
    },
}

impl std::fmt::Display for SpectralError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SpectralError::Shape {
                name,
                len,
                expected,
            } => write!(f, "spectral: {name} has {len} values, expected {expected}"),
            SpectralError::Value { name, value, need } => {
                write!(f, "spectral: {name} = {value}; it must be {need}")
            }
        }
    }
}

impl std::error::Error for SpectralError {}
