//! Transfer-matrix conductance between clean square-lattice leads carrying the field (the
//! physics notes, §2b), with the whole system in the gauge of the leads (phases on x-bonds;
//! `G` is gauge invariant).
//!
//! The sweep of [`super::sweep`] with the phases on the longitudinal bonds
//! ([`Slices::longitudinal`]) and the leads' modes as their description ([`LeadMatch::square`]):
//! the block starts as the right-moving lead modes, `[psi_lx; psi_{lx-1}] = [U_R Λ_R; U_R]`; at
//! the left end it is matched to incoming right-movers and reflected left-movers,
//! `[A; B] C'' - [U_-; U_- Λ_-^{-1}] r = [U_+; U_+ Λ_+^{-1}] a`, and the transmission is flux
//! normalized, `t_ij = sqrt(v_i / v_j) C'_ij` over open channels.

use super::leads::{gauge_phases, square_lead_modes, LeadError, SquareLeadModes};
use super::sweep::{self, LeadMatch, Slices};
use super::Lattice;
use backsolve_core::c64;
use backsolve_core::faer::Mat;
use backsolve_core::linalg;
use backsolve_macros::differentiable;

/// The constants of one `(phi, E)` point: the leads' matching data and the phases of the
/// longitudinal bonds.
#[derive(Clone, Debug)]
pub struct Matching {
    leads: LeadMatch,
    dstar: Vec<c64>,
}

impl Matching {
    /// From the lead modes at this point.
    pub fn new(modes: &SquareLeadModes, ly: usize, phi: f64) -> Matching {
        Matching {
            leads: LeadMatch::square(modes, ly),
            dstar: gauge_phases(ly, phi).iter().map(|d| d.conj()).collect(),
        }
    }

    /// The slices of an `lx x ly` region in the leads' gauge, QR every `q`.
    pub fn slices(&self, lx: usize, ly: usize, q: usize) -> Slices {
        Slices::longitudinal(lx, ly, q, self.dstar.clone())
    }

    /// The leads' matching data.
    pub fn leads(&self) -> &LeadMatch {
        &self.leads
    }

    /// The slices of an `lx x ly` region (QR every `q`) and the leads' matching data.
    pub fn into_system(self, lx: usize, ly: usize, q: usize) -> (Slices, LeadMatch) {
        (Slices::longitudinal(lx, ly, q, self.dstar), self.leads)
    }
}

/// Flux-normalized transmission and reflection amplitudes between square-lattice leads,
/// `(t, r)` (`ly x open`; rows of closed channels are zero), for potential `v` (row-major
/// `lx x ly`), QR every `q` slices, given the matching data of the point.
#[differentiable(wrt(v), split)]
pub fn square_amplitudes(
    v: &[f64],
    lx: usize,
    ly: usize,
    e: f64,
    q: usize,
    m: &Matching,
) -> (Mat<c64>, Mat<c64>) {
    let slices = m.slices(lx, ly, q);
    let no_magnetization: Vec<f64> = Vec::new();
    sweep::amplitudes(v, &no_magnetization, e, &slices, m.leads())
}

/// Conductance (e^2/h) between square-lattice leads, `G = Σ |t_ij|²`. Also generates
/// `conductance_square_leads_pullback` (gradient in `v`) and `..._gradcheck`.
#[differentiable(wrt(v), check)]
pub fn conductance_square_leads(
    v: &[f64],
    lx: usize,
    ly: usize,
    e: f64,
    q: usize,
    m: &Matching,
) -> f64 {
    let (t, _r) = square_amplitudes(v, lx, ly, e, q, m);
    linalg::frob2(&t)
}

/// Transmission and reflection `(T, R)` summed over channels (`T + R` = number of open
/// channels: current conservation).
pub fn transmission_reflection(
    v: &[f64],
    lattice: Lattice,
    phi: f64,
    e: f64,
    q: usize,
) -> Result<(f64, f64), LeadError> {
    let Lattice { lx, ly } = lattice;
    let modes = square_lead_modes(ly, phi, e)?;
    if modes.open == 0 {
        return Ok((0.0, 0.0));
    }
    let m = Matching::new(&modes, ly, phi);
    let (t, r) = square_amplitudes(v, lx, ly, e, q, &m);
    Ok((linalg::frob2(&t), linalg::frob2(&r)))
}

/// `G(phi, E)` between square-lattice leads; 0 when the leads have no open channel.
pub fn conductance_square(
    v: &[f64],
    lattice: Lattice,
    phi: f64,
    e: f64,
    q: usize,
) -> Result<f64, LeadError> {
    match super::conductance_point(&super::Model::Square, lattice, q, v, None, phi, e) {
        Ok(g) => Ok(g),
        Err(super::TransportError::Lead(err)) => Err(err),
        Err(err) => panic!("conductance_square: {err}"),
    }
}

/// The number of open channels of the square-lattice lead at `(phi, E)`.
pub fn open_channels(ly: usize, phi: f64, e: f64) -> Result<usize, LeadError> {
    Ok(square_lead_modes(ly, phi, e)?.open)
}
