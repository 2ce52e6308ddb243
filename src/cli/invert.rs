//! The run engine of every demo and `invert`: multi-start optimization with a progress
//! display, a checkpoint every few epochs (`--resume` continues from it with the identical
//! result), Ctrl-C keeping the best parameters so far, and the output folder, whose files
//! appear together. A model plugs in as a [`Problem`]: its objective, its parameter count and
//! its own arrays and figures; the engine writes `cost.npy`, `cost.png` and `summary.json`.

use super::output::{write_json, write_npy};
use super::plot::{transpose, write_log_curves, write_panels, Heat, HeatAxis, Panel};
use backsolve::inverse::{resume, Method, Objective, Options, State, Stop};
use backsolve::models::transport::{Reconstruction, Unknown};
use backsolve::SplitMix64;
use plotters::style::RGBColor;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Set by the Ctrl-C handler; the optimizer's observer stops at the end of the epoch.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Epochs between checkpoints.
const CHECKPOINT_EVERY: usize = 10;
/// Seconds at least between two periodic checkpoints after the first: a checkpoint holds the
/// cost history, so writing one every few milliseconds would make a long run quadratic.
const CHECKPOINT_SECONDS: f64 = 2.0;

/// What the run engine needs of a model's inverse problem.
pub trait Problem: std::fmt::Debug {
    /// What the optimizer minimizes.
    type Objective: Objective;
    /// The objective, with the target data.
    fn objective(&mut self) -> &mut Self::Objective;
    /// Number of optimizer parameters.
    fn dim(&self) -> usize;
    /// Checks before any work, as one line (by default none: the objective was checked when
    /// it was built).
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }
    /// RMS error of the parameters `x` against a known truth (synthetic cases); by default
    /// over the parameters themselves.
    fn rms_error(&self, x: &[f64], truth: &[f64]) -> f64 {
        rms_difference(x, truth)
    }
    /// A random start: by default every parameter uniform in `range`.
    fn random_start(&self, rng: &mut SplitMix64, range: (f64, f64)) -> Vec<f64> {
        (0..self.dim())
            .map(|_| rng.range(range.0, range.1))
            .collect()
    }
    /// The model's own outputs for the best parameters `x` from the start `x0`.
    fn write_outputs(
        &mut self,
        out: &Path,
        x: &[f64],
        x0: &[f64],
        truth: Option<&[f64]>,
    ) -> Result<(), String>;
}

/// A run of the engine.
pub struct Job<P: Problem = Reconstruction> {
    /// Describes the problem for people (the checkpoint checks a digest of its contents).
    pub name: String,
    /// The objective, with the target data.
    pub problem: P,
    /// The hidden truth, when known (synthetic cases): the error is reported against it.
    pub truth: Option<Vec<f64>>,
    /// Scale used to report the error (the disorder strength `W`, or the moment length).
    pub scale: f64,
    /// The first start, if given; otherwise (and for later starts) random.
    pub first: Option<Vec<f64>>,
    /// Random initial guesses: each free value uniform in this range.
    pub init_range: (f64, f64),
    /// The optimizer.
    pub method: Method,
    /// Its stopping rules (per start).
    pub opts: Options,
    /// At most this many random starts.
    pub starts: usize,
    /// A start ending at or below this cost ends the search.
    pub accept_cost: f64,
    /// Seed of the initial guesses.
    pub seed: u64,
}

/// The best start so far.
#[derive(Serialize, Deserialize, Clone)]
struct Best {
    cost: f64,
    x: Vec<f64>,
    x0: Vec<f64>,
    history: Vec<f64>,
    epochs: usize,
    evaluations: usize,
    /// Hessian-vector products (Newton-CG), absent in older checkpoints.
    #[serde(default)]
    hessian_products: usize,
    stop: String,
}

/// What `--resume` needs.
#[derive(Serialize, Deserialize)]
struct Checkpoint {
    job: String,
    /// [`digest`] of the whole problem it belongs to.
    digest: String,
    start: usize,
    rng: u64,
    x0: Vec<f64>,
    state: State,
    finals: Vec<f64>,
    histories: Vec<Vec<f64>>,
    best: Option<Best>,
    seconds: f64,
    /// The run ended (a phase of a demo whose later phase was interrupted): resuming writes
    /// its outputs again without optimizing.
    #[serde(default)]
    finished: bool,
}

/// What the summary JSON holds.
#[derive(Serialize)]
struct Summary<'a> {
    job: &'a str,
    method: String,
    final_cost: f64,
    rms_error: Option<f64>,
    rms_error_over_scale: Option<f64>,
    scale: f64,
    epochs: usize,
    evaluations: usize,
    hessian_products: usize,
    starts_used: usize,
    final_costs_of_starts: &'a [f64],
    stop: &'a str,
    interrupted: bool,
    wall_time_s: f64,
    parameters: usize,
}

/// The result of a finished (or interrupted) run.
pub struct Outcome {
    /// The best parameters.
    pub x: Vec<f64>,
    /// Epochs of the best start.
    pub epochs: usize,
    /// Wall time of the whole run, across resumes (s).
    pub seconds: f64,
    /// Its cost.
    pub cost: f64,
    /// RMS error over the free values against the truth, if known.
    pub rms: Option<f64>,
    /// Whether Ctrl-C ended the run.
    pub interrupted: bool,
    /// Why the best start stopped, in words.
    pub stop: String,
}

/// Where a run keeps its checkpoint and writes its outputs.
pub struct Place<'a> {
    /// The output folder as named: the checkpoint lives here, outside the staging folder, so
    /// an interrupted run leaves it behind.
    pub folder: &'a Path,
    /// Where the outputs are written until they are committed together.
    pub stage: &'a Path,
    /// Prefix of the engine's own files: `""` for a run of its own, `"fit_"` for one phase of
    /// a demo with several (`fit_checkpoint.json`, `fit_cost.npy`, `fit_summary.json`).
    pub prefix: &'a str,
    /// Keep the checkpoint of a run that ended, marked finished: a phase whose later phase may
    /// be interrupted (a run of its own removes its checkpoint when it ends).
    pub keep_finished: bool,
}

impl Place<'_> {
    fn checkpoint(&self) -> PathBuf {
        self.folder.join(format!("{}checkpoint.json", self.prefix))
    }

    fn output(&self, name: &str) -> PathBuf {
        self.stage.join(format!("{}{name}", self.prefix))
    }
}

/// FNV-1a, 64 bits: enough to tell two problems apart, and the same in every build (std's
/// hasher may change between Rust versions).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A digest of everything that decides a run's result: the problem (model, lattice, grid,
/// target map, weights, landscapes, fixed sites, regularizer), the optimizer and its options,
/// the starts and their seed. Edited config contents or data files change it; the path they
/// were given by does not; `{:?}` prints every float in its shortest exact form.
fn digest<P: Problem>(job: &Job<P>) -> String {
    let text = format!(
        "{:?}|{:?}|{:?}|{}|{:?}|{}|{}|{:?}",
        job.problem,
        job.method,
        job.opts,
        job.starts,
        job.init_range,
        job.seed,
        job.accept_cost,
        job.first,
    );
    format!("{:016x}", fnv1a(text.as_bytes()))
}

fn load_checkpoint<P: Problem>(
    path: &Path,
    job: &Job<P>,
    problem: &str,
) -> Result<Checkpoint, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|_| format!("--resume: no checkpoint at {}", path.display()))?;
    let ck: Checkpoint = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not a backsolve checkpoint ({e})", path.display()))?;
    if ck.digest != problem {
        return Err(format!(
            "--resume: {} was written for another problem (\"{}\"; config, data or options differ); run without --resume to start again",
            path.display(),
            ck.job
        ));
    }
    let n = job.problem.dim();
    let lengths_ok = ck.x0.len() == n
        && ck
            .best
            .as_ref()
            .is_none_or(|b| b.x.len() == n && b.x0.len() == n);
    ck.state
        .check(n)
        .and_then(|()| {
            lengths_ok
                .then_some(())
                .ok_or(format!("a start does not have {n} values"))
        })
        .map_err(|e| format!("--resume: {} is damaged: {e}", path.display()))?;
    Ok(ck)
}

/// Route Ctrl-C to [`interrupted`] (and to the kit's fits, which stop within a point).
pub fn install_interrupt_handler() {
    // A second installation (a test calling twice) fails harmlessly; the first handler stays.
    // The kit's fits skip their remaining points, so a long evaluation ends within a point's
    // time rather than at the end of the epoch.
    let _ = ctrlc::set_handler(|| {
        INTERRUPTED.store(true, Ordering::SeqCst);
        backsolve::inverse::request_stop();
    });
}

/// Whether Ctrl-C was pressed since [`install_interrupt_handler`].
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

fn fresh_start<P: Problem>(
    job: &mut Job<P>,
    rng: &mut SplitMix64,
    start: usize,
) -> (Vec<f64>, State) {
    let x0 = match (&job.first, start) {
        (Some(x), 0) => x.clone(),
        _ => job.problem.random_start(rng, job.init_range),
    };
    let state = State::start(job.problem.objective(), x0.clone(), &job.method, &job.opts);
    (x0, state)
}

/// Run `job`, writing into `out`; with `resume`, continue from `out`'s checkpoint.
pub fn run<P: Problem>(job: Job<P>, out: &Path, resume_run: bool) -> Result<Outcome, String> {
    // Checkpoints live in `out` itself; the outputs appear together at the end.
    let stage = super::output::Staging::new(out)?;
    let place = Place {
        folder: out,
        stage: stage.path(),
        prefix: "",
        keep_finished: false,
    };
    let outcome = run_at(job, &place, resume_run)?;
    let checkpoint = place.checkpoint();
    stage.commit()?;
    if !outcome.interrupted {
        let _ = std::fs::remove_file(checkpoint);
    }
    Ok(outcome)
}

/// Run `job` as one phase of a larger run: outputs go to `place.stage` (the caller commits
/// them), and the checkpoint stays in `place.folder` also when the phase ends, marked finished,
/// so that resuming after an interrupt in a later phase does not optimize this one again. The
/// caller removes it ([`forget_checkpoints`]) once every phase is done.
pub fn run_at<P: Problem>(
    mut job: Job<P>,
    place: &Place,
    resume_run: bool,
) -> Result<Outcome, String> {
    job.problem.validate()?;
    install_interrupt_handler();
    // Before any evaluation: evaluating writes the parameters into the problem's landscape.
    let problem_digest = digest(&job);
    let mut ck = if resume_run {
        load_checkpoint(&place.checkpoint(), &job, &problem_digest)?
    } else {
        let mut rng = SplitMix64(job.seed);
        let (x0, state) = fresh_start(&mut job, &mut rng, 0);
        Checkpoint {
            job: job.name.clone(),
            digest: problem_digest,
            start: 0,
            rng: rng.0,
            x0,
            state,
            finals: vec![],
            histories: vec![],
            best: None,
            seconds: 0.0,
            finished: false,
        }
    };
    let interrupted = if ck.finished {
        false
    } else {
        let label = match place.prefix.trim_end_matches('_') {
            "" => String::new(),
            phase => format!("{phase}: "),
        };
        optimize(&mut job, &mut ck, &place.checkpoint(), &label)?
    };
    let best = ck.best.clone().ok_or("no start produced a finite cost")?;
    if !interrupted && place.keep_finished {
        ck.finished = true;
        write_json(&place.checkpoint(), &ck)?;
    }
    write_outputs(&mut job, place, &ck, &best, interrupted)
}

/// Remove the checkpoints of the phases `prefixes` in `folder` (a run whose phases all ended).
pub fn forget_checkpoints(folder: &Path, prefixes: &[&str]) {
    for prefix in prefixes {
        let _ = std::fs::remove_file(folder.join(format!("{prefix}checkpoint.json")));
    }
}

/// The starts of `job` from the state in `ck`, checkpointed at `checkpoint`; whether Ctrl-C
/// ended them (the progress lines begin with `label`). `ck` ends holding the best start and the run's wall time.
fn optimize<P: Problem>(
    job: &mut Job<P>,
    ck: &mut Checkpoint,
    checkpoint: &Path,
    label: &str,
) -> Result<bool, String> {
    let clock = Instant::now();
    let earlier = ck.seconds;
    let bar = super::progress::Progress::new("start", job.opts.max_epochs, "epochs");
    let mut interrupted = false;
    loop {
        bar.restart(
            format!("{label}start {}/{}", ck.start + 1, job.starts),
            job.opts.max_epochs,
            ck.state.epoch,
        );
        let mut last_state = ck.state.clone();
        let mut last_checkpoint = None;
        let report = {
            let (problem, method, opts) = (&mut job.problem, &job.method, &job.opts);
            let mut observe = |p: &backsolve::inverse::Progress| {
                // An epoch the interrupt reached may have skipped its points: not kept.
                if INTERRUPTED.load(Ordering::SeqCst) {
                    return false;
                }
                bar.set_position(p.epoch);
                bar.set_message(format!("cost {:.3e} step {:.2e}", p.cost, p.step));
                last_state = p.state.clone();
                let due = last_checkpoint
                    .is_none_or(|t: Instant| t.elapsed().as_secs_f64() >= CHECKPOINT_SECONDS);
                if p.epoch.is_multiple_of(CHECKPOINT_EVERY) && due {
                    last_checkpoint = Some(Instant::now());
                    let snapshot = Checkpoint {
                        state: p.state.clone(),
                        seconds: earlier + clock.elapsed().as_secs_f64(),
                        x0: ck.x0.clone(),
                        finals: ck.finals.clone(),
                        histories: ck.histories.clone(),
                        best: ck.best.clone(),
                        job: ck.job.clone(),
                        digest: ck.digest.clone(),
                        start: ck.start,
                        rng: ck.rng,
                        finished: false,
                    };
                    // A failed checkpoint write costs resumability, not the run.
                    let _ = write_json(checkpoint, &snapshot);
                }
                true
            };
            resume(
                problem.objective(),
                ck.state.clone(),
                method,
                opts,
                &mut observe,
            )
        };
        let candidate = Best {
            cost: report.cost,
            x: report.x.clone(),
            x0: ck.x0.clone(),
            history: report.history.clone(),
            epochs: report.epochs,
            evaluations: report.evaluations,
            hessian_products: report.hessian_products,
            stop: report.stop.to_string(),
        };
        if report.stop == Stop::Interrupted {
            // The checkpoint keeps the unfinished start as a state (resumed exactly); the
            // outputs show the best point seen so far. The interrupted epoch evaluated no
            // points (NaN costs): its history entry is dropped, and the outputs evaluate again.
            backsolve::inverse::clear_stop();
            interrupted = true;
            let candidate = Best {
                cost: last_state.best_cost,
                x: last_state.best_x.clone(),
                history: last_state.history.clone(),
                epochs: last_state.epoch,
                evaluations: last_state.evaluations,
                hessian_products: last_state.hessian_products,
                ..candidate
            };
            ck.state = last_state;
            ck.seconds = earlier + clock.elapsed().as_secs_f64();
            write_json(checkpoint, ck)?;
            ck.best = better(ck.best.take(), candidate);
            break;
        }
        ck.best = better(ck.best.take(), candidate);
        ck.finals.push(report.cost);
        ck.histories.push(report.history.clone());
        if report.cost <= job.accept_cost || ck.start + 1 >= job.starts {
            break;
        }
        bar.println(format!(
            "start {} ended at cost {:.3e} ({}); trying a new random start",
            ck.start + 1,
            report.cost,
            report.stop
        ));
        ck.start += 1;
        let mut rng = SplitMix64(ck.rng);
        let (x0, state) = fresh_start(job, &mut rng, ck.start);
        ck.rng = rng.0;
        ck.x0 = x0;
        ck.state = state;
    }
    bar.finish();
    ck.seconds = earlier + clock.elapsed().as_secs_f64();
    Ok(interrupted)
}

/// The lower-cost of two candidates (a NaN cost never wins).
fn better(current: Option<Best>, candidate: Best) -> Option<Best> {
    let improves = |b: &Best| candidate.cost.is_finite() && candidate.cost < b.cost;
    match current {
        Some(b) if !improves(&b) => Some(b),
        _ if candidate.cost.is_finite() => Some(candidate),
        other => other,
    }
}

fn write_outputs<P: Problem>(
    job: &mut Job<P>,
    place: &Place,
    ck: &Checkpoint,
    best: &Best,
    interrupted: bool,
) -> Result<Outcome, String> {
    job.problem
        .write_outputs(place.stage, &best.x, &best.x0, job.truth.as_deref())?;
    write_npy(
        &place.output("cost.npy"),
        &best.history,
        &[best.history.len() as u64],
    )?;
    let grey = RGBColor(170, 170, 170);
    let mut curves: Vec<(&[f64], RGBColor, &str)> = ck
        .histories
        .iter()
        .enumerate()
        .map(|(k, h)| (h.as_slice(), grey, if k == 0 { "other starts" } else { "" }))
        .collect();
    curves.push((&best.history, RGBColor(31, 119, 180), "best start"));
    write_log_curves(&place.output("cost.png"), &curves, "cost")?;
    let rms = job
        .truth
        .as_ref()
        .map(|t| job.problem.rms_error(&best.x, t));
    let cost = job.problem.objective().value(&best.x);
    let summary = Summary {
        job: &job.name,
        method: job.method.to_string(),
        final_cost: cost,
        rms_error: rms,
        rms_error_over_scale: rms.map(|r| r / job.scale),
        scale: job.scale,
        epochs: best.epochs,
        evaluations: best.evaluations,
        hessian_products: best.hessian_products,
        starts_used: ck.finals.len() + usize::from(interrupted),
        final_costs_of_starts: &ck.finals,
        stop: &best.stop,
        interrupted,
        wall_time_s: ck.seconds,
        parameters: best.x.len(),
    };
    write_json(&place.output("summary.json"), &summary)?;
    Ok(Outcome {
        x: best.x.clone(),
        epochs: best.epochs,
        seconds: ck.seconds,
        cost,
        rms,
        interrupted,
        stop: best.stop.clone(),
    })
}

// ------------------------------------------------------------------ transport

/// The RMS difference of two vectors (over the shorter).
pub fn rms_difference(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len()).max(1) as f64;
    let sum: f64 = a.iter().zip(b).map(|(a, b)| (a - b).powi(2)).sum();
    (sum / n).sqrt()
}

impl Problem for Reconstruction {
    type Objective = Self;

    fn objective(&mut self) -> &mut Self {
        self
    }

    fn dim(&self) -> usize {
        self.free().len()
    }

    fn validate(&self) -> Result<(), String> {
        Reconstruction::validate(self).map_err(|e| e.to_string())
    }

    /// Over the free values of the landscape.
    fn rms_error(&self, x: &[f64], truth: &[f64]) -> f64 {
        let landscape = self.landscape_of(x);
        let free = self.free();
        let sum: f64 = free
            .iter()
            .map(|&i| (landscape[i] - truth[i]).powi(2))
            .sum();
        (sum / free.len().max(1) as f64).sqrt()
    }

    /// `reconstructed.npy`, `initial.npy`, `target.npy`, `fitted.npy` (and `truth.npy`),
    /// `landscape*.png` and `maps.png`.
    fn write_outputs(
        &mut self,
        out: &Path,
        x: &[f64],
        x0: &[f64],
        truth: Option<&[f64]>,
    ) -> Result<(), String> {
        let shape = landscape_shape(self);
        let landscape = self.landscape_of(x);
        let initial = self.landscape_of(x0);
        let fitted = self.predict(x);
        let (rows, cols) = (self.grid.phis.len(), self.grid.energies.len());
        write_npy(&out.join("reconstructed.npy"), &landscape, &shape)?;
        write_npy(&out.join("initial.npy"), &initial, &shape)?;
        write_npy(
            &out.join("target.npy"),
            &self.target,
            &[rows as u64, cols as u64],
        )?;
        write_npy(
            &out.join("fitted.npy"),
            &fitted,
            &[rows as u64, cols as u64],
        )?;
        let mut panels: Vec<(&str, &[f64])> = vec![];
        if let Some(t) = truth {
            write_npy(&out.join("truth.npy"), t, &shape)?;
            panels.push(("truth", t));
        }
        panels.push(("initial", &initial));
        panels.push(("reconstructed", &landscape));
        write_landscapes(self, out, &panels)?;
        write_panels(
            &out.join("maps.png"),
            &[
                Panel::new(&self.target, rows, cols, "target G(phi, E)"),
                Panel::new(&fitted, rows, cols, "fitted G(phi, E)"),
            ],
            &map_axes(&self.grid),
        )
    }
}

/// The axes of a conductance map `G[i_phi, j_E]`: E across, the flux up.
pub fn map_axes(grid: &backsolve::models::transport::Grid) -> Heat<'static> {
    Heat {
        x: HeatAxis::of("Fermi energy E (t)", &grid.energies),
        y: HeatAxis::of("flux phi per plaquette (h/e)", &grid.phis),
        colour: "G (e^2/h)",
        missing: None,
    }
}

fn landscape_shape(problem: &Reconstruction) -> Vec<u64> {
    let l = problem.lattice;
    match problem.unknown {
        Unknown::Potential => vec![l.lx as u64, l.ly as u64],
        Unknown::Magnetization => vec![l.lx as u64, l.ly as u64, 3],
    }
}

/// The components of the landscape that have free values: `(name, stride offset)`.
fn shown_components(problem: &Reconstruction) -> Vec<(&'static str, usize)> {
    match problem.unknown {
        Unknown::Potential => vec![("", 0)],
        Unknown::Magnetization => {
            let free = problem.free();
            [("_mx", 0), ("_my", 1), ("_mz", 2)]
                .into_iter()
                .filter(|(_, c)| free.iter().any(|i| i % 3 == *c))
                .collect()
        }
    }
}

/// One component of a landscape as an `ly x lx` picture (x horizontal), fixed sites NaN (grey,
/// outside the colour scale: the notch would otherwise flatten it).
fn component(problem: &Reconstruction, landscape: &[f64], c: usize) -> Vec<f64> {
    let l = problem.lattice;
    let mut shown = landscape.to_vec();
    for &i in &problem.fixed {
        shown[i] = f64::NAN;
    }
    let values: Vec<f64> = match problem.unknown {
        Unknown::Potential => shown,
        Unknown::Magnetization => shown.iter().skip(c).step_by(3).copied().collect(),
    };
    transpose(&values, l.lx, l.ly)
}

/// `landscape*.png`: the titled landscapes side by side, one file per shown component.
fn write_landscapes(
    problem: &Reconstruction,
    out: &Path,
    panels: &[(&str, &[f64])],
) -> Result<Vec<PathBuf>, String> {
    let l = problem.lattice;
    let mut written = vec![];
    for (suffix, c) in shown_components(problem) {
        let pictures: Vec<Vec<f64>> = panels.iter().map(|p| component(problem, p.1, c)).collect();
        let panels: Vec<Panel> = pictures
            .iter()
            .zip(panels)
            .map(|(values, (title, _))| Panel::new(values, l.ly, l.lx, title))
            .collect();
        let path = out.join(format!("landscape{suffix}.png"));
        let heat = Heat {
            x: HeatAxis::sites("site x", l.lx),
            y: HeatAxis::sites("site y", l.ly),
            colour: match (problem.unknown, suffix) {
                (Unknown::Potential, _) => "V (t)",
                (_, "_mx") => "m_x",
                (_, "_my") => "m_y",
                _ => "m_z",
            },
            missing: Some("fixed site (held at its starting value, not fitted)"),
        };
        write_panels(&path, &panels, &heat)?;
        written.push(path);
    }
    Ok(written)
}
