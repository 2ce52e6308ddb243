//! Conductance maps `G(phi, E)` over a grid, parallel across grid points, and the
//! mean-squared misfit to a target map with its gradient.
//!
//! Each grid point runs sequentially (the primitives use `Par::Seq`); points are distributed
//! over threads with rayon, and per-point results are combined in grid order, so maps, costs
//! and gradients are bit-identical whatever the thread count.

use super::leads::square_lead_modes;
use super::square::Matching;
use super::sweep::{conductance_of, conductance_of_pullback, LeadMatch, Slices};
use super::{Lattice, WireLead};
use backsolve_core::inverse::{FitError, LeastSquares, PointModel};
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
    /// The target map or its weights cannot be fitted (shape, NaN, a negative weight).
    Fit(FitError),
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
            TransportError::Fit(e) => write!(f, "target map: {e}"),
        }
    }
}

impl std::error::Error for TransportError {}

/// The potential, and the magnetization of the spinful model (empty otherwise), checked
/// against the lattice: the one place a transport system's arrays are validated.
pub(crate) fn checked<'a>(
    model: &Model,
    lattice: Lattice,
    v: &[f64],
    m: Option<&'a [f64]>,
) -> Result<&'a [f64], TransportError> {
    let sites = lattice.lx * lattice.ly;
    if v.len() != sites {
        return Err(TransportError::Potential {
            len: v.len(),
            expected: sites,
        });
    }
    let m = m.unwrap_or(&[]);
    if matches!(model, Model::Spinful { .. }) && m.len() != 3 * sites {
        return Err(TransportError::Magnetization {
            len: m.len(),
            expected: 3 * sites,
        });
    }
    Ok(m)
}

/// The system of one `(phi, E)` point as the sweep consumes it, slices and leads; `None`
/// where the leads are closed. The one dispatch over the models.
fn point_system(
    model: &Model,
    lattice: Lattice,
    q: usize,
    (phi, e): (f64, f64),
) -> Result<Option<(Slices, LeadMatch)>, TransportError> {
    let Lattice { lx, ly } = lattice;
    Ok(match model {
        Model::Wires(lead) => lead.wavenumber(e).map(|k| {
            (
                Slices::transverse(lx, ly, q, phi),
                LeadMatch::chains(&vec![k; ly]),
            )
        }),
        Model::Square => {
            let modes = square_lead_modes(ly, phi, e).map_err(TransportError::Lead)?;
            (modes.open > 0).then(|| Matching::new(&modes, ly, phi).into_system(lx, ly, q))
        }
        Model::Spinful { j, k_up, k_down } => {
            let k: Vec<f64> = [vec![*k_up; ly], vec![*k_down; ly]].concat();
            Some((Slices::spinful(lx, ly, q, phi, *j), LeadMatch::chains(&k)))
        }
    })
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
    let m = checked(model, lattice, v, m)?;
    checked_point(model, lattice, q, v, m, (phi, e))
}

/// [`conductance_point`] for arrays already [`checked`].
fn checked_point(
    model: &Model,
    lattice: Lattice,
    q: usize,
    v: &[f64],
    m: &[f64],
    point: (f64, f64),
) -> Result<f64, TransportError> {
    Ok(match point_system(model, lattice, q, point)? {
        Some((slices, leads)) => conductance_of(v, m, point.1, &slices, &leads),
        None => 0.0,
    })
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
    let m = checked(model, lattice, v, m)?;
    (0..grid.len())
        .into_par_iter()
        .map(|p| {
            let g = checked_point(model, lattice, q, v, m, grid.point(p));
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

/// The value of one point, its gradient in `V` added into `dv` and in `m` into `dm` (the
/// spinful model), from the generated pullback (`d_ret = 1`), for arrays already [`checked`].
#[allow(clippy::too_many_arguments)]
fn point_pullback(
    model: &Model,
    lattice: Lattice,
    q: usize,
    v: &[f64],
    m: &[f64],
    point: (f64, f64),
    dv: &mut [f64],
    dm: &mut [f64],
) -> Result<f64, TransportError> {
    Ok(match point_system(model, lattice, q, point)? {
        Some((slices, leads)) => {
            conductance_of_pullback(v, m, point.1, &slices, &leads, 1.0, dv, dm)
        }
        None => 0.0,
    })
}

/// The map as a [`PointModel`] of the inverse kit: one `(phi, E)` point per point, the
/// parameters the potential followed by the magnetization (spinful model).
struct MapPoints<'a> {
    model: &'a Model,
    lattice: Lattice,
    q: usize,
    grid: &'a Grid,
    /// Potential values; the magnetization follows (`3 lx ly` values, or none).
    nv: usize,
    nm: usize,
}

impl MapPoints<'_> {
    fn split<'p>(&self, p: &'p [f64]) -> (&'p [f64], &'p [f64]) {
        p.split_at(self.nv)
    }
}

impl PointModel for MapPoints<'_> {
    type Error = TransportError;
    fn points(&self) -> usize {
        self.grid.len()
    }
    fn params(&self) -> usize {
        self.nv + self.nm
    }
    fn value(&self, k: usize, p: &[f64]) -> Result<f64, TransportError> {
        let (v, m) = self.split(p);
        checked_point(self.model, self.lattice, self.q, v, m, self.grid.point(k))
    }
    fn value_and_gradient(
        &self,
        k: usize,
        p: &[f64],
        grad: &mut [f64],
    ) -> Result<f64, TransportError> {
        let (v, m) = self.split(p);
        let (dv, dm) = grad.split_at_mut(self.nv);
        point_pullback(
            self.model,
            self.lattice,
            self.q,
            v,
            m,
            self.grid.point(k),
            dv,
            dm,
        )
    }
}

/// A target map and what scores landscapes against it: the system, the grid and the kit's
/// least-squares fit, checked once and evaluated at many landscapes.
#[derive(Clone, Debug)]
pub struct MapFit<'a> {
    model: &'a Model,
    lattice: Lattice,
    q: usize,
    grid: &'a Grid,
    fit: LeastSquares,
}

impl<'a> MapFit<'a> {
    /// The fit of `target` (`G[i_phi, j_E]` on `grid`) with optional weights (`1/sigma_p²`);
    /// a target or weights of the wrong shape, non-finite or negative, is a
    /// [`TransportError::Fit`].
    pub fn new(
        model: &'a Model,
        lattice: Lattice,
        q: usize,
        grid: &'a Grid,
        target: &[f64],
        weights: Option<&[f64]>,
    ) -> Result<MapFit<'a>, TransportError> {
        let fit = LeastSquares::new(target.to_vec(), weights.map(<[f64]>::to_vec))
            .map_err(TransportError::Fit)?;
        if target.len() != grid.len() {
            return Err(TransportError::Fit(FitError::Points {
                model: grid.len(),
                target: target.len(),
            }));
        }
        Ok(MapFit {
            model,
            lattice,
            q,
            grid,
            fit,
        })
    }

    /// The map's points for the landscapes `v`, `m` (checked), and the parameter vector.
    fn points(
        &self,
        v: &[f64],
        m: Option<&[f64]>,
    ) -> Result<(MapPoints<'a>, Vec<f64>), TransportError> {
        let m = checked(self.model, self.lattice, v, m)?;
        let points = MapPoints {
            model: self.model,
            lattice: self.lattice,
            q: self.q,
            grid: self.grid,
            nv: v.len(),
            nm: m.len(),
        };
        Ok((points, [v, m].concat()))
    }

    /// The misfit `C = (1/N) Σ_p w_p (G_p - target_p)²` of the map of `v` (and `m`).
    pub fn misfit(&self, v: &[f64], m: Option<&[f64]>) -> Result<f64, TransportError> {
        let (points, params) = self.points(v, m)?;
        self.fit.cost(&points, &params)
    }

    /// The misfit and its gradient with respect to the potential (and the magnetization, for
    /// the spinful model): each point's `G` and gradient from one generated pullback with
    /// `d_ret = 1`, parallel across points, summed in grid order (bit-identical at any thread
    /// count).
    pub fn misfit_and_gradient(
        &self,
        v: &[f64],
        m: Option<&[f64]>,
    ) -> Result<Misfit, TransportError> {
        let (points, params) = self.points(v, m)?;
        let (cost, mut grad) = self.fit.cost_and_gradient(&points, &params)?;
        let grad_m = grad.split_off(v.len());
        Ok(Misfit {
            cost,
            grad_v: grad,
            grad_m: m.map(|_| grad_m),
        })
    }
}

/// [`MapFit::misfit_and_gradient`] of a map fitted once: the misfit of `target` and its
/// gradient at `v` (and `m`).
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
    MapFit::new(model, lattice, q, grid, target, weights)?.misfit_and_gradient(v, m)
}
