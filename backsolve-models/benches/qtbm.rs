//! One I-V curve of the default resonant-tunnelling diode: 51 biases x 1000 energies x 300 grid
//! points, Tsu-Esaki at 77 K, forward and with the gradient with respect to the six barrier
//! parameters. `cargo bench -p backsolve-models --bench qtbm`.

use backsolve_core::inverse::Objective;
use backsolve_models::qtbm::{
    iv_curve, iv_curve_pullback, Device, Formula, IvFit, Supply, TransmissionDesign,
};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use std::time::Duration;

fn iv(c: &mut Criterion) {
    let mut g = c.benchmark_group("qtbm_iv_51x1000x300");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    let device = Device::gaas();
    let supply = Supply::default();
    let params = [0.3, 2.0, 26.5, 0.3, 2.0, 33.5];
    let biases: Vec<f64> = (0..51).map(|i| 0.01 * i as f64).collect();
    let ones = vec![1.0; biases.len()];
    g.bench_function("forward", |b| {
        b.iter(|| {
            iv_curve(
                &device,
                black_box(&params),
                &supply,
                &biases,
                Formula::TsuEsaki,
            )
            .unwrap()
        })
    });
    g.bench_function("value_and_gradient", |b| {
        b.iter(|| {
            iv_curve_pullback(
                &device,
                black_box(&params),
                &supply,
                &biases,
                Formula::TsuEsaki,
                &ones,
            )
            .unwrap()
        })
    });
    g.finish();
}

/// The two inverse problems' objectives: the I-V fit (26 biases x 1000 energies, as in
/// `demo rtd`) and the band-pass design (140 energies, 100 free grid values).
fn objectives(c: &mut Criterion) {
    let mut g = c.benchmark_group("qtbm_objectives");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));
    let device = Device::gaas();
    let supply = Supply::default();
    let truth = [0.32, 2.2, 26.4, 0.28, 1.8, 33.6];
    let biases: Vec<f64> = (0..26).map(|i| 0.02 * i as f64).collect();
    let target = iv_curve(&device, &truth, &supply, &biases, Formula::TsuEsaki).unwrap();
    let mut fit = IvFit::new(device.clone(), supply, biases, target).unwrap();
    let start = [0.3, 2.0, 26.5, 0.3, 2.0, 33.5];
    g.bench_function("iv_fit_value_and_gradient", |b| {
        b.iter(|| fit.value_and_gradient(black_box(&start)))
    });
    let mut design = TransmissionDesign::band_pass(device, (0.1, 0.2), 1e-3).unwrap();
    let x0 = design.initial();
    g.bench_function("design_value_and_gradient", |b| {
        b.iter(|| design.value_and_gradient(black_box(&x0)))
    });
    g.finish();
}

criterion_group!(benches, iv, objectives);
criterion_main!(benches);
