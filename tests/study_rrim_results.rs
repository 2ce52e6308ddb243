//! The orderings of the learned spectral solvers, checked on the recorded output of
//! `backsolve study rrim` (`docs/study-rrim/summary.json`, written by that command with its
//! defaults; about 70 minutes on 2 cores, so it is recorded rather than rerun here). Rerun the
//! study and copy its `summary.json` there to check a new version.

use serde_json::Value;

fn summary() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/study-rrim/summary.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `rows[method]["cells"][k]["mean"]` by method name.
fn means(rows: &Value, method: &str) -> Vec<f64> {
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["method"] == method)
        .unwrap_or_else(|| panic!("no row {method}"));
    row["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["mean"].as_f64().unwrap())
        .collect()
}

fn index_of(values: &Value, want: f64) -> usize {
    values
        .as_array()
        .unwrap()
        .iter()
        .position(|v| v.as_f64().unwrap() == want)
        .unwrap_or_else(|| panic!("{want} not in {values}"))
}

#[test]
fn the_recorded_study_is_the_default_study() {
    let s = summary();
    assert_eq!(s["runs"], 2);
    assert_eq!(s["sizes"], serde_json::json!([100, 1000, 10000]));
    assert_eq!(s["noise_size"], 1000);
    assert_eq!(s["noise_levels"].as_array().unwrap().len(), 5);
}

#[test]
fn at_n_1000_and_every_noise_up_to_1e_2_rrim_beats_cnn_beats_fcn() {
    let s = summary();
    let rows = &s["by_noise"];
    let (rrim, fcn, cnn) = (means(rows, "rRIM"), means(rows, "FCN"), means(rows, "CNN"));
    let levels = s["noise_levels"].as_array().unwrap();
    let mut checked = 0;
    for (k, sigma) in levels.iter().enumerate() {
        if sigma.as_f64().unwrap() <= 1e-2 {
            assert!(
                rrim[k] < cnn[k] && cnn[k] < fcn[k],
                "σ = {sigma}: rRIM {} CNN {} FCN {}",
                rrim[k],
                cnn[k],
                fcn[k]
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 4, "σ = 1e-5, 1e-4, 1e-3, 1e-2");
}

#[test]
fn the_test_loss_falls_with_the_dataset_size_for_all_three() {
    let s = summary();
    for method in ["rRIM", "FCN", "CNN"] {
        let m = means(&s["by_size"], method);
        assert_eq!(m.len(), 3);
        assert!(m.windows(2).all(|w| w[1] < w[0]), "{method}: {m:?}");
    }
    // The paper's strongest claim, rRIM at N = 100 below FCN at N = 10000, is not asserted:
    // recorded, it misses by 4 % (see the README).
    let (small, large) = (index_of(&s["sizes"], 100.0), index_of(&s["sizes"], 10000.0));
    let rrim_small = means(&s["by_size"], "rRIM")[small];
    let fcn_large = means(&s["by_size"], "FCN")[large];
    assert!(rrim_small < 1.1 * fcn_large, "{rrim_small} vs {fcn_large}");
}
