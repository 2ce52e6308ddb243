//! The one transfer-matrix sweep every transport system goes through (seed 000, eqs. 5-13), with
//! QR re-orthonormalization every `q` slices, consuming two descriptions: [`Slices`], how the
//! slices of the scattering region couple (transverse Peierls phases or phases on the
//! longitudinal bonds, spin as a 2x2 block structure with an exchange field), and
//! [`LeadMatch`], what the leads impose at one `(phi, E)` (the outgoing block at the right end,
//! the incoming and reflected waves at the left end, the flux normalization). A new lattice or
//! lead is a new description, not another sweep.
//!
//! Slice equation (t = 1): `-D psi_{x-1} + (H_x - E) psi_x - D^* psi_{x+1} = 0` with `D` the
//! diagonal phases of the longitudinal bonds (`D = I` when they are real), so a block of
//! solutions propagates from right to left as `psi_{x-1} = D^* [(H_x - E) psi_x - D^* psi_{x+1}]`.
//! It starts in the right lead with purely outgoing waves, `[psi_lx; psi_{lx-1}] = [U_R Λ_R;
//! U_R]` (`C` = the transmitted amplitudes); every `q` slices the block is replaced by the `Q`
//! of its thin QR and `R` is kept, and at the end `C = R_1^{-1} ... R_m^{-1} X` with `X` from
//! the orthonormal block, applied by triangular solves, so exponentially small conductances
//! keep their relative accuracy. At the left end the block is matched to a unit incoming wave
//! and its reflection; the transmission is flux normalized, `t_ij = sqrt(v_i / v_j) C_ij`.
//!
//! Everything below is ordinary Rust with `#[differentiable]`; the gradient with respect to the
//! potential and the magnetization is generated, not written.

use super::leads::SquareLeadModes;
use backsolve_core::c64;
use backsolve_core::faer::Mat;
use backsolve_core::linalg::{self, Triangle};
use backsolve_macros::differentiable;
use std::f64::consts::PI;

/// How the slices of an `lx x ly` scattering region couple, besides their potential.
#[derive(Clone, Debug, PartialEq)]
pub struct Slices {
    /// Slices along transport.
    pub lx: usize,
    /// Sites across.
    pub ly: usize,
    /// QR every `q` slices.
    pub q: usize,
    /// Flux per plaquette carried by the transverse bonds, `<x, y+1|H|x, y> = -e^{i 2 pi phi x}`
    /// (0 when the field sits on the longitudinal bonds).
    pub transverse_flux: f64,
    /// Whether the longitudinal bonds carry the phases [`Slices::phases`] (`D_y`).
    pub longitudinal: bool,
    /// `D_y^*` of the longitudinal bonds, one per site across (empty when they are real).
    pub phases: Vec<c64>,
    /// Spin as a 2x2 block structure: `2 ly` channels ordered `[up sites; down sites]`, on-site
    /// block `[[V - E + J m_z, J (m_x - i m_y)], [J (m_x + i m_y), V - E - J m_z]]`.
    pub spin: bool,
    /// The exchange `J` to the magnetization (spinful slices).
    pub exchange: f64,
}

impl Slices {
    /// Spinless slices with the field on the transverse bonds (the paper's gauge).
    pub fn transverse(lx: usize, ly: usize, q: usize, phi: f64) -> Slices {
        Slices {
            lx,
            ly,
            q,
            transverse_flux: phi,
            longitudinal: false,
            phases: vec![],
            spin: false,
            exchange: 0.0,
        }
    }

    /// Spinless slices with the field on the longitudinal bonds, `D_y^* = phases[y]` (the
    /// gauge of square-lattice leads).
    pub fn longitudinal(lx: usize, ly: usize, q: usize, phases: Vec<c64>) -> Slices {
        Slices {
            longitudinal: true,
            phases,
            ..Slices::transverse(lx, ly, q, 0.0)
        }
    }

    /// Spinful slices with exchange `j`, the field on the transverse bonds.
    pub fn spinful(lx: usize, ly: usize, q: usize, phi: f64, j: f64) -> Slices {
        Slices {
            spin: true,
            exchange: j,
            ..Slices::transverse(lx, ly, q, phi)
        }
    }

    /// Channels of a slice: `ly`, or `2 ly` with spin.
    pub fn channels(&self) -> usize {
        if self.spin {
            2 * self.ly
        } else {
            self.ly
        }
    }
}

/// What the leads impose at one `(phi, E)`: the outgoing block the sweep starts from at the
/// right end, and the incoming and reflected waves the block is matched to at the left end.
#[derive(Clone, Debug)]
pub struct LeadMatch {
    start_next: Mat<c64>,
    start_cur: Mat<c64>,
    /// One wavenumber per channel (wire leads): the left end is an `n x n` system.
    diagonal: bool,
    /// Diagonal leads: `e^{ik_c}`, `sqrt(v_c)`, and the source `-2i sin k_c / sqrt(v_c)`.
    lambda: Vec<c64>,
    sqrt_velocity: Vec<c64>,
    source: Mat<c64>,
    /// General leads: the reflected modes `[U_-; U_- Λ_-^{-1}]` (negated), the incoming
    /// `[U_+; U_+ Λ_+^{-1}] / sqrt(v)`, and `sqrt(v)` of the left-movers (0 for closed channels).
    reflected: Mat<c64>,
    incoming: Mat<c64>,
    sqrt_velocity_left: Vec<c64>,
}

impl LeadMatch {
    /// Leads of uncoupled chains, channel `c` with wavenumber `k[c]` in `(0, pi)`:
    /// `U = I`, `Λ = e^{ik}`, `v = 2 sin k`.
    pub fn chains(k: &[f64]) -> LeadMatch {
        let n = k.len();
        let lambda: Vec<c64> = k.iter().map(|k| c64::new(k.cos(), k.sin())).collect();
        let velocity: Vec<f64> = k.iter().map(|k| 2.0 * k.sin()).collect();
        let diag = |f: &dyn Fn(usize) -> c64| {
            Mat::from_fn(n, n, |i, j| if i == j { f(i) } else { c64::new(0.0, 0.0) })
        };
        LeadMatch {
            start_next: diag(&|c| lambda[c]),
            start_cur: diag(&|_| c64::new(1.0, 0.0)),
            diagonal: true,
            source: diag(&|c| c64::new(0.0, -2.0 * k[c].sin() / velocity[c].sqrt())),
            sqrt_velocity: velocity.iter().map(|v| c64::new(v.sqrt(), 0.0)).collect(),
            lambda,
            reflected: Mat::zeros(0, 0),
            incoming: Mat::zeros(0, 0),
            sqrt_velocity_left: vec![],
        }
    }

    /// Square-lattice leads of width `ly` with the modes `modes`.
    pub fn square(modes: &SquareLeadModes, ly: usize) -> LeadMatch {
        let z = c64::new(0.0, 0.0);
        let (ur, lr) = (&modes.right, &modes.right_lambda);
        let (ul, ll) = (&modes.left, &modes.left_lambda);
        let open = modes.open;
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
        LeadMatch {
            start_next: Mat::from_fn(ly, ly, |i, j| ur[(i, j)] * lr[j]),
            start_cur: ur.clone(),
            diagonal: false,
            lambda: vec![],
            sqrt_velocity: weights(&modes.velocity),
            source: Mat::zeros(0, 0),
            reflected,
            incoming,
            sqrt_velocity_left: weights(&modes.velocity_left),
        }
    }
}

/// Flux-normalized transmission and reflection amplitudes `(t, r)` (column = incoming channel)
/// of the system `s` between the leads `leads`, for the potential `v` (row-major `lx x ly`) and,
/// with spin, the magnetization `m` (row-major `lx x ly x 3`; empty without spin).
#[differentiable(wrt(v, m), split)]
pub fn amplitudes(
    v: &[f64],
    m: &[f64],
    e: f64,
    s: &Slices,
    leads: &LeadMatch,
) -> (Mat<c64>, Mat<c64>) {
    let ly = s.ly;
    let n = s.channels();
    let none = vec![c64::new(0.0, 0.0); n - 1];
    let none_half = vec![c64::new(0.0, 0.0); ly - 1];
    let mut next = leads.start_next.clone();
    let mut cur = leads.start_cur.clone();
    let mut rs = Vec::new();
    let mut since_qr = 0;
    let mut d_up = vec![c64::new(0.0, 0.0); ly];
    let mut d_dn = vec![c64::new(0.0, 0.0); ly];
    let mut c_minus = vec![c64::new(0.0, 0.0); ly];
    let mut c_plus = vec![c64::new(0.0, 0.0); ly];
    for step in 0..s.lx {
        let x = s.lx - 1 - step;
        let hop = c64::new(0.0, 2.0 * PI * s.transverse_flux * x as f64).exp();
        let lo = vec![-hop; ly - 1];
        let up = vec![-hop.conj(); ly - 1];
        // (H_x - E) psi_x
        let hpsi = if s.spin {
            for y in 0..ly {
                let i = x * ly + y;
                let (mx, my, mz) = (m[3 * i], m[3 * i + 1], m[3 * i + 2]);
                let j = s.exchange;
                d_up[y] = c64::new(v[i] - e + j * mz, 0.0);
                d_dn[y] = c64::new(v[i] - e - j * mz, 0.0);
                c_minus[y] = c64::new(j * mx, -j * my);
                c_plus[y] = c64::new(j * mx, j * my);
            }
            let (cur_up, cur_dn) = linalg::split_rows(&cur, ly);
            let h_up = linalg::tridiag_matmul(&d_up, &lo, &up, &cur_up);
            let x_up = linalg::tridiag_matmul(&c_minus, &none_half, &none_half, &cur_dn);
            let h_dn = linalg::tridiag_matmul(&d_dn, &lo, &up, &cur_dn);
            let x_dn = linalg::tridiag_matmul(&c_plus, &none_half, &none_half, &cur_up);
            let top = &h_up + &x_up;
            let bottom = &h_dn + &x_dn;
            linalg::vstack(&top, &bottom)
        } else {
            for y in 0..ly {
                d_up[y] = c64::new(v[x * ly + y] - e, 0.0);
            }
            linalg::tridiag_matmul(&d_up, &lo, &up, &cur)
        };
        // psi_{x-1} = D^* [(H_x - E) psi_x - D^* psi_{x+1}]
        let prev = if s.longitudinal {
            let back = linalg::tridiag_matmul(&s.phases, &none, &none, &next);
            let diff = &hpsi - &back;
            linalg::tridiag_matmul(&s.phases, &none, &none, &diff)
        } else {
            &hpsi - &next
        };
        next = cur;
        cur = prev;
        since_qr += 1;
        if since_qr == s.q || x == 0 {
            let (top, bottom, r) = reorthonormalize(&next, &cur);
            next = top;
            cur = bottom;
            rs.push(r);
            since_qr = 0;
        }
    }
    if leads.diagonal {
        // psi_{-1} - Λ psi_0 = (Λ^{-1} - Λ) a with A = psi_0, B = psi_{-1}: C = (B - Λ A)^{-1}
        // times the source; psi_0 = I + r before the flux normalization.
        let la = linalg::tridiag_matmul(&leads.lambda, &none, &none, &next);
        let mm = &cur - &la;
        let x = linalg::solve(&mm, &leads.source);
        let c = undo_r_factors(&x, &rs);
        let t = linalg::tridiag_matmul(&leads.sqrt_velocity, &none, &none, &c);
        let psi0 = linalg::matmul(&next, &x);
        let weighted = linalg::tridiag_matmul(&leads.sqrt_velocity, &none, &none, &psi0);
        let mut r = weighted.clone();
        for i in 0..n {
            r[(i, i)] -= c64::new(1.0, 0.0);
        }
        (t, r)
    } else {
        // [A; B] C'' - [U_-; U_- Λ_-^{-1}] r = [U_+; U_+ Λ_+^{-1}] a
        let left = linalg::vstack(&next, &cur);
        let k = linalg::hstack(&left, &leads.reflected);
        let sol = linalg::solve(&k, &leads.incoming);
        let (c2, refl) = linalg::split_rows(&sol, ly);
        let c1 = undo_r_factors(&c2, &rs);
        let t = linalg::tridiag_matmul(&leads.sqrt_velocity, &none, &none, &c1);
        let r = linalg::tridiag_matmul(&leads.sqrt_velocity_left, &none, &none, &refl);
        (t, r)
    }
}

/// Conductance (e^2/h) `G = Σ |t_ij|²` of the system `s` between `leads` (both spins counted
/// with spin). Generates `conductance_of_pullback`, the gradient in `v` and `m`.
#[differentiable(wrt(v, m))]
pub fn conductance_of(v: &[f64], m: &[f64], e: f64, s: &Slices, leads: &LeadMatch) -> f64 {
    let (t, _r) = amplitudes(v, m, e, s, leads);
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

// A split-mode caller keeps the descriptions it passed for its reverse sweep: a copy, as for
// every other recorded argument (small beside the sweep's tapes).
impl backsolve_core::Rec for Slices {
    type R = Slices;
    fn rec(&self) -> Slices {
        self.clone()
    }
}

impl backsolve_core::Rec for LeadMatch {
    type R = LeadMatch;
    fn rec(&self) -> LeadMatch {
        self.clone()
    }
}
