//! The transfer-matrix conductance against reference values, an independent Fisher-Lee solver,
//! exact 1D mode results, symmetry, stabilization and its generated gradient.

use backsolve_core::faer::{self, Mat};
use backsolve_core::linalg;
use backsolve_core::{c64, SplitMix64};
use backsolve_models::transport::{
    conductance, conductance_wires, conductance_wires_gradcheck, Lattice, WireLead,
};
use std::f64::consts::PI;

/// Independent check solver (Fisher-Lee): `G = Tr(Γ_L G^r Γ_R G^a)` with the dense retarded
/// Green's function of the whole scattering region and the wire leads' self-energy
/// `Σ = -e^{ik}` on the end sites, `Γ = 2 sin k`. Shares nothing with the transfer matrices.
fn fisher_lee(v: &[f64], lx: usize, ly: usize, phi: f64, e: f64, k: f64) -> f64 {
    let n = lx * ly;
    let idx = |x: usize, y: usize| x * ly + y;
    let sigma = -c64::new(k.cos(), k.sin());
    let mut a = Mat::<c64>::zeros(n, n); // E - H - Σ
    for x in 0..lx {
        let hop = c64::new(0.0, 2.0 * PI * phi * x as f64).exp();
        for y in 0..ly {
            let s = idx(x, y);
            a[(s, s)] = c64::new(e - v[s], 0.0);
            if x == 0 || x == lx - 1 {
                a[(s, s)] -= sigma * if lx == 1 { 2.0 } else { 1.0 };
            }
            if y + 1 < ly {
                // H_{y+1,y} = -hop, so (E - H)_{y+1,y} = +hop.
                a[(idx(x, y + 1), s)] = hop;
                a[(s, idx(x, y + 1))] = hop.conj();
            }
            if x + 1 < lx {
                a[(idx(x + 1, y), s)] = c64::new(1.0, 0.0);
                a[(s, idx(x + 1, y))] = c64::new(1.0, 0.0);
            }
        }
    }
    let g = linalg::inverse(&a);
    let gamma = 2.0 * k.sin();
    let mut t = 0.0;
    for y in 0..ly {
        for y2 in 0..ly {
            t += g[(idx(lx - 1, y2), idx(0, y))].norm_sqr();
        }
    }
    gamma * gamma * t
}

fn reference_potential(lx: usize, ly: usize) -> Vec<f64> {
    let mut v = Vec::new();
    for x in 0..lx {
        for y in 0..ly {
            v.push(0.8 * (1.3 * x as f64 + 0.7 * y as f64).cos());
        }
    }
    v
}

fn random_potential(lx: usize, ly: usize, w: f64, seed: u64) -> Vec<f64> {
    let mut rng = SplitMix64(seed);
    (0..lx * ly).map(|_| rng.range(-w / 2.0, w / 2.0)).collect()
}

#[test]
fn reference_conductances_of_the_physics_notes() {
    let lat = Lattice { lx: 6, ly: 4 };
    let v = reference_potential(6, 4);
    let cases = [
        (WireLead::OnSite(0.0), 0.0, 0.0, 1.850311094120),
        (WireLead::OnSite(0.0), 0.0, 0.5, 1.544221509436),
        (WireLead::OnSite(0.0), 0.05, 0.5, 1.773866973178),
        (WireLead::OnSite(0.0), 0.1, -1.2, 1.449682471828),
        (WireLead::Wavenumber(PI / 2.0), 0.05, 0.5, 1.861668916527),
        (WireLead::Wavenumber(PI / 2.0), 0.15, 1.0, 1.700090162419),
        (WireLead::Wavenumber(1.0), 0.02, -0.3, 1.385685182514),
        (WireLead::Wavenumber(1.0), 0.1, -1.2, 1.495793962766),
    ];
    for (lead, phi, e, want) in cases {
        for q in [1, 2, 4] {
            let g = conductance(&v, lat, lead, phi, e, q);
            assert!(
                (g - want).abs() < 1e-10,
                "{lead:?} phi={phi} E={e} q={q}: {g} vs {want}"
            );
        }
    }
}

#[test]
fn agrees_with_fisher_lee_on_random_potentials_with_flux() {
    for (seed, (lx, ly)) in [(1u64, (7usize, 3usize)), (2, (5, 6)), (3, (9, 4))] {
        let v = random_potential(lx, ly, 2.0, seed);
        for &(phi, e, k) in &[(0.0, 0.3, 1.1), (0.07, -0.8, 2.0), (0.23, 1.4, 0.6)] {
            let tmm = conductance_wires(&v, lx, ly, phi, e, k, 3);
            let fl = fisher_lee(&v, lx, ly, phi, e, k);
            assert!(
                (tmm - fl).abs() < 1e-10 * fl.max(1.0),
                "{lx}x{ly} phi={phi}: {tmm} vs {fl}"
            );
        }
    }
}

#[test]
fn onsager_symmetry_and_current_bounds() {
    let v = random_potential(8, 5, 3.0, 11);
    for &(phi, e) in &[(0.05, 0.2), (0.13, -1.1), (0.31, 0.9)] {
        let g1 = conductance_wires(&v, 8, 5, phi, e, 1.3, 2);
        let g2 = conductance_wires(&v, 8, 5, -phi, e, 1.3, 2);
        assert!((g1 - g2).abs() < 1e-10, "G({phi}) = {g1}, G(-{phi}) = {g2}");
        assert!(
            (0.0..=5.0 + 1e-10).contains(&g1),
            "0 <= G <= channels: {g1}"
        );
    }
}

/// Transmission of one strip mode: a 1D chain of `lx` sites with on-site `eps` between leads of
/// wavenumber `k` (on-site `e + 2 cos k`), from the 1D Fisher-Lee formula.
fn mode_transmission(eps: f64, lx: usize, e: f64, k: f64) -> f64 {
    let sigma = -c64::new(k.cos(), k.sin());
    let mut a = Mat::<c64>::zeros(lx, lx);
    for x in 0..lx {
        a[(x, x)] = c64::new(e - eps, 0.0);
        if x + 1 < lx {
            a[(x, x + 1)] = c64::new(1.0, 0.0);
            a[(x + 1, x)] = c64::new(1.0, 0.0);
        }
    }
    a[(0, 0)] -= sigma;
    a[(lx - 1, lx - 1)] -= sigma;
    let g = linalg::inverse(&a);
    (2.0 * k.sin()).powi(2) * g[(lx - 1, 0)].norm_sqr()
}

#[test]
fn clean_wire_is_the_sum_of_exact_mode_transmissions() {
    let (lx, ly) = (5, 4);
    let v = vec![0.0; lx * ly];
    for &(e, k) in &[(0.0, PI / 2.0), (0.7, 1.2), (-1.5, 2.3)] {
        let g = conductance_wires(&v, lx, ly, 0.0, e, k, 2);
        let modes: f64 = (1..=ly)
            .map(|n| -2.0 * (n as f64 * PI / (ly as f64 + 1.0)).cos())
            .map(|eps| mode_transmission(eps, lx, e, k))
            .sum();
        assert!((g - modes).abs() < 1e-10, "E={e}: {g} vs {modes}");
        assert!(
            g <= ly as f64 + 1e-10,
            "at most one e^2/h per channel: G = {g}"
        );
    }
}

#[test]
fn closed_leads_conduct_nothing() {
    let v = vec![0.0; 12];
    let g = conductance(
        &v,
        Lattice { lx: 3, ly: 4 },
        WireLead::OnSite(0.0),
        0.0,
        2.5,
        1,
    );
    assert_eq!(g, 0.0);
}

#[test]
fn long_disordered_strip_needs_the_qr_steps() {
    let (lx, ly) = (200, 10);
    let v = random_potential(lx, ly, 6.0, 2026);
    let (phi, e, k) = (0.0, 0.3, 1.2);
    let g1 = conductance_wires(&v, lx, ly, phi, e, k, 1);
    let g10 = conductance_wires(&v, lx, ly, phi, e, k, 10);
    let g5 = conductance_wires(&v, lx, ly, phi, e, k, 5);
    assert!(g1 < 1e-10 && g1 > 0.0, "strongly localized: G = {g1:e}");
    for g in [g10, g5] {
        assert!(
            (g - g1).abs() < 1e-8 * g1,
            "QR every 1 vs 5/10: {g1:e} vs {g:e}"
        );
    }
    // One QR at the very end only: the columns collapse onto the fastest-growing mode.
    let unstabilized = conductance_wires(&v, lx, ly, phi, e, k, lx);
    let err = (unstabilized - g1).abs() / g1;
    assert!(
        err.is_nan() || err >= 1e-2,
        "without QR steps the result should be wrong, relative error {err:e}"
    );
}

#[test]
fn gradient_of_the_conductance_matches_finite_differences() {
    for (seed, (lx, ly)) in [(5u64, (4usize, 3usize)), (6, (3, 5))] {
        let v = random_potential(lx, ly, 2.0, seed);
        conductance_wires_gradcheck(&v, lx, ly, 0.11, 0.4, 1.3, 2).assert_close(1e-6);
    }
}

mod maps {
    use super::*;
    use backsolve_models::transport::{misfit_and_gradient, simulate_map, Grid, Model};

    fn lattice() -> Lattice {
        Lattice { lx: 5, ly: 3 }
    }

    #[test]
    fn map_matches_pointwise_conductances() {
        let v = random_potential(5, 3, 2.0, 21);
        let grid = Grid::linspace((0.0, 0.2, 4), (-1.0, 1.0, 3));
        let model = Model::Wires(WireLead::Wavenumber(1.1));
        let map = simulate_map(&model, lattice(), 2, &v, None, &grid, &|| ()).unwrap();
        for (i, &phi) in grid.phis.iter().enumerate() {
            for (j, &e) in grid.energies.iter().enumerate() {
                let g = conductance(&v, lattice(), WireLead::Wavenumber(1.1), phi, e, 2);
                assert_eq!(map[i * 3 + j], g);
            }
        }
    }

    /// The misfit gradient of every model against finite differences of the misfit itself.
    fn check_misfit(model: Model, m: Option<Vec<f64>>) {
        let grid = Grid::linspace((0.0, 0.15, 3), (-0.8, 0.9, 4));
        let truth = random_potential(5, 3, 2.0, 22);
        let target =
            simulate_map(&model, lattice(), 2, &truth, m.as_deref(), &grid, &|| ()).unwrap();
        let v = random_potential(5, 3, 2.0, 23);
        let weights: Vec<f64> = (0..grid.len()).map(|p| 1.0 + 0.1 * p as f64).collect();
        let fit = misfit_and_gradient(
            &model,
            lattice(),
            2,
            &v,
            m.as_deref(),
            &grid,
            &target,
            Some(&weights),
        )
        .unwrap();
        assert!(
            fit.cost > 1e-4,
            "the start is away from the truth: {}",
            fit.cost
        );
        // Flatten (v, m) into one parameter vector for the check.
        let nv = v.len();
        let mut x = v.clone();
        x.extend(m.iter().flatten());
        let mut grad = fit.grad_v.clone();
        grad.extend(fit.grad_m.iter().flatten());
        let cost = |p: &[f64]| {
            let mm = m.as_ref().map(|_| p[nv..].to_vec());
            misfit_and_gradient(
                &model,
                lattice(),
                2,
                &p[..nv],
                mm.as_deref(),
                &grid,
                &target,
                Some(&weights),
            )
            .unwrap()
            .cost
        };
        let mut blocks = vec![("v", nv)];
        if let Some(m) = &m {
            blocks.push(("m", m.len()));
        }
        let report = backsolve_core::check_gradient(
            &blocks,
            &x,
            &grad,
            cost,
            &backsolve_core::CheckOptions::default(),
        );
        report.assert_close(1e-6);
        let at_truth = misfit_and_gradient(
            &model,
            lattice(),
            2,
            &truth,
            m.as_deref(),
            &grid,
            &target,
            None,
        )
        .unwrap();
        assert!(
            at_truth.cost < 1e-28 && at_truth.grad_v.iter().all(|x| x.abs() < 1e-13),
            "zero at the truth"
        );
    }

    #[test]
    fn misfit_gradient_with_wire_leads() {
        check_misfit(Model::Wires(WireLead::Wavenumber(1.1)), None);
    }

    #[test]
    fn misfit_gradient_with_square_leads() {
        check_misfit(Model::Square, None);
    }

    #[test]
    fn misfit_gradient_with_magnetization() {
        let mut rng = SplitMix64(24);
        let m: Vec<f64> = (0..45).map(|_| rng.range(-1.0, 1.0)).collect();
        check_misfit(
            Model::Spinful {
                j: 0.8,
                k_up: 0.9,
                k_down: 1.8,
            },
            Some(m),
        );
    }
}

mod spinful {
    use super::*;
    use backsolve_models::transport::{conductance_spinful, conductance_spinful_gradcheck};

    /// Fisher-Lee for the spinful lattice: `2N x 2N`, orbital part times the identity in spin,
    /// exchange on the site blocks, spin-dependent lead self-energies `-e^{ik_s}`.
    #[allow(clippy::too_many_arguments)]
    fn fisher_lee_spin(
        v: &[f64],
        m: &[f64],
        j: f64,
        lx: usize,
        ly: usize,
        phi: f64,
        e: f64,
        ks: [f64; 2],
    ) -> f64 {
        let n = lx * ly;
        let idx = |x: usize, y: usize, s: usize| s * n + x * ly + y;
        let mut a = Mat::<c64>::zeros(2 * n, 2 * n); // E - H - Σ
        for x in 0..lx {
            let hop = c64::new(0.0, 2.0 * PI * phi * x as f64).exp();
            for y in 0..ly {
                let r = x * ly + y;
                let (mx, my, mz) = (m[3 * r], m[3 * r + 1], m[3 * r + 2]);
                for s in 0..2 {
                    let sign = if s == 0 { 1.0 } else { -1.0 };
                    a[(idx(x, y, s), idx(x, y, s))] = c64::new(e - v[r] - sign * j * mz, 0.0);
                    if x == 0 || x == lx - 1 {
                        a[(idx(x, y, s), idx(x, y, s))] += c64::new(ks[s].cos(), ks[s].sin());
                    }
                    if y + 1 < ly {
                        a[(idx(x, y + 1, s), idx(x, y, s))] = hop;
                        a[(idx(x, y, s), idx(x, y + 1, s))] = hop.conj();
                    }
                    if x + 1 < lx {
                        a[(idx(x + 1, y, s), idx(x, y, s))] = c64::new(1.0, 0.0);
                        a[(idx(x, y, s), idx(x + 1, y, s))] = c64::new(1.0, 0.0);
                    }
                }
                // -(J m . sigma) off-diagonal in spin.
                a[(idx(x, y, 0), idx(x, y, 1))] = -c64::new(j * mx, -j * my);
                a[(idx(x, y, 1), idx(x, y, 0))] = -c64::new(j * mx, j * my);
            }
        }
        let g = linalg::inverse(&a);
        let mut t = 0.0;
        for s in 0..2 {
            for s2 in 0..2 {
                let gam = 2.0 * ks[s].sin() * 2.0 * ks[s2].sin();
                for y in 0..ly {
                    for y2 in 0..ly {
                        t += gam * g[(idx(lx - 1, y2, s2), idx(0, y, s))].norm_sqr();
                    }
                }
            }
        }
        t
    }

    fn texture(lx: usize, ly: usize, seed: u64) -> Vec<f64> {
        let mut rng = SplitMix64(seed);
        let mut m = Vec::new();
        for _ in 0..lx * ly {
            let (th, ph) = (rng.range(0.0, PI), rng.range(0.0, 2.0 * PI));
            m.extend([th.sin() * ph.cos(), th.sin() * ph.sin(), th.cos()]);
        }
        m
    }

    #[test]
    fn agrees_with_fisher_lee_for_a_noncollinear_texture() {
        let (lx, ly) = (6, 3);
        let v = random_potential(lx, ly, 1.5, 31);
        let m = texture(lx, ly, 32);
        for &(phi, e) in &[(0.0, 0.2), (0.09, -0.7)] {
            let g = conductance_spinful(&v, &m, 0.8, lx, ly, phi, e, 0.8, 1.9, 2);
            let fl = fisher_lee_spin(&v, &m, 0.8, lx, ly, phi, e, [0.8, 1.9]);
            assert!(
                (g - fl).abs() < 1e-10 * fl.max(1.0),
                "phi={phi}: {g} vs {fl}"
            );
        }
    }

    #[test]
    fn collinear_magnetization_splits_into_two_spinless_problems() {
        let (lx, ly) = (5, 4);
        let v = random_potential(lx, ly, 1.5, 41);
        let mz: Vec<f64> = random_potential(lx, ly, 2.0, 42);
        let m: Vec<f64> = mz.iter().flat_map(|&z| [0.0, 0.0, z]).collect();
        let (j, phi, e, ku, kd) = (0.7, 0.06, 0.3, 0.9, 2.1);
        let g = conductance_spinful(&v, &m, j, lx, ly, phi, e, ku, kd, 2);
        let vu: Vec<f64> = v.iter().zip(&mz).map(|(a, z)| a + j * z).collect();
        let vd: Vec<f64> = v.iter().zip(&mz).map(|(a, z)| a - j * z).collect();
        let sum = conductance_wires(&vu, lx, ly, phi, e, ku, 2)
            + conductance_wires(&vd, lx, ly, phi, e, kd, 2);
        assert!((g - sum).abs() < 1e-10, "{g} vs {sum}");
        let g_minus = conductance_spinful(&v, &m, j, lx, ly, -phi, e, ku, kd, 2);
        assert!((g - g_minus).abs() < 1e-10, "collinear: Onsager holds");
    }

    #[test]
    fn noncollinear_texture_with_polarized_leads_breaks_onsager() {
        let (lx, ly) = (8, 6);
        let v = vec![0.0; lx * ly];
        let m = texture(lx, ly, 51);
        let g1 = conductance_spinful(&v, &m, 1.0, lx, ly, 0.1, 0.3, 0.8, 1.9, 2);
        let g2 = conductance_spinful(&v, &m, 1.0, lx, ly, -0.1, 0.3, 0.8, 1.9, 2);
        assert!((g1 - g2).abs() > 1e-3, "G(phi) = {g1}, G(-phi) = {g2}");
    }

    #[test]
    fn gradient_with_respect_to_potential_and_magnetization() {
        let (lx, ly) = (3, 2);
        let v = random_potential(lx, ly, 1.5, 61);
        let m = texture(lx, ly, 62);
        conductance_spinful_gradcheck(&v, &m, 0.9, lx, ly, 0.07, 0.25, 0.8, 1.9, 2)
            .assert_close(1e-6);
    }
}

mod square_leads {
    use super::*;
    use backsolve_models::transport::{
        conductance_square, conductance_square_leads_gradcheck, open_channels, square_lead_modes,
        Matching,
    };

    fn shifted_reference(lx: usize, ly: usize) -> Vec<f64> {
        let mut v = Vec::new();
        for x in 0..lx {
            for y in 0..ly {
                v.push(0.8 * (1.3 * (x + 1) as f64 + 0.7 * (y + 1) as f64).cos());
            }
        }
        v
    }

    #[test]
    fn reference_conductances_with_field_in_the_leads() {
        let v = shifted_reference(6, 4);
        let cases = [
            (0.0, 0.0, 2.1490632096, 4),
            (0.5, 0.0, 1.5372450579, 3),
            (0.5, 0.05, 1.7573309776, 3),
            (-1.2, 0.1, 1.6036697978, 2),
            (-0.3, 0.02, 2.0524627581, 4),
            (1.0, 0.15, 1.6221488539, 2),
            (2.2, 0.0, 1.3327004924, 2),
            (1.7, 0.25, 0.0, 0),
        ];
        for (e, phi, want, channels) in cases {
            assert_eq!(
                open_channels(4, phi, e).unwrap(),
                channels,
                "E={e} phi={phi}"
            );
            let g = conductance_square(&v, Lattice { lx: 6, ly: 4 }, phi, e, 2).unwrap();
            assert!((g - want).abs() < 1e-9, "E={e} phi={phi}: {g} vs {want}");
        }
    }

    #[test]
    fn clean_wire_has_integer_conductance() {
        let v = vec![0.0; 5 * 10];
        for (e, want) in [(-3.5, 2.0), (-2.0, 5.0), (0.0, 10.0), (1.0, 7.0)] {
            let g = conductance_square(&v, Lattice { lx: 5, ly: 10 }, 0.0, e, 3).unwrap();
            assert!((g - want).abs() < 1e-10, "E={e}: {g}");
        }
    }

    #[test]
    fn onsager_symmetry_with_square_leads() {
        let v = random_potential(7, 4, 2.0, 71);
        for &(phi, e) in &[(0.05, 0.3), (0.12, -1.1)] {
            let g1 = conductance_square(&v, Lattice { lx: 7, ly: 4 }, phi, e, 2).unwrap();
            let g2 = conductance_square(&v, Lattice { lx: 7, ly: 4 }, -phi, e, 2).unwrap();
            assert!((g1 - g2).abs() < 1e-10, "{g1} vs {g2}");
        }
    }

    #[test]
    fn gradient_with_square_leads() {
        let (lx, ly, phi, e) = (4, 3, 0.08, 0.4);
        let v = random_potential(lx, ly, 1.5, 81);
        let modes = square_lead_modes(ly, phi, e).unwrap();
        let m = Matching::new(&modes, ly, phi);
        conductance_square_leads_gradcheck(&v, lx, ly, e, 2, &m).assert_close(1e-6);
    }
}

mod square_leads_independent {
    use super::*;
    use backsolve_models::transport::conductance_square;

    fn dense(n: usize, f: impl Fn(usize, usize) -> c64) -> Mat<c64> {
        Mat::from_fn(n, n, f)
    }

    /// Surface Green's function of a semi-infinite lead (Sancho-Rubio decimation): on-site block
    /// `h0`, `alpha` = hopping from a slice to the next one deeper in the lead, `beta` = back.
    fn surface_green(h0: &Mat<c64>, alpha: &Mat<c64>, beta: &Mat<c64>, z: c64) -> Mat<c64> {
        let n = h0.nrows();
        let zi = Mat::from_fn(n, n, |i, j| if i == j { z } else { c64::new(0.0, 0.0) });
        let (mut es, mut e, mut a, mut b) = (h0.clone(), h0.clone(), alpha.clone(), beta.clone());
        for _ in 0..200 {
            let g = linalg::inverse(&(&zi - &e));
            let agb = &a * &g * &b;
            let bga = &b * &g * &a;
            es = &es + &agb;
            e = &e + &agb + &bga;
            a = &a * &g * &a;
            b = &b * &g * &b;
            if a.norm_max() + b.norm_max() < 1e-300 {
                break;
            }
        }
        linalg::inverse(&(&zi - &es))
    }

    /// Fisher-Lee with decimated self-energies, the whole system in the x-bond gauge.
    fn fisher_lee_square(v: &[f64], lx: usize, ly: usize, phi: f64, e: f64) -> f64 {
        let z = c64::new(e, 1e-13);
        let d: Vec<c64> = (0..ly)
            .map(|y| c64::new(0.0, -2.0 * PI * phi * y as f64).exp())
            .collect();
        let h0 = dense(ly, |i, j| {
            if i.abs_diff(j) == 1 {
                c64::new(-1.0, 0.0)
            } else {
                c64::new(0.0, 0.0)
            }
        });
        let fwd = dense(ly, |i, j| if i == j { -d[i] } else { c64::new(0.0, 0.0) }); // <x+1|H|x>
        let bwd = dense(ly, |i, j| {
            if i == j {
                -d[i].conj()
            } else {
                c64::new(0.0, 0.0)
            }
        }); // <x|H|x+1>
        let g_right = surface_green(&h0, &bwd, &fwd, z);
        let g_left = surface_green(&h0, &fwd, &bwd, z);
        let sigma_r = &bwd * &g_right * &fwd;
        let sigma_l = &fwd * &g_left * &bwd;
        let n = lx * ly;
        let mut a = Mat::<c64>::zeros(n, n);
        for x in 0..lx {
            for i in 0..ly {
                for j in 0..ly {
                    let s = x * ly;
                    let mut val = if i == j {
                        z - v[s + i]
                    } else {
                        c64::new(0.0, 0.0)
                    };
                    val -= h0[(i, j)];
                    if x == 0 {
                        val -= sigma_l[(i, j)];
                    }
                    if x == lx - 1 {
                        val -= sigma_r[(i, j)];
                    }
                    a[(s + i, s + j)] = val;
                    if x + 1 < lx {
                        a[(s + ly + i, s + j)] = -fwd[(i, j)];
                        a[(s + i, s + ly + j)] = -bwd[(i, j)];
                    }
                }
            }
        }
        let g = linalg::inverse(&a);
        let gamma = |s: &Mat<c64>| {
            let sh = s.adjoint().to_owned();
            (s - &sh) * faer::Scale(c64::new(0.0, 1.0))
        };
        let (gl, gr) = (gamma(&sigma_l), gamma(&sigma_r));
        let grl = Mat::from_fn(ly, ly, |i, j| g[((lx - 1) * ly + i, j)]);
        let t = &gr * &grl * &gl * grl.adjoint();
        (0..ly).map(|i| t[(i, i)].re).sum()
    }

    #[test]
    fn agrees_with_fisher_lee_and_decimated_leads() {
        for (seed, (lx, ly)) in [(91u64, (6usize, 4usize)), (92, (5, 3))] {
            let v = random_potential(lx, ly, 1.5, seed);
            for &(phi, e) in &[(0.0, 0.4), (0.07, -0.9), (0.13, 1.3)] {
                let g = conductance_square(&v, Lattice { lx, ly }, phi, e, 2).unwrap();
                let fl = fisher_lee_square(&v, lx, ly, phi, e);
                assert!(
                    (g - fl).abs() < 1e-10 * fl.max(1.0),
                    "{lx}x{ly} phi={phi} E={e}: {g} vs {fl}"
                );
            }
        }
    }
}

#[test]
fn current_conservation_with_square_leads() {
    use backsolve_models::transport::{open_channels, transmission_reflection};
    for (seed, (lx, ly)) in [(101u64, (7usize, 4usize)), (102, (5, 6))] {
        let v = random_potential(lx, ly, 3.0, seed);
        for &(phi, e) in &[(0.0, 0.3), (0.09, -1.2), (0.17, 0.8)] {
            let (t, r) = transmission_reflection(&v, Lattice { lx, ly }, phi, e, 2).unwrap();
            let n = open_channels(ly, phi, e).unwrap() as f64;
            assert!(
                (t + r - n).abs() < 1e-10,
                "T + R = {} for {n} channels",
                t + r
            );
            assert!(t > 1e-3 && r > 1e-3, "both nontrivial: T = {t}, R = {r}");
        }
    }
}

#[test]
fn current_conservation_with_wire_leads() {
    use backsolve_models::transport::wire_amplitudes;
    for (seed, (lx, ly)) in [(111u64, (7usize, 4usize)), (112, (5, 6))] {
        let v = random_potential(lx, ly, 3.0, seed);
        for &(phi, e, k) in &[(0.0, 0.3, 1.1), (0.09, -1.2, 2.0), (0.17, 0.8, 0.7)] {
            let (t, r) = wire_amplitudes(&v, lx, ly, phi, e, k, 2);
            let (tt, rr) = (linalg::frob2(&t), linalg::frob2(&r));
            assert!(
                (tt + rr - ly as f64).abs() < 1e-10,
                "T + R = {} for {ly} channels",
                tt + rr
            );
            assert!(
                tt > 1e-3 && rr > 1e-3,
                "both nontrivial: T = {tt}, R = {rr}"
            );
        }
    }
}
