//! Conductance maps `G(phi, E)` over a grid, parallel across grid points, and the
//! mean-squared misfit to a target map with its gradient.
//!
//! Each grid point runs sequentially (the primitives use `Par::Seq`); points are distributed
//! over threads with rayon, and per-point gradients are summed in a fixed tree order given by
//! rayon's reduction, so results do not depend on the machine beyond floating-point rounding.

use super::{conductance_wires, conductance_wires_pullback, Lattice, WireLead};
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

/// A two-terminal system between parallel-wire leads, solved with QR every `q` slices.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WireSystem {
    /// Size of the scattering region.
    pub lattice: Lattice,
    /// The leads.
    pub lead: WireLead,
    /// QR interval of the transfer-matrix sweep.
    pub q: usize,
}

impl WireSystem {
    fn check(&self, v: &[f64]) {
        let (lx, ly) = (self.lattice.lx, self.lattice.ly);
        assert_eq!(
            v.len(),
            lx * ly,
            "conductance map: the potential has {} values, the lattice {lx}x{ly} needs {}",
            v.len(),
            lx * ly
        );
        assert!(
            self.q > 0,
            "conductance map: QR interval q must be at least 1"
        );
    }
}

/// `G[i_phi, j_E]` over the grid (row-major), 0 where the leads are closed.
pub fn conductance_map(v: &[f64], sys: &WireSystem, grid: &Grid) -> Vec<f64> {
    sys.check(v);
    let Lattice { lx, ly } = sys.lattice;
    (0..grid.len())
        .into_par_iter()
        .map(|p| {
            let (phi, e) = grid.point(p);
            match sys.lead.wavenumber(e) {
                Some(k) => conductance_wires(v, lx, ly, phi, e, k, sys.q),
                None => 0.0,
            }
        })
        .collect()
}

/// The misfit `C = (1/N) Σ_p w_p (G_p - target_p)²` and its gradient with respect to the
/// potential, from the generated pullback of the transfer-matrix sweep (`d_ret` per point is
/// `2 w_p (G_p - target_p) / N`). `weights` defaults to 1 (set `1/sigma_p²` for measured data).
pub fn misfit_and_gradient(
    v: &[f64],
    sys: &WireSystem,
    grid: &Grid,
    target: &[f64],
    weights: Option<&[f64]>,
) -> (f64, Vec<f64>) {
    sys.check(v);
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
    let Lattice { lx, ly } = sys.lattice;
    let n = grid.len().max(1) as f64;
    let zero = || (0.0, vec![0.0; v.len()]);
    (0..grid.len())
        .into_par_iter()
        .fold(zero, |(mut c, mut g), p| {
            let (phi, e) = grid.point(p);
            let w = weights.map_or(1.0, |w| w[p]);
            match sys.lead.wavenumber(e) {
                Some(k) => {
                    // Value and gradient in one call: the pullback returns the primal.
                    let mut dv = vec![0.0; v.len()];
                    let gp = conductance_wires_pullback(v, lx, ly, phi, e, k, sys.q, 1.0, &mut dv);
                    let r = gp - target[p];
                    c += w * r * r / n;
                    let s = 2.0 * w * r / n;
                    g.iter_mut().zip(&dv).for_each(|(gi, di)| *gi += s * di);
                }
                None => {
                    let r = target[p];
                    c += w * r * r / n;
                }
            }
            (c, g)
        })
        .reduce(zero, |(c1, mut g1), (c2, g2)| {
            g1.iter_mut().zip(&g2).for_each(|(a, b)| *a += b);
            (c1 + c2, g1)
        })
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

/// Why a point or a map could not be computed.
#[derive(Clone, Debug, PartialEq)]
pub enum TransportError {
    /// The square-lattice lead has no well-defined modes here.
    Lead(super::LeadError),
    /// The spinful model needs a magnetization `lx x ly x 3`.
    Magnetization { len: usize, expected: usize },
    /// The potential does not fit the lattice.
    Potential { len: usize, expected: usize },
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
            let m = m.unwrap_or(&[]);
            if m.len() != 3 * lx * ly {
                return Err(TransportError::Magnetization {
                    len: m.len(),
                    expected: 3 * lx * ly,
                });
            }
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
