//! The command line as a new user meets it: usage with no arguments, clap errors that name
//! what is missing, counts and sizes refused before any work, out-of-range values refused in
//! one line, output paths checked first, and a status line when stderr is not a terminal.

mod common;

use common::{assert_fails_in_one_line, run, scratch, write_npy, SMALL_MAP as MAP};

fn potential() -> Vec<f64> {
    common::potential(5, 3)
}
use std::process::Command;

#[test]
fn no_arguments_print_the_usage_and_the_commands() {
    let dir = scratch("usage");
    let (code, _, stderr) = run(&dir, &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("Usage: backsolve <COMMAND>"), "{stderr}");
    for command in ["simulate", "demo", "invert", "study"] {
        assert!(
            stderr.contains(&format!("  {command} ")),
            "{command}: {stderr}"
        );
    }
    let (code, _, stderr) = run(&dir, &["demo"]);
    assert_eq!(code, 2);
    for case in ["potential", "magnetization", "rtd", "spectral", "lattice"] {
        assert!(stderr.contains(case), "{case}: {stderr}");
    }
}

#[test]
fn clap_errors_name_the_argument_and_the_possible_values() {
    let dir = scratch("clap-errors");
    assert_fails_in_one_line(&dir, &["simulate"], "not provided: <CONFIG>");
    assert_fails_in_one_line(
        &dir,
        &["demo", "potential", "--method", "newton"],
        "[possible values: lbfgs, adam, halving, newton-cg, newton-tr]",
    );
    assert_fails_in_one_line(&dir, &["study", "everything"], "possible values: slices");
}

#[test]
fn zero_and_negative_counts_are_refused() {
    let dir = scratch("counts");
    for (args, expect) in [
        (
            vec!["demo", "potential", "--max-epochs", "0"],
            "--max-epochs must be at least 1",
        ),
        (
            vec!["demo", "potential", "--starts", "0"],
            "--starts must be at least 1",
        ),
        (
            vec!["demo", "magnetization", "--starts=-1"],
            "invalid value '-1'",
        ),
        (
            vec!["demo", "rtd", "--max-epochs", "0"],
            "--max-epochs must be at least 1",
        ),
        (
            vec!["demo", "spectral", "--size", "0"],
            "--size must be at least 10",
        ),
        (
            vec!["demo", "lattice", "--candidates", "0"],
            "--candidates must be at least 1",
        ),
        (
            vec!["demo", "lattice", "--max-epochs=-3"],
            "invalid value '-3'",
        ),
    ] {
        assert_fails_in_one_line(&dir, &args, expect);
    }
}

#[test]
fn sizes_past_the_limits_are_refused_before_any_work() {
    let dir = scratch("limits");
    for (args, expect) in [
        (
            vec!["demo", "potential", "--size", "1000x1000"],
            "the limit is 1600",
        ),
        (
            vec!["demo", "rtd", "--biases", "100000000"],
            "--biases is 100000000; the limit",
        ),
        (
            vec!["demo", "rtd", "--energies", "10000000"],
            "--energies is 10000000; the limit",
        ),
        (
            vec!["demo", "lattice", "--pixels", "100000"],
            "--pixels is 100000; the limit",
        ),
        (
            vec!["demo", "lattice", "--pixels", "20000"],
            "--pixels is 20000; the limit",
        ),
    ] {
        assert_fails_in_one_line(&dir, &args, expect);
    }
    write_npy(&dir.join("v.npy"), &potential(), &[5, 3]);
    // Both would run for hours: lx = 10^7 slices of width 20 on 31 x 21 points, and 10^7
    // energies on a 20 x 40 lattice.
    let long = MAP
        .replace("lx = 5", "lx = 10000000")
        .replace("ly = 3", "ly = 20")
        .replace("[0.0, 0.1, 3]", "[0.0, 0.1, 31]")
        .replace("[-0.5, 0.5, 4]", "[-0.5, 0.5, 21]");
    std::fs::write(dir.join("long.toml"), long).unwrap();
    assert_fails_in_one_line(&dir, &["simulate", "long.toml"], "past the limit");
    let many = MAP
        .replace("lx = 5", "lx = 20")
        .replace("ly = 3", "ly = 40")
        .replace("[-0.5, 0.5, 4]", "[-0.5, 0.5, 10000000]");
    std::fs::write(dir.join("many.toml"), many).unwrap();
    assert_fails_in_one_line(&dir, &["simulate", "many.toml"], "past the limit");
    // Past the memory limit, however small the lattice.
    let huge = MAP
        .replace("[0.0, 0.1, 3]", "[0.0, 0.1, 31]")
        .replace("[-0.5, 0.5, 4]", "[-0.5, 0.5, 10000000]");
    std::fs::write(dir.join("huge.toml"), huge).unwrap();
    assert_fails_in_one_line(
        &dir,
        &["simulate", "huge.toml"],
        "the limit is 100000000 (memory)",
    );
    assert!(!dir.join("out").exists(), "nothing written");
}

#[test]
fn values_that_would_overflow_the_simulator_are_one_line() {
    let dir = scratch("overflow");
    let mut v = potential();
    v[7] = 1e154;
    write_npy(&dir.join("v.npy"), &v, &[5, 3]);
    std::fs::write(dir.join("map.toml"), MAP).unwrap();
    assert_fails_in_one_line(&dir, &["simulate", "map.toml"], "potential.file: 1e154");
    assert!(!dir.join("out").exists(), "nothing written");
}

#[test]
fn an_output_path_that_is_a_file_is_refused_first() {
    let dir = scratch("out-is-file");
    write_npy(&dir.join("v.npy"), &potential(), &[5, 3]);
    std::fs::write(dir.join("map.toml"), MAP).unwrap();
    std::fs::write(dir.join("taken"), "a file").unwrap();
    let args = ["simulate", "map.toml", "--out", "taken"];
    assert_fails_in_one_line(&dir, &args, "is a file, not a folder");
    let args = ["demo", "spectral", "--out", "taken"];
    assert_fails_in_one_line(&dir, &args, "is a file, not a folder");
    assert_eq!(
        std::fs::read_to_string(dir.join("taken")).unwrap(),
        "a file"
    );
}

#[test]
fn piped_stderr_gets_status_lines() {
    let dir = scratch("status");
    write_npy(&dir.join("v.npy"), &potential(), &[5, 3]);
    std::fs::write(dir.join("map.toml"), MAP).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_backsolve"))
        .current_dir(&dir)
        .args(["simulate", "map.toml"])
        .env("BACKSOLVE_STATUS_SECONDS", "0")
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("conductance map at: "), "{stderr}");
    assert!(
        stderr.contains("conductance map done: 12/12 (phi, E) points"),
        "{stderr}"
    );
}
