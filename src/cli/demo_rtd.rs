//! `backsolve demo rtd` (seed 001): a hidden GaAs/AlGaAs double-barrier diode, its Tsu-Esaki
//! I-V curve as the target, a perturbed start, and the L-BFGS fit of all six barrier parameters;
//! then a band-pass transmission design on a 20 nm window of the same grid.

use super::invert::{self, Job, Outcome, Place, Problem};
use super::output::{write_json, write_npy};
use super::plot::{write_curves, Axes, YAxis};
use backsolve::inverse::{Method, Options};
use backsolve::models::qtbm::{
    iv_curve, transmission_spectrum, Device, Formula, IvFit, Supply, TransmissionDesign,
};
use backsolve::SplitMix64;
use plotters::style::RGBColor;
use std::path::Path;

/// The hidden device: `[height eV, width nm, centre nm]` per barrier, an asymmetric double
/// barrier around a 5 nm well.
pub const TRUTH: [f64; 6] = [0.32, 2.2, 26.4, 0.28, 1.8, 33.6];
/// Largest relative perturbation of heights and widths in the start.
const SIZE_PERTURBATION: f64 = 0.1;
/// Largest `--biases`: one evaluation then takes about 10 s.
pub(super) const MAX_BIASES: usize = 2_001;
/// Largest `--energies`: the quadrature converges long before.
const MAX_ENERGIES: usize = 100_000;
/// Largest shift of the centres in the start (nm).
const CENTRE_SHIFT: f64 = 0.5;
/// The band-pass window of the design (eV) and the smoothness weight.
const PASS_BAND: (f64, f64) = (0.1, 0.2);
const DESIGN_SMOOTHNESS: f64 = 1e-3;

/// Colours of the curves: target/truth, initial guess, fit.
const TARGET: RGBColor = RGBColor(0, 0, 0);
const INITIAL: RGBColor = RGBColor(200, 120, 0);
const FITTED: RGBColor = RGBColor(30, 90, 220);

/// Settings of `demo rtd`.
pub struct Settings {
    /// Seed of the start's perturbation.
    pub seed: u64,
    /// Bias points in `[0, 0.5]` V.
    pub biases: usize,
    /// Energies of the quadrature.
    pub energies: usize,
    /// Epoch limit of the fit and of the design.
    pub max_epochs: usize,
}

/// What the fit and the design reached.
#[derive(serde::Serialize)]
struct Summary {
    truth: Vec<f64>,
    start: Vec<f64>,
    fitted: Vec<f64>,
    max_relative_error: f64,
    fit_cost: f64,
    fit_epochs: usize,
    fit_seconds: f64,
    fit_stop: String,
    peak_bias: f64,
    peak_current: f64,
    peak_to_valley: f64,
    /// The design's fields are absent when an interrupt came during the fit.
    design_misfit_initial: Option<f64>,
    design_misfit: Option<f64>,
    design_epochs: Option<usize>,
    design_seconds: Option<f64>,
    /// Ctrl-C ended the run: `--resume` continues it.
    interrupted: bool,
}

/// The run-engine job of one phase: L-BFGS from `first`, one start.
fn phase_job<P: Problem>(s: &Settings, name: &str, problem: P, first: Vec<f64>) -> Job<P> {
    Job {
        name: format!(
            "demo rtd: {name} (seed {}, {} biases, {} energies)",
            s.seed, s.biases, s.energies
        ),
        problem,
        truth: None,
        scale: 1.0,
        first: Some(first),
        init_range: (0.0, 0.0),
        method: Method::Lbfgs { memory: 10 },
        opts: Options {
            max_epochs: s.max_epochs,
            cost_tol: 1e-20,
            ..Options::default()
        },
        starts: 1,
        accept_cost: 0.0,
        seed: s.seed,
    }
}

/// The barrier fit to the hidden diode's I-V curve.
#[derive(Debug)]
struct FitPhase(IvFit);

impl Problem for FitPhase {
    type Objective = IvFit;

    fn objective(&mut self) -> &mut IvFit {
        &mut self.0
    }

    fn dim(&self) -> usize {
        TRUTH.len()
    }

    fn write_outputs(
        &mut self,
        out: &Path,
        x: &[f64],
        x0: &[f64],
        _truth: Option<&[f64]>,
    ) -> Result<(), String> {
        let f = &self.0;
        let (initial, fitted) = (f.predict(x0), f.predict(x));
        let currents = [&f.target[..], &initial, &fitted];
        write_iv_outputs(out, &f.device, &f.biases, currents, [&TRUTH, x0, x])
    }
}

/// The band-pass design of the zero-bias transmission.
#[derive(Debug)]
struct DesignPhase(TransmissionDesign);

impl Problem for DesignPhase {
    type Objective = TransmissionDesign;

    fn objective(&mut self) -> &mut TransmissionDesign {
        &mut self.0
    }

    fn dim(&self) -> usize {
        self.0.initial().len()
    }

    fn write_outputs(
        &mut self,
        out: &Path,
        x: &[f64],
        x0: &[f64],
        _truth: Option<&[f64]>,
    ) -> Result<(), String> {
        let energies = self.0.energies.clone();
        write_design_outputs(out, &self.0, &energies, x0, x)
    }
}

/// The start: heights and widths off by up to 10 %, centres by up to 0.5 nm.
fn perturbed_start(seed: u64) -> Vec<f64> {
    let mut rng = SplitMix64(seed);
    TRUTH
        .iter()
        .enumerate()
        .map(|(i, &p)| {
            let u = rng.range(-1.0, 1.0);
            if i % 3 == 2 {
                p + CENTRE_SHIFT * u
            } else {
                p * (1.0 + SIZE_PERTURBATION * u)
            }
        })
        .collect()
}

fn check(s: &Settings) -> Result<(), String> {
    use super::{at_least, at_most};
    at_least("--biases", s.biases, 3)?;
    at_least("--energies", s.energies, 10)?;
    at_least("--max-epochs", s.max_epochs, 1)?;
    // One I-V evaluation costs biases x energies x 300 grid points; these bound it near 10 s.
    at_most(
        "--biases",
        s.biases,
        MAX_BIASES,
        "about 1 s per 50 biases per evaluation",
    )?;
    at_most(
        "--energies",
        s.energies,
        MAX_ENERGIES,
        "the quadrature converges long before",
    )?;
    at_most(
        "--max-epochs",
        s.max_epochs,
        100_000,
        "an epoch costs seconds",
    )?;
    Ok(())
}

/// Peak bias, peak current and peak-to-valley ratio of an I-V curve.
fn peak_and_valley(biases: &[f64], j: &[f64]) -> (f64, f64, f64) {
    let peak = (0..j.len())
        .max_by(|&a, &b| j[a].total_cmp(&j[b]))
        .unwrap_or(0);
    let valley = j[peak..].iter().copied().fold(f64::INFINITY, f64::min);
    (biases[peak], j[peak], j[peak] / valley)
}

/// The files of the two phases: the fit's and the design's run-engine outputs and checkpoints.
const PHASES: [&str; 2] = ["fit_", "design_"];

/// Run `demo rtd` into `out`; with `resume`, continue an interrupted run from its checkpoints.
pub fn run(s: &Settings, out: &Path, resume: bool) -> Result<(), String> {
    check(s)?;
    let stage = super::output::Staging::new(out)?;
    let place = |prefix| Place {
        folder: out,
        stage: stage.path(),
        prefix,
        keep_finished: true,
    };
    let device = Device::gaas();
    let supply = Supply {
        energies: s.energies,
        ..Supply::default()
    };
    let biases: Vec<f64> = (0..s.biases)
        .map(|i| 0.5 * i as f64 / (s.biases - 1) as f64)
        .collect();
    let err = |e: backsolve::models::qtbm::DeviceError| e.to_string();
    let target = iv_curve(&device, &TRUTH, &supply, &biases, Formula::TsuEsaki).map_err(err)?;
    let start = perturbed_start(s.seed);
    let peak = peak_and_valley(&biases, &target);
    let fit = IvFit::new(device.clone(), supply, biases, target).map_err(err)?;
    let fitted = invert::run_at(
        phase_job(s, "I-V fit", FitPhase(fit), start.clone()),
        &place(PHASES[0]),
        resume,
    )?;
    let design = if fitted.interrupted {
        None
    } else {
        let design = TransmissionDesign::band_pass(device.clone(), PASS_BAND, DESIGN_SMOOTHNESS)
            .map_err(err)?;
        let x0 = design.initial();
        let misfit_initial = design.misfit(&x0);
        let problem = DesignPhase(design.clone());
        let job = phase_job(s, "T(E) design", problem, x0);
        let outcome = invert::run_at(job, &place(PHASES[1]), resume)?;
        Some((misfit_initial, design.misfit(&outcome.x), outcome))
    };
    let summary = summarize(&fitted, &start, peak, design.as_ref());
    write_json(&stage.path().join("summary.json"), &summary)?;
    report(&summary);
    stage.commit()?;
    let interrupted = design.as_ref().is_none_or(|d| d.2.interrupted);
    if interrupted {
        return Err(format!(
            "interrupted: the best parameters so far are in {}; continue with --resume",
            out.display()
        ));
    }
    invert::forget_checkpoints(out, &PHASES);
    println!("wrote {}", out.display());
    Ok(())
}

/// The summary of the fit (and of the design, unless an interrupt came first).
fn summarize(
    fitted: &Outcome,
    start: &[f64],
    (peak_bias, peak_current, peak_to_valley): (f64, f64, f64),
    design: Option<&(f64, f64, Outcome)>,
) -> Summary {
    let max_relative_error = fitted
        .x
        .iter()
        .zip(&TRUTH)
        .map(|(a, b)| ((a - b) / b).abs())
        .fold(0.0, f64::max);
    Summary {
        truth: TRUTH.to_vec(),
        start: start.to_vec(),
        fitted: fitted.x.clone(),
        max_relative_error,
        fit_cost: fitted.cost,
        fit_epochs: fitted.epochs,
        fit_seconds: fitted.seconds,
        fit_stop: fitted.stop.clone(),
        peak_bias,
        peak_current,
        peak_to_valley,
        design_misfit_initial: design.map(|d| d.0),
        design_misfit: design.map(|d| d.1),
        design_epochs: design.map(|d| d.2.epochs),
        design_seconds: design.map(|d| d.2.seconds),
        interrupted: fitted.interrupted || design.is_none_or(|d| d.2.interrupted),
    }
}

fn report(s: &Summary) {
    println!(
        "demo rtd: I-V peak {:.3e} A/cm² at {:.2} V, peak/valley {:.2}",
        s.peak_current, s.peak_bias, s.peak_to_valley
    );
    println!(
        "I-V fit: cost {:.3e} after {} epochs ({:.1} s), largest parameter error {:.2e} (relative)",
        s.fit_cost, s.fit_epochs, s.fit_seconds, s.max_relative_error
    );
    if let (Some(a), Some(b), Some(n), Some(t)) = (
        s.design_misfit_initial,
        s.design_misfit,
        s.design_epochs,
        s.design_seconds,
    ) {
        println!("band-pass design: misfit {a:.3e} -> {b:.3e} in {n} epochs ({t:.1} s)");
    }
}

/// `iv.png` (target, initial, fitted), `transmission.png` (zero-bias `T(E)` on a log axis),
/// `potential.png` (profiles at zero bias and at 0.3 V) and `iv.npy` (`[V, J*, J_0, J_fit]` rows).
fn write_iv_outputs(
    out: &Path,
    device: &Device,
    biases: &[f64],
    currents: [&[f64]; 3],
    params: [&[f64]; 3],
) -> Result<(), String> {
    let colours = [TARGET, INITIAL, FITTED];
    let names = ["target", "initial", "fitted"];
    let curves: Vec<(&[f64], RGBColor, &str)> = (0..3)
        .map(|k| (currents[k], colours[k], names[k]))
        .collect();
    let axes = |x, y, scale| Axes { x, y, scale };
    write_curves(
        &out.join("iv.png"),
        biases,
        &curves,
        axes("bias (V)", "current density (A/cm^2)", YAxis::Linear),
    )?;
    let rows: Vec<f64> = (0..biases.len())
        .flat_map(|i| [biases[i], currents[0][i], currents[1][i], currents[2][i]])
        .collect();
    write_npy(&out.join("iv.npy"), &rows, &[biases.len() as u64, 4])?;

    let energies: Vec<f64> = (1..=600).map(|i| 0.5 * i as f64 / 600.0).collect();
    let spectra: Vec<Vec<f64>> = params
        .iter()
        .map(|p| transmission_spectrum(device, &device.profile(p), 0.0, &energies))
        .collect();
    let curves: Vec<(&[f64], RGBColor, &str)> = (0..3)
        .map(|k| (spectra[k].as_slice(), colours[k], names[k]))
        .collect();
    write_curves(
        &out.join("transmission.png"),
        &energies,
        &curves,
        axes("energy (eV)", "transmission T(E) at zero bias", YAxis::Log),
    )?;

    let x: Vec<f64> = (0..device.points).map(|j| device.x(j)).collect();
    let drop = device.bias_drop(0.3);
    let mut profiles = Vec::new();
    for p in params {
        let u = device.profile(p);
        let biased: Vec<f64> = u.iter().zip(&drop).map(|(u, d)| u + d).collect();
        profiles.push(u);
        profiles.push(biased);
    }
    // At 0.3 V each profile is drawn in a lighter shade of its colour.
    let lighter = |c: RGBColor| {
        let mix = |v: u8| ((u16::from(v) + 2 * 200) / 3) as u8;
        RGBColor(mix(c.0), mix(c.1), mix(c.2))
    };
    let labels: Vec<String> = names
        .iter()
        .flat_map(|n| [format!("{n}, 0 V"), format!("{n}, 0.3 V")])
        .collect();
    let curves: Vec<(&[f64], RGBColor, &str)> = profiles
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let colour = if i % 2 == 0 {
                colours[i / 2]
            } else {
                lighter(colours[i / 2])
            };
            (u.as_slice(), colour, labels[i].as_str())
        })
        .collect();
    write_curves(
        &out.join("potential.png"),
        &x,
        &curves,
        axes("position (nm)", "potential energy (eV)", YAxis::Linear),
    )
}

/// `design.png` (target, initial and designed `T(E)`), `design_potential.png` and
/// `design.npy` (`[x, U_0, U_designed]` rows).
fn write_design_outputs(
    out: &Path,
    design: &TransmissionDesign,
    energies: &[f64],
    x0: &[f64],
    x: &[f64],
) -> Result<(), String> {
    let (t0, t) = (design.predict(x0), design.predict(x));
    let curves = [
        (&design.target[..], TARGET, "target"),
        (&t0[..], INITIAL, "superlattice start"),
        (&t[..], FITTED, "designed"),
    ];
    let axes = Axes {
        x: "energy (eV)",
        y: "transmission T(E)",
        scale: YAxis::Linear,
    };
    write_curves(&out.join("design.png"), energies, &curves, axes)?;
    let (u0, u) = (design.potential(x0), design.potential(x));
    let positions: Vec<f64> = (0..u.len()).map(|j| design.device.x(j)).collect();
    let curves = [
        (&u0[..], INITIAL, "superlattice start"),
        (&u[..], FITTED, "designed"),
    ];
    let axes = Axes {
        x: "position (nm)",
        y: "potential (eV)",
        scale: YAxis::Linear,
    };
    write_curves(&out.join("design_potential.png"), &positions, &curves, axes)?;
    let rows: Vec<f64> = (0..u.len())
        .flat_map(|j| [positions[j], u0[j], u[j]])
        .collect();
    write_npy(&out.join("design.npy"), &rows, &[u.len() as u64, 3])
}
