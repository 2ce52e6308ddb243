//! Adjoint rules of the operations that generated code is made of: `+ - * /`, unary minus,
//! elementary functions, faer matrix products; beside each elementary function's adjoint rule
//! `d_NAME` its tangent rule `t_NAME` for forward mode (`ẇ = f'(z) ż` for a holomorphic `f`,
//! the real-linear map itself otherwise).
//!
//! Every rule is written for the PyTorch/ChainRules convention: for `w = f(z, z*)` with Wirtinger
//! partials `a = dw/dz`, `b = dw/dz*`, the input adjoint is `z̄ += conj(a)·w̄ + b·conj(w̄)`
//! (`reference: adjoint-rules §3.1`). For a holomorphic `f` that is `z̄ += conj(f'(z))·w̄`; for
//! real arguments `conj` is the identity and the familiar real rule remains. Mixed real/complex
//! operations project the complex adjoint onto a real argument by taking its real part.

use crate::adjoint::Adjoint;
use crate::c64;
#[cfg(feature = "faer")]
use faer::{Col, Mat, Scale};
use num_complex::ComplexFloat;

/// The adjoint type of `T`.
pub type Adj<T> = <T as Adjoint>::Adj;

/// Projection of an adjoint computed in a wider type onto the argument's type
/// (`c64 -> f64` keeps the real part: `dL/dx` of a real `x` that entered a complex expression).
pub trait Project<To> {
    /// Project.
    fn project(self) -> To;
}
impl Project<f64> for f64 {
    #[inline]
    fn project(self) -> f64 {
        self
    }
}
impl Project<c64> for c64 {
    #[inline]
    fn project(self) -> c64 {
        self
    }
}
impl Project<f64> for c64 {
    #[inline]
    fn project(self) -> f64 {
        self.re
    }
}
impl Project<c64> for f64 {
    #[inline]
    fn project(self) -> c64 {
        c64::new(self, 0.0)
    }
}

/// Real and complex scalars: conjugation and embedding of reals.
pub trait Scalar: ComplexFloat<Real = f64> + Adjoint<Adj = Self> + Default + 'static {
    /// Embed a real number.
    fn from_real(x: f64) -> Self;
    /// `conj(z)` (identity for reals).
    fn cj(self) -> Self;
}
impl Scalar for f64 {
    #[inline]
    fn from_real(x: f64) -> f64 {
        x
    }
    #[inline]
    fn cj(self) -> f64 {
        self
    }
}
impl Scalar for c64 {
    #[inline]
    fn from_real(x: f64) -> c64 {
        c64::new(x, 0.0)
    }
    #[inline]
    fn cj(self) -> c64 {
        self.conj()
    }
}

// ---------------------------------------------------------------- binary operators

/// `w = a + b`: `ā += w̄`, `b̄ += w̄` (projected onto each operand's type).
pub trait AddRule<B: Adjoint>: Adjoint {
    /// Type of `a + b`.
    type Out: Adjoint;
    /// Adjoint of the left operand.
    fn d_lhs(d: &Adj<Self::Out>) -> Self::Adj;
    /// Adjoint of the right operand.
    fn d_rhs(d: &Adj<Self::Out>) -> B::Adj;
}

/// `w = a - b`: `ā += w̄`, `b̄ -= w̄`.
pub trait SubRule<B: Adjoint>: Adjoint {
    /// Type of `a - b`.
    type Out: Adjoint;
    /// Adjoint of the left operand.
    fn d_lhs(d: &Adj<Self::Out>) -> Self::Adj;
    /// Adjoint of the right operand.
    fn d_rhs(d: &Adj<Self::Out>) -> B::Adj;
}

/// `w = a b`: `ā += w̄ bᴴ`, `b̄ += aᴴ w̄` (scalars: `conj(b) w̄`, `conj(a) w̄`).
pub trait MulRule<B: Adjoint>: Adjoint {
    /// Type of `a * b`.
    type Out: Adjoint;
    /// Adjoint of the left operand; needs the right operand's value.
    fn d_lhs(b: &B, d: &Adj<Self::Out>) -> Self::Adj;
    /// Adjoint of the right operand; needs the left operand's value.
    fn d_rhs(a: &Self, d: &Adj<Self::Out>) -> B::Adj;
}

/// `w = a / b`: `ā += w̄ / conj(b)`, `b̄ += -w̄ conj(a / b²)`.
pub trait DivRule<B: Adjoint>: Adjoint {
    /// Type of `a / b`.
    type Out: Adjoint;
    /// Adjoint of the numerator.
    fn d_lhs(a: &Self, b: &B, d: &Adj<Self::Out>) -> Self::Adj;
    /// Adjoint of the denominator.
    fn d_rhs(a: &Self, b: &B, d: &Adj<Self::Out>) -> B::Adj;
}

/// `w = -a`: `ā -= w̄`.
pub trait NegRule: Adjoint {
    /// Adjoint of the operand.
    fn d_neg(d: &Self::Adj) -> Self::Adj;
}

macro_rules! scalar_binops {
    ($(($a:ty, $b:ty, $o:ty)),*) => {$(
        impl AddRule<$b> for $a {
            type Out = $o;
            #[inline]
            fn d_lhs(d: &$o) -> $a { Project::<$a>::project(*d) }
            #[inline]
            fn d_rhs(d: &$o) -> $b { Project::<$b>::project(*d) }
        }
        impl SubRule<$b> for $a {
            type Out = $o;
            #[inline]
            fn d_lhs(d: &$o) -> $a { Project::<$a>::project(*d) }
            #[inline]
            fn d_rhs(d: &$o) -> $b { Project::<$b>::project(-*d) }
        }
        impl MulRule<$b> for $a {
            type Out = $o;
            #[inline]
            fn d_lhs(b: &$b, d: &$o) -> $a { Project::<$a>::project(b.cj() * *d) }
            #[inline]
            fn d_rhs(a: &$a, d: &$o) -> $b { Project::<$b>::project(a.cj() * *d) }
        }
        impl DivRule<$b> for $a {
            type Out = $o;
            #[inline]
            fn d_lhs(_a: &$a, b: &$b, d: &$o) -> $a { Project::<$a>::project(*d / b.cj()) }
            #[inline]
            fn d_rhs(a: &$a, b: &$b, d: &$o) -> $b {
                Project::<$b>::project(-*d * (*a / (*b * *b)).cj())
            }
        }
    )*};
}
scalar_binops!(
    (f64, f64, f64),
    (c64, c64, c64),
    (f64, c64, c64),
    (c64, f64, c64)
);

impl NegRule for f64 {
    #[inline]
    fn d_neg(d: &f64) -> f64 {
        -*d
    }
}
impl NegRule for c64 {
    #[inline]
    fn d_neg(d: &c64) -> c64 {
        -*d
    }
}

macro_rules! int_binops {
    ($($t:ty),*) => {$(
        impl AddRule<$t> for $t {
            type Out = $t;
            fn d_lhs(_: &()) {}
            fn d_rhs(_: &()) {}
        }
        impl SubRule<$t> for $t {
            type Out = $t;
            fn d_lhs(_: &()) {}
            fn d_rhs(_: &()) {}
        }
        impl MulRule<$t> for $t {
            type Out = $t;
            fn d_lhs(_: &$t, _: &()) {}
            fn d_rhs(_: &$t, _: &()) {}
        }
        impl DivRule<$t> for $t {
            type Out = $t;
            fn d_lhs(_: &$t, _: &$t, _: &()) {}
            fn d_rhs(_: &$t, _: &$t, _: &()) {}
        }
    )*};
}
int_binops!(usize, isize, u32, u64, i32, i64);

// ---------------------------------------------------------------- faer matrices

#[cfg(feature = "faer")]
macro_rules! mat_rules {
    ($($t:ty),*) => {$(
        impl AddRule<Mat<$t>> for Mat<$t> {
            type Out = Mat<$t>;
            fn d_lhs(d: &Mat<$t>) -> Mat<$t> { d.clone() }
            fn d_rhs(d: &Mat<$t>) -> Mat<$t> { d.clone() }
        }
        impl SubRule<Mat<$t>> for Mat<$t> {
            type Out = Mat<$t>;
            fn d_lhs(d: &Mat<$t>) -> Mat<$t> { d.clone() }
            fn d_rhs(d: &Mat<$t>) -> Mat<$t> { -d }
        }
        impl MulRule<Mat<$t>> for Mat<$t> {
            type Out = Mat<$t>;
            fn d_lhs(b: &Mat<$t>, d: &Mat<$t>) -> Mat<$t> { d * b.adjoint() }
            fn d_rhs(a: &Mat<$t>, d: &Mat<$t>) -> Mat<$t> { a.adjoint() * d }
        }
        impl MulRule<Col<$t>> for Mat<$t> {
            type Out = Col<$t>;
            fn d_lhs(b: &Col<$t>, d: &Col<$t>) -> Mat<$t> { d * b.adjoint() }
            fn d_rhs(a: &Mat<$t>, d: &Col<$t>) -> Col<$t> { a.adjoint() * d }
        }
        impl AddRule<Col<$t>> for Col<$t> {
            type Out = Col<$t>;
            fn d_lhs(d: &Col<$t>) -> Col<$t> { d.clone() }
            fn d_rhs(d: &Col<$t>) -> Col<$t> { d.clone() }
        }
        impl SubRule<Col<$t>> for Col<$t> {
            type Out = Col<$t>;
            fn d_lhs(d: &Col<$t>) -> Col<$t> { d.clone() }
            fn d_rhs(d: &Col<$t>) -> Col<$t> { -d }
        }
        impl NegRule for Mat<$t> {
            fn d_neg(d: &Mat<$t>) -> Mat<$t> { -d }
        }
        impl NegRule for Col<$t> {
            fn d_neg(d: &Col<$t>) -> Col<$t> { -d }
        }
        /// `w = k M`: `k̄ += Re tr(Mᴴ w̄)` (projected), `M̄ += conj(k) w̄`.
        impl MulRule<Mat<$t>> for Scale<$t> {
            type Out = Mat<$t>;
            fn d_lhs(b: &Mat<$t>, d: &Mat<$t>) -> $t { frob_inner(b, d) }
            fn d_rhs(a: &Scale<$t>, d: &Mat<$t>) -> Mat<$t> { Scale(a.0.cj()) * d }
        }
        impl MulRule<Scale<$t>> for Mat<$t> {
            type Out = Mat<$t>;
            fn d_lhs(b: &Scale<$t>, d: &Mat<$t>) -> Mat<$t> { d * Scale(b.0.cj()) }
            fn d_rhs(a: &Mat<$t>, d: &Mat<$t>) -> $t { frob_inner(a, d) }
        }
        impl MulRule<Col<$t>> for Scale<$t> {
            type Out = Col<$t>;
            fn d_lhs(b: &Col<$t>, d: &Col<$t>) -> $t {
                (0..b.nrows()).map(|i| b[i].cj() * d[i]).fold(<$t>::default(), |s, x| s + x)
            }
            fn d_rhs(a: &Scale<$t>, d: &Col<$t>) -> Col<$t> { Scale(a.0.cj()) * d }
        }
    )*};
}
#[cfg(feature = "faer")]
mat_rules!(f64, c64);

/// `tr(Aᴴ B) = Σ conj(a_ij) b_ij`.
#[cfg(feature = "faer")]
fn frob_inner<T: Scalar + crate::matrix::MatElem>(a: &Mat<T>, b: &Mat<T>) -> T {
    let mut s = T::default();
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            s += a[(i, j)].cj() * b[(i, j)];
        }
    }
    s
}

// ---------------------------------------------------------------- elementary functions

macro_rules! holomorphic {
    ($($(#[$doc:meta])* $name:ident, $tangent:ident => |$x:ident| $deriv:expr;)*) => {$(
        $(#[$doc])*
        #[inline]
        pub fn $name<T: Scalar>(x: &T, d: &T) -> T {
            let $x = *x;
            let f: T = $deriv;
            f.cj() * *d
        }
        $(#[$doc])*
        /// Forward mode: `ẇ = f'(z) ż`.
        #[inline]
        pub fn $tangent<T: Scalar>(x: &T, dx: &T) -> T {
            let $x = *x;
            let f: T = $deriv;
            f * *dx
        }
    )*};
}

/// Derivatives of holomorphic elementary functions: `z̄ += conj(f'(z)) w̄`.
pub mod elementary {
    use super::Scalar;

    fn c<T: Scalar>(v: f64) -> T {
        T::from_real(v)
    }

    holomorphic! {
        /// `exp' = exp`.
        d_exp, t_exp => |x| x.exp();
        /// `ln' = 1/z`.
        d_ln, t_ln => |x| x.recip();
        /// `log10' = 1/(z ln 10)`.
        d_log10, t_log10 => |x| (x * c(std::f64::consts::LN_10)).recip();
        /// `log2' = 1/(z ln 2)`.
        d_log2, t_log2 => |x| (x * c(std::f64::consts::LN_2)).recip();
        /// `exp2' = ln 2 · 2^z`.
        d_exp2, t_exp2 => |x| x.exp2() * c(std::f64::consts::LN_2);
        /// `sin' = cos`.
        d_sin, t_sin => |x| x.cos();
        /// `cos' = -sin`.
        d_cos, t_cos => |x| -x.sin();
        /// `tan' = 1 + tan²`.
        d_tan, t_tan => |x| { let t = x.tan(); c::<T>(1.0) + t * t };
        /// `sinh' = cosh`.
        d_sinh, t_sinh => |x| x.cosh();
        /// `cosh' = sinh`.
        d_cosh, t_cosh => |x| x.sinh();
        /// `tanh' = 1 - tanh²`.
        d_tanh, t_tanh => |x| { let t = x.tanh(); c::<T>(1.0) - t * t };
        /// `sqrt' = 1 / (2 sqrt)`.
        d_sqrt, t_sqrt => |x| (x.sqrt() * c(2.0)).recip();
        /// `cbrt' = 1 / (3 cbrt²)`.
        d_cbrt, t_cbrt => |x| { let r = x.cbrt(); (r * r * c(3.0)).recip() };
        /// `(1/z)' = -1/z²`.
        d_recip, t_recip => |x| -(x * x).recip();
        /// `asin' = 1/sqrt(1 - z²)`.
        d_asin, t_asin => |x| (c::<T>(1.0) - x * x).sqrt().recip();
        /// `acos' = -1/sqrt(1 - z²)`.
        d_acos, t_acos => |x| -(c::<T>(1.0) - x * x).sqrt().recip();
        /// `atan' = 1/(1 + z²)`.
        d_atan, t_atan => |x| (c::<T>(1.0) + x * x).recip();
        /// `asinh' = 1/sqrt(z² + 1)`.
        d_asinh, t_asinh => |x| (x * x + c(1.0)).sqrt().recip();
        /// `acosh' = 1/sqrt(z² - 1)`.
        d_acosh, t_acosh => |x| (x * x - c(1.0)).sqrt().recip();
        /// `atanh' = 1/(1 - z²)`.
        d_atanh, t_atanh => |x| (c::<T>(1.0) - x * x).recip();
    }

    /// `w = z^n`: `z̄ += conj(n z^(n-1)) w̄`.
    #[inline]
    pub fn d_powi<T: Scalar>(x: &T, n: &i32, d: &T) -> T {
        let f = if *n == 0 {
            c(0.0)
        } else {
            x.powi(*n - 1) * c(*n as f64)
        };
        f.cj() * *d
    }

    /// `w = z^p` (real `p`): `z̄ += conj(p z^(p-1)) w̄`.
    #[inline]
    pub fn d_powf_base<T: Scalar>(x: &T, p: &f64, d: &T) -> T {
        let f = if *p == 0.0 {
            c(0.0)
        } else {
            x.powf(*p - 1.0) * c(*p)
        };
        f.cj() * *d
    }

    /// `w = z^p`: `p̄ += Re(conj(ln z · z^p) w̄)`; zero at `z = 0` (the limit for `p > 0`).
    #[inline]
    pub fn d_powf_exp<T: Scalar>(x: &T, p: &f64, d: &T) -> f64 {
        if *x == c(0.0) {
            return 0.0;
        }
        let f = x.ln() * x.powf(*p);
        (f.cj() * *d).re()
    }

    /// `w = conj(z)`: `z̄ += conj(w̄)`.
    #[inline]
    pub fn d_conj<T: Scalar>(_x: &T, d: &T) -> T {
        d.cj()
    }

    /// `w = |z|` (real): `z̄ += (z / |z|) w̄`, zero at `z = 0` (the subgradient JAX and PyTorch use).
    #[inline]
    pub fn d_abs<T: Scalar>(x: &T, d: &f64) -> T {
        let r = x.abs();
        if r == 0.0 {
            c(0.0)
        } else {
            *x * c(*d / r)
        }
    }

    /// `w = |z|²` (real): `z̄ += 2 z w̄`.
    #[inline]
    pub fn d_norm_sqr<T: Scalar>(x: &T, d: &f64) -> T {
        *x * c(2.0 * *d)
    }

    /// `w = arg z = atan2(y, x)` (real): `z̄ += i z w̄ / |z|²`.
    #[inline]
    pub fn d_arg(x: &crate::c64, d: &f64) -> crate::c64 {
        let r2 = x.norm_sqr();
        if r2 == 0.0 {
            crate::c64::new(0.0, 0.0)
        } else {
            crate::c64::new(-x.im, x.re) * (*d / r2)
        }
    }

    /// `w = k z` for real `k` (`Complex::scale`): `z̄ += k w̄`.
    #[inline]
    pub fn d_scale_z(_z: &crate::c64, k: &f64, d: &crate::c64) -> crate::c64 {
        *d * *k
    }

    /// `w = k z`: `k̄ += Re(conj(z) w̄)`.
    #[inline]
    pub fn d_scale_k(z: &crate::c64, _k: &f64, d: &crate::c64) -> f64 {
        (z.conj() * *d).re
    }

    /// `w = z / k` for real `k` (`Complex::unscale`): `z̄ += w̄ / k`.
    #[inline]
    pub fn d_unscale_z(_z: &crate::c64, k: &f64, d: &crate::c64) -> crate::c64 {
        *d / *k
    }

    /// `w = z / k`: `k̄ += -Re(conj(z) w̄) / k²`.
    #[inline]
    pub fn d_unscale_k(z: &crate::c64, k: &f64, d: &crate::c64) -> f64 {
        -(z.conj() * *d).re / (k * k)
    }

    /// `w = max(a, b)`: the adjoint goes to the larger (to `a` on ties).
    #[inline]
    pub fn d_max_lhs(a: &f64, b: &f64, d: &f64) -> f64 {
        if a >= b {
            *d
        } else {
            0.0
        }
    }
    /// `w = max(a, b)`: the adjoint goes to the larger (to `a` on ties).
    #[inline]
    pub fn d_max_rhs(a: &f64, b: &f64, d: &f64) -> f64 {
        if a >= b {
            0.0
        } else {
            *d
        }
    }
    /// `w = min(a, b)`: the adjoint goes to the smaller (to `a` on ties).
    #[inline]
    pub fn d_min_lhs(a: &f64, b: &f64, d: &f64) -> f64 {
        if a <= b {
            *d
        } else {
            0.0
        }
    }
    /// `w = min(a, b)`: the adjoint goes to the smaller (to `a` on ties).
    #[inline]
    pub fn d_min_rhs(a: &f64, b: &f64, d: &f64) -> f64 {
        if a <= b {
            0.0
        } else {
            *d
        }
    }
    /// `w = atan2(y, x)`: `ȳ += x w̄ / (x² + y²)`.
    #[inline]
    pub fn d_atan2_lhs(y: &f64, x: &f64, d: &f64) -> f64 {
        x * d / (x * x + y * y)
    }
    /// `w = atan2(y, x)`: `x̄ += -y w̄ / (x² + y²)`.
    #[inline]
    pub fn d_atan2_rhs(y: &f64, x: &f64, d: &f64) -> f64 {
        -y * d / (x * x + y * y)
    }
    /// `w = hypot(a, b)`: `ā += a w̄ / w`.
    #[inline]
    pub fn d_hypot_lhs(a: &f64, b: &f64, d: &f64) -> f64 {
        let h = a.hypot(*b);
        if h == 0.0 {
            0.0
        } else {
            a * d / h
        }
    }
    /// `w = hypot(a, b)`: `b̄ += b w̄ / w`.
    #[inline]
    pub fn d_hypot_rhs(a: &f64, b: &f64, d: &f64) -> f64 {
        let h = a.hypot(*b);
        if h == 0.0 {
            0.0
        } else {
            b * d / h
        }
    }
    /// `w = c64::new(re, im)`: `rē += Re w̄`.
    #[inline]
    pub fn d_cnew_re(d: &crate::c64) -> f64 {
        d.re
    }
    /// `w = c64::new(re, im)`: `im̄ += Im w̄`.
    #[inline]
    pub fn d_cnew_im(d: &crate::c64) -> f64 {
        d.im
    }

    // ------------------------------------------------------------ tangent rules

    /// `w = z^n`: `ẇ = n z^(n-1) ż`.
    #[inline]
    pub fn t_powi<T: Scalar>(x: &T, n: &i32, dx: &T) -> T {
        d_powi(x, n, &dx.cj()).cj()
    }

    /// `w = z^p` (real `p`): `ẇ = p z^(p-1) ż + ln z · z^p ṗ` (the second term zero at `z = 0`).
    #[inline]
    pub fn t_powf<T: Scalar>(x: &T, p: &f64, dx: &T, dp: &f64) -> T {
        let base = d_powf_base(x, p, &dx.cj()).cj();
        if *x == c(0.0) || *dp == 0.0 {
            return base;
        }
        base + x.ln() * x.powf(*p) * c(*dp)
    }

    /// `w = conj(z)`: `ẇ = conj(ż)`.
    #[inline]
    pub fn t_conj<T: Scalar>(_x: &T, dx: &T) -> T {
        dx.cj()
    }

    /// `w = |z|`: `ẇ = Re(conj(z) ż) / |z|`, zero at `z = 0` (as the adjoint rule).
    #[inline]
    pub fn t_abs<T: Scalar>(x: &T, dx: &T) -> f64 {
        let r = x.abs();
        if r == 0.0 {
            0.0
        } else {
            (x.cj() * *dx).re() / r
        }
    }

    /// `w = |z|²`: `ẇ = 2 Re(conj(z) ż)`.
    #[inline]
    pub fn t_norm_sqr<T: Scalar>(x: &T, dx: &T) -> f64 {
        2.0 * (x.cj() * *dx).re()
    }

    /// `w = arg z`: `ẇ = Im(conj(z) ż) / |z|²`, zero at `z = 0`.
    #[inline]
    pub fn t_arg(x: &crate::c64, dx: &crate::c64) -> f64 {
        let r2 = x.norm_sqr();
        if r2 == 0.0 {
            0.0
        } else {
            (x.conj() * *dx).im / r2
        }
    }

    /// `w = k z` (`Complex::scale`): `ẇ = k ż + k̇ z`.
    #[inline]
    pub fn t_scale(z: &crate::c64, k: &f64, dz: &crate::c64, dk: &f64) -> crate::c64 {
        *dz * *k + *z * *dk
    }

    /// `w = z / k` (`Complex::unscale`): `ẇ = ż / k - z k̇ / k²`.
    #[inline]
    pub fn t_unscale(z: &crate::c64, k: &f64, dz: &crate::c64, dk: &f64) -> crate::c64 {
        *dz / *k - *z * (*dk / (k * k))
    }

    /// `w = max(a, b)`: the tangent of the larger (of `a` on ties, as the adjoint rule).
    #[inline]
    pub fn t_max(a: &f64, b: &f64, da: &f64, db: &f64) -> f64 {
        if a >= b {
            *da
        } else {
            *db
        }
    }

    /// `w = min(a, b)`: the tangent of the smaller (of `a` on ties).
    #[inline]
    pub fn t_min(a: &f64, b: &f64, da: &f64, db: &f64) -> f64 {
        if a <= b {
            *da
        } else {
            *db
        }
    }

    /// `w = atan2(y, x)`: `ẇ = (x ẏ - y ẋ) / (x² + y²)`.
    #[inline]
    pub fn t_atan2(y: &f64, x: &f64, dy: &f64, dx: &f64) -> f64 {
        (x * dy - y * dx) / (x * x + y * y)
    }

    /// `w = hypot(a, b)`: `ẇ = (a ȧ + b ḃ) / w`, zero at the origin.
    #[inline]
    pub fn t_hypot(a: &f64, b: &f64, da: &f64, db: &f64) -> f64 {
        let h = a.hypot(*b);
        if h == 0.0 {
            0.0
        } else {
            (a * da + b * db) / h
        }
    }
}
