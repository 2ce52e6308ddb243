//! Physical simulators of backsolve, each an ordinary Rust function with `#[differentiable]`:
//! no model contains a hand-written adjoint of itself.
//!
//! - [`transport`]: two-terminal conductance of a 2D tight-binding conductor in a magnetic field
//!   by the transfer-matrix method (seed paper "backsolution", sections II.2, III).

#![warn(missing_docs)]

pub mod lattice;
pub mod qtbm;
pub mod spectral;
pub mod transport;
