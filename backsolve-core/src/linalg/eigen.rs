//! Hermitian eigendecomposition and its adjoint.
//!
//! `A = U Λ Uᴴ` with real `λ` in nondecreasing order. Only the lower triangle of `a` is read
//! (and the real part of its diagonal); the adjoint is with respect to those entries.
//!
//! Adjoint (adjoint-rules §3.4; Giles 2008 §3.1, Seeger et al. 2017):
//! ```text
//! Ā = U [ diag(λ̄) + ((UᴴŪ − ŪᴴU)/2) ⊘ E ] Uᴴ ,   E_ij = λ_j − λ_i  (i ≠ j), zero diagonal
//! ```
//! At degeneracies `1/E` is replaced by the Lorentzian `E / (E² + ε)` with
//! [`EIGH_BROADENING`] (Liao et al., PRX 9, 031041): finite, and exact to 1e-6 relative for gaps
//! above 1e-5. The loss must not depend on the phases of the eigenvectors (for example `|U|²`
//! or `λ`); a phase-dependent loss has no gradient, as with PyTorch's `eigh`.
//!
//! Tangent, with `K = Uᴴ Ȧ U` (`Ȧ` read as `A` is): `λ̇_i = Re K_ii`, `U̇ = U (K ⊘ E)` off the
//! diagonal, zero on it (the same broadening; the eigenvectors' phases stay where they are).

use super::{
    check_finite, check_square, cotangent, mirror_lower, or_panic, project_lower_hermitian,
    LinScalar, LinalgError,
};
use faer::{Mat, Side};

/// The `ε` of the Lorentzian broadening at degenerate eigenvalues.
pub const EIGH_BROADENING: f64 = 1e-16;

/// Eigenvalues (nondecreasing) and eigenvectors (columns) of a Hermitian matrix.
pub fn try_eigh<T: LinScalar>(a: &Mat<T>) -> Result<(Vec<f64>, Mat<T>), LinalgError> {
    check_square("eigh", "a", a)?;
    check_finite("eigh", "a", a)?;
    let e = mirror_lower(a)
        .self_adjoint_eigen(Side::Lower)
        .map_err(|_| LinalgError::NoConvergence { primitive: "eigh" })?;
    let s = e.S();
    let lambda = (0..a.nrows()).map(|k| s[k].re()).collect();
    Ok((lambda, e.U().to_owned()))
}

/// Eigenvalues and eigenvectors of a Hermitian matrix. Panics naming the shape on a non-square
/// or non-finite `a`.
#[track_caller]
pub fn eigh<T: LinScalar>(a: &Mat<T>) -> (Vec<f64>, Mat<T>) {
    or_panic(try_eigh(a))
}

#[doc(hidden)]
#[allow(clippy::type_complexity)]
pub fn __forward_eigh<T: LinScalar>(a: &Mat<T>) -> ((Vec<f64>, Mat<T>), (Vec<f64>, Mat<T>)) {
    let (l, u) = eigh(a);
    ((l.clone(), u.clone()), (l, u))
}

#[doc(hidden)]
pub fn __reverse_eigh<T: LinScalar>(
    a: &Mat<T>,
    (lambda, u): (Vec<f64>, Mat<T>),
    (dl, du): (Vec<f64>, Mat<T>),
) -> (Mat<T>,) {
    let n = a.nrows();
    let du = cotangent(du, n, n);
    let uh_du = u.adjoint() * &du;
    let mut inner = Mat::<T>::zeros(n, n);
    for j in 0..n {
        for i in 0..n {
            if i == j {
                inner[(i, i)] = T::from_real(dl.get(i).copied().unwrap_or(0.0));
            } else {
                let e = lambda[j] - lambda[i];
                let inv = e / (e * e + EIGH_BROADENING);
                let anti = (uh_du[(i, j)] - uh_du[(j, i)].cj()) * T::from_real(0.5);
                inner[(i, j)] = anti * T::from_real(inv);
            }
        }
    }
    let full = &u * &inner * u.adjoint();
    (project_lower_hermitian(&full),)
}

/// `λ̇_i = Re (Uᴴ Ȧ U)_ii`, `U̇ = U ((Uᴴ Ȧ U) ⊘ E)` (zero diagonal).
#[doc(hidden)]
#[allow(clippy::type_complexity)]
pub fn __jvp_eigh<'t, T: LinScalar>(
    a: &Mat<T>,
    da: impl crate::tangent::TanRef<'t, Mat<T>>,
) -> ((Vec<f64>, Mat<T>), (Vec<f64>, Mat<T>)) {
    let (lambda, u) = eigh(a);
    let n = a.nrows();
    let Some(da) = da.present() else {
        return ((lambda, u), (vec![0.0; n], Mat::zeros(n, n)));
    };
    let k = u.adjoint() * mirror_lower(da) * &u;
    let dl = (0..n).map(|i| k[(i, i)].re()).collect();
    let f = Mat::from_fn(n, n, |i, j| {
        if i == j {
            T::default()
        } else {
            let e = lambda[j] - lambda[i];
            k[(i, j)] * T::from_real(e / (e * e + EIGH_BROADENING))
        }
    });
    let du = &u * f;
    ((lambda, u), (dl, du))
}
