//! Structured products and block manipulation for slice-by-slice sweeps.
//!
//! - `Y = A X` with `A` tridiagonal (`d` diagonal, `lo[i] = A[i+1, i]`, `up[i] = A[i, i+1]`),
//!   in O(n m) instead of O(n² m). From `Y_ij = d_i X_ij + lo_{i-1} X_{i-1,j} + up_i X_{i+1,j}`
//!   (holomorphic in every input): `d̄_i = Σ_j conj(X_ij) Ȳ_ij`,
//!   `lō_i = Σ_j conj(X_ij) Ȳ_{i+1,j}`, `ūp_i = Σ_j conj(X_{i+1,j}) Ȳ_ij`, `X̄ = Aᴴ Ȳ`.
//! - `vstack(a, b) = [a; b]`: `(Ā, B̄)` are the two row blocks of the cotangent.
//! - `split_rows(a, k) = (a[..k], a[k..])`: `Ā = [Ā_top; Ā_bottom]`.
//! - `hstack(a, b) = [a, b]` and `split_cols(a, k)`: the same by columns.

use super::{cotangent, or_panic, shape, LinScalar, LinalgError};
use crate::tangent::{Inactive, TanRef};
use faer::Mat;

fn check_tridiag<T>(d: &[T], lo: &[T], up: &[T], x: &Mat<T>) -> Result<(), LinalgError> {
    let n = d.len();
    let ok_off = lo.len() + 1 == n.max(1) && up.len() + 1 == n.max(1);
    if !ok_off {
        return Err(LinalgError::BadLength {
            primitive: "tridiag_matmul",
            arg: if lo.len() + 1 != n.max(1) { "lo" } else { "up" },
            len: if lo.len() + 1 != n.max(1) {
                lo.len()
            } else {
                up.len()
            },
            expected: n.saturating_sub(1),
        });
    }
    if x.nrows() != n {
        return Err(LinalgError::ShapeMismatch {
            primitive: "tridiag_matmul",
            expected: "rows of x = length of d".into(),
            lhs: ("d", (n, 1)),
            rhs: ("x", shape(x)),
        });
    }
    Ok(())
}

/// `A X` for tridiagonal `A`.
pub fn try_tridiag_matmul<T: LinScalar>(
    d: &[T],
    lo: &[T],
    up: &[T],
    x: &Mat<T>,
) -> Result<Mat<T>, LinalgError> {
    check_tridiag(d, lo, up, x)?;
    let n = d.len();
    let mut y = Mat::<T>::zeros(n, x.ncols());
    for j in 0..x.ncols() {
        for i in 0..n {
            let mut s = d[i] * x[(i, j)];
            if i > 0 {
                s += lo[i - 1] * x[(i - 1, j)];
            }
            if i + 1 < n {
                s += up[i] * x[(i + 1, j)];
            }
            y[(i, j)] = s;
        }
    }
    Ok(y)
}

/// `A X` for tridiagonal `A`. Panics naming the lengths and shapes when they do not fit.
#[track_caller]
pub fn tridiag_matmul<T: LinScalar>(d: &[T], lo: &[T], up: &[T], x: &Mat<T>) -> Mat<T> {
    or_panic(try_tridiag_matmul(d, lo, up, x))
}

#[doc(hidden)]
pub fn __forward_tridiag_matmul<T: LinScalar>(
    d: &[T],
    lo: &[T],
    up: &[T],
    x: &Mat<T>,
) -> (Mat<T>, ()) {
    (tridiag_matmul(d, lo, up, x), ())
}

#[doc(hidden)]
#[allow(clippy::type_complexity)]
pub fn __reverse_tridiag_matmul<T: LinScalar>(
    d: &[T],
    lo: &[T],
    up: &[T],
    x: &Mat<T>,
    _: (),
    dy: Mat<T>,
) -> (Vec<T>, Vec<T>, Vec<T>, Mat<T>) {
    let n = d.len();
    let m = x.ncols();
    let dy = cotangent(dy, n, m);
    let mut dd = vec![T::default(); n];
    let mut dlo = vec![T::default(); lo.len()];
    let mut dup = vec![T::default(); up.len()];
    let mut dx = Mat::<T>::zeros(n, m);
    for j in 0..m {
        for i in 0..n {
            let g = dy[(i, j)];
            dd[i] += x[(i, j)].cj() * g;
            let mut s = d[i].cj() * g;
            if i + 1 < n {
                dlo[i] += x[(i, j)].cj() * dy[(i + 1, j)];
                dup[i] += x[(i + 1, j)].cj() * g;
                s += lo[i].cj() * dy[(i + 1, j)];
            }
            if i > 0 {
                s += up[i - 1].cj() * dy[(i - 1, j)];
            }
            dx[(i, j)] = s;
        }
    }
    (dd, dlo, dup, dx)
}

/// Bilinear: `Ẏ = tridiag(ḋ, l̇o, u̇p) X + tridiag(d, lo, up) Ẋ`.
#[doc(hidden)]
#[allow(clippy::too_many_arguments)]
pub fn __jvp_tridiag_matmul<'t, T: LinScalar>(
    d: &[T],
    lo: &[T],
    up: &[T],
    x: &Mat<T>,
    dd: impl TanRef<'t, [T]>,
    dlo: impl TanRef<'t, [T]>,
    dup: impl TanRef<'t, [T]>,
    dx: impl TanRef<'t, Mat<T>>,
) -> (Mat<T>, Mat<T>) {
    let y = tridiag_matmul(d, lo, up, x);
    let (dd, dlo, dup) = (dd.present(), dlo.present(), dup.present());
    let mut dy = Mat::<T>::zeros(y.nrows(), y.ncols());
    if dd.is_some() || dlo.is_some() || dup.is_some() {
        let zero = |v: &[T]| vec![T::default(); v.len()];
        let (zd, zl, zu) = (zero(d), zero(lo), zero(up));
        let bands = (dd.unwrap_or(&zd), dlo.unwrap_or(&zl), dup.unwrap_or(&zu));
        dy += tridiag_matmul(bands.0, bands.1, bands.2, x);
    }
    if let Some(dx) = dx.present() {
        dy += tridiag_matmul(d, lo, up, dx);
    }
    (y, dy)
}

/// `[a; b]`. Panics when the column counts differ.
#[track_caller]
pub fn vstack<T: LinScalar>(a: &Mat<T>, b: &Mat<T>) -> Mat<T> {
    if a.ncols() != b.ncols() {
        panic!(
            "{}",
            LinalgError::ShapeMismatch {
                primitive: "vstack",
                expected: "equal column counts".into(),
                lhs: ("a", shape(a)),
                rhs: ("b", shape(b)),
            }
        );
    }
    let (ma, mb) = (a.nrows(), b.nrows());
    Mat::from_fn(ma + mb, a.ncols(), |i, j| {
        if i < ma {
            a[(i, j)]
        } else {
            b[(i - ma, j)]
        }
    })
}

#[doc(hidden)]
pub fn __forward_vstack<T: LinScalar>(a: &Mat<T>, b: &Mat<T>) -> (Mat<T>, ()) {
    (vstack(a, b), ())
}

#[doc(hidden)]
pub fn __reverse_vstack<T: LinScalar>(
    a: &Mat<T>,
    b: &Mat<T>,
    _: (),
    d: Mat<T>,
) -> (Mat<T>, Mat<T>) {
    let d = cotangent(d, a.nrows() + b.nrows(), a.ncols());
    split_rows(&d, a.nrows())
}

/// Linear: `[ȧ; ḃ]`.
#[doc(hidden)]
pub fn __jvp_vstack<'t, T: LinScalar>(
    a: &Mat<T>,
    b: &Mat<T>,
    da: impl TanRef<'t, Mat<T>>,
    db: impl TanRef<'t, Mat<T>>,
) -> (Mat<T>, Mat<T>) {
    let (da, db) = (da.tangent(a), db.tangent(b));
    (vstack(a, b), vstack(&da, &db))
}

/// The first `k` rows and the rest. Panics when `k` exceeds the row count.
#[track_caller]
pub fn split_rows<T: LinScalar>(a: &Mat<T>, k: usize) -> (Mat<T>, Mat<T>) {
    assert!(
        k <= a.nrows(),
        "split_rows: cannot take {k} rows of a {}x{} matrix",
        a.nrows(),
        a.ncols()
    );
    let top = Mat::from_fn(k, a.ncols(), |i, j| a[(i, j)]);
    let bottom = Mat::from_fn(a.nrows() - k, a.ncols(), |i, j| a[(k + i, j)]);
    (top, bottom)
}

#[doc(hidden)]
#[allow(clippy::type_complexity)]
pub fn __forward_split_rows<T: LinScalar>(a: &Mat<T>, k: usize) -> ((Mat<T>, Mat<T>), ()) {
    (split_rows(a, k), ())
}

#[doc(hidden)]
pub fn __reverse_split_rows<T: LinScalar>(
    a: &Mat<T>,
    k: usize,
    _: (),
    (dt, db): (Mat<T>, Mat<T>),
) -> (Mat<T>, ()) {
    let dt = cotangent(dt, k, a.ncols());
    let db = cotangent(db, a.nrows() - k, a.ncols());
    (vstack(&dt, &db), ())
}

/// Linear: the split of the tangent.
#[doc(hidden)]
#[allow(clippy::type_complexity)]
pub fn __jvp_split_rows<'t, T: LinScalar>(
    a: &Mat<T>,
    k: usize,
    da: impl TanRef<'t, Mat<T>>,
    _: impl Inactive,
) -> ((Mat<T>, Mat<T>), (Mat<T>, Mat<T>)) {
    let da = da.tangent(a);
    (split_rows(a, k), split_rows(&da, k))
}

/// `[a, b]`. Panics when the row counts differ.
#[track_caller]
pub fn hstack<T: LinScalar>(a: &Mat<T>, b: &Mat<T>) -> Mat<T> {
    if a.nrows() != b.nrows() {
        panic!(
            "{}",
            LinalgError::ShapeMismatch {
                primitive: "hstack",
                expected: "equal row counts".into(),
                lhs: ("a", shape(a)),
                rhs: ("b", shape(b)),
            }
        );
    }
    let na = a.ncols();
    Mat::from_fn(a.nrows(), na + b.ncols(), |i, j| {
        if j < na {
            a[(i, j)]
        } else {
            b[(i, j - na)]
        }
    })
}

#[doc(hidden)]
pub fn __forward_hstack<T: LinScalar>(a: &Mat<T>, b: &Mat<T>) -> (Mat<T>, ()) {
    (hstack(a, b), ())
}

#[doc(hidden)]
pub fn __reverse_hstack<T: LinScalar>(
    a: &Mat<T>,
    b: &Mat<T>,
    _: (),
    d: Mat<T>,
) -> (Mat<T>, Mat<T>) {
    let d = cotangent(d, a.nrows(), a.ncols() + b.ncols());
    split_cols(&d, a.ncols())
}

/// Linear: `[ȧ ḃ]`.
#[doc(hidden)]
pub fn __jvp_hstack<'t, T: LinScalar>(
    a: &Mat<T>,
    b: &Mat<T>,
    da: impl TanRef<'t, Mat<T>>,
    db: impl TanRef<'t, Mat<T>>,
) -> (Mat<T>, Mat<T>) {
    let (da, db) = (da.tangent(a), db.tangent(b));
    (hstack(a, b), hstack(&da, &db))
}

/// The first `k` columns and the rest. Panics when `k` exceeds the column count.
#[track_caller]
pub fn split_cols<T: LinScalar>(a: &Mat<T>, k: usize) -> (Mat<T>, Mat<T>) {
    assert!(
        k <= a.ncols(),
        "split_cols: cannot take {k} columns of a {}x{} matrix",
        a.nrows(),
        a.ncols()
    );
    let left = Mat::from_fn(a.nrows(), k, |i, j| a[(i, j)]);
    let right = Mat::from_fn(a.nrows(), a.ncols() - k, |i, j| a[(i, k + j)]);
    (left, right)
}

#[doc(hidden)]
#[allow(clippy::type_complexity)]
pub fn __forward_split_cols<T: LinScalar>(a: &Mat<T>, k: usize) -> ((Mat<T>, Mat<T>), ()) {
    (split_cols(a, k), ())
}

#[doc(hidden)]
pub fn __reverse_split_cols<T: LinScalar>(
    a: &Mat<T>,
    k: usize,
    _: (),
    (dl, dr): (Mat<T>, Mat<T>),
) -> (Mat<T>, ()) {
    let dl = cotangent(dl, a.nrows(), k);
    let dr = cotangent(dr, a.nrows(), a.ncols() - k);
    (hstack(&dl, &dr), ())
}

/// Linear: the split of the tangent.
#[doc(hidden)]
#[allow(clippy::type_complexity)]
pub fn __jvp_split_cols<'t, T: LinScalar>(
    a: &Mat<T>,
    k: usize,
    da: impl TanRef<'t, Mat<T>>,
    _: impl Inactive,
) -> ((Mat<T>, Mat<T>), (Mat<T>, Mat<T>)) {
    let da = da.tangent(a);
    (split_cols(a, k), split_cols(&da, k))
}
