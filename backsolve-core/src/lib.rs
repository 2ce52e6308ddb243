//! Runtime of backsolve: the adjoint traits and rules that `#[differentiable]` code is
//! compiled against, typed tapes, and gradient checking.
//!
//! Users depend on the `backsolve` facade, which re-exports this crate together with the
//! macros. See the workspace README for the contract of the generated pullbacks.

#![warn(missing_docs)]

// The network blocks are written with the macro, whose generated code names this crate.
#[cfg(feature = "nn")]
extern crate self as backsolve_core;

pub mod adjoint;
pub mod differentiable;
pub mod gradcheck;
pub mod inverse;
#[cfg(feature = "faer")]
pub mod linalg;
#[cfg(feature = "faer")]
pub mod matrix;
#[cfg(feature = "nn")]
pub mod nn;
pub mod rules;
pub mod tangent;
pub mod tape;

#[doc(hidden)]
pub mod rt;

/// Alias used by generated code; not a public API.
#[doc(hidden)]
pub use rt as __rt;

#[cfg(feature = "faer")]
pub use faer;
pub use num_complex;

/// Double-precision complex number; the same type as `faer::c64`.
#[allow(non_camel_case_types)]
pub type c64 = num_complex::Complex<f64>;

pub use adjoint::{AccFrom, Accumulate, AdjIndex, Adjoint, ArgAdj, IntoAdj, LazyZero, Rec};
pub use differentiable::{Differentiable, SplitMix64};
pub use gradcheck::{
    check_gradient, check_tangent, CheckOptions, GradEntry, GradReport, TangentReport,
};
