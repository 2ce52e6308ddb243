//! The spinful conductor (seed 000, section III.2, eq. 15):
//! `H = H_orbital ⊗ σ0 + J Σ_r m_r · σ`, with parallel-wire leads whose spin channels have their
//! own wavenumbers `k_up`, `k_down` (a spin-polarized lead).
//!
//! The sweep of [`super::sweep`] with spin as a 2x2 block structure ([`Slices::spinful`]):
//! `2 ly` channels, rows ordered `[up sites; down sites]`, and chain leads with one wavenumber
//! per spin ([`LeadMatch::chains`]). The on-site block of site `r` is
//! `[[V - E + J m_z, J (m_x - i m_y)], [J (m_x + i m_y), V - E - J m_z]]`. Channels of the two
//! spins have different velocities `v_s = 2 sin k_s`, so the transmission is flux-normalized:
//! `t_ij = sqrt(v_i / v_j) C_ij` and `G = Σ |t_ij|²` (both spins counted).
//!
//! `m` is stored row-major `lx x ly x 3` (`m[(x * ly + y) * 3 + c]`, `c` = x, y, z).

use super::sweep::{self, LeadMatch, Slices};
use backsolve_core::linalg;
use backsolve_macros::differentiable;

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
    let slices = Slices::spinful(lx, ly, q, phi, j);
    let mut k = vec![k_up; ly];
    k.extend(vec![k_dn; ly]);
    let leads = LeadMatch::chains(&k);
    let (t, _r) = sweep::amplitudes(v, m, e, &slices, &leads);
    linalg::frob2(&t)
}
