//! The small vocabulary generated pullbacks are written in. Not a public API: names here may
//! change with the macro. Everything is a generic function so that rustc, not the macro, decides
//! which rule applies to which type.

use crate::adjoint::{AccFrom, Accumulate, AdjIndex, Adjoint, IntoAdj, LazyZero, Rec};
use crate::rules::{AddRule, Adj, DivRule, MulRule, NegRule, SubRule};
use std::marker::PhantomData;

pub use crate::adjoint::ArgAdj;
pub use crate::differentiable::{random_like, Differentiable, SplitMix64};
pub use crate::gradcheck::{check_gradient, check_tangent, CheckOptions, GradReport};
pub use crate::rules::elementary::*;
pub use crate::tangent::{lift_like, zero_tangent, Inactive, NoTan, ScalarValue, TanRef, TanValue};
pub use crate::tape::Tape;

/// A zero-sized witness of a recorded value's type.
pub type W<T> = PhantomData<T>;

/// The witness of `x`'s owned type.
#[inline(always)]
pub fn w<T: Rec + ?Sized>(_: &T) -> W<T::R> {
    PhantomData
}

/// An owned copy of `x` for the reverse sweep.
#[inline(always)]
pub fn rec<T: Rec + ?Sized>(x: &T) -> T::R {
    x.rec()
}

/// The shape of a binding, kept to build its zero adjoint in the reverse sweep.
pub struct ShapeRec<T: Adjoint + ?Sized>(T::Shape, PhantomData<fn() -> *const T>);

/// Record the shape of `x`.
#[inline(always)]
pub fn shape<T: Adjoint + ?Sized>(x: &T) -> ShapeRec<T> {
    ShapeRec(x.shape(), PhantomData)
}

/// A recorded shape named by the shape and adjoint types only, not the binding's type (which
/// may borrow): the tapes of split-mode functions, which move into a reverse closure that
/// outlives those borrows, hold these. The zero is built through a function pointer.
pub struct OwnedShapeRec<S, A>(S, fn(&S) -> A);

/// Record the shape of `x` for a split-mode tape.
#[inline(always)]
pub fn owned_shape<T: Adjoint + ?Sized>(x: &T) -> OwnedShapeRec<T::Shape, T::Adj> {
    OwnedShapeRec(x.shape(), T::zero_adj)
}

/// A recorded shape that can build a zero adjoint.
pub trait ZeroFromShape {
    /// The adjoint type.
    type Adj;
    /// The zero adjoint of the recorded shape.
    fn zero_adj(&self) -> Self::Adj;
}

impl<T: Adjoint + ?Sized> ZeroFromShape for ShapeRec<T> {
    type Adj = T::Adj;
    #[inline(always)]
    fn zero_adj(&self) -> T::Adj {
        T::zero_adj(&self.0)
    }
}

impl<S, A> ZeroFromShape for OwnedShapeRec<S, A> {
    type Adj = A;
    #[inline(always)]
    fn zero_adj(&self) -> A {
        (self.1)(&self.0)
    }
}

/// A zero adjoint from a recorded shape.
#[inline(always)]
pub fn zero<Z: ZeroFromShape>(s: &Z) -> Z::Adj {
    s.zero_adj()
}

/// A zero adjoint of the same shape as a recorded value.
#[inline(always)]
pub fn zero_of<T: Adjoint>(x: &T) -> T::Adj {
    T::zero_adj(&x.shape())
}

/// `*d += v`.
#[inline(always)]
pub fn acc<D: AccFrom<V> + ?Sized, V>(d: &mut D, v: V) {
    d.acc_from(v)
}

/// Take an adjoint out of its variable, leaving a zero of the same shape.
#[inline(always)]
pub fn take<A: Accumulate>(d: &mut A) -> A {
    let z = d.zeros_like();
    std::mem::replace(d, z)
}

/// The adjoint of element `i` of a `Vec` adjoint that may be shorter than its primal; consumes it.
#[inline]
pub fn take_at<T: LazyZero>(d: &mut Vec<T>, i: usize) -> T {
    if d.len() > i {
        d.truncate(i + 1);
        d.pop().unwrap_or_else(T::lazy_zero)
    } else {
        T::lazy_zero()
    }
}

/// Mutable access to the adjoint of an indexed element.
#[inline(always)]
pub fn at<D: AdjIndex<I> + ?Sized, I>(d: &mut D, i: I) -> &mut D::Out {
    d.adj_index(i)
}

/// A copy of an adjoint.
#[inline(always)]
pub fn copy<A: Clone>(d: &A) -> A {
    d.clone()
}

/// A user-facing output cotangent as the owned adjoint.
#[inline(always)]
pub fn ret<T: IntoAdj>(d: T) -> T::Adj {
    d.into_adj()
}

macro_rules! binop_fns {
    ($tr:ident, $dl:ident, $dr:ident) => {
        /// Left adjoint of the operator.
        #[inline(always)]
        pub fn $dl<A: $tr<B>, B: Adjoint>(_: W<A>, _: W<B>, d: &Adj<A::Out>) -> A::Adj {
            A::d_lhs(d)
        }
        /// Right adjoint of the operator.
        #[inline(always)]
        pub fn $dr<A: $tr<B>, B: Adjoint>(_: W<A>, _: W<B>, d: &Adj<A::Out>) -> B::Adj {
            A::d_rhs(d)
        }
    };
}
binop_fns!(AddRule, add_dl, add_dr);
binop_fns!(SubRule, sub_dl, sub_dr);

/// Left adjoint of `a * b`.
#[inline(always)]
pub fn mul_dl<A: MulRule<B>, B: Adjoint>(_: W<A>, b: &B, d: &Adj<A::Out>) -> A::Adj {
    A::d_lhs(b, d)
}
/// Right adjoint of `a * b`.
#[inline(always)]
pub fn mul_dr<A: MulRule<B>, B: Adjoint>(a: &A, _: W<B>, d: &Adj<A::Out>) -> B::Adj {
    A::d_rhs(a, d)
}
/// Left adjoint of `a / b`.
#[inline(always)]
pub fn div_dl<A: DivRule<B>, B: Adjoint>(a: &A, b: &B, d: &Adj<A::Out>) -> A::Adj {
    A::d_lhs(a, b, d)
}
/// Right adjoint of `a / b`.
#[inline(always)]
pub fn div_dr<A: DivRule<B>, B: Adjoint>(a: &A, b: &B, d: &Adj<A::Out>) -> B::Adj {
    A::d_rhs(a, b, d)
}
/// Adjoint of `-a`.
#[inline(always)]
pub fn neg_d<A: NegRule>(_: W<A>, d: &A::Adj) -> A::Adj {
    A::d_neg(d)
}

/// A value of the adjoint type of `like` with random components, for gradient checks.
pub fn random_cotangent<T: Adjoint>(like: &T, rng: &mut SplitMix64) -> T::Adj
where
    T::Adj: Differentiable,
{
    random_like(&zero_of(like), rng)
}

/// Flatten a (possibly unsized) adjoint or value into reals.
pub trait Flatten {
    /// Append the real components.
    fn flatten_into(&self, out: &mut Vec<f64>);
}
impl<T: Differentiable> Flatten for T {
    fn flatten_into(&self, out: &mut Vec<f64>) {
        self.write_reals(out)
    }
}
impl<T: Differentiable> Flatten for [T] {
    fn flatten_into(&self, out: &mut Vec<f64>) {
        self.iter().for_each(|x| x.write_reals(out))
    }
}
/// Number of reals in a flattened value.
pub fn n_reals<T: Flatten + ?Sized>(x: &T) -> usize {
    let mut v = Vec::new();
    x.flatten_into(&mut v);
    v.len()
}
/// Append the flat view of `x`.
pub fn flatten<T: Flatten + ?Sized>(x: &T, out: &mut Vec<f64>) {
    x.flatten_into(out)
}
/// Overwrite an owned value from the front of `src`; returns how many reals were read.
pub fn unflatten<T: Differentiable>(x: &mut T, src: &[f64]) -> usize {
    x.read_reals(src)
}
/// `Re <a, b>` of two values of the same shape, through their flat views.
pub fn pair<T: Flatten + ?Sized, U: Flatten + ?Sized>(a: &T, b: &U) -> f64 {
    let mut va = Vec::new();
    let mut vb = Vec::new();
    a.flatten_into(&mut va);
    b.flatten_into(&mut vb);
    assert_eq!(
        va.len(),
        vb.len(),
        "backsolve: pairing values of different sizes"
    );
    va.iter().zip(&vb).map(|(x, y)| x * y).sum()
}

/// The adjoint a callee reports for a parameter it leaves out with `wrt(..)`.
///
/// It deliberately cannot be added to anything: passing a differentiable value to such a
/// parameter would silently drop part of the gradient, so it is a compile error instead.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoGrad;

/// A value the reverse sweep reads again instead of recording it: `(&x).rec_ref()` auto-derefs
/// a parameter (`&&Mat<c64>`, `f64`) down to the owned type the rules take.
pub trait RecRef {
    /// The value, by reference.
    fn rec_ref(&self) -> &Self;
}
macro_rules! rec_ref {
    ($($t:ty),*) => {$(
        impl RecRef for $t {
            #[inline(always)]
            fn rec_ref(&self) -> &Self {
                self
            }
        }
    )*};
}
rec_ref!(f64, crate::c64, usize, isize, i32, i64, u32, u64, bool);
impl<T> RecRef for Vec<T> {
    #[inline(always)]
    fn rec_ref(&self) -> &Self {
        self
    }
}
impl<T, const N: usize> RecRef for [T; N] {
    #[inline(always)]
    fn rec_ref(&self) -> &Self {
        self
    }
}
#[cfg(feature = "faer")]
impl<T> RecRef for faer::Mat<T> {
    #[inline(always)]
    fn rec_ref(&self) -> &Self {
        self
    }
}
#[cfg(feature = "faer")]
impl<T> RecRef for faer::Col<T> {
    #[inline(always)]
    fn rec_ref(&self) -> &Self {
        self
    }
}

/// A callee's adjoint for an argument that was a temporary (checked to be a real adjoint).
#[inline(always)]
pub fn adjoint_slot<A: Accumulate>(a: A) -> A {
    a
}

/// Rebuild an argument of the callee's parameter type from a recorded value.
pub trait FromRec<'a, R: ?Sized> {
    /// Borrow or copy.
    fn from_rec(r: &'a R) -> Self;
}
impl<'a, P: Clone> FromRec<'a, P> for P {
    #[inline(always)]
    fn from_rec(r: &'a P) -> P {
        r.clone()
    }
}
impl<'a, P: ?Sized> FromRec<'a, P> for &'a P {
    #[inline(always)]
    fn from_rec(r: &'a P) -> &'a P {
        r
    }
}
impl<'a, T> FromRec<'a, Vec<T>> for &'a [T] {
    #[inline(always)]
    fn from_rec(r: &'a Vec<T>) -> &'a [T] {
        r
    }
}

/// The adjoint of `vec![x; n]` with respect to `x`: the sum of the element adjoints.
pub fn sum_vec<A: Accumulate + LazyZero>(d: Vec<A>) -> A {
    let mut s = A::lazy_zero();
    for x in d {
        s.acc(x);
    }
    s
}

// ------------------------------------------------------------- trip counts

thread_local! {
    /// The iterations of each counted `while` loop, when counting (gradient checks only).
    static TRIPS: std::cell::RefCell<Option<Vec<usize>>> = const { std::cell::RefCell::new(None) };
}

/// One iteration of counted `while` loop `id` (the gradient check's copy of a function).
#[inline]
pub fn trip(id: usize) {
    TRIPS.with(|t| {
        if let Some(counts) = t.borrow_mut().as_mut() {
            if counts.len() <= id {
                counts.resize(id + 1, 0);
            }
            counts[id] += 1;
        }
    });
}

/// `f()` and the iterations of every counted `while` loop it ran, by loop.
pub fn count_trips<R>(f: impl FnOnce() -> R) -> (R, Vec<usize>) {
    let outer = TRIPS.with(|t| t.borrow_mut().replace(Vec::new()));
    let r = f();
    let counts = TRIPS.with(|t| std::mem::replace(&mut *t.borrow_mut(), outer));
    (r, counts.unwrap_or_default())
}

/// Names an active parameter's type where forward mode would otherwise fail deep inside the
/// tangent machinery (`ToOwned`, `Cow`): a non-differentiable type is reported by what it is.
#[inline(always)]
pub fn assert_differentiable_param<T: ?Sized + ArgAdj>() {}
