//! The network blocks of `backsolve::nn`: every parameter's gradient (and tangent) against
//! central differences, through a convolution stack, a dense head and a GRU unrolled over 15
//! steps (backpropagation through time by the macro); seeded initialization; exact round trip
//! of the parameters through JSON.

use backsolve::nn::{self, Conv1d, Dense, GruCell, Init};
use backsolve::prelude::*;
use backsolve::SplitMix64;

const TOL: f64 = 1e-6;
const TANGENT_TOL: (f64, f64) = (1e-8, 1e-12);

#[track_caller]
fn check_both(report: &GradReport) {
    report.assert_close(TOL);
    let tangent = report.tangent.as_ref().expect("forward mode is generated");
    tangent.assert_close(TANGENT_TOL.0, TANGENT_TOL.1);
}

fn signal(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = SplitMix64(seed);
    (0..n).map(|_| rng.range(-1.0, 1.0)).collect()
}

/// Biases away from zero, so that a check also sees their gradients' structure.
fn jitter_biases(b: &mut [f64], rng: &mut SplitMix64) {
    b.iter_mut().for_each(|v| *v = rng.range(-0.5, 0.5));
}

/// Each activation on its own, weighted so every output matters.
#[differentiable(check, forward, reverse)]
fn activations_loss(x: &[f64], w: &[f64]) -> f64 {
    let a = nn::tanh(x);
    let b = nn::sigmoid(x);
    let c = nn::softplus(x);
    let d = nn::relu(x);
    let mut s = 0.0;
    for i in 0..x.len() {
        s += w[i] * (a[i] + 2.0 * b[i] + 0.5 * c[i] * c[i] + 1.5 * d[i]);
    }
    s
}

#[test]
fn activations() {
    // No element at ReLU's kink; one beyond softplus's switch to the identity.
    let x = [-1.3, -0.4, 0.2, 0.9, 2.1, 31.5];
    check_both(&activations_loss_gradcheck(&x, &signal(6, 3)));
}

/// A convolutional network: two convolutions (stride 2, padding 1; then stride 1) with tanh and
/// softplus, a dense head, a squared error.
#[differentiable(check, wrt(c1, c2, head), forward, reverse)]
fn cnn_loss(c1: &Conv1d, c2: &Conv1d, head: &Dense, x: &[f64], target: &[f64]) -> f64 {
    let a = nn::conv1d(c1, x);
    let a = nn::tanh(&a);
    let b = nn::conv1d(c2, &a);
    let b = nn::softplus(&b);
    let y = nn::dense(head, &b);
    let mut s = 0.0;
    for i in 0..y.len() {
        let e = y[i] - target[i];
        s += e * e;
    }
    s
}

#[test]
fn convolutions_and_a_dense_head() {
    let mut rng = SplitMix64(7);
    let mut c1 = Conv1d::new(2, 3, 3, 2, 1, Init::Glorot, &mut rng);
    let mut c2 = Conv1d::new(3, 2, 2, 1, 0, Init::He, &mut rng);
    jitter_biases(&mut c1.b, &mut rng);
    jitter_biases(&mut c2.b, &mut rng);
    let l = 9;
    let l1 = c1.output_len(l).unwrap();
    let l2 = c2.output_len(l1).unwrap();
    assert_eq!((l1, l2), (5, 4));
    let mut head = Dense::new(2 * l2, 3, Init::Glorot, &mut rng);
    jitter_biases(&mut head.b, &mut rng);
    let x = signal(2 * l, 11);
    check_both(&cnn_loss_gradcheck(&c1, &c2, &head, &x, &signal(3, 12)));
}

/// A GRU unrolled over 15 steps on a sequence of inputs, read out by a dense layer at every
/// step: the loss sums the squared readouts' errors, so the gradient of every weight goes
/// back through all 15 steps.
#[differentiable(check, wrt(cell, readout, h0), forward, reverse)]
fn gru_loss(cell: &GruCell, readout: &Dense, h0: &[f64], xs: &[f64], target: &[f64]) -> f64 {
    let steps = 15;
    let n_in = xs.len() / steps;
    let mut h = h0.to_vec();
    let mut s = 0.0;
    for t in 0..steps {
        let mut xt = vec![0.0; n_in];
        for i in 0..n_in {
            xt[i] = xs[t * n_in + i];
        }
        h = nn::gru_cell(cell, &xt, &h);
        let y = nn::dense(readout, &h);
        let e = y[0] - target[t];
        s += e * e;
    }
    s
}

#[test]
fn gru_backpropagation_through_15_steps() {
    let mut rng = SplitMix64(21);
    let mut cell = GruCell::new(2, 3, Init::Glorot, &mut rng);
    for b in [&mut cell.b_z, &mut cell.b_r, &mut cell.b_n, &mut cell.c_n] {
        jitter_biases(b, &mut rng);
    }
    let mut readout = Dense::new(3, 1, Init::Glorot, &mut rng);
    jitter_biases(&mut readout.b, &mut rng);
    let h0 = signal(3, 22);
    let xs = signal(2 * 15, 23);
    let target = signal(15, 24);
    let report = gru_loss_gradcheck(&cell, &readout, &h0, &xs, &target);
    check_both(&report);
    assert_eq!(cell.n_params(), 3 * 3 * (2 + 3) + 4 * 3);
}

/// The last step's readout alone: its gradient with respect to the first input is nonzero, so
/// information really travels through all 15 steps.
#[differentiable(wrt(xs))]
fn last_readout(cell: &GruCell, readout: &Dense, xs: &[f64]) -> f64 {
    let n_in = xs.len() / 15;
    let mut h = vec![0.0; cell.n_hidden];
    for t in 0..15 {
        let mut xt = vec![0.0; n_in];
        for i in 0..n_in {
            xt[i] = xs[t * n_in + i];
        }
        h = nn::gru_cell(cell, &xt, &h);
    }
    let y = nn::dense(readout, &h);
    y[0]
}

#[test]
fn the_first_input_reaches_the_last_step() {
    let mut rng = SplitMix64(5);
    let cell = GruCell::new(2, 4, Init::Glorot, &mut rng);
    let readout = Dense::new(4, 1, Init::Glorot, &mut rng);
    let xs = signal(30, 6);
    let mut dxs = vec![0.0; 30];
    let y = last_readout_pullback(&cell, &readout, &xs, 1.0, &mut dxs);
    assert_eq!(y, last_readout(&cell, &readout, &xs));
    assert!(
        dxs[0].abs() > 1e-6 && dxs[1].abs() > 1e-6,
        "{:?}",
        &dxs[..2]
    );
}

#[test]
fn initialization_is_seeded_and_bounded() {
    let a = Dense::new(40, 10, Init::Glorot, &mut SplitMix64(1));
    let b = Dense::new(40, 10, Init::Glorot, &mut SplitMix64(1));
    let c = Dense::new(40, 10, Init::Glorot, &mut SplitMix64(2));
    assert_eq!(a, b);
    assert_ne!(a, c);
    let glorot = (6.0f64 / 50.0).sqrt();
    assert!(a.w.iter().all(|w| w.abs() < glorot));
    assert!(a.w.iter().any(|w| w.abs() > 0.8 * glorot));
    let he = Conv1d::new(4, 2, 5, 1, 2, Init::He, &mut SplitMix64(3));
    let bound = (6.0f64 / 20.0).sqrt();
    assert!(he.w.iter().all(|w| w.abs() < bound));
    assert!(he.w.iter().any(|w| w.abs() > 0.8 * bound));
    assert_eq!(he.output_len(10), Some(10));
    assert_eq!(
        Conv1d::new(1, 1, 5, 1, 0, Init::He, &mut SplitMix64(3)).output_len(3),
        None
    );
}

#[test]
fn parameters_round_trip_through_json_exactly() {
    let mut rng = SplitMix64(9);
    let cell = GruCell::new(3, 5, Init::Glorot, &mut rng);
    let conv = Conv1d::new(2, 4, 3, 2, 1, Init::He, &mut rng);
    let text = serde_json::to_string(&(&cell, &conv)).unwrap();
    let (cell2, conv2): (GruCell, Conv1d) = serde_json::from_str(&text).unwrap();
    assert_eq!(cell, cell2);
    assert_eq!(conv, conv2);
}

#[test]
#[should_panic(expected = "dense: input length")]
fn a_wrong_input_length_names_the_block() {
    let layer = Dense::new(3, 2, Init::Glorot, &mut SplitMix64(1));
    nn::dense(&layer, &[1.0, 2.0]);
}
