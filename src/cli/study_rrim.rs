//! `backsolve study rrim` (seed 003, Fig. 2a/b and the OOD comparison): the rRIM, the FCN and
//! the CNN trained `R` times per cell (different initializations and batch orders, the same
//! dataset), the mean and spread of their test MSE against the dataset size (noise-free) and
//! against the noise level (at one size), the classical solvers on the same test sets, and
//! every method on the out-of-distribution shapes with the models trained at the largest size.

use super::learned::{default_options, inference_mse, operator, run_training, Kind, Outcome, Spec};
use super::output::{write_json, write_text, Staging};
use super::plot::{write_curves, Axes, YAxis};
use super::progress::Progress;
use backsolve::models::spectral::compare::{mse, Solver, Solvers};
use backsolve::models::spectral::data::{dataset, out_of_distribution, sample};
use backsolve::models::spectral::learned::SavedModel;
use backsolve::SplitMix64;
use plotters::style::RGBColor;
use serde::Serialize;
use std::path::Path;
use std::time::Instant;

/// Settings of `study rrim`.
pub struct Settings {
    /// Training runs per cell.
    pub runs: usize,
    /// Dataset sizes of the noise-free sweep.
    pub sizes: Vec<usize>,
    /// Noise levels of the noise sweep.
    pub noise_levels: Vec<f64>,
    /// Dataset size of the noise sweep.
    pub noise_size: usize,
    /// Epoch limit at 1000 samples; see [`epochs_at`].
    pub epochs: usize,
    /// Seed of the datasets; run `r` trains with seed `seed + r`.
    pub seed: u64,
}

/// The classical solvers beside the learned ones (the noise level is known to them).
const CLASSICAL: [Solver; 3] = [Solver::TikhonovGcv, Solver::Landweber, Solver::MaxEnt];
/// Noise level of the OOD samples.
const OOD_SIGMA: f64 = 1e-3;
/// rRIM, FCN, CNN, then the classical solvers.
const COLOURS: [RGBColor; 6] = [
    RGBColor(200, 30, 30),
    RGBColor(30, 90, 220),
    RGBColor(0, 150, 60),
    RGBColor(0, 170, 200),
    RGBColor(230, 120, 0),
    RGBColor(150, 150, 150),
];

/// The epoch limit at `size` samples: `epochs` up to 1000 samples, then fewer so that a
/// run takes about as many Adam steps as at 1000 (at least 10 epochs).
pub fn epochs_at(epochs: usize, size: usize) -> usize {
    if size <= 1000 {
        epochs
    } else {
        (epochs * 1000 / size).max(10).min(epochs)
    }
}

/// Mean, sample standard deviation and the values of one cell.
#[derive(Serialize, Clone)]
struct Cell {
    mean: f64,
    std: f64,
    values: Vec<f64>,
}

impl Cell {
    fn of(values: Vec<f64>) -> Cell {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = if values.len() > 1 {
            values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)
        } else {
            0.0
        };
        Cell {
            mean,
            std: var.sqrt(),
            values,
        }
    }
}

/// One method's cells along a sweep.
#[derive(Serialize)]
struct Row {
    method: String,
    cells: Vec<Cell>,
}

/// What `summary.json` holds.
#[derive(Serialize)]
struct Summary {
    runs: usize,
    seed: u64,
    /// Fig. 2a: noise-free, test MSE against the dataset size.
    sizes: Vec<usize>,
    epochs_by_size: Vec<usize>,
    by_size: Vec<Row>,
    /// Fig. 2b: at `noise_size` samples, test MSE against the noise level (learned models
    /// and classical solvers).
    noise_size: usize,
    noise_levels: Vec<f64>,
    by_noise: Vec<Row>,
    /// Models trained at the largest size, noise-free; samples at `ood_sigma`.
    ood_size: usize,
    ood_sigma: f64,
    ood_shapes: Vec<&'static str>,
    /// Per method, one cell per shape.
    ood: Vec<Row>,
    seconds: f64,
}

fn check(s: &Settings) -> Result<(), String> {
    super::at_least("--runs", s.runs, 1)?;
    super::at_least("--epochs", s.epochs, 1)?;
    super::at_least("--noise-size", s.noise_size, 30)?;
    if s.sizes.is_empty() || s.noise_levels.is_empty() {
        return Err("--sizes and --noise-levels need at least one value each".into());
    }
    for &n in s.sizes.iter().chain([&s.noise_size]) {
        super::at_least("a dataset size", n, 30)?;
        super::at_most(
            "a dataset size",
            n,
            super::learned::MAX_SIZE,
            "training time",
        )?;
    }
    if let Some(v) = s.noise_levels.iter().find(|v| !(**v > 0.0 && **v < 1.0)) {
        return Err(format!("--noise-levels must be in (0, 1), got {v}"));
    }
    Ok(())
}

/// Run `study rrim` into `out`.
pub fn run(s: &Settings, out: &Path) -> Result<(), String> {
    check(s)?;
    let stage = Staging::new(out)?;
    let (final_out, out) = (out, stage.path());
    super::invert::install_interrupt_handler();
    let clock = Instant::now();
    let op = operator();
    let solvers = Solvers::new(op.clone()).map_err(|e| e.to_string())?;
    let total = (s.sizes.len() + s.noise_levels.len()) * Kind::ALL.len() * s.runs;
    let mut done = 0;
    let bar = Progress::new("study rrim", 1, "epochs");
    let mut train_cell = |kind: Kind, size: usize, noise: f64| -> Result<Vec<SavedModel>, String> {
        let mut models = Vec::new();
        for r in 0..s.runs {
            done += 1;
            let spec = Spec {
                kind,
                size,
                noise,
                data_seed: s.seed,
                run_seed: s.seed + r as u64,
                options: backsolve::inverse::TrainOptions {
                    epochs: epochs_at(s.epochs, size),
                    ..default_options(s.seed + r as u64)
                },
            };
            let label = format!("run {done}/{total} N = {size} σ = {noise:e} ");
            match run_training(&spec, &op, None, false, &bar, &label)? {
                Outcome::Done(t) => models.push(t.saved),
                Outcome::Interrupted => return Err("interrupted; nothing was written".into()),
            }
        }
        Ok(models)
    };

    let mut by_size: Vec<Row> = Vec::new();
    let mut largest: Vec<SavedModel> = Vec::new();
    for kind in Kind::ALL {
        let mut cells = Vec::new();
        for &size in &s.sizes {
            let models = train_cell(kind, size, 0.0)?;
            cells.push(Cell::of(test_mses(&models)?));
            if size == *s.sizes.iter().max().expect("sizes checked non-empty") {
                largest.push(models[0].clone());
            }
        }
        by_size.push(Row {
            method: kind.label().to_string(),
            cells,
        });
    }

    let mut by_noise: Vec<Row> = Vec::new();
    for kind in Kind::ALL {
        let mut cells = Vec::new();
        for &sigma in &s.noise_levels {
            cells.push(Cell::of(test_mses(&train_cell(
                kind,
                s.noise_size,
                sigma,
            )?)?));
        }
        by_noise.push(Row {
            method: kind.label().to_string(),
            cells,
        });
    }
    bar.finish();
    for solver in CLASSICAL {
        let mut cells = Vec::new();
        for &sigma in &s.noise_levels {
            let test = dataset(&op, s.noise_size, sigma, s.seed).test;
            cells.push(Cell::of(vec![solvers
                .test_mse(solver, &test)
                .map_err(|e| e.to_string())?]));
        }
        by_noise.push(Row {
            method: solver.name().to_string(),
            cells,
        });
    }

    let shapes = out_of_distribution(&op.big_omega);
    let mut rng = SplitMix64(s.seed ^ 0x00D);
    let ood_samples: Vec<_> = shapes
        .iter()
        .map(|(_, x)| sample(&op, x.clone(), OOD_SIGMA, &mut rng))
        .collect();
    let mut ood = Vec::new();
    for (kind, model) in Kind::ALL.iter().zip(&largest) {
        let cells = ood_samples
            .iter()
            .map(|smp| inference_mse(model, std::slice::from_ref(smp)).map(|v| Cell::of(vec![v])))
            .collect::<Result<Vec<Cell>, String>>()?;
        ood.push(Row {
            method: kind.label().to_string(),
            cells,
        });
    }
    for solver in CLASSICAL {
        let cells = ood_samples
            .iter()
            .map(|smp| {
                let x = solvers.solve(solver, &smp.y, smp.noise_std);
                x.map(|x| Cell::of(vec![mse(&x, &smp.x)]))
                    .map_err(|e| e.to_string())
            })
            .collect::<Result<Vec<Cell>, String>>()?;
        ood.push(Row {
            method: solver.name().to_string(),
            cells,
        });
    }

    let summary = Summary {
        runs: s.runs,
        seed: s.seed,
        epochs_by_size: s.sizes.iter().map(|&n| epochs_at(s.epochs, n)).collect(),
        sizes: s.sizes.clone(),
        by_size,
        noise_size: s.noise_size,
        noise_levels: s.noise_levels.clone(),
        by_noise,
        ood_size: *s.sizes.iter().max().expect("checked"),
        ood_sigma: OOD_SIGMA,
        ood_shapes: shapes.iter().map(|(n, _)| *n).collect(),
        ood,
        seconds: clock.elapsed().as_secs_f64(),
    };
    write_sweep(
        out,
        "mse_vs_size",
        &summary
            .sizes
            .iter()
            .map(|&n| (n as f64).log10())
            .collect::<Vec<_>>(),
        &summary.by_size,
        "log10 N (dataset size), noise-free",
    )?;
    write_sweep(
        out,
        "mse_vs_noise",
        &summary
            .noise_levels
            .iter()
            .map(|v| v.log10())
            .collect::<Vec<_>>(),
        &summary.by_noise,
        &format!(
            "log10 σ (noise / max of the data), N = {}",
            summary.noise_size
        ),
    )?;
    let table = markdown(&summary);
    write_text(&out.join("rrim.md"), &table)?;
    write_json(&out.join("summary.json"), &summary)?;
    stage.commit()?;
    print!("{table}");
    println!(
        "study rrim: {total} trainings ({} runs per cell) in {:.0} s; wrote {}",
        s.runs,
        summary.seconds,
        final_out.display()
    );
    Ok(())
}

/// Each model's test MSE on the test split of the dataset it was trained on.
fn test_mses(models: &[SavedModel]) -> Result<Vec<f64>, String> {
    Ok(models
        .iter()
        .map(|m| m.training.as_ref().expect("trained").test_mse)
        .collect())
}

/// Mean curves on a log axis, with mean ± one standard deviation as thin unlabelled curves in
/// the same colour where there is more than one run.
fn write_sweep(
    out: &Path,
    file: &str,
    x: &[f64],
    rows: &[Row],
    x_name: &str,
) -> Result<(), String> {
    let mut curves: Vec<(Vec<f64>, RGBColor, String)> = Vec::new();
    for (row, colour) in rows.iter().zip(COLOURS) {
        curves.push((
            row.cells.iter().map(|c| c.mean).collect(),
            colour,
            row.method.clone(),
        ));
        if row.cells.iter().any(|c| c.values.len() > 1) {
            let light = RGBColor(
                ((colour.0 as u16 + 255) / 2) as u8,
                ((colour.1 as u16 + 255) / 2) as u8,
                ((colour.2 as u16 + 255) / 2) as u8,
            );
            for sign in [-1.0, 1.0] {
                let band = row
                    .cells
                    .iter()
                    .map(|c| (c.mean + sign * c.std).max(c.mean * 1e-3))
                    .collect();
                curves.push((band, light, String::new()));
            }
        }
    }
    let borrowed: Vec<(&[f64], RGBColor, &str)> = curves
        .iter()
        .map(|(c, k, n)| (c.as_slice(), *k, n.as_str()))
        .collect();
    let axes = Axes {
        x: x_name,
        y: "test MSE (mean of the runs; light: ± 1 std)",
        scale: YAxis::Log,
    };
    write_curves(&out.join(format!("{file}.png")), x, &borrowed, axes)
}

/// The three tables: rows are methods, cells `mean ± std`.
fn markdown(s: &Summary) -> String {
    let table = |title: String, columns: Vec<String>, rows: &[Row]| {
        let mut t = format!("{title}\n\n| method | {} |\n|---|", columns.join(" | "));
        t += &"---|".repeat(columns.len());
        t.push('\n');
        for row in rows {
            let cells: Vec<String> = row
                .cells
                .iter()
                .map(|c| {
                    if c.values.len() > 1 {
                        format!("{:.2e} ± {:.1e}", c.mean, c.std)
                    } else {
                        format!("{:.2e}", c.mean)
                    }
                })
                .collect();
            t += &format!("| {} | {} |\n", row.method, cells.join(" | "));
        }
        t + "\n"
    };
    table(
        format!("Test MSE against the dataset size N, noise-free ({} runs per cell, mean ± std):", s.runs),
        s.sizes.iter().map(|n| format!("N = {n}")).collect(),
        &s.by_size,
    ) + &table(
        format!(
            "Test MSE against the noise level at N = {} ({} runs per learned cell; classical solvers once):",
            s.noise_size, s.runs
        ),
        s.noise_levels.iter().map(|v| format!("σ = {v:e}")).collect(),
        &s.by_noise,
    ) + &table(
        format!(
            "Out-of-distribution MSE (models trained noise-free at N = {}, samples at σ = {:e}):",
            s.ood_size, s.ood_sigma
        ),
        s.ood_shapes.iter().map(|v| v.to_string()).collect(),
        &s.ood,
    )
}
