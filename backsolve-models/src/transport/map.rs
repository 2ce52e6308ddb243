//! Conductance maps `G(phi, E)` over a grid, parallel across grid points, and the
//! mean-squared misfit to a target map with its gradient.
//!
//! Each grid point runs sequentially (the primitives use `Par::Seq`); points are distributed
//! over threads with rayon, and per-point results are combined in grid order, so maps, costs
//! and gradients are bit-identical whatever the thread count.

use super::leads::square_lead_modes;
use super::square::{conductance_square_leads_pullback, Matching};
use super::{
    conductance_spinful_pullback, conductance_wires, conductance_wires_pullback, Lattice, WireLead,
};
use rayon::prelude::*;

/// The flux and energy values of a map; `G[i_phi, j_E]` is stored row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    /// Flux per plaquette, in units of h/e.
    pub phis: Vec<f64>,
    /// Fermi energies, in units of t.
    pub energies: Vec<f64>,
}

impl Grid {
    /// Evenly spaced grid, endpoints included (`n = 1` gives the lower end).
    pub fn linspace(phi: (f64, f64, usize), e: (f64, f64, usize)) -> Grid {
        let lin = |(a, b, n): (f64, f64, usize)| -> Vec<f64> {
            (0..n)
                .map(|i| {
                    if n == 1 {
                        a
                    } else {
                        a + (b - a) * i as f64 / (n - 1) as f64
                    }
                })
                .collect()
        };
        Grid {
            phis: lin(phi),
            energies: lin(e),
        }
    }

    /// Number of grid points.
    pub fn len(&self) -> usize {
        self.phis.len() * self.energies.len()
    }

    /// Whether the grid has no points.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn point(&self, p: usize) -> (f64, f64) {
        let ne = self.energies.len();
        (self.phis[p / ne], self.energies[p % ne])
    }
}

/// Which leads (and whether spin) a simulation uses.
#[derive(Clone, Debug, PartialEq)]
pub enum Model {
    /// The paper's parallel-wire leads, spinless.
    Wires(WireLead),
    /// Clean square-lattice leads carrying the field, spinless.
    Square,
    /// Spinful: exchange `j` to a site magnetization, wire leads with spin-dependent
    /// wavenumbers.
    Spinful {
        /// Exchange coupling `J`.
        j: f64,
        /// Lead wavenumber of spin up.
        k_up: f64,
        /// Lead wavenumber of spin down.
        k_down: f64,
    },
}

impl std::fmt::Display for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Model::Wires(lead) => write!(f, "spinless, {lead}"),
            Model::Square => f.write_str("spinless, square-lattice leads in the field"),
            Model::Spinful { j, k_up, k_down } => write!(
                f,
                "spinful, exchange J = {j} t, wire leads with k_up = {k_up}, k_down = {k_down}"
            ),
        }
    }
}

/// Why a point or a map could not be computed.
#[derive(Clone, Debug, PartialEq)]
pub enum TransportError {
    /// The square-lattice lead has no well-defined modes here.
    Lead(super::LeadError),
    /// The spinful model needs a magnetization `lx x ly x 3`.
    Magnetization {
        /// Values given.
        len: usize,
        /// Values needed.
        expected: usize,
    },
    /// The potential does not fit the lattice.
    Potential {
        /// Values given.
        len: usize,
        /// Values needed.
        expected: usize,
    },
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransportError::Lead(e) => write!(f, "{e}"),
            TransportError::Magnetization { len, expected } => write!(
                f,
                "the spinful model needs a magnetization of {expected} values (lx x ly x 3), got {len}"
            ),
            TransportError::Potential { len, expected } => write!(
                f,
                "the potential has {len} values, the lattice needs {expected}"
            ),
        }
    }
}

impl std::error::Error for TransportError {}

/// The magnetization of the spinful model, checked against the lattice (`lx x ly x 3`).
fn magnetization(m: Option<&[f64]>, lattice: Lattice) -> Result<&[f64], TransportError> {
    let m = m.unwrap_or(&[]);
    let expected = 3 * lattice.lx * lattice.ly;
    if m.len() != expected {
        return Err(TransportError::Magnetization {
            len: m.len(),
            expected,
        });
    }
    Ok(m)
}

/// `G` at one `(phi, E)` (e^2/h; both spins for the spinful model), 0 where the leads are
/// closed.
pub fn conductance_point(
    model: &Model,
    lattice: Lattice,
    q: usize,
    v: &[f64],
    m: Option<&[f64]>,
    phi: f64,
    e: f64,
) -> Result<f64, TransportError> {
    let Lattice { lx, ly } = lattice;
    if v.len() != lx * ly {
        return Err(TransportError::Potential {
            len: v.len(),
            expected: lx * ly,
        });
    }
    match model {
        Model::Wires(lead) => Ok(match lead.wavenumber(e) {
            Some(k) => conductance_wires(v, lx, ly, phi, e, k, q),
            None => 0.0,
        }),
        Model::Square => {
            super::conductance_square(v, lattice, phi, e, q).map_err(TransportError::Lead)
        }
        Model::Spinful { j, k_up, k_down } => {
            let m = magnetization(m, lattice)?;
            Ok(super::conductance_spinful(
                v, m, *j, lx, ly, phi, e, *k_up, *k_down, q,
            ))
        }
    }
}

/// `G[i_phi, j_E]` (row-major) for any model, parallel across points; `tick` is called once per
/// finished point (a progress bar).
pub fn simulate_map(
    model: &Model,
    lattice: Lattice,
    q: usize,
    v: &[f64],
    m: Option<&[f64]>,
    grid: &Grid,
    tick: &(dyn Fn() + Sync),
) -> Result<Vec<f64>, TransportError> {
    (0..grid.len())
        .into_par_iter()
        .map(|p| {
            let (phi, e) = grid.point(p);
            let g = conductance_point(model, lattice, q, v, m, phi, e);
            tick();
            g
        })
        .collect()
}

/// The misfit of a map and its gradient.
#[derive(Clone, Debug, PartialEq)]
pub struct Misfit {
    /// `C = (1/N) Σ_p w_p (G_p - target_p)²`.
    pub cost: f64,
    /// `∂C/∂V`, row-major like the potential.
    pub grad_v: Vec<f64>,
    /// `∂C/∂m` for the spinful model, row-major `lx x ly x 3`.
    pub grad_m: Option<Vec<f64>>,
}

/// A point's value, its gradient in `V`, and in `m` for the spinful model.
type PointGradient = (f64, Vec<f64>, Option<Vec<f64>>);

/// The value of one point and its gradient, from the generated pullbacks (`d_ret = 1`).
fn point_pullback(
    model: &Model,
    lattice: Lattice,
    q: usize,
    v: &[f64],
    m: Option<&[f64]>,
    phi: f64,
    e: f64,
) -> Result<PointGradient, TransportError> {
    let Lattice { lx, ly } = lattice;
    let mut dv = vec![0.0; v.len()];
    match model {
        Model::Wires(lead) => {
            let g = match lead.wavenumber(e) {
                Some(k) => conductance_wires_pullback(v, lx, ly, phi, e, k, q, 1.0, &mut dv),
                None => 0.0,
            };
            Ok((g, dv, None))
        }
        Model::Square => {
            let modes = square_lead_modes(ly, phi, e).map_err(TransportError::Lead)?;
            if modes.open == 0 {
                return Ok((0.0, dv, None));
            }
            let mm = Matching::new(&modes, ly, phi);
            let g = conductance_square_leads_pullback(v, lx, ly, e, q, &mm, 1.0, &mut dv);
            Ok((g, dv, None))
        }
        Model::Spinful { j, k_up, k_down } => {
            let m = magnetization(m, lattice)?;
            let mut dm = vec![0.0; m.len()];
            let g = conductance_spinful_pullback(
                v, m, *j, lx, ly, phi, e, *k_up, *k_down, q, 1.0, &mut dv, &mut dm,
            );
            Ok((g, dv, Some(dm)))
        }
    }
}

/// The misfit `C = (1/N) Σ_p w_p (G_p - target_p)²` of a map and its gradient with respect to
/// the potential (and the magnetization, for the spinful model), from the generated pullbacks:
/// the per-point `d_ret` is `2 w_p (G_p - target_p) / N`. `weights` defaults to 1 (use
/// `1/sigma_p²` for measured data). Parallel across points with rayon.
#[allow(clippy::too_many_arguments)]
pub fn misfit_and_gradient(
    model: &Model,
    lattice: Lattice,
    q: usize,
    v: &[f64],
    m: Option<&[f64]>,
    grid: &Grid,
    target: &[f64],
    weights: Option<&[f64]>,
) -> Result<Misfit, TransportError> {
    assert_eq!(
        target.len(),
        grid.len(),
        "misfit: the target map has {} values, the grid {}x{} needs {}",
        target.len(),
        grid.phis.len(),
        grid.energies.len(),
        grid.len()
    );
    if let Some(w) = weights {
        assert_eq!(
            w.len(),
            grid.len(),
            "misfit: {} weights for {} grid points",
            w.len(),
            grid.len()
        );
    }
    if v.len() != lattice.lx * lattice.ly {
        return Err(TransportError::Potential {
            len: v.len(),
            expected: lattice.lx * lattice.ly,
        });
    }
    let n = grid.len().max(1) as f64;
    let nm = m.map_or(0, <[f64]>::len);
    // Collected in grid order and summed sequentially, so the result is bit-identical from run
    // to run (a rayon reduction's tree depends on work stealing); resumed optimizations rely
    // on it.
    let points: Vec<PointGradient> = (0..grid.len())
        .into_par_iter()
        .map(|p| {
            let (phi, e) = grid.point(p);
            point_pullback(model, lattice, q, v, m, phi, e)
        })
        .collect::<Result<_, _>>()?;
    let (mut cost, mut grad_v, mut grad_m) = (0.0, vec![0.0; v.len()], vec![0.0; nm]);
    for (p, (g, dv, dm)) in points.iter().enumerate() {
        let w = weights.map_or(1.0, |w| w[p]);
        let r = g - target[p];
        cost += w * r * r / n;
        let s = 2.0 * w * r / n;
        grad_v.iter_mut().zip(dv).for_each(|(a, d)| *a += s * d);
        if let Some(dm) = dm {
            grad_m.iter_mut().zip(dm).for_each(|(a, d)| *a += s * d);
        }
    }
    Ok(Misfit {
        cost,
        grad_v,
        grad_m: m.map(|_| grad_m),
    })
}
