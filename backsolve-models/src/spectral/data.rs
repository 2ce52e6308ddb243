//! Synthetic datasets as in seed 003: glue functions as mixtures of 1 to 4 Gaussians on the
//! `Ω` grid, `y = A x + noise` with the noise's standard deviation `σ · max(A x)` per sample,
//! seeded, split 0.8 / 0.1 / 0.1; and the paper's out-of-distribution shapes.
//!
//! A Gaussian has its centre uniform in [20, 300] meV, its width (standard deviation) uniform in
//! [5, 50] meV and its height uniform in [0.1, 1].

use super::Operator;
use backsolve_core::SplitMix64;

/// The paper's noise levels `σ`.
pub const NOISE_LEVELS: [f64; 5] = [1e-5, 1e-4, 1e-3, 1e-2, 1e-1];

/// One sample: the glue function, its noise-free and its noisy scattering rate.
#[derive(Clone, Debug)]
pub struct Sample {
    /// `x` on the `Ω` grid.
    pub x: Vec<f64>,
    /// `A x`.
    pub clean: Vec<f64>,
    /// `A x + noise`.
    pub y: Vec<f64>,
    /// The noise's standard deviation `σ · max(A x)`.
    pub noise_std: f64,
}

/// A dataset split into training, validation and test samples.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// 80 %.
    pub train: Vec<Sample>,
    /// 10 %.
    pub validation: Vec<Sample>,
    /// 10 % (the rest).
    pub test: Vec<Sample>,
}

/// `Σ_k h_k exp(-(Ω - c_k)² / 2 w_k²)` on the grid.
pub fn gaussian_mixture(big_omega: &[f64], peaks: &[(f64, f64, f64)]) -> Vec<f64> {
    big_omega
        .iter()
        .map(|&w| {
            peaks
                .iter()
                .map(|&(h, c, s)| h * (-(w - c).powi(2) / (2.0 * s * s)).exp())
                .sum()
        })
        .collect()
}

/// A random mixture of 1 to 4 Gaussians.
pub fn random_glue(big_omega: &[f64], rng: &mut SplitMix64) -> Vec<f64> {
    let count = 1 + (rng.next_u64() % 4) as usize;
    let peaks: Vec<(f64, f64, f64)> = (0..count)
        .map(|_| {
            (
                rng.range(0.1, 1.0),
                rng.range(20.0, 300.0),
                rng.range(5.0, 50.0),
            )
        })
        .collect();
    gaussian_mixture(big_omega, &peaks)
}

/// The sample of glue function `x` with noise level `sigma`.
pub fn sample(op: &Operator, x: Vec<f64>, sigma: f64, rng: &mut SplitMix64) -> Sample {
    let clean = op.apply(&x);
    let noise_std = sigma * clean.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let y = clean.iter().map(|v| v + noise_std * rng.normal()).collect();
    Sample {
        x,
        clean,
        y,
        noise_std,
    }
}

/// `size` seeded samples at noise level `sigma`, split 0.8 / 0.1 / 0.1.
pub fn dataset(op: &Operator, size: usize, sigma: f64, seed: u64) -> Dataset {
    let mut rng = SplitMix64(seed);
    let mut all: Vec<Sample> = (0..size)
        .map(|_| {
            let x = random_glue(&op.big_omega, &mut rng);
            sample(op, x, sigma, &mut rng)
        })
        .collect();
    let n_train = size * 8 / 10;
    let n_val = size / 10;
    let test = all.split_off(n_train + n_val);
    let validation = all.split_off(n_train);
    Dataset {
        train: all,
        validation,
        test,
    }
}

/// The paper's out-of-distribution glue functions, by name: one broad Gaussian, square waves
/// of two heights and widths, a trapezoid and a triangle.
pub fn out_of_distribution(big_omega: &[f64]) -> Vec<(&'static str, Vec<f64>)> {
    let shape = |f: &dyn Fn(f64) -> f64| big_omega.iter().map(|&w| f(w)).collect::<Vec<f64>>();
    let window =
        |lo: f64, hi: f64, h: f64| move |w: f64| if (lo..=hi).contains(&w) { h } else { 0.0 };
    vec![
        (
            "broad gaussian",
            gaussian_mixture(big_omega, &[(0.6, 150.0, 90.0)]),
        ),
        ("square low wide", shape(&window(60.0, 260.0, 0.4))),
        ("square high narrow", shape(&window(100.0, 160.0, 1.0))),
        (
            "trapezoid",
            shape(&|w| (((w - 40.0) / 60.0).min((320.0 - w) / 60.0)).clamp(0.0, 1.0) * 0.7),
        ),
        (
            "triangle",
            shape(&|w| (1.0 - (w - 150.0).abs() / 100.0).max(0.0) * 0.8),
        ),
    ]
}
