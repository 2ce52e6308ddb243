//! The spinful conductor (seed 000, section III.2, eq. 15):
//! `H = H_orbital ⊗ σ0 + J Σ_r m_r · σ`, with parallel-wire leads whose spin channels have their
//! own wavenumbers `k_up`, `k_down` (a spin-polarized lead).
//!
//! The transfer-matrix sweep of [`super::conductance_wires`] with `2 ly` channels, rows ordered
//! `[up sites; down sites]`. The on-site block of site `r` is
//! `[[V - E + J m_z, J (m_x - i m_y)], [J (m_x + i m_y), V - E - J m_z]]`. Channels of the two
//! spins have different velocities `v_s = 2 sin k_s`, so the transmission is flux-normalized:
//! `t_ij = sqrt(v_i / v_j) C_ij` and `G = Σ |t_ij|²` (both spins counted).
//!
//! `m` is stored row-major `lx x ly x 3` (`m[(x * ly + y) * 3 + c]`, `c` = x, y, z).

use super::tmm;
use backsolve_core::c64;
use backsolve_core::faer::Mat;
use backsolve_core::linalg;
use backsolve_macros::differentiable;
use std::f64::consts::PI;

/// Conductance (e^2/h, both spins) of the spinful lattice with exchange `j` to the
/// magnetization `m`, leads of wavenumbers `k_up`, `k_dn`, QR every `q` slices. Also generates
/// `conductance_spinful_pullback` (gradient with respect to `v` and `m`) and
/// `conductance_spinful_gradcheck`.
#[differentiable(wrt(v, m), check)]
#[allow(clippy::too_many_arguments)]
pub fn conductance_spinful(
    v: &[f64],
    m: &[f64],
    j: f64,
    lx: usize,
    ly: usize,
    phi: f64,
    e: f64,
    k_up: f64,
    k_dn: f64,
    q: usize,
) -> f64 {
    let n = 2 * ly;
    // Per-channel lead phases e^{ik}, sqrt of velocities, and sources.
    let mut lam = vec![c64::new(0.0, 0.0); n];
    let mut sqv = vec![c64::new(0.0, 0.0); n];
    let mut src = Mat::<c64>::zeros(n, n);
    for c in 0..n {
        let k = if c < ly { k_up } else { k_dn };
        lam[c] = c64::new(k.cos(), k.sin());
        let vel = 2.0 * k.sin();
        sqv[c] = c64::new(vel.sqrt(), 0.0);
        // -2i sin k, with the 1/sqrt(v_j) of the flux normalization on column j.
        src[(c, c)] = c64::new(0.0, -2.0 * k.sin() / vel.sqrt());
    }
    let none = vec![c64::new(0.0, 0.0); n - 1];
    let none_half = vec![c64::new(0.0, 0.0); ly - 1];
    let mut next = Mat::<c64>::zeros(n, n);
    let mut cur = Mat::<c64>::zeros(n, n);
    for c in 0..n {
        next[(c, c)] = lam[c];
        cur[(c, c)] = c64::new(1.0, 0.0);
    }
    let mut rs = Vec::new();
    let mut since_qr = 0;
    let mut d_up = vec![c64::new(0.0, 0.0); ly];
    let mut d_dn = vec![c64::new(0.0, 0.0); ly];
    let mut c_minus = vec![c64::new(0.0, 0.0); ly];
    let mut c_plus = vec![c64::new(0.0, 0.0); ly];
    for step in 0..lx {
        let x = lx - 1 - step;
        for y in 0..ly {
            let s = x * ly + y;
            let (mx, my, mz) = (m[3 * s], m[3 * s + 1], m[3 * s + 2]);
            d_up[y] = c64::new(v[s] - e + j * mz, 0.0);
            d_dn[y] = c64::new(v[s] - e - j * mz, 0.0);
            c_minus[y] = c64::new(j * mx, -j * my);
            c_plus[y] = c64::new(j * mx, j * my);
        }
        let hop = c64::new(0.0, 2.0 * PI * phi * x as f64).exp();
        let lo = vec![-hop; ly - 1];
        let up = vec![-hop.conj(); ly - 1];
        let (cur_up, cur_dn) = linalg::split_rows(&cur, ly);
        let h_up = linalg::tridiag_matmul(&d_up, &lo, &up, &cur_up);
        let x_up = linalg::tridiag_matmul(&c_minus, &none_half, &none_half, &cur_dn);
        let h_dn = linalg::tridiag_matmul(&d_dn, &lo, &up, &cur_dn);
        let x_dn = linalg::tridiag_matmul(&c_plus, &none_half, &none_half, &cur_up);
        let top = &h_up + &x_up;
        let bottom = &h_dn + &x_dn;
        let hpsi = linalg::vstack(&top, &bottom);
        let prev = &hpsi - &next;
        next = cur;
        cur = prev;
        since_qr += 1;
        if since_qr == q || x == 0 {
            let (top, bottom, r) = tmm::reorthonormalize(&next, &cur);
            next = top;
            cur = bottom;
            rs.push(r);
            since_qr = 0;
        }
    }
    // B - Λ A, Λ = diag(e^{ik_c}) on the rows.
    let la = linalg::tridiag_matmul(&lam, &none, &none, &next);
    let mm = &cur - &la;
    let x = linalg::solve(&mm, &src);
    let c = tmm::undo_r_factors(&x, &rs);
    let t = linalg::tridiag_matmul(&sqv, &none, &none, &c);
    linalg::frob2(&t)
}
