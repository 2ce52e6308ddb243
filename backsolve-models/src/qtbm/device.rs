//! Device description: a 1D grid, an effective mass, smooth barriers and the bias drop.
//!
//! A barrier `b` with height `h_b`, width `w_b` and centre `c_b` contributes
//! `h_b [s((x - c_b + w_b/2) / λ) - s((x - c_b - w_b/2) / λ)]`, `s` the logistic function and
//! `λ` the edge smoothing length: a rectangle with rounded edges, differentiable in all three
//! parameters (a hard-edged rectangle would not be differentiable in its width and position).
//! A bias `V` lowers the potential linearly across the active region `[x_a, x_b]`:
//! `U_V(x) = -V clamp((x - x_a) / (x_b - x_a), 0, 1)`, so the left lead sits at 0 and the
//! right lead at `-V` (eV for V in volts and electrons of charge `-e`).

use super::{lead_phase, HBAR2_OVER_2M0};
use backsolve_macros::differentiable;

/// Parameters per barrier in the flat parameter vector: `[height (eV), width (nm), centre (nm)]`.
pub const PARAMS_PER_BARRIER: usize = 3;

/// A two-terminal 1D device: the grid, the material and where the bias drops.
#[derive(Clone, Debug, PartialEq)]
pub struct Device {
    /// Grid points; `x_j = j Δ`, `j = 0..points`.
    pub points: usize,
    /// Grid spacing `Δ` in nm.
    pub spacing: f64,
    /// Effective mass `m* / m0` (0.067 for GaAs).
    pub mass: f64,
    /// Edge smoothing length `λ` of the barriers in nm.
    pub smoothing: f64,
    /// Active region `[x_a, x_b]` (nm) across which the bias drops linearly.
    pub drop: (f64, f64),
}

/// Why a device or its parameters cannot be simulated.
#[derive(Clone, Debug, PartialEq)]
pub enum DeviceError {
    /// Fewer than two grid points, a non-positive spacing, mass or smoothing.
    Grid {
        /// What is wrong.
        what: &'static str,
    },
    /// The bias-drop region is not inside the device or is empty.
    Drop {
        /// The region given.
        drop: (f64, f64),
        /// The device length `points * spacing`.
        length: f64,
    },
    /// The parameter vector is not `3 x barriers` long.
    Params {
        /// Values given.
        len: usize,
    },
    /// An array of the wrong length.
    Shape {
        /// Which array.
        name: &'static str,
        /// Its length.
        len: usize,
        /// The length needed.
        expected: usize,
    },
    /// The free window of a design is empty or runs past the grid.
    Window {
        /// The window `(first, end)` given.
        window: (usize, usize),
        /// Grid points.
        points: usize,
    },
    /// A non-finite value, or a barrier of non-positive width.
    Value {
        /// Which array.
        name: &'static str,
        /// Its position.
        index: usize,
        /// The value.
        value: f64,
        /// What the value must be.
        need: &'static str,
    },
}

impl std::fmt::Display for DeviceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeviceError::Grid { what } => write!(f, "device: {what}"),
            DeviceError::Drop { drop, length } => write!(
                f,
                "device: the bias drop region [{}, {}] nm must be a non-empty interval inside [0, {length}] nm",
                drop.0, drop.1
            ),
            DeviceError::Params { len } => write!(
                f,
                "device: {len} barrier parameters given; need 3 per barrier (height eV, width nm, centre nm)"
            ),
            DeviceError::Shape { name, len, expected } => {
                write!(f, "device: {name} has {len} values, expected {expected}")
            }
            DeviceError::Window { window, points } => write!(
                f,
                "device: the free window {}..{} must be non-empty and inside 0..{points}",
                window.0, window.1
            ),
            DeviceError::Value {
                name,
                index,
                value,
                need,
            } => write!(f, "device: {name}[{index}] = {value}; it must be {need}"),
        }
    }
}

impl std::error::Error for DeviceError {}

impl Device {
    /// The default GaAs device: 60 nm on 300 points (Δ = 0.2 nm), m* = 0.067, edges smoothed
    /// over 0.1 nm, the bias dropping across `[20, 40]` nm.
    pub fn gaas() -> Device {
        Device {
            points: 300,
            spacing: 0.2,
            mass: 0.067,
            smoothing: 0.1,
            drop: (20.0, 40.0),
        }
    }

    /// Length `points * Δ` in nm.
    pub fn length(&self) -> f64 {
        self.points as f64 * self.spacing
    }

    /// `t0 = hbar² / (2 m* Δ²)` in eV.
    pub fn t0(&self) -> f64 {
        HBAR2_OVER_2M0 / (self.mass * self.spacing * self.spacing)
    }

    /// Position of grid point `j` in nm.
    pub fn x(&self, j: usize) -> f64 {
        j as f64 * self.spacing
    }

    /// Checks the grid and the drop region.
    pub fn validate(&self) -> Result<(), DeviceError> {
        if self.points < 2 {
            return Err(DeviceError::Grid {
                what: "need at least 2 grid points",
            });
        }
        for (ok, what) in [
            (
                self.spacing > 0.0 && self.spacing.is_finite(),
                "the spacing must be positive",
            ),
            (
                self.mass > 0.0 && self.mass.is_finite(),
                "the effective mass must be positive",
            ),
            (
                self.smoothing > 0.0 && self.smoothing.is_finite(),
                "the smoothing length must be positive",
            ),
        ] {
            if !ok {
                return Err(DeviceError::Grid { what });
            }
        }
        let (a, b) = self.drop;
        if !(a >= 0.0 && b <= self.length() && a < b) {
            return Err(DeviceError::Drop {
                drop: self.drop,
                length: self.length(),
            });
        }
        Ok(())
    }

    /// Checks a barrier parameter vector for this device.
    pub fn validate_params(&self, params: &[f64]) -> Result<(), DeviceError> {
        if params.is_empty() || !params.len().is_multiple_of(PARAMS_PER_BARRIER) {
            return Err(DeviceError::Params { len: params.len() });
        }
        for (index, &value) in params.iter().enumerate() {
            let width = index % PARAMS_PER_BARRIER == 1;
            if !value.is_finite() || (width && value <= 0.0) {
                return Err(DeviceError::Value {
                    name: "params",
                    index,
                    value,
                    need: if width {
                        "a finite positive width"
                    } else {
                        "finite"
                    },
                });
            }
        }
        Ok(())
    }

    /// The barrier profile `U(x_j)` (eV) of the parameters `[h, w, c]` per barrier, at zero
    /// bias. Generates `profile_pullback`.
    #[differentiable(wrt(params))]
    pub fn profile(&self, params: &[f64]) -> Vec<f64> {
        let mut u = vec![0.0; self.points];
        let barriers = params.len() / 3;
        for b in 0..barriers {
            let height = params[3 * b];
            let half = 0.5 * params[3 * b + 1];
            let centre = params[3 * b + 2];
            for j in 0..self.points {
                let x = self.x(j);
                let rise = 1.0 / (1.0 + ((centre - half - x) / self.smoothing).exp());
                let fall = 1.0 / (1.0 + ((centre + half - x) / self.smoothing).exp());
                u[j] += height * (rise - fall);
            }
        }
        u
    }

    /// The linear bias drop `U_V(x_j)` (eV) at bias `v` (V): 0 left of the active region,
    /// `-v` right of it.
    pub fn bias_drop(&self, v: f64) -> Vec<f64> {
        let (a, b) = self.drop;
        (0..self.points)
            .map(|j| -v * ((self.x(j) - a) / (b - a)).clamp(0.0, 1.0))
            .collect()
    }

    /// The lead phases `(k_L Δ, k_R Δ)` at energy `e` and bias `v`, or `None` when `e` is below
    /// either lead's band bottom (nothing is transmitted there).
    pub fn lead_phases(&self, e: f64, v: f64) -> Option<(f64, f64)> {
        let t0 = self.t0();
        Some((lead_phase(e, 0.0, t0)?, lead_phase(e, -v, t0)?))
    }
}
