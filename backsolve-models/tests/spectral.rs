//! The Shulga kernel against the reference values and its limits, the first-kind operator's
//! singular values, every solver on a case with a known answer, the ordering of the comparison
//! table, and gradients through the forward model and the Landweber iteration.

#![allow(clippy::approx_constant)] // the reference table's 1.5707963 is a kernel value, not pi/2

use backsolve_core::faer::Mat;
use backsolve_core::gradcheck::{check_gradient, CheckOptions};
use backsolve_core::inverse::Objective;
use backsolve_models::spectral::backsolution::{backsolve_spectrum, GlueFit};
use backsolve_models::spectral::compare::{Solver, Solvers};
use backsolve_models::spectral::data::{dataset, gaussian_mixture, out_of_distribution};
use backsolve_models::spectral::kernel::{scattering_rate, scattering_rate_pullback, x_coth};
use backsolve_models::spectral::landweber::{
    column, landweber, landweber_pullback, preconditioner,
};
use backsolve_models::spectral::maxent::maxent;
use backsolve_models::spectral::tikhonov::{choose_lambda, Choice, Svd, DISCREPANCY_TAU};
use backsolve_models::spectral::{shulga_kernel, Operator};
use std::f64::consts::PI;

#[test]
fn kernel_matches_the_reference_values() {
    for (t, expect) in [
        (8.617, [3.1847742, 0.5415367, 1.5755549]),
        (0.001, [2.5132741, 6.28e-05, 1.5707963]),
    ] {
        for ((w, big), e) in [(50.0, 30.0), (100.0, 100.0), (200.0, 150.0)]
            .iter()
            .zip(expect)
        {
            let k = shulga_kernel(*w, *big, t);
            assert!(
                (k - e).abs() < 1e-7,
                "K({w}, {big}, {t}) = {k}, reference {e}"
            );
        }
    }
}

#[test]
fn kernel_limits() {
    let t = 8.617;
    // x coth(x / 2T) -> 2T, continuously across the series switch.
    assert!((x_coth(0.0, t) - 2.0 * t).abs() < 1e-15);
    for u in [0.999e-3, 1.001e-3, 1e-2] {
        let x = 2.0 * t * u;
        let closed = x / (x / (2.0 * t)).tanh();
        assert!((x_coth(x, t) / closed - 1.0).abs() < 1e-14, "u = {u}");
    }
    // omega = Omega is finite and continuous.
    let at = shulga_kernel(80.0, 80.0, t);
    assert!((shulga_kernel(80.0, 80.0 + 1e-7, t) - at).abs() < 1e-6);
    // Omega -> 0: K ~ 4 pi T / Omega.
    for big in [1e-3, 1e-4] {
        let k = shulga_kernel(60.0, big, t);
        assert!(
            ((k * big) / (4.0 * PI * t) - 1.0).abs() < 1e-2,
            "K Omega = {}",
            k * big
        );
    }
    // T -> 0: Allen's kernel (2 pi / omega)(omega - Omega) Theta(omega - Omega).
    for (w, big) in [(120.0, 30.0), (120.0, 119.0), (50.0, 70.0), (10.0, 300.0)] {
        let allen = if w > big {
            2.0 * PI / w * (w - big)
        } else {
            0.0
        };
        let k = shulga_kernel(w, big, 1e-4);
        assert!(
            (k - allen).abs() < 1e-9,
            "K({w}, {big}) = {k}, Allen {allen}"
        );
    }
}

#[test]
fn singular_values_decay_like_a_first_kind_operator() {
    let op = Operator::standard();
    let s = Svd::of(&op.a).singular_values().to_vec();
    assert!(s.windows(2).all(|w| w[1] <= w[0]), "sorted");
    // Rapid decay: a condition number beyond 1e10, and every decade of the spectrum crossed in a
    // handful of indices — not the slow algebraic decay of a well-posed problem.
    assert!(
        s[0] / s[s.len() - 1] > 1e10,
        "condition number {}",
        s[0] / s[s.len() - 1]
    );
    let below = |r: f64| s.iter().position(|&v| v < r * s[0]).unwrap_or(s.len());
    assert!(
        below(1e-2) < 20 && below(1e-4) < 40,
        "decay too slow: {:?}",
        &s[..40]
    );
    // Finer grids only add smaller singular values: the numerical rank saturates.
    let fine = Operator::new(200, 2.0, 200, 2.0, 100.0).unwrap();
    let sf = Svd::of(&fine.a).singular_values().to_vec();
    let rank = |s: &[f64]| s.iter().filter(|&&v| v > 1e-8 * s[0]).count();
    assert!(
        rank(&sf) < rank(&s) + 20,
        "numerical rank {} vs {}",
        rank(&sf),
        rank(&s)
    );
}

/// A smooth glue function in the range of `A`: `x = Aᵀ z` for a smooth `z`.
fn in_range(op: &Operator) -> Vec<f64> {
    let z = gaussian_mixture(&op.omega, &[(1e-3, 150.0, 60.0)]);
    (0..op.cols())
        .map(|j| (0..op.rows()).map(|i| op.a[(i, j)] * z[i]).sum())
        .collect()
}

fn rel_err(a: &[f64], b: &[f64]) -> f64 {
    let d: f64 = a.iter().zip(b).map(|(a, b)| (a - b).powi(2)).sum();
    (d / b.iter().map(|b| b * b).sum::<f64>()).sqrt()
}

#[test]
fn every_solver_recovers_a_noise_free_smooth_spectrum_in_the_range_of_a() {
    let solvers = Solvers::new(Operator::standard()).unwrap();
    let x = in_range(&solvers.op);
    let y = solvers.op.apply(&x);
    let s = 1e-6 * y.iter().fold(0.0f64, |m, v| m.max(*v));
    // MaxEnt and backsolution: on a smaller operator below (positivity-constrained descent
    // needs ~κ² epochs) and at 1 % noise.
    for solver in Solver::ALL
        .into_iter()
        .filter(|s| ![Solver::MaxEnt, Solver::Backsolution].contains(s))
    {
        let got = solvers.solve(solver, &y, s).unwrap();
        let err = rel_err(&got, &x);
        assert!(err < 0.05, "{}: relative error {err:e}", solver.name());
    }
}

#[test]
fn maxent_and_backsolution_recover_a_positive_spectrum_from_noise_free_data() {
    // 40 x 6 grid, condition number 1.2e2: small enough that gradient descent converges.
    let op = Operator::new(40, 10.0, 6, 50.0, 100.0).unwrap();
    let x: Vec<f64> = gaussian_mixture(&op.big_omega, &[(0.6, 120.0, 60.0)])
        .iter()
        .map(|v| v + 0.1)
        .collect();
    let y = op.apply(&x);
    let max = y.iter().fold(0.0f64, |m, v| m.max(*v));
    // Measured: MaxEnt 9.7e-8 (no α reaches χ² = N, so the closest fit is returned).
    let got = maxent(&op, &y, 1e-9 * max).unwrap().0;
    assert!(rel_err(&got, &x) < 1e-5, "MaxEnt {:e}", rel_err(&got, &x));
    // Measured: 1.9e-4 after 96340 epochs, when the discrepancy stop is met.
    let max_epochs = 100_000;
    let (got, epochs) = backsolve_spectrum(&op, &y, 1e-6 * max, max_epochs).unwrap();
    assert!(
        epochs < max_epochs,
        "backsolution did not meet the discrepancy"
    );
    assert!(
        rel_err(&got, &x) < 1e-3,
        "backsolution {:e}",
        rel_err(&got, &x)
    );
}

#[test]
fn maxent_recovers_a_smooth_spectrum_from_data_with_one_percent_noise() {
    let solvers = Solvers::new(Operator::standard()).unwrap();
    let x = gaussian_mixture(
        &solvers.op.big_omega,
        &[(0.6, 120.0, 40.0), (0.3, 250.0, 30.0)],
    );
    let y = solvers.op.apply(&x);
    let max = y.iter().fold(0.0f64, |m, v| m.max(*v));
    let mut rng = backsolve_core::SplitMix64(5);
    let noisy: Vec<f64> = y.iter().map(|v| v + 1e-2 * max * rng.normal()).collect();
    // Measured: MaxEnt 0.31, Tikhonov with the discrepancy principle 0.22, least squares 1e10.
    let got = solvers.solve(Solver::MaxEnt, &noisy, 1e-2 * max).unwrap();
    assert!(
        rel_err(&got, &x) < 0.4,
        "MaxEnt relative error {}",
        rel_err(&got, &x)
    );
    assert!(
        got.iter().all(|v| *v > 0.0),
        "MaxEnt keeps the spectrum positive"
    );
}

#[test]
fn discrepancy_principle_finds_the_known_parameter() {
    // A = s I: ||A x_λ - y|| = λ / (s² + λ) ||y||, so the discrepancy δ² = N s_n² is met at
    // λ = s² δ / (||y|| - δ).
    let n = 30;
    let s = 2.0;
    let a = Mat::from_fn(n, n, |i, j| if i == j { s } else { 0.0 });
    let y: Vec<f64> = (0..n).map(|i| 1.0 + (i as f64).sin()).collect();
    let norm = y.iter().map(|v| v * v).sum::<f64>().sqrt();
    let noise_std = 0.05;
    let delta = DISCREPANCY_TAU * (n as f64).sqrt() * noise_std;
    let lambda = choose_lambda(&Svd::of(&a), &y, Choice::Discrepancy { noise_std });
    let exact = s * s * delta / (norm - delta);
    assert!(
        (lambda / exact - 1.0).abs() < 1e-9,
        "λ = {lambda}, exact {exact}"
    );
}

#[test]
fn gcv_and_l_curve_pick_a_parameter_between_the_extremes() {
    let op = Operator::standard();
    let svd = Svd::of(&op.a);
    let data = dataset(&op, 10, 1e-2, 3);
    let s = svd.singular_values();
    for sample in &data.test {
        for choice in [Choice::Gcv, Choice::LCurve] {
            let l = choose_lambda(&svd, &sample.y, choice);
            assert!(
                l > 1e-12 * s[0] * s[0] && l < s[0] * s[0],
                "{choice:?}: λ = {l}"
            );
        }
    }
}

#[test]
fn regularized_solvers_beat_least_squares_at_and_above_one_permille_noise() {
    let solvers = Solvers::new(Operator::standard()).unwrap();
    for sigma in [1e-3, 1e-2, 1e-1] {
        let test = dataset(&solvers.op, 100, sigma, 11).test;
        let lsq = solvers.test_mse(Solver::LeastSquares, &test).unwrap();
        for solver in Solver::ALL.into_iter().skip(1) {
            let m = solvers.test_mse(solver, &test).unwrap();
            println!(
                "sigma {sigma:e} {:>22} {m:.3e} (least squares {lsq:.3e})",
                solver.name()
            );
            assert!(
                m < lsq,
                "sigma {sigma}: {} MSE {m:e} vs least squares {lsq:e}",
                solver.name()
            );
        }
    }
}

#[test]
fn out_of_distribution_shapes_are_non_negative_and_distinct() {
    let op = Operator::standard();
    let shapes = out_of_distribution(&op.big_omega);
    assert_eq!(shapes.len(), 5);
    for (name, x) in &shapes {
        assert!(
            x.iter().all(|v| *v >= 0.0) && x.iter().any(|v| *v > 0.1),
            "{name}"
        );
    }
    let data = dataset(&op, 50, 1e-3, 1);
    assert_eq!(
        (data.train.len(), data.validation.len(), data.test.len()),
        (40, 5, 5)
    );
    let s = &data.test[0];
    let max = s.clean.iter().fold(0.0f64, |m, v| m.max(*v));
    assert!((s.noise_std / max - 1e-3).abs() < 1e-15);
}

#[test]
fn forward_model_gradient_in_the_glue_function_and_the_temperature() {
    let op = Operator::new(12, 25.0, 15, 20.0, 100.0).unwrap();
    let glue = gaussian_mixture(&op.big_omega, &[(0.8, 120.0, 40.0)]);
    let weights: Vec<f64> = (0..op.rows()).map(|i| ((i + 1) as f64).sin()).collect();
    let loss = |g: &[f64], t: f64| -> f64 {
        let y = scattering_rate(g, t, &op.omega, &op.big_omega, op.d_omega);
        y.iter().zip(&weights).map(|(a, b)| a * b).sum()
    };
    let mut d_glue = vec![0.0; glue.len()];
    let mut d_t = 0.0;
    scattering_rate_pullback(
        &glue,
        op.t,
        &op.omega,
        &op.big_omega,
        op.d_omega,
        &weights,
        &mut d_glue,
        &mut d_t,
    );
    let mut x = glue.clone();
    x.push(op.t);
    let mut grad = d_glue;
    grad.push(d_t);
    let n = glue.len();
    check_gradient(
        &[("glue", n), ("t", 1)],
        &x,
        &grad,
        |p| loss(&p[..n], p[n]),
        &CheckOptions::default(),
    )
    .assert_close(1e-6);
    // The generated forward model is the operator.
    let y = scattering_rate(&glue, op.t, &op.omega, &op.big_omega, op.d_omega);
    assert!(rel_err(&y, &op.apply(&glue)) < 1e-13);
}

const LANDWEBER_STEPS: usize = 8;

/// Checks `landweber_pullback` for `w · landweber(y, x0)` against central differences.
fn check_landweber_gradient(op: &Operator, y: &[f64], x0: &[f64], nonneg: bool) {
    let p = preconditioner(op, 0.01).unwrap();
    let w: Vec<f64> = (0..op.cols()).map(|j| ((2 * j + 1) as f64).cos()).collect();
    let loss = |y: &[f64], x0: &[f64]| -> f64 {
        let x = landweber(&op.a, &p, &column(y), &column(x0), LANDWEBER_STEPS, nonneg);
        (0..op.cols()).map(|j| x[(j, 0)] * w[j]).sum()
    };
    let mut d_y = Mat::<f64>::zeros(op.rows(), 1);
    let mut d_x0 = Mat::<f64>::zeros(op.cols(), 1);
    landweber_pullback(
        &op.a,
        &p,
        &column(y),
        &column(x0),
        LANDWEBER_STEPS,
        nonneg,
        &column(&w),
        &mut d_y,
        &mut d_x0,
    );
    let mut x = y.to_vec();
    x.extend(x0);
    let grad: Vec<f64> = (0..op.rows())
        .map(|i| d_y[(i, 0)])
        .chain((0..op.cols()).map(|j| d_x0[(j, 0)]))
        .collect();
    let m = op.rows();
    check_gradient(
        &[("y", m), ("x0", op.cols())],
        &x,
        &grad,
        |v| loss(&v[..m], &v[m..]),
        &CheckOptions {
            step: 1e-5,
            ..CheckOptions::default()
        },
    )
    .assert_close(1e-6);
}

#[test]
fn landweber_gradient_in_the_data_and_the_start() {
    let op = Operator::new(20, 20.0, 20, 20.0, 100.0).unwrap();
    let x_true = gaussian_mixture(&op.big_omega, &[(0.7, 150.0, 50.0)]);
    let y: Vec<f64> = op
        .apply(&x_true)
        .iter()
        .enumerate()
        .map(|(i, v)| v + 0.3 * (i as f64).cos())
        .collect();
    let x0: Vec<f64> = (0..op.cols())
        .map(|j| 0.05 + 0.01 * (j as f64).sin())
        .collect();
    check_landweber_gradient(&op, &y, &x0, false);
}

#[test]
fn non_negative_landweber_gradient_with_active_projections() {
    // Data of an oscillating target that goes negative: about 40 % of the pre-projection values
    // are clamped. Finite differences are only meaningful if none sits on the kink at 0, so
    // the test first measures the pre-projection values' distance from it.
    let op = Operator::new(20, 20.0, 20, 20.0, 100.0).unwrap();
    let p = preconditioner(&op, 0.01).unwrap();
    let target: Vec<f64> = op
        .big_omega
        .iter()
        .map(|w| 0.5 * (w / 50.0).sin() + 0.1)
        .collect();
    let y = op.apply(&target);
    let x0 = vec![0.05; op.cols()];
    let (mut margin, mut clamped) = (f64::INFINITY, 0);
    let mut x = column(&x0);
    for _ in 0..LANDWEBER_STEPS {
        let pre = landweber(&op.a, &p, &column(&y), &x, 1, false);
        for j in 0..op.cols() {
            margin = margin.min(pre[(j, 0)].abs());
            clamped += usize::from(pre[(j, 0)] < 0.0);
        }
        x = landweber(&op.a, &p, &column(&y), &x, 1, true);
    }
    assert!(
        margin > 1e-3 && clamped > 20,
        "set-up: margin {margin:e}, {clamped} clamped"
    );
    check_landweber_gradient(&op, &y, &x0, true);
}

#[test]
fn the_weighted_glue_fit_has_the_gradient_of_its_cost() {
    let op = Operator::on_points(vec![5.0, 12.0, 30.0, 55.0, 90.0], 4, 25.0, 80.0).unwrap();
    let y = vec![1.0, 3.0, 8.0, 12.0, 15.0];
    let weights = vec![1.0, 0.5, 2.0, 0.25, 1.5];
    let mut fit = GlueFit::new(op, y, Some(weights)).unwrap();
    // Entries on both sides of softplus's bend.
    let u = [-1.5, 0.2, 1.0, 3.0];
    let (_, grad) = fit.value_and_gradient(&u);
    assert!(grad.iter().all(|g| g.abs() > 1e-6), "{grad:?}");
    check_gradient(
        &[("u", 4)],
        &u,
        &grad,
        |v| fit.clone().value(v),
        &CheckOptions {
            step: 1e-5,
            ..CheckOptions::default()
        },
    )
    .assert_close(1e-7);
}

#[test]
fn measured_frequencies_and_their_sigmas_build_the_operator() {
    let op = Operator::on_points(vec![4.0, 8.0, 12.0], 5, 4.0, 100.0).unwrap();
    let regular = Operator::new(3, 4.0, 5, 4.0, 100.0).unwrap();
    assert_eq!(op.a, regular.a, "the regular grid is a special case");
    let w = op.whitened(&[2.0, 1.0, 0.5]).unwrap();
    assert_eq!(w.a[(0, 3)], op.a[(0, 3)] / 2.0);
    assert_eq!(w.a[(2, 1)], op.a[(2, 1)] * 2.0);
    for bad in [vec![4.0, 4.0], vec![-1.0, 2.0], vec![]] {
        assert!(
            Operator::on_points(bad.clone(), 5, 4.0, 100.0).is_err(),
            "{bad:?}"
        );
    }
    assert!(op.whitened(&[1.0, 0.0, 1.0]).is_err());
    assert!(op.whitened(&[1.0, 1.0]).is_err());
}
