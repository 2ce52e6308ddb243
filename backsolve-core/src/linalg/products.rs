//! Products and elementwise reductions.
//!
//! Rules (Giles 2008, "An extended collection of matrix derivative results", §2.2; complex form
//! with `T -> H`):
//! - `C = A B`:   `Ā += C̄ Bᴴ`, `B̄ += Aᴴ C̄`
//! - `C = Aᴴ B`:  `Ā += B C̄ᴴ`, `B̄ += A C̄`
//! - `C = A Bᴴ`:  `Ā += C̄ B`,  `B̄ += C̄ᴴ A`
//!
//! Tangents: `Ċ = Ȧ B + A Ḃ`, `Ȧᴴ B + Aᴴ Ḃ`, `Ȧ Bᴴ + A Ḃᴴ`.

use super::{cotangent, or_panic, shape, tangent_sum, LinScalar, LinalgError};
use crate::tangent::TanRef;
use faer::Mat;

fn check_inner(
    primitive: &'static str,
    expected: &str,
    (na, a): (&'static str, (usize, usize)),
    (nb, b): (&'static str, (usize, usize)),
    ok: bool,
) -> Result<(), LinalgError> {
    if ok {
        Ok(())
    } else {
        Err(LinalgError::ShapeMismatch {
            primitive,
            expected: expected.into(),
            lhs: (na, a),
            rhs: (nb, b),
        })
    }
}

/// `A B`, or an error naming the shapes.
pub fn try_matmul<T: LinScalar>(a: &Mat<T>, b: &Mat<T>) -> Result<Mat<T>, LinalgError> {
    check_inner(
        "matmul",
        "columns of a = rows of b",
        ("a", shape(a)),
        ("b", shape(b)),
        a.ncols() == b.nrows(),
    )?;
    Ok(a * b)
}

/// `A B`. Panics with [`LinalgError::ShapeMismatch`]'s message on mismatched shapes.
#[track_caller]
pub fn matmul<T: LinScalar>(a: &Mat<T>, b: &Mat<T>) -> Mat<T> {
    or_panic(try_matmul(a, b))
}

#[doc(hidden)]
pub fn __forward_matmul<T: LinScalar>(a: &Mat<T>, b: &Mat<T>) -> (Mat<T>, ()) {
    (matmul(a, b), ())
}

/// `Ā = C̄ Bᴴ`, `B̄ = Aᴴ C̄`.
#[doc(hidden)]
pub fn __reverse_matmul<T: LinScalar>(
    a: &Mat<T>,
    b: &Mat<T>,
    _: (),
    d: Mat<T>,
) -> (Mat<T>, Mat<T>) {
    let d = cotangent(d, a.nrows(), b.ncols());
    (&d * b.adjoint(), a.adjoint() * &d)
}

/// `Ċ = Ȧ B + A Ḃ`.
#[doc(hidden)]
pub fn __jvp_matmul<'t, T: LinScalar>(
    a: &Mat<T>,
    b: &Mat<T>,
    da: impl TanRef<'t, Mat<T>>,
    db: impl TanRef<'t, Mat<T>>,
) -> (Mat<T>, Mat<T>) {
    let c = matmul(a, b);
    let terms = [
        da.present().map(|da| matmul(da, b)),
        db.present().map(|db| matmul(a, db)),
    ];
    let dc = tangent_sum(c.nrows(), c.ncols(), terms);
    (c, dc)
}

/// `Aᴴ B` without forming `Aᴴ`.
pub fn try_matmul_adj_lhs<T: LinScalar>(a: &Mat<T>, b: &Mat<T>) -> Result<Mat<T>, LinalgError> {
    check_inner(
        "matmul_adj_lhs",
        "rows of a = rows of b",
        ("a", shape(a)),
        ("b", shape(b)),
        a.nrows() == b.nrows(),
    )?;
    Ok(a.adjoint() * b)
}

/// `Aᴴ B` without forming `Aᴴ`. Panics on mismatched shapes.
#[track_caller]
pub fn matmul_adj_lhs<T: LinScalar>(a: &Mat<T>, b: &Mat<T>) -> Mat<T> {
    or_panic(try_matmul_adj_lhs(a, b))
}

#[doc(hidden)]
pub fn __forward_matmul_adj_lhs<T: LinScalar>(a: &Mat<T>, b: &Mat<T>) -> (Mat<T>, ()) {
    (matmul_adj_lhs(a, b), ())
}

/// `Ā = B C̄ᴴ`, `B̄ = A C̄`.
#[doc(hidden)]
pub fn __reverse_matmul_adj_lhs<T: LinScalar>(
    a: &Mat<T>,
    b: &Mat<T>,
    _: (),
    d: Mat<T>,
) -> (Mat<T>, Mat<T>) {
    let d = cotangent(d, a.ncols(), b.ncols());
    (b * d.adjoint(), a * &d)
}

/// `Ċ = Ȧᴴ B + Aᴴ Ḃ`.
#[doc(hidden)]
pub fn __jvp_matmul_adj_lhs<'t, T: LinScalar>(
    a: &Mat<T>,
    b: &Mat<T>,
    da: impl TanRef<'t, Mat<T>>,
    db: impl TanRef<'t, Mat<T>>,
) -> (Mat<T>, Mat<T>) {
    let c = matmul_adj_lhs(a, b);
    let terms = [
        da.present().map(|da| matmul_adj_lhs(da, b)),
        db.present().map(|db| matmul_adj_lhs(a, db)),
    ];
    let dc = tangent_sum(c.nrows(), c.ncols(), terms);
    (c, dc)
}

/// `A Bᴴ` without forming `Bᴴ`.
pub fn try_matmul_adj_rhs<T: LinScalar>(a: &Mat<T>, b: &Mat<T>) -> Result<Mat<T>, LinalgError> {
    check_inner(
        "matmul_adj_rhs",
        "columns of a = columns of b",
        ("a", shape(a)),
        ("b", shape(b)),
        a.ncols() == b.ncols(),
    )?;
    Ok(a * b.adjoint())
}

/// `A Bᴴ` without forming `Bᴴ`. Panics on mismatched shapes.
#[track_caller]
pub fn matmul_adj_rhs<T: LinScalar>(a: &Mat<T>, b: &Mat<T>) -> Mat<T> {
    or_panic(try_matmul_adj_rhs(a, b))
}

#[doc(hidden)]
pub fn __forward_matmul_adj_rhs<T: LinScalar>(a: &Mat<T>, b: &Mat<T>) -> (Mat<T>, ()) {
    (matmul_adj_rhs(a, b), ())
}

/// `Ā = C̄ B`, `B̄ = C̄ᴴ A`.
#[doc(hidden)]
pub fn __reverse_matmul_adj_rhs<T: LinScalar>(
    a: &Mat<T>,
    b: &Mat<T>,
    _: (),
    d: Mat<T>,
) -> (Mat<T>, Mat<T>) {
    let d = cotangent(d, a.nrows(), b.nrows());
    (&d * b, d.adjoint() * a)
}

/// `Ċ = Ȧ Bᴴ + A Ḃᴴ`.
#[doc(hidden)]
pub fn __jvp_matmul_adj_rhs<'t, T: LinScalar>(
    a: &Mat<T>,
    b: &Mat<T>,
    da: impl TanRef<'t, Mat<T>>,
    db: impl TanRef<'t, Mat<T>>,
) -> (Mat<T>, Mat<T>) {
    let c = matmul_adj_rhs(a, b);
    let terms = [
        da.present().map(|da| matmul_adj_rhs(da, b)),
        db.present().map(|db| matmul_adj_rhs(a, db)),
    ];
    let dc = tangent_sum(c.nrows(), c.ncols(), terms);
    (c, dc)
}

/// Elementwise `|a_ij|²`.
pub fn abs2<T: LinScalar>(a: &Mat<T>) -> Mat<f64> {
    Mat::from_fn(a.nrows(), a.ncols(), |i, j| {
        let x = a[(i, j)];
        (x.cj() * x).re()
    })
}

#[doc(hidden)]
pub fn __forward_abs2<T: LinScalar>(a: &Mat<T>) -> (Mat<f64>, ()) {
    (abs2(a), ())
}

/// `w = |a|²` (real): `ā = 2 a w̄`.
#[doc(hidden)]
pub fn __reverse_abs2<T: LinScalar>(a: &Mat<T>, _: (), d: Mat<f64>) -> (Mat<T>,) {
    let d = cotangent(d, a.nrows(), a.ncols());
    (Mat::from_fn(a.nrows(), a.ncols(), |i, j| {
        a[(i, j)] * T::from_real(2.0 * d[(i, j)])
    }),)
}

/// `ẇ = 2 Re(conj(a) ȧ)` elementwise.
#[doc(hidden)]
pub fn __jvp_abs2<'t, T: LinScalar>(
    a: &Mat<T>,
    da: impl TanRef<'t, Mat<T>>,
) -> (Mat<f64>, Mat<f64>) {
    let dw = match da.present() {
        Some(da) => Mat::from_fn(a.nrows(), a.ncols(), |i, j| {
            2.0 * (a[(i, j)].cj() * da[(i, j)]).re()
        }),
        None => Mat::zeros(a.nrows(), a.ncols()),
    };
    (abs2(a), dw)
}

/// `tr(Aᴴ B) = Σ conj(a_ij) b_ij`.
pub fn try_trace_adj_mul<T: LinScalar>(a: &Mat<T>, b: &Mat<T>) -> Result<T, LinalgError> {
    check_inner(
        "trace_adj_mul",
        "equal shapes",
        ("a", shape(a)),
        ("b", shape(b)),
        shape(a) == shape(b),
    )?;
    let mut s = T::default();
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            s += a[(i, j)].cj() * b[(i, j)];
        }
    }
    Ok(s)
}

/// `tr(Aᴴ B)`. Panics on different shapes.
#[track_caller]
pub fn trace_adj_mul<T: LinScalar>(a: &Mat<T>, b: &Mat<T>) -> T {
    or_panic(try_trace_adj_mul(a, b))
}

#[doc(hidden)]
pub fn __forward_trace_adj_mul<T: LinScalar>(a: &Mat<T>, b: &Mat<T>) -> (T, ()) {
    (trace_adj_mul(a, b), ())
}

/// `w = Σ conj(a) b` is antiholomorphic in `a`, holomorphic in `b`: `ā = b conj(w̄)`, `b̄ = a w̄`.
#[doc(hidden)]
pub fn __reverse_trace_adj_mul<T: LinScalar>(
    a: &Mat<T>,
    b: &Mat<T>,
    _: (),
    d: T,
) -> (Mat<T>, Mat<T>) {
    let da = Mat::from_fn(a.nrows(), a.ncols(), |i, j| b[(i, j)] * d.cj());
    let db = Mat::from_fn(a.nrows(), a.ncols(), |i, j| a[(i, j)] * d);
    (da, db)
}

/// `ẇ = tr(Ȧᴴ B) + tr(Aᴴ Ḃ)`.
#[doc(hidden)]
pub fn __jvp_trace_adj_mul<'t, T: LinScalar>(
    a: &Mat<T>,
    b: &Mat<T>,
    da: impl TanRef<'t, Mat<T>>,
    db: impl TanRef<'t, Mat<T>>,
) -> (T, T) {
    let mut dw = T::default();
    if let Some(da) = da.present() {
        dw += trace_adj_mul(da, b);
    }
    if let Some(db) = db.present() {
        dw += trace_adj_mul(a, db);
    }
    (trace_adj_mul(a, b), dw)
}

/// `‖A‖_F² = Σ |a_ij|²`.
pub fn frob2<T: LinScalar>(a: &Mat<T>) -> f64 {
    let mut s = 0.0;
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            let x = a[(i, j)];
            s += (x.cj() * x).re();
        }
    }
    s
}

#[doc(hidden)]
pub fn __forward_frob2<T: LinScalar>(a: &Mat<T>) -> (f64, ()) {
    (frob2(a), ())
}

/// `w = ‖A‖²`: `Ā = 2 A w̄`.
#[doc(hidden)]
pub fn __reverse_frob2<T: LinScalar>(a: &Mat<T>, _: (), d: f64) -> (Mat<T>,) {
    (Mat::from_fn(a.nrows(), a.ncols(), |i, j| {
        a[(i, j)] * T::from_real(2.0 * d)
    }),)
}

/// `ẇ = 2 Re tr(Aᴴ Ȧ)`.
#[doc(hidden)]
pub fn __jvp_frob2<'t, T: LinScalar>(a: &Mat<T>, da: impl TanRef<'t, Mat<T>>) -> (f64, f64) {
    let dw = da
        .present()
        .map_or(0.0, |da| 2.0 * trace_adj_mul(a, da).re());
    (frob2(a), dw)
}
