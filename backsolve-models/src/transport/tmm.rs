//! The paper's parallel-wire leads (seed 000, eqs. 5-13): `ly` uncoupled chains of wavenumber
//! `k` at each end, so the sweep of [`super::sweep`] starts from `[psi_lx; psi_{lx-1}] =
//! [e^{ik} I; I]` and ends with `C = -2i sin k (B - e^{ik} A)^{-1}` (`A = psi_0`,
//! `B = psi_{-1}`): a lead description ([`LeadMatch::chains`]) and the paper's slices
//! ([`Slices::transverse`]), not a sweep of their own.

use super::sweep::{self, LeadMatch, Slices};
use super::{Lattice, WireLead};
use backsolve_core::c64;
use backsolve_core::faer::Mat;
use backsolve_core::linalg;
use backsolve_macros::differentiable;

/// Transmission and reflection amplitudes `(t, r)` (`ly x ly`, column = incoming channel)
/// between parallel-wire leads of wavenumber `k`, QR every `q` slices; `v` is the potential,
/// row-major `lx x ly`. All channels share `k`, so the flux normalization is trivial.
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
    let slices = Slices::transverse(lx, ly, q, phi);
    let leads = LeadMatch::chains(&vec![k; ly]);
    let no_magnetization: Vec<f64> = Vec::new();
    sweep::amplitudes(v, &no_magnetization, e, &slices, &leads)
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

/// `G(phi, E)` for the lattice and lead, `0` where the leads are closed.
///
/// # Panics
/// If `v.len() != lx * ly` or `q == 0`.
pub fn conductance(v: &[f64], lattice: Lattice, lead: WireLead, phi: f64, e: f64, q: usize) -> f64 {
    assert!(q > 0, "conductance: QR interval q must be at least 1");
    let model = super::Model::Wires(lead);
    super::conductance_point(&model, lattice, q, v, None, phi, e)
        .unwrap_or_else(|err| panic!("conductance: {err}"))
}
