//! Thin QR in the canonical gauge and its adjoint.
//!
//! `A = Q R`, `A` m x n with m >= n and full column rank, `QᴴQ = I`, `R` upper triangular with a
//! **real positive** diagonal. faer's Householder leaves the phase of each pivot on `diag(R)`;
//! the adjoint below is only valid in the canonical gauge, so the factors are re-phased:
//! `D = diag(R_ii / |R_ii|)`, `Q <- Q D`, `R <- D* R` (reference: adjoint-rules §3.3; a loss that
//! depends on the phases was off by a relative error of 3.5 without it).
//!
//! Adjoint (Liao, Liu, Wang, Xiang, PRX 9, 031041 (2019) for the real case; the complex
//! diagonal handling of PyTorch's `linalg_qr_backward`):
//! ```text
//! M          = R R̄ᴴ − Q̄ᴴ Q
//! copyltu(M) = tril(M, −1) + tril(M, −1)ᴴ + diag(Re M_ii)
//! Ā          = [Q̄ + Q copyltu(M)] R⁻ᴴ
//! ```

use super::{check_finite, cotangent, or_panic, shape, LinScalar, LinalgError};
use faer::Mat;

/// Which QR algorithm to run. Both return the canonical gauge and share the adjoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QrAlgorithm {
    /// faer's blocked Householder QR, re-phased.
    Householder,
    /// Modified Gram-Schmidt with a second orthogonalization pass ("twice is enough",
    /// Giraud et al. 2005): orthogonal to working precision, and faster for small matrices.
    GramSchmidt,
    /// `GramSchmidt` up to [`GRAM_SCHMIDT_MAX_COLS`] columns, `Householder` above
    /// (chosen by `cargo bench --bench linalg`).
    Auto,
}

/// Largest column count for which [`QrAlgorithm::Auto`] uses Gram-Schmidt.
pub const GRAM_SCHMIDT_MAX_COLS: usize = 20;

fn validate<T: LinScalar>(primitive: &'static str, a: &Mat<T>) -> Result<(), LinalgError> {
    check_finite(primitive, "a", a)?;
    if a.nrows() < a.ncols() {
        return Err(LinalgError::RankDeficient {
            primitive,
            shape: shape(a),
        });
    }
    Ok(())
}

fn householder<T: LinScalar>(a: &Mat<T>) -> (Mat<T>, Mat<T>) {
    let f = a.qr();
    let mut q = f.compute_thin_Q();
    let mut r = f.thin_R().to_owned();
    // Re-phase to a real positive diagonal.
    for k in 0..r.nrows() {
        let d = r[(k, k)];
        let mag = d.abs();
        if mag == 0.0 {
            continue;
        }
        let phase = d * T::from_real(1.0 / mag);
        for j in 0..r.ncols() {
            r[(k, j)] = phase.cj() * r[(k, j)];
        }
        for i in 0..q.nrows() {
            q[(i, k)] *= phase;
        }
    }
    (q, r)
}

fn gram_schmidt<T: LinScalar>(a: &Mat<T>) -> (Mat<T>, Mat<T>) {
    let (m, n) = (a.nrows(), a.ncols());
    // Columns as contiguous vectors: the inner products and updates are plain slice loops.
    let mut cols: Vec<Vec<T>> = (0..n).map(|j| a.col_as_slice(j).to_vec()).collect();
    let mut r = Mat::<T>::zeros(n, n);
    for j in 0..n {
        let (done, rest) = cols.split_at_mut(j);
        let v = &mut rest[0];
        for _pass in 0..2 {
            for (i, qi) in done.iter().enumerate() {
                let p = qi
                    .iter()
                    .zip(v.iter())
                    .fold(T::default(), |s, (q, x)| s + q.cj() * *x);
                r[(i, j)] += p;
                v.iter_mut().zip(qi).for_each(|(x, q)| *x -= *q * p);
            }
        }
        let norm = v.iter().map(|x| (x.cj() * *x).re()).sum::<f64>().sqrt();
        r[(j, j)] = T::from_real(norm);
        if norm > 0.0 {
            let inv = T::from_real(1.0 / norm);
            v.iter_mut().for_each(|x| *x *= inv);
        }
    }
    let q = Mat::from_fn(m, n, |i, j| cols[j][i]);
    (q, r)
}

/// Thin QR with the chosen algorithm.
pub fn try_qr_with<T: LinScalar>(
    a: &Mat<T>,
    algorithm: QrAlgorithm,
) -> Result<(Mat<T>, Mat<T>), LinalgError> {
    validate("qr", a)?;
    let gs = match algorithm {
        QrAlgorithm::GramSchmidt => true,
        QrAlgorithm::Householder => false,
        QrAlgorithm::Auto => a.ncols() <= GRAM_SCHMIDT_MAX_COLS,
    };
    let (q, r) = if gs { gram_schmidt(a) } else { householder(a) };
    if (0..r.nrows()).any(|k| r[(k, k)].abs() == 0.0) {
        return Err(LinalgError::RankDeficient {
            primitive: "qr",
            shape: shape(a),
        });
    }
    Ok((q, r))
}

/// Thin QR, `(Q, R)` with real positive `diag(R)`.
pub fn try_qr<T: LinScalar>(a: &Mat<T>) -> Result<(Mat<T>, Mat<T>), LinalgError> {
    try_qr_with(a, QrAlgorithm::Auto)
}

/// Thin QR, `(Q, R)` with real positive `diag(R)`. Panics on NaN, on fewer rows than columns
/// and on a zero column, naming the shape.
#[track_caller]
pub fn qr<T: LinScalar>(a: &Mat<T>) -> (Mat<T>, Mat<T>) {
    or_panic(try_qr(a))
}

#[doc(hidden)]
#[allow(clippy::type_complexity)]
pub fn __forward_qr<T: LinScalar>(a: &Mat<T>) -> ((Mat<T>, Mat<T>), (Mat<T>, Mat<T>)) {
    let (q, r) = qr(a);
    ((q.clone(), r.clone()), (q, r))
}

#[doc(hidden)]
pub fn __reverse_qr<T: LinScalar>(
    _a: &Mat<T>,
    (q, r): (Mat<T>, Mat<T>),
    (dq, dr): (Mat<T>, Mat<T>),
) -> (Mat<T>,) {
    (qr_adjoint(&q, &r, dq, dr),)
}

/// Tangent of the thin QR in the gauge of real positive `diag(R)`: with `C = Qᴴ Ȧ R⁻¹`,
/// `Ω = Qᴴ Q̇` is the skew-Hermitian part fixed by `C`'s strict lower triangle and the imaginary
/// part of its diagonal, `Ṙ = (C − Ω) R` and `Q̇ = Q Ω + Ȧ R⁻¹ − Q C`.
#[doc(hidden)]
#[allow(clippy::type_complexity)]
pub fn __jvp_qr<'t, T: LinScalar>(
    a: &Mat<T>,
    da: impl crate::tangent::TanRef<'t, Mat<T>>,
) -> ((Mat<T>, Mat<T>), (Mat<T>, Mat<T>)) {
    let (q, r) = qr(a);
    let (m, n) = (q.nrows(), q.ncols());
    let Some(da) = da.present() else {
        return ((q, r), (Mat::zeros(m, n), Mat::zeros(n, n)));
    };
    // X = Ȧ R⁻¹  <=>  Rᴴ Xᴴ = Ȧᴴ: one lower-triangular solve.
    let mut xh = da.adjoint().to_owned();
    r.adjoint().solve_lower_triangular_in_place(xh.as_mut());
    let x = xh.adjoint().to_owned();
    let c = q.adjoint() * &x;
    let omega = Mat::from_fn(n, n, |i, j| {
        if i > j {
            c[(i, j)]
        } else if i < j {
            -c[(j, i)].cj()
        } else {
            c[(i, i)] - T::from_real(c[(i, i)].re())
        }
    });
    let dr = (&c - &omega) * &r;
    let dq = &q * &omega + x - &q * &c;
    ((q, r), (dq, dr))
}

/// `Ā = [Q̄ + Q copyltu(R R̄ᴴ − Q̄ᴴ Q)] R⁻ᴴ`.
pub fn qr_adjoint<T: LinScalar>(q: &Mat<T>, r: &Mat<T>, dq: Mat<T>, dr: Mat<T>) -> Mat<T> {
    let (m, n) = (q.nrows(), q.ncols());
    let dq = cotangent(dq, m, n);
    let dr = cotangent(dr, n, n);
    let mm = r * dr.adjoint() - dq.adjoint() * q;
    let c = Mat::from_fn(n, n, |i, j| {
        if i > j {
            mm[(i, j)]
        } else if i < j {
            mm[(j, i)].cj()
        } else {
            T::from_real(mm[(i, i)].re())
        }
    });
    let b = &dq + q * &c;
    // X Rᴴ = B  <=>  R Xᴴ = Bᴴ: one upper-triangular solve.
    let mut y = b.adjoint().to_owned();
    r.as_ref().solve_upper_triangular_in_place(y.as_mut());
    y.adjoint().to_owned()
}
