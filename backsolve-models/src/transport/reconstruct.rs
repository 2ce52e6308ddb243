//! Backsolution of a landscape from a conductance map (seed 000, sections III.1–III.2): the
//! misfit of [`super::MapFit`] as an [`Objective`] over the unknown sites.
//!
//! Some sites are held fixed: the paper's "notch" (a large potential at one corner, breaking the
//! mirror symmetries of a two-terminal map, section IV.1) and, for the magnetization, one pinned
//! moment — with spin-resolved wire leads `G` is unchanged by a global spin rotation about `z`,
//! so without a known moment the in-plane directions are undetermined.

use super::{simulate_map, Grid, Lattice, MapFit, Model, TransportError};
use backsolve_core::inverse::{Objective, Regularizer};

/// Which landscape is unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unknown {
    /// The on-site potential `V[x, y]` (`lx * ly` values).
    Potential,
    /// The magnetization `m[x, y, c]` of the spinful model (`lx * ly * 3` values).
    Magnetization,
}

/// A reconstruction problem: the simulator setting, the target map and which values are free.
#[derive(Clone, Debug)]
pub struct Reconstruction {
    /// The leads (and spin).
    pub model: Model,
    /// Size of the conductor.
    pub lattice: Lattice,
    /// QR every `q` slices.
    pub q: usize,
    /// Flux and energy points of the target.
    pub grid: Grid,
    /// The measured map `G[i_phi, j_E]`, row-major.
    pub target: Vec<f64>,
    /// Per-point weights (`1/sigma²` for measured data); `None` weighs every point by 1.
    pub weights: Option<Vec<f64>>,
    /// The potential; for [`Unknown::Potential`] its free entries are overwritten by the
    /// parameters, its fixed entries (the notch) stay.
    pub v: Vec<f64>,
    /// The magnetization of the spinful model, treated like `v` for
    /// [`Unknown::Magnetization`].
    pub m: Option<Vec<f64>>,
    /// What is being reconstructed.
    pub unknown: Unknown,
    /// Flat indices into the unknown array that are held fixed.
    pub fixed: Vec<usize>,
    /// Optional regularizer on the landscape (for the magnetization, on each component).
    pub regularizer: Option<Regularizer>,
}

/// A problem that cannot be set up as given.
#[derive(Clone, Debug, PartialEq)]
pub enum ReconstructionError {
    /// The simulator rejects the arrays.
    Transport(TransportError),
    /// The target does not match the grid.
    Target {
        /// Values given.
        len: usize,
        /// `phi points x E points`.
        expected: usize,
    },
    /// The weights do not match the grid, or are negative or not finite.
    Weights(String),
    /// A fixed index lies outside the unknown array.
    Fixed {
        /// The offending index.
        index: usize,
        /// Length of the unknown array.
        len: usize,
    },
    /// The magnetization is unknown but the model is not spinful (or no `m` was given).
    NotSpinful,
}

impl std::fmt::Display for ReconstructionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReconstructionError::Transport(e) => write!(f, "{e}"),
            ReconstructionError::Target { len, expected } => write!(
                f,
                "the target map has {len} values, the grid needs {expected} (phi points x energy points)"
            ),
            ReconstructionError::Weights(why) => write!(f, "weights: {why}"),
            ReconstructionError::Fixed { index, len } => write!(
                f,
                "fixed index {index} is outside the unknown array of {len} values"
            ),
            ReconstructionError::NotSpinful => write!(
                f,
                "reconstructing a magnetization needs the spinful model and an initial m"
            ),
        }
    }
}

impl std::error::Error for ReconstructionError {}

impl Reconstruction {
    /// Check the shapes once, so that evaluations cannot fail.
    pub fn validate(&self) -> Result<(), ReconstructionError> {
        super::map::checked(&self.model, self.lattice, &self.v, self.m.as_deref())
            .map_err(ReconstructionError::Transport)?;
        if self.target.len() != self.grid.len() {
            return Err(ReconstructionError::Target {
                len: self.target.len(),
                expected: self.grid.len(),
            });
        }
        if let Some(w) = &self.weights {
            if w.len() != self.grid.len() {
                return Err(ReconstructionError::Weights(format!(
                    "{} weights for {} grid points",
                    w.len(),
                    self.grid.len()
                )));
            }
            if let Some(i) = w.iter().position(|x| !(x.is_finite() && *x >= 0.0)) {
                return Err(ReconstructionError::Weights(format!(
                    "weight {i} is {}, weights must be finite and non-negative",
                    w[i]
                )));
            }
        }
        let spinful = matches!(self.model, Model::Spinful { .. });
        if self.unknown == Unknown::Magnetization && !(spinful && self.m.is_some()) {
            return Err(ReconstructionError::NotSpinful);
        }
        let len = self.landscape().len();
        if let Some(&index) = self.fixed.iter().find(|&&i| i >= len) {
            return Err(ReconstructionError::Fixed { index, len });
        }
        Ok(())
    }

    /// The full unknown array (potential or magnetization) as it currently stands.
    pub fn landscape(&self) -> &[f64] {
        match self.unknown {
            Unknown::Potential => &self.v,
            Unknown::Magnetization => self.m.as_deref().unwrap_or(&[]),
        }
    }

    /// Indices of the free values, in order.
    pub fn free(&self) -> Vec<usize> {
        (0..self.landscape().len())
            .filter(|i| !self.fixed.contains(i))
            .collect()
    }

    /// The free values of a full landscape (the optimizer's parameter vector).
    pub fn params_of(&self, landscape: &[f64]) -> Vec<f64> {
        self.free().into_iter().map(|i| landscape[i]).collect()
    }

    /// The full landscape with `params` placed at the free sites and the fixed values kept.
    pub fn landscape_of(&self, params: &[f64]) -> Vec<f64> {
        let mut full = self.landscape().to_vec();
        for (i, p) in self.free().into_iter().zip(params) {
            full[i] = *p;
        }
        full
    }

    /// The potential and magnetization for a parameter vector.
    fn arrays(&self, params: &[f64]) -> (Vec<f64>, Option<Vec<f64>>) {
        let full = self.landscape_of(params);
        match self.unknown {
            Unknown::Potential => (full, self.m.clone()),
            Unknown::Magnetization => (self.v.clone(), Some(full)),
        }
    }

    /// The conductance map the parameters predict.
    pub fn predict(&self, params: &[f64]) -> Vec<f64> {
        let (v, m) = self.arrays(params);
        simulate_map(
            &self.model,
            self.lattice,
            self.q,
            &v,
            m.as_deref(),
            &self.grid,
            &|| (),
        )
        .expect("validated by Reconstruction::validate")
    }

    /// The regularizer's value on a full landscape, its gradient added into `grad`.
    fn regularize(&self, full: &[f64], grad: &mut [f64]) -> f64 {
        let Some(reg) = self.regularizer else {
            return 0.0;
        };
        let Lattice { lx, ly } = self.lattice;
        match self.unknown {
            Unknown::Potential => reg.apply(full, lx, ly, grad),
            Unknown::Magnetization => (0..3)
                .map(|c| {
                    let comp: Vec<f64> = full.iter().skip(c).step_by(3).copied().collect();
                    let mut g = vec![0.0; comp.len()];
                    let value = reg.apply(&comp, lx, ly, &mut g);
                    for (site, gi) in g.into_iter().enumerate() {
                        grad[3 * site + c] += gi;
                    }
                    value
                })
                .sum(),
        }
    }
}

impl Reconstruction {
    /// The kit's fit of the target map (cheap beside one evaluation: a copy of the target).
    fn map_fit(&self) -> MapFit<'_> {
        MapFit::new(
            &self.model,
            self.lattice,
            self.q,
            &self.grid,
            &self.target,
            self.weights.as_deref(),
        )
        .expect("validated by Reconstruction::validate")
    }
}

impl Objective for Reconstruction {
    fn value_and_gradient(&mut self, params: &[f64]) -> (f64, Vec<f64>) {
        let (v, m) = self.arrays(params);
        let fit = self
            .map_fit()
            .misfit_and_gradient(&v, m.as_deref())
            .expect("validated by Reconstruction::validate");
        let (full, mut grad) = match self.unknown {
            Unknown::Potential => (v, fit.grad_v),
            Unknown::Magnetization => (m.unwrap_or_default(), fit.grad_m.unwrap_or_default()),
        };
        let penalty = self.regularize(&full, &mut grad);
        (fit.cost + penalty, self.params_of(&grad))
    }

    fn value(&mut self, params: &[f64]) -> f64 {
        let (v, m) = self.arrays(params);
        let cost = self
            .map_fit()
            .misfit(&v, m.as_deref())
            .expect("validated by Reconstruction::validate");
        let full = self.landscape_of(params);
        let mut scratch = vec![0.0; full.len()];
        cost + self.regularize(&full, &mut scratch)
    }
}
