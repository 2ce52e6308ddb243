//! The differentiable renderer (seed 000, section V): atom `a` at `(X_a, Y_a)` contributes
//! `exp(-(dx² + dy²) / 2σ²)` to pixel `(i, j)` at `(i h, j h)`, `h = L / P`, with `dx`, `dy`
//! the minimum-image separations in the periodic box. The Gaussian factorizes, so the image is
//! the product `ρ = G_x G_y` of a `P x N` and an `N x P` matrix; then `F = fft2(ρ)` and the
//! quantity `q = ln(1 + |F|²)` (or `|F|² / (P² N)`) per pixel. All of it is `#[differentiable]`:
//! the macro writes the gradients with respect to the positions and `σ`.

use super::{Geometry, LatticeError, Quantity};
use backsolve_core::c64;
use backsolve_core::faer::Mat;
use backsolve_core::linalg;
use backsolve_macros::differentiable;

/// The `P x P` real-space image of atoms at `positions` (`[x0, y0, x1, y1, ..]`), row `i` at
/// `x = i h`, column `j` at `y = j h`. Generates `render_pullback` (positions and `σ`).
#[differentiable(wrt(positions, sigma), split)]
pub fn render(positions: &[f64], sigma: f64, side: f64, pixels: usize) -> Mat<f64> {
    let atoms = positions.len() / 2;
    let h = side / pixels as f64;
    let mut gx = Mat::<f64>::zeros(pixels, atoms);
    let mut gy = Mat::<f64>::zeros(atoms, pixels);
    for a in 0..atoms {
        for i in 0..pixels {
            // Minimum image: the nearest periodic copy of the atom (σ <= L/4).
            let dx = i as f64 * h - positions[2 * a];
            let wx = dx - side * (dx / side).round();
            gx[(i, a)] = (-(wx * wx) / (2.0 * sigma * sigma)).exp();
            let dy = i as f64 * h - positions[2 * a + 1];
            let wy = dy - side * (dy / side).round();
            gy[(a, i)] = (-(wy * wy) / (2.0 * sigma * sigma)).exp();
        }
    }
    linalg::matmul(&gx, &gy)
}

/// The momentum-space quantity of the atoms' image, `P²` values in row-major order:
/// `ln(1 + |F|²)` if `log_power`, else `|F|² / (P² N)`. Generates `quantity_pullback`.
#[differentiable(wrt(positions, sigma), split)]
pub fn quantity(
    positions: &[f64],
    sigma: f64,
    side: f64,
    pixels: usize,
    log_power: bool,
) -> Vec<f64> {
    let image = render(positions, sigma, side, pixels);
    let mut z = vec![c64::new(0.0, 0.0); pixels * pixels];
    for i in 0..pixels {
        for j in 0..pixels {
            z[i * pixels + j] = c64::new(image[(i, j)], 0.0);
        }
    }
    let f = linalg::fft2(&z, pixels, pixels);
    let scale = (pixels * pixels * positions.len() / 2) as f64;
    let mut q = vec![0.0; pixels * pixels];
    for k in 0..pixels * pixels {
        let power = f[k].norm_sqr();
        if log_power {
            q[k] = (power + 1.0).ln();
        } else {
            q[k] = power / scale;
        }
    }
    q
}

/// The image misfit `(1/P²) Σ_k (q_k - t_k)²` plus `shell_weight` times the misfit of the
/// shell averages (the radially averaged structure factor, [`Shells`]) against
/// `shell_target`. Generates `misfit_pullback`.
#[differentiable(wrt(positions, sigma))]
#[allow(clippy::too_many_arguments)] // the generated pullback mirrors the signature
pub fn misfit(
    positions: &[f64],
    sigma: f64,
    side: f64,
    pixels: usize,
    log_power: bool,
    target: &[f64],
    shell_of: &[usize],
    shell_target: &[f64],
    shell_weight: f64,
) -> f64 {
    let q = quantity(positions, sigma, side, pixels, log_power);
    let p2 = pixels * pixels;
    let mut cost = 0.0;
    let mut shells = vec![0.0; shell_target.len()];
    let mut counts = vec![0.0; shell_target.len()];
    for k in 0..p2 {
        let r = q[k] - target[k];
        cost += r * r / p2 as f64;
        shells[shell_of[k]] += q[k];
        counts[shell_of[k]] += 1.0;
    }
    for s in 0..shell_target.len() {
        let r = shells[s] / counts[s] - shell_target[s];
        cost += shell_weight * r * r / shell_target.len() as f64;
    }
    cost
}

/// The excluded-radius penalty `Σ_{a<b} (r_min² - r_ab²)²` over pairs closer than `r_min`
/// (minimum-image distances; smooth at `r_ab = r_min`). Generates `excluded_pullback`.
#[differentiable(wrt(positions))]
pub fn excluded(positions: &[f64], side: f64, r_min: f64) -> f64 {
    let atoms = positions.len() / 2;
    let mut penalty = 0.0;
    for a in 0..atoms {
        for b in 0..a {
            let dx0 = positions[2 * a] - positions[2 * b];
            let dx = dx0 - side * (dx0 / side).round();
            let dy0 = positions[2 * a + 1] - positions[2 * b + 1];
            let dy = dy0 - side * (dy0 / side).round();
            let overlap = r_min * r_min - (dx * dx + dy * dy);
            if overlap > 0.0 {
                penalty += overlap * overlap;
            }
        }
    }
    penalty
}

/// Pixels of the momentum-space image grouped into shells of equal `|k|` (width one reciprocal
/// pixel `2π/L`), the bins of the radially averaged structure factor.
#[derive(Clone, Debug, PartialEq)]
pub struct Shells {
    /// The shell of each pixel, row-major.
    pub of: Vec<usize>,
    /// Number of shells.
    pub count: usize,
}

impl Shells {
    /// The shells of a `P x P` FFT: frequency index `m` stands for `m` or `m - P`, whichever is
    /// smaller in magnitude; shell `round(|(m, n)|)`.
    pub fn new(pixels: usize) -> Shells {
        let signed = |m: usize| {
            if m <= pixels / 2 {
                m as f64
            } else {
                m as f64 - pixels as f64
            }
        };
        let of: Vec<usize> = (0..pixels * pixels)
            .map(|k| signed(k / pixels).hypot(signed(k % pixels)).round() as usize)
            .collect();
        let count = of.iter().max().map_or(0, |m| m + 1);
        Shells { of, count }
    }

    /// Shell averages of a quantity `q` (`P²` values).
    pub fn average(&self, q: &[f64]) -> Vec<f64> {
        let mut sums = vec![0.0; self.count];
        let mut counts = vec![0.0; self.count];
        for (k, &s) in self.of.iter().enumerate() {
            sums[s] += q[k];
            counts[s] += 1.0;
        }
        sums.iter().zip(&counts).map(|(s, c)| s / c).collect()
    }
}

/// The quantity of `positions` under `geometry`, checked.
pub fn momentum_image(geometry: &Geometry, positions: &[f64]) -> Result<Vec<f64>, LatticeError> {
    geometry.check(positions, None)?;
    Ok(quantity(
        positions,
        geometry.sigma,
        geometry.side,
        geometry.pixels,
        geometry.quantity == Quantity::LogPower,
    ))
}

/// The real-space image of `positions` under `geometry` (row-major `P²` values), checked.
pub fn real_image(geometry: &Geometry, positions: &[f64]) -> Result<Vec<f64>, LatticeError> {
    geometry.check(positions, None)?;
    let m = render(positions, geometry.sigma, geometry.side, geometry.pixels);
    let p = geometry.pixels;
    Ok((0..p * p).map(|k| m[(k / p, k % p)]).collect())
}
