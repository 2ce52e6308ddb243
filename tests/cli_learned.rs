//! The learned spectral solvers on the command line: `spectral operator`, `train`, the model
//! file's exact round trip, `spectral infer` by model and by classical solver, `--resume`,
//! and the one-line refusals.

mod common;

use backsolve::models::spectral::data::{gaussian_mixture, sample};
use backsolve::models::spectral::learned::SavedModel;
use backsolve::models::spectral::Operator;
use backsolve::SplitMix64;
use common::{assert_fails_in_one_line, read_npy, run, scratch, write_npy};
use std::path::Path;

/// Five noisy spectra on the standard grid, one per row.
fn five_spectra(dir: &Path) -> Vec<Vec<f64>> {
    let op = Operator::standard();
    let mut rng = SplitMix64(9);
    let rows: Vec<Vec<f64>> = (0..5)
        .map(|k| {
            let x = gaussian_mixture(&op.big_omega, &[(0.5, 60.0 + 40.0 * k as f64, 20.0)]);
            sample(&op, x, 1e-3, &mut rng).y
        })
        .collect();
    write_npy(&dir.join("y.npy"), &rows.concat(), &[5, 100]);
    rows
}

fn load(path: &Path) -> SavedModel {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// No file but `keep` in `dir` (no temporary left behind either).
fn only_files(dir: &Path, keep: &[&str]) {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut want: Vec<String> = keep.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(names, want);
}

#[test]
fn operator_writes_the_grids_and_the_matrix() {
    let dir = scratch("spectral-operator");
    let (code, stdout, stderr) = run(&dir, &["spectral", "operator", "--out", "op"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("A (100 x 100)"), "{stdout}");
    let (omega, s) = read_npy(&dir.join("op/omega.npy"));
    assert_eq!((s, omega[0], omega[99]), (vec![100], 4.0, 400.0));
    let (big, s) = read_npy(&dir.join("op/big_omega.npy"));
    assert_eq!((s, big[0], big[99]), (vec![100], 4.0, 400.0));
    let (a, s) = read_npy(&dir.join("op/A.npy"));
    assert_eq!(s, vec![100, 100]);
    let op = Operator::standard();
    let x = gaussian_mixture(&op.big_omega, &[(0.7, 120.0, 30.0)]);
    let from_file: Vec<f64> = (0..100)
        .map(|i| (0..100).map(|j| a[i * 100 + j] * x[j]).sum())
        .collect();
    assert_eq!(from_file, op.apply(&x), "A.npy is the operator, row-major");
}

#[test]
fn a_trained_model_round_trips_and_infers_every_row() {
    let dir = scratch("train-infer");
    let (code, stdout, stderr) = run(
        &dir,
        &[
            "train", "fcn", "--n", "40", "--epochs", "3", "--seed", "2", "--out", "fcn.json",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("test MSE"), "{stdout}");
    assert!(
        !dir.join("fcn.json.checkpoint").exists(),
        "the checkpoint goes when the run ends"
    );
    let saved = load(&dir.join("fcn.json"));
    let record = saved.training.as_ref().unwrap();
    assert_eq!((record.dataset_size, record.epochs), (40, 3));
    // Exact round trip: every parameter, grid point and setting survives JSON unchanged.
    let again: SavedModel = serde_json::from_str(&serde_json::to_string(&saved).unwrap()).unwrap();
    assert_eq!(again, saved);

    let rows = five_spectra(&dir);
    let (code, _, stderr) = run(
        &dir,
        &[
            "spectral", "infer", "--model", "fcn.json", "--input", "y.npy", "--out", "x.npy",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let (x, shape) = read_npy(&dir.join("x.npy"));
    assert_eq!(shape, vec![5, 100]);
    let inference = saved.inference().unwrap();
    for (k, y) in rows.iter().enumerate() {
        assert_eq!(
            &x[k * 100..(k + 1) * 100],
            inference.infer(y).unwrap().as_slice(),
            "row {k} is the loaded model's estimate"
        );
    }
}

#[test]
fn classical_solvers_infer_by_name() {
    let dir = scratch("infer-solver");
    let rows = five_spectra(&dir);
    write_npy(&dir.join("one.npy"), &rows[2], &[100]);
    let (code, _, stderr) = run(
        &dir,
        &[
            "spectral",
            "infer",
            "--solver",
            "tikhonov-gcv",
            "--input",
            "y.npy",
            "--out",
            "g.npy",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let (g, shape) = read_npy(&dir.join("g.npy"));
    assert_eq!(shape, vec![5, 100]);
    let solvers = backsolve::models::spectral::compare::Solvers::new(Operator::standard()).unwrap();
    let tikhonov = backsolve::models::spectral::compare::Solver::TikhonovGcv;
    assert_eq!(
        &g[300..400],
        solvers.solve(tikhonov, &rows[3], 0.0).unwrap().as_slice()
    );
    let args = [
        "spectral",
        "infer",
        "--solver",
        "landweber",
        "--sigma",
        "1e-3",
        "--input",
        "one.npy",
        "--out",
        "l.npy",
    ];
    let (code, _, stderr) = run(&dir, &args);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        read_npy(&dir.join("l.npy")).1,
        vec![100],
        "a 1-D spectrum gives a 1-D estimate"
    );
}

#[test]
fn infer_refuses_bad_input_in_one_line_and_writes_nothing() {
    let dir = scratch("infer-bad");
    let op = Operator::standard();
    write_npy(&dir.join("short.npy"), &vec![1.0; 160], &[2, 80]);
    let mut nan = op.apply(&vec![0.1; 100]);
    nan[17] = f64::NAN;
    write_npy(
        &dir.join("nan.npy"),
        &[vec![1.0; 100], nan].concat(),
        &[2, 100],
    );
    std::fs::write(dir.join("bad.json"), "{\"format\": 3}").unwrap();
    let infer = |model: &str, input: &str| {
        vec![
            "spectral".to_string(),
            "infer".into(),
            "--solver".into(),
            model.into(),
            "--input".into(),
            input.into(),
            "--out".into(),
            "x.npy".into(),
        ]
    };
    let by_model = |model: &str, input: &str| {
        let mut a = infer("", input);
        a[2] = "--model".into();
        a[3] = model.into();
        a
    };
    for (args, expect) in [
        (
            infer("tikhonov-gcv", "short.npy"),
            "each spectrum has 80 values; the operator's omega grid has 100",
        ),
        (infer("tikhonov-gcv", "nan.npy"), "row 1, column 17 is NaN"),
        (infer("tikhonov-gcv", "missing.npy"), "missing.npy"),
        (infer("maxent", "nan.npy"), "--solver maxent needs --sigma"),
        (by_model("missing.json", "nan.npy"), "missing.json"),
        (
            by_model("bad.json", "nan.npy"),
            "bad.json: not a backsolve file",
        ),
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_fails_in_one_line(&dir, &args, expect);
        assert!(!dir.join("x.npy").exists(), "{args:?} wrote its output");
    }
    only_files(&dir, &["bad.json", "nan.npy", "short.npy"]);
}

#[test]
fn train_refuses_bad_options_in_one_line() {
    let dir = scratch("train-bad");
    for (args, expect) in [
        (
            vec!["train", "rrim", "--n", "5", "--out", "m.json"],
            "--n must be at least 10",
        ),
        (
            vec!["train", "cnn", "--noise", "1.5", "--out", "m.json"],
            "--noise must be in [0, 1)",
        ),
        (
            vec!["train", "fcn", "--learning-rate", "0", "--out", "m.json"],
            "--learning-rate must be positive",
        ),
        (
            vec!["train", "fcn", "--out", "nowhere/m.json"],
            "does not exist",
        ),
        (
            vec!["train", "fcn", "--resume", "--out", "m.json"],
            "--resume: no checkpoint",
        ),
    ] {
        assert_fails_in_one_line(&dir, &args, expect);
    }
    only_files(&dir, &[]);
}

#[test]
fn an_interrupted_training_resumes_to_the_uninterrupted_model() {
    let dir = scratch("train-resume");
    let args = |out: &'static str| {
        vec![
            "train", "rrim", "--n", "40", "--epochs", "12", "--seed", "3", "--out", out,
        ]
    };
    let (code, _, stderr) = run(&dir, &args("whole.json"));
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr) =
        common::interrupt_once_written(&dir, &args("part.json"), "part.json.checkpoint");
    assert_ne!(code, 0, "an interrupted run says so");
    assert!(stderr.contains("--resume"), "{stderr}");
    assert!(
        !dir.join("part.json").exists(),
        "no model before the run ends"
    );
    let mut other = args("part.json");
    other[3] = "41";
    other.push("--resume");
    assert_fails_in_one_line(&dir, &other, "belongs to another run");
    let mut resumed = args("part.json");
    resumed.push("--resume");
    let (code, _, stderr) = run(&dir, &resumed);
    assert_eq!(code, 0, "{stderr}");
    let (a, b) = (load(&dir.join("whole.json")), load(&dir.join("part.json")));
    assert_eq!(a.model, b.model, "bit-identical parameters");
    let (ra, rb) = (a.training.unwrap(), b.training.unwrap());
    assert_eq!((ra.epochs, ra.test_mse), (rb.epochs, rb.test_mse));
    std::fs::write(dir.join("part.json.checkpoint"), "{}").unwrap();
    assert_fails_in_one_line(&dir, &resumed, "part.json.checkpoint: not a backsolve file");
}

#[test]
fn study_rrim_writes_its_sweeps_with_mean_and_spread() {
    let dir = scratch("study-rrim");
    let args = [
        "study",
        "rrim",
        "--runs",
        "2",
        "--sizes",
        "30,40",
        "--noise-levels",
        "1e-3,1e-1",
        "--noise-size",
        "30",
        "--epochs",
        "2",
        "--out",
        "s",
    ];
    let (code, stdout, stderr) = run(&dir, &args);
    assert_eq!(code, 0, "{stderr}");
    let out = dir.join("s");
    let table = std::fs::read_to_string(out.join("rrim.md")).unwrap();
    assert!(stdout.contains(&table));
    let s = common::summary(&out);
    let rows = |key: &str| s[key].as_array().unwrap().clone();
    let methods = |key: &str| -> Vec<String> {
        rows(key)
            .iter()
            .map(|r| r["method"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(methods("by_size"), ["rRIM", "FCN", "CNN"]);
    assert_eq!(
        methods("by_noise"),
        ["rRIM", "FCN", "CNN", "Tikhonov GCV", "Landweber", "MaxEnt"]
    );
    assert_eq!(methods("ood").len(), 6);
    for row in rows("by_size").iter().chain(&rows("by_noise")[..3]) {
        let cells = row["cells"].as_array().unwrap();
        assert_eq!(cells.len(), 2);
        for c in cells {
            let values: Vec<f64> = c["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            assert_eq!(values.len(), 2, "two runs per cell");
            let mean = (values[0] + values[1]) / 2.0;
            assert!((c["mean"].as_f64().unwrap() - mean).abs() <= 1e-15 * mean);
            let std = (values[0] - values[1]).abs() / 2f64.sqrt();
            assert!((c["std"].as_f64().unwrap() - std).abs() <= 1e-12 * mean.max(std));
            assert!(values[0] != values[1], "runs differ in their seeds: {row}");
        }
    }
    assert_eq!(s["ood_shapes"].as_array().unwrap().len(), 5);
    for png in ["mse_vs_size", "mse_vs_noise"] {
        assert_eq!(
            common::png_size(&out.join(format!("{png}.png"))),
            (720, 450)
        );
    }
    assert_fails_in_one_line(
        &dir,
        &["study", "noise", "--runs", "3"],
        "apply to study rrim only",
    );
}

#[test]
fn demo_rrim_writes_its_tables_figures_and_runnable_models() {
    let dir = scratch("demo-rrim");
    let (code, stdout, stderr) = run(
        &dir,
        &[
            "demo", "rrim", "--n", "30", "--epochs", "2", "--noise", "1e-3", "--out", "d",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let out = dir.join("d");
    let table = std::fs::read_to_string(out.join("table.md")).unwrap();
    assert!(stdout.contains(&table));
    let s = common::summary(&out);
    let methods: Vec<&str> = s["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        methods,
        [
            "rRIM",
            "FCN",
            "CNN",
            "Tikhonov GCV",
            "Tikhonov discrepancy",
            "Landweber",
            "MaxEnt"
        ]
    );
    assert_eq!(s["test_samples"].as_u64(), Some(3));
    for (k, kind) in ["rrim", "fcn", "cnn"].iter().enumerate() {
        let saved = load(&out.join(format!("{kind}.json")));
        let record = saved.training.as_ref().unwrap();
        assert_eq!(
            s["test_mse"][k].as_f64().unwrap(),
            record.test_mse,
            "{kind}: the table's test MSE is the model file's"
        );
    }
    assert_eq!(s["ood_mse"].as_array().unwrap().len(), 7);
    for png in [
        "rrim_steps",
        "rrim_steps_refit",
        "test_0",
        "test_2",
        "ood_broad_gaussian",
        "ood_triangle",
        "validation_loss",
    ] {
        assert_eq!(
            common::png_size(&out.join(format!("{png}.png"))),
            (720, 450),
            "{png}"
        );
    }
    // Fig. 2c's array: Ω, the truth and the estimates at t = 1, 2, 3 and 15.
    assert_eq!(read_npy(&out.join("rrim_steps.npy")).1, vec![100, 6]);
    assert_fails_in_one_line(
        &dir,
        &["demo", "rrim", "--n", "5"],
        "--n must be at least 30",
    );
}
