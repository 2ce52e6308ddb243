//! `backsolve invert` with `[model] kind = "qtbm"`: the example config end to end, an
//! interrupted fit resumed to the uninterrupted result bit for bit, and bad input in one line.

mod common;

use common::{assert_fails_in_one_line, read_npy, run, scratch, summary};
use std::path::Path;

/// The barriers the example's data were made with: height (eV), width (nm), centre (nm).
const TRUTH: [f64; 6] = [0.32, 2.2, 26.4, 0.28, 1.8, 33.6];

/// The example folder copied into a scratch folder.
fn example(name: &str) -> std::path::PathBuf {
    let dir = scratch(name);
    for file in ["config.toml", "iv.csv"] {
        let from = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples/invert-qtbm")
            .join(file);
        std::fs::copy(from, dir.join(file)).unwrap();
    }
    dir
}

#[test]
fn the_example_recovers_the_barriers_from_the_measured_curve() {
    let dir = example("qtbm-example");
    let (code, stdout, stderr) = run(&dir, &["invert", "config.toml"]);
    assert_eq!(code, 0, "stderr: {stderr}");
    assert!(stdout.contains("final cost"), "{stdout}");
    let out = dir.join("out-qtbm");
    // The data carry 0.5 % noise with its sigma: a right fit has chi²/N near 1.
    let cost = summary(&out)["final_cost"].as_f64().unwrap();
    assert!(cost < 1.5, "chi²/N = {cost}");
    let (barriers, shape) = read_npy(&out.join("barriers.npy"));
    assert_eq!(shape, vec![2, 3]);
    // The centres are pinned by the resonances; height and width trade against each other
    // at this noise (a higher, thinner barrier tunnels alike), so only the centres are
    // compared with the truth.
    for b in 0..2 {
        let centre = barriers[3 * b + 2];
        assert!(
            (centre - TRUTH[3 * b + 2]).abs() < 0.1,
            "{barriers:?} vs {TRUTH:?}"
        );
    }
    let start = read_npy(&out.join("barriers_initial.npy")).0;
    assert_ne!(start, barriers, "the fit moved");
    assert_eq!(read_npy(&out.join("iv.npy")).1, vec![13, 4]);
    assert!(out.join("iv.png").exists() && out.join("cost.png").exists());
}

#[test]
fn an_interrupted_qtbm_fit_resumes_to_the_uninterrupted_result() {
    let dir = example("qtbm-resume");
    let (code, _, stderr) = run(&dir, &["invert", "config.toml", "--out", "whole"]);
    assert_eq!(code, 0, "{stderr}");
    let args = ["invert", "config.toml", "--out", "parts"];
    let (code, _) = common::interrupt_after_first_checkpoint(&dir, &args, "parts");
    assert_ne!(code, 0, "an interrupt says so");
    assert_eq!(summary(&dir.join("parts"))["interrupted"], true);
    let (code, _, stderr) = run(
        &dir,
        &["invert", "./config.toml", "--out", "parts", "--resume"],
    );
    assert_eq!(
        code, 0,
        "the same problem by another path resumes: {stderr}"
    );
    let (a, b) = (summary(&dir.join("whole")), summary(&dir.join("parts")));
    assert_eq!(a["epochs"], b["epochs"]);
    assert_eq!(a["final_cost"], b["final_cost"]);
    assert_eq!(
        read_npy(&dir.join("whole/barriers.npy")).0,
        read_npy(&dir.join("parts/barriers.npy")).0,
        "bit-identical parameters"
    );
}

#[test]
fn bad_qtbm_input_is_one_line_and_leaves_the_output_alone() {
    let dir = example("qtbm-bad");
    std::fs::create_dir_all(dir.join("out-qtbm")).unwrap();
    std::fs::write(dir.join("out-qtbm/summary.json"), "previous result").unwrap();
    std::fs::write(dir.join("one_column.csv"), "0.1\n0.2\n0.3\n").unwrap();
    std::fs::write(dir.join("nan.csv"), "0.0, 1.0\n0.1, NaN\n0.2, 3.0\n").unwrap();
    std::fs::write(dir.join("a_file"), "not a folder").unwrap();
    let config = std::fs::read_to_string(dir.join("config.toml")).unwrap();
    let cases: Vec<(String, &str)> = vec![
        (
            config.replace("\"iv.csv\"", "\"missing.csv\""),
            "missing.csv",
        ),
        (
            config.replace("\"iv.csv\"", "\"one_column.csv\""),
            "2 or 3 columns",
        ),
        (config.replace("\"iv.csv\"", "\"nan.csv\""), "NaN"),
        (
            config.replace("[data]", "[data]\nunits = \"mA\""),
            "unknown field",
        ),
        (
            config.replace("dir = \"out-qtbm\"", "dir = \"a_file\""),
            "is a file, not a folder",
        ),
        (
            config.replace("kind = \"qtbm\"", "kind = \"nmr\""),
            "model.kind",
        ),
        (
            config.replace("2.1, 26.3", "-2.1, 26.3"),
            "barriers.start[0]",
        ),
    ];
    for (i, (text, expect)) in cases.iter().enumerate() {
        let name = format!("bad{i}.toml");
        std::fs::write(dir.join(&name), text).unwrap();
        assert_fails_in_one_line(&dir, &["invert", &name], expect);
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("out-qtbm/summary.json")).unwrap(),
        "previous result"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("a_file")).unwrap(),
        "not a folder"
    );
}
