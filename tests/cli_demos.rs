//! The demos of the seed papers end to end: `backsolve demo rtd`, `demo spectral` and
//! `demo lattice`, with their numbers and pictures looked at, and bad options refused in one
//! line.

mod common;

use common::{assert_fails_in_one_line, png_size, read_npy, run, scratch, summary};

#[test]
fn demo_rtd_recovers_the_hidden_diode_and_designs_a_band_pass() {
    let dir = scratch("demo-rtd");
    let args = [
        "demo",
        "rtd",
        "--biases",
        "11",
        "--energies",
        "400",
        "--out",
        "r",
    ];
    let (code, stdout, stderr) = run(&dir, &args);
    assert_eq!(code, 0, "stderr: {stderr}");
    assert!(stdout.contains("largest parameter error"), "{stdout}");
    let out = dir.join("r");
    let s = summary(&out);
    let err = s["max_relative_error"].as_f64().unwrap();
    assert!(err < 1e-3, "largest relative parameter error {err:e}");
    let peak = s["peak_bias"].as_f64().unwrap();
    assert!((0.1..0.2).contains(&peak), "I-V peak at {peak} V");
    assert!(s["peak_to_valley"].as_f64().unwrap() > 2.0);
    let (before, after) = (
        s["design_misfit_initial"].as_f64().unwrap(),
        s["design_misfit"].as_f64().unwrap(),
    );
    assert!(after < before / 20.0, "design misfit {before} -> {after}");
    assert_eq!(read_npy(&out.join("iv.npy")).1, vec![11, 4]);
    assert_eq!(read_npy(&out.join("design.npy")).1, vec![300, 3]);
    for png in [
        "iv",
        "transmission",
        "potential",
        "design",
        "design_potential",
    ] {
        assert_eq!(
            png_size(&out.join(format!("{png}.png"))),
            (720, 450),
            "{png}.png"
        );
    }
}

#[test]
fn demo_rtd_interrupted_in_its_design_resumes_to_the_uninterrupted_result() {
    let dir = scratch("demo-rtd-resume");
    let args = |out: &'static str| {
        let mut a = vec!["demo", "rtd", "--biases", "11", "--energies", "400"];
        a.extend(["--max-epochs", "600", "--out", out]);
        a
    };
    let (code, _, stderr) = run(&dir, &args("whole"));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !dir.join("whole/fit_checkpoint.json").exists(),
        "a finished run keeps no checkpoints"
    );
    // The fit has ended when the design writes its first checkpoint.
    let (code, _) =
        common::interrupt_once_written(&dir, &args("parts"), "parts/design_checkpoint.json");
    assert_ne!(code, 0, "an interrupt says so");
    assert_eq!(summary(&dir.join("parts"))["interrupted"], true);
    let mut resumed = args("parts");
    resumed.push("--resume");
    let (code, _, stderr) = run(&dir, &resumed);
    assert_eq!(code, 0, "{stderr}");
    let (a, b) = (summary(&dir.join("whole")), summary(&dir.join("parts")));
    for key in ["fitted", "fit_epochs", "design_misfit", "design_epochs"] {
        assert_eq!(a[key], b[key], "{key}");
    }
    for file in ["design.npy", "iv.npy", "design_cost.npy"] {
        assert_eq!(
            read_npy(&dir.join("whole").join(file)).0,
            read_npy(&dir.join("parts").join(file)).0,
            "{file} bit for bit"
        );
    }
}

#[test]
fn demo_rtd_refuses_bad_options_in_one_line() {
    let dir = scratch("demo-rtd-bad");
    for (args, expect) in [
        (
            vec!["demo", "rtd", "--biases", "2"],
            "--biases must be at least 3",
        ),
        (
            vec!["demo", "rtd", "--energies", "5"],
            "--energies must be at least 10",
        ),
        (
            vec!["demo", "rtd", "--max-epochs", "0"],
            "--max-epochs must be at least 1",
        ),
        (
            vec!["demo", "rtd", "--biases", "many"],
            "invalid value 'many'",
        ),
    ] {
        assert_fails_in_one_line(&dir, &args, expect);
    }
}

#[test]
fn demo_spectral_writes_the_solver_tables_and_pictures() {
    let dir = scratch("demo-spectral");
    let (code, stdout, stderr) = run(&dir, &["demo", "spectral", "--size", "30", "--out", "s"]);
    assert_eq!(code, 0, "stderr: {stderr}");
    let out = dir.join("s");
    let table = std::fs::read_to_string(out.join("table.md")).unwrap();
    assert!(stdout.contains(&table), "the tables are printed too");
    for name in [
        "least squares",
        "Tikhonov GCV",
        "MaxEnt",
        "backsolution",
        "trapezoid",
    ] {
        assert!(table.contains(name), "{name} missing from\n{table}");
    }
    let s = summary(&out);
    assert_eq!(s["test_samples"].as_u64(), Some(3));
    let sigmas: Vec<f64> = s["noise_levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let mse = |solver: usize, column: usize| s["test_mse"][solver][column].as_f64().unwrap();
    // The ordering claim the README makes: every regularized solver beats least squares at
    // σ >= 1e-3, on the command's own table.
    for (column, sigma) in sigmas.iter().enumerate().filter(|(_, s)| **s >= 1e-3) {
        for solver in 1..8 {
            assert!(
                mse(solver, column) < mse(0, column),
                "solver {solver} at σ = {sigma}"
            );
        }
    }
    for png in [
        "mse",
        "test_glue",
        "test_refit",
        "ood_square_low_wide_glue",
        "ood_triangle_refit",
    ] {
        assert_eq!(
            png_size(&out.join(format!("{png}.png"))),
            (720, 450),
            "{png}.png"
        );
    }
    // The arrays behind the figures: the MSE tables, and each picture's abscissa and curves
    // (truth or data first, then the seven regularized solvers).
    let (table_mse, shape) = read_npy(&out.join("mse.npy"));
    assert_eq!(shape, vec![8, sigmas.len() as u64]);
    assert_eq!(
        table_mse[sigmas.len() + 1],
        mse(1, 1),
        "row-major: solver, noise level"
    );
    assert_eq!(read_npy(&out.join("ood_mse.npy")).1[0], 8);
    let glue = read_npy(&out.join("test_glue.npy")).1;
    let refit = read_npy(&out.join("test_refit.npy")).1;
    assert_eq!((glue[1], refit[1]), (9, 9));
}

#[test]
fn demo_spectral_refuses_bad_options_in_one_line() {
    let dir = scratch("demo-spectral-bad");
    for (args, expect) in [
        (
            vec!["demo", "spectral", "--size", "5"],
            "--size must be at least 10",
        ),
        (
            vec!["demo", "spectral", "--sigma", "2"],
            "--sigma must be in (0, 1)",
        ),
        (
            vec!["demo", "spectral", "--sigma", "0"],
            "--sigma must be in (0, 1)",
        ),
    ] {
        assert_fails_in_one_line(&dir, &args, expect);
    }
}

#[test]
fn demo_lattice_fits_candidates_and_races_reverse_monte_carlo() {
    let dir = scratch("demo-lattice");
    let args = [
        "demo",
        "lattice",
        "--candidates",
        "2",
        "--max-epochs",
        "150",
        "--out",
        "l",
    ];
    let (code, stdout, stderr) = run(&dir, &args);
    assert_eq!(code, 0, "stderr: {stderr}");
    assert!(stdout.contains("same wall time"), "{stdout}");
    let out = dir.join("l");
    let s = summary(&out);
    let values = |key: &str| -> Vec<f64> {
        s[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    };
    for (before, after) in values("initial_misfit").iter().zip(values("fitted_misfit")) {
        assert!(after < before / 5.0, "misfit {before} -> {after}");
    }
    let sibling = s["g_distance_sibling"].as_f64().unwrap();
    for d in values("g_distance_fitted") {
        assert!(d < 3.0 * sibling, "g(r) distance {d} (sibling {sibling})");
    }
    assert!(s["rmc_accepted"].as_u64().unwrap() > 0);
    assert_eq!(read_npy(&out.join("truth.npy")).1, vec![120, 2]);
    assert_eq!(read_npy(&out.join("candidates.npy")).1, vec![2, 120, 2]);
    assert_eq!(read_npy(&out.join("rmc.npy")).1, vec![120, 2]);
    assert_eq!(png_size(&out.join("g_r.png")), (720, 450));
    assert_eq!(png_size(&out.join("rmc_vs_backsolution.png")), (720, 450));
    assert_eq!(png_size(&out.join("configurations.png")).1, 338);
    for png in ["real_space", "momentum"] {
        assert!(png_size(&out.join(format!("{png}.png"))).0 > 4 * 64);
    }
}

#[test]
fn demo_lattice_refuses_bad_options_in_one_line() {
    let dir = scratch("demo-lattice-bad");
    for (args, expect) in [
        (
            vec!["demo", "lattice", "--rows", "11"],
            "--rows must be even",
        ),
        (
            vec!["demo", "lattice", "--candidates", "0"],
            "--candidates must be at least 1",
        ),
        (
            vec!["demo", "lattice", "--sigma=-1"],
            "lattice: sigma = -1; it must be positive and finite",
        ),
        (
            vec!["demo", "lattice", "--pixels", "2"],
            "lattice: pixels = 2; it must be at least 4",
        ),
        (
            vec!["demo", "lattice", "--fit-sigma=-0.1"],
            "--fit-sigma must be a positive width",
        ),
    ] {
        assert_fails_in_one_line(&dir, &args, expect);
    }
}
