//! Reverse modeling of lattices: renderer, FFT quantity and penalty gradients against central
//! differences, periodic wrapping and atoms at the box edge, the re-blurred targets of the
//! continuation, reverse Monte Carlo's bookkeeping, and the documented default fit.

use backsolve_core::faer::Mat;
use backsolve_core::gradcheck::{check_gradient, CheckOptions};
use backsolve_core::inverse::{minimize, Method, Objective, Options};
use backsolve_core::SplitMix64;
use backsolve_models::lattice::fit::{
    backsolve_continuation, reverse_monte_carlo, Constraints, ImageFit, RmcOptions,
};
use backsolve_models::lattice::render::{
    excluded, excluded_pullback, misfit, misfit_pullback, momentum_image, real_image, render,
    render_pullback, Shells,
};
use backsolve_models::lattice::structure::{
    displaced, g_distance, pair_distribution, triangular, Bins,
};
use backsolve_models::lattice::{Geometry, LatticeError, Quantity};

/// A small box with atoms in the middle, at the edges and across the corner.
fn small_case() -> (Vec<f64>, f64, f64, usize) {
    let positions = vec![
        1.3, 2.1, // inside
        0.02, 1.7, // at the left edge
        3.97, 3.96, // at the far corner
        2.9, 0.01, // at the bottom edge
        2.2, 2.45, // inside
    ];
    (positions, 0.3, 4.0, 16)
}

/// `v` with `last` appended: positions then `σ`, as the gradient checks see them.
fn appended(v: &[f64], last: f64) -> Vec<f64> {
    v.iter().copied().chain([last]).collect()
}

#[test]
fn renderer_gradient_in_positions_and_width() {
    let (positions, sigma, side, pixels) = small_case();
    let w = Mat::from_fn(pixels, pixels, |i, j| ((3 * i + 7 * j) as f64 * 0.37).sin());
    let loss = |x: &[f64]| -> f64 {
        let img = render(&x[..10], x[10], side, pixels);
        (0..pixels)
            .flat_map(|i| (0..pixels).map(move |j| (i, j)))
            .map(|(i, j)| img[(i, j)] * w[(i, j)])
            .sum()
    };
    let mut d_pos = vec![0.0; 10];
    let mut d_sigma = 0.0;
    render_pullback(
        &positions,
        sigma,
        side,
        pixels,
        &w,
        &mut d_pos,
        &mut d_sigma,
    );
    let (x, grad) = (appended(&positions, sigma), appended(&d_pos, d_sigma));
    check_gradient(
        &[("positions", 10), ("sigma", 1)],
        &x,
        &grad,
        loss,
        &CheckOptions::default(),
    )
    .assert_close(1e-7);
}

#[test]
fn momentum_misfit_gradient_for_both_quantities_with_the_shell_term() {
    let (positions, sigma, side, pixels) = small_case();
    let shells = Shells::new(pixels);
    // A target from other positions, so the misfit and its gradient are far from zero.
    let other: Vec<f64> = positions
        .iter()
        .map(|p| (p + 0.4).rem_euclid(side) * 0.9)
        .collect();
    for quantity in [Quantity::LogPower, Quantity::Power] {
        let geometry = Geometry {
            side,
            pixels,
            sigma,
            quantity,
        };
        let log = quantity == Quantity::LogPower;
        let target = momentum_image(&geometry, &other).unwrap();
        let shell_target = shells.average(&target);
        let loss = |x: &[f64]| {
            misfit(
                &x[..10],
                x[10],
                side,
                pixels,
                log,
                &target,
                &shells.of,
                &shell_target,
                0.5,
            )
        };
        let mut d_pos = vec![0.0; 10];
        let mut d_sigma = 0.0;
        misfit_pullback(
            &positions,
            sigma,
            side,
            pixels,
            log,
            &target,
            &shells.of,
            &shell_target,
            0.5,
            1.0,
            &mut d_pos,
            &mut d_sigma,
        );
        let (x, grad) = (appended(&positions, sigma), appended(&d_pos, d_sigma));
        assert!(
            grad.iter().any(|g| g.abs() > 1e-3 * loss(&x)),
            "{quantity:?}: a real test"
        );
        // A smaller step than the default 1e-3: ln(1 + |F|²) curves strongly near the peaks.
        check_gradient(
            &[("positions", 10), ("sigma", 1)],
            &x,
            &grad,
            loss,
            &CheckOptions {
                step: 1e-5,
                ..CheckOptions::default()
            },
        )
        .assert_close(1e-6);
    }
}

#[test]
fn excluded_radius_gradient_across_the_box_edge() {
    // Pairs (0, 1) and (2, 3) overlap only through the periodic boundary.
    let positions = vec![0.05, 1.0, 3.8, 1.1, 2.0, 3.9, 2.1, 0.15, 1.0, 2.0];
    let side = 4.0;
    let r_min = 0.5;
    let mut grad = vec![0.0; 10];
    let value = excluded_pullback(&positions, side, r_min, 1.0, &mut grad);
    assert!(value > 1e-3, "the pairs overlap: {value}");
    check_gradient(
        &[("positions", 10)],
        &positions,
        &grad,
        |x| excluded(x, side, r_min),
        &CheckOptions::default(),
    )
    .assert_close(1e-7);
}

#[test]
fn periodic_wrapping_and_atoms_at_the_edge() {
    let g = Geometry {
        side: 4.0,
        pixels: 16,
        sigma: 0.3,
        quantity: Quantity::LogPower,
    };
    let h = g.spacing();
    let (positions, ..) = small_case();
    let image = real_image(&g, &positions).unwrap();
    // Moving any atom by a whole box length changes nothing.
    let mut shifted = positions.clone();
    shifted[2] -= g.side; // the edge atom at x = 0.02 now sits at -3.98
    shifted[5] += g.side;
    let again = real_image(&g, &shifted).unwrap();
    assert!(max_diff(&image, &again) < 1e-12);
    // Translating all atoms by whole pixels rolls the image: an atom pushed across the edge
    // reappears on the other side with the same shape.
    let (mx, my) = (5, 11);
    let rolled: Vec<f64> = positions
        .chunks(2)
        .flat_map(|p| [p[0] + mx as f64 * h, p[1] + my as f64 * h])
        .collect();
    let moved = real_image(&g, &rolled).unwrap();
    let p = g.pixels;
    for i in 0..p {
        for j in 0..p {
            let back = ((i + p - mx) % p) * p + (j + p - my) % p;
            assert!(
                (moved[i * p + j] - image[back]).abs() < 1e-12,
                "pixel ({i}, {j})"
            );
        }
    }
    // ... and leaves the momentum-space quantity unchanged.
    let q = momentum_image(&g, &positions).unwrap();
    let q_rolled = momentum_image(&g, &rolled).unwrap();
    assert!(max_diff(&q, &q_rolled) < 1e-9);
    // One atom at the corner has the same total weight as one in the middle.
    let corner: f64 = real_image(&g, &[0.0, 0.0]).unwrap().iter().sum();
    let middle: f64 = real_image(&g, &[2.0, 2.0]).unwrap().iter().sum();
    assert!((corner / middle - 1.0).abs() < 1e-12);
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

#[test]
fn bad_input_is_a_typed_error_naming_the_argument() {
    let g = Geometry::default();
    assert!(matches!(
        momentum_image(&g, &[1.0, 2.0, 3.0]),
        Err(LatticeError::Shape {
            name: "positions",
            len: 3,
            ..
        })
    ));
    assert!(matches!(
        ImageFit::new(g, vec![0.0; 10], Constraints::default()),
        Err(LatticeError::Shape {
            name: "target",
            len: 10,
            ..
        })
    ));
    let wide = Geometry { sigma: 3.0, ..g };
    assert!(matches!(
        momentum_image(&wide, &[1.0, 2.0]),
        Err(LatticeError::Value { name: "sigma", .. })
    ));
    assert!(
        triangular(10, 11, 10.0).is_err(),
        "odd rows are not periodic"
    );
}

/// The demo's default lattice (10 x 12 triangular in `g`'s box) and the fit of `atoms`' image.
fn lattice_and_fit(
    g: Geometry,
    atoms: impl Fn(&[f64]) -> Vec<f64>,
) -> (Vec<f64>, Vec<f64>, ImageFit) {
    let base = triangular(10, 12, g.side).unwrap();
    let truth = atoms(&base);
    let fit = ImageFit::new(
        g,
        momentum_image(&g, &truth).unwrap(),
        Constraints::default(),
    )
    .unwrap();
    (base, truth, fit)
}

#[test]
fn a_wider_blur_of_the_target_matches_rendering_with_that_width() {
    let g = Geometry::default();
    let (_, atoms, fit) = lattice_and_fit(g, |b| displaced(b, 0.12, g.side, &mut SplitMix64(4)));
    for wider in [0.35, 0.6] {
        let reblurred = fit.with_wider_blur(wider).unwrap();
        let direct = momentum_image(&Geometry { sigma: wider, ..g }, &atoms).unwrap();
        let err = max_diff(&reblurred.target, &direct);
        assert!(err < 1e-6, "σ' = {wider}: {err:e}");
    }
    assert!(
        fit.with_wider_blur(0.1).is_err(),
        "narrower than the target"
    );
}

#[test]
fn reverse_monte_carlo_lowers_the_cost_and_keeps_exact_books() {
    let g = Geometry {
        pixels: 32,
        ..Geometry::default()
    };
    let base = triangular(10, 12, g.side).unwrap();
    let truth = displaced(&base, 0.12, g.side, &mut SplitMix64(1));
    let start = displaced(&base, 0.03, g.side, &mut SplitMix64(2));
    let constraints = Constraints {
        structure_factor: 0.5,
        excluded_weight: 1.0,
        excluded_radius: 0.6,
    };
    let fit = ImageFit::new(g, momentum_image(&g, &truth).unwrap(), constraints).unwrap();
    let opts = RmcOptions {
        step: 0.05,
        temperature: 0.0,
        seed: 3,
        max_moves: 2000,
        max_seconds: f64::INFINITY,
    };
    let rmc = reverse_monte_carlo(&fit, &start, &opts).unwrap();
    assert_eq!(rmc.moves, 2000);
    assert!(rmc.accepted > 50, "{} accepted", rmc.accepted);
    let initial = fit.cost(&start, g.sigma);
    assert!(rmc.cost < 0.8 * initial, "{initial} -> {}", rmc.cost);
    // The running (incremental) cost after the last move against the exact recomputation.
    let running = rmc.trace[rmc.trace.len() - 2].1;
    assert!(
        (running / rmc.cost - 1.0).abs() < 1e-9,
        "{running} vs {}",
        rmc.cost
    );
    // Greedy: the running cost never rises.
    assert!(rmc
        .trace
        .windows(2)
        .all(|w| w[1].1 <= w[0].1 * (1.0 + 1e-9)));
}

/// The demo's default: 120 atoms (10 x 12 triangular, Gaussian displacements 0.12), P = 64,
/// σ = 0.25, starts displaced by 0.03, continuation through σ' = 0.6, 0.45, 0.35.
#[test]
fn default_fit_lowers_the_misfit_and_recovers_the_pair_distribution() {
    let g = Geometry::default();
    let (base, truth, fit) = lattice_and_fit(g, |b| displaced(b, 0.12, g.side, &mut SplitMix64(1)));
    let sibling = displaced(&base, 0.12, g.side, &mut SplitMix64(7));
    let bins = Bins::up_to_half_box(g.side, 0.05);
    let g_truth = pair_distribution(&truth, g.side, bins);
    // The scale of "close": two independent samples of the truth's distribution.
    let floor = g_distance(&pair_distribution(&sibling, g.side, bins), &g_truth);
    let opts = Options {
        max_epochs: 300,
        ..Options::default()
    };
    for seed in [2, 3] {
        let start = displaced(&base, 0.03, g.side, &mut SplitMix64(seed));
        let fitted =
            backsolve_continuation(&fit, &start, &[0.6, 0.45, 0.35], &opts, &mut |_, _, _| {})
                .unwrap();
        let (before, after) = (fit.image_misfit(&start), fit.image_misfit(&fitted.report.x));
        assert!(
            after < before / 10.0,
            "seed {seed}: misfit {before} -> {after}"
        );
        let d_start = g_distance(&pair_distribution(&start, g.side, bins), &g_truth);
        let d_fit = g_distance(&pair_distribution(&fitted.report.x, g.side, bins), &g_truth);
        assert!(
            d_fit < 2.0 * floor && d_fit < d_start / 4.0,
            "seed {seed}: g(r) distance {d_start} -> {d_fit} (floor {floor})"
        );
    }
}

#[test]
fn the_blur_width_is_recovered_when_it_is_fitted_too() {
    let g = Geometry::default();
    let (_, truth, mut fit) =
        lattice_and_fit(g, |b| displaced(b, 0.12, g.side, &mut SplitMix64(1)));
    fit.fit_sigma = true;
    // Near the truth's positions, with σ 30 % too wide.
    let near = displaced(&truth, 0.01, g.side, &mut SplitMix64(9));
    let x0 = appended(&near, 1.3 * g.sigma);
    let opts = Options {
        max_epochs: 300,
        ..Options::default()
    };
    let report = minimize(
        &mut fit,
        x0.clone(),
        &Method::Lbfgs { memory: 10 },
        &opts,
        &mut |_| true,
    );
    let sigma = fit.split(&report.x).1;
    assert!(
        (sigma / g.sigma - 1.0).abs() < 1e-3,
        "σ = {sigma}, truth {}",
        g.sigma
    );
    let before = fit.value(&x0);
    assert!(
        report.cost < 1e-4 * before,
        "cost {before} -> {}",
        report.cost
    );
}
