//! Generates the randomized property-test programs of `tests/property.rs`.
//!
//! Each program is small random Rust (straight-line or looped, with branches on active values,
//! `while` loops, in-place element updates and elementary functions) marked
//! `#[differentiable(check)]`; the test checks every one against finite differences. The seed
//! is fixed so CI is reproducible; set `BACKSOLVE_PROPTEST_SEED` to explore others.

//!
//! It also writes the programs of `tests/hygiene.rs`: the test corpus and the property programs
//! twice, as written and with every local variable and parameter renamed to a name of the
//! shape the macro generates (`build/rename.rs`).

use std::collections::BTreeSet;
use std::fmt::Write as _;

#[path = "build/rename.rs"]
mod rename;
// The macro's own token renaming, so the two cannot drift apart.
#[path = "backsolve-macros/src/token_map.rs"]
mod token_map;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.unit() + 1.0) / 2.0 < p
    }
}

struct Gen<'r> {
    rng: &'r mut Rng,
    vars: Vec<String>,
    next: usize,
    in_loop: bool,
}

impl Gen<'_> {
    fn atom(&mut self) -> String {
        match self.rng.below(if self.in_loop { 5 } else { 4 }) {
            0 | 1 => self.vars[self.rng.below(self.vars.len())].clone(),
            2 => format!("{:.3}_f64", self.rng.unit()),
            3 => format!("v[{}]", self.rng.below(4)),
            _ => "v[i % v.len()] * (i as f64 + 1.0) * 0.3".into(),
        }
    }

    fn expr(&mut self, depth: usize) -> String {
        if depth == 0 || self.rng.chance(0.3) {
            return self.atom();
        }
        let a = self.expr(depth - 1);
        match self.rng.below(11) {
            0 => format!("({a} + {})", self.expr(depth - 1)),
            1 => format!("({a} - {})", self.expr(depth - 1)),
            2 => format!("({a} * {})", self.expr(depth - 1)),
            3 => {
                let b = self.expr(depth - 1);
                format!("({a} / (1.5 + {b} * {b}))")
            }
            4 => format!("({a}).sin()"),
            5 => format!("({a}).cos()"),
            6 => format!("({a}).tanh()"),
            7 => format!("(({a}).tanh()).exp()"),
            8 => format!("(1.0 + ({a}) * ({a})).sqrt()"),
            9 => format!("(({a}).tanh()).powi({})", 2 + self.rng.below(2)),
            _ => format!("(-({a}) + 0.5 * {})", self.expr(depth - 1)),
        }
    }

    fn fresh(&mut self) -> String {
        self.next += 1;
        format!("a{}", self.next)
    }

    fn stmt(&mut self, out: &mut String, indent: &str, loops_left: &mut usize) {
        let target = self.vars[self.rng.below(self.vars.len())].clone();
        match self.rng.below(if *loops_left > 0 { 9 } else { 7 }) {
            0 | 1 => {
                let e = self.expr(2);
                let name = self.fresh();
                // Loop bodies get their own locals; outer code only sees loop-carried ones.
                writeln!(out, "{indent}let mut {name} = {e};").unwrap();
                self.vars.push(name);
            }
            2 => {
                let e = self.expr(2);
                writeln!(out, "{indent}{target} = {e};").unwrap();
            }
            3 => {
                let e = self.expr(2);
                writeln!(out, "{indent}{target} += {e};").unwrap();
            }
            4 => {
                let e = self.expr(1);
                writeln!(out, "{indent}{target} *= 0.5 + 0.25 * ({e}).tanh();").unwrap();
            }
            5 => {
                let (c1, c2) = (self.atom(), self.atom());
                let (e1, e2) = (self.expr(2), self.expr(2));
                writeln!(
                    out,
                    "{indent}if {c1} > {c2} + 0.05 {{\n{indent}    {target} = {e1};\n{indent}}} else {{\n{indent}    {target} -= {e2};\n{indent}}}"
                )
                .unwrap();
            }
            6 => {
                let k = self.rng.below(4);
                let e = self.expr(2);
                writeln!(out, "{indent}w[{k}] = w[{k}] * 0.5 + {e};").unwrap();
                writeln!(out, "{indent}{target} += w[{}];", self.rng.below(4)).unwrap();
            }
            7 => {
                *loops_left -= 1;
                let n = 2 + self.rng.below(4);
                writeln!(out, "{indent}for i in 0..{n} {{").unwrap();
                let saved = (self.vars.len(), self.in_loop);
                self.in_loop = true;
                let inner = format!("{indent}    ");
                for _ in 0..2 + self.rng.below(3) {
                    self.stmt(out, &inner, loops_left);
                }
                self.vars.truncate(saved.0);
                self.in_loop = saved.1;
                writeln!(out, "{indent}}}").unwrap();
            }
            _ => {
                *loops_left -= 1;
                let e = self.expr(1);
                let k = self.fresh();
                writeln!(out, "{indent}let mut {k} = 0;").unwrap();
                writeln!(
                    out,
                    "{indent}while {k} < 6 && ({target}).abs() < 40.0 {{\n{indent}    {target} = {target} * 1.3 + ({e}).sin();\n{indent}    {k} += 1;\n{indent}}}"
                )
                .unwrap();
            }
        }
    }
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=BACKSOLVE_PROPTEST_SEED");
    let seed = std::env::var("BACKSOLVE_PROPTEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20261123u64);
    let mut rng = Rng(seed);
    let mut src = format!("// Generated by build.rs from seed {seed}.\n\n");
    let mut tests = String::new();
    let mut calls = Vec::new();
    for p in 0..60 {
        let looped = p % 2 == 1;
        let mut g = Gen {
            rng: &mut rng,
            vars: vec!["a0".into(), "b0".into(), "c0".into()],
            next: 0,
            in_loop: false,
        };
        let mut body = String::new();
        let mut loops_left = if looped { 2 } else { 0 };
        let n = 4 + g.rng.below(5);
        for _ in 0..n {
            g.stmt(&mut body, "    ", &mut loops_left);
        }
        let ret = format!(
            "{} + 0.5 * {} - 0.25 * {} + 0.01 * (x - y + v[3])",
            g.vars[0],
            g.vars[1],
            g.vars[g.vars.len() - 1]
        );
        writeln!(
            src,
            "#[differentiable(check)]\n#[allow(unused_mut, unused_variables, unused_assignments, unused_parens, dead_code)]\nfn prop_{p}(x: f64, y: f64, v: &[f64]) -> f64 {{\n    let mut a0 = x;\n    let mut b0 = y;\n    let mut c0 = v[0] * x;\n    let mut w = v.to_vec();\n{body}    {ret}\n}}\n"
        )
        .unwrap();
        let (x, y) = (g.rng.unit(), g.rng.unit());
        let v: Vec<String> = (0..4).map(|_| format!("{:.4}", g.rng.unit())).collect();
        let call = format!("prop_{p}_gradcheck({x:.4}, {y:.4}, &[{}])", v.join(", "));
        writeln!(
            tests,
            "#[test]\nfn prop_{p}_matches_finite_differences() {{\n    let r = {call};\n    r.assert_close(1e-6);\n}}\n",
        )
        .unwrap();
        calls.push((format!("prop_{p}"), call.parse().unwrap()));
    }
    let out_dir = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap());
    std::fs::write(out_dir.join("property_programs.rs"), src.clone() + &tests).unwrap();
    write_hygiene_programs(&out_dir, &src, calls, seed);
}

/// The corpus and the property programs as written and renamed, for `tests/hygiene.rs`.
fn write_hygiene_programs(
    out_dir: &std::path::Path,
    programs: &str,
    calls: Vec<(String, proc_macro2::TokenStream)>,
    seed: u64,
) {
    println!("cargo:rerun-if-changed=tests/corpus.rs");
    println!("cargo:rerun-if-changed=build/rename.rs");
    let corpus = std::fs::read_to_string("tests/corpus.rs").expect("tests/corpus.rs");
    let corpus = rename::parse_program(&corpus);
    let mut props = rename::parse_program(&format!("use backsolve::prelude::*;\n{programs}"));
    props.checks = calls;
    let allow = "#[allow(clippy::all, dead_code, unused_mut, unused_variables, unused_assignments, unused_parens, non_snake_case)]";
    let mut rng = Rng(seed ^ 0x0068_7967_6965_6e65);
    let mut used = BTreeSet::new();
    let mut out = format!("// Generated by build.rs from seed {seed}.\n\n");
    out += &rename::module("corpus_as_written", allow, &corpus, None, &mut used);
    out += &rename::module("corpus_renamed", allow, &corpus, Some(&mut rng), &mut used);
    out += &rename::module("programs_as_written", allow, &props, None, &mut used);
    out += &rename::module("programs_renamed", allow, &props, Some(&mut rng), &mut used);
    let names: Vec<String> = used.iter().map(|n| format!("{n:?}")).collect();
    writeln!(
        out,
        "\n/// Every name the renamed programs use.\npub const RENAMED_TO: &[&str] = &[{}];",
        names.join(", ")
    )
    .unwrap();
    std::fs::write(out_dir.join("hygiene_programs.rs"), out).unwrap();
}
