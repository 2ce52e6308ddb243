//! The learned spectral solvers on the command line: `train rrim|fcn|cnn` (one model on a
//! seeded Gaussian-mixture dataset, with a checkpoint every epoch and `--resume`), the model
//! file (JSON that round-trips every parameter exactly), and the training shared by
//! `demo rrim` and `study rrim`.

use super::output::{read_json_file, write_json};
use super::progress::Progress;
use backsolve::inverse::{train, TrainOptions, TrainState, TrainStop};
use backsolve::models::spectral::compare::mse;
use backsolve::models::spectral::data::{dataset, Dataset, Sample};
use backsolve::models::spectral::learned::{prepare, Model, SavedModel, Trainer, TrainingRecord};
use backsolve::models::spectral::Operator;
use backsolve::SplitMix64;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The three learned solvers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The regularized recurrent inference machine (GRU, 15 steps).
    Rrim,
    /// The fully connected baseline.
    Fcn,
    /// The convolutional baseline.
    Cnn,
}

impl Kind {
    /// All three, in table order.
    pub const ALL: [Kind; 3] = [Kind::Rrim, Kind::Fcn, Kind::Cnn];

    /// The name in tables and files.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Rrim => "rrim",
            Kind::Fcn => "fcn",
            Kind::Cnn => "cnn",
        }
    }

    /// The name in tables for people: rRIM, FCN, CNN.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Rrim => "rRIM",
            Kind::Fcn => "FCN",
            Kind::Cnn => "CNN",
        }
    }
}

/// One training run: the model, its dataset and the optimizer settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Spec {
    /// Which model.
    pub kind: Kind,
    /// Dataset size before the 0.8 / 0.1 / 0.1 split.
    pub size: usize,
    /// Noise level `σ` (times each sample's maximum).
    pub noise: f64,
    /// Seed of the dataset and its noise.
    pub data_seed: u64,
    /// Seed of the initialization, the rRIM's starts and the shuffles.
    pub run_seed: u64,
    /// Adam, batches, schedule, early stopping.
    pub options: TrainOptions,
}

/// The training options of `train`, `demo rrim` and `study rrim` unless given: Adam at
/// 3e-3 decaying by 0.97 per epoch, batches of 32, at most 60 epochs, patience 8.
pub fn default_options(seed: u64) -> TrainOptions {
    TrainOptions {
        epochs: 60,
        batch_size: 32,
        learning_rate: 3e-3,
        decay: 0.97,
        patience: 8,
        seed,
    }
}

/// The largest dataset `train` accepts: 10⁵ samples take about an hour per rRIM epoch.
pub const MAX_SIZE: usize = 100_000;

impl Spec {
    /// One line per bad setting, before any work.
    pub fn check(&self) -> Result<(), String> {
        super::at_least("--n", self.size, 10)?;
        super::at_most(
            "--n",
            self.size,
            MAX_SIZE,
            "an rRIM epoch over 10^5 samples takes about an hour",
        )?;
        if !(0.0..1.0).contains(&self.noise) {
            return Err(format!("--noise must be in [0, 1), got {}", self.noise));
        }
        super::at_least("--epochs", self.options.epochs, 1)?;
        super::at_least("--batch-size", self.options.batch_size, 1)?;
        for (flag, v) in [
            ("--learning-rate", self.options.learning_rate),
            ("--decay", self.options.decay),
        ] {
            if !(v > 0.0 && v.is_finite()) {
                return Err(format!("{flag} must be positive, got {v}"));
            }
        }
        Ok(())
    }
}

/// What a checkpoint holds: the run it belongs to and where it is.
#[derive(Serialize, Deserialize)]
struct Checkpoint {
    spec: Spec,
    state: TrainState,
    seconds: f64,
}

/// A finished run.
pub struct Trained {
    /// The model with its best parameters, grids and training record.
    pub saved: SavedModel,
    /// The optimizer's final state (loss histories).
    pub state: TrainState,
    /// The dataset it was trained on.
    pub data: Dataset,
}

/// How a run ended.
pub enum Outcome {
    /// Epochs done or early stopping.
    Done(Box<Trained>),
    /// Ctrl-C: the checkpoint holds the last finished epoch.
    Interrupted,
}

/// The operator every learned solver is trained on: 100 frequencies and 100 boson energies of
/// 4 meV up to 400 meV, at 100 K.
pub fn operator() -> Operator {
    Operator::standard()
}

/// Train `spec` on `op`. With `checkpoint`, the state is written there after every epoch, and
/// `resume` continues from it (refusing a checkpoint of another run); the checkpoint is
/// removed when the run ends.
pub fn run_training(
    spec: &Spec,
    op: &Operator,
    checkpoint: Option<&Path>,
    resume: bool,
    bar: &Progress,
    label: &str,
) -> Result<Outcome, String> {
    spec.check()?;
    let data = dataset(op, spec.size, spec.noise, spec.data_seed);
    let h = backsolve::models::spectral::landweber::DEFAULT_H;
    let err = |e: backsolve::models::spectral::SpectralError| e.to_string();
    let (c, training) = prepare(op, h, &data.train, spec.run_seed ^ 0x51).map_err(err)?;
    let (_, validation) = prepare(op, h, &data.validation, spec.run_seed ^ 0x52).map_err(err)?;
    let mut rng = SplitMix64(spec.run_seed);
    let model = Model::standard(spec.kind.name(), op.rows(), op.cols(), &mut rng)
        .expect("every Kind is a standard architecture");
    let trainer = Trainer {
        model: model.clone(),
        c,
    };
    let (mut state, earlier) = match (checkpoint, resume) {
        (Some(path), true) => load_checkpoint(path, spec, model.params().len())?,
        _ => (TrainState::new(model.params()), 0.0),
    };
    let clock = Instant::now();
    bar.restart(
        format!("{label}train {}", spec.kind.name()),
        spec.options.epochs,
        state.epoch,
    );
    let mut failed = None;
    let stop = train(
        &trainer,
        &mut state,
        &training,
        &validation,
        &spec.options,
        |report, state| {
            bar.set_position(report.epoch);
            bar.set_message(format!(
                "loss {:.3e} validation {:.3e}",
                report.train_loss, report.validation_loss
            ));
            if let Some(path) = checkpoint {
                let ck = Checkpoint {
                    spec: spec.clone(),
                    state: state.clone(),
                    seconds: earlier + clock.elapsed().as_secs_f64(),
                };
                if let Err(e) = write_json(path, &ck) {
                    failed = Some(e);
                    return false;
                }
            }
            !super::invert::interrupted()
        },
    )
    .map_err(|e| e.to_string())?;
    if let Some(e) = failed {
        return Err(e);
    }
    if stop == TrainStop::Interrupted {
        return Ok(Outcome::Interrupted);
    }
    let trained_model = model.with_params(&state.best);
    let test_mse = inference_mse(
        &SavedModel::new(trained_model.clone(), op, None),
        &data.test,
    )?;
    let record = TrainingRecord {
        dataset_size: spec.size,
        noise: spec.noise,
        seed: spec.run_seed,
        epochs: state.epoch,
        best_epoch: state.best_epoch,
        best_validation: state.best_validation,
        test_mse,
        seconds: earlier + clock.elapsed().as_secs_f64(),
    };
    let saved = SavedModel::new(trained_model, op, Some(record));
    Ok(Outcome::Done(Box::new(Trained { saved, state, data })))
}

/// The mean squared error of `saved`'s estimates (smoothed, as `spectral infer` gives them)
/// over `samples`, in parallel, summed in order.
pub fn inference_mse(saved: &SavedModel, samples: &[Sample]) -> Result<f64, String> {
    use rayon::prelude::*;
    let inference = saved.inference().map_err(|e| e.to_string())?;
    let errors = samples
        .par_iter()
        .map(|s| {
            Ok(mse(
                &inference.infer(&s.y).map_err(|e| e.to_string())?,
                &s.x,
            ))
        })
        .collect::<Result<Vec<f64>, String>>()?;
    Ok(errors.iter().sum::<f64>() / errors.len().max(1) as f64)
}

fn load_checkpoint(path: &Path, spec: &Spec, n_params: usize) -> Result<(TrainState, f64), String> {
    if !path.exists() {
        return Err(format!("--resume: no checkpoint at {}", path.display()));
    }
    let ck: Checkpoint = read_json_file(path).map_err(|e| format!("--resume: {e}"))?;
    if ck.spec != *spec {
        return Err(format!(
            "--resume: {} belongs to another run (model, size, noise, seed or options differ)",
            path.display()
        ));
    }
    let lengths = [&ck.state.params, &ck.state.m, &ck.state.v, &ck.state.best];
    if lengths.iter().any(|v| v.len() != n_params) {
        return Err(format!(
            "--resume: {} is damaged: its vectors do not have {n_params} parameters",
            path.display()
        ));
    }
    Ok((ck.state, ck.seconds))
}

/// Read a model file and check it against its grids.
pub fn load_model(path: &Path) -> Result<SavedModel, String> {
    let saved: SavedModel = read_json_file(path).map_err(|e| format!("--model {e}"))?;
    saved
        .check()
        .map_err(|e| format!("--model {}: {e}", path.display()))?;
    Ok(saved)
}

/// `backsolve train KIND`.
pub struct TrainCommand {
    /// The run.
    pub spec: Spec,
    /// The model file to write.
    pub out: PathBuf,
    /// Continue from the checkpoint beside `out`.
    pub resume: bool,
}

/// The checkpoint beside a model file: `model.json` → `model.json.checkpoint`.
fn checkpoint_path(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".checkpoint");
    PathBuf::from(name)
}

/// Run `backsolve train`.
pub fn run_train(cmd: &TrainCommand) -> Result<(), String> {
    cmd.spec.check()?;
    if cmd.out.is_dir() {
        return Err(format!(
            "--out {}: is a folder; give a file name such as rrim.json",
            cmd.out.display()
        ));
    }
    if let Some(parent) = cmd.out.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !parent.is_dir() {
            return Err(format!(
                "--out {}: the folder {} does not exist",
                cmd.out.display(),
                parent.display()
            ));
        }
    }
    super::invert::install_interrupt_handler();
    let checkpoint = checkpoint_path(&cmd.out);
    let bar = Progress::new("train", cmd.spec.options.epochs, "epochs");
    let outcome = run_training(
        &cmd.spec,
        &operator(),
        Some(&checkpoint),
        cmd.resume,
        &bar,
        "",
    )?;
    bar.finish();
    let trained = match outcome {
        Outcome::Interrupted => {
            return Err(format!(
                "interrupted; the state after the last epoch is in {}; run again with --resume to continue",
                checkpoint.display()
            ))
        }
        Outcome::Done(t) => t,
    };
    write_json(&cmd.out, &trained.saved)?;
    let _ = std::fs::remove_file(&checkpoint);
    let record = trained
        .saved
        .training
        .as_ref()
        .expect("a trained model has its record");
    println!(
        "train {}: {} parameters, {} epochs (best {}), validation loss {:.4e}, test MSE {:.4e} (smoothed) in {:.1} s; wrote {}",
        cmd.spec.kind.name(),
        trained.saved.model.params().len(),
        record.epochs,
        record.best_epoch,
        record.best_validation,
        record.test_mse,
        record.seconds,
        cmd.out.display()
    );
    Ok(())
}
