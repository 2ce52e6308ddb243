//! Studies around the built-in potential case (seed 000, section IV):
//!
//! - `slices`: the cost on a 2D slice through two potential values around the truth, for a
//!   dense `(phi, E)` map, a sparse `phi` mesh at fixed `E` and a dense `phi` mesh at fixed `E`
//!   (Fig. 4), as heat maps;
//! - `noise`: the reconstruction error against the relative noise on the target;
//! - `optimizers`: the paper's rule, Adam, L-BFGS and Newton-CG (line search and trust region) from one initial guess, epochs and wall
//!   time to reach cost `1e-8`.
//!
//! Each writes a Markdown table (`*.md`) and pictures into the output folder.

use super::demo::{self, Case, MethodName, Settings};
use super::invert;
use super::output::write_npy;
use super::plot::{write_log_curves, write_panels, Heat, HeatAxis, Mark, Panel};
use super::progress::Progress;
use backsolve::inverse::{minimize, Objective, Options, Stop};
use backsolve::models::transport::{simulate_map, Grid, Lattice};
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

/// Which study.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Study {
    /// Cost landscapes on 2D slices for three kinds of target data (Fig. 4).
    Slices,
    /// Reconstruction error against noise level.
    Noise,
    /// Epochs and wall time of each optimizer to reach cost 1e-8.
    Optimizers,
    /// The learned spectral solvers: test MSE against dataset size and noise level, R runs
    /// per cell, beside the classical solvers, and out of distribution (seed 003, Fig. 2a/b).
    Rrim,
}

/// Run a study into `out`.
pub fn run(study: Study, out: &Path) -> Result<(), String> {
    let stage = super::output::Staging::new(out)?;
    let (final_out, out) = (out, stage.path());
    let table = match study {
        Study::Slices => slices(out)?,
        Study::Noise => noise(out)?,
        Study::Optimizers => optimizers(out)?,
        Study::Rrim => unreachable!("study rrim has its own runner"),
    };
    let path = out.join(format!("{study:?}.md").to_lowercase());
    std::fs::write(&path, &table).map_err(|e| format!("{}: {e}", path.display()))?;
    stage.commit()?;
    print!("{table}");
    println!("wrote {}", final_out.display());
    Ok(())
}

fn settings(lattice: Lattice, noise: f64, method: MethodName, max_epochs: usize) -> Settings {
    Settings {
        case: Case::Potential,
        lattice,
        seed: 1,
        noise,
        method,
        max_epochs,
        starts: 4,
    }
}

/// Half-width of a slice around the truth, in units of the disorder strength `W`.
const SLICE_HALF_WIDTH: f64 = 3.0;
/// Points per slice axis.
const SLICE_POINTS: usize = 25;

fn slices(out: &Path) -> Result<String, String> {
    let lattice = Lattice { lx: 10, ly: 10 };
    let base = demo::job(&settings(lattice, 0.0, MethodName::Lbfgs, 1))?;
    let truth = base.truth.clone().expect("demos know their truth");
    // Two interior sites, as in the paper's figure.
    let (a, b) = (4 * lattice.ly + 5, 6 * lattice.ly + 3);
    let targets = [
        (
            "dense_map",
            demo::default_grid(),
            "cost of the whole map (31 phi x 21 E)",
        ),
        (
            "sparse_phi_fixed_e",
            Grid::linspace((0.0, 0.1, 6), (0.5, 0.5, 1)),
            "cost of 6 fluxes at E = 0.5 t",
        ),
        (
            "dense_phi_fixed_e",
            Grid::linspace((0.0, 0.5, 201), (0.5, 0.5, 1)),
            "cost of 201 fluxes at E = 0.5 t",
        ),
    ];
    let heat = Heat {
        x: HeatAxis {
            name: "V(4, 5) - truth (units of W)",
            first: -SLICE_HALF_WIDTH,
            last: SLICE_HALF_WIDTH,
        },
        y: HeatAxis {
            name: "V(6, 3) - truth (units of W)",
            first: -SLICE_HALF_WIDTH,
            last: SLICE_HALF_WIDTH,
        },
        colour: "log10 cost",
        missing: None,
    };
    let mut table = String::from(
        "| target data | points | local minima on the slice | deepest non-global minimum (cost) |\n|---|---|---|---|\n",
    );
    let bar = Progress::new(
        "cost slices",
        targets.len() * SLICE_POINTS * SLICE_POINTS,
        "evaluations",
    );
    for (name, grid, title) in targets {
        let mut problem = base.problem.clone();
        problem.target = simulate_map(&problem.model, lattice, 4, &truth, None, &grid, &|| ())
            .map_err(|e| e.to_string())?;
        problem.grid = grid;
        let offsets: Vec<f64> = (0..SLICE_POINTS)
            .map(|i| {
                SLICE_HALF_WIDTH * demo::W * (2.0 * i as f64 / (SLICE_POINTS - 1) as f64 - 1.0)
            })
            .collect();
        let mut costs = vec![0.0; SLICE_POINTS * SLICE_POINTS];
        for (i, da) in offsets.iter().enumerate() {
            for (j, db) in offsets.iter().enumerate() {
                let mut v = truth.clone();
                v[a] += da;
                v[b] += db;
                costs[j * SLICE_POINTS + i] = problem.value(&problem.params_of(&v));
                bar.inc(1);
            }
        }
        // On a log scale, floored at the smallest non-zero cost: the truth itself costs 0.
        let floor = costs
            .iter()
            .copied()
            .filter(|c| *c > 0.0)
            .fold(f64::INFINITY, f64::min);
        let logs: Vec<f64> = costs.iter().map(|c| c.max(floor).log10()).collect();
        let centre = SLICE_POINTS / 2;
        let minima = local_minima(&costs, SLICE_POINTS);
        let mut marks: Vec<(usize, usize, Mark)> = minima
            .iter()
            .filter(|&&(i, j, _)| (i, j) != (centre, centre))
            .map(|&(i, j, _)| (j, i, Mark::Minimum))
            .collect();
        marks.push((centre, centre, Mark::Truth));
        let panel = Panel {
            marks: &marks,
            ..Panel::new(&logs, SLICE_POINTS, SLICE_POINTS, title)
        };
        write_panels(&out.join(format!("slice_{name}.png")), &[panel], &heat)?;
        write_npy(
            &out.join(format!("slice_{name}.npy")),
            &costs,
            &[SLICE_POINTS as u64, SLICE_POINTS as u64],
        )?;
        let spurious = minima
            .iter()
            .filter(|&&(i, j, _)| (i, j) != (SLICE_POINTS / 2, SLICE_POINTS / 2))
            .map(|&(_, _, c)| c)
            .fold(f64::INFINITY, f64::min);
        let _ = writeln!(
            table,
            "| {name} | {} | {} | {} |",
            problem.grid.len(),
            minima.len(),
            if spurious.is_finite() {
                format!("{spurious:.2e}")
            } else {
                "none".into()
            }
        );
    }
    bar.finish();
    Ok(table)
}

/// Strict local minima inside an `n x n` grid (8 neighbours; the border is left out, where the
/// slice merely ends): `(i, j, cost)`.
fn local_minima(costs: &[f64], n: usize) -> Vec<(usize, usize, f64)> {
    let mut found = vec![];
    for j in 1..n - 1 {
        for i in 1..n - 1 {
            let c = costs[j * n + i];
            let lower_neighbour = (-1i64..=1).any(|dj| {
                (-1i64..=1).any(|di| {
                    let (ii, jj) = (i as i64 + di, j as i64 + dj);
                    (di, dj) != (0, 0)
                        && ii >= 0
                        && jj >= 0
                        && ii < n as i64
                        && jj < n as i64
                        && costs[jj as usize * n + ii as usize] <= c
                })
            });
            if !lower_neighbour {
                found.push((i, j, c));
            }
        }
    }
    found
}

/// Relative noise levels of the noise study.
const NOISE_LEVELS: [f64; 4] = [0.0, 0.001, 0.01, 0.05];

fn noise(out: &Path) -> Result<String, String> {
    let mut table = String::from(
        "| noise (of RMS G) | final cost | RMS error / W | starts | wall time (s) |\n|---|---|---|---|---|\n",
    );
    for level in NOISE_LEVELS {
        let s = settings(Lattice { lx: 10, ly: 10 }, level, MethodName::Lbfgs, 600);
        let job = demo::job(&s)?;
        let scale = job.scale;
        let dir = out.join(format!("noise_{level}"));
        let clock = Instant::now();
        let outcome = invert::run(job, &dir, false)?;
        let summary: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("summary.json")).map_err(|e| e.to_string())?,
        )
        .map_err(|e| e.to_string())?;
        let _ = writeln!(
            table,
            "| {level} | {:.2e} | {:.2e} | {} | {:.1} |",
            outcome.cost,
            outcome.rms.unwrap_or(f64::NAN) / scale,
            summary["starts_used"],
            clock.elapsed().as_secs_f64()
        );
    }
    Ok(table)
}

/// The cost the optimizer comparison runs to.
const COMPARISON_COST: f64 = 1e-8;

fn optimizers(out: &Path) -> Result<String, String> {
    let lattice = Lattice { lx: 6, ly: 6 };
    let mut table = format!(
        "Potential {}x{}, one shared random start, target cost {COMPARISON_COST:e}. Gradient equivalents count each evaluation once and each Hessian-vector product (central differences of gradients) twice.\n\n| method | epochs | evaluations | Hessian-vector products | gradient equivalents | wall time (s) | final cost | stop |\n|---|---|---|---|---|---|---|---|\n",
        lattice.lx, lattice.ly
    );
    let mut histories = vec![];
    for name in [
        MethodName::Halving,
        MethodName::Adam,
        MethodName::Lbfgs,
        MethodName::NewtonCg,
        MethodName::NewtonTrust,
    ] {
        let mut job = demo::job(&settings(lattice, 0.0, name, 5000))?;
        let mut rng = backsolve::SplitMix64(job.seed);
        let (lo, hi) = job.init_range;
        let x0: Vec<f64> = (0..job.problem.free().len())
            .map(|_| rng.range(lo, hi))
            .collect();
        let opts = Options {
            cost_tol: COMPARISON_COST,
            stagnation_window: 0,
            ..job.opts.clone()
        };
        let bar = Progress::new(format!("{name:?}"), opts.max_epochs, "epochs");
        let clock = Instant::now();
        let report = minimize(&mut job.problem, x0, &job.method, &opts, &mut |p| {
            bar.set_position(p.epoch);
            true
        });
        bar.finish();
        let seconds = clock.elapsed().as_secs_f64();
        let reached = report.stop == Stop::Converged;
        let _ = writeln!(
            table,
            "| {} | {}{} | {} | {} | {} | {seconds:.1} | {:.2e} | {:?} |",
            job.method,
            if reached { "" } else { ">" },
            report.epochs,
            report.evaluations,
            report.hessian_products,
            report.evaluations + 2 * report.hessian_products,
            report.cost,
            report.stop
        );
        histories.push(report.history);
    }
    let colours = [
        plotters::style::RGBColor(214, 39, 40),
        plotters::style::RGBColor(44, 160, 44),
        plotters::style::RGBColor(31, 119, 180),
        plotters::style::RGBColor(148, 103, 189),
        plotters::style::RGBColor(255, 127, 14),
    ];
    let names = [
        "halving",
        "Adam",
        "L-BFGS",
        "Newton-CG",
        "trust-region Newton-CG",
    ];
    let curves: Vec<(&[f64], _, &str)> = histories
        .iter()
        .zip(colours)
        .zip(names)
        .map(|((h, c), n)| (h.as_slice(), c, n))
        .collect();
    write_log_curves(&out.join("optimizers.png"), &curves, "cost")?;
    table
        .push_str("\nCost curves in optimizers.png: red = halving, green = Adam, blue = L-BFGS, purple = Newton-CG, orange = trust-region Newton-CG.\n");
    Ok(table)
}
