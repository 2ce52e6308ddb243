//! The QTBM against the analytic barrier, current conservation, quasi-bound states, the I-V
//! curve's negative differential resistance and the generated gradients.

use backsolve_models::qtbm::*;

/// The notes' reference setting in units `hbar²/2m = 1`: a barrier `U0 = 0.5` on `(4, 6]` in
/// `[0, 10)`, `Δ = 0.01`.
fn reference_barrier(delta: f64) -> (Vec<f64>, f64) {
    let n = (10.0 / delta).round() as usize;
    let u = (0..n)
        .map(|j| {
            let x = j as f64 * delta;
            if x > 4.0 + 1e-9 && x <= 6.0 + 1e-9 {
                0.5
            } else {
                0.0
            }
        })
        .collect();
    (u, 1.0 / (delta * delta))
}

fn analytic_rectangular(e: f64, u0: f64, a: f64) -> f64 {
    let kappa = (u0 - e).sqrt();
    1.0 / (1.0 + u0 * u0 * (kappa * a).sinh().powi(2) / (4.0 * e * (u0 - e)))
}

/// Golden-section search for the maximum of `f` on `[a, b]`.
fn argmax(f: impl Fn(f64) -> f64, mut a: f64, mut b: f64) -> f64 {
    let g = (5f64.sqrt() - 1.0) / 2.0;
    while b - a > 1e-11 {
        let (c, d) = (b - g * (b - a), a + g * (b - a));
        if f(c) > f(d) {
            b = d;
        } else {
            a = c;
        }
    }
    0.5 * (a + b)
}

/// Exact transmission of a piecewise-constant potential in the continuum, by 2x2 matching of
/// plane waves at each interface (independent of the grid): `steps` are `(x, U right of x)`,
/// `u_left` the potential left of the first step, energies and lengths with `hbar²/2m = c`.
fn piecewise_constant_transmission(e: f64, u_left: f64, steps: &[(f64, f64)], c: f64) -> f64 {
    use backsolve_core::c64;
    let k = |u: f64| c64::new((e - u) / c, 0.0).sqrt();
    let i = c64::new(0.0, 1.0);
    // Unit outgoing wave in the last region, propagated leftwards.
    let (mut a, mut b) = (c64::new(1.0, 0.0), c64::new(0.0, 0.0));
    for m in (0..steps.len()).rev() {
        let (x, u_right) = steps[m];
        let u_l = if m == 0 { u_left } else { steps[m - 1].1 };
        let (k1, k2) = (k(u_l), k(u_right));
        let value = a * (i * k2 * x).exp() + b * (-i * k2 * x).exp();
        let slope = i * k2 * (a * (i * k2 * x).exp() - b * (-i * k2 * x).exp());
        a = (value + slope / (i * k1)) * 0.5 * (-i * k1 * x).exp();
        b = (value - slope / (i * k1)) * 0.5 * (i * k1 * x).exp();
    }
    let (kl, kr) = (k(u_left).re, k(steps[steps.len() - 1].1).re);
    kr / kl / a.norm_sqr()
}

#[test]
fn single_barrier_matches_the_reference_value_and_the_analytic_formula() {
    let (u, t0) = reference_barrier(0.01);
    let k = lead_phase(0.3, 0.0, t0).unwrap();
    let t = transmission(&u, t0, 0.3, k, k);
    assert!((t - 0.48061591).abs() < 1e-8, "T(0.3) = {t}");
    for e in [0.05, 0.15, 0.3, 0.45, 0.7, 1.2] {
        let k = lead_phase(e, 0.0, t0).unwrap();
        let exact = if e < 0.5 {
            analytic_rectangular(e, 0.5, 2.0)
        } else {
            let q = (e - 0.5).sqrt();
            1.0 / (1.0 + 0.25 * (q * 2.0).sin().powi(2) / (4.0 * e * (e - 0.5)))
        };
        let t = transmission(&u, t0, e, k, k);
        assert!(
            (t - exact).abs() < 1e-5,
            "E = {e}: T = {t}, analytic {exact}"
        );
    }
}

#[test]
fn single_barrier_converges_quadratically_as_the_grid_is_refined() {
    let errors: Vec<f64> = [0.04, 0.02, 0.01]
        .iter()
        .map(|&delta| {
            let (u, t0) = reference_barrier(delta);
            let k = lead_phase(0.3, 0.0, t0).unwrap();
            (transmission(&u, t0, 0.3, k, k) - analytic_rectangular(0.3, 0.5, 2.0)).abs()
        })
        .collect();
    for w in errors.windows(2) {
        assert!(w[1] < w[0] / 3.0, "errors {errors:?} do not fall like Δ²");
    }
}

#[test]
fn transmission_plus_reflection_is_one() {
    let device = Device::gaas();
    let mut rng = backsolve_core::SplitMix64(7);
    let params = [0.3, 2.0, 26.5, 0.3, 2.0, 33.5];
    for bias in [0.0, 0.12, 0.4] {
        let mut u = device.profile(&params);
        for (u, d) in u.iter_mut().zip(device.bias_drop(bias)) {
            *u += d + 0.05 * rng.normal();
        }
        for e in [0.02, 0.0869, 0.2, 0.45] {
            let (kl, kr) = device.lead_phases(e, bias).unwrap();
            let t = transmission(&u, device.t0(), e, kl, kr);
            let r = reflection(&u, device.t0(), e, kl, kr);
            assert!(
                (t + r - 1.0).abs() < 1e-12,
                "V = {bias}, E = {e}: T + R - 1 = {:e}",
                t + r - 1.0
            );
            assert!(t > 1e-8, "a vacuous case: T = {t}");
        }
    }
}

/// A hard-edged GaAs/Al_xGa_{1-x}As double barrier: 0.3 eV barriers of 2 nm around an 8 nm
/// well (two quasi-bound states below the barrier top), on a grid of spacing `delta`.
fn hard_double_barrier(delta: f64) -> (Device, Vec<f64>, Vec<(f64, f64)>) {
    let device = Device {
        points: (60.0 / delta).round() as usize,
        spacing: delta,
        ..Device::gaas()
    };
    let steps = vec![(25.0, 0.3), (27.0, 0.0), (35.0, 0.3), (37.0, 0.0)];
    let u = (0..device.points)
        .map(|j| {
            let x = device.x(j) + 1e-9;
            if (25.0..27.0).contains(&x) || (35.0..37.0).contains(&x) {
                0.3
            } else {
                0.0
            }
        })
        .collect();
    (device, u, steps)
}

#[test]
fn double_barrier_resonances_sit_at_the_quasi_bound_states() {
    let c = HBAR2_OVER_2M0 / 0.067;
    let brackets = [(0.02, 0.07), (0.12, 0.26)];
    let mut errors = Vec::new();
    for delta in [0.2, 0.1] {
        let (device, u, steps) = hard_double_barrier(delta);
        for &(lo, hi) in &brackets {
            let qtbm = |e: f64| {
                let (kl, kr) = device.lead_phases(e, 0.0).unwrap();
                transmission(&u, device.t0(), e, kl, kr)
            };
            let exact = |e: f64| piecewise_constant_transmission(e, 0.0, &steps, c);
            let (e_grid, e_exact) = (argmax(qtbm, lo, hi), argmax(exact, lo, hi));
            assert!(
                qtbm(e_grid) > 0.99 && exact(e_exact) > 0.99,
                "not a resonance in {lo}..{hi}"
            );
            errors.push((e_grid - e_exact).abs());
        }
    }
    // Grid error: under 0.1 meV at Δ = 0.1 nm, and falling like Δ² for both states.
    assert!(
        errors[2] < 1e-4 && errors[3] < 1e-4,
        "resonance errors {errors:?}"
    );
    assert!(
        errors[2] < errors[0] / 3.0 && errors[3] < errors[1] / 3.0,
        "errors {errors:?}"
    );
}

/// The default resonant-tunnelling diode: 0.3 eV, 2 nm barriers around a 5 nm well.
const RTD: [f64; 6] = [0.3, 2.0, 26.5, 0.3, 2.0, 33.5];

fn biases(n: usize, max: f64) -> Vec<f64> {
    (0..n).map(|i| max * i as f64 / (n - 1) as f64).collect()
}

/// The first resonance of the default device at zero bias.
fn first_resonance(device: &Device) -> f64 {
    let u = device.profile(&RTD);
    argmax(
        |e| transmission_spectrum(device, &u, 0.0, &[e])[0],
        0.03,
        0.15,
    )
}

#[test]
fn iv_curve_has_a_peak_and_negative_differential_resistance_at_the_expected_bias() {
    let device = Device::gaas();
    let supply = Supply::default();
    let vs = biases(51, 0.5);
    let j = iv_curve(&device, &RTD, &supply, &vs, Formula::TsuEsaki).unwrap();
    let peak = (1..vs.len())
        .max_by(|&a, &b| j[a].total_cmp(&j[b]))
        .unwrap();
    let valley = (peak..vs.len())
        .min_by(|&a, &b| j[a].total_cmp(&j[b]))
        .unwrap();
    // The well sits mid-drop, so its level falls by V/2: current flows while it lies between
    // the left band bottom and mu_L, and stops once it passes below the band bottom.
    let e_r = first_resonance(&device);
    let (lo, hi) = (2.0 * (e_r - supply.fermi), 2.0 * e_r);
    assert!(
        vs[peak] > lo && vs[peak] <= hi,
        "peak at {} V, expected in ({lo}, {hi}]",
        vs[peak]
    );
    assert!(
        j[valley] < 0.4 * j[peak],
        "peak-to-valley ratio {}",
        j[peak] / j[valley]
    );
    assert!(
        (peak..valley).all(|i| j[i + 1] < j[i]),
        "current must fall from peak to valley"
    );
    assert!(
        (1..=peak).all(|i| j[i] > j[i - 1]),
        "current must rise up to the peak"
    );
}

#[test]
fn energy_quadrature_is_converged_at_the_default_resolution() {
    let device = Device::gaas();
    let coarse = Supply::default();
    let fine = Supply {
        energies: 4 * coarse.energies,
        ..coarse.clone()
    };
    let vs = [0.05, 0.15, 0.3];
    let a = iv_curve(&device, &RTD, &coarse, &vs, Formula::TsuEsaki).unwrap();
    let b = iv_curve(&device, &RTD, &fine, &vs, Formula::TsuEsaki).unwrap();
    for (x, y) in a.iter().zip(&b) {
        assert!(
            ((x - y) / y).abs() < 5e-3,
            "J = {x} with 1000 energies, {y} with 4000"
        );
    }
}

#[test]
fn landauer_current_is_zero_at_zero_bias_and_bounded_by_the_ideal_channel() {
    let device = Device::gaas();
    let supply = Supply::default();
    let vs = [0.0, 0.02, 0.1];
    let i = iv_curve(&device, &RTD, &supply, &vs, Formula::Landauer).unwrap();
    assert!(i[0].abs() < 1e-20, "I(0) = {}", i[0]);
    for (k, &v) in vs.iter().enumerate().skip(1) {
        // A perfect channel carries at most (2e²/h) V.
        assert!(
            i[k] > 0.0 && i[k] < landauer_prefactor() * v,
            "I({v}) = {}",
            i[k]
        );
    }
}

mod gradients {
    use super::*;
    use backsolve_core::gradcheck::{check_gradient, CheckOptions};

    /// `T(E; V)` as a function of the barrier parameters, through the profile.
    fn transmission_of(device: &Device, params: &[f64], e: f64, v: f64) -> f64 {
        let mut u = device.profile(params);
        u.iter_mut()
            .zip(device.bias_drop(v))
            .for_each(|(u, d)| *u += d);
        transmission_spectrum(device, &u, v, &[e])[0]
    }

    #[test]
    fn transmission_gradient_with_respect_to_every_barrier_parameter() {
        let device = Device::gaas();
        let params = [0.32, 2.2, 26.4, 0.28, 1.8, 33.6];
        for (e, v) in [(0.07, 0.0), (0.0869, 0.0), (0.2, 0.1), (0.03, 0.25)] {
            let mut u = device.profile(&params);
            u.iter_mut()
                .zip(device.bias_drop(v))
                .for_each(|(u, d)| *u += d);
            let (kl, kr) = device.lead_phases(e, v).unwrap();
            let mut d_u = vec![0.0; u.len()];
            transmission_pullback(&u, device.t0(), e, kl, kr, 1.0, &mut d_u);
            let mut grad = vec![0.0; params.len()];
            device.profile_pullback(&params, &d_u, &mut grad);
            let report = check_gradient(
                &[("params", params.len())],
                &params,
                &grad,
                |p| transmission_of(&device, p, e, v),
                &CheckOptions {
                    step: 1e-4,
                    ..CheckOptions::default()
                },
            );
            report.assert_close(1e-6);
        }
    }

    #[test]
    fn transmission_gradient_with_respect_to_the_potential_values() {
        let device = Device::gaas();
        let u = device.profile(&RTD);
        let (kl, kr) = device.lead_phases(0.08, 0.0).unwrap();
        let mut grad = vec![0.0; u.len()];
        transmission_pullback(&u, device.t0(), 0.08, kl, kr, 1.0, &mut grad);
        check_gradient(
            &[("u", u.len())],
            &u,
            &grad,
            |u| transmission(u, device.t0(), 0.08, kl, kr),
            &CheckOptions::default(),
        )
        .assert_close(1e-6);
    }

    #[test]
    fn current_gradient_with_respect_to_every_barrier_parameter() {
        let device = Device::gaas();
        let supply = Supply {
            energies: 300,
            ..Supply::default()
        };
        let params = [0.32, 2.2, 26.4, 0.28, 1.8, 33.6];
        for formula in [Formula::TsuEsaki, Formula::Landauer] {
            for v in [0.05, 0.15, 0.3] {
                let point = BiasPoint::new(&device, &supply, v, formula);
                let mut grad = vec![0.0; params.len()];
                current_pullback(&device, &params, &point, 1.0, &mut grad);
                check_gradient(
                    &[("params", params.len())],
                    &params,
                    &grad,
                    |p| current(&device, p, &point),
                    &CheckOptions {
                        step: 1e-4,
                        ..CheckOptions::default()
                    },
                )
                .assert_close(1e-6);
            }
        }
    }
}

mod inverse_design {
    use super::*;
    use backsolve_core::inverse::{minimize, Method, Objective, Options};

    #[test]
    fn iv_fit_recovers_hidden_barrier_parameters_from_a_perturbed_start() {
        let device = Device::gaas();
        let supply = Supply {
            energies: 400,
            e_max: 0.4,
            ..Supply::default()
        };
        let truth = [0.32, 2.2, 26.4, 0.28, 1.8, 33.6];
        let vs = biases(16, 0.45);
        let target = iv_curve(&device, &truth, &supply, &vs, Formula::TsuEsaki).unwrap();
        let mut fit = IvFit::new(device, supply, vs, target).unwrap();
        let start = RTD.to_vec();
        assert!(fit.value(&start) > 1e-3, "the start must be visibly off");
        let opts = Options {
            max_epochs: 200,
            cost_tol: 1e-20,
            ..Options::default()
        };
        let report = minimize(
            &mut fit,
            start,
            &Method::Lbfgs { memory: 10 },
            &opts,
            &mut |_| true,
        );
        for (k, (got, want)) in report.x.iter().zip(&truth).enumerate() {
            assert!(
                ((got - want) / want).abs() < 1e-3,
                "parameter {k}: {got} vs {want} (cost {:e}, {:?})",
                report.cost,
                report.stop
            );
        }
    }

    #[test]
    fn transmission_design_reaches_a_band_pass_window() {
        let mut design = TransmissionDesign::band_pass(Device::gaas(), (0.1, 0.2), 1e-3).unwrap();
        let x0 = design.initial();
        let before = design.misfit(&x0);
        let opts = Options {
            max_epochs: 150,
            ..Options::default()
        };
        let report = minimize(
            &mut design,
            x0,
            &Method::Lbfgs { memory: 10 },
            &opts,
            &mut |_| true,
        );
        let after = design.misfit(&report.x);
        assert!(before > 0.25 && after < 0.012, "misfit {before} -> {after}");
        let t = design.predict(&report.x);
        let inside = design
            .energies
            .iter()
            .zip(&t)
            .filter(|(e, _)| (0.11..=0.19).contains(*e));
        assert!(inside.clone().all(|(_, t)| *t > 0.8), "the pass band leaks");
    }

    #[test]
    fn bad_settings_are_typed_errors_naming_the_argument() {
        let device = Device::gaas();
        let supply = Supply::default();
        let err = |r: Result<Vec<f64>, DeviceError>| r.unwrap_err().to_string();
        assert!(err(iv_curve(
            &device,
            &[0.3, 2.0],
            &supply,
            &[0.1],
            Formula::TsuEsaki
        ))
        .contains("3 per barrier"));
        assert!(err(iv_curve(
            &device,
            &[0.3, -2.0, 30.0],
            &supply,
            &[0.1],
            Formula::TsuEsaki
        ))
        .contains("params[1]"));
        assert!(err(iv_curve(
            &device,
            &RTD,
            &supply,
            &[f64::NAN],
            Formula::TsuEsaki
        ))
        .contains("biases[0]"));
        let cold = Supply {
            temperature: 0.0,
            ..Supply::default()
        };
        assert!(
            err(iv_curve(&device, &RTD, &cold, &[0.1], Formula::TsuEsaki)).contains("temperature")
        );
        let outside = Device {
            drop: (10.0, 80.0),
            ..Device::gaas()
        };
        assert!(err(iv_curve(&outside, &RTD, &supply, &[0.1], Formula::TsuEsaki)).contains("drop"));
        let fit = IvFit::new(device.clone(), supply, vec![0.1, 0.2], vec![1.0]);
        assert!(fit
            .unwrap_err()
            .to_string()
            .contains("target has 1 values, expected 2"));
        let design =
            TransmissionDesign::new(device, vec![0.0; 300], (0, 300), vec![-0.1], vec![0.0], 0.0);
        assert!(design.unwrap_err().to_string().contains("energies[0]"));
    }
}
