//! `backsolve demo rrim` (seed 003): the rRIM, the FCN and the CNN trained on one seeded
//! Gaussian-mixture dataset, their test MSE beside the classical solvers on the same test
//! samples and on the out-of-distribution shapes, the rRIM's inference steps (the paper's
//! Fig. 2c/d) and the three models against the truth (Fig. 3).

use super::learned::{default_options, operator, run_training, Kind, Outcome, Spec};
use super::output::{write_json, write_text, Staging};
use super::plot::{write_curves_and_columns, write_log_curves};
use super::progress::Progress;
use backsolve::models::spectral::compare::{mse, Solver, Solvers};
use backsolve::models::spectral::data::{out_of_distribution, sample, Sample};
use backsolve::models::spectral::landweber::DATA_SCALE;
use backsolve::models::spectral::learned::{smooth, Inference, SavedModel};
use backsolve::SplitMix64;
use plotters::style::RGBColor;
use std::path::Path;
use std::time::Instant;

/// Settings of `demo rrim`.
pub struct Settings {
    /// Seed of the dataset, the initializations and the shuffles.
    pub seed: u64,
    /// Dataset size (0.8 / 0.1 / 0.1).
    pub size: usize,
    /// Noise level of the dataset and of the OOD samples.
    pub noise: f64,
    /// Epoch limit of each training.
    pub epochs: usize,
}

/// The classical solvers in the comparison (the noise level is known to them).
const CLASSICAL: [Solver; 4] = [
    Solver::TikhonovGcv,
    Solver::TikhonovDiscrepancy,
    Solver::Landweber,
    Solver::MaxEnt,
];

const TRUTH: RGBColor = RGBColor(0, 0, 0);
/// rRIM, FCN, CNN.
const MODEL_COLOURS: [RGBColor; 3] = [
    RGBColor(200, 30, 30),
    RGBColor(30, 90, 220),
    RGBColor(0, 150, 60),
];
/// The rRIM's steps t = 1, 2, 3 and 15.
const STEP_COLOURS: [RGBColor; 4] = [
    RGBColor(250, 170, 60),
    RGBColor(230, 110, 20),
    RGBColor(190, 60, 160),
    RGBColor(200, 30, 30),
];
/// Test samples pictured in the Fig. 3 panels.
const PICTURED: usize = 3;

/// What `summary.json` holds.
#[derive(serde::Serialize)]
struct Summary {
    size: usize,
    noise: f64,
    seed: u64,
    test_samples: usize,
    /// Model and solver names, learned first.
    methods: Vec<String>,
    /// Mean test MSE per method.
    test_mse: Vec<f64>,
    ood_shapes: Vec<&'static str>,
    /// `ood_mse[method][shape]`.
    ood_mse: Vec<Vec<f64>>,
    /// Per learned model: epochs run, the best epoch, the training time.
    epochs: Vec<usize>,
    best_epoch: Vec<usize>,
    training_seconds: Vec<f64>,
    seconds: f64,
}

fn check(s: &Settings) -> Result<(), String> {
    super::at_least("--n", s.size, 30)?;
    super::at_most("--n", s.size, 10_000, "the demo trains three models on it")?;
    super::at_least("--epochs", s.epochs, 1)?;
    if !(0.0..1.0).contains(&s.noise) {
        return Err(format!("--noise must be in [0, 1), got {}", s.noise));
    }
    Ok(())
}

/// Run `demo rrim` into `out`.
pub fn run(s: &Settings, out: &Path) -> Result<(), String> {
    check(s)?;
    let stage = Staging::new(out)?;
    let (final_out, out) = (out, stage.path());
    super::invert::install_interrupt_handler();
    let clock = Instant::now();
    let op = operator();
    let bar = Progress::new("train", s.epochs, "epochs");
    let mut trained = Vec::new();
    for kind in Kind::ALL {
        let spec = Spec {
            kind,
            size: s.size,
            noise: s.noise,
            data_seed: s.seed,
            run_seed: s.seed,
            options: backsolve::inverse::TrainOptions {
                epochs: s.epochs,
                ..default_options(s.seed)
            },
        };
        match run_training(&spec, &op, None, false, &bar, "")? {
            Outcome::Done(t) => trained.push(*t),
            Outcome::Interrupted => return Err("interrupted; nothing was written".into()),
        }
    }
    bar.finish();
    let test = trained[0].data.test.clone();
    let models: Vec<&SavedModel> = trained.iter().map(|t| &t.saved).collect();
    for (kind, m) in Kind::ALL.iter().zip(&models) {
        write_json(&out.join(format!("{}.json", kind.name())), m)?;
    }
    let histories: Vec<Vec<f64>> = trained
        .iter()
        .map(|t| t.state.validation_history.clone())
        .collect();
    let curves: Vec<(&[f64], RGBColor, &str)> = histories
        .iter()
        .zip(MODEL_COLOURS)
        .zip(Kind::ALL)
        .map(|((h, c), k)| (h.as_slice(), c, k.name()))
        .collect();
    write_log_curves(&out.join("validation_loss.png"), &curves, "validation loss")?;

    let inferences = models
        .iter()
        .map(|m| m.inference().map_err(|e| e.to_string()))
        .collect::<Result<Vec<Inference>, String>>()?;
    let solvers = Solvers::new(op.clone()).map_err(|e| e.to_string())?;
    let evaluator = Evaluator {
        inferences: &inferences,
        solvers: &solvers,
    };
    let cmp = Progress::new("compare", CLASSICAL.len() + 3, "methods");
    let test_mse = evaluator.mean_mse(&test, &cmp)?;
    let shapes = out_of_distribution(&op.big_omega);
    let mut rng = SplitMix64(s.seed ^ 0x00D);
    let ood: Vec<Sample> = shapes
        .iter()
        .map(|(_, x)| sample(&op, x.clone(), s.noise, &mut rng))
        .collect();
    let ood_mse = evaluator.per_sample_mse(&ood)?;
    cmp.finish();

    write_steps(out, &inferences[0], &test[0], &op)?;
    for (k, smp) in test.iter().take(PICTURED).enumerate() {
        write_comparison(out, &format!("test_{k}"), &inferences, smp, &op.big_omega)?;
    }
    for ((name, _), smp) in shapes.iter().zip(&ood) {
        let file = format!("ood_{}", name.replace(' ', "_"));
        write_comparison(out, &file, &inferences, smp, &op.big_omega)?;
    }

    let methods: Vec<String> = Kind::ALL
        .iter()
        .map(|k| k.label().to_string())
        .chain(CLASSICAL.iter().map(|s| s.name().to_string()))
        .collect();
    let records: Vec<_> = models
        .iter()
        .map(|m| m.training.clone().expect("trained"))
        .collect();
    let summary = Summary {
        size: s.size,
        noise: s.noise,
        seed: s.seed,
        test_samples: test.len(),
        methods,
        test_mse,
        ood_shapes: shapes.iter().map(|(n, _)| *n).collect(),
        ood_mse,
        epochs: records.iter().map(|r| r.epochs).collect(),
        best_epoch: records.iter().map(|r| r.best_epoch).collect(),
        training_seconds: records.iter().map(|r| r.seconds).collect(),
        seconds: clock.elapsed().as_secs_f64(),
    };
    let table = markdown(&summary);
    write_text(&out.join("table.md"), &table)?;
    write_json(&out.join("summary.json"), &summary)?;
    print!("{table}");
    stage.commit()?;
    println!(
        "demo rrim: rRIM, FCN and CNN trained on {} samples at σ = {:e} and compared with {} classical solvers in {:.0} s; wrote {}",
        s.size,
        s.noise,
        CLASSICAL.len(),
        summary.seconds,
        final_out.display()
    );
    Ok(())
}

/// The learned models and the classical solvers on the same samples.
struct Evaluator<'a> {
    inferences: &'a [Inference],
    solvers: &'a Solvers,
}

impl Evaluator<'_> {
    /// Every method's estimate of `smp`: learned models first.
    fn estimates(&self, smp: &Sample) -> Result<Vec<Vec<f64>>, String> {
        let mut out = Vec::new();
        for inf in self.inferences {
            out.push(inf.infer(&smp.y).map_err(|e| e.to_string())?);
        }
        for &solver in &CLASSICAL {
            let x = self.solvers.solve(solver, &smp.y, smp.noise_std);
            out.push(x.map_err(|e| e.to_string())?);
        }
        Ok(out)
    }

    /// Per method, the MSE on each sample (samples in parallel).
    fn per_sample_mse(&self, samples: &[Sample]) -> Result<Vec<Vec<f64>>, String> {
        use rayon::prelude::*;
        let per_sample = samples
            .par_iter()
            .map(|smp| {
                let est = self.estimates(smp)?;
                Ok(est.iter().map(|x| mse(x, &smp.x)).collect::<Vec<f64>>())
            })
            .collect::<Result<Vec<Vec<f64>>, String>>()?;
        let methods = self.inferences.len() + CLASSICAL.len();
        Ok((0..methods)
            .map(|m| per_sample.iter().map(|row| row[m]).collect())
            .collect())
    }

    /// Per method, the mean MSE over `samples`.
    fn mean_mse(&self, samples: &[Sample], bar: &Progress) -> Result<Vec<f64>, String> {
        bar.set_message(format!("{} test samples", samples.len()));
        let rows = self.per_sample_mse(samples)?;
        bar.inc(rows.len());
        Ok(rows
            .iter()
            .map(|r| r.iter().sum::<f64>() / r.len().max(1) as f64)
            .collect())
    }
}

/// `NAME.png` and `NAME.npy` of curves with owned labels.
fn write_figure(
    out: &Path,
    name: &str,
    x: &[f64],
    curves: &[(Vec<f64>, RGBColor, String)],
    axes: (&str, &str),
) -> Result<(), String> {
    let borrowed: Vec<(&[f64], RGBColor, &str)> = curves
        .iter()
        .map(|(c, k, n)| (c.as_slice(), *k, n.as_str()))
        .collect();
    write_curves_and_columns(out, name, x, &borrowed, axes)
}

/// Fig. 2c/d: the rRIM's estimates at t = 1, 2, 3 and 15 with the truth (`rrim_steps.png`),
/// and their refits `A x_t / 300` with the data `y / 300` (`rrim_steps_refit.png`).
fn write_steps(
    out: &Path,
    rrim: &Inference,
    smp: &Sample,
    op: &backsolve::models::spectral::Operator,
) -> Result<(), String> {
    let steps = rrim.steps(&smp.y).map_err(|e| e.to_string())?;
    let width = rrim.saved().smoothing_mev;
    let shown: Vec<usize> = [1, 2, 3, steps.len()]
        .into_iter()
        .filter(|&t| t <= steps.len())
        .collect();
    let mut glue = vec![(smp.x.clone(), TRUTH, "truth".to_string())];
    let scaled = |v: &[f64]| v.iter().map(|y| y / DATA_SCALE).collect::<Vec<f64>>();
    let mut refit = vec![(scaled(&smp.y), TRUTH, "data".to_string())];
    for (&t, colour) in shown.iter().zip(STEP_COLOURS) {
        let x = smooth(&steps[t - 1], op.d_omega, width);
        refit.push((scaled(&op.apply(&x)), colour, format!("t = {t}")));
        glue.push((x, colour, format!("t = {t}")));
    }
    write_figure(
        out,
        "rrim_steps",
        &op.big_omega,
        &glue,
        ("Ω (meV)", "glue function I^2 χ(Ω)"),
    )?;
    write_figure(
        out,
        "rrim_steps_refit",
        &op.omega,
        &refit,
        ("ω (meV)", "scattering rate 1/τ(ω) / (300 meV)"),
    )
}

/// Fig. 3: the three models' estimates of `smp` with the truth.
fn write_comparison(
    out: &Path,
    name: &str,
    inferences: &[Inference],
    smp: &Sample,
    big_omega: &[f64],
) -> Result<(), String> {
    let mut curves = vec![(smp.x.clone(), TRUTH, "truth".to_string())];
    for ((inf, colour), kind) in inferences.iter().zip(MODEL_COLOURS).zip(Kind::ALL) {
        let x = inf.infer(&smp.y).map_err(|e| e.to_string())?;
        curves.push((x, colour, kind.name().to_string()));
    }
    write_figure(
        out,
        name,
        big_omega,
        &curves,
        ("Ω (meV)", "glue function I^2 χ(Ω)"),
    )
}

/// The test-MSE table and the OOD table, methods as rows.
fn markdown(s: &Summary) -> String {
    let mut t = format!(
        "Test MSE, N = {} (σ = {:e}, {} test samples); learned estimates smoothed, classical as solved:\n\n| method | test MSE |\n|---|---|\n",
        s.size, s.noise, s.test_samples
    );
    for (m, v) in s.methods.iter().zip(&s.test_mse) {
        t += &format!("| {m} | {v:.3e} |\n");
    }
    t += &format!(
        "\nOut-of-distribution MSE at σ = {:e}:\n\n| method | {} |\n|---|{}\n",
        s.noise,
        s.ood_shapes.join(" | "),
        "---|".repeat(s.ood_shapes.len())
    );
    for (m, row) in s.methods.iter().zip(&s.ood_mse) {
        let cells: Vec<String> = row.iter().map(|v| format!("{v:.3e}")).collect();
        t += &format!("| {m} | {} |\n", cells.join(" | "));
    }
    t + "\n"
}
