//! The training engine: a dense layer learns a linear map from samples; a run is bit-identical
//! at 1 and 2 threads; a run interrupted after an epoch and resumed from its state ends with
//! the uninterrupted run's state; early stopping keeps the best epoch's parameters; bad
//! options are typed errors.

use backsolve::inverse::{
    epoch_order, train, Learner, TrainError, TrainOptions, TrainState, TrainStop,
};
use backsolve::nn::{self, Dense, Init};
use backsolve::prelude::*;
use backsolve::SplitMix64;

#[differentiable(wrt(layer))]
fn sample_loss(layer: &Dense, x: &[f64], y: &[f64]) -> f64 {
    let p = nn::dense(layer, x);
    let mut s = 0.0;
    for i in 0..y.len() {
        let e = p[i] - y[i];
        s += e * e;
    }
    s
}

/// A dense layer `3 -> 2` trained on `(x, y)` pairs.
struct Regression {
    shape: Dense,
}

impl Regression {
    fn layer(&self, params: &[f64]) -> Dense {
        let mut l = self.shape.clone();
        l.read_reals(params);
        l
    }
}

impl Learner for Regression {
    type Sample = (Vec<f64>, Vec<f64>);
    fn loss_and_gradient(&self, params: &[f64], s: &Self::Sample, grad: &mut [f64]) -> f64 {
        let layer = self.layer(params);
        let mut d = layer.clone();
        d.read_reals(&vec![0.0; params.len()]);
        let loss = sample_loss_pullback(&layer, &s.0, &s.1, 1.0, &mut d);
        grad.iter_mut().zip(d.to_reals()).for_each(|(g, v)| *g += v);
        loss
    }
    fn loss(&self, params: &[f64], s: &Self::Sample) -> f64 {
        sample_loss(&self.layer(params), &s.0, &s.1)
    }
}

/// Samples of `y = M x` (or `-M x` with `flip`) plus a little seeded noise.
fn samples(n: usize, seed: u64, flip: bool) -> Vec<(Vec<f64>, Vec<f64>)> {
    let m = [[0.5, -1.0, 0.3], [1.2, 0.2, -0.7]];
    let sign = if flip { -1.0 } else { 1.0 };
    let mut rng = SplitMix64(seed);
    (0..n)
        .map(|_| {
            let x: Vec<f64> = (0..3).map(|_| rng.range(-1.0, 1.0)).collect();
            let y = m
                .iter()
                .map(|row| {
                    sign * row.iter().zip(&x).map(|(a, b)| a * b).sum::<f64>()
                        + 0.01 * rng.range(-1.0, 1.0)
                })
                .collect();
            (x, y)
        })
        .collect()
}

fn setup() -> (Regression, TrainState) {
    let shape = Dense::new(3, 2, Init::Glorot, &mut SplitMix64(1));
    let state = TrainState::new(shape.to_reals());
    (Regression { shape }, state)
}

fn opts() -> TrainOptions {
    TrainOptions {
        epochs: 30,
        batch_size: 8,
        learning_rate: 0.05,
        decay: 0.97,
        patience: 30,
        seed: 7,
    }
}

#[test]
fn a_dense_layer_learns_a_linear_map() {
    let (learner, mut state) = setup();
    let (tr, va) = (samples(64, 2, false), samples(16, 3, false));
    let stop = train(&learner, &mut state, &tr, &va, &opts(), |_, _| true).unwrap();
    assert_eq!(stop, TrainStop::Epochs);
    assert_eq!(state.epoch, 30);
    let (first, last) = (
        state.validation_history[0],
        *state.validation_history.last().unwrap(),
    );
    assert!(last < 1e-2 * first, "validation loss {first} -> {last}");
    assert_eq!(
        state.best_validation,
        state
            .validation_history
            .iter()
            .cloned()
            .fold(f64::INFINITY, f64::min)
    );
}

#[test]
fn bit_identical_at_one_and_two_threads() {
    let (tr, va) = (samples(50, 2, false), samples(10, 3, false));
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let (learner, mut state) = setup();
            train(&learner, &mut state, &tr, &va, &opts(), |_, _| true).unwrap();
            state
        })
    };
    let (one, two) = (run(1), run(2));
    assert_eq!(one, two);
}

#[test]
fn an_interrupted_run_resumes_to_the_uninterrupted_state() {
    let (tr, va) = (samples(40, 2, false), samples(10, 3, false));
    let (learner, mut whole) = setup();
    train(&learner, &mut whole, &tr, &va, &opts(), |_, _| true).unwrap();
    let (learner, mut part) = setup();
    let stop = train(&learner, &mut part, &tr, &va, &opts(), |r, _| r.epoch < 4).unwrap();
    assert_eq!((stop, part.epoch), (TrainStop::Interrupted, 4));
    assert_ne!(part, whole);
    // What a checkpoint holds: the state, cloned as if written and read back.
    let mut resumed = part.clone();
    train(&learner, &mut resumed, &tr, &va, &opts(), |_, _| true).unwrap();
    assert_eq!(resumed, whole);
}

#[test]
fn early_stopping_keeps_the_best_epoch() {
    // Validation data contradict the training data: the better the fit, the worse validation.
    let (tr, va) = (samples(40, 2, false), samples(10, 3, true));
    let (learner, mut state) = setup();
    let o = TrainOptions {
        patience: 3,
        ..opts()
    };
    let stop = train(&learner, &mut state, &tr, &va, &o, |_, _| true).unwrap();
    assert_eq!(stop, TrainStop::EarlyStopping);
    assert!(state.finished);
    assert_eq!(state.epoch, state.best_epoch + 3);
    assert!(state.best_epoch <= 2, "best epoch {}", state.best_epoch);
    assert_ne!(state.best, state.params);
    let best = state.validation_history[state.best_epoch - 1];
    assert_eq!(best, state.best_validation);
}

#[test]
fn shuffles_are_permutations_fixed_by_seed_and_epoch() {
    let a = epoch_order(20, 5, 3);
    assert_eq!(a, epoch_order(20, 5, 3));
    assert_ne!(a, epoch_order(20, 5, 4));
    let mut sorted = a.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..20).collect::<Vec<_>>());
}

#[test]
fn bad_options_are_typed_errors() {
    let (learner, mut state) = setup();
    let (tr, va) = (samples(8, 2, false), samples(2, 3, false));
    let bad = TrainOptions {
        batch_size: 0,
        ..opts()
    };
    assert_eq!(
        train(&learner, &mut state, &tr, &va, &bad, |_, _| true),
        Err(TrainError::Option(
            "batch_size",
            "must be at least 1".into()
        ))
    );
    assert_eq!(
        train(&learner, &mut state, &tr, &[], &opts(), |_, _| true),
        Err(TrainError::NoSamples("validation"))
    );
    let negative = TrainOptions {
        learning_rate: -1.0,
        ..opts()
    };
    let e = train(&learner, &mut state, &tr, &va, &negative, |_, _| true).unwrap_err();
    assert_eq!(
        e.to_string(),
        "training option `learning_rate`: must be positive, got -1"
    );
}
