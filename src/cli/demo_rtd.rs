//! `backsolve demo rtd` (seed 001): a hidden GaAs/AlGaAs double-barrier diode, its Tsu-Esaki
//! I-V curve as the target, a perturbed start, and the L-BFGS fit of all six barrier parameters;
//! then a band-pass transmission design on a 20 nm window of the same grid.

use super::output::{write_json, write_npy};
use super::plot::{write_curves, Axes, YAxis};
use backsolve::inverse::{minimize, Method, Objective, Options, Progress, Report};
use backsolve::models::qtbm::{
    iv_curve, transmission_spectrum, Device, Formula, IvFit, Supply, TransmissionDesign,
};
use backsolve::SplitMix64;
use plotters::style::RGBColor;
use std::path::Path;
use std::time::Instant;

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
    design_misfit_initial: f64,
    design_misfit: f64,
    design_epochs: usize,
    design_seconds: f64,
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

fn minimize_with_bar(
    obj: &mut dyn Objective,
    x0: Vec<f64>,
    opts: &Options,
    prefix: &str,
) -> Report {
    let bar = super::progress::Progress::new(prefix, opts.max_epochs, "epochs");
    let report = minimize(
        obj,
        x0,
        &Method::Lbfgs { memory: 10 },
        opts,
        &mut |p: &Progress| {
            bar.set_position(p.epoch);
            bar.set_message(format!("cost {:.3e}", p.cost));
            true
        },
    );
    bar.finish();
    report
}

/// Peak bias, peak current and peak-to-valley ratio of an I-V curve.
fn peak_and_valley(biases: &[f64], j: &[f64]) -> (f64, f64, f64) {
    let peak = (0..j.len())
        .max_by(|&a, &b| j[a].total_cmp(&j[b]))
        .unwrap_or(0);
    let valley = j[peak..].iter().copied().fold(f64::INFINITY, f64::min);
    (biases[peak], j[peak], j[peak] / valley)
}

/// Run `demo rtd` into `out`.
pub fn run(s: &Settings, out: &Path) -> Result<(), String> {
    check(s)?;
    let stage = super::output::Staging::new(out)?;
    let (final_out, out) = (out, stage.path());
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
    let mut fit =
        IvFit::new(device.clone(), supply, biases.clone(), target.clone()).map_err(err)?;
    let opts = Options {
        max_epochs: s.max_epochs,
        cost_tol: 1e-20,
        ..Options::default()
    };
    let clock = Instant::now();
    let report = minimize_with_bar(&mut fit, start.clone(), &opts, "I-V fit");
    let fit_seconds = clock.elapsed().as_secs_f64();
    let initial_iv = fit.predict(&start);
    let fitted_iv = fit.predict(&report.x);
    let max_relative_error = report
        .x
        .iter()
        .zip(&TRUTH)
        .map(|(a, b)| ((a - b) / b).abs())
        .fold(0.0, f64::max);
    write_iv_outputs(
        out,
        &device,
        &biases,
        [&target, &initial_iv, &fitted_iv],
        [&TRUTH, &start, &report.x],
    )?;

    let clock = Instant::now();
    let mut design =
        TransmissionDesign::band_pass(device.clone(), PASS_BAND, DESIGN_SMOOTHNESS).map_err(err)?;
    let energies = design.energies.clone();
    let x0 = design.initial();
    let design_misfit_initial = design.misfit(&x0);
    let designed = minimize_with_bar(&mut design, x0.clone(), &opts, "T(E) design");
    let design_seconds = clock.elapsed().as_secs_f64();
    let design_misfit = design.misfit(&designed.x);
    write_design_outputs(out, &design, &energies, &x0, &designed.x)?;

    let (peak_bias, peak_current, peak_to_valley) = peak_and_valley(&biases, &target);
    let summary = Summary {
        truth: TRUTH.to_vec(),
        start,
        fitted: report.x.clone(),
        max_relative_error,
        fit_cost: report.cost,
        fit_epochs: report.epochs,
        fit_seconds,
        fit_stop: report.stop.to_string(),
        peak_bias,
        peak_current,
        peak_to_valley,
        design_misfit_initial,
        design_misfit,
        design_epochs: designed.epochs,
        design_seconds,
    };
    write_json(&out.join("summary.json"), &summary)?;
    println!(
        "demo rtd: I-V peak {peak_current:.3e} A/cm² at {peak_bias:.2} V, peak/valley {peak_to_valley:.2}; \
         fit cost {:.3e} after {} epochs ({fit_seconds:.1} s), largest parameter error {max_relative_error:.2e} (relative)",
        report.cost, report.epochs
    );
    println!(
        "band-pass design: misfit {design_misfit_initial:.3e} -> {design_misfit:.3e} in {} epochs ({design_seconds:.1} s)",
        designed.epochs
    );
    stage.commit()?;
    println!("wrote {}", final_out.display());
    Ok(())
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
