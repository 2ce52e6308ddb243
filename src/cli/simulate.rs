//! `backsolve simulate CONFIG.toml`: a conductance map from a config file.

use super::config::{self, Config};
use super::output::{read_npy, write_npy};
use super::plot::write_heatmap;
use backsolve::models::transport::{open_channels, simulate_map, Grid, Lattice, Model, WireLead};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Everything a run needs, validated.
struct Run {
    lattice: Lattice,
    model: Model,
    q: usize,
    v: Vec<f64>,
    m: Option<Vec<f64>>,
    grid: Grid,
    out: PathBuf,
}

pub(super) fn finite(name: &str, x: f64) -> Result<f64, String> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(format!("{name} must be a finite number, got {x}"))
    }
}

fn wavenumber(name: &str, k: f64) -> Result<f64, String> {
    let k = finite(name, k)?;
    if k > 0.0 && k < std::f64::consts::PI {
        Ok(k)
    } else {
        Err(format!("{name} must lie in (0, pi), got {k}"))
    }
}

pub(super) fn load_array(
    base: &Path,
    file: &Path,
    field: &str,
    shape: &[u64],
) -> Result<Vec<f64>, String> {
    let path = base.join(file);
    let (data, got) = read_npy(&path)?;
    if got != shape {
        return Err(format!(
            "{field}: {} has shape {got:?}, the lattice needs {shape:?} (row index x)",
            path.display()
        ));
    }
    if let Some(i) = data.iter().position(|x| !x.is_finite()) {
        return Err(format!(
            "{field}: {} holds NaN or infinity at flat index {i}",
            path.display()
        ));
    }
    Ok(data)
}

fn model(cfg: &Config) -> Result<Model, String> {
    lead_model(&cfg.leads, cfg.magnetization.as_ref().map(|m| m.exchange))
}

/// The model from the `[leads]` table; `exchange` (from `[magnetization]`) makes it spinful.
pub(super) fn lead_model(l: &config::LeadsCfg, exchange: Option<f64>) -> Result<Model, String> {
    if let Some(exchange) = exchange {
        if l.kind != "wires" {
            return Err(format!(
                "leads.kind: the spinful model uses \"wires\" leads, got \"{}\"",
                l.kind
            ));
        }
        let (Some(ku), Some(kd)) = (l.k_up, l.k_down) else {
            return Err("leads: the spinful model needs k_up and k_down".into());
        };
        return Ok(Model::Spinful {
            j: finite("magnetization.exchange", exchange)?,
            k_up: wavenumber("leads.k_up", ku)?,
            k_down: wavenumber("leads.k_down", kd)?,
        });
    }
    if l.k_up.is_some() || l.k_down.is_some() {
        return Err("leads: k_up/k_down need a [magnetization] (the spinful model)".into());
    }
    match l.kind.as_str() {
        "wires" => match (l.k, l.onsite) {
            (Some(k), None) => Ok(Model::Wires(WireLead::Wavenumber(wavenumber("leads.k", k)?))),
            (None, Some(eps)) => Ok(Model::Wires(WireLead::OnSite(finite("leads.onsite", eps)?))),
            _ => Err("leads: wire leads need exactly one of k (fixed wavenumber) or onsite (fixed on-site energy)".into()),
        },
        "square" => {
            if l.k.is_some() || l.onsite.is_some() {
                return Err("leads: square-lattice leads take no k or onsite".into());
            }
            Ok(Model::Square)
        }
        other => Err(format!("leads.kind: expected \"wires\" or \"square\", got \"{other}\"")),
    }
}

fn grid(cfg: &Config) -> Result<Grid, String> {
    grid_of(&cfg.grid)
}

/// The flux and energy points of a `[grid]` table.
pub(super) fn grid_of(g: &config::GridCfg) -> Result<Grid, String> {
    let axis = |name: &str, (a, b, n): (f64, f64, usize)| -> Result<(f64, f64, usize), String> {
        if n == 0 {
            return Err(format!("{name}: the number of points must be at least 1"));
        }
        Ok((finite(name, a)?, finite(name, b)?, n))
    };
    Ok(Grid::linspace(
        axis("grid.phi", g.phi)?,
        axis("grid.energy", g.energy)?,
    ))
}

/// Seconds of one core per (phi, E) point and per unit of `lx * ly³` (a slice's transfer
/// step costs O(ly³)); measured on the development machine with margin.
const SECONDS_PER_UNIT: f64 = 1e-9;
/// The longest map `simulate` starts: two hours of all cores.
pub(super) const MAX_MAP_SECONDS: f64 = 7200.0;
/// The most (phi, E) points of one map (8 bytes each in G.npy, more while computing).
pub(super) const MAX_MAP_POINTS: usize = 100_000_000;

/// Refuse maps whose estimated time or memory is past the documented limits, before any work.
pub(super) fn check_work(l: Lattice, points: usize) -> Result<(), String> {
    super::at_most(
        "grid: phi x energy points",
        points,
        MAX_MAP_POINTS,
        "memory",
    )?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let seconds = points as f64 * l.lx as f64 * (l.ly as f64).powi(3) * SECONDS_PER_UNIT / cores;
    if seconds > MAX_MAP_SECONDS {
        return Err(format!(
            "lattice {} x {} on {points} (phi, E) points: estimated {:.1e} s on {cores} cores, past the limit of {MAX_MAP_SECONDS} s; use fewer points or a smaller lattice",
            l.lx, l.ly, seconds
        ));
    }
    Ok(())
}

/// The lattice, after checking it and the QR interval.
pub(super) fn checked_lattice(
    l: &config::LatticeCfg,
    solver: &config::SolverCfg,
) -> Result<Lattice, String> {
    if l.lx == 0 || l.ly == 0 {
        return Err(format!(
            "lattice: lx and ly must be at least 1, got {} x {}",
            l.lx, l.ly
        ));
    }
    if solver.q == 0 {
        return Err("solver.q: the QR interval must be at least 1".into());
    }
    Ok(Lattice { lx: l.lx, ly: l.ly })
}

/// The potential (zero without a file) and the magnetization (if given), checked against the
/// lattice.
pub(super) fn landscapes(
    base: &Path,
    potential: &Option<config::FileCfg>,
    magnetization: &Option<config::MagnetizationCfg>,
    Lattice { lx, ly }: Lattice,
) -> Result<(Vec<f64>, Option<Vec<f64>>), String> {
    let v = match potential {
        Some(p) => load_array(base, &p.file, "potential.file", &[lx as u64, ly as u64])?,
        None => vec![0.0; lx * ly],
    };
    within_landscape_range("potential.file", &v)?;
    let m = match magnetization {
        Some(mg) => Some(load_array(
            base,
            &mg.file,
            "magnetization.file",
            &[lx as u64, ly as u64, 3],
        )?),
        None => None,
    };
    if let Some(m) = &m {
        within_landscape_range("magnetization.file", m)?;
    }
    Ok((v, m))
}

/// The largest on-site energy or magnetization component accepted, in units of the hopping t:
/// far past any physical landscape, and far below where the transfer matrices overflow.
pub(super) const MAX_LANDSCAPE: f64 = 1e6;

/// `field` holds only values of magnitude at most [`MAX_LANDSCAPE`].
pub(super) fn within_landscape_range(field: &str, values: &[f64]) -> Result<(), String> {
    match values.iter().position(|x| x.abs() > MAX_LANDSCAPE) {
        Some(i) => Err(format!(
            "{field}: {:e} at flat index {i} is past the limit of {MAX_LANDSCAPE:e} t",
            values[i]
        )),
        None => Ok(()),
    }
}

fn prepare(path: &Path, out_override: Option<&Path>) -> Result<Run, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let cfg: Config = config::parse(&text, &path.display().to_string())?;
    let base = path.parent().unwrap_or(Path::new("."));
    let lattice = checked_lattice(&cfg.lattice, &cfg.solver)?;
    let ly = lattice.ly;
    let model = model(&cfg)?;
    let grid = grid(&cfg)?;
    check_work(lattice, grid.len())?;
    let (v, m) = landscapes(base, &cfg.potential, &cfg.magnetization, lattice)?;
    let closed_everywhere = match &model {
        Model::Wires(lead) => grid.energies.iter().all(|&e| lead.wavenumber(e).is_none()),
        Model::Square => grid.phis.iter().all(|&p| {
            grid.energies
                .iter()
                .all(|&e| open_channels(ly, p, e) == Ok(0))
        }),
        Model::Spinful { .. } => false,
    };
    if closed_everywhere {
        return Err(
            "leads: the leads are closed at every energy of the grid; nothing would conduct".into(),
        );
    }
    let out = out_override
        .map(Path::to_path_buf)
        .unwrap_or_else(|| base.join(&cfg.output.dir));
    Ok(Run {
        lattice,
        model,
        q: cfg.solver.q,
        v,
        m,
        grid,
        out,
    })
}

/// Run `simulate`.
pub fn run(config: &Path, out: Option<&Path>) -> Result<(), String> {
    let run = prepare(config, out)?;
    let stage = super::output::Staging::new(&run.out)?;
    let bar = super::progress::Progress::new("conductance map", run.grid.len(), "(phi, E) points");
    let start = Instant::now();
    let g = simulate_map(
        &run.model,
        run.lattice,
        run.q,
        &run.v,
        run.m.as_deref(),
        &run.grid,
        &|| bar.inc(1),
    )
    .map_err(|e| e.to_string())?;
    bar.finish();
    let took = start.elapsed();
    let (rows, cols) = (run.grid.phis.len(), run.grid.energies.len());
    write_npy(&stage.path().join("G.npy"), &g, &[rows as u64, cols as u64])?;
    write_heatmap(
        &stage.path().join("G.png"),
        &g,
        (rows, cols),
        "conductance G(phi, E)",
        &super::invert::map_axes(&run.grid),
    )?;
    stage.commit()?;
    let (npy, png) = (run.out.join("G.npy"), run.out.join("G.png"));
    let (lo, hi) = g
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    let mean = g.iter().sum::<f64>() / g.len() as f64;
    println!(
        "G(phi, E) on {rows} x {cols} points, lattice {} x {}, {}, q = {}: min {lo:.6}, max {hi:.6}, mean {mean:.6} e^2/h, {:.2?}",
        run.lattice.lx, run.lattice.ly, run.model, run.q, took
    );
    println!("wrote {} and {}", npy.display(), png.display());
    Ok(())
}
