//! Reverse modeling of disordered lattices from momentum-space images (seed 000, section V,
//! Fig. 5): atoms at continuous positions in an `L x L` periodic box, each blurred by a Gaussian
//! of width `σ` into a `P x P` image, its 2D FFT `F`, and a stabilized quantity of `|F|`
//! ([`Quantity`]) compared pixel by pixel with a target's. The image does not determine the
//! atoms (it is blind to translations, inversion and the Fourier phases), so fits are judged by
//! their pair-distribution functions `g(r)` against the truth's ([`structure`]), and compared
//! with reverse Monte Carlo on the same cost ([`fit`]).
//!
//! - [`render`]: the differentiable renderer, FFT quantity and cost terms;
//! - [`structure`]: triangular lattices, displacements, `g(r)`;
//! - [`fit`]: the cost as an `Objective`, candidates from several starts, reverse Monte Carlo.

// Differentiable code indexes arrays in counted loops: the macro records indexed reads and
// writes, and an index loop reads like the equation it implements.
#![allow(clippy::needless_range_loop)]

pub mod fit;
pub mod render;
pub mod structure;

/// The stabilized quantity of the momentum-space magnitude compared in the cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantity {
    /// `ln(1 + |F|²)`: compresses the forward peak and the Bragg peaks (the seed's choice).
    LogPower,
    /// `|F|² / (P² N)`: no compression, for comparison (the forward peak dominates the cost).
    Power,
}

/// The box, the image and the blur: everything the renderer needs besides the atoms.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Geometry {
    /// Side `L` of the periodic box (lattice units).
    pub side: f64,
    /// Pixels `P` per side of the image.
    pub pixels: usize,
    /// Gaussian width `σ` of each atom's blur.
    pub sigma: f64,
    /// The quantity compared.
    pub quantity: Quantity,
}

impl Default for Geometry {
    /// The documented default: `L = 10`, `P = 64`, `σ = 0.25` (1.6 pixels), `ln(1 + |F|²)`.
    fn default() -> Self {
        Geometry {
            side: 10.0,
            pixels: 64,
            sigma: 0.25,
            quantity: Quantity::LogPower,
        }
    }
}

impl Geometry {
    /// Checks the settings: positive finite side and width, at least 4 pixels, and `σ` below a
    /// quarter of the box (the renderer keeps only the nearest periodic image of each atom).
    pub fn validate(&self) -> Result<(), LatticeError> {
        for (name, value) in [("side", self.side), ("sigma", self.sigma)] {
            if !(value > 0.0 && value.is_finite()) {
                return Err(LatticeError::Value {
                    name,
                    value,
                    need: "positive and finite",
                });
            }
        }
        if self.pixels < 4 {
            return Err(LatticeError::Value {
                name: "pixels",
                value: self.pixels as f64,
                need: "at least 4",
            });
        }
        if self.sigma > 0.25 * self.side {
            return Err(LatticeError::Value {
                name: "sigma",
                value: self.sigma,
                need: "at most a quarter of the box side (only the nearest image is summed)",
            });
        }
        Ok(())
    }

    /// Pixel spacing `L / P`.
    pub fn spacing(&self) -> f64 {
        self.side / self.pixels as f64
    }

    /// Checks that `positions` holds `(x, y)` pairs of finite numbers and that `target` (if any)
    /// has `P²` values.
    pub fn check(&self, positions: &[f64], target: Option<&[f64]>) -> Result<(), LatticeError> {
        self.validate()?;
        if positions.is_empty() || !positions.len().is_multiple_of(2) {
            return Err(LatticeError::Shape {
                name: "positions",
                len: positions.len(),
                expected: "a positive even number (x, y per atom)".into(),
            });
        }
        if let Some(i) = positions.iter().position(|v| !v.is_finite()) {
            return Err(LatticeError::Value {
                name: "positions",
                value: positions[i],
                need: "finite",
            });
        }
        if let Some(t) = target {
            let p2 = self.pixels * self.pixels;
            if t.len() != p2 {
                return Err(LatticeError::Shape {
                    name: "target",
                    len: t.len(),
                    expected: format!("{p2} (P x P = {0} x {0})", self.pixels),
                });
            }
        }
        Ok(())
    }
}

/// Why a lattice problem cannot be set up as given.
#[derive(Clone, Debug, PartialEq)]
pub enum LatticeError {
    /// An array of the wrong length.
    Shape {
        /// Which array.
        name: &'static str,
        /// Its length.
        len: usize,
        /// What it must be.
        expected: String,
    },
    /// A value outside its allowed range.
    Value {
        /// Which setting.
        name: &'static str,
        /// The value.
        value: f64,
        /// What it must be.
        need: &'static str,
    },
}

impl std::fmt::Display for LatticeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LatticeError::Shape {
                name,
                len,
                expected,
            } => write!(f, "lattice: {name} has {len} values, expected {expected}"),
            LatticeError::Value { name, value, need } => {
                write!(f, "lattice: {name} = {value}; it must be {need}")
            }
        }
    }
}

impl std::error::Error for LatticeError {}
