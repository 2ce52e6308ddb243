//! Tangents for forward mode: what `NAME_jvp` functions take and pass on.
//!
//! A tangent has the type of its primal: `f64` for `f64`, `&[f64]` for `&[f64]`, `&Mat<c64>`
//! for `&Mat<c64>`, `&P` for a `#[derive(Differentiable)]` struct. Between generated functions
//! a constant argument has no tangent: the caller passes [`NoTan`] and the callee builds a zero
//! of its primal's shape, so a constant costs nothing where it is not used.

use crate::c64;
use std::borrow::{Borrow, Cow};

/// The tangent of an argument that does not vary (a literal, an inactive variable).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoTan;

/// A zero tangent shaped like a value.
pub trait ZeroTangent: ToOwned {
    /// A zero of the shape of `self`.
    fn zero_tangent(&self) -> Self::Owned;
}

impl ZeroTangent for f64 {
    fn zero_tangent(&self) -> f64 {
        0.0
    }
}

impl ZeroTangent for c64 {
    fn zero_tangent(&self) -> c64 {
        c64::new(0.0, 0.0)
    }
}

impl<T: ZeroTangent<Owned = T> + Clone> ZeroTangent for [T] {
    fn zero_tangent(&self) -> Vec<T> {
        self.iter().map(ZeroTangent::zero_tangent).collect()
    }
}

impl<T: ZeroTangent<Owned = T> + Clone> ZeroTangent for Vec<T> {
    fn zero_tangent(&self) -> Vec<T> {
        self.iter().map(ZeroTangent::zero_tangent).collect()
    }
}

impl<T: ZeroTangent<Owned = T> + Clone, const N: usize> ZeroTangent for [T; N] {
    fn zero_tangent(&self) -> [T; N] {
        std::array::from_fn(|i| self[i].zero_tangent())
    }
}

#[cfg(feature = "faer")]
impl<T: crate::matrix::MatElem> ZeroTangent for faer::Mat<T> {
    fn zero_tangent(&self) -> faer::Mat<T> {
        faer::Mat::zeros(self.nrows(), self.ncols())
    }
}

macro_rules! tuple_zero {
    ($($t:ident $i:tt),*) => {
        impl<$($t: ZeroTangent<Owned = $t> + Clone),*> ZeroTangent for ($($t,)*) {
            fn zero_tangent(&self) -> Self {
                ($(self.$i.zero_tangent(),)*)
            }
        }
    };
}
tuple_zero!(A 0, B 1);
tuple_zero!(A 0, B 1, C 2);
tuple_zero!(A 0, B 1, C 2, D 3);

/// A zero tangent of the shape of `x`.
pub fn zero_tangent<T: ZeroTangent + ?Sized>(x: &T) -> T::Owned {
    x.zero_tangent()
}

/// The tangent passed for a by-value argument of type `T`: a `T`, or [`NoTan`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a tangent of a `{T}` argument",
    note = "a tangent has the type of its primal argument (`f64` for `f64`, `c64` for `c64`)"
)]
pub trait TanValue<T> {
    /// The tangent, a zero of `primal`'s shape for [`NoTan`].
    fn tangent(self, primal: &T) -> T;
}

impl<T> TanValue<T> for T {
    fn tangent(self, _: &T) -> T {
        self
    }
}

impl<T: ZeroTangent<Owned = T>> TanValue<T> for NoTan {
    fn tangent(self, primal: &T) -> T {
        primal.zero_tangent()
    }
}

/// The tangent passed for a borrowed argument `&'a T`: anything that borrows as a `T`
/// (`&Vec<f64>` for `&[f64]`), or [`NoTan`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a tangent of a `&{T}` argument",
    note = "a tangent has the type of its primal argument (`&[f64]` for `&[f64]`, `&Mat<c64>` for `&Mat<c64>`)"
)]
pub trait TanRef<'a, T: ?Sized + ToOwned> {
    /// The tangent, borrowed, or a zero of `primal`'s shape for [`NoTan`].
    fn tangent(self, primal: &T) -> Cow<'a, T>;
    /// The tangent, or `None` for [`NoTan`]: a rule skips the terms of constant arguments.
    fn present(self) -> Option<&'a T>;
}

impl<'a, T: ?Sized + ToOwned, B: Borrow<T> + ?Sized> TanRef<'a, T> for &'a B {
    fn tangent(self, _: &T) -> Cow<'a, T> {
        Cow::Borrowed(self.borrow())
    }
    fn present(self) -> Option<&'a T> {
        Some(self.borrow())
    }
}

impl<'a, T: ZeroTangent + ?Sized> TanRef<'a, T> for NoTan {
    fn tangent(self, primal: &T) -> Cow<'a, T> {
        Cow::Owned(primal.zero_tangent())
    }
    fn present(self) -> Option<&'a T> {
        None
    }
}

/// What a caller may pass for a parameter the callee does not differentiate: only [`NoTan`].
#[diagnostic::on_unimplemented(
    message = "a varying value is passed to a parameter the called function does not differentiate",
    note = "the called function leaves this parameter out (an integer, or not in its `wrt(..)`), which would silently drop part of the derivative: add it to the callee's `wrt(..)` list, or pass a constant"
)]
pub trait Inactive {}

impl Inactive for NoTan {}

/// A tangent computed in a narrower type carried into the result's type (`f64 -> c64` when a
/// real variable meets a complex constant: `x + i`), or taken out of a borrow.
pub trait Lift<R> {
    /// Convert.
    fn lift(self) -> R;
}

impl<T> Lift<T> for T {
    fn lift(self) -> T {
        self
    }
}

impl Lift<c64> for f64 {
    fn lift(self) -> c64 {
        c64::new(self, 0.0)
    }
}

impl<T: Clone> Lift<T> for &T {
    fn lift(self) -> T {
        self.clone()
    }
}

/// `d` in the type of the result `like`.
pub fn lift_like<R, D: Lift<R>>(_like: &R, d: D) -> R {
    d.lift()
}

/// A scalar operand by value, through references (`for v in x` binds `&f64`): generated code
/// calls `(v).bs_scalar()` and method-call auto-deref finds the value.
pub trait ScalarValue: Copy {
    /// The value.
    fn bs_scalar(self) -> Self;
}

impl ScalarValue for f64 {
    fn bs_scalar(self) -> f64 {
        self
    }
}

impl ScalarValue for c64 {
    fn bs_scalar(self) -> c64 {
        self
    }
}
