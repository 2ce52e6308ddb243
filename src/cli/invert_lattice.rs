//! `backsolve invert CONFIG.toml` with `[model] kind = "lattice"`: atom positions (and, if
//! asked, the blur width) fitted to a measured momentum-space image, by L-BFGS on the image
//! misfit of the renderer (`backsolve::models::lattice`), on the run engine.
//!
//! ```toml
//! [model]
//! kind = "lattice"
//!
//! [data]
//! file = "image.npy"       # float64 (P, P): the image's quantity, in the renderer's units
//! layout = "centred"       # k = 0 at pixel (P/2, P/2), as images are shown; or "fft"
//! quantity = "log_power"   # ln(1 + |F|²); or "power" (|F|² / (P² N))
//!
//! [geometry]
//! side = 10.0              # side L of the periodic box (lattice units)
//! sigma = 0.25             # blur width of every atom (the start when fitted)
//! fit_sigma = false        # true: the blur width is fitted too
//!
//! [atoms]                  # the atom count is known: a start file or a count
//! start = "start.npy"      # (atoms, 2): x, y of each atom's starting position
//! # count = 16             # or this many atoms at uniformly random positions
//!
//! [constraints]            # optional cost terms (weights 0 by default)
//! structure_factor = 0.0   # weight of the shell-averaged misfit
//! excluded_weight = 0.0    # weight of the excluded-radius penalty
//! excluded_radius = 0.0
//!
//! [optimizer]              # as for the transport kind; starts > 1 needs atoms.count
//! max_epochs = 300
//!
//! [output]
//! dir = "out-lattice"
//! ```
//!
//! The image does not determine the atoms (it is blind to translations, inversion and the
//! Fourier phases): the fitted positions are one configuration with the measured image.

use super::config::OutputCfg;
use super::demo_lattice::momentum_axes;
use super::invert::{Job, Problem};
use super::invert_config::OptimizerCfg;
use super::output::{read_npy, write_json, write_npy};
use super::plot::{transpose, write_panels, write_points, Heat, HeatAxis, Panel};
use backsolve::inverse::Options;
use backsolve::models::lattice::fit::{Constraints, ImageFit};
use backsolve::models::lattice::render::momentum_image;
use backsolve::models::lattice::{Geometry, Quantity};
use backsolve::SplitMix64;
use plotters::style::RGBColor;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct LatticeConfig {
    #[allow(dead_code)]
    model: super::invert_config::ModelCfg,
    data: DataCfg,
    geometry: GeometryCfg,
    atoms: AtomsCfg,
    #[serde(default)]
    constraints: ConstraintsCfg,
    #[serde(default)]
    optimizer: OptimizerCfg,
    #[serde(default)]
    output: OutputCfg,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct DataCfg {
    file: PathBuf,
    #[serde(default = "centred")]
    layout: String,
    #[serde(default = "log_power")]
    quantity: String,
}

fn centred() -> String {
    "centred".into()
}

fn log_power() -> String {
    "log_power".into()
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct GeometryCfg {
    side: f64,
    sigma: f64,
    #[serde(default)]
    fit_sigma: bool,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct AtomsCfg {
    start: Option<PathBuf>,
    count: Option<usize>,
    #[serde(default = "one")]
    seed: u64,
}

fn one() -> u64 {
    1
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields, default)]
struct ConstraintsCfg {
    structure_factor: f64,
    excluded_weight: f64,
    excluded_radius: f64,
}

/// Largest image side: a fit holds about 20 complex images of P² values.
const MAX_PIXELS: usize = 1_024;
/// Most atoms: the excluded-radius penalty visits every pair.
const MAX_ATOMS: usize = 10_000;

fn quantity(name: &str) -> Result<Quantity, String> {
    match name {
        "log_power" => Ok(Quantity::LogPower),
        "power" => Ok(Quantity::Power),
        other => Err(format!(
            "data.quantity: expected \"log_power\" or \"power\", got \"{other}\""
        )),
    }
}

/// The `(P, P)` image of `path` in FFT order (`k = 0` at pixel 0).
fn read_image(path: &Path, layout: &str) -> Result<(Vec<f64>, usize), String> {
    let centred = match layout {
        "centred" => true,
        "fft" => false,
        other => {
            return Err(format!(
                "data.layout: expected \"centred\" or \"fft\", got \"{other}\""
            ))
        }
    };
    let (values, shape) = read_npy(path)?;
    let p = match shape.as_slice() {
        [rows, cols] if rows == cols => *rows as usize,
        _ => {
            return Err(format!(
                "data.file: {} has shape {shape:?}; expected a square image (P, P)",
                path.display()
            ))
        }
    };
    super::at_least("data.file: pixels per side", p, 4)?;
    super::at_most(
        "data.file: pixels per side",
        p,
        MAX_PIXELS,
        "a fit holds about 20 complex images of P² values",
    )?;
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(format!(
            "data.file: {} pixel ({}, {}) holds {}",
            path.display(),
            i / p,
            i % p,
            values[i]
        ));
    }
    if !centred {
        return Ok((values, p));
    }
    // FFT index i holds the centred pixel (i + P/2) mod P: the inverse of showing k = 0 at P/2.
    let shift = |i: usize| (i + p / 2) % p;
    let fft = (0..p * p)
        .map(|k| values[shift(k / p) * p + shift(k % p)])
        .collect();
    Ok((fft, p))
}

fn read_start(path: &Path) -> Result<Vec<f64>, String> {
    let (values, shape) = read_npy(path)?;
    if !(shape.len() == 2 && shape[1] == 2 && shape[0] > 0) {
        return Err(format!(
            "atoms.start: {} has shape {shape:?}; expected (atoms, 2): x, y of each atom",
            path.display()
        ));
    }
    if values.iter().any(|v| !v.is_finite()) {
        return Err(format!(
            "atoms.start: {} holds NaN or infinity",
            path.display()
        ));
    }
    Ok(values)
}

/// The image fit, with the atom count.
#[derive(Debug)]
pub struct ImageInversion {
    fit: ImageFit,
    atoms: usize,
    /// Whether the target was given with `k = 0` in the centre (outputs keep its layout).
    centred: bool,
}

/// The run of a lattice config, and its output folder.
pub fn job(
    text: &str,
    path: &Path,
    out: Option<&Path>,
) -> Result<(Job<ImageInversion>, PathBuf), String> {
    let cfg: LatticeConfig = super::config::parse(text, &path.display().to_string())?;
    let base = super::invert_config::config_folder(path);
    let (target, pixels) = read_image(&base.join(&cfg.data.file), &cfg.data.layout)?;
    let g = &cfg.geometry;
    let geometry = Geometry {
        side: g.side,
        pixels,
        sigma: g.sigma,
        quantity: quantity(&cfg.data.quantity)?,
    };
    geometry.validate().map_err(|e| format!("geometry: {e}"))?;
    let c = &cfg.constraints;
    let constraints = Constraints {
        structure_factor: c.structure_factor,
        excluded_weight: c.excluded_weight,
        excluded_radius: c.excluded_radius,
    };
    let mut fit =
        ImageFit::new(geometry, target, constraints).map_err(|e| format!("constraints: {e}"))?;
    fit.fit_sigma = g.fit_sigma;
    let o = &cfg.optimizer;
    super::at_least("optimizer.max_epochs", o.max_epochs, 1)?;
    super::at_least("optimizer.starts", o.starts, 1)?;
    let (first, atoms, starts) = match (&cfg.atoms.start, cfg.atoms.count) {
        (Some(file), None) => {
            let start = read_start(&base.join(file))?;
            (Some(fit.parameters(&start)), start.len() / 2, 1)
        }
        (None, Some(count)) => {
            super::at_least("atoms.count", count, 1)?;
            (None, count, o.starts)
        }
        _ => return Err("atoms: give either start (a file) or count".into()),
    };
    super::at_most("atoms", atoms, MAX_ATOMS, "the penalty visits every pair")?;
    let out = super::invert_config::output_folder(out, base, &cfg.output.dir);
    let job = Job {
        name: format!("invert lattice {}", path.display()),
        problem: ImageInversion {
            fit,
            atoms,
            centred: cfg.data.layout == "centred",
        },
        truth: None,
        scale: 1.0,
        first,
        init_range: (0.0, g.side),
        method: o.method.method(),
        opts: Options {
            cost_tol: super::simulate::finite("optimizer.cost_tol", o.cost_tol)?,
            max_epochs: o.max_epochs,
            ..Options::default()
        },
        starts,
        accept_cost: super::simulate::finite("optimizer.accept_cost", o.accept_cost)?,
        seed: cfg.atoms.seed,
    };
    Ok((job, out))
}

impl ImageInversion {
    /// `q` as it was given: FFT order, or `k = 0` at `(P/2, P/2)`.
    fn in_layout(&self, q: &[f64]) -> Vec<f64> {
        let p = self.fit.geometry.pixels;
        if !self.centred {
            return q.to_vec();
        }
        let shift = |i: usize| (i + p / 2) % p;
        let mut shown = vec![0.0; p * p];
        for k in 0..p * p {
            shown[shift(k / p) * p + shift(k % p)] = q[k];
        }
        shown
    }

    fn image_of(&self, x: &[f64]) -> Result<Vec<f64>, String> {
        let (positions, sigma) = self.fit.split(x);
        let geometry = Geometry {
            sigma,
            ..self.fit.geometry
        };
        momentum_image(&geometry, positions).map_err(|e| e.to_string())
    }
}

/// What `lattice.json` holds beside the engine's summary.
#[derive(serde::Serialize)]
struct LatticeSummary {
    atoms: usize,
    pixels: usize,
    side: f64,
    fit_sigma: bool,
    sigma: f64,
    image_misfit_start: f64,
    image_misfit: f64,
}

impl Problem for ImageInversion {
    type Objective = ImageFit;

    fn objective(&mut self) -> &mut ImageFit {
        &mut self.fit
    }

    fn dim(&self) -> usize {
        2 * self.atoms + usize::from(self.fit.fit_sigma)
    }

    fn validate(&self) -> Result<(), String> {
        self.fit.geometry.validate().map_err(|e| e.to_string())
    }

    fn random_start(&self, rng: &mut SplitMix64, range: (f64, f64)) -> Vec<f64> {
        let positions: Vec<f64> = (0..2 * self.atoms)
            .map(|_| rng.range(range.0, range.1))
            .collect();
        self.fit.parameters(&positions)
    }

    /// Of the positions (the truth in the same atom order).
    fn rms_error(&self, x: &[f64], truth: &[f64]) -> f64 {
        super::invert::rms_difference(self.fit.split(x).0, truth)
    }

    /// `positions.npy` and `initial.npy` (atoms x 2), `fitted_image.npy` and
    /// `initial_image.npy` (P x P, in the data's layout), `lattice.json` (the blur width and
    /// the image misfits), `momentum.png` (measured | start | fitted) and `positions.png`.
    fn write_outputs(
        &mut self,
        out: &Path,
        x: &[f64],
        x0: &[f64],
        _truth: Option<&[f64]>,
    ) -> Result<(), String> {
        let p = self.fit.geometry.pixels;
        let shape = [self.atoms as u64, 2];
        let (positions, sigma) = self.fit.split(x);
        let start = self.fit.split(x0).0;
        write_npy(&out.join("positions.npy"), positions, &shape)?;
        write_npy(&out.join("initial.npy"), start, &shape)?;
        let fitted = self.in_layout(&self.image_of(x)?);
        let initial = self.in_layout(&self.image_of(x0)?);
        let measured = self.in_layout(&self.fit.target);
        let square = [p as u64, p as u64];
        write_npy(&out.join("fitted_image.npy"), &fitted, &square)?;
        write_npy(&out.join("initial_image.npy"), &initial, &square)?;
        let summary = LatticeSummary {
            atoms: self.atoms,
            pixels: p,
            side: self.fit.geometry.side,
            fit_sigma: self.fit.fit_sigma,
            sigma,
            image_misfit_start: self.fit.image_misfit(x0),
            image_misfit: self.fit.image_misfit(x),
        };
        write_json(&out.join("lattice.json"), &summary)?;
        // Rows of the images are x: transposed, x runs horizontally as in the positions.
        let drawn: Vec<Vec<f64>> = [&measured, &initial, &fitted]
            .iter()
            .map(|v| transpose(v, p, p))
            .collect();
        let titles = ["measured", "start", "fitted"];
        let panels: Vec<Panel> = drawn
            .iter()
            .zip(titles)
            .map(|(values, title)| Panel::new(values, p, p, title))
            .collect();
        let heat = if self.centred {
            momentum_axes(&self.fit.geometry, self.fit.geometry.quantity)
        } else {
            Heat {
                x: HeatAxis::sites("FFT index along x", p),
                y: HeatAxis::sites("FFT index along y", p),
                ..momentum_axes(&self.fit.geometry, self.fit.geometry.quantity)
            }
        };
        write_panels(&out.join("momentum.png"), &panels, &heat)?;
        write_points(
            &out.join("positions.png"),
            self.fit.geometry.side,
            &[
                ("start", vec![(start, RGBColor(200, 120, 0))]),
                ("fitted", vec![(positions, RGBColor(30, 90, 220))]),
            ],
        )
    }
}
