//! The `backsolve simulate` command: outputs on good input; one error line, a non-zero exit
//! and nothing written on bad input.

use backsolve::models::transport::{conductance_point, Lattice, Model, WireLead};
mod common;

use common::{
    assert_fails_in_one_line, potential, read_npy, run, scratch, write_npy, SMALL_MAP as GOOD,
};

#[test]
fn simulate_writes_the_map_and_a_heat_map() {
    let dir = scratch("good");
    let v = potential(5, 3);
    write_npy(&dir.join("v.npy"), &v, &[5, 3]);
    std::fs::write(dir.join("run.toml"), GOOD).unwrap();
    let (code, stdout, stderr) = run(&dir, &["simulate", "run.toml"]);
    assert_eq!(code, 0, "stderr: {stderr}");
    assert!(stdout.contains("3 x 4 points"), "summary: {stdout}");
    let (g, shape) = read_npy(&dir.join("out/G.npy"));
    assert_eq!(shape, vec![3, 4]);
    let model = Model::Wires(WireLead::Wavenumber(1.1));
    for (i, phi) in [0.0, 0.05, 0.1].iter().enumerate() {
        for (j, e) in [-0.5, -0.5 + 1.0 / 3.0, -0.5 + 2.0 / 3.0, 0.5]
            .iter()
            .enumerate()
        {
            let want =
                conductance_point(&model, Lattice { lx: 5, ly: 3 }, 2, &v, None, *phi, *e).unwrap();
            assert!((g[i * 4 + j] - want).abs() < 1e-12);
        }
    }
    let png = std::fs::read(dir.join("out/G.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(png.len() > 200, "a real image");
}

#[test]
fn square_leads_and_spinful_configs_run() {
    let dir = scratch("models");
    write_npy(&dir.join("v.npy"), &potential(4, 3), &[4, 3]);
    let m: Vec<f64> = (0..12)
        .flat_map(|i| [(i as f64).sin(), (i as f64).cos(), 0.3])
        .collect();
    write_npy(&dir.join("m.npy"), &m, &[4, 3, 3]);
    let square = GOOD.replace("lx = 5", "lx = 4").replace("k = 1.1", "");
    let square = square.replace("kind = \"wires\"", "kind = \"square\"");
    std::fs::write(dir.join("square.toml"), square).unwrap();
    let (code, _, stderr) = run(&dir, &["simulate", "square.toml", "--out", "sq"]);
    assert_eq!(code, 0, "stderr: {stderr}");
    assert!(dir.join("sq/G.npy").exists());
    let spin = GOOD
        .replace("lx = 5", "lx = 4")
        .replace("k = 1.1", "k_up = 0.8\nk_down = 1.9")
        .replace(
            "[leads]",
            "[magnetization]\nfile = \"m.npy\"\nexchange = 0.7\n\n[leads]",
        );
    std::fs::write(dir.join("spin.toml"), spin).unwrap();
    let (code, _, stderr) = run(&dir, &["simulate", "spin.toml", "--out", "sp"]);
    assert_eq!(code, 0, "stderr: {stderr}");
    assert_eq!(read_npy(&dir.join("sp/G.npy")).1, vec![3, 4]);
}

/// Every bad input: exit code non-zero, one line on stderr naming the problem, the previous
/// outputs untouched.
#[test]
fn bad_input_is_one_line_and_writes_nothing() {
    let dir = scratch("bad");
    write_npy(&dir.join("v.npy"), &potential(5, 3), &[5, 3]);
    write_npy(&dir.join("v_wrong.npy"), &potential(3, 5), &[3, 5]);
    let mut nan = potential(5, 3);
    nan[4] = f64::NAN;
    write_npy(&dir.join("v_nan.npy"), &nan, &[5, 3]);
    std::fs::create_dir_all(dir.join("out")).unwrap();
    std::fs::write(dir.join("out/G.npy"), "previous result").unwrap();
    let cases: Vec<(String, &str)> = vec![
        (GOOD.replace("v.npy", "v_wrong.npy"), "shape [3, 5]"),
        (GOOD.replace("v.npy", "v_nan.npy"), "NaN"),
        (GOOD.replace("v.npy", "missing.npy"), "missing.npy"),
        (GOOD.replace("lx = 5", "lx = -5"), "line 3"),
        (GOOD.replace("q = 2", "q = 0"), "solver.q"),
        (GOOD.replace("k = 1.1", "k = 4.0"), "leads.k"),
        (
            GOOD.replace("k = 1.1", "onsite = 0.0")
                .replace("[-0.5, 0.5, 4]", "[2.5, 3.0, 4]"),
            "closed at every energy",
        ),
        (
            GOOD.replace("kind = \"wires\"", "kind = \"hexagonal\""),
            "leads.kind",
        ),
        (
            GOOD.replace("[solver]", "[solver]\nspeed = 3"),
            "unknown field",
        ),
        (
            GOOD.replace("[-0.5, 0.5, 4]", "[-0.5, 0.5, 0]"),
            "grid.energy",
        ),
    ];
    for (i, (config, expect)) in cases.iter().enumerate() {
        let name = format!("bad{i}.toml");
        std::fs::write(dir.join(&name), config).unwrap();
        assert_fails_in_one_line(&dir, &["simulate", &name], expect);
    }
    let (code, _, stderr) = run(&dir, &["simulate", "nowhere.toml"]);
    assert_ne!(code, 0);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr:?}");
    let (code, _, stderr) = run(&dir, &["simulate", "bad0.toml", "--fast"]);
    assert_eq!(code, 2);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr:?}");
    assert_eq!(
        std::fs::read_to_string(dir.join("out/G.npy")).unwrap(),
        "previous result"
    );
    assert!(!dir.join("out/G.png").exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.join("out")).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary files left behind");
}
