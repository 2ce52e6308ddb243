//! The traits through which generated pullbacks talk about types they cannot see.
//!
//! The `#[differentiable]` macro never guesses a type. Every place where the adjoint code needs
//! to know something about a value — what its adjoint type is, how to make a zero of the right
//! shape, how to keep a copy of it for the reverse sweep, how to add two adjoints — is a call
//! into one of these traits, and rustc picks the implementation.
//!
//! Complex convention (PyTorch / ChainRules): for a real loss `L` and `z = x + i y`, the adjoint
//! of `z` is `dL/dx + i dL/dy`. With it, every matrix rule is the real rule with `T -> H`.

use crate::c64;

/// A value that has an adjoint (cotangent) type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no adjoint type",
    note = "derive `Differentiable` for structs of parameters, or keep this value out of the gradient with `#[differentiable(wrt(...))]`"
)]
///
/// `Shape` is what is needed to build a zero adjoint later, in the reverse sweep, when the value
/// itself is gone: `()` for scalars (so recording it costs nothing), a length for vectors, the
/// dimensions for matrices.
pub trait Adjoint {
    /// The cotangent type. Integers and booleans have `()`.
    type Adj: Accumulate;
    /// What is needed to build a zero adjoint of the right size.
    type Shape;
    /// The shape of this value.
    fn shape(&self) -> Self::Shape;
    /// A zero adjoint of the given shape.
    fn zero_adj(shape: &Self::Shape) -> Self::Adj;
}

#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an adjoint value",
    note = "`NoGrad` here means a differentiable value is passed to a parameter that the called function leaves out with `wrt(..)`, which would silently drop part of the gradient: add that parameter to the callee's `wrt(..)` list, or pass a constant"
)]
/// Adjoint values: addition in place, and a zero of the same shape.
///
/// `Vec` adjoints may be shorter than their primal (a vector that grew by `push`): a missing
/// tail counts as zero, and accumulation pads.
pub trait Accumulate {
    /// `self += other`.
    fn acc(&mut self, other: Self);
    /// A zero of the same shape as `self`.
    fn zeros_like(&self) -> Self;
}

/// An owned copy of a value, kept on a tape for the reverse sweep.
///
/// References record what they point to (`&[f64]` records a `Vec<f64>`), so a record never
/// borrows from the forward sweep.
pub trait Rec {
    /// The owned type that is recorded.
    type R;
    /// Copy the value.
    fn rec(&self) -> Self::R;
}

#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a differentiable parameter type",
    note = "derive `Differentiable` for it (and `Clone`), or leave this parameter out of the gradient with `#[differentiable(wrt(...))]`"
)]
/// The adjoint type of a *parameter* of a differentiable function, as it appears behind `&mut`
/// in the generated pullback: `f64 -> f64`, `&[T] -> [T]`, `&Mat<T> -> Mat<T>`, `&P -> P`.
pub trait ArgAdj {
    /// The adjoint type, possibly unsized (`[f64]`).
    type Adj: ?Sized;
}

/// Conversion of a user-facing output cotangent (`d_ret`) to the owned adjoint type.
pub trait IntoAdj {
    /// The owned adjoint.
    type Adj;
    /// Convert.
    fn into_adj(self) -> Self::Adj;
}

/// Accumulation into a possibly unsized adjoint (`[f64] += Vec<f64>`).
#[diagnostic::on_unimplemented(
    message = "cannot add an adjoint of type `{V}` into an adjoint of type `{Self}`",
    note = "`NoGrad` here means a differentiable value is passed to a parameter that the called function leaves out with `wrt(..)`, which would silently drop part of the gradient: add that parameter to the callee's `wrt(..)` list, or pass a constant"
)]
pub trait AccFrom<V> {
    /// `self += v`.
    fn acc_from(&mut self, v: V);
}

impl<A: Accumulate> AccFrom<A> for A {
    #[inline]
    fn acc_from(&mut self, v: A) {
        self.acc(v)
    }
}

impl<T: Accumulate> AccFrom<Vec<T>> for [T] {
    fn acc_from(&mut self, v: Vec<T>) {
        assert!(
            v.len() <= self.len(),
            "backsolve: adjoint of length {} added into a slice adjoint of length {}",
            v.len(),
            self.len()
        );
        for (s, x) in self.iter_mut().zip(v) {
            s.acc(x);
        }
    }
}

/// An adjoint that stands for zero without knowing its shape: `0.0`, an empty `Vec`, a 0x0
/// matrix. A `Vec` adjoint indexed past its end (its primal grew by `push`) grows with these,
/// and accumulation treats them as zero.
pub trait LazyZero {
    /// The shapeless zero.
    fn lazy_zero() -> Self;
}

impl LazyZero for f64 {
    fn lazy_zero() -> f64 {
        0.0
    }
}
impl LazyZero for c64 {
    fn lazy_zero() -> c64 {
        c64::new(0.0, 0.0)
    }
}
impl LazyZero for () {
    fn lazy_zero() {}
}
impl<T> LazyZero for Vec<T> {
    fn lazy_zero() -> Vec<T> {
        Vec::new()
    }
}
impl<T: LazyZero, const N: usize> LazyZero for [T; N] {
    fn lazy_zero() -> [T; N] {
        std::array::from_fn(|_| T::lazy_zero())
    }
}

/// Indexing into an adjoint, growing lazily-short `Vec` adjoints with zeros.
pub trait AdjIndex<I> {
    /// The adjoint of one element.
    type Out: ?Sized;
    /// A mutable reference to the adjoint of element `i`.
    fn adj_index(&mut self, i: I) -> &mut Self::Out;
}

impl<T: Accumulate + LazyZero> AdjIndex<usize> for Vec<T> {
    type Out = T;
    #[inline]
    fn adj_index(&mut self, i: usize) -> &mut T {
        if i >= self.len() {
            self.resize_with(i + 1, T::lazy_zero);
        }
        &mut self[i]
    }
}

impl<T> AdjIndex<usize> for [T] {
    type Out = T;
    #[inline]
    fn adj_index(&mut self, i: usize) -> &mut T {
        &mut self[i]
    }
}

impl<T, const N: usize> AdjIndex<usize> for [T; N] {
    type Out = T;
    #[inline]
    fn adj_index(&mut self, i: usize) -> &mut T {
        &mut self[i]
    }
}

// ---------------------------------------------------------------- scalars

macro_rules! float_like {
    ($($t:ty),*) => {$(
        impl Adjoint for $t {
            type Adj = $t;
            type Shape = ();
            #[inline]
            fn shape(&self) {}
            #[inline]
            fn zero_adj(_: &()) -> $t {
                <$t>::default()
            }
        }
        impl Accumulate for $t {
            #[inline]
            fn acc(&mut self, other: $t) {
                *self += other;
            }
            #[inline]
            fn zeros_like(&self) -> $t {
                <$t>::default()
            }
        }
        impl Rec for $t {
            type R = $t;
            #[inline]
            fn rec(&self) -> $t {
                *self
            }
        }
        impl ArgAdj for $t {
            type Adj = $t;
        }
        impl IntoAdj for $t {
            type Adj = $t;
            #[inline]
            fn into_adj(self) -> $t {
                self
            }
        }
    )*};
}
float_like!(f64, c64);

macro_rules! inactive {
    ($($t:ty),*) => {$(
        impl Adjoint for $t {
            type Adj = ();
            type Shape = ();
            #[inline]
            fn shape(&self) {}
            #[inline]
            fn zero_adj(_: &()) {}
        }
        impl Rec for $t {
            type R = $t;
            #[inline]
            fn rec(&self) -> $t {
                *self
            }
        }
        impl ArgAdj for $t {
            type Adj = ();
        }
    )*};
}
inactive!(usize, isize, u8, u16, u32, u64, i8, i16, i32, i64, bool, char);

impl Accumulate for () {
    #[inline]
    fn acc(&mut self, _: ()) {}
    #[inline]
    fn zeros_like(&self) {}
}

impl IntoAdj for () {
    type Adj = ();
    fn into_adj(self) {}
}

// ---------------------------------------------------------------- references

impl<T: Rec + ?Sized> Rec for &T {
    type R = T::R;
    #[inline]
    fn rec(&self) -> T::R {
        (**self).rec()
    }
}

impl<T: Rec + ?Sized> Rec for &mut T {
    type R = T::R;
    #[inline]
    fn rec(&self) -> T::R {
        (**self).rec()
    }
}

impl<T: Clone> Rec for [T] {
    type R = Vec<T>;
    fn rec(&self) -> Vec<T> {
        self.to_vec()
    }
}

impl<T: Adjoint> ArgAdj for &[T] {
    type Adj = [T::Adj];
}

impl<T: Adjoint> ArgAdj for &mut [T] {
    type Adj = [T::Adj];
}

impl<T: Adjoint> ArgAdj for Vec<T> {
    type Adj = [T::Adj];
}

impl<T: Adjoint> ArgAdj for &Vec<T> {
    type Adj = [T::Adj];
}

impl<T: Clone + IntoAdj<Adj = T>> IntoAdj for &[T] {
    type Adj = Vec<T>;
    fn into_adj(self) -> Vec<T> {
        self.to_vec()
    }
}

// ---------------------------------------------------------------- Vec and arrays

impl<T: Adjoint> Adjoint for Vec<T> {
    type Adj = Vec<T::Adj>;
    type Shape = Vec<T::Shape>;
    fn shape(&self) -> Self::Shape {
        self.iter().map(T::shape).collect()
    }
    fn zero_adj(shape: &Self::Shape) -> Self::Adj {
        shape.iter().map(T::zero_adj).collect()
    }
}

impl<T: Accumulate> Accumulate for Vec<T> {
    fn acc(&mut self, other: Vec<T>) {
        if other.len() > self.len() {
            let mut other = other;
            let tail = other.split_off(self.len());
            for (s, x) in self.iter_mut().zip(other) {
                s.acc(x);
            }
            self.extend(tail);
        } else {
            for (s, x) in self.iter_mut().zip(other) {
                s.acc(x);
            }
        }
    }
    fn zeros_like(&self) -> Self {
        self.iter().map(T::zeros_like).collect()
    }
}

impl<T: Clone> Rec for Vec<T> {
    type R = Vec<T>;
    fn rec(&self) -> Vec<T> {
        self.clone()
    }
}

impl<T: Adjoint, const N: usize> Adjoint for [T; N] {
    type Adj = [T::Adj; N];
    type Shape = [T::Shape; N];
    fn shape(&self) -> Self::Shape {
        std::array::from_fn(|i| self[i].shape())
    }
    fn zero_adj(shape: &Self::Shape) -> Self::Adj {
        std::array::from_fn(|i| T::zero_adj(&shape[i]))
    }
}

impl<T: Accumulate, const N: usize> Accumulate for [T; N] {
    fn acc(&mut self, other: Self) {
        for (s, x) in self.iter_mut().zip(other) {
            s.acc(x);
        }
    }
    fn zeros_like(&self) -> Self {
        std::array::from_fn(|i| self[i].zeros_like())
    }
}

impl<T: Clone, const N: usize> Rec for [T; N] {
    type R = [T; N];
    fn rec(&self) -> [T; N] {
        self.clone()
    }
}

impl<T: Adjoint, const N: usize> ArgAdj for [T; N] {
    type Adj = [T::Adj; N];
}

impl<T: Adjoint, const N: usize> ArgAdj for &[T; N] {
    type Adj = [T::Adj; N];
}

impl<T: Clone + IntoAdj<Adj = T>, const N: usize> IntoAdj for &[T; N] {
    type Adj = [T; N];
    fn into_adj(self) -> [T; N] {
        self.clone()
    }
}

// ---------------------------------------------------------------- tuples

macro_rules! tuple_impls {
    ($(($($n:tt $t:ident),+)),*) => {$(
        impl<$($t: Adjoint),+> Adjoint for ($($t,)+) {
            type Adj = ($($t::Adj,)+);
            type Shape = ($($t::Shape,)+);
            fn shape(&self) -> Self::Shape {
                ($(self.$n.shape(),)+)
            }
            fn zero_adj(shape: &Self::Shape) -> Self::Adj {
                ($($t::zero_adj(&shape.$n),)+)
            }
        }
        impl<$($t: Accumulate),+> Accumulate for ($($t,)+) {
            fn acc(&mut self, other: Self) {
                $(self.$n.acc(other.$n);)+
            }
            fn zeros_like(&self) -> Self {
                ($(self.$n.zeros_like(),)+)
            }
        }
        impl<$($t: Rec),+> Rec for ($($t,)+) {
            type R = ($($t::R,)+);
            fn rec(&self) -> Self::R {
                ($(self.$n.rec(),)+)
            }
        }
        impl<$($t: LazyZero),+> LazyZero for ($($t,)+) {
            fn lazy_zero() -> Self {
                ($($t::lazy_zero(),)+)
            }
        }
        impl<$($t: IntoAdj),+> IntoAdj for ($($t,)+) {
            type Adj = ($($t::Adj,)+);
            fn into_adj(self) -> Self::Adj {
                ($(self.$n.into_adj(),)+)
            }
        }
    )*};
}
tuple_impls!((0 A, 1 B), (0 A, 1 B, 2 C), (0 A, 1 B, 2 C, 3 D));

// ---------------------------------------------------------------- borrowed and unsized values

/// A reference has the adjoint of what it points to (a `let x = &v[k];` binding accumulates into
/// an `f64`).
impl<T: Adjoint + ?Sized> Adjoint for &T {
    type Adj = T::Adj;
    type Shape = T::Shape;
    fn shape(&self) -> T::Shape {
        (**self).shape()
    }
    fn zero_adj(shape: &T::Shape) -> T::Adj {
        T::zero_adj(shape)
    }
}

impl<T: Adjoint + ?Sized> Adjoint for &mut T {
    type Adj = T::Adj;
    type Shape = T::Shape;
    fn shape(&self) -> T::Shape {
        (**self).shape()
    }
    fn zero_adj(shape: &T::Shape) -> T::Adj {
        T::zero_adj(shape)
    }
}

impl<T: Adjoint> Adjoint for [T] {
    type Adj = Vec<T::Adj>;
    type Shape = Vec<T::Shape>;
    fn shape(&self) -> Self::Shape {
        self.iter().map(T::shape).collect()
    }
    fn zero_adj(shape: &Self::Shape) -> Self::Adj {
        shape.iter().map(T::zero_adj).collect()
    }
}
