//! `backsolve demo spectral` (seed 003): every classical solver of the optical-spectrum
//! inversion on a seeded Gaussian-mixture test set at each noise level (the shape of the
//! paper's Fig. 2b) and on the out-of-distribution shapes, as Markdown tables, JSON and PNGs.

use super::output::{write_json, write_npy, write_text};
use super::plot::{write_curves, write_curves_and_columns, Axes, YAxis};
use backsolve::models::spectral::compare::{mse, Solver, Solvers};
use backsolve::models::spectral::data::{dataset, out_of_distribution, sample, NOISE_LEVELS};
use backsolve::models::spectral::{Operator, SpectralError};
use backsolve::SplitMix64;
use plotters::style::RGBColor;
use std::path::Path;
use std::time::Instant;

/// Settings of `demo spectral`.
pub struct Settings {
    /// Seed of the datasets and of the OOD noise.
    pub seed: u64,
    /// Dataset size per noise level; the test set is its last 10 %.
    pub size: usize,
    /// Noise level of the OOD samples and of the pictured test sample.
    pub sigma: f64,
}

/// The truth in the pictures.
const TRUTH: RGBColor = RGBColor(0, 0, 0);

/// One colour per solver, in [`Solver::ALL`] order (least squares is in the tables, not the
/// pictures: its estimates are ~1e9 times larger than the truth).
const COLOURS: [RGBColor; 8] = [
    RGBColor(150, 150, 150),
    RGBColor(30, 90, 220),
    RGBColor(0, 170, 200),
    RGBColor(120, 60, 200),
    RGBColor(230, 120, 0),
    RGBColor(200, 30, 30),
    RGBColor(0, 150, 60),
    RGBColor(220, 0, 160),
];

/// The tables, as written to `summary.json`.
#[derive(serde::Serialize)]
struct Summary {
    solvers: Vec<&'static str>,
    noise_levels: Vec<f64>,
    test_samples: usize,
    /// `test_mse[solver][noise level]`.
    test_mse: Vec<Vec<f64>>,
    ood_sigma: f64,
    ood_shapes: Vec<&'static str>,
    /// `ood_mse[solver][shape]`.
    ood_mse: Vec<Vec<f64>>,
    seconds: f64,
}

fn check(s: &Settings) -> Result<(), String> {
    super::at_least("--size", s.size, 10)?;
    super::at_most("--size", s.size, 100_000, "every solver runs on 10 % of it")?;
    if !(s.sigma > 0.0 && s.sigma < 1.0) {
        return Err(format!("--sigma must be in (0, 1), got {}", s.sigma));
    }
    Ok(())
}

/// Run `demo spectral` into `out`.
pub fn run(s: &Settings, out: &Path) -> Result<(), String> {
    check(s)?;
    let stage = super::output::Staging::new(out)?;
    let (final_out, out) = (out, stage.path());
    let err = |e: SpectralError| e.to_string();
    let solvers = Solvers::new(Operator::standard()).map_err(err)?;
    let shapes = out_of_distribution(&solvers.op.big_omega);
    let tasks = Solver::ALL.len() * (NOISE_LEVELS.len() + 1);
    let bar = super::progress::Progress::new("spectral solvers", tasks, "solver runs");
    let clock = Instant::now();

    let mut test_mse = vec![Vec::new(); Solver::ALL.len()];
    let mut test_samples = 0;
    for &sigma in &NOISE_LEVELS {
        let test = dataset(&solvers.op, s.size, sigma, s.seed).test;
        test_samples = test.len();
        for (row, solver) in test_mse.iter_mut().zip(Solver::ALL) {
            bar.set_message(format!("{} at σ = {sigma:e}", solver.name()));
            row.push(solvers.test_mse(solver, &test).map_err(err)?);
            bar.inc(1);
        }
    }
    let pictured = dataset(&solvers.op, s.size, s.sigma, s.seed).test.remove(0);
    write_reconstruction(out, "test", &solvers, &pictured.x, &pictured.y, s.sigma)?;

    let mut rng = SplitMix64(s.seed);
    let ood: Vec<_> = shapes
        .iter()
        .map(|(_, x)| sample(&solvers.op, x.clone(), s.sigma, &mut rng))
        .collect();
    let mut ood_mse = vec![Vec::new(); Solver::ALL.len()];
    for (row, solver) in ood_mse.iter_mut().zip(Solver::ALL) {
        bar.set_message(format!("{} on the OOD shapes", solver.name()));
        for smp in &ood {
            let got = solvers.solve(solver, &smp.y, smp.noise_std).map_err(err)?;
            row.push(mse(&got, &smp.x));
        }
        bar.inc(1);
    }
    for ((name, _), smp) in shapes.iter().zip(&ood) {
        let file = format!("ood_{}", name.replace(' ', "_"));
        write_reconstruction(out, &file, &solvers, &smp.x, &smp.y, s.sigma)?;
    }
    bar.finish();

    let summary = Summary {
        solvers: Solver::ALL.iter().map(|s| s.name()).collect(),
        noise_levels: NOISE_LEVELS.to_vec(),
        test_samples,
        test_mse,
        ood_sigma: s.sigma,
        ood_shapes: shapes.iter().map(|(name, _)| *name).collect(),
        ood_mse,
        seconds: clock.elapsed().as_secs_f64(),
    };
    write_mse_curves(out, &summary)?;
    let flat = |rows: &[Vec<f64>]| rows.iter().flatten().copied().collect::<Vec<f64>>();
    let solvers_n = Solver::ALL.len() as u64;
    write_npy(
        &out.join("mse.npy"),
        &flat(&summary.test_mse),
        &[solvers_n, NOISE_LEVELS.len() as u64],
    )?;
    write_npy(
        &out.join("ood_mse.npy"),
        &flat(&summary.ood_mse),
        &[solvers_n, summary.ood_shapes.len() as u64],
    )?;
    let tables = markdown_tables(&summary);
    write_text(&out.join("table.md"), &tables)?;
    write_json(&out.join("summary.json"), &summary)?;
    print!("{tables}");
    stage.commit()?;
    println!(
        "demo spectral: {} solvers x {} noise levels x {} test samples and {} OOD shapes in {:.1} s; wrote {}",
        Solver::ALL.len(),
        NOISE_LEVELS.len(),
        test_samples,
        shapes.len(),
        summary.seconds,
        final_out.display()
    );
    Ok(())
}

/// The two tables, solvers as rows.
fn markdown_tables(s: &Summary) -> String {
    let table = |title: String, columns: Vec<String>, rows: &[Vec<f64>]| {
        let mut t = format!("{title}\n\n| solver | {} |\n|---|", columns.join(" | "));
        t += &"---|".repeat(columns.len());
        t.push('\n');
        for (name, row) in s.solvers.iter().zip(rows) {
            let cells: Vec<String> = row.iter().map(|v| format!("{v:.2e}")).collect();
            t += &format!("| {name} | {} |\n", cells.join(" | "));
        }
        t + "\n"
    };
    let sigmas = s
        .noise_levels
        .iter()
        .map(|v| format!("σ = {v:e}"))
        .collect();
    let shapes = s.ood_shapes.iter().map(|v| v.to_string()).collect();
    table(
        format!("Test MSE, {} samples per noise level:", s.test_samples),
        sigmas,
        &s.test_mse,
    ) + &table(
        format!("Out-of-distribution MSE at σ = {:e}:", s.ood_sigma),
        shapes,
        &s.ood_mse,
    )
}

/// `mse.png`: test MSE against log10 σ, log axis, one curve per solver.
fn write_mse_curves(out: &Path, s: &Summary) -> Result<(), String> {
    let x: Vec<f64> = s.noise_levels.iter().map(|v| v.log10()).collect();
    let curves: Vec<(&[f64], RGBColor, &str)> = s
        .test_mse
        .iter()
        .zip(COLOURS)
        .zip(&s.solvers)
        .skip(1)
        .map(|((row, c), name)| (row.as_slice(), c, *name))
        .collect();
    let axes = Axes {
        x: "log10 σ (noise / max of the data)",
        y: "test MSE",
        scale: YAxis::Log,
    };
    write_curves(&out.join("mse.png"), &x, &curves, axes)
}

/// `NAME_glue.png` (truth and every regularized estimate on the Ω grid) and `NAME_refit.png`
/// (the data and `A x` of every estimate on the ω grid).
fn write_reconstruction(
    out: &Path,
    name: &str,
    solvers: &Solvers,
    truth: &[f64],
    y: &[f64],
    sigma: f64,
) -> Result<(), String> {
    let max = y.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let noise_std = sigma * max;
    let mut estimates = Vec::new();
    for solver in Solver::ALL.into_iter().skip(1) {
        estimates.push(
            solvers
                .solve(solver, y, noise_std)
                .map_err(|e| e.to_string())?,
        );
    }
    let refits: Vec<Vec<f64>> = estimates.iter().map(|x| solvers.op.apply(x)).collect();
    let regularized = Solver::ALL.into_iter().skip(1).map(Solver::name);
    let with_truth = |first: (&[f64], &'static str), rest: &[Vec<f64>]| {
        std::iter::once((first.0.to_vec(), TRUTH, first.1))
            .chain(
                rest.iter()
                    .cloned()
                    .zip(COLOURS.into_iter().skip(1))
                    .zip(regularized.clone())
                    .map(|((c, k), n)| (c, k, n)),
            )
            .collect::<Vec<(Vec<f64>, RGBColor, &str)>>()
    };
    let big_omega = &solvers.op.big_omega;
    let omega = &solvers.op.omega;
    for (file, x, curves, axes) in [
        (
            "glue",
            big_omega,
            with_truth((truth, "truth"), &estimates),
            ("Ω (meV)", "glue function I^2 χ(Ω)"),
        ),
        (
            "refit",
            omega,
            with_truth((y, "data"), &refits),
            ("ω (meV)", "scattering rate 1/τ(ω) (meV)"),
        ),
    ] {
        let borrowed: Vec<(&[f64], RGBColor, &str)> = curves
            .iter()
            .map(|(c, k, n)| (c.as_slice(), *k, *n))
            .collect();
        write_curves_and_columns(out, &format!("{name}_{file}"), x, &borrowed, axes)?;
    }
    Ok(())
}
