//! The learned spectral solvers on small instances: the gradient of each loss with respect to
//! every network parameter (the rRIM's GRU weights and biases through all 15 steps, the FCN's
//! and CNN's layers) against central differences.

use backsolve_core::gradcheck::GradReport;
use backsolve_core::SplitMix64;
use backsolve_macros::differentiable;
use backsolve_models::spectral::data::gaussian_mixture;
use backsolve_models::spectral::landweber::preconditioner;
use backsolve_models::spectral::learned::{self, Cnn, Fcn, Rrim};
use backsolve_models::spectral::Operator;

const TOL: f64 = 1e-6;

#[differentiable(check, wrt(net))]
fn rrim_case(net: &Rrim, c: &[f64], b: &[f64], x0: &[f64], x: &[f64]) -> f64 {
    learned::rrim_loss(net, c, b, x0, x)
}

#[differentiable(check, wrt(net))]
fn fcn_case(net: &Fcn, y: &[f64], x: &[f64]) -> f64 {
    learned::fcn_loss(net, y, x)
}

#[differentiable(check, wrt(net))]
fn cnn_case(net: &Cnn, y: &[f64], x: &[f64]) -> f64 {
    learned::cnn_loss(net, y, x)
}

/// A small operator (8 frequencies, 6 boson energies, 100 K), one glue function, its data, and
/// the rRIM's `C = P A` and `b = P y`.
struct Case {
    y: Vec<f64>,
    x: Vec<f64>,
    c: Vec<f64>,
    b: Vec<f64>,
}

fn case() -> Case {
    let op = Operator::new(8, 50.0, 6, 60.0, 100.0).unwrap();
    let x = gaussian_mixture(&op.big_omega, &[(1.2, 150.0, 60.0), (0.5, 280.0, 40.0)]);
    let y = op.apply(&x);
    let p = preconditioner(&op, 0.01).unwrap();
    let pa = &p * &op.a;
    let n = x.len();
    let c = (0..n * n).map(|k| pa[(k / n, k % n)]).collect();
    let b = (0..n)
        .map(|j| (0..y.len()).map(|i| p[(j, i)] * y[i]).sum())
        .collect();
    Case { y, x, c, b }
}

#[track_caller]
fn assert_nonvacuous(r: &GradReport, n_params: usize) {
    r.assert_close(TOL);
    assert_eq!(r.entries.len(), n_params, "every parameter is checked");
}

#[test]
fn rrim_gradient_through_all_15_steps() {
    let k = case();
    let mut rng = SplitMix64(4);
    let mut net = Rrim::new(6, 4, 15, &mut rng);
    for b in [
        &mut net.cell.b_z,
        &mut net.cell.b_r,
        &mut net.cell.b_n,
        &mut net.cell.c_n,
    ] {
        b.iter_mut().for_each(|v| *v = rng.range(-0.3, 0.3));
    }
    let x0: Vec<f64> = (0..6).map(|_| rng.range(0.0, 0.2)).collect();
    let r = rrim_case_gradcheck(&net, &k.c, &k.b, &x0, &k.x);
    assert_nonvacuous(&r, net.n_params());
    // The estimates are the states the loss compares with the truth, all 15 of them.
    let estimates = learned::rrim_estimates(&net, &k.c, &k.b, &x0);
    let from_estimates: f64 = estimates
        .iter()
        .map(|e| {
            e.iter()
                .zip(&k.x)
                .map(|(a, b)| (a - b).powi(2))
                .sum::<f64>()
                / 6.0
        })
        .sum();
    let loss = learned::rrim_loss(&net, &k.c, &k.b, &x0, &k.x);
    assert!(
        (from_estimates - loss).abs() <= 1e-12 * loss,
        "{from_estimates} vs {loss}"
    );
    assert_eq!(estimates.len(), 15);
}

#[test]
fn fcn_gradient() {
    let k = case();
    let net = Fcn::new(8, 6, 5, &mut SplitMix64(5));
    assert_nonvacuous(&fcn_case_gradcheck(&net, &k.y, &k.x), net.n_params());
}

#[test]
fn cnn_gradient() {
    let k = case();
    let net = Cnn::new(8, 6, 3, &mut SplitMix64(6));
    assert_nonvacuous(&cnn_case_gradcheck(&net, &k.y, &k.x), net.n_params());
}

/// A short training on a coarse operator: each model's validation loss falls, and the trained
/// rRIM's test MSE is below that of its start and of the untrained network.
#[test]
fn each_model_learns_on_a_small_dataset() {
    use backsolve_core::inverse::{train, TrainOptions, TrainState};
    use backsolve_models::spectral::data::dataset;
    use backsolve_models::spectral::learned::{prepare, Model, Trainer};
    let op = Operator::new(20, 20.0, 20, 20.0, 100.0).unwrap();
    let data = dataset(&op, 80, 0.0, 31);
    let (c, tr) = prepare(&op, 0.01, &data.train, 1).unwrap();
    let (_, va) = prepare(&op, 0.01, &data.validation, 2).unwrap();
    let (_, te) = prepare(&op, 0.01, &data.test, 3).unwrap();
    let mut rng = SplitMix64(8);
    let models = [
        Model::Rrim(Rrim::new(20, 12, 15, &mut rng)),
        Model::Fcn(Fcn::new(20, 20, 16, &mut rng)),
        Model::Cnn(Cnn::new(20, 20, 4, &mut rng)),
    ];
    let opts = TrainOptions {
        epochs: 12,
        batch_size: 8,
        learning_rate: 3e-3,
        decay: 1.0,
        patience: 12,
        seed: 4,
    };
    for model in models {
        let name = model.name();
        let trainer = Trainer {
            model: model.clone(),
            c: c.clone(),
        };
        let mut state = TrainState::new(model.params());
        train(&trainer, &mut state, &tr, &va, &opts, |_, _| true).unwrap();
        let (first, best) = (state.validation_history[0], state.best_validation);
        assert!(best < 0.7 * first, "{name}: validation {first} -> {best}");
        let untrained = trainer.mse(&model.params(), &te);
        let trained = trainer.mse(&state.best, &te);
        assert!(
            trained < untrained,
            "{name}: test MSE {untrained} -> {trained}"
        );
        if name == "rrim" {
            let start: f64 = te
                .iter()
                .map(|s| {
                    s.x0.iter()
                        .zip(&s.x)
                        .map(|(a, b)| (a - b).powi(2))
                        .sum::<f64>()
                        / 20.0
                })
                .sum::<f64>()
                / te.len() as f64;
            assert!(
                trained < 0.5 * start,
                "rrim: test MSE {trained} vs its start {start}"
            );
        }
    }
}

/// The standard architectures' sizes, as the README states them.
#[test]
fn standard_architectures() {
    use backsolve_models::spectral::learned::Model;
    let count = |kind| {
        Model::standard(kind, 100, 100, &mut SplitMix64(1))
            .unwrap()
            .params()
            .len()
    };
    assert_eq!(
        (count("rrim"), count("fcn"), count("cnn")),
        (25_700, 42_340, 41_492)
    );
    assert!(Model::standard("svm", 100, 100, &mut SplitMix64(1)).is_none());
}
