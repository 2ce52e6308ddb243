//! Training of learned models on the kit: minibatch Adam with a decaying learning rate, seeded
//! shuffling, a validation loss every epoch and early stopping with patience.
//!
//! A batch's gradient is the sum of per-sample gradients computed in parallel (rayon, with the
//! `parallel` feature) and added in sample order, so a run is bit-identical at any thread
//! count. The shuffle of epoch `e` is a function of the seed and `e` alone, and the whole
//! optimizer state is a [`TrainState`], so a run stopped after any epoch and resumed from its
//! state ends where the uninterrupted run ends.

use crate::SplitMix64;

/// What is trained: a loss per sample and its gradient with respect to the flat parameters.
pub trait Learner: Sync {
    /// One training or validation sample.
    type Sample: Sync;
    /// The sample's loss; adds its gradient into `grad` (as long as the parameters).
    fn loss_and_gradient(&self, params: &[f64], sample: &Self::Sample, grad: &mut [f64]) -> f64;
    /// The sample's loss alone.
    fn loss(&self, params: &[f64], sample: &Self::Sample) -> f64;
}

/// How to train.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TrainOptions {
    /// Most epochs (passes over the training set).
    pub epochs: usize,
    /// Samples per Adam step (the last batch of an epoch may be smaller).
    pub batch_size: usize,
    /// Adam's step size in the first epoch.
    pub learning_rate: f64,
    /// The step size is multiplied by this after every epoch (1: constant).
    pub decay: f64,
    /// Stop after this many epochs without a lower validation loss.
    pub patience: usize,
    /// Seed of the shuffles.
    pub seed: u64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            epochs: 100,
            batch_size: 32,
            learning_rate: 1e-3,
            decay: 1.0,
            patience: 10,
            seed: 0,
        }
    }
}

/// Where a training run is: parameters, Adam's moments, the best parameters so far and the
/// loss history. Serializable (with the `serde` feature) for checkpoints.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TrainState {
    /// Current parameters.
    pub params: Vec<f64>,
    /// Adam's first moment.
    pub m: Vec<f64>,
    /// Adam's second moment.
    pub v: Vec<f64>,
    /// Adam steps taken.
    pub steps: u64,
    /// Epochs finished.
    pub epoch: usize,
    /// The parameters of the lowest validation loss.
    pub best: Vec<f64>,
    /// That loss (infinite before the first epoch).
    pub best_validation: f64,
    /// The epoch it was reached in (1-based; 0 before the first epoch).
    pub best_epoch: usize,
    /// Mean training loss of each finished epoch.
    pub train_history: Vec<f64>,
    /// Mean validation loss of each finished epoch.
    pub validation_history: Vec<f64>,
    /// Whether the run ended (epochs done or patience exhausted).
    pub finished: bool,
}

impl TrainState {
    /// The state before the first epoch.
    pub fn new(params: Vec<f64>) -> Self {
        let n = params.len();
        TrainState {
            best: params.clone(),
            params,
            m: vec![0.0; n],
            v: vec![0.0; n],
            steps: 0,
            epoch: 0,
            best_validation: f64::INFINITY,
            best_epoch: 0,
            train_history: vec![],
            validation_history: vec![],
            finished: false,
        }
    }
}

/// Why a training call returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrainStop {
    /// Every epoch ran.
    Epochs,
    /// `patience` epochs without a lower validation loss.
    EarlyStopping,
    /// The observer asked to stop after an epoch (the state is that epoch's, and resumable).
    Interrupted,
}

/// What the observer sees after each epoch.
#[derive(Clone, Copy, Debug)]
pub struct EpochReport {
    /// 1-based.
    pub epoch: usize,
    /// Mean training loss over the epoch's batches.
    pub train_loss: f64,
    /// Mean validation loss after the epoch.
    pub validation_loss: f64,
    /// The step size used in the epoch.
    pub learning_rate: f64,
}

/// Why the inputs cannot be trained on.
#[derive(Clone, Debug, PartialEq)]
pub enum TrainError {
    /// An empty training or validation set.
    NoSamples(&'static str),
    /// A batch size, epoch count or rate that cannot work.
    Option(&'static str, String),
    /// A state of another parameter count.
    StateLength {
        /// The state's parameter count.
        state: usize,
        /// The model's.
        expected: usize,
    },
}

impl std::fmt::Display for TrainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TrainError::NoSamples(set) => write!(f, "the {set} set is empty"),
            TrainError::Option(name, why) => write!(f, "training option `{name}`: {why}"),
            TrainError::StateLength { state, expected } => write!(
                f,
                "the training state has {state} parameters, the model {expected}"
            ),
        }
    }
}

impl std::error::Error for TrainError {}

fn validate(opts: &TrainOptions, n_train: usize, n_validation: usize) -> Result<(), TrainError> {
    if n_train == 0 {
        return Err(TrainError::NoSamples("training"));
    }
    if n_validation == 0 {
        return Err(TrainError::NoSamples("validation"));
    }
    if opts.batch_size == 0 {
        return Err(TrainError::Option(
            "batch_size",
            "must be at least 1".into(),
        ));
    }
    for (name, v) in [("learning_rate", opts.learning_rate), ("decay", opts.decay)] {
        if !(v > 0.0 && v.is_finite()) {
            return Err(TrainError::Option(
                name,
                format!("must be positive, got {v}"),
            ));
        }
    }
    Ok(())
}

/// The order of the training samples in epoch `epoch` (0-based): a Fisher-Yates shuffle from
/// a generator seeded by the seed and the epoch only.
pub fn epoch_order(n: usize, seed: u64, epoch: usize) -> Vec<usize> {
    let mut rng = SplitMix64(seed ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    order
}

/// Per-item results in item order, in parallel with the `parallel` feature.
fn map_in_order<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync + Send) -> Vec<T> {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        (0..n).into_par_iter().map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        (0..n).map(f).collect()
    }
}

/// The summed loss and gradient of `batch`, added in batch order.
fn batch_gradient<L: Learner>(
    learner: &L,
    params: &[f64],
    batch: &[&L::Sample],
) -> (f64, Vec<f64>) {
    let parts = map_in_order(batch.len(), |k| {
        let mut g = vec![0.0; params.len()];
        let loss = learner.loss_and_gradient(params, batch[k], &mut g);
        (loss, g)
    });
    let mut grad = vec![0.0; params.len()];
    let mut loss = 0.0;
    for (l, g) in parts {
        loss += l;
        grad.iter_mut().zip(&g).for_each(|(a, b)| *a += b);
    }
    (loss, grad)
}

/// The mean loss over `samples`, summed in order.
pub fn mean_loss<L: Learner>(learner: &L, params: &[f64], samples: &[L::Sample]) -> f64 {
    let losses = map_in_order(samples.len(), |k| learner.loss(params, &samples[k]));
    losses.iter().sum::<f64>() / samples.len().max(1) as f64
}

/// One Adam step on the mean gradient of a batch (β₁ = 0.9, β₂ = 0.999, ε = 1e-8).
fn adam_step(state: &mut TrainState, grad: &[f64], lr: f64) {
    const B1: f64 = 0.9;
    const B2: f64 = 0.999;
    state.steps += 1;
    let t = state.steps as i32;
    let (c1, c2) = (1.0 - B1.powi(t), 1.0 - B2.powi(t));
    let moments = state.m.iter_mut().zip(state.v.iter_mut());
    for ((p, (m, v)), g) in state.params.iter_mut().zip(moments).zip(grad) {
        *m = B1 * *m + (1.0 - B1) * g;
        *v = B2 * *v + (1.0 - B2) * g * g;
        *p -= lr * (*m / c1) / ((*v / c2).sqrt() + 1e-8);
    }
}

/// Train from `state` (a fresh [`TrainState::new`] or a checkpoint) until the epochs are done,
/// the validation loss has not fallen for `patience` epochs, or `observe` returns `false` after
/// an epoch. The state's `best` holds the parameters of the lowest validation loss.
pub fn train<L: Learner>(
    learner: &L,
    state: &mut TrainState,
    training: &[L::Sample],
    validation: &[L::Sample],
    opts: &TrainOptions,
    mut observe: impl FnMut(&EpochReport, &TrainState) -> bool,
) -> Result<TrainStop, TrainError> {
    validate(opts, training.len(), validation.len())?;
    if state.m.len() != state.params.len() || state.v.len() != state.params.len() {
        return Err(TrainError::StateLength {
            state: state.m.len(),
            expected: state.params.len(),
        });
    }
    while !state.finished {
        if state.epoch >= opts.epochs {
            state.finished = true;
            return Ok(TrainStop::Epochs);
        }
        let lr = opts.learning_rate * opts.decay.powi(state.epoch as i32);
        let order = epoch_order(training.len(), opts.seed, state.epoch);
        let mut total = 0.0;
        for chunk in order.chunks(opts.batch_size) {
            let batch: Vec<&L::Sample> = chunk.iter().map(|&k| &training[k]).collect();
            let (loss, mut grad) = batch_gradient(learner, &state.params, &batch);
            let scale = 1.0 / batch.len() as f64;
            grad.iter_mut().for_each(|g| *g *= scale);
            adam_step(state, &grad, lr);
            total += loss;
        }
        state.epoch += 1;
        let train_loss = total / training.len() as f64;
        let validation_loss = mean_loss(learner, &state.params, validation);
        state.train_history.push(train_loss);
        state.validation_history.push(validation_loss);
        if validation_loss < state.best_validation {
            state.best_validation = validation_loss;
            state.best_epoch = state.epoch;
            state.best.clone_from(&state.params);
        }
        let stalled = state.epoch - state.best_epoch >= opts.patience.max(1);
        if stalled {
            state.finished = true;
        }
        let report = EpochReport {
            epoch: state.epoch,
            train_loss,
            validation_loss,
            learning_rate: lr,
        };
        let go_on = observe(&report, state);
        if stalled {
            return Ok(TrainStop::EarlyStopping);
        }
        if !go_on {
            return Ok(TrainStop::Interrupted);
        }
    }
    Ok(TrainStop::Epochs)
}
