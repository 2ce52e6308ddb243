//! Transfer-matrix method with QR re-orthonormalization every `q` slices (seed 000, eqs. 5-13).
//!
//! Slice equation (t = 1): `-psi_{x-1} + H_x psi_x - psi_{x+1} = E psi_x`, so a block of
//! solutions propagates from right to left as
//! `[psi_x; psi_{x-1}] = [[0, I], [-I, H_x - E]] [psi_{x+1}; psi_x]`.
//! It starts in the right lead with purely outgoing waves, `[psi_lx; psi_{lx-1}] = [e^{ik} I; I] C`
//! (`C` = the transmitted amplitudes), and ends in the left lead, where an incoming unit wave
//! and its reflection give `psi_{-1} - e^{ik} psi_0 = (e^{-ik} - e^{ik}) I`, hence
//! `C = -2i sin k (B - e^{ik} A)^{-1}` with `A = psi_0`, `B = psi_{-1}`.
//! Every `q` slices the block is replaced by the `Q` of its thin QR and `R` is kept: at the end
//! `C = R_1^{-1} ... R_m^{-1} X` with `X` from the orthonormal block, applied by triangular
//! solves, so exponentially small conductances keep their relative accuracy.
//!
//! Everything below is ordinary Rust with `#[differentiable]`; the gradient with respect to the
//! potential is generated, not written.

use super::{Lattice, WireLead};
use backsolve_core::c64;
use backsolve_core::faer::{self, Mat};
use backsolve_core::linalg::{self, Triangle};
use backsolve_macros::differentiable;
use std::f64::consts::PI;

/// Transmission and reflection amplitudes `(t, r)` (`ly x ly`, column = incoming channel)
/// between parallel-wire leads of wavenumber `k`, QR every `q` slices; `v` is the potential,
/// row-major `lx x ly`. All channels share `k`, so no flux normalization is needed.
///
/// The block `[psi_{x+1}; psi_x]` is carried as two `ly x ly` matrices; the slice Hamiltonian is
/// tridiagonal (`<y+1|H_x|y> = -e^{i 2 pi phi x}`), applied in O(ly²) per slice. At the left
/// end `psi_0 = I + r`, so `r = A X - I` with `A` the orthonormal block and `X` the matching
/// solution before the `R` factors are undone.
#[differentiable(wrt(v), split)]
pub fn wire_amplitudes(
    v: &[f64],
    lx: usize,
    ly: usize,
    phi: f64,
    e: f64,
    k: f64,
    q: usize,
) -> (Mat<c64>, Mat<c64>) {
    let eik = c64::new(k.cos(), k.sin());
    // [psi_lx; psi_{lx-1}] = [e^{ik} I; I]
    let mut next = Mat::<c64>::zeros(ly, ly);
    let mut cur = Mat::<c64>::zeros(ly, ly);
    for y in 0..ly {
        next[(y, y)] = eik;
        cur[(y, y)] = c64::new(1.0, 0.0);
    }
    let mut rs = Vec::new();
    let mut since_qr = 0;
    let mut d = vec![c64::new(0.0, 0.0); ly];
    for step in 0..lx {
        let x = lx - 1 - step;
        for y in 0..ly {
            d[y] = c64::new(v[x * ly + y] - e, 0.0);
        }
        let hop = c64::new(0.0, 2.0 * PI * phi * x as f64).exp();
        let lo = vec![-hop; ly - 1];
        let up = vec![-hop.conj(); ly - 1];
        // psi_{x-1} = (H_x - E) psi_x - psi_{x+1}
        let hpsi = linalg::tridiag_matmul(&d, &lo, &up, &cur);
        let prev = &hpsi - &next;
        next = cur;
        cur = prev;
        since_qr += 1;
        if since_qr == q || x == 0 {
            let (top, bottom, r) = reorthonormalize(&next, &cur);
            next = top;
            cur = bottom;
            rs.push(r);
            since_qr = 0;
        }
    }
    // B - e^{ik} A with A = psi_0, B = psi_{-1}.
    let m = &cur - faer::Scale(eik) * &next;
    let mut rhs = Mat::<c64>::zeros(ly, ly);
    let mut identity = Mat::<c64>::zeros(ly, ly);
    for i in 0..ly {
        rhs[(i, i)] = c64::new(0.0, -2.0 * k.sin());
        identity[(i, i)] = c64::new(1.0, 0.0);
    }
    let x = linalg::solve(&m, &rhs);
    let t = undo_r_factors(&x, &rs);
    let psi0 = linalg::matmul(&next, &x);
    let r = &psi0 - &identity;
    (t, r)
}

/// Conductance (e^2/h) through the lattice between parallel-wire leads of wavenumber `k`, with
/// QR every `q` slices: `G = Σ |t_ij|²`. Also generates `conductance_wires_pullback` (the
/// gradient with respect to `v`) and `conductance_wires_gradcheck`.
#[differentiable(wrt(v), check)]
pub fn conductance_wires(
    v: &[f64],
    lx: usize,
    ly: usize,
    phi: f64,
    e: f64,
    k: f64,
    q: usize,
) -> f64 {
    let (t, _r) = wire_amplitudes(v, lx, ly, phi, e, k, q);
    linalg::frob2(&t)
}

/// The QR step of the sweep: the block `[next; cur]` replaced by its orthonormal `Q`, split
/// back into its two halves, and the `R` to remember.
#[differentiable(split)]
pub(crate) fn reorthonormalize(next: &Mat<c64>, cur: &Mat<c64>) -> (Mat<c64>, Mat<c64>, Mat<c64>) {
    let stacked = linalg::vstack(next, cur);
    let (qq, r) = linalg::qr(&stacked);
    let (top, bottom) = linalg::split_rows(&qq, next.nrows());
    (top, bottom, r)
}

/// `C = R_1^{-1} ... R_m^{-1} X` for the R factors kept by the sweep, in the order they were
/// produced: triangular solves, last factor first.
#[differentiable(split)]
pub(crate) fn undo_r_factors(x: &Mat<c64>, rs: &[Mat<c64>]) -> Mat<c64> {
    let mut c = x.clone();
    for j in 0..rs.len() {
        let idx = rs.len() - 1 - j;
        c = linalg::triangular_solve(&rs[idx], &c, Triangle::Upper);
    }
    c
}

/// `G(phi, E)` for the lattice and lead, `0` where the leads are closed.
///
/// # Panics
/// If `v.len() != lx * ly` or `q == 0`.
pub fn conductance(v: &[f64], lattice: Lattice, lead: WireLead, phi: f64, e: f64, q: usize) -> f64 {
    assert_eq!(
        v.len(),
        lattice.lx * lattice.ly,
        "conductance: the potential has {} values, the lattice {}x{} needs {}",
        v.len(),
        lattice.lx,
        lattice.ly,
        lattice.lx * lattice.ly
    );
    assert!(q > 0, "conductance: QR interval q must be at least 1");
    match lead.wavenumber(e) {
        Some(k) => conductance_wires(v, lattice.lx, lattice.ly, phi, e, k, q),
        None => 0.0,
    }
}
