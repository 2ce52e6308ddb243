//! `backsolve invert` with `[model] kind = "spectral"` and `kind = "lattice"`: each example
//! config end to end, an interrupted fit resumed to the uninterrupted result bit for bit, and
//! bad input in one line with the output folder untouched.

mod common;

use common::{
    assert_fails_in_one_line, example_copy, interrupt_after_first_checkpoint, read_npy, run,
    summary, write_npy,
};
use std::path::Path;

/// The glue function the spectral example's data were made with.
fn spectral_truth(big_omega: f64) -> f64 {
    let g = |h: f64, c: f64, w: f64| h * (-(big_omega - c).powi(2) / (2.0 * w * w)).exp();
    g(0.8, 70.0, 18.0) + g(0.45, 210.0, 40.0)
}

fn relative_error(glue: &[f64]) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    for row in glue.chunks(2) {
        let t = spectral_truth(row[0]);
        num += (row[1] - t).powi(2);
        den += t * t;
    }
    (num / den).sqrt()
}

#[test]
fn the_spectral_example_recovers_the_glue_function_by_backsolution_and_tikhonov() {
    let dir = example_copy("invert-spectral", "spectral-example");
    let (code, stdout, stderr) = run(&dir, &["invert", "config.toml"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("converged"), "{stdout}");
    let out = dir.join("out-spectral");
    // The discrepancy stop: chi²/N at τ² with the file's sigma.
    let s = summary(&out);
    assert!(s["final_cost"].as_f64().unwrap() < 1.3, "{s}");
    let (glue, shape) = read_npy(&out.join("glue.npy"));
    assert_eq!(shape, vec![80, 2]);
    let backsolution = relative_error(&glue);
    // Measured: 0.289.
    assert!(
        backsolution < 0.36,
        "backsolution: relative error {backsolution}"
    );
    assert_eq!(read_npy(&out.join("refit.npy")).1, vec![70, 4]);
    assert!(out.join("glue.png").exists() && out.join("refit.png").exists());

    // Every direct solver on the same data, with the regularization it chose, within a
    // quarter above its measured relative error (in the comments); unregularized least
    // squares amplifies the 1 % noise beyond use.
    let config = std::fs::read_to_string(dir.join("config.toml")).unwrap();
    for (solver, setting, (lo, hi)) in [
        ("least-squares", "none", (10.0, f64::INFINITY)), // 4e9
        ("tikhonov-lcurve", "lambda", (0.0, 0.27)),       // 0.218
        ("tikhonov-gcv", "lambda", (0.0, 0.27)),          // 0.217
        ("tikhonov-discrepancy", "lambda", (0.0, 0.5)),   // 0.396
        ("landweber", "steps", (0.0, 0.53)),              // 0.426
        ("landweber-nonneg", "steps", (0.0, 0.26)),       // 0.209
        ("maxent", "alpha", (0.0, 0.37)),                 // 0.295
    ] {
        let text = config.replace("\"backsolution\"", &format!("\"{solver}\""));
        std::fs::write(dir.join(format!("{solver}.toml")), text).unwrap();
        let (code, stdout, stderr) = run(
            &dir,
            &["invert", &format!("{solver}.toml"), "--out", solver],
        );
        assert_eq!(code, 0, "{solver}: {stderr}");
        let s = summary(&dir.join(solver));
        let said = s["regularization"].as_str().unwrap();
        assert!(said.contains(setting), "{solver}: {said}");
        assert!(stdout.contains(said), "{stdout}");
        let error = relative_error(&read_npy(&dir.join(solver).join("glue.npy")).0);
        assert!(
            (lo..hi).contains(&error),
            "{solver}: relative error {error}"
        );
    }
}

#[test]
fn an_interrupted_backsolution_resumes_to_the_uninterrupted_result() {
    let dir = example_copy("invert-spectral", "spectral-resume");
    // Claiming ten times less noise than the data carry moves the discrepancy stop out of
    // reach: the run takes all its epochs, long enough to be interrupted.
    let rate = std::fs::read_to_string(dir.join("rate.csv")).unwrap();
    let tight: String = rate
        .lines()
        .map(|line| match line.rsplit_once(", ") {
            Some((head, sigma)) if !line.starts_with('#') => {
                format!("{head}, {:e}\n", sigma.parse::<f64>().unwrap() / 10.0)
            }
            _ => format!("{line}\n"),
        })
        .collect();
    std::fs::write(dir.join("rate.csv"), tight).unwrap();
    let config = std::fs::read_to_string(dir.join("config.toml")).unwrap();
    std::fs::write(
        dir.join("config.toml"),
        config.replace("max_epochs = 3000", "max_epochs = 6000"),
    )
    .unwrap();
    resumes_bit_identically(&dir, "glue.npy");
}

/// Run whole, run interrupted after the first checkpoint and resumed (the config named by
/// another path): the same epochs, cost and `array` bit for bit.
fn resumes_bit_identically(dir: &Path, array: &str) {
    let (code, _, stderr) = run(dir, &["invert", "config.toml", "--out", "whole"]);
    assert_eq!(code, 0, "{stderr}");
    let args = ["invert", "config.toml", "--out", "parts"];
    let (code, _) = interrupt_after_first_checkpoint(dir, &args, "parts");
    assert_ne!(code, 0, "an interrupt says so");
    assert_eq!(summary(&dir.join("parts"))["interrupted"], true);
    let resume = ["invert", "./config.toml", "--out", "parts", "--resume"];
    let (code, _, stderr) = run(dir, &resume);
    assert_eq!(code, 0, "{stderr}");
    let (a, b) = (summary(&dir.join("whole")), summary(&dir.join("parts")));
    assert_eq!(a["epochs"], b["epochs"]);
    assert_eq!(a["final_cost"], b["final_cost"]);
    assert_eq!(
        read_npy(&dir.join("whole").join(array)).0,
        read_npy(&dir.join("parts").join(array)).0,
        "bit-identical {array}"
    );
    // A checkpoint again, then the config edited: another problem, refused.
    let (code, _) = interrupt_after_first_checkpoint(dir, &args, "parts");
    assert_ne!(code, 0);
    let config = std::fs::read_to_string(dir.join("config.toml")).unwrap();
    let edited = config.replace("max_epochs = ", "max_epochs = 1");
    std::fs::write(dir.join("config.toml"), edited).unwrap();
    assert_fails_in_one_line(dir, &resume, "another problem");
}

/// Each case: the config text and what its one stderr line must mention.
fn assert_bad_configs_fail(dir: &Path, out: &str, cases: &[(String, &str)]) {
    std::fs::create_dir_all(dir.join(out)).unwrap();
    std::fs::write(dir.join(out).join("summary.json"), "previous result").unwrap();
    std::fs::write(dir.join("a_file"), "not a folder").unwrap();
    for (i, (text, expect)) in cases.iter().enumerate() {
        let name = format!("bad{i}.toml");
        std::fs::write(dir.join(&name), text).unwrap();
        assert_fails_in_one_line(dir, &["invert", &name], expect);
    }
    assert_eq!(
        std::fs::read_to_string(dir.join(out).join("summary.json")).unwrap(),
        "previous result"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("a_file")).unwrap(),
        "not a folder"
    );
}

#[test]
fn bad_spectral_input_is_one_line_and_leaves_the_output_alone() {
    let dir = example_copy("invert-spectral", "spectral-bad");
    std::fs::write(dir.join("one_column.csv"), "10\n20\n30\n").unwrap();
    std::fs::write(dir.join("nan.csv"), "10, 1.0\n20, NaN\n30, 3.0\n").unwrap();
    std::fs::write(dir.join("no_sigma.csv"), "10, 1.0\n20, 2.0\n30, 3.0\n").unwrap();
    std::fs::write(dir.join("backwards.csv"), "20, 1.0\n10, 2.0\n30, 3.0\n").unwrap();
    let config = std::fs::read_to_string(dir.join("config.toml")).unwrap();
    let with_file = |f: &str| config.replace("\"rate.csv\"", &format!("\"{f}\""));
    let cases = vec![
        (with_file("missing.csv"), "missing.csv"),
        (with_file("one_column.csv"), "2 or 3 columns"),
        (with_file("nan.csv"), "NaN"),
        (with_file("no_sigma.csv"), "data.noise"),
        (with_file("backwards.csv"), "increasing"),
        (
            config.replace("[data]", "[data]\nunits = \"cm-1\""),
            "unknown field",
        ),
        (config.replace("\"backsolution\"", "\"svd\""), "solver.kind"),
        (config.replace("points = 80", "points = 0"), "glue.points"),
        (
            config.replace("dir = \"out-spectral\"", "dir = \"a_file\""),
            "is a file, not a folder",
        ),
    ];
    assert_bad_configs_fail(&dir, "out-spectral", &cases);
}

#[test]
fn the_lattice_example_fits_the_measured_image() {
    let dir = example_copy("invert-lattice", "lattice-example");
    let (code, stdout, stderr) = run(&dir, &["invert", "config.toml"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("final cost"), "{stdout}");
    let out = dir.join("out-lattice");
    let fit: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("lattice.json")).unwrap()).unwrap();
    let (start, end) = (
        fit["image_misfit_start"].as_f64().unwrap(),
        fit["image_misfit"].as_f64().unwrap(),
    );
    // Measured: 0.284 -> 0.0066.
    assert!(end < start / 20.0, "misfit {start} -> {end}");
    let (positions, shape) = read_npy(&out.join("positions.npy"));
    assert_eq!(shape, vec![16, 2]);
    assert_ne!(positions, read_npy(&out.join("initial.npy")).0);
    // The fitted image is in the data's (centred) layout: its k = 0 pixel, the largest, at
    // (P/2, P/2) like the measured one's.
    let (image, shape) = read_npy(&out.join("fitted_image.npy"));
    assert_eq!(shape, vec![32, 32]);
    let brightest = (0..image.len())
        .max_by(|&a, &b| image[a].total_cmp(&image[b]))
        .unwrap();
    assert_eq!(brightest, 16 * 32 + 16);
    assert!(out.join("momentum.png").exists() && out.join("positions.png").exists());
}

#[test]
fn an_interrupted_lattice_fit_resumes_to_the_uninterrupted_result() {
    let dir = example_copy("invert-lattice", "lattice-resume");
    // Random starts of a known atom count: several starts, long enough to be interrupted.
    let config = std::fs::read_to_string(dir.join("config.toml")).unwrap();
    let config = config
        .replace("start = \"start.npy\"", "count = 16\nseed = 3")
        .replace(
            "max_epochs = 200",
            "max_epochs = 400\nstarts = 3\naccept_cost = 0.0",
        );
    std::fs::write(dir.join("config.toml"), config).unwrap();
    resumes_bit_identically(&dir, "positions.npy");
    assert_eq!(summary(&dir.join("whole"))["starts_used"], 3);
}

#[test]
fn bad_lattice_input_is_one_line_and_leaves_the_output_alone() {
    let dir = example_copy("invert-lattice", "lattice-bad");
    write_npy(&dir.join("oblong.npy"), &vec![1.0; 32 * 16], &[32, 16]);
    let mut nan = read_npy(&dir.join("image.npy")).0;
    nan[40] = f64::NAN;
    write_npy(&dir.join("nan.npy"), &nan, &[32, 32]);
    write_npy(&dir.join("three.npy"), &[0.0; 9], &[3, 3]);
    let config = std::fs::read_to_string(dir.join("config.toml")).unwrap();
    let with_file = |f: &str| config.replace("\"image.npy\"", &format!("\"{f}\""));
    let cases = vec![
        (with_file("missing.npy"), "missing.npy"),
        (with_file("oblong.npy"), "square image"),
        (with_file("nan.npy"), "NaN"),
        (with_file("three.npy"), "at least 4"),
        (with_file("start.npy"), "square image"),
        (
            config.replace("[geometry]", "[geometry]\nunits = \"nm\""),
            "unknown field",
        ),
        (config.replace("sigma = 0.25", "sigma = 3.0"), "sigma"),
        (
            config.replace("start = \"start.npy\"", "start = \"image.npy\""),
            "atoms.start",
        ),
        (
            config.replace("layout = \"centred\"", "layout = \"shifted\""),
            "data.layout",
        ),
        (
            config.replace("dir = \"out-lattice\"", "dir = \"a_file\""),
            "is a file, not a folder",
        ),
    ];
    assert_bad_configs_fail(&dir, "out-lattice", &cases);
}
