//! `backsolve invert CONFIG.toml` with `[model] kind = "qtbm"`: barrier parameters of a
//! resonant-tunnelling device fitted to a measured I-V curve (Tsu-Esaki current density).
//!
//! ```toml
//! [model]
//! kind = "qtbm"
//!
//! [data]
//! file = "iv.csv"          # columns: bias (V), current density (A/cm²), optional sigma (A/cm²);
//!                          # .csv (commas or spaces, # comments) or a float64 .npy (n x 2 or 3)
//!
//! [device]                 # optional; GaAs defaults
//! points = 300             # grid points
//! spacing = 0.2            # nm
//! mass = 0.067             # effective mass / m_e
//! drop = [20.0, 40.0]      # nm: where the bias drops linearly
//!
//! [supply]                 # optional
//! fermi = 0.05             # eV above the left contact's band bottom
//! temperature = 77.0       # K
//! energies = 1000          # quadrature points up to e_max
//! e_max = 0.5              # eV
//!
//! [barriers]               # the starting guess: height (eV), width (nm), centre (nm) each
//! start = [[0.3, 2.0, 26.5], [0.3, 2.0, 33.5]]
//!
//! [optimizer]              # as for the transport kind
//! max_epochs = 200
//!
//! [output]
//! dir = "out-qtbm"
//! ```

use super::config::OutputCfg;
use super::invert::{Job, Problem};
use super::invert_config::OptimizerCfg;
use super::output::write_npy;
use super::plot::{write_curves, Axes, YAxis};
use super::table::{read_table, Layout, Table};
use backsolve::inverse::Options;
use backsolve::models::qtbm::{Device, IvFit, Supply};
use plotters::style::RGBColor;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct QtbmConfig {
    #[allow(dead_code)]
    model: super::invert_config::ModelCfg,
    data: DataCfg,
    #[serde(default)]
    device: DeviceCfg,
    #[serde(default)]
    supply: SupplyCfg,
    barriers: BarriersCfg,
    #[serde(default)]
    optimizer: OptimizerCfg,
    #[serde(default)]
    output: OutputCfg,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct DataCfg {
    file: PathBuf,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, default)]
struct DeviceCfg {
    points: usize,
    spacing: f64,
    mass: f64,
    drop: (f64, f64),
}

impl Default for DeviceCfg {
    fn default() -> Self {
        let d = Device::gaas();
        DeviceCfg {
            points: d.points,
            spacing: d.spacing,
            mass: d.mass,
            drop: d.drop,
        }
    }
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, default)]
struct SupplyCfg {
    fermi: f64,
    temperature: f64,
    energies: usize,
    e_max: f64,
}

impl Default for SupplyCfg {
    fn default() -> Self {
        let s = Supply::default();
        SupplyCfg {
            fermi: s.fermi,
            temperature: s.temperature,
            energies: s.energies,
            e_max: s.e_max,
        }
    }
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct BarriersCfg {
    start: Vec<[f64; 3]>,
}

/// The largest curve accepted, as for `demo rtd`: one evaluation costs biases x energies x
/// grid points.
use super::demo_rtd::MAX_BIASES;

fn read_curve(path: &Path) -> Result<Table, String> {
    let layout = Layout {
        key: "data.file",
        columns: "bias V, current A/cm², optional sigma",
        max_rows: (MAX_BIASES, "each bias costs a full current integral"),
    };
    read_table(path, &layout)
}

fn start_params(b: &BarriersCfg) -> Result<Vec<f64>, String> {
    if b.start.is_empty() {
        return Err("barriers.start: give at least one [height, width, centre]".into());
    }
    for (i, [h, w, c]) in b.start.iter().enumerate() {
        if !(h.is_finite() && w.is_finite() && *w > 0.0 && c.is_finite()) {
            return Err(format!(
                "barriers.start[{i}]: [{h}, {w}, {c}] needs a finite height, a positive width and a finite centre"
            ));
        }
    }
    Ok(b.start.iter().flatten().copied().collect())
}

/// The I-V fit with its number of parameters (three per barrier).
#[derive(Debug)]
pub struct IvInversion {
    fit: IvFit,
    dim: usize,
}

/// The run of a qtbm config, and its output folder.
pub fn job(
    text: &str,
    path: &Path,
    out: Option<&Path>,
) -> Result<(Job<IvInversion>, PathBuf), String> {
    let cfg: QtbmConfig = super::config::parse(text, &path.display().to_string())?;
    let base = super::invert_config::config_folder(path);
    let curve = read_curve(&base.join(&cfg.data.file))?;
    let d = &cfg.device;
    let device = Device {
        points: d.points,
        spacing: d.spacing,
        mass: d.mass,
        drop: d.drop,
        ..Device::gaas()
    };
    let s = &cfg.supply;
    let supply = Supply {
        fermi: s.fermi,
        temperature: s.temperature,
        energies: s.energies,
        e_max: s.e_max,
    };
    super::at_most(
        "supply.energies",
        s.energies,
        100_000,
        "the quadrature converges long before",
    )?;
    super::at_most(
        "device.points",
        d.points,
        100_000,
        "each energy solves the whole grid",
    )?;
    let first = start_params(&cfg.barriers)?;
    let mut fit = IvFit::new(device, supply, curve.x, curve.y).map_err(|e| e.to_string())?;
    if let Some(sigma) = &curve.sigma {
        fit = fit.with_sigma(sigma).map_err(|e| e.to_string())?;
    }
    let o = &cfg.optimizer;
    super::at_least("optimizer.max_epochs", o.max_epochs, 1)?;
    let out = super::invert_config::output_folder(out, base, &cfg.output.dir);
    let job = Job {
        name: format!("invert qtbm {}", path.display()),
        problem: IvInversion {
            fit,
            dim: first.len(),
        },
        truth: None,
        scale: 1.0,
        first: Some(first.clone()),
        init_range: (0.0, 0.0),
        method: o.method.method(),
        opts: Options {
            cost_tol: super::simulate::finite("optimizer.cost_tol", o.cost_tol)?,
            stagnation_window: 40,
            stagnation_rel: 1e-3,
            max_epochs: o.max_epochs,
            bounds: None,
        },
        starts: 1,
        accept_cost: super::simulate::finite("optimizer.accept_cost", o.accept_cost)?,
        seed: 1,
    };
    Ok((job, out))
}

impl Problem for IvInversion {
    type Objective = IvFit;

    fn objective(&mut self) -> &mut IvFit {
        &mut self.fit
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn validate(&self) -> Result<(), String> {
        self.fit.device.validate().map_err(|e| e.to_string())?;
        self.fit.supply.validate().map_err(|e| e.to_string())
    }

    /// `iv.npy` (bias V, target, fitted, initial A/cm²), `barriers.npy` and
    /// `barriers_initial.npy` (height eV, width nm, centre nm per barrier), `iv.png`.
    fn write_outputs(
        &mut self,
        out: &Path,
        x: &[f64],
        x0: &[f64],
        _truth: Option<&[f64]>,
    ) -> Result<(), String> {
        let f = &self.fit;
        let fitted = f.predict(x);
        let initial = f.predict(x0);
        let n = f.biases.len();
        let rows: Vec<f64> = (0..n)
            .flat_map(|i| [f.biases[i], f.target[i], fitted[i], initial[i]])
            .collect();
        write_npy(&out.join("iv.npy"), &rows, &[n as u64, 4])?;
        let barriers = (x.len() / 3) as u64;
        write_npy(&out.join("barriers.npy"), x, &[barriers, 3])?;
        write_npy(&out.join("barriers_initial.npy"), x0, &[barriers, 3])?;
        let curves: [(&[f64], RGBColor, &str); 3] = [
            (&f.target, RGBColor(0, 0, 0), "measured"),
            (&initial, RGBColor(200, 120, 0), "start"),
            (&fitted, RGBColor(30, 90, 220), "fitted"),
        ];
        let axes = Axes {
            x: "bias (V)",
            y: "current density (A/cm^2)",
            scale: YAxis::Linear,
        };
        write_curves(&out.join("iv.png"), &f.biases, &curves, axes)
    }
}
