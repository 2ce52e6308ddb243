//! The `simulate` config file.
//!
//! ```toml
//! [lattice]
//! lx = 20                  # slices along transport
//! ly = 10                  # sites across
//!
//! [potential]              # optional; zero potential without it
//! file = "v.npy"           # float64, shape (lx, ly), row index x
//!
//! [magnetization]          # optional; makes the model spinful
//! file = "m.npy"           # float64, shape (lx, ly, 3)
//! exchange = 1.0           # J
//!
//! [leads]
//! kind = "wires"           # "wires" (the paper's parallel wires) or "square"
//! k = 1.0                  # wires: fixed wavenumber in (0, pi) ...
//! # onsite = 0.0           # ... or a fixed on-site energy
//! # k_up = 0.8             # spinful: one wavenumber per spin
//! # k_down = 1.9
//!
//! [grid]
//! phi = [0.0, 0.1, 31]     # flux per plaquette (h/e): start, end, points
//! energy = [-1.0, 1.0, 21] # Fermi energy (t): start, end, points
//!
//! [solver]
//! q = 4                    # QR every q slices
//!
//! [output]
//! dir = "out"
//! ```

use serde::Deserialize;
use std::path::PathBuf;

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub lattice: LatticeCfg,
    pub potential: Option<FileCfg>,
    pub magnetization: Option<MagnetizationCfg>,
    pub leads: LeadsCfg,
    pub grid: GridCfg,
    #[serde(default)]
    pub solver: SolverCfg,
    #[serde(default)]
    pub output: OutputCfg,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct LatticeCfg {
    pub lx: usize,
    pub ly: usize,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct FileCfg {
    pub file: PathBuf,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct MagnetizationCfg {
    pub file: PathBuf,
    pub exchange: f64,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct LeadsCfg {
    pub kind: String,
    pub k: Option<f64>,
    pub onsite: Option<f64>,
    pub k_up: Option<f64>,
    pub k_down: Option<f64>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct GridCfg {
    pub phi: (f64, f64, usize),
    pub energy: (f64, f64, usize),
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct SolverCfg {
    pub q: usize,
}

impl Default for SolverCfg {
    fn default() -> Self {
        SolverCfg { q: 4 }
    }
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct OutputCfg {
    pub dir: PathBuf,
}

impl Default for OutputCfg {
    fn default() -> Self {
        OutputCfg { dir: "out".into() }
    }
}

/// Parse a config (of `simulate` or `invert`), as one line per error.
pub fn parse<T: serde::de::DeserializeOwned>(text: &str, name: &str) -> Result<T, String> {
    toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start].matches('\n').count() + 1)
            .map(|l| format!(" line {l}"))
            .unwrap_or_default();
        format!("{name}{line}: {}", e.message().replace('\n', " "))
    })
}
