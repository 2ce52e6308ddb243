//! Linear maps of matrices that the tangent rules of the other primitives are written in.
//!
//! Nested derivatives (`#[differentiable(nested)]`) differentiate a primitive's tangent rule
//! again, so the rule must itself be a composition of differentiable primitives: `Ẋ = A⁻¹ (Ḃ −
//! Ȧ X)` is `solve(a, sub(db, matmul(da, x)))`. These are the pieces those compositions need
//! beyond the products and solves: sums, the conjugate transpose, the projections a Hermitian or
//! triangular primitive reads through, and two reductions. Each is (real-)linear or bilinear,
//! so its own rules are short; they are ordinary primitives and can be called directly.

use super::solve::in_triangle;
use super::{
    cotangent, or_panic, project_lower_hermitian, shape, tangent_sum, LinScalar, LinalgError,
    Triangle,
};
use crate::tangent::TanRef;
use faer::Mat;

fn check_same<T: LinScalar>(
    primitive: &'static str,
    a: &Mat<T>,
    b: &Mat<T>,
) -> Result<(), LinalgError> {
    if shape(a) == shape(b) {
        Ok(())
    } else {
        Err(LinalgError::ShapeMismatch {
            primitive,
            expected: "a and b of the same shape".into(),
            lhs: ("a", shape(a)),
            rhs: ("b", shape(b)),
        })
    }
}

/// `A + B`, or an error naming the shapes.
pub fn try_add<T: LinScalar>(a: &Mat<T>, b: &Mat<T>) -> Result<Mat<T>, LinalgError> {
    check_same("add", a, b)?;
    Ok(a + b)
}

/// `A + B`. Panics naming the shapes when they differ.
#[track_caller]
pub fn add<T: LinScalar>(a: &Mat<T>, b: &Mat<T>) -> Mat<T> {
    or_panic(try_add(a, b))
}

#[doc(hidden)]
pub fn __forward_add<T: LinScalar>(a: &Mat<T>, b: &Mat<T>) -> (Mat<T>, ()) {
    (add(a, b), ())
}

/// `Ā = C̄`, `B̄ = C̄`.
#[doc(hidden)]
pub fn __reverse_add<T: LinScalar>(a: &Mat<T>, _b: &Mat<T>, _: (), d: Mat<T>) -> (Mat<T>, Mat<T>) {
    let d = cotangent(d, a.nrows(), a.ncols());
    (d.clone(), d)
}

/// `Ċ = Ȧ + Ḃ`.
#[doc(hidden)]
pub fn __jvp_add<'t, T: LinScalar>(
    a: &Mat<T>,
    b: &Mat<T>,
    da: impl TanRef<'t, Mat<T>>,
    db: impl TanRef<'t, Mat<T>>,
) -> (Mat<T>, Mat<T>) {
    let c = add(a, b);
    let terms = [da.present().cloned(), db.present().cloned()];
    let dc = tangent_sum(c.nrows(), c.ncols(), terms);
    (c, dc)
}

/// `A − B`, or an error naming the shapes.
pub fn try_sub<T: LinScalar>(a: &Mat<T>, b: &Mat<T>) -> Result<Mat<T>, LinalgError> {
    check_same("sub", a, b)?;
    Ok(a - b)
}

/// `A − B`. Panics naming the shapes when they differ.
#[track_caller]
pub fn sub<T: LinScalar>(a: &Mat<T>, b: &Mat<T>) -> Mat<T> {
    or_panic(try_sub(a, b))
}

#[doc(hidden)]
pub fn __forward_sub<T: LinScalar>(a: &Mat<T>, b: &Mat<T>) -> (Mat<T>, ()) {
    (sub(a, b), ())
}

/// `Ā = C̄`, `B̄ = −C̄`.
#[doc(hidden)]
pub fn __reverse_sub<T: LinScalar>(a: &Mat<T>, _b: &Mat<T>, _: (), d: Mat<T>) -> (Mat<T>, Mat<T>) {
    let d = cotangent(d, a.nrows(), a.ncols());
    let minus = -&d;
    (d, minus)
}

/// `Ċ = Ȧ − Ḃ`.
#[doc(hidden)]
pub fn __jvp_sub<'t, T: LinScalar>(
    a: &Mat<T>,
    b: &Mat<T>,
    da: impl TanRef<'t, Mat<T>>,
    db: impl TanRef<'t, Mat<T>>,
) -> (Mat<T>, Mat<T>) {
    let c = sub(a, b);
    let terms = [da.present().cloned(), db.present().map(|db| -db)];
    let dc = tangent_sum(c.nrows(), c.ncols(), terms);
    (c, dc)
}

/// `−A`.
pub fn neg<T: LinScalar>(a: &Mat<T>) -> Mat<T> {
    -a
}

#[doc(hidden)]
pub fn __forward_neg<T: LinScalar>(a: &Mat<T>) -> (Mat<T>, ()) {
    (neg(a), ())
}

/// `Ā = −C̄`.
#[doc(hidden)]
pub fn __reverse_neg<T: LinScalar>(a: &Mat<T>, _: (), d: Mat<T>) -> (Mat<T>,) {
    (-cotangent(d, a.nrows(), a.ncols()),)
}

/// `Ċ = −Ȧ`.
#[doc(hidden)]
pub fn __jvp_neg<'t, T: LinScalar>(a: &Mat<T>, da: impl TanRef<'t, Mat<T>>) -> (Mat<T>, Mat<T>) {
    let dc = da
        .present()
        .map_or_else(|| Mat::zeros(a.nrows(), a.ncols()), |da| -da);
    (neg(a), dc)
}

/// `Aᴴ`, the conjugate transpose (the transpose for real `A`).
pub fn adjoint<T: LinScalar>(a: &Mat<T>) -> Mat<T> {
    a.adjoint().to_owned()
}

#[doc(hidden)]
pub fn __forward_adjoint<T: LinScalar>(a: &Mat<T>) -> (Mat<T>, ()) {
    (adjoint(a), ())
}

/// `Ā = C̄ᴴ`.
#[doc(hidden)]
pub fn __reverse_adjoint<T: LinScalar>(a: &Mat<T>, _: (), d: Mat<T>) -> (Mat<T>,) {
    (adjoint(&cotangent(d, a.ncols(), a.nrows())),)
}

/// `Ċ = Ȧᴴ`.
#[doc(hidden)]
pub fn __jvp_adjoint<'t, T: LinScalar>(
    a: &Mat<T>,
    da: impl TanRef<'t, Mat<T>>,
) -> (Mat<T>, Mat<T>) {
    let dc = da
        .present()
        .map_or_else(|| Mat::zeros(a.ncols(), a.nrows()), adjoint);
    (adjoint(a), dc)
}

/// The Hermitian matrix that `cholesky_solve` and `eigh` read from `a`: its lower triangle,
/// mirrored, with the real part of the diagonal. Panics naming the shape on a non-square `a`.
#[track_caller]
pub fn lower_hermitian<T: LinScalar>(a: &Mat<T>) -> Mat<T> {
    or_panic(super::check_square("lower_hermitian", "a", a));
    super::mirror_lower(a)
}

#[doc(hidden)]
pub fn __forward_lower_hermitian<T: LinScalar>(a: &Mat<T>) -> (Mat<T>, ()) {
    (lower_hermitian(a), ())
}

/// `L̄_ij = H̄_ij + conj(H̄_ji)` below the diagonal, `L̄_ii = Re H̄_ii`, zero above.
#[doc(hidden)]
pub fn __reverse_lower_hermitian<T: LinScalar>(a: &Mat<T>, _: (), d: Mat<T>) -> (Mat<T>,) {
    (project_lower_hermitian(&cotangent(d, a.nrows(), a.ncols())),)
}

/// `Ḣ = lower_hermitian(Ȧ)`.
#[doc(hidden)]
pub fn __jvp_lower_hermitian<'t, T: LinScalar>(
    a: &Mat<T>,
    da: impl TanRef<'t, Mat<T>>,
) -> (Mat<T>, Mat<T>) {
    let dh = da
        .present()
        .map_or_else(|| Mat::zeros(a.nrows(), a.ncols()), lower_hermitian);
    (lower_hermitian(a), dh)
}

/// The entries of `a` on the triangle `tri` (diagonal included), zeros elsewhere: what
/// `triangular_solve` reads.
pub fn triangle_part<T: LinScalar>(a: &Mat<T>, tri: Triangle) -> Mat<T> {
    Mat::from_fn(a.nrows(), a.ncols(), |i, j| {
        if in_triangle(tri, i, j) {
            a[(i, j)]
        } else {
            T::default()
        }
    })
}

#[doc(hidden)]
pub fn __forward_triangle_part<T: LinScalar>(a: &Mat<T>, tri: Triangle) -> (Mat<T>, ()) {
    (triangle_part(a, tri), ())
}

/// A projection is its own adjoint.
#[doc(hidden)]
pub fn __reverse_triangle_part<T: LinScalar>(
    a: &Mat<T>,
    tri: Triangle,
    _: (),
    d: Mat<T>,
) -> (Mat<T>, ()) {
    (triangle_part(&cotangent(d, a.nrows(), a.ncols()), tri), ())
}

#[doc(hidden)]
pub fn __jvp_triangle_part<'t, T: LinScalar>(
    a: &Mat<T>,
    tri: Triangle,
    da: impl TanRef<'t, Mat<T>>,
    _: impl crate::tangent::Inactive,
) -> (Mat<T>, Mat<T>) {
    let dc = da.present().map_or_else(
        || Mat::zeros(a.nrows(), a.ncols()),
        |da| triangle_part(da, tri),
    );
    (triangle_part(a, tri), dc)
}

/// `U = C − Ω` for square `C`, where `Ω` is the skew-Hermitian matrix fixed by `C`'s strict
/// lower triangle and the imaginary part of its diagonal: `U_ij = C_ij + conj(C_ji)` above the
/// diagonal, `U_ii = Re C_ii`, zero below. With `C = Qᴴ Ȧ R⁻¹` it is `Ṙ R⁻¹` of the thin QR in
/// the gauge of real positive `diag(R)`, which is how `qr`'s tangent is composed. Panics naming
/// the shape on a non-square `c`.
#[track_caller]
pub fn qr_gauge_upper<T: LinScalar>(c: &Mat<T>) -> Mat<T> {
    or_panic(super::check_square("qr_gauge_upper", "c", c));
    let n = c.nrows();
    Mat::from_fn(n, n, |i, j| {
        if i < j {
            c[(i, j)] + c[(j, i)].cj()
        } else if i == j {
            T::from_real(c[(i, i)].re())
        } else {
            T::default()
        }
    })
}

#[doc(hidden)]
pub fn __forward_qr_gauge_upper<T: LinScalar>(c: &Mat<T>) -> (Mat<T>, ()) {
    (qr_gauge_upper(c), ())
}

/// The real-linear adjoint: `C̄_ij = Ū_ij` above the diagonal, `conj(Ū_ji)` below,
/// `Re Ū_ii` on it.
#[doc(hidden)]
pub fn __reverse_qr_gauge_upper<T: LinScalar>(c: &Mat<T>, _: (), d: Mat<T>) -> (Mat<T>,) {
    let n = c.nrows();
    let d = cotangent(d, n, n);
    (Mat::from_fn(n, n, |i, j| {
        if i < j {
            d[(i, j)]
        } else if i > j {
            d[(j, i)].cj()
        } else {
            T::from_real(d[(i, i)].re())
        }
    }),)
}

#[doc(hidden)]
pub fn __jvp_qr_gauge_upper<'t, T: LinScalar>(
    c: &Mat<T>,
    dc: impl TanRef<'t, Mat<T>>,
) -> (Mat<T>, Mat<T>) {
    let du = dc
        .present()
        .map_or_else(|| Mat::zeros(c.nrows(), c.ncols()), qr_gauge_upper);
    (qr_gauge_upper(c), du)
}

/// `Re tr(Aᴴ B) = Re Σ conj(a_ij) b_ij`, the real inner product the adjoints are defined by,
/// or an error naming the shapes.
pub fn try_re_inner<T: LinScalar>(a: &Mat<T>, b: &Mat<T>) -> Result<f64, LinalgError> {
    check_same("re_inner", a, b)?;
    let mut s = 0.0;
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            s += (a[(i, j)].cj() * b[(i, j)]).re();
        }
    }
    Ok(s)
}

/// `Re tr(Aᴴ B)`. Panics naming the shapes when they differ.
#[track_caller]
pub fn re_inner<T: LinScalar>(a: &Mat<T>, b: &Mat<T>) -> f64 {
    or_panic(try_re_inner(a, b))
}

#[doc(hidden)]
pub fn __forward_re_inner<T: LinScalar>(a: &Mat<T>, b: &Mat<T>) -> (f64, ()) {
    (re_inner(a, b), ())
}

/// `Ā = w̄ B`, `B̄ = w̄ A`.
#[doc(hidden)]
pub fn __reverse_re_inner<T: LinScalar>(a: &Mat<T>, b: &Mat<T>, _: (), d: f64) -> (Mat<T>, Mat<T>) {
    let k = T::from_real(d);
    let scaled = |m: &Mat<T>| Mat::from_fn(m.nrows(), m.ncols(), |i, j| m[(i, j)] * k);
    (scaled(b), scaled(a))
}

/// `ẇ = Re tr(Ȧᴴ B) + Re tr(Aᴴ Ḃ)`.
#[doc(hidden)]
pub fn __jvp_re_inner<'t, T: LinScalar>(
    a: &Mat<T>,
    b: &Mat<T>,
    da: impl TanRef<'t, Mat<T>>,
    db: impl TanRef<'t, Mat<T>>,
) -> (f64, f64) {
    let dw = da.present().map_or(0.0, |da| re_inner(da, b))
        + db.present().map_or(0.0, |db| re_inner(a, db));
    (re_inner(a, b), dw)
}

/// `tr A = Σ a_ii`. Panics naming the shape on a non-square `a`.
#[track_caller]
pub fn trace<T: LinScalar>(a: &Mat<T>) -> T {
    or_panic(super::check_square("trace", "a", a));
    (0..a.nrows()).fold(T::default(), |s, k| s + a[(k, k)])
}

#[doc(hidden)]
pub fn __forward_trace<T: LinScalar>(a: &Mat<T>) -> (T, ()) {
    (trace(a), ())
}

/// `Ā = w̄ I`.
#[doc(hidden)]
pub fn __reverse_trace<T: LinScalar>(a: &Mat<T>, _: (), d: T) -> (Mat<T>,) {
    let n = a.nrows();
    (Mat::from_fn(
        n,
        n,
        |i, j| if i == j { d } else { T::default() },
    ),)
}

/// `ẇ = tr Ȧ`.
#[doc(hidden)]
pub fn __jvp_trace<'t, T: LinScalar>(a: &Mat<T>, da: impl TanRef<'t, Mat<T>>) -> (T, T) {
    (trace(a), da.present().map_or(T::default(), trace))
}
