//! Inverse device problems on the inverse-problem layer (seed 001's experiments 2 and 3):
//!
//! - [`IvFit`]: barrier parameters whose Tsu-Esaki I-V curve matches a target, cost
//!   `C = (1/N) Σ_V ((J(V) - J*(V)) / s)²` with `s = max |J*|`;
//! - [`TransmissionDesign`]: a many-parameter potential profile `U(x_j)` on a window of the
//!   grid whose zero-bias `T(E)` matches a target curve,
//!   `C = (1/N) Σ_E (T(E) - T*(E))² + λ Σ_j (U_{j+1} - U_j)²` (smoothness regularization).
//!
//! Both are [`Objective`]s, so every optimizer of `backsolve::inverse` runs them. Both are
//! pointwise least squares on the inverse kit ([`LeastSquares`] over a [`PointModel`]): a bias
//! or an energy is a point, whose value and gradient come from one generated pullback with a
//! unit cotangent (the forward runs once per point); the design's free window is a [`Free`]
//! embedding of the whole profile.

use super::{
    current, current_pullback, transmission, transmission_pullback, BiasPoint, Device, DeviceError,
    Formula, Supply,
};
use backsolve_core::inverse::{Embedding, Free, LeastSquares, Objective, PointModel, Regularizer};
use std::convert::Infallible;

/// The current at each bias point, as a function of the barrier parameters.
struct IvPoints<'a> {
    device: &'a Device,
    points: &'a [BiasPoint],
    params: usize,
}

impl PointModel for IvPoints<'_> {
    type Error = Infallible;
    fn points(&self) -> usize {
        self.points.len()
    }
    fn params(&self) -> usize {
        self.params
    }
    fn value(&self, k: usize, params: &[f64]) -> Result<f64, Infallible> {
        Ok(current(self.device, params, &self.points[k]))
    }
    fn value_and_gradient(
        &self,
        k: usize,
        params: &[f64],
        grad: &mut [f64],
    ) -> Result<f64, Infallible> {
        Ok(current_pullback(
            self.device,
            params,
            &self.points[k],
            1.0,
            grad,
        ))
    }
}

/// The zero-bias transmission at each design energy, as a function of the whole profile.
struct TransmissionPoints<'a> {
    t0: f64,
    energies: &'a [f64],
    phases: &'a [(f64, f64)],
    points: usize,
}

impl PointModel for TransmissionPoints<'_> {
    type Error = Infallible;
    fn points(&self) -> usize {
        self.energies.len()
    }
    fn params(&self) -> usize {
        self.points
    }
    fn value(&self, k: usize, u: &[f64]) -> Result<f64, Infallible> {
        let (kl, kr) = self.phases[k];
        Ok(transmission(u, self.t0, self.energies[k], kl, kr))
    }
    fn value_and_gradient(&self, k: usize, u: &[f64], d_u: &mut [f64]) -> Result<f64, Infallible> {
        let (kl, kr) = self.phases[k];
        Ok(transmission_pullback(
            u,
            self.t0,
            self.energies[k],
            kl,
            kr,
            1.0,
            d_u,
        ))
    }
}

/// The value of an infallible evaluation.
fn always<T>(r: Result<T, Infallible>) -> T {
    match r {
        Ok(v) => v,
        Err(never) => match never {},
    }
}

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
    /// Per-bias weights: `1/s²` with `s = max |J*|`, or `1/σ²` ([`IvFit::with_sigma`]).
    weights: Vec<f64>,
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
        if !scale.is_finite() {
            return Err(DeviceError::Value {
                name: "target",
                index: 0,
                value: scale,
                need: "a finite maximum",
            });
        }
        let weights = vec![1.0 / (scale * scale); target.len()];
        Ok(IvFit {
            device,
            supply,
            biases,
            target,
            points,
            weights,
        })
    }

    /// Weigh each bias by `1/σ²` (measured uncertainties, A/cm²): the cost becomes
    /// `(1/N) Σ_V ((J(V) - J*(V)) / σ_V)²`.
    pub fn with_sigma(mut self, sigma: &[f64]) -> Result<IvFit, DeviceError> {
        if sigma.len() != self.target.len() {
            return Err(DeviceError::Shape {
                name: "sigma",
                len: sigma.len(),
                expected: self.target.len(),
            });
        }
        if let Some(index) = sigma.iter().position(|s| !(s.is_finite() && *s > 0.0)) {
            return Err(DeviceError::Value {
                name: "sigma",
                index,
                value: sigma[index],
                need: "finite and positive",
            });
        }
        self.weights = sigma.iter().map(|s| 1.0 / (s * s)).collect();
        Ok(self)
    }

    /// The target and weights as a fit, from the fields as they are now.
    fn fit(&self) -> LeastSquares {
        LeastSquares::new(self.target.clone(), Some(self.weights.clone()))
            .expect("IvFit: target and weights are checked when set; keep `target` finite")
    }

    fn model(&self, params: &[f64]) -> IvPoints<'_> {
        IvPoints {
            device: &self.device,
            points: &self.points,
            params: params.len(),
        }
    }

    /// The model's I-V curve for `params`.
    pub fn predict(&self, params: &[f64]) -> Vec<f64> {
        always(LeastSquares::predict(&self.model(params), params))
    }
}

impl Objective for IvFit {
    fn value_and_gradient(&mut self, params: &[f64]) -> (f64, Vec<f64>) {
        always(self.fit().cost_and_gradient(&self.model(params), params))
    }

    fn value(&mut self, params: &[f64]) -> f64 {
        always(self.fit().cost(&self.model(params), params))
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
        if let Some(index) = target.iter().position(|t| !t.is_finite()) {
            return Err(DeviceError::Value {
                name: "target",
                index,
                value: target[index],
                need: "finite",
            });
        }
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

    /// The window as an embedding of the whole profile.
    fn free(&self) -> Free {
        Free::window(self.base.clone(), self.window.0, self.window.1)
    }

    /// `T*` with unit weights.
    fn fit(&self) -> LeastSquares {
        LeastSquares::new(self.target.clone(), None)
            .expect("TransmissionDesign: the target is checked when set; keep it finite")
    }

    /// The full potential with the window set to `x`.
    pub fn potential(&self, x: &[f64]) -> Vec<f64> {
        self.free().embed(x)
    }

    fn model(&self) -> TransmissionPoints<'_> {
        TransmissionPoints {
            t0: self.device.t0(),
            energies: &self.energies,
            phases: &self.phases,
            points: self.base.len(),
        }
    }

    /// `T(E)` at the design energies for the window values `x`.
    pub fn predict(&self, x: &[f64]) -> Vec<f64> {
        always(LeastSquares::predict(&self.model(), &self.potential(x)))
    }

    /// The misfit `(1/N) Σ (T - T*)²` alone, without the regularization.
    pub fn misfit(&self, x: &[f64]) -> f64 {
        always(self.fit().cost(&self.model(), &self.potential(x)))
    }
}

impl Objective for TransmissionDesign {
    fn value_and_gradient(&mut self, x: &[f64]) -> (f64, Vec<f64>) {
        let (mut cost, d_u) = always(
            self.fit()
                .cost_and_gradient(&self.model(), &self.potential(x)),
        );
        let mut grad = self.free().pullback(x, &d_u);
        let smooth = Regularizer::Smoothness {
            strength: self.smoothness,
        };
        cost += smooth.apply(x, 1, x.len(), &mut grad);
        (cost, grad)
    }
}
