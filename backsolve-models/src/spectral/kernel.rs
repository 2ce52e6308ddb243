//! The Shulga kernel and the discretized generalized Allen formula (the physics notes, §7):
//!
//! `1/τ(ω) = ∫_0^∞ dΩ I²χ(Ω) K(ω, Ω, T)`,
//! `K = (π/ω) [2ω coth(Ω/2T) - (ω+Ω) coth((ω+Ω)/2T) + (ω-Ω) coth((ω-Ω)/2T)]`.
//!
//! With `g(x) = x coth(x/2T)` (even, `g(0) = 2T`): `K = (π/ω) [(2ω/Ω) g(Ω) - g(ω+Ω) + g(ω-Ω)]`,
//! which is finite at `ω = Ω`; `K ~ 4πT/Ω` as `Ω → 0` (so the `Ω` grid starts above 0), and
//! `T → 0` gives Allen's kernel `(2π/ω)(ω - Ω) Θ(ω - Ω)`.
//!
//! Discretization: `Ω_j = j ΔΩ`, `j = 1..n`, and `ω_i = i Δω`, `i = 1..m` (default
//! `n = m = 100`, `ΔΩ = Δω = 4 meV`, up to 400 meV), rectangle rule `A_ij = K(ω_i, Ω_j) ΔΩ`;
//! default temperature 100 K (`kB T = 8.617 meV`).

use super::SpectralError;
use backsolve_core::faer::Mat;
use backsolve_macros::differentiable;
use std::f64::consts::PI;

/// `kB` in meV/K.
pub const BOLTZMANN_MEV: f64 = 8.617_333_262e-2;

/// `g(x) = x coth(x / 2T)`, with its Taylor series `2T (1 + u²/3 - u⁴/45)`, `u = x/2T`, where
/// the closed form would lose digits (`|u| < 1e-3`).
#[differentiable]
pub fn x_coth(x: f64, t: f64) -> f64 {
    let u = x / (2.0 * t);
    if u.abs() < 1e-3 {
        2.0 * t * (1.0 + u * u / 3.0 - u * u * u * u / 45.0)
    } else {
        x / u.tanh()
    }
}

/// The Shulga kernel `K(ω, Ω, T)` (`ω, Ω > 0`, `T = kB T > 0`, all in meV).
#[differentiable]
pub fn shulga_kernel(omega: f64, big_omega: f64, t: f64) -> f64 {
    let a = 2.0 * omega / big_omega * x_coth(big_omega, t);
    let b = x_coth(omega + big_omega, t);
    let c = x_coth(omega - big_omega, t);
    PI / omega * (a - b + c)
}

/// The discretized operator: grids, temperature and the matrix `A` (`m x n`).
#[derive(Clone, Debug)]
pub struct Operator {
    /// Frequencies of the data `ω_i` (meV).
    pub omega: Vec<f64>,
    /// Boson energies of the glue function `Ω_j` (meV).
    pub big_omega: Vec<f64>,
    /// Quadrature step `ΔΩ` (meV).
    pub d_omega: f64,
    /// `kB T` (meV).
    pub t: f64,
    /// `A_ij = K(ω_i, Ω_j) ΔΩ`.
    pub a: Mat<f64>,
}

impl Operator {
    /// The default operator: `ω, Ω = 4, 8, .., 400 meV` at 100 K.
    pub fn standard() -> Operator {
        Operator::new(100, 4.0, 100, 4.0, 100.0).expect("valid default grids")
    }

    /// `m` frequencies `i Δω`, `n` boson energies `j ΔΩ`, temperature in K.
    pub fn new(
        m: usize,
        d_omega_data: f64,
        n: usize,
        d_omega: f64,
        kelvin: f64,
    ) -> Result<Operator, SpectralError> {
        positive_finite("Δω", d_omega_data)?;
        let omega: Vec<f64> = (1..=m).map(|i| i as f64 * d_omega_data).collect();
        Operator::on_points(omega, n, d_omega, kelvin)
    }

    /// The operator on measured frequencies `omega` (meV, positive, increasing), `n` boson
    /// energies `j ΔΩ`, temperature in K.
    pub fn on_points(
        omega: Vec<f64>,
        n: usize,
        d_omega: f64,
        kelvin: f64,
    ) -> Result<Operator, SpectralError> {
        positive_finite("ΔΩ", d_omega)?;
        positive_finite("temperature", kelvin)?;
        if omega.is_empty() || n == 0 {
            return Err(SpectralError::Value {
                name: "grid points",
                value: omega.len().min(n) as f64,
                need: "at least 1",
            });
        }
        for (i, &w) in omega.iter().enumerate() {
            positive_finite("ω", w)?;
            if i > 0 && w <= omega[i - 1] {
                return Err(SpectralError::Value {
                    name: "ω",
                    value: w,
                    need: "larger than the frequency before it (increasing frequencies)",
                });
            }
        }
        let big_omega: Vec<f64> = (1..=n).map(|j| j as f64 * d_omega).collect();
        let t = BOLTZMANN_MEV * kelvin;
        let a = Mat::from_fn(omega.len(), n, |i, j| {
            shulga_kernel(omega[i], big_omega[j], t) * d_omega
        });
        Ok(Operator {
            omega,
            big_omega,
            d_omega,
            t,
            a,
        })
    }

    /// The operator whose rows are divided by the noise standard deviations `sigma` (one per
    /// data point): with data divided alike, every solver's least squares becomes the weighted
    /// one (weights `1/σ²`) and the noise is 1 at every point.
    pub fn whitened(&self, sigma: &[f64]) -> Result<Operator, SpectralError> {
        if sigma.len() != self.rows() {
            return Err(SpectralError::Shape {
                name: "sigma",
                len: sigma.len(),
                expected: self.rows(),
            });
        }
        for &s in sigma {
            positive_finite("sigma", s)?;
        }
        let a = Mat::from_fn(self.rows(), self.cols(), |i, j| self.a[(i, j)] / sigma[i]);
        Ok(Operator { a, ..self.clone() })
    }

    /// Data points `m`.
    pub fn rows(&self) -> usize {
        self.omega.len()
    }

    /// Unknowns `n`.
    pub fn cols(&self) -> usize {
        self.big_omega.len()
    }

    /// `y = A x`.
    pub fn apply(&self, x: &[f64]) -> Vec<f64> {
        assert_eq!(
            x.len(),
            self.cols(),
            "Operator::apply: x has {} values, A has {} columns",
            x.len(),
            self.cols()
        );
        (0..self.rows())
            .map(|i| (0..self.cols()).map(|j| self.a[(i, j)] * x[j]).sum())
            .collect()
    }

    /// `AᵀA + shift I`, the normal matrix both Tikhonov and the Landweber preconditioner factor.
    pub fn shifted_normal(&self, shift: f64) -> Mat<f64> {
        let mut normal = backsolve_core::linalg::matmul_adj_lhs(&self.a, &self.a);
        for j in 0..self.cols() {
            normal[(j, j)] += shift;
        }
        normal
    }

    /// Checks that `y` has one value per data point.
    pub fn check_data(&self, y: &[f64]) -> Result<(), SpectralError> {
        if y.len() != self.rows() {
            return Err(SpectralError::Shape {
                name: "y",
                len: y.len(),
                expected: self.rows(),
            });
        }
        Ok(())
    }
}

fn positive_finite(name: &'static str, value: f64) -> Result<(), SpectralError> {
    if value > 0.0 && value.is_finite() {
        Ok(())
    } else {
        Err(SpectralError::Value {
            name,
            value,
            need: "positive and finite",
        })
    }
}

/// The forward model `1/τ(ω_i) = Σ_j K(ω_i, Ω_j, T) x_j ΔΩ`, differentiable in the glue
/// function and the temperature (`kB T` in meV): the kernel is evaluated inside, so
/// `scattering_rate_pullback` also gives `∂(1/τ)/∂T`.
#[differentiable(wrt(glue, t))]
pub fn scattering_rate(
    glue: &[f64],
    t: f64,
    omega: &[f64],
    big_omega: &[f64],
    d_omega: f64,
) -> Vec<f64> {
    let mut y = vec![0.0; omega.len()];
    for i in 0..omega.len() {
        for j in 0..big_omega.len() {
            y[i] += shulga_kernel(omega[i], big_omega[j], t) * glue[j] * d_omega;
        }
    }
    y
}
