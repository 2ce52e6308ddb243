//! The linear-algebra and FFT primitives inside `#[differentiable]` code, real and complex, at
//! several sizes (1x1 and tall-thin included), against finite differences; a loss that depends
//! on the QR gauge; a looped product with QR every q layers and a solve; bad input.

#![allow(clippy::needless_range_loop)]

use backsolve::linalg::{self, LinalgError, QrAlgorithm, Triangle};
use backsolve::prelude::*;
use backsolve::SplitMix64;

const TOL: f64 = 1e-6;
/// Forward mode against differences and against the pullback (dot-product identity).
const TANGENT_TOL: (f64, f64) = (1e-8, 1e-12);

/// Both modes from one report: the gradient check, and the forward-mode check it carries.
trait BothModes {
    fn check_both(&self);
}

impl BothModes for GradReport {
    #[track_caller]
    fn check_both(&self) {
        self.assert_close(TOL);
        let tangent = self
            .tangent
            .as_ref()
            .expect("every function here has forward mode");
        tangent.assert_close(TANGENT_TOL.0, TANGENT_TOL.1);
    }
}

/// Pseudo-random entries in [-1, 1): full rank, distinct singular values and eigenvalues.
fn rmat(m: usize, n: usize, seed: f64) -> Mat<f64> {
    let mut rng = SplitMix64((seed * 1e6) as u64 ^ ((m * 131 + n) as u64));
    Mat::from_fn(m, n, |_, _| rng.range(-1.0, 1.0))
}

fn cmat(m: usize, n: usize, seed: f64) -> Mat<c64> {
    let mut rng = SplitMix64((seed * 1e6) as u64 ^ ((m * 131 + n) as u64) ^ 0xc0ffee);
    Mat::from_fn(m, n, |_, _| {
        c64::new(rng.range(-1.0, 1.0), rng.range(-1.0, 1.0))
    })
}

/// A well-conditioned square matrix: diagonal dominance.
fn rsquare(n: usize, seed: f64) -> Mat<f64> {
    let mut a = rmat(n, n, seed);
    for i in 0..n {
        a[(i, i)] += n as f64;
    }
    a
}

fn csquare(n: usize, seed: f64) -> Mat<c64> {
    let mut a = cmat(n, n, seed);
    for i in 0..n {
        a[(i, i)] += c64::new(n as f64, 0.5);
    }
    a
}

/// Hermitian positive definite: `M Mᴴ + n I`.
fn rhpd(n: usize, seed: f64) -> Mat<f64> {
    let m = rmat(n, n, seed);
    &m * m.adjoint() + Mat::<f64>::identity(n, n) * faer::Scale(n as f64)
}

fn chpd(n: usize, seed: f64) -> Mat<c64> {
    let m = cmat(n, n, seed);
    &m * m.adjoint() + Mat::<c64>::identity(n, n) * faer::Scale(c64::new(n as f64, 0.0))
}

macro_rules! for_scalar {
    ($t:ty, $suffix:ident, $mk:ident, $sq:ident, $hpd:ident, $re:ident) => {
        mod $suffix {
            use super::*;

            /// `Re tr(Wᴴ X)`: a real loss that sees every entry and every phase of `X`.
            #[differentiable(forward, reverse)]
            fn pair(w: &Mat<$t>, x: &Mat<$t>) -> f64 {
                let s = linalg::trace_adj_mul(w, x);
                $re(s)
            }

            #[differentiable(check, wrt(a, b), forward, reverse)]
            fn matmul_loss(a: &Mat<$t>, b: &Mat<$t>, w: &Mat<$t>) -> f64 {
                let c = linalg::matmul(a, b);
                let d = linalg::matmul_adj_lhs(a, &c);
                let e = linalg::matmul_adj_rhs(&d, &d);
                pair(w, &c) + linalg::frob2(&e) * 0.01
            }

            #[differentiable(check, wrt(a), forward, reverse)]
            fn qr_loss(a: &Mat<$t>, w1: &Mat<$t>, w2: &Mat<$t>) -> f64 {
                let (q, r) = linalg::qr(a);
                pair(w1, &q) + pair(w2, &r)
            }

            #[differentiable(check, wrt(a, b), forward, reverse)]
            fn solve_loss(a: &Mat<$t>, b: &Mat<$t>, w: &Mat<$t>) -> f64 {
                let x = linalg::solve(a, b);
                pair(w, &x)
            }

            #[differentiable(check, wrt(a, b), forward, reverse)]
            fn cholesky_loss(a: &Mat<$t>, b: &Mat<$t>, w: &Mat<$t>) -> f64 {
                let x = linalg::cholesky_solve(a, b);
                pair(w, &x)
            }

            #[differentiable(check, wrt(a), forward, reverse)]
            fn inverse_loss(a: &Mat<$t>, w: &Mat<$t>) -> f64 {
                let y = linalg::inverse(a);
                pair(w, &y)
            }

            #[differentiable(check, wrt(r, b), forward, reverse)]
            fn triangular_loss(r: &Mat<$t>, b: &Mat<$t>, w: &Mat<$t>, upper: bool) -> f64 {
                let x = if upper {
                    linalg::triangular_solve(r, b, Triangle::Upper)
                } else {
                    linalg::triangular_solve(r, b, Triangle::Lower)
                };
                pair(w, &x)
            }

            #[differentiable(check, wrt(a), forward, reverse)]
            fn eigh_loss(a: &Mat<$t>, wl: &[f64], wu: &Mat<f64>) -> f64 {
                let (lambda, u) = linalg::eigh(a);
                let mut s = 0.0;
                for k in 0..lambda.len() {
                    s += wl[k] * lambda[k];
                }
                let p = linalg::abs2(&u);
                s + linalg::trace_adj_mul(wu, &p)
            }

            /// The linear maps the nested tangent rules are composed of, each on its own.
            #[differentiable(check, wrt(a, b), forward, reverse)]
            fn linear_maps_loss(a: &Mat<$t>, b: &Mat<$t>, w: &Mat<$t>) -> f64 {
                let s = linalg::add(a, b);
                let d = linalg::sub(&s, &linalg::neg(b));
                let h = linalg::lower_hermitian(&linalg::adjoint(&d));
                let u = linalg::qr_gauge_upper(&h);
                let t = linalg::triangle_part(&u, Triangle::Lower);
                let l = linalg::triangle_part(&linalg::matmul(&d, &d), Triangle::Upper);
                let tr = linalg::trace(&linalg::matmul_adj_rhs(&t, &l));
                pair(w, &u) + linalg::re_inner(&l, &d) + $re(tr * tr)
            }

            #[test]
            fn linear_maps_of_the_nested_rules() {
                for &n in &[1, 4] {
                    let (a, b) = ($mk(n, n, 0.35), $mk(n, n, 0.85));
                    linear_maps_loss_gradcheck(&a, &b, &$mk(n, n, 1.4)).check_both();
                }
            }

            #[test]
            fn matmul_and_adjoint_variants() {
                for &(m, k, n) in &[(1, 1, 1), (3, 2, 4), (5, 3, 1)] {
                    let (a, b) = ($mk(m, k, 0.1), $mk(k, n, 0.7));
                    matmul_loss_gradcheck(&a, &b, &$mk(m, n, 0.3)).check_both();
                }
            }

            #[test]
            fn qr_with_a_gauge_dependent_loss() {
                for &(m, n) in &[(1, 1), (4, 4), (7, 3), (12, 2)] {
                    let a = $mk(m, n, 0.2);
                    qr_loss_gradcheck(&a, &$mk(m, n, 0.9), &$mk(n, n, 1.7)).check_both();
                }
            }

            #[test]
            fn qr_algorithms_agree_in_the_canonical_gauge() {
                for &(m, n) in &[(6, 6), (30, 15), (80, 40)] {
                    let a = $mk(m, n, 0.4);
                    let (q1, r1) = linalg::try_qr_with(&a, QrAlgorithm::Householder).unwrap();
                    let (q2, r2) = linalg::try_qr_with(&a, QrAlgorithm::GramSchmidt).unwrap();
                    let dq = (&q1 - &q2).norm_max();
                    let dr = (&r1 - &r2).norm_max();
                    assert!(
                        dq < 1e-10 && dr < 1e-10,
                        "{m}x{n}: |dQ| = {dq:e}, |dR| = {dr:e}"
                    );
                    for k in 0..n {
                        let d = r1[(k, k)];
                        assert!(d.abs() > 0.0 && (d - <$t>::from_real(d.abs())).abs() < 1e-14);
                    }
                    let orth = (q1.adjoint() * &q1 - Mat::<$t>::identity(n, n)).norm_max();
                    assert!(orth < 1e-13, "QᴴQ - I = {orth:e}");
                }
            }

            #[test]
            fn solve_lu() {
                for &(n, r) in &[(1, 1), (3, 2), (5, 1)] {
                    let (a, b) = ($sq(n, 0.3), $mk(n, r, 0.8));
                    solve_loss_gradcheck(&a, &b, &$mk(n, r, 1.1)).check_both();
                }
            }

            #[test]
            fn solve_cholesky() {
                for &(n, r) in &[(1, 1), (4, 2)] {
                    let (a, b) = ($hpd(n, 0.3), $mk(n, r, 0.8));
                    cholesky_loss_gradcheck(&a, &b, &$mk(n, r, 1.1)).check_both();
                }
            }

            #[test]
            fn inverse() {
                for &n in &[1, 4] {
                    inverse_loss_gradcheck(&$sq(n, 0.5), &$mk(n, n, 1.3)).check_both();
                }
            }

            #[test]
            fn triangular_solves() {
                let r = $sq(4, 0.6);
                for upper in [true, false] {
                    triangular_loss_gradcheck(&r, &$mk(4, 2, 0.2), &$mk(4, 2, 0.9), upper)
                        .check_both();
                }
            }

            #[test]
            fn eigh_gauge_invariant_loss() {
                // Eigenvector derivatives scale with 1/gap: a spectrum spaced by ~2 keeps the
                // finite differences themselves accurate to the tolerance.
                let m = $mk(4, 4, 0.25);
                let mut h = (&m + m.adjoint()) * faer::Scale(<$t>::from_real(0.15));
                for i in 0..4 {
                    h[(i, i)] += <$t>::from_real(2.0 * i as f64 + 1.0);
                }
                eigh_loss_gradcheck(&h, &[0.3, -0.7, 1.1, 0.4], &rmat(4, 4, 0.6)).check_both();
            }
        }
    };
}

use backsolve::num_complex::ComplexFloat;
use backsolve::rules::Scalar;
#[differentiable(forward, reverse)]
fn re_of_real(x: f64) -> f64 {
    x
}

#[differentiable(forward, reverse)]
fn re_of_complex(z: c64) -> f64 {
    z.re
}

for_scalar!(f64, real, rmat, rsquare, rhpd, re_of_real);
for_scalar!(c64, complex, cmat, csquare, chpd, re_of_complex);

#[differentiable(check, wrt(a), forward, reverse)]
fn logdet_real(a: &Mat<f64>) -> f64 {
    linalg::logdet(a)
}

#[differentiable(check, wrt(a), forward, reverse)]
fn logdet_complex(a: &Mat<c64>, w: c64) -> f64 {
    let l = linalg::logdet(a);
    let p = l * w;
    p.re
}

#[test]
fn logdet_real_and_complex() {
    let mut a = rsquare(3, 0.4);
    a[(0, 0)] = -a[(0, 0)]; // a negative determinant: log |det|
    logdet_real_gradcheck(&a).check_both();
    logdet_complex_gradcheck(&csquare(3, 0.2), c64::new(0.3, -0.8)).check_both();
    let l = linalg::logdet(&csquare(3, 0.2));
    let det = csquare(3, 0.2).determinant();
    assert!(((l.exp() - det).norm() / det.norm()) < 1e-12);
}

#[differentiable(check, forward, reverse)]
fn fft_loss(x: &[c64], w: &[c64]) -> f64 {
    let y = linalg::fft(x);
    let z = linalg::ifft(&y);
    let mut s = 0.0;
    for k in 0..y.len() {
        let t = w[k].conj() * y[k] + z[k] * z[k] * 0.1;
        s += t.re;
    }
    s
}

#[differentiable(check, forward, reverse)]
fn fft2_loss(x: &[c64], w: &[c64]) -> f64 {
    let y = linalg::fft2(x, 4, 6);
    let z = linalg::ifft2(&y, 4, 6);
    let mut s = 0.0;
    for k in 0..y.len() {
        s += (w[k] * y[k]).re + z[k].norm_sqr() * 0.05;
    }
    s
}

fn cvec(n: usize, seed: f64) -> Vec<c64> {
    (0..n)
        .map(|i| c64::new((i as f64 * 0.9 + seed).sin(), (i as f64 * 0.4 + seed).cos()))
        .collect()
}

#[test]
fn fft_one_dimensional() {
    for &n in &[1, 8, 12] {
        fft_loss_gradcheck(&cvec(n, 0.1), &cvec(n, 0.7)).check_both();
    }
    // The unnormalized DFT of a delta is all ones; ifft inverts fft.
    let mut delta = vec![c64::new(0.0, 0.0); 8];
    delta[0] = c64::new(1.0, 0.0);
    assert!(linalg::fft(&delta)
        .iter()
        .all(|z| (z - c64::new(1.0, 0.0)).norm() < 1e-15));
    let x = cvec(12, 0.3);
    let back = linalg::ifft(&linalg::fft(&x));
    assert!(x.iter().zip(&back).all(|(a, b)| (a - b).norm() < 1e-14));
}

#[test]
fn fft_two_dimensional() {
    fft2_loss_gradcheck(&cvec(24, 0.2), &cvec(24, 0.5)).check_both();
}

/// A transfer-matrix-like sweep: layer matrices multiplied in a loop, QR every q layers,
/// log-magnitudes of R accumulated, then a solve at the end.
#[differentiable(check, wrt(v), forward, reverse)]
fn layered(v: &[f64], q: usize, rhs: &Mat<c64>) -> f64 {
    let n = 3;
    let mut p = Mat::<c64>::identity(n, n);
    let mut logs = 0.0;
    for layer in 0..v.len() {
        let mut m = Mat::<c64>::zeros(n, n);
        for i in 0..n {
            m[(i, i)] = c64::new(v[layer] - 1.0 * i as f64, 0.1);
            if i + 1 < n {
                m[(i, i + 1)] = c64::new(1.0, 0.0);
                m[(i + 1, i)] = c64::new(1.0, 0.0);
            }
        }
        p = linalg::matmul(&m, &p);
        if (layer + 1) % q == 0 {
            let (qq, r) = linalg::qr(&p);
            for i in 0..n {
                logs += r[(i, i)].re.ln();
            }
            p = qq;
        }
    }
    let x = linalg::solve(&p, rhs);
    logs + linalg::frob2(&x)
}

#[test]
fn looped_products_with_qr_every_q_layers_then_solve() {
    let v: Vec<f64> = (0..12).map(|i| (i as f64 * 0.8).sin() * 1.5).collect();
    for q in [1, 3, 4] {
        layered_gradcheck(&v, q, &cmat(3, 2, 0.4)).check_both();
    }
}

// ------------------------------------------------------------------ bad input

#[test]
fn bad_input_is_a_typed_error_naming_the_primitive_and_shapes() {
    let e = linalg::try_matmul(&rmat(2, 3, 0.0), &rmat(2, 3, 0.0)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "matmul: shapes do not fit (columns of a = rows of b): `a` is 2x3, `b` is 2x3"
    );
    assert!(matches!(
        linalg::try_solve(&rmat(2, 3, 0.0), &rmat(2, 1, 0.0)),
        Err(LinalgError::NotSquare {
            primitive: "solve",
            arg: "a",
            shape: (2, 3)
        })
    ));
    let singular = Mat::from_fn(3, 3, |i, j| (i + j) as f64);
    assert!(matches!(
        linalg::try_solve(&singular, &rmat(3, 1, 0.0)),
        Err(LinalgError::Singular {
            primitive: "solve",
            ..
        })
    ));
    assert!(matches!(
        linalg::try_inverse(&singular),
        Err(LinalgError::Singular { .. })
    ));
    assert!(matches!(
        linalg::try_logdet(&singular),
        Err(LinalgError::Singular { .. })
    ));
    let indefinite = Mat::from_fn(2, 2, |i, j| if i == j { -1.0 } else { 0.0 });
    assert!(matches!(
        linalg::try_cholesky_solve(&indefinite, &rmat(2, 1, 0.0)),
        Err(LinalgError::NotPositiveDefinite {
            primitive: "cholesky_solve",
            shape: (2, 2)
        })
    ));
    let mut nan = rmat(3, 3, 0.0);
    nan[(1, 2)] = f64::NAN;
    assert!(matches!(
        linalg::try_qr(&nan),
        Err(LinalgError::NonFinite {
            primitive: "qr",
            arg: "a"
        })
    ));
    assert!(matches!(
        linalg::try_eigh(&nan),
        Err(LinalgError::NonFinite { .. })
    ));
    assert!(matches!(
        linalg::try_qr(&rmat(2, 3, 0.0)),
        Err(LinalgError::RankDeficient {
            primitive: "qr",
            shape: (2, 3)
        })
    ));
    let zero_col = Mat::from_fn(3, 2, |i, j| if j == 0 { 0.0 } else { i as f64 + 1.0 });
    assert!(matches!(
        linalg::try_qr(&zero_col),
        Err(LinalgError::RankDeficient { .. })
    ));
    let mut r = rsquare(3, 0.0);
    r[(1, 1)] = 0.0;
    assert!(matches!(
        linalg::try_triangular_solve(&r, &rmat(3, 1, 0.0), Triangle::Upper),
        Err(LinalgError::Singular {
            primitive: "triangular_solve",
            pivot: 1,
            ..
        })
    ));
    assert!(matches!(
        linalg::try_fft2(&cvec(10, 0.0), 3, 3),
        Err(LinalgError::BadLength {
            primitive: "fft2",
            len: 10,
            expected: 9,
            ..
        })
    ));
}

#[test]
#[should_panic(expected = "solve: the 3x3 matrix is singular to working precision")]
fn plain_functions_panic_with_the_same_message() {
    let singular = Mat::from_fn(3, 3, |i, j| (i + j) as f64);
    let _ = linalg::solve(&singular, &rmat(3, 1, 0.0));
}

/// The remaining primitives inside loops: shifted Hermitian matrices built element by element,
/// then Cholesky solves, inverses, log-determinants, triangular solves, eigenvalues and the
/// adjoint-transpose products, accumulated over the loop.
#[differentiable(check, wrt(h, v), forward, reverse)]
fn looped_solvers(h: &Mat<c64>, v: &[f64], b: &Mat<c64>) -> f64 {
    let n = h.nrows();
    let mut total = 0.0;
    for k in 0..v.len() {
        let mut a = Mat::<c64>::zeros(n, n);
        for i in 0..n {
            for j in 0..n {
                a[(i, j)] = h[(i, j)];
            }
            a[(i, i)] = a[(i, i)] + v[k] * v[k] + 2.0 * (i as f64 + 1.0);
        }
        let x = linalg::cholesky_solve(&a, b);
        let y = linalg::inverse(&a);
        let l = linalg::logdet(&a);
        let (_q, r) = linalg::qr(&a);
        let z = linalg::triangular_solve(&r, b, Triangle::Upper);
        let (lambda, _u) = linalg::eigh(&a);
        let g = linalg::matmul_adj_lhs(&x, &z);
        let p = linalg::matmul_adj_rhs(&y, &y);
        total += l.re + lambda[n - 1] * 0.1 + linalg::trace_adj_mul(&g, &g).re * 0.01;
        total += linalg::frob2(&p) * 0.001;
    }
    total
}

#[test]
fn every_primitive_inside_loops() {
    let m = cmat(3, 3, 0.6);
    let h = (&m + m.adjoint()) * faer::Scale(c64::new(0.2, 0.0));
    looped_solvers_gradcheck(&h, &[0.4, -0.9, 1.3], &cmat(3, 2, 0.2)).check_both();
}

#[differentiable(check, forward, reverse)]
fn tridiag_loss(d: &[c64], lo: &[c64], up: &[c64], x: &Mat<c64>, w: &Mat<c64>) -> f64 {
    let y = linalg::tridiag_matmul(d, lo, up, x);
    let s = linalg::trace_adj_mul(w, &y);
    s.re
}

#[differentiable(check, wrt(a, b), forward, reverse)]
fn stack_split_loss(a: &Mat<c64>, b: &Mat<c64>, w: &Mat<c64>, k: usize) -> f64 {
    let s = linalg::vstack(a, b);
    let (top, bottom) = linalg::split_rows(&s, k);
    let t = linalg::vstack(&bottom, &top);
    let p = linalg::trace_adj_mul(w, &t);
    p.re + linalg::frob2(&top) * 0.5
}

#[differentiable(check, wrt(a, b), forward, reverse)]
fn hstack_split_loss(a: &Mat<c64>, b: &Mat<c64>, w: &Mat<c64>, k: usize) -> f64 {
    let s = linalg::hstack(a, b);
    let (left, right) = linalg::split_cols(&s, k);
    let t = linalg::hstack(&right, &left);
    let p = linalg::trace_adj_mul(w, &t);
    p.re + linalg::frob2(&left) * 0.5
}

#[test]
fn tridiagonal_product_and_block_moves() {
    hstack_split_loss_gradcheck(&cmat(3, 2, 0.1), &cmat(3, 3, 0.2), &cmat(3, 5, 0.5), 1)
        .check_both();
    for n in [1usize, 2, 5] {
        let x = cmat(n, 3, 0.3);
        let y_dense = {
            let (d, lo, up) = (cvec(n, 0.1), cvec(n - 1, 0.4), cvec(n - 1, 0.9));
            let a = Mat::from_fn(n, n, |i, j| {
                if i == j {
                    d[i]
                } else if i == j + 1 {
                    lo[j]
                } else if j == i + 1 {
                    up[i]
                } else {
                    c64::new(0.0, 0.0)
                }
            });
            (&a * &x - linalg::tridiag_matmul(&d, &lo, &up, &x)).norm_max()
        };
        assert!(y_dense < 1e-14, "tridiagonal product equals the dense one");
        tridiag_loss_gradcheck(
            &cvec(n, 0.1),
            &cvec(n - 1, 0.4),
            &cvec(n - 1, 0.9),
            &x,
            &cmat(n, 3, 0.7),
        )
        .check_both();
    }
    stack_split_loss_gradcheck(&cmat(2, 3, 0.1), &cmat(3, 3, 0.2), &cmat(5, 3, 0.5), 2)
        .check_both();
    stack_split_loss_gradcheck(&cmat(2, 3, 0.1), &cmat(3, 3, 0.2), &cmat(5, 3, 0.5), 4)
        .check_both();
}
