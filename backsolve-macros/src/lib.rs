//! Procedural macros of backsolve: `#[differentiable]`, `#[derive(Differentiable)]` and
//! `#[adjoint(of = ...)]`. Use them through the `backsolve` facade crate.
//!
//! The expansion runs in four passes, each in its own module:
//! `rename` (every binding gets a unique name), `activity` (which variables carry derivatives),
//! `lower` (syn -> IR: decomposition, loops over slices, exits to flags) and `codegen`
//! (forward sweep with records, reverse sweep). Errors from every pass are collected with spans
//! and reported together.

mod activity;
mod codegen;
mod ctx;
mod derive;
mod expand;
#[cfg(test)]
mod golden;
mod ir;
mod known;
mod lower;
mod nested;
mod rename;
mod runtime;
mod sig;
mod syntax;
mod tangent;
mod token_map;

use proc_macro::TokenStream;

/// Generate the reverse-mode pullback of a function at compile time.
///
/// `#[differentiable] fn NAME(args) -> R` keeps `NAME` and adds, with the same visibility,
/// `fn NAME_pullback(args, d_ret, d_a: &mut A', ...) -> R` with one adjoint per active argument
/// in declaration order. It returns the primal value and adds (`+=`) into the adjoints.
///
/// Options: `wrt(a, b)` restricts the active arguments; `check` also generates
/// `NAME_gradcheck(args) -> backsolve::GradReport` comparing the pullback with central finite
/// differences; `debug` prints the expansion to stderr at compile time.
#[proc_macro_attribute]
pub fn differentiable(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand_differentiable(attr.into(), item.into()).into()
}

/// Make a struct of differentiable fields usable as an active argument (model parameters,
/// network weights): it becomes its own adjoint type, with zeroing, accumulation and a flat
/// view of its reals. The struct must also derive `Clone`. Mark fields that are configuration,
/// not parameters, with `#[differentiable(skip)]`.
#[proc_macro_derive(Differentiable, attributes(differentiable))]
pub fn derive_differentiable(item: TokenStream) -> TokenStream {
    derive::expand_derive(item.into()).into()
}

/// Supply a hand-written pullback for a function (also of another crate).
///
/// ```text
/// #[adjoint(of = bessel_j0)]
/// fn bessel_j0_rule(x: f64, d_ret: f64, d_x: &mut f64) -> f64 { ... }
/// ```
///
/// The rule takes the function's parameters, then `d_ret`, then one `&mut` adjoint per active
/// parameter (the same contract as a generated `NAME_pullback`), and returns the primal value.
/// Differentiable code that calls `bessel_j0(x)` then uses the rule.
#[proc_macro_attribute]
pub fn adjoint(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand_adjoint(attr.into(), item.into()).into()
}

/// Supply a hand-written tangent (forward-mode) rule for a function, beside or instead of an
/// `#[adjoint]` rule.
///
/// ```text
/// #[tangent(of = bessel_j0)]
/// fn bessel_j0_tangent(x: f64, d_x: f64) -> (f64, f64) { (bessel_j0(x), -bessel_j1(x) * d_x) }
/// ```
///
/// The rule takes the function's parameters, then one tangent `d_NAME` per active parameter (the
/// trailing parameters named `d_..`; the same contract as a generated `NAME_jvp`), and returns
/// the value and its tangent. Forward-mode code that calls `bessel_j0(x)` then uses the rule.
#[proc_macro_attribute]
pub fn tangent(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand_tangent(attr.into(), item.into()).into()
}
