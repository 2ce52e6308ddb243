//! Magnetotransport: the conductance `G(phi, E)` of a 2D tight-binding conductor.
//!
//! Conventions (the design notes' physics reference, §1-3): square lattice, sites `(x, y)`,
//! `x = 0..lx` along transport, `y = 0..ly` across with hard walls; hopping `t = 1` is the
//! energy unit; on-site potential `V[x, y]` stored row-major (`v[x * ly + y]`); a perpendicular
//! field as a Peierls phase in the Landau gauge on the transverse bonds,
//! `<x, y+1|H|x, y> = -t exp(+i 2 pi phi x)`, bonds along `x` real. `G = Tr(t t^dagger)` in
//! units of `e^2/h`, spin not counted.
//!
//! The description of a system ([`Lattice`], [`WireLead`]) is separate from the solver that
//! consumes it ([`conductance`]).

mod leads;
mod map;
mod reconstruct;
mod spin;
mod square;
mod sweep;
mod tmm;

pub use leads::*;
pub use map::*;
pub use reconstruct::*;
pub use spin::*;
pub use square::*;
pub use sweep::*;
pub use tmm::*;

/// Size of the scattering region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lattice {
    /// Slices along transport.
    pub lx: usize,
    /// Sites across.
    pub ly: usize,
}

/// The paper's leads: at each end, `ly` uncoupled semi-infinite chains along `x` (hopping `-t`,
/// on-site `eps_L`), coupled to the end sites by `-t`. Dispersion `E = eps_L - 2t cos k`; all
/// channels share `k`, so no flux normalization between channels is needed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum WireLead {
    /// Fixed on-site energy `eps_L` (the channels close when `|E - eps_L| >= 2t`).
    OnSite(f64),
    /// Fixed wavenumber `k` at every energy: `eps_L = E + 2t cos k` ("we fix the lead
    /// parameter k"); `k = pi/2` gives `eps_L = E`.
    Wavenumber(f64),
}

impl std::fmt::Display for WireLead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WireLead::OnSite(e) => write!(f, "wire leads with on-site energy {e} t"),
            WireLead::Wavenumber(k) => write!(f, "wire leads with wavenumber k = {k}"),
        }
    }
}

impl WireLead {
    /// The lead wavenumber `k` in `(0, pi)` at energy `e`, or `None` when the lead is closed.
    pub fn wavenumber(self, e: f64) -> Option<f64> {
        match self {
            WireLead::Wavenumber(k) => Some(k),
            WireLead::OnSite(eps) => {
                let c = (eps - e) / 2.0;
                (c.abs() < 1.0).then(|| c.acos())
            }
        }
    }
}
