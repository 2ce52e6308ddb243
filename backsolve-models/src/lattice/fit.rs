//! The reverse-modeling cost as an [`Objective`], fits from several starts, and the reverse Monte
//! Carlo baseline (McGreevy 2001) on the same cost: random single-atom moves, accepted when the
//! cost falls (or, at a positive temperature, with probability `exp(-Δ/T)`).
//!
//! Cost: `C = (1/P²) Σ_k (q_k - t_k)²` `+ w_S (1/S) Σ_s (q̄_s - t̄_s)²` (shell averages, the
//! radially averaged structure factor) `+ w_E Σ_{a<b} max(0, r_min² - r_ab²)²` (excluded
//! radius). The last two are optional (weights 0 by default).

use super::render::{excluded, excluded_pullback, misfit, misfit_pullback, Shells};
use super::{Geometry, LatticeError, Quantity};
use backsolve_core::c64;
use backsolve_core::faer::Mat;
use backsolve_core::inverse::{minimize, Method, Objective, Options, Progress, Report};
use backsolve_core::linalg;
use backsolve_core::SplitMix64;
use std::time::Instant;

/// The optional terms of the cost.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Constraints {
    /// Weight `w_S` of the shell-averaged (structure-factor) misfit.
    pub structure_factor: f64,
    /// Weight `w_E` of the excluded-radius penalty.
    pub excluded_weight: f64,
    /// The excluded radius `r_min`.
    pub excluded_radius: f64,
}

impl Default for Constraints {
    /// No extra terms.
    fn default() -> Self {
        Constraints {
            structure_factor: 0.0,
            excluded_weight: 0.0,
            excluded_radius: 0.0,
        }
    }
}

/// A target momentum-space image and everything needed to score candidates against it.
#[derive(Clone, Debug)]
pub struct ImageFit {
    /// Box, image and blur.
    pub geometry: Geometry,
    /// The target quantity, `P²` values.
    pub target: Vec<f64>,
    /// Optional cost terms.
    pub constraints: Constraints,
    /// Also fit `σ` (the last parameter) instead of holding it at `geometry.sigma`.
    pub fit_sigma: bool,
    shells: Shells,
    shell_target: Vec<f64>,
}

impl ImageFit {
    /// The fit of `target` (`P²` values of the geometry's quantity).
    pub fn new(
        geometry: Geometry,
        target: Vec<f64>,
        constraints: Constraints,
    ) -> Result<ImageFit, LatticeError> {
        geometry.check(&[0.0, 0.0], Some(&target))?;
        for (name, value) in [
            ("structure_factor", constraints.structure_factor),
            ("excluded_weight", constraints.excluded_weight),
            ("excluded_radius", constraints.excluded_radius),
        ] {
            if !(value >= 0.0 && value.is_finite()) {
                return Err(LatticeError::Value {
                    name,
                    value,
                    need: "non-negative and finite",
                });
            }
        }
        let shells = Shells::new(geometry.pixels);
        let shell_target = shells.average(&target);
        Ok(ImageFit {
            geometry,
            target,
            constraints,
            fit_sigma: false,
            shells,
            shell_target,
        })
    }

    /// The same target seen with a wider blur `sigma ≥ σ`: widening the peak-one Gaussians
    /// multiplies `F` by `(σ'/σ)² exp(-k²(σ'² - σ²)/2)`, so the wider target follows from the quantity alone
    /// (`|F|² = e^q - 1` for `ln(1 + |F|²)`). Fitting against wider blurs first smooths the
    /// cost landscape (only small `k` matter), the continuation of [`backsolve_continuation`].
    pub fn with_wider_blur(&self, sigma: f64) -> Result<ImageFit, LatticeError> {
        let g = self.geometry;
        if !(sigma >= g.sigma && sigma.is_finite()) {
            return Err(LatticeError::Value {
                name: "sigma",
                value: sigma,
                need: "at least the target's blur width",
            });
        }
        let p = g.pixels;
        let signed = |m: usize| {
            if m <= p / 2 {
                m as f64
            } else {
                m as f64 - p as f64
            }
        };
        let dk = 2.0 * std::f64::consts::PI / g.side;
        let target = self
            .target
            .iter()
            .enumerate()
            .map(|(k, &q)| {
                let k2 = dk * dk * (signed(k / p).powi(2) + signed(k % p).powi(2));
                // Peak-one Gaussians: F scales with σ² as well.
                let damping =
                    (sigma / g.sigma).powi(4) * (-k2 * (sigma * sigma - g.sigma * g.sigma)).exp();
                match g.quantity {
                    Quantity::LogPower => (q.exp_m1() * damping).ln_1p(),
                    Quantity::Power => q * damping,
                }
            })
            .collect();
        let wider = Geometry { sigma, ..g };
        let mut fit = ImageFit::new(wider, target, self.constraints)?;
        fit.fit_sigma = self.fit_sigma;
        Ok(fit)
    }

    /// The parameter vector of `positions` (with `σ` appended when it is fitted).
    pub fn parameters(&self, positions: &[f64]) -> Vec<f64> {
        let mut x = positions.to_vec();
        if self.fit_sigma {
            x.push(self.geometry.sigma);
        }
        x
    }

    /// Positions and `σ` of a parameter vector. The image depends on `σ²` only, so a fitted
    /// width may cross zero; the width is the parameter's magnitude.
    pub fn split<'a>(&self, x: &'a [f64]) -> (&'a [f64], f64) {
        if self.fit_sigma {
            (&x[..x.len() - 1], x[x.len() - 1].abs())
        } else {
            (x, self.geometry.sigma)
        }
    }

    /// The cost of `positions` at width `sigma`.
    pub fn cost(&self, positions: &[f64], sigma: f64) -> f64 {
        let g = &self.geometry;
        let c = &self.constraints;
        let mut cost = misfit(
            positions,
            sigma,
            g.side,
            g.pixels,
            g.quantity == Quantity::LogPower,
            &self.target,
            &self.shells.of,
            &self.shell_target,
            c.structure_factor,
        );
        if c.excluded_weight > 0.0 {
            cost += c.excluded_weight * excluded(positions, g.side, c.excluded_radius);
        }
        cost
    }

    /// The image misfit alone (no optional terms) of a parameter vector (positions, then `σ`
    /// if fitted): what the demo reports.
    pub fn image_misfit(&self, x: &[f64]) -> f64 {
        let bare = ImageFit {
            constraints: Constraints::default(),
            ..self.clone()
        };
        let (positions, sigma) = self.split(x);
        bare.cost(positions, sigma)
    }

    /// Cost and its gradient with respect to the positions and `σ`.
    fn cost_and_gradient(&self, positions: &[f64], sigma: f64) -> (f64, Vec<f64>, f64) {
        let g = &self.geometry;
        let c = &self.constraints;
        let mut d_pos = vec![0.0; positions.len()];
        let mut d_sigma = 0.0;
        let mut cost = misfit_pullback(
            positions,
            sigma,
            g.side,
            g.pixels,
            g.quantity == Quantity::LogPower,
            &self.target,
            &self.shells.of,
            &self.shell_target,
            c.structure_factor,
            1.0,
            &mut d_pos,
            &mut d_sigma,
        );
        if c.excluded_weight > 0.0 {
            cost += excluded_pullback(
                positions,
                g.side,
                c.excluded_radius,
                c.excluded_weight,
                &mut d_pos,
            );
        }
        (cost, d_pos, d_sigma)
    }
}

impl Objective for ImageFit {
    fn value_and_gradient(&mut self, x: &[f64]) -> (f64, Vec<f64>) {
        let (positions, sigma) = self.split(x);
        let (cost, mut grad, d_sigma) = self.cost_and_gradient(positions, sigma);
        if self.fit_sigma {
            grad.push(d_sigma * x[x.len() - 1].signum());
        }
        (cost, grad)
    }

    fn value(&mut self, x: &[f64]) -> f64 {
        let (positions, sigma) = self.split(x);
        self.cost(positions, sigma)
    }
}

/// One backsolution fit with its cost against wall time.
#[derive(Clone, Debug)]
pub struct Fitted {
    /// The optimizer's report (`x` holds the positions, then `σ` if fitted).
    pub report: Report,
    /// `(seconds, cost)` after every epoch, the start at 0.
    pub trace: Vec<(f64, f64)>,
}

/// L-BFGS from `start` (positions), observing every epoch with `observe(epoch, cost)`.
pub fn backsolve_positions(
    fit: &ImageFit,
    start: &[f64],
    opts: &Options,
    observe: &mut dyn FnMut(usize, f64),
) -> Result<Fitted, LatticeError> {
    fit.geometry.check(start, None)?;
    let mut obj = fit.clone();
    let x0 = fit.parameters(start);
    let clock = Instant::now();
    let mut trace = vec![(0.0, obj.value(&x0))];
    let report = minimize(
        &mut obj,
        x0,
        &Method::Lbfgs { memory: 10 },
        opts,
        &mut |p: &Progress| {
            trace.push((clock.elapsed().as_secs_f64(), p.cost));
            observe(p.epoch, p.cost);
            true
        },
    );
    Ok(Fitted { report, trace })
}

/// Backsolution by continuation in the blur: L-BFGS against the target re-blurred to each width
/// of `widths` in turn (decreasing, see [`ImageFit::with_wider_blur`]), then against the target
/// itself, each stage starting where the last ended; `observe(stage, epoch, cost)`. The trace
/// joins the stages' (the costs of different stages are not comparable; the last stage's are).
pub fn backsolve_continuation(
    fit: &ImageFit,
    start: &[f64],
    widths: &[f64],
    opts: &Options,
    observe: &mut dyn FnMut(usize, usize, f64),
) -> Result<Fitted, LatticeError> {
    let clock = Instant::now();
    let mut positions = start.to_vec();
    let mut trace = vec![(0.0, fit.cost(start, fit.geometry.sigma))];
    let mut stages: Vec<ImageFit> = widths
        .iter()
        .map(|&w| fit.with_wider_blur(w))
        .collect::<Result<_, _>>()?;
    stages.push(fit.clone());
    let last = stages.len() - 1;
    let mut report = None;
    for (i, stage) in stages.iter().enumerate() {
        let offset = clock.elapsed().as_secs_f64();
        let done = backsolve_positions(stage, &positions, opts, &mut |e, c| observe(i, e, c))?;
        positions = stage.split(&done.report.x).0.to_vec();
        if i == last {
            trace.extend(done.trace.iter().map(|(t, c)| (t + offset, *c)));
            report = Some(done.report);
        } else {
            // Earlier stages are shown at the final target's cost of their result.
            trace.push((
                clock.elapsed().as_secs_f64(),
                fit.cost(&positions, fit.geometry.sigma),
            ));
        }
    }
    Ok(Fitted {
        report: report.expect("the last stage ran"),
        trace,
    })
}

/// Settings of [`reverse_monte_carlo`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RmcOptions {
    /// Largest displacement per coordinate of a move (uniform in `[-step, step]`).
    pub step: f64,
    /// Temperature `T` of the acceptance `exp(-Δ/T)`; 0 accepts only improvements.
    pub temperature: f64,
    /// Seed of the moves.
    pub seed: u64,
    /// Stop after this many moves...
    pub max_moves: usize,
    /// ... or after this many seconds, whichever comes first.
    pub max_seconds: f64,
}

/// The result of [`reverse_monte_carlo`].
#[derive(Clone, Debug)]
pub struct RmcResult {
    /// Final positions.
    pub positions: Vec<f64>,
    /// Their cost.
    pub cost: f64,
    /// Moves tried and accepted.
    pub moves: usize,
    /// Moves accepted.
    pub accepted: usize,
    /// `(seconds, cost)` every 100 moves, the start at 0.
    pub trace: Vec<(f64, f64)>,
}

/// The rendering state RMC updates one atom at a time: `ρ = G_x G_y` changes by a rank-one term
/// when atom `a` moves, so a move costs `O(P²)` plus one FFT instead of a full render.
struct Incremental {
    gx: Mat<f64>,
    gy: Mat<f64>,
    image: Mat<f64>,
}

impl Incremental {
    fn new(positions: &[f64], g: &Geometry) -> Incremental {
        let atoms = positions.len() / 2;
        let mut gx = Mat::<f64>::zeros(g.pixels, atoms);
        let mut gy = Mat::<f64>::zeros(atoms, g.pixels);
        for a in 0..atoms {
            let (cx, cy) = profiles(positions[2 * a], positions[2 * a + 1], g);
            for i in 0..g.pixels {
                gx[(i, a)] = cx[i];
                gy[(a, i)] = cy[i];
            }
        }
        let image = linalg::matmul(&gx, &gy);
        Incremental { gx, gy, image }
    }

    /// The image with atom `a` at `(x, y)` instead, and its new profiles.
    fn moved(&self, a: usize, x: f64, y: f64, g: &Geometry) -> (Mat<f64>, Vec<f64>, Vec<f64>) {
        let (cx, cy) = profiles(x, y, g);
        let p = g.pixels;
        let image = Mat::from_fn(p, p, |i, j| {
            self.image[(i, j)] - self.gx[(i, a)] * self.gy[(a, j)] + cx[i] * cy[j]
        });
        (image, cx, cy)
    }

    fn accept(&mut self, a: usize, image: Mat<f64>, cx: &[f64], cy: &[f64]) {
        for i in 0..cx.len() {
            self.gx[(i, a)] = cx[i];
            self.gy[(a, i)] = cy[i];
        }
        self.image = image;
    }
}

/// The Gaussian profiles of one atom along x and y (the renderer's factors).
fn profiles(x: f64, y: f64, g: &Geometry) -> (Vec<f64>, Vec<f64>) {
    let h = g.spacing();
    let profile = |c: f64| {
        (0..g.pixels)
            .map(|i| {
                let d = i as f64 * h - c;
                let w = d - g.side * (d / g.side).round();
                (-(w * w) / (2.0 * g.sigma * g.sigma)).exp()
            })
            .collect::<Vec<f64>>()
    };
    (profile(x), profile(y))
}

/// The cost of a real-space image (the same terms as [`ImageFit::cost`] without the excluded
/// radius, which RMC adds pair by pair).
fn image_cost(fit: &ImageFit, image: &Mat<f64>, atoms: usize) -> f64 {
    let g = &fit.geometry;
    let p = g.pixels;
    let z: Vec<c64> = (0..p * p)
        .map(|k| c64::new(image[(k / p, k % p)], 0.0))
        .collect();
    let scale = (p * p * atoms) as f64;
    let q: Vec<f64> = linalg::fft2(&z, p, p)
        .iter()
        .map(|f| match g.quantity {
            Quantity::LogPower => f.norm_sqr().ln_1p(),
            Quantity::Power => f.norm_sqr() / scale,
        })
        .collect();
    let p2 = (p * p) as f64;
    let mut cost: f64 = q
        .iter()
        .zip(&fit.target)
        .map(|(a, b)| (a - b).powi(2) / p2)
        .sum();
    let w = fit.constraints.structure_factor;
    if w > 0.0 {
        let shells = fit.shells.average(&q);
        let n = shells.len() as f64;
        cost += shells
            .iter()
            .zip(&fit.shell_target)
            .map(|(a, b)| w * (a - b).powi(2) / n)
            .sum::<f64>();
    }
    cost
}

/// The excluded-radius penalty of atom `a`'s pairs with `(x, y)` standing for its position.
fn excluded_of_atom(positions: &[f64], a: usize, x: f64, y: f64, fit: &ImageFit) -> f64 {
    let c = &fit.constraints;
    if c.excluded_weight == 0.0 {
        return 0.0;
    }
    let side = fit.geometry.side;
    let wrap = |d: f64| d - side * (d / side).round();
    let r2min = c.excluded_radius * c.excluded_radius;
    (0..positions.len() / 2)
        .filter(|&b| b != a)
        .map(|b| {
            let (dx, dy) = (wrap(x - positions[2 * b]), wrap(y - positions[2 * b + 1]));
            let overlap = r2min - (dx * dx + dy * dy);
            if overlap > 0.0 {
                c.excluded_weight * overlap * overlap
            } else {
                0.0
            }
        })
        .sum()
}

/// Reverse Monte Carlo from `start` on `fit`'s cost (at the geometry's `σ`).
pub fn reverse_monte_carlo(
    fit: &ImageFit,
    start: &[f64],
    opts: &RmcOptions,
) -> Result<RmcResult, LatticeError> {
    fit.geometry.check(start, None)?;
    let valid = |v: f64, floor_ok: bool| v.is_finite() && (v > 0.0 || (floor_ok && v == 0.0));
    if !valid(opts.step, false) {
        return Err(LatticeError::Value {
            name: "step",
            value: opts.step,
            need: "positive and finite",
        });
    }
    if !valid(opts.temperature, true) {
        return Err(LatticeError::Value {
            name: "temperature",
            value: opts.temperature,
            need: "non-negative and finite",
        });
    }
    let g = fit.geometry;
    let atoms = start.len() / 2;
    let mut positions = start.to_vec();
    let mut state = Incremental::new(&positions, &g);
    // The two parts of the cost, updated separately: the image part by a rank-one change and
    // one FFT, the excluded-radius part by the moved atom's pairs.
    let mut pairs = excluded_total(fit, &positions);
    let mut cost = image_cost(fit, &state.image, atoms) + pairs;
    let mut rng = SplitMix64(opts.seed);
    let clock = Instant::now();
    let mut trace = vec![(0.0, cost)];
    let (mut moves, mut accepted) = (0, 0);
    while moves < opts.max_moves && clock.elapsed().as_secs_f64() < opts.max_seconds {
        moves += 1;
        let a = (rng.next_u64() % atoms as u64) as usize;
        let x = (positions[2 * a] + rng.range(-opts.step, opts.step)).rem_euclid(g.side);
        let y = (positions[2 * a + 1] + rng.range(-opts.step, opts.step)).rem_euclid(g.side);
        let (image, cx, cy) = state.moved(a, x, y, &g);
        let (old_x, old_y) = (positions[2 * a], positions[2 * a + 1]);
        let trial_pairs = pairs - excluded_of_atom(&positions, a, old_x, old_y, fit)
            + excluded_of_atom(&positions, a, x, y, fit);
        let trial = image_cost(fit, &image, atoms) + trial_pairs;
        let delta = trial - cost;
        let take = delta < 0.0
            || (opts.temperature > 0.0 && rng.uniform() < (-delta / opts.temperature).exp());
        if take {
            positions[2 * a] = x;
            positions[2 * a + 1] = y;
            state.accept(a, image, &cx, &cy);
            cost = trial;
            pairs = trial_pairs;
            accepted += 1;
        }
        if moves % 100 == 0 {
            trace.push((clock.elapsed().as_secs_f64(), cost));
        }
    }
    // The incremental image drifts by rounding only; report the exact cost of the result.
    let cost = fit.cost(&positions, g.sigma);
    trace.push((clock.elapsed().as_secs_f64(), cost));
    Ok(RmcResult {
        positions,
        cost,
        moves,
        accepted,
        trace,
    })
}

/// The weighted excluded-radius penalty of all pairs.
fn excluded_total(fit: &ImageFit, positions: &[f64]) -> f64 {
    let c = &fit.constraints;
    if c.excluded_weight == 0.0 {
        0.0
    } else {
        c.excluded_weight * excluded(positions, fit.geometry.side, c.excluded_radius)
    }
}
