//! The inverse-problem layer on functions with known minima: every optimizer on an
//! ill-conditioned quadratic and on Rosenbrock, stopping rules, bounds, interruption,
//! determinism of multi-start, and the regularizers' gradients.

use backsolve::inverse::{
    minimize, mse, multistart, resume, Bounds, FnObjective, Method, Options, Regularizer, State,
    Stop,
};
use backsolve::{check_gradient, CheckOptions};

fn quadratic() -> FnObjective<impl FnMut(&[f64]) -> (f64, Vec<f64>)> {
    // f = Σ c_i (x_i - i)², condition number 100.
    FnObjective(|x: &[f64]| {
        let mut f = 0.0;
        let g = x
            .iter()
            .enumerate()
            .map(|(i, &xi)| {
                let c = 1.0 + 99.0 * i as f64 / (x.len() - 1) as f64;
                f += c * (xi - i as f64).powi(2);
                2.0 * c * (xi - i as f64)
            })
            .collect();
        (f, g)
    })
}

fn rosenbrock() -> FnObjective<impl FnMut(&[f64]) -> (f64, Vec<f64>)> {
    FnObjective(|x: &[f64]| {
        let (a, b) = (x[0], x[1]);
        let f = (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2);
        (
            f,
            vec![
                -2.0 * (1.0 - a) - 400.0 * a * (b - a * a),
                200.0 * (b - a * a),
            ],
        )
    })
}

fn methods() -> Vec<Method> {
    vec![
        Method::Halving { lr: 0.5, grow: 1.2 },
        Method::adam(0.05),
        Method::Lbfgs { memory: 8 },
    ]
}

#[test]
fn every_method_solves_an_ill_conditioned_quadratic() {
    // Adam with a fixed step hovers within ~lr of the minimum; it is checked separately.
    for method in methods()
        .into_iter()
        .filter(|m| !matches!(m, Method::Adam { .. }))
    {
        let opts = Options {
            cost_tol: 1e-16,
            max_epochs: 20000,
            ..Options::default()
        };
        let r = minimize(&mut quadratic(), vec![0.0; 6], &method, &opts, &mut |_| {
            true
        });
        assert_eq!(
            r.stop,
            Stop::Converged,
            "{method:?}: {:?} after {} epochs",
            r.stop,
            r.epochs
        );
        for (i, xi) in r.x.iter().enumerate() {
            assert!((xi - i as f64).abs() < 1e-7, "{method:?}: x[{i}] = {xi}");
        }
        assert!(
            r.history.windows(2).all(|w| w[1] <= w[0]),
            "monotone decrease"
        );
    }
    let opts = Options {
        max_epochs: 3000,
        stagnation_window: 0,
        ..Options::default()
    };
    let r = minimize(
        &mut quadratic(),
        vec![0.0; 6],
        &Method::adam(0.05),
        &opts,
        &mut |_| true,
    );
    assert!(r.cost < 1e-3, "Adam gets close: cost {}", r.cost);
    for (i, xi) in r.x.iter().enumerate() {
        assert!((xi - i as f64).abs() < 0.05, "Adam: x[{i}] = {xi}");
    }
}

#[test]
fn every_method_finds_the_rosenbrock_minimum() {
    for method in methods() {
        let opts = Options {
            cost_tol: 1e-14,
            max_epochs: 200_000,
            stagnation_window: 0,
            ..Options::default()
        };
        let x0 = vec![-1.2, 1.0];
        let r = minimize(&mut rosenbrock(), x0, &method, &opts, &mut |_| true);
        assert!(
            (r.x[0] - 1.0).abs() < 1e-5 && (r.x[1] - 1.0).abs() < 1e-5,
            "{method:?}: {:?} cost {} stop {:?}",
            r.x,
            r.cost,
            r.stop
        );
    }
    // L-BFGS is the quickest by far.
    let opts = Options {
        cost_tol: 1e-14,
        ..Options::default()
    };
    let r = minimize(
        &mut rosenbrock(),
        vec![-1.2, 1.0],
        &Method::Lbfgs { memory: 8 },
        &opts,
        &mut |_| true,
    );
    assert!(r.epochs < 100, "L-BFGS took {} epochs", r.epochs);
}

#[test]
fn bounds_stagnation_and_interruption() {
    let opts = Options {
        bounds: Some(Bounds { lo: -1.0, hi: 2.5 }),
        ..Options::default()
    };
    let method = Method::Halving {
        lr: 0.004,
        grow: 1.1,
    };
    let r = minimize(&mut quadratic(), vec![0.0; 6], &method, &opts, &mut |_| {
        true
    });
    // The unconstrained minimum is x_i = i; the bound clips it at 2.5.
    assert!(r.x.iter().all(|&x| (-1.0..=2.5).contains(&x)));
    assert!(
        (r.x[5] - 2.5).abs() < 1e-12 && (r.x[1] - 1.0).abs() < 1e-6,
        "{:?}",
        r.x
    );
    assert_ne!(r.stop, Stop::Converged);
    let mut seen = 0;
    let r = minimize(
        &mut quadratic(),
        vec![0.0; 6],
        &Method::adam(0.01),
        &Options::default(),
        &mut |p| {
            seen = p.epoch;
            p.epoch < 7
        },
    );
    assert_eq!((r.stop, r.epochs, seen), (Stop::Interrupted, 7, 7));
    assert!(r.cost <= r.history[0], "the best point so far is kept");
}

#[test]
fn multistart_is_deterministic_and_keeps_the_best() {
    // A double well with a deeper minimum at x = 2 and a shallower one at x = -2.
    let well = || {
        FnObjective(|x: &[f64]| {
            let v = x[0];
            let f = (v * v - 4.0).powi(2) - 2.0 * v;
            (f, vec![4.0 * v * (v * v - 4.0) - 2.0])
        })
    };
    let opts = Options {
        max_epochs: 300,
        ..Options::default()
    };
    let run = || {
        multistart(
            &mut well(),
            6,
            7,
            &mut |rng| vec![rng.range(-3.0, 3.0)],
            &Method::Lbfgs { memory: 4 },
            &opts,
        )
    };
    let (best, costs) = run();
    let (best2, costs2) = run();
    assert_eq!(costs, costs2);
    assert_eq!(best, best2);
    assert!(best.x[0] > 1.9, "the deeper well wins: {:?}", best.x);
    assert!(
        costs.iter().any(|&c| c > best.cost + 1.0),
        "some starts end in the other well: {costs:?}"
    );
}

#[test]
fn costs_and_regularizers_have_the_right_gradients() {
    let (c, d) = mse(&[1.0, 2.0, 4.0], &[1.5, 2.0, 3.0], Some(&[1.0, 2.0, 0.5]));
    assert!((c - (0.25 + 0.0 + 0.5) / 3.0).abs() < 1e-15);
    assert_eq!(d, vec![2.0 * -0.5 / 3.0, 0.0, 2.0 * 0.5 * 1.0 / 3.0]);
    let x: Vec<f64> = (0..12).map(|i| (i as f64 * 1.3).sin()).collect();
    for reg in [
        Regularizer::Smoothness { strength: 0.7 },
        Regularizer::TotalVariation {
            strength: 0.4,
            eps: 0.1,
        },
    ] {
        let mut g = vec![0.0; 12];
        reg.apply(&x, 3, 4, &mut g);
        let report = check_gradient(
            &[("x", 12)],
            &x,
            &g,
            |p| reg.apply(p, 3, 4, &mut [0.0; 12]),
            &CheckOptions::default(),
        );
        report.assert_close(1e-6);
    }
}

#[test]
fn resuming_an_interrupted_run_gives_the_uninterrupted_result() {
    let opts = Options {
        cost_tol: 1e-14,
        max_epochs: 3000,
        ..Options::default()
    };
    for method in methods() {
        let x0 = vec![-1.2, 1.0];
        let whole = minimize(&mut rosenbrock(), x0.clone(), &method, &opts, &mut |_| true);
        // Stop at epoch 12 keeping the state, as a checkpoint would, then carry on from it.
        let mut saved: Option<State> = None;
        let first = minimize(&mut rosenbrock(), x0, &method, &opts, &mut |p| {
            saved = Some(p.state.clone());
            p.epoch < 12
        });
        assert_eq!(first.stop, Stop::Interrupted, "{method:?}");
        assert_eq!(first.epochs, 12);
        let state = saved.expect("the observer saw a state");
        let rest = resume(&mut rosenbrock(), state, &method, &opts, &mut |_| true);
        assert_eq!(rest.x, whole.x, "{method:?}");
        assert_eq!(rest.cost, whole.cost, "{method:?}");
        assert_eq!(rest.history, whole.history, "{method:?}");
        assert_eq!(rest.epochs, whole.epochs, "{method:?}");
        assert_eq!(rest.stop, whole.stop, "{method:?}");
        assert!(
            whole.epochs > 12,
            "{method:?} finished before the interruption"
        );
    }
}

/// Rosenbrock in ten dimensions, with its exact Hessian-vector product from nested mode.
#[backsolve::differentiable(nested)]
#[allow(dead_code)] // only its derivatives are called
fn rosenbrock_chain(x: &[f64]) -> f64 {
    let mut f = 0.0;
    for i in 0..x.len() - 1 {
        let a = 1.0 - x[i];
        let b = x[i + 1] - x[i] * x[i];
        f += a * a + 100.0 * b * b;
    }
    f
}

/// The objective with exact products (`rosenbrock_chain_jvp_pullback`), or with the default
/// gradient differences.
struct Chain {
    exact: bool,
}

impl backsolve::inverse::Objective for Chain {
    fn value_and_gradient(&mut self, x: &[f64]) -> (f64, Vec<f64>) {
        let mut g = vec![0.0; x.len()];
        let f = rosenbrock_chain_pullback(x, 1.0, &mut g);
        (f, g)
    }

    fn hessian_vector(&mut self, x: &[f64], v: &[f64]) -> Vec<f64> {
        if !self.exact {
            let mut plain = FnObjective(|x: &[f64]| self_free_gradient(x));
            return plain.hessian_vector(x, v);
        }
        let (mut hv, mut g) = (vec![0.0; x.len()], vec![0.0; x.len()]);
        rosenbrock_chain_jvp_pullback(x, v, (0.0, 1.0), &mut hv, &mut g);
        hv
    }
}

fn self_free_gradient(x: &[f64]) -> (f64, Vec<f64>) {
    let mut g = vec![0.0; x.len()];
    let f = rosenbrock_chain_pullback(x, 1.0, &mut g);
    (f, g)
}

#[test]
fn newton_cg_solves_rosenbrock_with_exact_and_with_differenced_products() {
    // From the alternating (-1.2, 1) start Newton-CG ends in the chain's local minimum near
    // x0 = -1 (cost 3.99); from the origin it reaches the global one.
    let x0 = vec![0.0; 10];
    let opts = Options {
        cost_tol: 1e-20,
        max_epochs: 2000,
        ..Options::default()
    };
    let newton = Method::NewtonCg { max_cg: 20 };
    let mut exact = Chain { exact: true };
    let r = minimize(&mut exact, x0.clone(), &newton, &opts, &mut |_| true);
    assert_eq!(r.stop, Stop::Converged, "{r:?}");
    assert!(r.x.iter().all(|v| (v - 1.0).abs() < 1e-9), "{:?}", r.x);
    assert!(r.hessian_products > 0);
    let mut differences = Chain { exact: false };
    let d = minimize(&mut differences, x0, &newton, &opts, &mut |_| true);
    assert_eq!(d.stop, Stop::Converged, "{d:?}");
    assert!(d.x.iter().all(|v| (v - 1.0).abs() < 1e-9), "{:?}", d.x);
}

#[test]
fn newton_cg_takes_a_quadratic_in_a_few_epochs() {
    // Conjugate gradients on the Hessian (here differenced, exact for a quadratic up to
    // rounding) solve the Newton system to the forcing tolerance: a few epochs (5 measured)
    // where L-BFGS needs many.
    let opts = Options {
        cost_tol: 1e-16,
        max_epochs: 20000,
        ..Options::default()
    };
    let newton = minimize(
        &mut quadratic(),
        vec![0.0; 10],
        &Method::NewtonCg { max_cg: 20 },
        &opts,
        &mut |_| true,
    );
    assert_eq!(newton.stop, Stop::Converged, "{newton:?}");
    assert!(newton.epochs <= 6, "{} epochs", newton.epochs);
    let lbfgs = minimize(
        &mut quadratic(),
        vec![0.0; 10],
        &Method::Lbfgs { memory: 8 },
        &opts,
        &mut |_| true,
    );
    assert!(
        newton.epochs < lbfgs.epochs,
        "{} against {}",
        newton.epochs,
        lbfgs.epochs
    );
}

#[test]
fn exact_and_differenced_hessian_vector_products_agree() {
    use backsolve::inverse::Objective;
    let x: Vec<f64> = (0..10).map(|i| 0.3 * i as f64 - 1.0).collect();
    let v: Vec<f64> = (0..10).map(|i| ((i * 7) % 5) as f64 - 2.0).collect();
    let hv = Chain { exact: true }.hessian_vector(&x, &v);
    let fd = Chain { exact: false }.hessian_vector(&x, &v);
    let scale = hv.iter().fold(0.0f64, |m, a| m.max(a.abs()));
    let err = hv
        .iter()
        .zip(&fd)
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()))
        / scale;
    assert!(scale > 0.0 && err < 1e-7, "relative difference {err:e}");
}

#[test]
fn trust_region_newton_cg_solves_the_quadratic_and_rosenbrock() {
    let method = Method::NewtonTrust { max_cg: 20 };
    let opts = Options {
        cost_tol: 1e-16,
        max_epochs: 2000,
        ..Options::default()
    };
    let q = minimize(&mut quadratic(), vec![0.0; 10], &method, &opts, &mut |_| {
        true
    });
    assert_eq!(q.stop, Stop::Converged, "{q:?}");
    for exact in [true, false] {
        let r = minimize(
            &mut Chain { exact },
            vec![0.0; 10],
            &method,
            &Options {
                cost_tol: 1e-20,
                ..opts.clone()
            },
            &mut |_| true,
        );
        assert_eq!(r.stop, Stop::Converged, "exact {exact}: {r:?}");
        assert!(r.x.iter().all(|v| (v - 1.0).abs() < 1e-9), "{:?}", r.x);
    }
}
