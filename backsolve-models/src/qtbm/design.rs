//! Inverse device problems on the inverse-problem layer (seed 001's experiments 2 and 3):
//!
//! - [`IvFit`]: barrier parameters whose Tsu-Esaki I-V curve matches a target, cost
//!   `C = (1/N) Σ_V ((J(V) - J*(V)) / s)²` with `s = max |J*|`;
//! - [`TransmissionDesign`]: a many-parameter potential profile `U(x_j)` on a window of the
//!   grid whose zero-bias `T(E)` matches a target curve,
//!   `C = (1/N) Σ_E (T(E) - T*(E))² + λ Σ_j (U_{j+1} - U_j)²` (smoothness regularization).
//!
//! Both are [`Objective`]s, so every optimizer of `backsolve::inverse` runs them; gradients come
//! from the generated pullbacks, evaluated in parallel over biases or energies.

use super::{
    current_pullback, transmission, transmission_pullback, BiasPoint, Device, DeviceError, Formula,
    Supply,
};
use backsolve_core::inverse::{Objective, Regularizer};
use rayon::prelude::*;

/// Fit barrier parameters to a target I-V curve.
#[derive(Clone, Debug)]
pub struct IvFit {
    /// The device (grid, mass, drop region).
    pub device: Device,
    /// Contacts and energy quadrature.
    pub supply: Supply,
    /// Bias points (V).
    pub biases: Vec<f64>,
    /// Target current density per bias (A/cm²).
    pub target: Vec<f64>,
    /// Precomputed bias points (drop, lead phases, weights).
    points: Vec<BiasPoint>,
    /// `s = max |J*|`.
    scale: f64,
}

impl IvFit {
    /// The fit of `target` (one value per bias) for `device` under `supply`.
    pub fn new(
        device: Device,
        supply: Supply,
        biases: Vec<f64>,
        target: Vec<f64>,
    ) -> Result<IvFit, DeviceError> {
        device.validate()?;
        supply.validate()?;
        if target.len() != biases.len() {
            return Err(DeviceError::Shape {
                name: "target",
                len: target.len(),
                expected: biases.len(),
            });
        }
        for (name, values) in [("biases", &biases), ("target", &target)] {
            if let Some(index) = values.iter().position(|v| !v.is_finite()) {
                return Err(DeviceError::Value {
                    name,
                    index,
                    value: values[index],
                    need: "finite",
                });
            }
        }
        let scale = target.iter().fold(0.0f64, |m, j| m.max(j.abs()));
        if scale == 0.0 {
            return Err(DeviceError::Value {
                name: "target",
                index: 0,
                value: 0.0,
                need: "non-zero somewhere (the misfit is relative to max |J*|)",
            });
        }
        let points = biases
            .iter()
            .map(|&v| BiasPoint::new(&device, &supply, v, Formula::TsuEsaki))
            .collect();
        Ok(IvFit {
            device,
            supply,
            biases,
            target,
            points,
            scale,
        })
    }

    /// The model's I-V curve for `params`.
    pub fn predict(&self, params: &[f64]) -> Vec<f64> {
        self.points
            .par_iter()
            .map(|p| super::current(&self.device, params, p))
            .collect()
    }
}

impl Objective for IvFit {
    fn value_and_gradient(&mut self, params: &[f64]) -> (f64, Vec<f64>) {
        let n = self.points.len() as f64;
        let per_bias: Vec<(f64, Vec<f64>)> = self
            .points
            .par_iter()
            .zip(&self.target)
            .map(|(point, &target)| {
                // d C / d J = 2 (J - J*) / (N s²) needs J first; the forward pass is cheap
                // next to the pullback, which recomputes it.
                let j = super::current(&self.device, params, point);
                let d = 2.0 * (j - target) / (n * self.scale * self.scale);
                let mut grad = vec![0.0; params.len()];
                current_pullback(&self.device, params, point, d, &mut grad);
                (((j - target) / self.scale).powi(2) / n, grad)
            })
            .collect();
        let mut cost = 0.0;
        let mut grad = vec![0.0; params.len()];
        for (c, g) in &per_bias {
            cost += c;
            grad.iter_mut().zip(g).for_each(|(a, b)| *a += b);
        }
        (cost, grad)
    }

    fn value(&mut self, params: &[f64]) -> f64 {
        let n = self.points.len() as f64;
        let predicted = self.predict(params);
        predicted
            .iter()
            .zip(&self.target)
            .map(|(j, t)| ((j - t) / self.scale).powi(2) / n)
            .sum()
    }
}

/// Shape the zero-bias potential on a window of the grid so that `T(E)` matches a target.
#[derive(Clone, Debug)]
pub struct TransmissionDesign {
    /// The device (grid and mass; no bias is applied).
    pub device: Device,
    /// The potential outside the window (and the initial guess inside it).
    pub base: Vec<f64>,
    /// Grid points `window.0..window.1` are free.
    pub window: (usize, usize),
    /// Energies (eV) where `T` is compared.
    pub energies: Vec<f64>,
    /// Target `T*(E)`.
    pub target: Vec<f64>,
    /// Smoothness weight `λ`.
    pub smoothness: f64,
    /// `(k_L Δ, k_R Δ)` per energy.
    phases: Vec<(f64, f64)>,
}

impl TransmissionDesign {
    /// A band-pass design (the one `backsolve demo rtd` runs): `T = 1` on `pass_band` (eV) and
    /// 0 elsewhere on 140 energies from 0.01 eV in 2.5 meV steps, the potential free on
    /// 20..40 nm, starting from a superlattice of five 0.25 eV x 1.6 nm barriers 4 nm apart.
    pub fn band_pass(
        device: Device,
        pass_band: (f64, f64),
        smoothness: f64,
    ) -> Result<TransmissionDesign, DeviceError> {
        let superlattice: Vec<f64> = (0..5)
            .flat_map(|b| [0.25, 1.6, 22.0 + 4.0 * b as f64])
            .collect();
        let base = device.profile(&superlattice);
        let energies: Vec<f64> = (0..140).map(|i| 0.01 + i as f64 * 0.0025).collect();
        let target = energies
            .iter()
            .map(|e| f64::from(u8::from((pass_band.0..=pass_band.1).contains(e))))
            .collect();
        let window = (
            (20.0 / device.spacing).round() as usize,
            (40.0 / device.spacing).round() as usize,
        );
        TransmissionDesign::new(device, base, window, energies, target, smoothness)
    }

    /// The design problem; the energies must lie inside both leads' bands (above 0).
    pub fn new(
        device: Device,
        base: Vec<f64>,
        window: (usize, usize),
        energies: Vec<f64>,
        target: Vec<f64>,
        smoothness: f64,
    ) -> Result<TransmissionDesign, DeviceError> {
        device.validate()?;
        if base.len() != device.points {
            return Err(DeviceError::Shape {
                name: "base",
                len: base.len(),
                expected: device.points,
            });
        }
        if target.len() != energies.len() {
            return Err(DeviceError::Shape {
                name: "target",
                len: target.len(),
                expected: energies.len(),
            });
        }
        if window.0 >= window.1 || window.1 > device.points {
            return Err(DeviceError::Window {
                window,
                points: device.points,
            });
        }
        let phases = energies
            .iter()
            .enumerate()
            .map(|(index, &e)| {
                device.lead_phases(e, 0.0).ok_or(DeviceError::Value {
                    name: "energies",
                    index,
                    value: e,
                    need: "inside both leads' bands (above 0 eV)",
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TransmissionDesign {
            device,
            base,
            window,
            energies,
            target,
            smoothness,
            phases,
        })
    }

    /// The initial guess: the base potential inside the window.
    pub fn initial(&self) -> Vec<f64> {
        self.base[self.window.0..self.window.1].to_vec()
    }

    /// The full potential with the window set to `x`.
    pub fn potential(&self, x: &[f64]) -> Vec<f64> {
        let mut u = self.base.clone();
        u[self.window.0..self.window.1].copy_from_slice(x);
        u
    }

    /// `T(E)` at the design energies for the window values `x`.
    pub fn predict(&self, x: &[f64]) -> Vec<f64> {
        let u = self.potential(x);
        let t0 = self.device.t0();
        self.energies
            .par_iter()
            .zip(&self.phases)
            .map(|(&e, &(kl, kr))| transmission(&u, t0, e, kl, kr))
            .collect()
    }

    /// The misfit `(1/N) Σ (T - T*)²` alone, without the regularization.
    pub fn misfit(&self, x: &[f64]) -> f64 {
        let n = self.energies.len() as f64;
        self.predict(x)
            .iter()
            .zip(&self.target)
            .map(|(t, s)| (t - s).powi(2) / n)
            .sum()
    }
}

impl Objective for TransmissionDesign {
    fn value_and_gradient(&mut self, x: &[f64]) -> (f64, Vec<f64>) {
        let u = self.potential(x);
        let t0 = self.device.t0();
        let n = self.energies.len() as f64;
        let per_energy: Vec<(f64, Vec<f64>)> = self
            .energies
            .par_iter()
            .zip(&self.phases)
            .zip(&self.target)
            .map(|((&e, &(kl, kr)), &target)| {
                let t = transmission(&u, t0, e, kl, kr);
                let mut d_u = vec![0.0; u.len()];
                transmission_pullback(&u, t0, e, kl, kr, 2.0 * (t - target) / n, &mut d_u);
                ((t - target).powi(2) / n, d_u)
            })
            .collect();
        let (lo, hi) = self.window;
        let mut grad = vec![0.0; hi - lo];
        let mut cost = 0.0;
        for (c, d_u) in &per_energy {
            cost += c;
            grad.iter_mut().zip(&d_u[lo..hi]).for_each(|(a, b)| *a += b);
        }
        let smooth = Regularizer::Smoothness {
            strength: self.smoothness,
        };
        cost += smooth.apply(x, 1, x.len(), &mut grad);
        (cost, grad)
    }
}
