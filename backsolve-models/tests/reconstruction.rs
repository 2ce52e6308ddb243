//! End to end, small enough for CI: a hidden potential landscape recovered from its
//! magnetoconductance map by L-BFGS on the generated gradient, from random starts (seed 000,
//! section IV). A fixed notch at one corner (not a parameter) breaks the mirror symmetries
//! that would otherwise make the answer ambiguous.

use backsolve_core::inverse::{multistart, FnObjective, Method, Options};
use backsolve_core::SplitMix64;
use backsolve_models::transport::{
    misfit_and_gradient, simulate_map, Grid, Lattice, Model, WireLead,
};

const NOTCH: f64 = 3.0;

/// Parameters are every site but the notch at (0, 0).
fn potential(params: &[f64]) -> Vec<f64> {
    let mut v = vec![NOTCH];
    v.extend_from_slice(params);
    v
}

#[test]
fn recovers_a_hidden_potential_from_its_conductance_map() {
    let lattice = Lattice { lx: 4, ly: 3 };
    let model = Model::Wires(WireLead::Wavenumber(1.3));
    let grid = Grid::linspace((0.0, 0.2, 9), (-1.0, 1.0, 7));
    let w = 1.0;
    let mut rng = SplitMix64(2024);
    let truth: Vec<f64> = (0..11).map(|_| rng.range(-w / 2.0, w / 2.0)).collect();
    let target = simulate_map(&model, lattice, 2, &potential(&truth), None, &grid, &|| ()).unwrap();

    let mut objective = FnObjective(|p: &[f64]| {
        let fit = misfit_and_gradient(
            &model,
            lattice,
            2,
            &potential(p),
            None,
            &grid,
            &target,
            None,
        )
        .unwrap();
        (fit.cost, fit.grad_v[1..].to_vec())
    });
    let opts = Options {
        cost_tol: 1e-20,
        max_epochs: 400,
        ..Options::default()
    };
    let (best, costs) = multistart(
        &mut objective,
        4,
        7,
        &mut |rng| (0..11).map(|_| rng.range(-w / 2.0, w / 2.0)).collect(),
        &Method::Lbfgs { memory: 10 },
        &opts,
    );
    let rms = (best
        .x
        .iter()
        .zip(&truth)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        / 11.0)
        .sqrt();
    assert!(
        rms < 1e-3 * w,
        "RMS error {rms:e} (cost {:e}); final costs of the starts: {costs:?}",
        best.cost
    );
}
