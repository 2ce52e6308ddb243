//! `backsolve demo lattice` (seed 000, section V, Fig. 5): a hidden displaced triangular
//! lattice, its momentum-space image as the only data, candidate configurations by backsolution
//! from several slightly displaced lattices, their `g(r)` against the truth's, and reverse Monte
//! Carlo from the same start for three times the wall time of one backsolution fit.

use super::output::{write_json, write_npy};
use super::plot::{
    transpose, write_curves, write_panels, write_points, write_xy_curves, Axes, Heat, HeatAxis,
    Panel, YAxis,
};
use super::progress::Progress;
use backsolve::inverse::Options;
use backsolve::models::lattice::fit::{
    backsolve_continuation, reverse_monte_carlo, Constraints, Fitted, ImageFit, RmcOptions,
};
use backsolve::models::lattice::render::{momentum_image, real_image};
use backsolve::models::lattice::structure::{
    displaced, g_distance, pair_distribution, triangular, Bins,
};
use backsolve::models::lattice::{Geometry, LatticeError, Quantity};
use backsolve::SplitMix64;
use plotters::style::RGBColor;
use rayon::prelude::*;
use std::path::Path;

/// Settings of `demo lattice`.
pub struct Settings {
    /// Seed of the truth; candidate `c` starts from seed `seed + 1 + c`.
    pub seed: u64,
    /// Lattice columns and rows (rows even).
    pub columns: usize,
    /// See `columns`.
    pub rows: usize,
    /// Standard deviation of the truth's displacements (lattice units).
    pub disorder: f64,
    /// Standard deviation of the starts' displacements.
    pub start_disorder: f64,
    /// Number of candidates (starts).
    pub candidates: usize,
    /// Box, image and blur (the truth's).
    pub geometry: Geometry,
    /// Fit `σ` too, starting from this width (the truth's `σ` is then unknown to the fit).
    pub sigma_start: Option<f64>,
    /// Optional cost terms.
    pub constraints: Constraints,
    /// Epoch limit per continuation stage.
    pub max_epochs: usize,
    /// Fit through the wider blurs of [`CONTINUATION`] first.
    pub continuation: bool,
}

/// The blur widths of the continuation, before the target's own.
const CONTINUATION: [f64; 3] = [0.6, 0.45, 0.35];
/// Reverse Monte Carlo runs this many times one backsolution fit's wall time; its misfit is
/// reported at the same time as backsolution's and at the end.
const RMC_TIME_FACTOR: f64 = 3.0;
/// Largest `--pixels`: a fit holds about 20 complex images of pixels² values.
const MAX_PIXELS: usize = 1_024;
/// Reverse Monte Carlo's move size (lattice units).
const RMC_STEP: f64 = 0.05;
/// Width of the `g(r)` bins and of their smearing.
const G_BIN: f64 = 0.05;

const TRUTH: RGBColor = RGBColor(0, 0, 0);
const START: RGBColor = RGBColor(200, 120, 0);
const FITTED: RGBColor = RGBColor(30, 90, 220);
const RMC: RGBColor = RGBColor(200, 30, 30);
const SIBLING: RGBColor = RGBColor(150, 150, 150);

/// What the run measured.
#[derive(serde::Serialize)]
struct Summary {
    atoms: usize,
    side: f64,
    pixels: usize,
    sigma: f64,
    disorder: f64,
    start_disorder: f64,
    initial_misfit: Vec<f64>,
    fitted_misfit: Vec<f64>,
    fit_sigma: bool,
    fitted_sigma: Vec<f64>,
    fit_seconds: Vec<f64>,
    g_distance_start: Vec<f64>,
    g_distance_fitted: Vec<f64>,
    g_distance_sibling: f64,
    rmc_misfit_same_time: f64,
    rmc_misfit: f64,
    rmc_g_distance: f64,
    rmc_moves: usize,
    rmc_accepted: usize,
    rmc_seconds: f64,
}

fn check(s: &Settings) -> Result<(), String> {
    if s.columns < 2 || s.rows < 2 || !s.rows.is_multiple_of(2) {
        return Err(format!(
            "--rows must be even and both --columns and --rows at least 2, got {} x {}",
            s.columns, s.rows
        ));
    }
    super::at_least("--candidates", s.candidates, 1)?;
    super::at_least("--max-epochs", s.max_epochs, 1)?;
    super::at_most(
        "--candidates",
        s.candidates,
        64,
        "each candidate is a whole fit",
    )?;
    super::at_most(
        "--pixels",
        s.geometry.pixels,
        MAX_PIXELS,
        "a fit holds about 20 images of pixels² complex values",
    )?;
    super::at_most(
        "--columns x --rows",
        s.columns * s.rows,
        10_000,
        "atoms per image",
    )?;
    for (name, v) in [
        ("--disorder", s.disorder),
        ("--start-disorder", s.start_disorder),
    ] {
        if !(v >= 0.0 && v.is_finite()) {
            return Err(format!("{name} must be non-negative, got {v}"));
        }
    }
    if let Some(start) = s.sigma_start {
        if !(start > 0.0 && start <= 0.25 * s.geometry.side) {
            return Err(format!(
                "--fit-sigma must be a positive width up to a quarter of the box, got {start}"
            ));
        }
    }
    s.geometry.validate().map_err(|e| e.to_string())
}

/// Run `demo lattice` into `out`.
pub fn run(s: &Settings, out: &Path) -> Result<(), String> {
    check(s)?;
    let stage = super::output::Staging::new(out)?;
    let (final_out, out) = (out, stage.path());
    let err = |e: LatticeError| e.to_string();
    let g = s.geometry;
    let base = triangular(s.columns, s.rows, g.side).map_err(err)?;
    let mut rng = SplitMix64(s.seed);
    let truth = displaced(&base, s.disorder, g.side, &mut rng);
    // Another sample of the truth's distribution: the scale of "close" for g(r).
    let sibling = displaced(&base, s.disorder, g.side, &mut rng);
    let target = momentum_image(&g, &truth).map_err(err)?;
    let assumed = Geometry {
        sigma: s.sigma_start.unwrap_or(g.sigma),
        ..g
    };
    let mut fit = ImageFit::new(assumed, target, s.constraints).map_err(err)?;
    fit.fit_sigma = s.sigma_start.is_some();
    let starts: Vec<Vec<f64>> = (0..s.candidates as u64)
        .map(|c| {
            displaced(
                &base,
                s.start_disorder,
                g.side,
                &mut SplitMix64(s.seed + 1 + c),
            )
        })
        .collect();

    let stages = if s.continuation {
        CONTINUATION.iter().filter(|&&w| w > assumed.sigma).count() + 1
    } else {
        1
    };
    // CONTINUATION is decreasing: the widths above σ are its first `stages - 1`.
    let widths = &CONTINUATION[..stages - 1];
    let opts = Options {
        max_epochs: s.max_epochs,
        ..Options::default()
    };
    let bar = Progress::new(
        "lattice fits",
        s.candidates * stages * s.max_epochs,
        "epochs",
    );
    // The first candidate alone, so that its wall time is RMC's budget on an idle machine.
    let first = fit_one(&fit, &starts[0], widths, &opts, &bar)?;
    bar.set_message("reverse Monte Carlo (same wall time)".to_string());
    let budget = first.trace.last().map_or(1.0, |t| t.0);
    let rmc = reverse_monte_carlo(
        &fit,
        &starts[0],
        &RmcOptions {
            step: RMC_STEP,
            temperature: 0.0,
            seed: s.seed,
            max_moves: usize::MAX,
            max_seconds: RMC_TIME_FACTOR * budget,
        },
    )
    .map_err(err)?;
    let rest = starts[1..]
        .par_iter()
        .map(|start| fit_one(&fit, start, widths, &opts, &bar))
        .collect::<Result<Vec<Fitted>, String>>()?;
    bar.finish();
    let fitted: Vec<Fitted> = std::iter::once(first).chain(rest).collect();
    let atoms_of = |f: &Fitted| fit.split(&f.report.x).0.to_vec();
    let candidates: Vec<Vec<f64>> = fitted.iter().map(atoms_of).collect();

    let bins = Bins::up_to_half_box(g.side, G_BIN);
    let g_of = |p: &[f64]| pair_distribution(p, g.side, bins);
    let g_truth = g_of(&truth);
    let distance = |p: &[f64]| g_distance(&g_of(p), &g_truth);
    let summary = Summary {
        atoms: truth.len() / 2,
        side: g.side,
        pixels: g.pixels,
        sigma: g.sigma,
        disorder: s.disorder,
        start_disorder: s.start_disorder,
        initial_misfit: starts
            .iter()
            .map(|p| fit.image_misfit(&fit.parameters(p)))
            .collect(),
        fit_sigma: fit.fit_sigma,
        fitted_misfit: fitted
            .iter()
            .map(|f| fit.image_misfit(&f.report.x))
            .collect(),
        fitted_sigma: fitted.iter().map(|f| fit.split(&f.report.x).1).collect(),
        fit_seconds: fitted
            .iter()
            .map(|f| f.trace.last().map_or(0.0, |t| t.0))
            .collect(),
        g_distance_start: starts.iter().map(|p| distance(p)).collect(),
        g_distance_fitted: candidates.iter().map(|p| distance(p)).collect(),
        g_distance_sibling: distance(&sibling),
        rmc_misfit_same_time: rmc
            .trace
            .iter()
            .take_while(|t| t.0 <= budget)
            .last()
            .map_or(f64::NAN, |t| t.1),
        rmc_misfit: fit.image_misfit(&fit.parameters(&rmc.positions)),
        rmc_g_distance: distance(&rmc.positions),
        rmc_moves: rmc.moves,
        rmc_accepted: rmc.accepted,
        rmc_seconds: rmc.trace.last().map_or(0.0, |t| t.0),
    };

    let configurations = [&truth, &starts[0], &candidates[0], &rmc.positions];
    write_images(out, &g, &configurations)?;
    write_points(
        &out.join("configurations.png"),
        g.side,
        &[
            ("truth", vec![(truth.as_slice(), TRUTH)]),
            ("start", vec![(starts[0].as_slice(), START)]),
            ("backsolution", vec![(candidates[0].as_slice(), FITTED)]),
            ("reverse Monte Carlo", vec![(rmc.positions.as_slice(), RMC)]),
        ],
    )?;
    let mut curves: Vec<(Vec<f64>, RGBColor, &str)> = vec![
        (g_of(&sibling), SIBLING, "another truth-like sample"),
        (g_of(&starts[0]), START, "start"),
        (g_of(&rmc.positions), RMC, "reverse Monte Carlo"),
    ];
    curves.extend(
        candidates
            .iter()
            .enumerate()
            .map(|(k, p)| (g_of(p), FITTED, if k == 0 { "candidates" } else { "" })),
    );
    curves.push((g_truth.clone(), TRUTH, "truth"));
    let borrowed: Vec<(&[f64], RGBColor, &str)> = curves
        .iter()
        .map(|(c, k, n)| (c.as_slice(), *k, *n))
        .collect();
    let axes = Axes {
        x: "r (lattice units)",
        y: "g(r)",
        scale: YAxis::Linear,
    };
    write_curves(&out.join("g_r.png"), &bins.centres(), &borrowed, axes)?;
    let axes = Axes {
        x: "wall time (s)",
        y: "cost (image misfit)",
        scale: YAxis::Log,
    };
    write_xy_curves(
        &out.join("rmc_vs_backsolution.png"),
        &[
            (&fitted[0].trace, FITTED, "backsolution"),
            (&rmc.trace, RMC, "reverse Monte Carlo"),
        ],
        axes,
    )?;
    let atoms = truth.len() / 2;
    write_npy(&out.join("truth.npy"), &truth, &[atoms as u64, 2])?;
    let flat: Vec<f64> = candidates.concat();
    write_npy(
        &out.join("candidates.npy"),
        &flat,
        &[candidates.len() as u64, atoms as u64, 2],
    )?;
    write_npy(&out.join("rmc.npy"), &rmc.positions, &[atoms as u64, 2])?;
    write_json(&out.join("summary.json"), &summary)?;
    stage.commit()?;
    report(&summary, final_out);
    Ok(())
}

/// One candidate by continuation, counting epochs on `bar` (a stage that stops early leaves
/// its remaining epochs uncounted until the end).
fn fit_one(
    fit: &ImageFit,
    start: &[f64],
    widths: &[f64],
    opts: &Options,
    bar: &Progress,
) -> Result<Fitted, String> {
    let mut last = (usize::MAX, 0);
    let done = backsolve_continuation(fit, start, widths, opts, &mut |stage, epoch, cost| {
        if stage != last.0 {
            last = (stage, 0);
        }
        bar.inc(epoch - last.1);
        last.1 = epoch;
        bar.set_message(format!("stage {} cost {cost:.3e}", stage + 1));
    })
    .map_err(|e| e.to_string())?;
    Ok(done)
}

/// `real_space.png` and `momentum.png`: truth | start | fitted | RMC, the momentum images
/// (`ln(1 + |F|²)`) with `k = 0` in the centre.
fn write_images(out: &Path, g: &Geometry, configurations: &[&Vec<f64>]) -> Result<(), String> {
    let p = g.pixels;
    let centred = |q: Vec<f64>| -> Vec<f64> {
        (0..p * p)
            .map(|k| {
                let (i, j) = ((k / p + p / 2) % p, (k % p + p / 2) % p);
                q[i * p + j]
            })
            .collect()
    };
    let err = |e: LatticeError| e.to_string();
    let mut real = Vec::new();
    let mut momentum = Vec::new();
    for positions in configurations {
        real.push(real_image(g, positions).map_err(err)?);
        momentum.push(centred(momentum_image(g, positions).map_err(err)?));
    }
    let titles = ["truth", "start", "backsolution", "reverse Monte Carlo"];
    let h = g.spacing();
    let real_axes = Heat {
        x: HeatAxis {
            name: "x (lattice units)",
            first: 0.0,
            last: (p - 1) as f64 * h,
        },
        y: HeatAxis {
            name: "y (lattice units)",
            first: 0.0,
            last: (p - 1) as f64 * h,
        },
        colour: "blurred density",
        missing: None,
    };
    let k_axes = momentum_axes(g, g.quantity);
    for (file, images, heat) in [
        ("real_space.png", &real, &real_axes),
        ("momentum.png", &momentum, &k_axes),
    ] {
        // Rows of the images are x: transposed, x runs horizontally as in the configurations.
        let drawn: Vec<Vec<f64>> = images.iter().map(|v| transpose(v, p, p)).collect();
        let panels: Vec<Panel> = drawn
            .iter()
            .zip(titles)
            .map(|(values, title)| Panel::new(values, p, p, title))
            .collect();
        write_panels(&out.join(file), &panels, heat)?;
    }
    Ok(())
}

/// The axes of a momentum image with `k = 0` in the centre: `k = (i - P/2) 2π/L`.
pub fn momentum_axes(g: &Geometry, quantity: Quantity) -> Heat<'static> {
    let p = g.pixels as f64;
    let dk = 2.0 * std::f64::consts::PI / g.side;
    let axis = |name| HeatAxis {
        name,
        first: -(p / 2.0).floor() * dk,
        last: (p - 1.0 - (p / 2.0).floor()) * dk,
    };
    Heat {
        x: axis("k_x (1/lattice unit)"),
        y: axis("k_y (1/lattice unit)"),
        colour: match quantity {
            Quantity::LogPower => "ln(1 + |F|^2)",
            Quantity::Power => "|F|^2 / (P^2 N)",
        },
        missing: None,
    }
}

fn report(s: &Summary, out: &Path) {
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    println!(
        "demo lattice: {} atoms, P = {}, σ = {}: image misfit {:.3e} -> {:.3e} (mean of {} candidates, {:.1} s each)",
        s.atoms,
        s.pixels,
        s.sigma,
        mean(&s.initial_misfit),
        mean(&s.fitted_misfit),
        s.fitted_misfit.len(),
        mean(&s.fit_seconds),
    );
    println!(
        "g(r) RMS distance to the truth: starts {:.3}, candidates {:.3} (each: {}); another sample of the truth's distribution {:.3}",
        mean(&s.g_distance_start),
        mean(&s.g_distance_fitted),
        s.g_distance_fitted
            .iter()
            .map(|d| format!("{d:.3}"))
            .collect::<Vec<_>>()
            .join(", "),
        s.g_distance_sibling
    );
    if s.fit_sigma {
        println!(
            "fitted blur width σ: {} (the target's: {})",
            s.fitted_sigma
                .iter()
                .map(|v| format!("{v:.4}"))
                .collect::<Vec<_>>()
                .join(", "),
            s.sigma
        );
    }
    println!(
        "same start, same wall time ({:.1} s): backsolution misfit {:.3e}, reverse Monte Carlo {:.3e}",
        s.fit_seconds[0], s.fitted_misfit[0], s.rmc_misfit_same_time
    );
    println!(
        "reverse Monte Carlo after {:.1} s ({} moves, {} accepted): misfit {:.3e}, g(r) distance {:.3} (backsolution {:.3})",
        s.rmc_seconds,
        s.rmc_moves,
        s.rmc_accepted,
        s.rmc_misfit,
        s.rmc_g_distance,
        s.g_distance_fitted[0]
    );
    println!("wrote {}", out.display());
}
