//! Golden snapshots of generated code, reverse mode (`NAME.rs`) and forward mode
//! (`NAME_jvp.rs`): reviewers see in a diff what a change does to the expansion. `BLESS=1 cargo test -p backsolve-macros golden` rewrites the files.

use crate::ctx::Ctxt;
use crate::expand::{expand_fn, pretty, Options};
use std::path::PathBuf;

const CASES: &[(&str, &str)] = &[
    (
        "straight_line",
        "fn f(x: f64, y: f64) -> f64 { let a = x * y; a.sin() + y }",
    ),
    (
        "loop_over_slice",
        "fn energy(x: &[f64], k: f64) -> f64 {
            let mut e = 0.0;
            for i in 1..x.len() {
                let s = x[i] - x[i - 1];
                e += 0.5 * k * s * s;
            }
            e
        }",
    ),
    (
        "while_and_branch",
        "fn newton(a: f64) -> f64 {
            let mut x = a;
            while (x * x - a).abs() > 1e-12 {
                if x > 0.0 { x = 0.5 * (x + a / x); } else { x = -x; }
            }
            x
        }",
    ),
    (
        "complex_and_call",
        "fn t(v: &[f64], e: c64) -> f64 {
            let mut g = c64::new(1.0, 0.0);
            for &u in v.iter() {
                g = g * (e - u);
            }
            weight(g.norm_sqr())
        }",
    ),
];

fn golden_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.rs"))
}

/// The pretty-printed pullbacks of one source function.
pub fn expansion_of(src: &str) -> String {
    expansion_with(
        src,
        &Options {
            reverse: true,
            ..Options::default()
        },
    )
}

/// The pretty-printed jvp (and its caller entry) of one source function.
pub fn forward_expansion_of(src: &str) -> String {
    expansion_with(
        src,
        &Options {
            forward: true,
            ..Options::default()
        },
    )
}

fn expansion_with(src: &str, opts: &Options) -> String {
    let func: syn::ItemFn = syn::parse_str(src).expect("golden input parses");
    let cx = Ctxt::default();
    let out = expand_fn(&cx, opts, &func);
    if let Some(errs) = cx.into_compile_errors() {
        panic!("golden input does not expand: {errs}");
    }
    pretty(&out)
}

#[test]
fn golden_expansions() {
    let bless = std::env::var_os("BLESS").is_some();
    let mut stale = Vec::new();
    let both = CASES.iter().flat_map(|(name, src)| {
        [
            (name.to_string(), expansion_of(src)),
            (format!("{name}_jvp"), forward_expansion_of(src)),
        ]
    });
    for (name, got) in both {
        let path = golden_path(&name);
        if bless {
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        if want != got {
            stale.push(format!("{name}:\n{got}"));
        }
    }
    assert!(
        stale.is_empty(),
        "generated code changed (rerun with BLESS=1 if intended):\n{}",
        stale.join("\n")
    );
}
