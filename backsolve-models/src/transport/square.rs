//! Transfer-matrix conductance between clean square-lattice leads carrying the field (the
//! physics notes, §2b), with the whole system in the gauge of the leads (phases on x-bonds;
//! `G` is gauge invariant).
//!
//! Slice equation: `-D psi_{x-1} + (H_x - E) psi_x - D^* psi_{x+1} = 0`, so the sweep runs
//! `psi_{x-1} = D^* [(H_x - E) psi_x - D^* psi_{x+1}]` from the right lead, where the block
//! starts as the right-moving lead modes, `[psi_lx; psi_{lx-1}] = [U_R Λ_R; U_R]`. At the left
//! end the block is matched to incoming right-movers and reflected left-movers,
//! `[A; B] C'' - [U_-; U_- Λ_-^{-1}] r = [U_+; U_+ Λ_+^{-1}] a`, and the transmission is flux
//! normalized, `t_ij = sqrt(v_i / v_j) C'_ij` over open channels.

use super::leads::{gauge_phases, square_lead_modes, LeadError, SquareLeadModes};
use super::{tmm, Lattice};
use backsolve_core::c64;
use backsolve_core::faer::Mat;
use backsolve_core::linalg;
use backsolve_macros::differentiable;

/// The constants of one `(phi, E)` point: starting block, matching blocks, normalizations.
#[derive(Clone, Debug)]
pub struct Matching {
    start_next: Mat<c64>,
    start_cur: Mat<c64>,
    reflected: Mat<c64>,
    incoming: Mat<c64>,
    sqrt_velocity: Vec<c64>,
    sqrt_velocity_left: Vec<c64>,
    dstar: Vec<c64>,
}

impl Matching {
    /// From the lead modes at this point.
    pub fn new(modes: &SquareLeadModes, ly: usize, phi: f64) -> Matching {
        let z = c64::new(0.0, 0.0);
        let (ur, lr) = (&modes.right, &modes.right_lambda);
        let (ul, ll) = (&modes.left, &modes.left_lambda);
        let open = modes.open;
        let start_next = Mat::from_fn(ly, ly, |i, j| ur[(i, j)] * lr[j]);
        let reflected = Mat::from_fn(2 * ly, ly, |i, j| {
            if i < ly {
                -ul[(i, j)]
            } else {
                -ul[(i - ly, j)] / ll[j]
            }
        });
        let incoming = Mat::from_fn(2 * ly, open, |i, j| {
            let s = 1.0 / modes.velocity[j].sqrt();
            if i < ly {
                ur[(i, j)] * s
            } else {
                ur[(i - ly, j)] / lr[j] * s
            }
        });
        let weights = |v: &[f64]| -> Vec<c64> {
            (0..ly)
                .map(|i| {
                    if i < open {
                        c64::new(v[i].sqrt(), 0.0)
                    } else {
                        z
                    }
                })
                .collect()
        };
        let sqrt_velocity = weights(&modes.velocity);
        let sqrt_velocity_left = weights(&modes.velocity_left);
        Matching {
            start_next,
            start_cur: ur.clone(),
            reflected,
            incoming,
            sqrt_velocity,
            sqrt_velocity_left,
            dstar: gauge_phases(ly, phi).iter().map(|d| d.conj()).collect(),
        }
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
    let minus_one = vec![c64::new(-1.0, 0.0); ly - 1];
    let none = vec![c64::new(0.0, 0.0); ly - 1];
    let mut next = m.start_next.clone();
    let mut cur = m.start_cur.clone();
    let mut rs = Vec::new();
    let mut since_qr = 0;
    let mut d = vec![c64::new(0.0, 0.0); ly];
    for step in 0..lx {
        let x = lx - 1 - step;
        for y in 0..ly {
            d[y] = c64::new(v[x * ly + y] - e, 0.0);
        }
        let hpsi = linalg::tridiag_matmul(&d, &minus_one, &minus_one, &cur);
        let back = linalg::tridiag_matmul(&m.dstar, &none, &none, &next);
        let diff = &hpsi - &back;
        let prev = linalg::tridiag_matmul(&m.dstar, &none, &none, &diff);
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
    let left = linalg::vstack(&next, &cur);
    let k = linalg::hstack(&left, &m.reflected);
    let sol = linalg::solve(&k, &m.incoming);
    let (c2, refl) = linalg::split_rows(&sol, ly);
    let c1 = tmm::undo_r_factors(&c2, &rs);
    let t = linalg::tridiag_matmul(&m.sqrt_velocity, &none, &none, &c1);
    let r = linalg::tridiag_matmul(&m.sqrt_velocity_left, &none, &none, &refl);
    (t, r)
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
    let Lattice { lx, ly } = lattice;
    assert_eq!(
        v.len(),
        lx * ly,
        "conductance_square: {} potential values for a {lx}x{ly} lattice",
        v.len()
    );
    let modes = square_lead_modes(ly, phi, e)?;
    if modes.open == 0 {
        return Ok(0.0);
    }
    let m = Matching::new(&modes, ly, phi);
    Ok(conductance_square_leads(v, lx, ly, e, q, &m))
}

/// The number of open channels of the square-lattice lead at `(phi, E)`.
pub fn open_channels(ly: usize, phi: f64, e: f64) -> Result<usize, LeadError> {
    Ok(square_lead_modes(ly, phi, e)?.open)
}
