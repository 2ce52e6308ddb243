//! Open-boundary solve of the discretized effective-mass equation (the physics notes, §6).
//!
//! `(A psi)_j = -t0 psi_{j-1} + (2 t0 + U_j - E) psi_j - t0 psi_{j+1}`, `j = 0..n`. In the
//! left lead (`U_L`) `psi_j = e^{i k_L j Δ} + r e^{-i k_L j Δ}` for `j <= 0`, in the right
//! lead (`U_R`) `psi_j = t' e^{i k_R j Δ}` for `j >= n - 1`, with
//! `E - U_{L,R} = 2 t0 (1 - cos k Δ)`. Eliminating the lead sites gives
//! `A_00 += -t0 e^{i k_L Δ}`, `A_{n-1,n-1} += -t0 e^{i k_R Δ}` and the source
//! `S_0 = t0 (e^{-i k_L Δ} - e^{i k_L Δ}) = -2i t0 sin(k_L Δ)` (the notes' `S_1` up to the
//! phase of the incoming wave, which no observable sees). Then `psi_0 = 1 + r` and
//! `T = [sin(k_R Δ) / sin(k_L Δ)] |psi_{n-1}|²`, `R = |psi_0 - 1|²`; the discrete current is
//! conserved exactly, so `T + R = 1` to rounding.

use backsolve_core::c64;
use backsolve_macros::differentiable;

/// `k Δ` of a lead whose band bottom is `u_lead`, at energy `e`: the solution in `(0, pi)` of
/// `e - u_lead = 2 t0 (1 - cos k Δ)`, or `None` when `e` lies outside the lead's band.
pub fn lead_phase(e: f64, u_lead: f64, t0: f64) -> Option<f64> {
    let c = 1.0 - (e - u_lead) / (2.0 * t0);
    (c.abs() < 1.0).then(|| c.acos())
}

/// Transmission probability through the potential `u` (one value per grid point) at energy
/// `e`, between leads of phases `ka_left = k_L Δ` and `ka_right = k_R Δ` (see [`lead_phase`]).
///
/// Forward elimination of the Thomas algorithm only: `psi_{n-1}` is the last eliminated
/// right-hand side, so no back substitution is needed. Generates `transmission_pullback`
/// (gradient with respect to `u`).
#[differentiable(wrt(u))]
pub fn transmission(u: &[f64], t0: f64, e: f64, ka_left: f64, ka_right: f64) -> f64 {
    let n = u.len();
    let hop = c64::new(t0, 0.0);
    let sigma_left = c64::new(t0 * ka_left.cos(), t0 * ka_left.sin());
    let sigma_right = c64::new(t0 * ka_right.cos(), t0 * ka_right.sin());
    // Eliminating row j leaves psi_j = rhs_j + coupling_j psi_{j+1} with
    // coupling_j = t0 / pivot_j, rhs_j = (S_j + t0 rhs_{j-1}) / pivot_j and
    // pivot_j = 2 t0 + U_j - E - t0 coupling_{j-1}.
    let mut pivot = c64::new(2.0 * t0 + u[0] - e, 0.0) - sigma_left;
    if n == 1 {
        pivot -= sigma_right;
    }
    let mut rhs = c64::new(0.0, -2.0 * t0 * ka_left.sin()) / pivot;
    let mut coupling = hop / pivot;
    for j in 1..n {
        pivot = c64::new(2.0 * t0 + u[j] - e, 0.0) - hop * coupling;
        if j == n - 1 {
            pivot -= sigma_right;
        }
        rhs = hop * rhs / pivot;
        coupling = hop / pivot;
    }
    ka_right.sin() / ka_left.sin() * rhs.norm_sqr()
}

/// The scattering state `psi_j` for a unit wave incoming from the left (same setting as
/// [`transmission`]): the full Thomas algorithm, forward elimination and back substitution.
#[differentiable(wrt(u))]
pub fn wavefunction(u: &[f64], t0: f64, e: f64, ka_left: f64, ka_right: f64) -> Vec<c64> {
    let n = u.len();
    let hop = c64::new(t0, 0.0);
    let sigma_left = c64::new(t0 * ka_left.cos(), t0 * ka_left.sin());
    let sigma_right = c64::new(t0 * ka_right.cos(), t0 * ka_right.sin());
    let mut couplings = vec![c64::new(0.0, 0.0); n];
    let mut rhs = vec![c64::new(0.0, 0.0); n];
    let mut pivot = c64::new(2.0 * t0 + u[0] - e, 0.0) - sigma_left;
    if n == 1 {
        pivot -= sigma_right;
    }
    rhs[0] = c64::new(0.0, -2.0 * t0 * ka_left.sin()) / pivot;
    couplings[0] = hop / pivot;
    for j in 1..n {
        pivot = c64::new(2.0 * t0 + u[j] - e, 0.0) - hop * couplings[j - 1];
        if j == n - 1 {
            pivot -= sigma_right;
        }
        rhs[j] = hop * rhs[j - 1] / pivot;
        couplings[j] = hop / pivot;
    }
    let mut psi = vec![c64::new(0.0, 0.0); n];
    psi[n - 1] = rhs[n - 1];
    for step in 1..n {
        let j = n - 1 - step;
        psi[j] = rhs[j] + couplings[j] * psi[j + 1];
    }
    psi
}

/// Reflection probability `R = |psi_0 - 1|²` (same setting as [`transmission`]).
#[differentiable(wrt(u))]
pub fn reflection(u: &[f64], t0: f64, e: f64, ka_left: f64, ka_right: f64) -> f64 {
    let psi = wavefunction(u, t0, e, ka_left, ka_right);
    (psi[0] - c64::new(1.0, 0.0)).norm_sqr()
}
