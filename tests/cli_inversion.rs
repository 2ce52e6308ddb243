//! `backsolve demo` and `backsolve invert`: a small reconstruction end to end with its outputs
//! looked at, an interrupted run resumed to the uninterrupted result, and every bad input as
//! one error line with nothing overwritten.

mod common;

use common::{assert_fails_in_one_line, png_size, read_npy, run, scratch, summary, write_npy};
use std::path::Path;

#[test]
fn demo_reconstructs_a_small_potential_and_writes_its_pictures() {
    let dir = scratch("demo");
    let (code, stdout, stderr) = run(&dir, &["demo", "potential", "--size", "4x3", "--out", "d"]);
    assert_eq!(code, 0, "stderr: {stderr}");
    assert!(stdout.contains("RMS error"), "{stdout}");
    let out = dir.join("d");
    let s = summary(&out);
    let rel = s["rms_error_over_scale"].as_f64().unwrap();
    assert!(rel < 1e-3, "RMS error {rel:e} W");
    assert_eq!(s["parameters"], 11, "every site but the notch");
    assert!(s["final_cost"].as_f64().unwrap() < 1e-10);
    for (name, shape) in [
        ("truth.npy", vec![4, 3]),
        ("initial.npy", vec![4, 3]),
        ("reconstructed.npy", vec![4, 3]),
        ("target.npy", vec![31, 21]),
        ("fitted.npy", vec![31, 21]),
    ] {
        assert_eq!(read_npy(&out.join(name)).1, shape, "{name}");
    }
    let truth = read_npy(&out.join("truth.npy")).0;
    let initial = read_npy(&out.join("initial.npy")).0;
    assert_eq!(truth[0], initial[0], "the notch is shared");
    assert!(
        truth.iter().zip(&initial).skip(1).all(|(a, b)| a != b),
        "the initial guess is not the truth"
    );
    // Three panels (truth, initial, reconstructed) of 3 x 4 cells plus a colour bar.
    let (w, h) = png_size(&out.join("landscape.png"));
    assert!(w > 3 * h && h >= 60, "landscape.png is {w}x{h}");
    let (w, h) = png_size(&out.join("maps.png"));
    assert!(w > 2 * 21 && h >= 31, "maps.png is {w}x{h}");
    assert_eq!(png_size(&out.join("cost.png")), (720, 450));
    assert!(
        !out.join("checkpoint.json").exists(),
        "a finished run leaves no checkpoint"
    );
}

#[test]
fn demo_magnetization_recovers_the_out_of_plane_texture() {
    let dir = scratch("demo-m");
    let (code, _, stderr) = run(
        &dir,
        &["demo", "magnetization", "--size", "3x3", "--out", "m"],
    );
    assert_eq!(code, 0, "stderr: {stderr}");
    let out = dir.join("m");
    assert!(summary(&out)["rms_error_over_scale"].as_f64().unwrap() < 1e-3);
    assert_eq!(read_npy(&out.join("reconstructed.npy")).1, vec![3, 3, 3]);
    assert!(out.join("landscape_mz.png").exists());
    assert!(
        !out.join("landscape_mx.png").exists(),
        "m_x is not a parameter"
    );
}

const INTERRUPTIBLE: [&str; 10] = [
    "demo",
    "potential",
    "--size",
    "5x4",
    "--method",
    "adam",
    "--max-epochs",
    "400",
    "--starts",
    "1",
];

/// Start the interruptible demo into `out`, wait for its first checkpoint, then SIGINT.
fn interrupt_after_first_checkpoint(dir: &Path, out: &str) -> (i32, String) {
    let mut args = INTERRUPTIBLE.to_vec();
    args.extend(["--out", out]);
    common::interrupt_after_first_checkpoint(dir, &args, out)
}

#[test]
fn an_interrupted_run_keeps_its_best_and_resumes_to_the_uninterrupted_result() {
    let dir = scratch("resume");
    let mut whole = INTERRUPTIBLE.to_vec();
    whole.extend(["--out", "whole"]);
    let (code, _, stderr) = run(&dir, &whole);
    assert_eq!(code, 0, "stderr: {stderr}");

    let (code, stderr) = interrupt_after_first_checkpoint(&dir, "parts");
    assert_ne!(code, 0, "an interrupted run says so in its exit code");
    assert!(stderr.contains("--resume"), "{stderr}");
    let parts = dir.join("parts");
    assert!(parts.join("checkpoint.json").exists());
    let partial = summary(&parts);
    assert_eq!(partial["interrupted"], true);
    assert!(
        partial["epochs"].as_u64().unwrap() < 400,
        "interrupted before the end: {partial}"
    );
    assert!(
        parts.join("reconstructed.npy").exists(),
        "the best so far is kept"
    );

    let mut resumed = INTERRUPTIBLE.to_vec();
    resumed.extend(["--out", "parts", "--resume"]);
    let (code, _, stderr) = run(&dir, &resumed);
    assert_eq!(code, 0, "stderr: {stderr}");
    let (a, b) = (summary(&dir.join("whole")), summary(&parts));
    assert_eq!(a["epochs"], b["epochs"]);
    assert_eq!(a["final_cost"], b["final_cost"]);
    assert_eq!(
        read_npy(&dir.join("whole/reconstructed.npy")).0,
        read_npy(&parts.join("reconstructed.npy")).0,
        "bit-identical parameters"
    );
    assert_eq!(
        read_npy(&dir.join("whole/cost.npy")).0,
        read_npy(&parts.join("cost.npy")).0
    );
}

#[test]
fn resume_refuses_a_checkpoint_of_another_problem_or_a_damaged_one() {
    let dir = scratch("resume-other");
    let (code, _) = interrupt_after_first_checkpoint(&dir, "parts");
    assert_ne!(code, 0);
    let checkpoint = dir.join("parts/checkpoint.json");
    let saved = std::fs::read_to_string(&checkpoint).unwrap();
    // The same output folder, another problem: more epochs, another seed, another size.
    for change in [["--max-epochs", "401"], ["--seed", "2"], ["--size", "4x4"]] {
        let mut args: Vec<&str> = INTERRUPTIBLE.to_vec();
        let at = args.iter().position(|a| *a == change[0]);
        match at {
            Some(i) => args[i + 1] = change[1],
            None => args.extend(change),
        }
        args.extend(["--out", "parts", "--resume"]);
        assert_fails_in_one_line(&dir, &args, "was written for another problem");
    }
    // A hand-edited checkpoint with a vector of the wrong length.
    let mut ck: serde_json::Value = serde_json::from_str(&saved).unwrap();
    ck["state"]["x"].as_array_mut().unwrap().pop();
    std::fs::write(&checkpoint, ck.to_string()).unwrap();
    let mut args = INTERRUPTIBLE.to_vec();
    args.extend(["--out", "parts", "--resume"]);
    assert_fails_in_one_line(&dir, &args, "is damaged: x has");
    let mut ck: serde_json::Value = serde_json::from_str(&saved).unwrap();
    ck["x0"].as_array_mut().unwrap().push(0.5.into());
    std::fs::write(&checkpoint, ck.to_string()).unwrap();
    assert_fails_in_one_line(&dir, &args, "is damaged");
}

const CONFIG: &str = r#"
[lattice]
lx = 3
ly = 2

[leads]
kind = "wires"
k = 1.5707963267948966

[grid]
phi = [0.0, 0.1, 5]
energy = [-3.0, 3.0, 7]

[target]
file = "G.npy"

[unknown]
kind = "potential"
fixed = [[0, 0]]

[potential]
file = "v0.npy"

[initial]
random = [-0.25, 0.25]

[optimizer]
max_epochs = 300
"#;

/// A map of a known 3 x 2 potential, computed by `simulate`.
fn measured_map(dir: &Path) -> Vec<f64> {
    let truth = [3.0, 0.1, -0.2, 0.15, 0.05, -0.1];
    write_npy(&dir.join("truth.npy"), &truth, &[3, 2]);
    let sim = CONFIG
        .split("[target]")
        .next()
        .unwrap()
        .replace("[leads]", "[potential]\nfile = \"truth.npy\"\n\n[leads]");
    std::fs::write(dir.join("sim.toml"), sim).unwrap();
    let (code, _, stderr) = run(dir, &["simulate", "sim.toml", "--out", "measured"]);
    assert_eq!(code, 0, "stderr: {stderr}");
    std::fs::copy(dir.join("measured/G.npy"), dir.join("G.npy")).unwrap();
    let mut v0 = vec![0.0; 6];
    v0[0] = 3.0;
    write_npy(&dir.join("v0.npy"), &v0, &[3, 2]);
    truth.to_vec()
}

#[test]
fn invert_recovers_a_potential_from_a_measured_map() {
    let dir = scratch("invert");
    let truth = measured_map(&dir);
    std::fs::write(dir.join("inv.toml"), CONFIG).unwrap();
    let (code, stdout, stderr) = run(&dir, &["invert", "inv.toml"]);
    assert_eq!(code, 0, "stderr: {stderr}");
    assert!(stdout.contains("final cost"), "{stdout}");
    let (v, shape) = read_npy(&dir.join("out/reconstructed.npy"));
    assert_eq!(shape, vec![3, 2]);
    for (got, want) in v.iter().zip(&truth) {
        assert!((got - want).abs() < 1e-4, "{v:?} vs {truth:?}");
    }
    assert!(dir.join("out/landscape.png").exists());
}

/// Every bad input of `invert` and `demo`: non-zero exit, one stderr line naming the
/// problem, and the previous outputs untouched.
#[test]
fn bad_inversion_input_is_one_line_and_writes_nothing() {
    let dir = scratch("invert-bad");
    measured_map(&dir);
    write_npy(&dir.join("G_wrong.npy"), &[1.0; 35], &[7, 5]);
    let mut nan = read_npy(&dir.join("G.npy")).0;
    nan[3] = f64::NAN;
    write_npy(&dir.join("G_nan.npy"), &nan, &[5, 7]);
    write_npy(&dir.join("sigma_zero.npy"), &[0.0; 35], &[5, 7]);
    std::fs::create_dir_all(dir.join("out")).unwrap();
    std::fs::write(dir.join("out/summary.json"), "previous result").unwrap();
    let target_sigma = "file = \"G.npy\"\nsigma = \"sigma_zero.npy\"";
    let cases: Vec<(String, &str)> = vec![
        (
            CONFIG.replace("\"G.npy\"", "\"missing.npy\""),
            "missing.npy",
        ),
        (
            CONFIG.replace("\"G.npy\"", "\"G_wrong.npy\""),
            "shape [7, 5]",
        ),
        (CONFIG.replace("\"G.npy\"", "\"G_nan.npy\""), "NaN"),
        (
            CONFIG.replace("file = \"G.npy\"", target_sigma),
            "target.sigma",
        ),
        (
            CONFIG.replace("max_epochs = 300", "max_epochs = 300\nturbo = true"),
            "unknown field",
        ),
        (
            CONFIG.replace("max_epochs = 300", "method = \"newton\""),
            "unknown variant",
        ),
        (CONFIG.replace("[[0, 0]]", "[[3, 0]]"), "unknown.fixed"),
        (
            CONFIG.replace("kind = \"potential\"", "kind = \"magnetization\""),
            "[magnetization]",
        ),
        (
            CONFIG.replace("kind = \"potential\"", "kind = \"charge\""),
            "unknown.kind",
        ),
        (
            CONFIG.replace("[-0.25, 0.25]", "[0.25, -0.25]"),
            "initial.random",
        ),
        (
            CONFIG.replace(
                "[optimizer]",
                "[regularization]\nkind = \"l7\"\nstrength = 1.0\n\n[optimizer]",
            ),
            "regularization.kind",
        ),
        (CONFIG.replace("lx = 3", "lx = 4"), "potential.file"),
    ];
    for (i, (config, expect)) in cases.iter().enumerate() {
        let name = format!("bad{i}.toml");
        std::fs::write(dir.join(&name), config).unwrap();
        assert_fails_in_one_line(&dir, &["invert", &name], expect);
    }
    let command_lines: [(&[&str], &str); 6] = [
        (&["invert", "nowhere.toml"], "nowhere.toml"),
        (&["invert", "bad0.toml", "--fast"], "--fast"),
        (&["invert", "inv.toml", "--resume"], "no checkpoint"),
        (&["demo", "potential", "--size", "ten"], "LXxLY"),
        (&["demo", "potential", "--noise=-1"], "--noise"),
        (&["demo", "spin-glass"], "spin-glass"),
    ];
    std::fs::write(dir.join("inv.toml"), CONFIG).unwrap();
    for (args, expect) in command_lines {
        assert_fails_in_one_line(&dir, args, expect);
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("out/summary.json")).unwrap(),
        "previous result"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.join("out")).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "nothing else written");
}
