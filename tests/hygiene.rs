//! Hygiene of the generated code: no name a user can write collides with a name the macro
//! generates. `build.rs` writes the test corpus (`tests/corpus.rs`) and the property programs
//! twice, as written and with every local variable and parameter renamed to a name of the
//! shape the macro generates (`t3`, `d_x`, `__tape1`, `t4b`, `x_1`, `d_ret`, ...); the gradients
//! of both must agree bit for bit. `target/*/build/backsolve-*/out/hygiene_programs.rs` holds
//! the renamed programs.

#![allow(clippy::all)]

use backsolve::prelude::*;
use backsolve::GradReport;

include!(concat!(env!("OUT_DIR"), "/hygiene_programs.rs"));

fn assert_bit_identical(written: Vec<(&str, GradReport)>, renamed: Vec<(&str, GradReport)>) {
    assert_eq!(written.len(), renamed.len());
    assert!(!written.is_empty(), "no gradient checks were compared");
    for ((name, a), (_, b)) in written.iter().zip(&renamed) {
        assert_eq!(
            a.entries.len(),
            b.entries.len(),
            "{name}: argument sizes differ"
        );
        for (x, y) in a.entries.iter().zip(&b.entries) {
            assert_eq!(
                (x.adjoint.to_bits(), x.finite_difference.to_bits()),
                (y.adjoint.to_bits(), y.finite_difference.to_bits()),
                "{name}: component {} of `{}` differs after renaming: adjoint {} vs {}",
                x.index,
                x.param,
                x.adjoint,
                y.adjoint
            );
        }
        assert_eq!(
            (a.directional.0.to_bits(), a.directional.1.to_bits()),
            (b.directional.0.to_bits(), b.directional.1.to_bits()),
            "{name}: the directional derivative differs after renaming"
        );
        // The renamed gradient is also right, not only equal.
        b.assert_close(1e-6);
    }
}

#[test]
fn corpus_gradients_are_bit_identical_under_generated_looking_names() {
    assert_bit_identical(corpus_as_written::checks(), corpus_renamed::checks());
}

#[test]
fn property_program_gradients_are_bit_identical_under_generated_looking_names() {
    assert_bit_identical(programs_as_written::checks(), programs_renamed::checks());
}

#[test]
fn the_renaming_uses_every_family_of_generated_names() {
    // Temporaries and their adjoints, user-variable adjoints, tapes, records, flags, the
    // output cotangent and the shadowing renamer's own pattern.
    let has = |pred: &dyn Fn(&str) -> bool| RENAMED_TO.iter().any(|n| pred(n));
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    assert!(has(&|n| n.strip_prefix('t').is_some_and(digits)), "t3");
    assert!(has(&|n| n.starts_with('t') && n.ends_with('b')), "t4b");
    assert!(has(&|n| n.strip_prefix("d_t").is_some_and(digits)), "d_t3");
    assert!(has(&|n| n.starts_with("__tape")), "__tape1");
    assert!(has(&|n| n.strip_prefix("__t").is_some_and(digits)), "__t3");
    assert!(
        has(&|n| n.starts_with("__brk") || n.starts_with("__cont")),
        "flags"
    );
    assert!(has(&|n| n == "d_ret" || n == "ret"), "d_ret");
    assert!(has(&|n| n.ends_with("_1") || n.ends_with("_2")), "x_1");
    assert!(
        RENAMED_TO.iter().filter(|n| n.starts_with("d_")).count() >= 5,
        "variables named like the adjoints of others"
    );
}

// The cases of the report, spelled out.

#[differentiable]
fn reassigned_t2(x: f64) -> f64 {
    let mut t2 = 1.0;
    t2 = t2 * x;
    t2
}

#[differentiable(check)]
fn reassigned_t2_in_a_loop(x: f64) -> f64 {
    let mut t2 = 1.0;
    for _ in 0..3 {
        t2 = t2 * x + (t2 * 0.5).sin();
    }
    t2
}

#[differentiable(check)]
fn names_of_adjoints_and_tapes(x: f64, d_x: f64) -> f64 {
    let t1 = x * d_x;
    let d_t1 = t1.sin() * x;
    let mut __tape1 = d_t1 * t1;
    for k in 0..2 {
        __tape1 = __tape1 * (0.3 + k as f64 * 0.1) + x;
    }
    let t4b = __tape1.tanh() * d_x;
    let ret = t4b + x;
    let d_ret = ret * ret;
    d_ret
}

#[test]
fn let_mut_t2_reassigned_is_correct() {
    let mut dx = 0.0;
    let v = reassigned_t2_pullback(1.7, 1.0, &mut dx);
    assert_eq!((v, dx), (reassigned_t2(1.7), 1.0));
    reassigned_t2_in_a_loop_gradcheck(0.8).assert_close(1e-8);
}

#[test]
fn parameters_named_like_adjoints_are_correct() {
    let r = names_of_adjoints_and_tapes_gradcheck(0.7, -0.4);
    r.assert_close(1e-8);
    // The report names the parameters as the user wrote them.
    assert!(r.entries.iter().any(|e| e.param == "d_x"));
}
