//! # backsolve
//!
//! Compile-time differentiation of physics simulators (reverse mode, forward mode and nested
//! derivatives), and the inverse problems built on it.
//!
//! ```
//! use backsolve::prelude::*;
//!
//! #[differentiable]
//! fn energy(x: &[f64], k: f64) -> f64 {
//!     let mut e = 0.0;
//!     for i in 1..x.len() {
//!         let s = x[i] - x[i - 1];
//!         e += 0.5 * k * s * s;
//!     }
//!     e
//! }
//!
//! let x = [0.0, 1.0, 3.0];
//! let (mut dx, mut dk) = (vec![0.0; 3], 0.0);
//! let e = energy_pullback(&x, 2.0, 1.0, &mut dx, &mut dk);
//! assert_eq!(e, 5.0);
//! assert_eq!(dx, vec![-2.0, -2.0, 4.0]);
//! assert_eq!(dk, 2.5);
//! ```
//!
//! See the README for the contract of the generated pullbacks. This crate has no command-line
//! dependencies and no build script; the `backsolve` command is the `backsolve-cli` crate.

pub use backsolve_core::*;
pub use backsolve_macros::{adjoint, differentiable, tangent, Differentiable};

/// The simulators of the seed papers: transport, QTBM, optical spectra, lattices.
#[cfg(feature = "models")]
pub use backsolve_models as models;

/// Everything a simulator file needs.
pub mod prelude {
    pub use backsolve_core::c64;
    pub use backsolve_core::faer;
    pub use backsolve_core::faer::{Col, Mat};
    pub use backsolve_core::{Accumulate, Differentiable, GradReport, TangentReport};
    pub use backsolve_macros::{adjoint, differentiable, tangent, Differentiable};
}

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
