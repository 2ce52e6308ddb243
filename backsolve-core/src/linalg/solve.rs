//! Linear solves, inverse, log-determinant, triangular solves.
//!
//! Rules (adjoint-rules §3.2; Giles 2008 §2.3; complex form of PyTorch's `linalg_solve`
//! backward). The forward factorization is the residual: the reverse sweep solves with it and
//! never factorizes again (Naumann & Lotz, AIB-2012-10):
//! - `X = A⁻¹ B`:  `B̄ = A⁻ᴴ X̄`,  `Ā = −B̄ Xᴴ`
//! - `Y = A⁻¹`:    `Ā = −Yᴴ Ȳ Yᴴ`
//! - `w = log det A`: `Ā = A⁻ᴴ w̄`
//! - `X = R⁻¹ B`, `R` triangular: `B̄ = R⁻ᴴ X̄`, `R̄ = −B̄ Xᴴ` restricted to `R`'s triangle.
//!
//! Tangents, with the same factorizations: `Ẋ = A⁻¹ (Ḃ − Ȧ X)`, `Ẏ = −Y Ȧ Y`,
//! `ẇ = tr(A⁻¹ Ȧ)` (its real part for real `log |det A|`), `Ẋ = R⁻¹ (Ḃ − Ṙ X)` with `Ṙ` on the
//! triangle that is read; Cholesky with the Hermitian matrix of `Ȧ`'s lower triangle.

use super::{
    check_finite, check_square, cotangent, mirror_lower, or_panic, project_lower_hermitian, shape,
    LinScalar, LinalgError,
};
use crate::tangent::{Inactive, TanRef};
use faer::linalg::solvers::{DenseSolveCore, Llt, PartialPivLu, Solve};
use faer::{Mat, Side};

fn check_rows<T>(primitive: &'static str, a: &Mat<T>, b: &Mat<T>) -> Result<(), LinalgError> {
    if a.nrows() != b.nrows() {
        return Err(LinalgError::ShapeMismatch {
            primitive,
            expected: "rows of a = rows of b".into(),
            lhs: ("a", shape(a)),
            rhs: ("b", shape(b)),
        });
    }
    Ok(())
}

/// LU with partial pivoting, refusing a matrix that is singular to working precision.
fn lu<T: LinScalar>(primitive: &'static str, a: &Mat<T>) -> Result<PartialPivLu<T>, LinalgError> {
    check_square(primitive, "a", a)?;
    check_finite(primitive, "a", a)?;
    let f = a.partial_piv_lu();
    let u = f.U();
    let n = u.nrows();
    let big = (0..n).map(|k| u[(k, k)].abs()).fold(0.0, f64::max);
    let tol = big * n as f64 * f64::EPSILON;
    if let Some(pivot) = (0..n).find(|&k| u[(k, k)].abs() <= tol) {
        return Err(LinalgError::Singular {
            primitive,
            shape: shape(a),
            pivot,
        });
    }
    Ok(f)
}

/// `X = A⁻¹ B` by LU with partial pivoting.
pub fn try_solve<T: LinScalar>(a: &Mat<T>, b: &Mat<T>) -> Result<Mat<T>, LinalgError> {
    check_rows("solve", a, b)?;
    check_finite("solve", "b", b)?;
    Ok(lu("solve", a)?.solve(b))
}

/// `X = A⁻¹ B`. Panics naming the shapes on non-square `a`, mismatched rows, NaN, or a singular
/// `a`.
#[track_caller]
pub fn solve<T: LinScalar>(a: &Mat<T>, b: &Mat<T>) -> Mat<T> {
    or_panic(try_solve(a, b))
}

#[doc(hidden)]
pub fn __forward_solve<T: LinScalar>(
    a: &Mat<T>,
    b: &Mat<T>,
) -> (Mat<T>, (PartialPivLu<T>, Mat<T>)) {
    check_rows("solve", a, b)
        .and_then(|_| check_finite("solve", "b", b))
        .unwrap_or_else(|e| panic!("{e}"));
    let f = or_panic(lu("solve", a));
    let x = f.solve(b);
    (x.clone(), (f, x))
}

/// `B̄ = A⁻ᴴ X̄` (with the forward LU), `Ā = −B̄ Xᴴ`.
#[doc(hidden)]
pub fn __reverse_solve<T: LinScalar>(
    a: &Mat<T>,
    b: &Mat<T>,
    (f, x): (PartialPivLu<T>, Mat<T>),
    d: Mat<T>,
) -> (Mat<T>, Mat<T>) {
    let mut db = cotangent(d, a.ncols(), b.ncols());
    f.solve_adjoint_in_place(db.as_mut());
    let da = -(&db * x.adjoint());
    (da, db)
}

/// `Ẋ = A⁻¹ (Ḃ − Ȧ X)` with the one LU.
#[doc(hidden)]
pub fn __jvp_solve<'t, T: LinScalar>(
    a: &Mat<T>,
    b: &Mat<T>,
    da: impl TanRef<'t, Mat<T>>,
    db: impl TanRef<'t, Mat<T>>,
) -> (Mat<T>, Mat<T>) {
    let (x, (f, _)) = __forward_solve(a, b);
    let dx = solve_rhs(&x, da.present().cloned(), db.present())
        .map_or_else(|| Mat::zeros(x.nrows(), x.ncols()), |rhs| f.solve(&rhs));
    (x, dx)
}

/// `Ḃ − Ȧ X`: the right-hand side whose solve is the tangent of `X = A⁻¹ B` (`None` when
/// neither varies).
fn solve_rhs<T: LinScalar>(x: &Mat<T>, da: Option<Mat<T>>, db: Option<&Mat<T>>) -> Option<Mat<T>> {
    match (da.map(|da| -(&da * x)), db) {
        (Some(m), Some(db)) => Some(m + db),
        (Some(m), None) => Some(m),
        (None, Some(db)) => Some(db.clone()),
        (None, None) => None,
    }
}

fn llt<T: LinScalar>(primitive: &'static str, a: &Mat<T>) -> Result<Llt<T>, LinalgError> {
    check_square(primitive, "a", a)?;
    check_finite(primitive, "a", a)?;
    mirror_lower(a)
        .llt(Side::Lower)
        .map_err(|_| LinalgError::NotPositiveDefinite {
            primitive,
            shape: shape(a),
        })
}

/// `X = A⁻¹ B` for Hermitian positive definite `A`, by Cholesky. Only the lower triangle of
/// `a` is read (and the real part of its diagonal); the adjoint is with respect to those
/// entries.
pub fn try_cholesky_solve<T: LinScalar>(a: &Mat<T>, b: &Mat<T>) -> Result<Mat<T>, LinalgError> {
    check_rows("cholesky_solve", a, b)?;
    check_finite("cholesky_solve", "b", b)?;
    Ok(llt("cholesky_solve", a)?.solve(b))
}

/// `X = A⁻¹ B` for Hermitian positive definite `A`. Panics naming the shapes on bad input or a
/// matrix that is not positive definite.
#[track_caller]
pub fn cholesky_solve<T: LinScalar>(a: &Mat<T>, b: &Mat<T>) -> Mat<T> {
    or_panic(try_cholesky_solve(a, b))
}

#[doc(hidden)]
pub fn __forward_cholesky_solve<T: LinScalar>(
    a: &Mat<T>,
    b: &Mat<T>,
) -> (Mat<T>, (Llt<T>, Mat<T>)) {
    check_rows("cholesky_solve", a, b)
        .and_then(|_| check_finite("cholesky_solve", "b", b))
        .unwrap_or_else(|e| panic!("{e}"));
    let f = or_panic(llt("cholesky_solve", a));
    let x = f.solve(b);
    (x.clone(), (f, x))
}

/// `B̄ = A⁻¹ X̄`, `Ā = −B̄ Xᴴ` projected on the lower triangle that was read.
#[doc(hidden)]
pub fn __reverse_cholesky_solve<T: LinScalar>(
    a: &Mat<T>,
    b: &Mat<T>,
    (f, x): (Llt<T>, Mat<T>),
    d: Mat<T>,
) -> (Mat<T>, Mat<T>) {
    let mut db = cotangent(d, a.ncols(), b.ncols());
    f.solve_in_place(db.as_mut());
    let full = -(&db * x.adjoint());
    (project_lower_hermitian(&full), db)
}

/// `Ẋ = A⁻¹ (Ḃ − Ȧ X)` with the one Cholesky factor, `Ȧ` read as `A` is (lower triangle).
#[doc(hidden)]
pub fn __jvp_cholesky_solve<'t, T: LinScalar>(
    a: &Mat<T>,
    b: &Mat<T>,
    da: impl TanRef<'t, Mat<T>>,
    db: impl TanRef<'t, Mat<T>>,
) -> (Mat<T>, Mat<T>) {
    let (x, (f, _)) = __forward_cholesky_solve(a, b);
    let da = da.present().map(mirror_lower);
    let dx = solve_rhs(&x, da, db.present())
        .map_or_else(|| Mat::zeros(x.nrows(), x.ncols()), |rhs| f.solve(&rhs));
    (x, dx)
}

/// `A⁻¹`.
pub fn try_inverse<T: LinScalar>(a: &Mat<T>) -> Result<Mat<T>, LinalgError> {
    Ok(lu("inverse", a)?.inverse())
}

/// `A⁻¹`. Panics naming the shape on a non-square, singular or non-finite `a`.
#[track_caller]
pub fn inverse<T: LinScalar>(a: &Mat<T>) -> Mat<T> {
    or_panic(try_inverse(a))
}

#[doc(hidden)]
pub fn __forward_inverse<T: LinScalar>(a: &Mat<T>) -> (Mat<T>, Mat<T>) {
    let y = inverse(a);
    (y.clone(), y)
}

/// `Ā = −Yᴴ Ȳ Yᴴ`.
#[doc(hidden)]
pub fn __reverse_inverse<T: LinScalar>(a: &Mat<T>, y: Mat<T>, d: Mat<T>) -> (Mat<T>,) {
    let d = cotangent(d, a.nrows(), a.ncols());
    (-(y.adjoint() * &d * y.adjoint()),)
}

/// `Ẏ = −Y Ȧ Y`.
#[doc(hidden)]
pub fn __jvp_inverse<'t, T: LinScalar>(
    a: &Mat<T>,
    da: impl TanRef<'t, Mat<T>>,
) -> (Mat<T>, Mat<T>) {
    let y = inverse(a);
    let dy = da
        .present()
        .map_or_else(|| Mat::zeros(y.nrows(), y.ncols()), |da| -(&y * da * &y));
    (y, dy)
}

/// The log-determinant: `log |det A|` for real `A`, the complex `log det A` (a sum of principal
/// logarithms of the LU pivots) for complex `A`.
pub trait LogDet: LinScalar {
    /// `log |x|` (real) or `log x` (complex) of one pivot.
    fn log_pivot(self) -> Self;
    /// The contribution of a permutation of the given parity: `0` (real), `iπ` or `0` (complex).
    fn log_sign(odd: bool) -> Self;
}
impl LogDet for f64 {
    fn log_pivot(self) -> f64 {
        self.abs().ln()
    }
    fn log_sign(_: bool) -> f64 {
        0.0
    }
}
impl LogDet for crate::c64 {
    fn log_pivot(self) -> crate::c64 {
        self.ln()
    }
    fn log_sign(odd: bool) -> crate::c64 {
        crate::c64::new(0.0, if odd { std::f64::consts::PI } else { 0.0 })
    }
}

fn permutation_is_odd(p: &[usize]) -> bool {
    let mut seen = vec![false; p.len()];
    let mut transpositions = 0;
    for start in 0..p.len() {
        let mut k = start;
        let mut len = 0;
        while !seen[k] {
            seen[k] = true;
            k = p[k];
            len += 1;
        }
        if len > 0 {
            transpositions += len - 1;
        }
    }
    transpositions % 2 == 1
}

fn logdet_of<T: LogDet>(f: &PartialPivLu<T>) -> T {
    let u = f.U();
    let mut s = T::log_sign(permutation_is_odd(f.P().arrays().0));
    for k in 0..u.nrows() {
        s += u[(k, k)].log_pivot();
    }
    s
}

/// Log-determinant (see [`LogDet`]) by LU.
pub fn try_logdet<T: LogDet>(a: &Mat<T>) -> Result<T, LinalgError> {
    Ok(logdet_of(&lu("logdet", a)?))
}

/// Log-determinant. Panics naming the shape on a non-square, singular or non-finite `a`.
#[track_caller]
pub fn logdet<T: LogDet>(a: &Mat<T>) -> T {
    or_panic(try_logdet(a))
}

#[doc(hidden)]
pub fn __forward_logdet<T: LogDet>(a: &Mat<T>) -> (T, PartialPivLu<T>) {
    let f = or_panic(lu("logdet", a));
    (logdet_of(&f), f)
}

/// `Ā = A⁻ᴴ w̄`, with the forward LU.
#[doc(hidden)]
pub fn __reverse_logdet<T: LogDet>(a: &Mat<T>, f: PartialPivLu<T>, d: T) -> (Mat<T>,) {
    let n = a.nrows();
    let mut g = Mat::<T>::identity(n, n);
    f.solve_adjoint_in_place(g.as_mut());
    for j in 0..n {
        for i in 0..n {
            g[(i, j)] *= d;
        }
    }
    (g,)
}

/// `ẇ = tr(A⁻¹ Ȧ)` with the forward LU (real part for real matrices, where `log |det A|` is
/// real anyway).
#[doc(hidden)]
pub fn __jvp_logdet<'t, T: LogDet>(a: &Mat<T>, da: impl TanRef<'t, Mat<T>>) -> (T, T) {
    let (w, f) = __forward_logdet(a);
    let dw = da.present().map_or(T::default(), |da| {
        let z = f.solve(da);
        (0..z.nrows()).fold(T::default(), |s, k| s + z[(k, k)])
    });
    (w, dw)
}

/// Which triangle of a matrix a triangular solve reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Triangle {
    /// On and above the diagonal (`R` of a QR).
    Upper,
    /// On and below the diagonal.
    Lower,
}

impl crate::Rec for Triangle {
    type R = Triangle;
    fn rec(&self) -> Triangle {
        *self
    }
}

pub(super) fn in_triangle(tri: Triangle, i: usize, j: usize) -> bool {
    match tri {
        Triangle::Upper => i <= j,
        Triangle::Lower => i >= j,
    }
}

/// `X = R⁻¹ B` for triangular `R` (only the chosen triangle is read).
pub fn try_triangular_solve<T: LinScalar>(
    r: &Mat<T>,
    b: &Mat<T>,
    tri: Triangle,
) -> Result<Mat<T>, LinalgError> {
    let p = "triangular_solve";
    check_square(p, "r", r)?;
    if r.nrows() != b.nrows() {
        return Err(LinalgError::ShapeMismatch {
            primitive: p,
            expected: "rows of r = rows of b".into(),
            lhs: ("r", shape(r)),
            rhs: ("b", shape(b)),
        });
    }
    check_finite(p, "r", r)?;
    check_finite(p, "b", b)?;
    if let Some(pivot) = (0..r.nrows()).find(|&k| r[(k, k)].abs() == 0.0) {
        return Err(LinalgError::Singular {
            primitive: p,
            shape: shape(r),
            pivot,
        });
    }
    let mut x = b.clone();
    match tri {
        Triangle::Upper => r.as_ref().solve_upper_triangular_in_place(x.as_mut()),
        Triangle::Lower => r.as_ref().solve_lower_triangular_in_place(x.as_mut()),
    }
    Ok(x)
}

/// `X = R⁻¹ B`. Panics naming the shapes on bad input or a zero on the diagonal.
#[track_caller]
pub fn triangular_solve<T: LinScalar>(r: &Mat<T>, b: &Mat<T>, tri: Triangle) -> Mat<T> {
    or_panic(try_triangular_solve(r, b, tri))
}

#[doc(hidden)]
pub fn __forward_triangular_solve<T: LinScalar>(
    r: &Mat<T>,
    b: &Mat<T>,
    tri: Triangle,
) -> (Mat<T>, Mat<T>) {
    let x = triangular_solve(r, b, tri);
    (x.clone(), x)
}

/// `B̄ = R⁻ᴴ X̄`, `R̄ = −B̄ Xᴴ` on `R`'s triangle.
#[doc(hidden)]
pub fn __reverse_triangular_solve<T: LinScalar>(
    r: &Mat<T>,
    b: &Mat<T>,
    tri: Triangle,
    x: Mat<T>,
    d: Mat<T>,
) -> (Mat<T>, Mat<T>, ()) {
    let mut db = cotangent(d, b.nrows(), b.ncols());
    // Rᴴ is triangular of the other kind.
    match tri {
        Triangle::Upper => r.adjoint().solve_lower_triangular_in_place(db.as_mut()),
        Triangle::Lower => r.adjoint().solve_upper_triangular_in_place(db.as_mut()),
    }
    let full = &db * x.adjoint();
    let n = r.nrows();
    let dr = Mat::from_fn(n, n, |i, j| {
        if in_triangle(tri, i, j) {
            -full[(i, j)]
        } else {
            T::default()
        }
    });
    (dr, db, ())
}

/// `Ẋ = R⁻¹ (Ḃ − Ṙ X)`, `Ṙ` on the triangle `R` is read from.
#[doc(hidden)]
pub fn __jvp_triangular_solve<'t, T: LinScalar>(
    r: &Mat<T>,
    b: &Mat<T>,
    tri: Triangle,
    dr: impl TanRef<'t, Mat<T>>,
    db: impl TanRef<'t, Mat<T>>,
    _: impl Inactive,
) -> (Mat<T>, Mat<T>) {
    let x = triangular_solve(r, b, tri);
    let n = r.nrows();
    let dr = dr.present().map(|dr| {
        Mat::from_fn(n, n, |i, j| {
            if in_triangle(tri, i, j) {
                dr[(i, j)]
            } else {
                T::default()
            }
        })
    });
    let dx = solve_rhs(&x, dr, db.present()).map_or_else(
        || Mat::zeros(x.nrows(), x.ncols()),
        |rhs| triangular_solve(r, &rhs, tri),
    );
    (x, dx)
}
