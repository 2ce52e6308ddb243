//! Training throughput of the learned spectral solvers: one forward and backward pass over a
//! batch of 32 samples on the standard operator (100 frequencies, 100 boson energies), per
//! model. Samples per second = 32 / time.

use backsolve_core::inverse::Learner;
use backsolve_core::SplitMix64;
use backsolve_models::spectral::data::dataset;
use backsolve_models::spectral::learned::{prepare, Model, Trainer};
use backsolve_models::spectral::Operator;
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

fn throughput(c: &mut Criterion) {
    let op = Operator::standard();
    let data = dataset(&op, 40, 0.0, 1);
    let (cmat, samples) = prepare(&op, 0.01, &data.train[..32], 2).unwrap();
    let mut g = c.benchmark_group("train_batch32_100x100");
    g.throughput(Throughput::Elements(32));
    g.sample_size(10);
    for kind in ["rrim", "fcn", "cnn"] {
        let model = Model::standard(kind, op.rows(), op.cols(), &mut SplitMix64(3)).unwrap();
        let params = model.params();
        let trainer = Trainer {
            model,
            c: cmat.clone(),
        };
        g.bench_function(kind, |b| {
            b.iter(|| {
                let mut grad = vec![0.0; params.len()];
                let loss: f64 = samples
                    .iter()
                    .map(|s| trainer.loss_and_gradient(&params, s, &mut grad))
                    .sum();
                black_box((loss, grad))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);
