//! Modes of clean square-lattice leads carrying the field (the physics notes, §2b).
//!
//! The leads, like the whole system when they are used, take the gauge with the phase on the
//! x-bonds, `<x+1, y|H|x, y> = -t e^{-i 2 pi phi y} = -D_yy`, which is translation-invariant
//! along x; transverse bonds are real. A lead mode `psi_x = lambda^x u` solves
//! `psi_{x+1} = D (H0 - E) psi_x - D² psi_{x-1}`, the eigenproblem of the 2Ly x 2Ly lead
//! transfer matrix. Propagating modes (|lambda| = 1) move right when their velocity is
//! positive; evanescent modes with
//! |lambda| < 1 decay to the right. The velocity is the current between neighbouring slices,
//! `v = 2 Im(psi_{x+1}^H V psi_x)`, `V = <x+1|H|x> = -D`. The modes do not depend on the
//! unknowns and need no adjoint.

use backsolve_core::c64;
use backsolve_core::faer::Mat;
use std::f64::consts::PI;

/// The lead modes at one `(phi, E)`, split into right- and left-moving sets of `ly` each, open
/// (propagating) modes first.
#[derive(Clone, Debug)]
pub struct SquareLeadModes {
    /// Right-moving (and right-decaying) modes, one normalized column each.
    pub right: Mat<c64>,
    /// Their `lambda`.
    pub right_lambda: Vec<c64>,
    /// Left-moving (and left-decaying) modes.
    pub left: Mat<c64>,
    /// Their `lambda`.
    pub left_lambda: Vec<c64>,
    /// Number of open channels (propagating right-movers).
    pub open: usize,
    /// `|v|` of the open right-movers, in column order.
    pub velocity: Vec<f64>,
    /// `|v|` of the open left-movers, in column order.
    pub velocity_left: Vec<f64>,
}

/// Why lead modes could not be formed.
#[derive(Clone, Debug, PartialEq)]
pub enum LeadError {
    /// The eigensolver failed.
    NoConvergence,
    /// The modes did not split into `ly` right- and `ly` left-movers: `E` sits on a band edge
    /// (a degenerate `lambda`); move the energy slightly.
    BandEdge {
        /// The energy.
        e: f64,
        /// The flux.
        phi: f64,
    },
}

impl std::fmt::Display for LeadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LeadError::NoConvergence => write!(f, "lead modes: the eigensolver did not converge"),
            LeadError::BandEdge { e, phi } => write!(
                f,
                "lead modes: E = {e} at phi = {phi} is on a band edge of the lead; move the energy slightly"
            ),
        }
    }
}

impl std::error::Error for LeadError {}

/// `D_yy = e^{-i 2 pi phi y}`.
pub fn gauge_phases(ly: usize, phi: f64) -> Vec<c64> {
    (0..ly)
        .map(|y| c64::new(0.0, -2.0 * PI * phi * y as f64).exp())
        .collect()
}

/// Lead modes of width `ly` at flux `phi` and energy `e`.
pub fn square_lead_modes(ly: usize, phi: f64, e: f64) -> Result<SquareLeadModes, LeadError> {
    let d = gauge_phases(ly, phi);
    let n = 2 * ly;
    // T = [[D (H0 - E), -D²], [I, 0]], H0 = transverse hopping -1.
    let t = Mat::from_fn(n, n, |i, j| {
        if i < ly && j < ly {
            let h = if i == j {
                -e
            } else if i.abs_diff(j) == 1 {
                -1.0
            } else {
                0.0
            };
            d[i] * h
        } else if i < ly {
            if j - ly == i {
                -d[i] * d[i]
            } else {
                c64::new(0.0, 0.0)
            }
        } else if j == i - ly {
            c64::new(1.0, 0.0)
        } else {
            c64::new(0.0, 0.0)
        }
    });
    let eig = t.eigen().map_err(|_| LeadError::NoConvergence)?;
    let (s, u) = (eig.S(), eig.U());
    let mut open_right = Vec::new();
    let mut decay_right = Vec::new();
    let mut open_left = Vec::new();
    let mut decay_left = Vec::new();
    for k in 0..n {
        let lambda = s[k];
        let mut col: Vec<c64> = (0..ly).map(|y| u[(ly + y, k)]).collect();
        let norm = col.iter().map(|z| z.norm_sqr()).sum::<f64>().sqrt();
        col.iter_mut().for_each(|z| *z /= norm);
        let mag = lambda.norm();
        if (mag - 1.0).abs() < 1e-8 {
            // Current between slices x and x+1: 2 Im(psi_{x+1}^H V psi_x) with
            // V = <x+1|H|x> = -D, i.e. v = 2 Im(lambda conj(u^H D u)) for |lambda| = 1.
            let udu: c64 = (0..ly).map(|y| col[y].conj() * d[y] * col[y]).sum();
            let v = 2.0 * (lambda * udu.conj()).im;
            if v > 0.0 {
                open_right.push((lambda, col, v));
            } else {
                open_left.push((lambda, col, -v));
            }
        } else if mag < 1.0 {
            decay_right.push((lambda, col, 0.0));
        } else {
            decay_left.push((lambda, col, 0.0));
        }
    }
    if open_right.len() + decay_right.len() != ly || open_left.len() != open_right.len() {
        return Err(LeadError::BandEdge { e, phi });
    }
    let open = open_right.len();
    let velocity = open_right.iter().map(|m| m.2).collect();
    let velocity_left = open_left.iter().map(|m| m.2).collect();
    let stack = |modes: Vec<(c64, Vec<c64>, f64)>| {
        let lambdas = modes.iter().map(|m| m.0).collect::<Vec<_>>();
        let mat = Mat::from_fn(ly, modes.len(), |i, j| modes[j].1[i]);
        (mat, lambdas)
    };
    let (right, right_lambda) = stack(open_right.into_iter().chain(decay_right).collect());
    let (left, left_lambda) = stack(open_left.into_iter().chain(decay_left).collect());
    Ok(SquareLeadModes {
        right,
        right_lambda,
        left,
        left_lambda,
        open,
        velocity,
        velocity_left,
    })
}
