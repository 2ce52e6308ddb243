use backsolve_macros::differentiable;

// An expression kind without a rule (a range of values). The same error in reverse, forward and nested mode.

#[differentiable]
fn f_reverse(x: f64) -> f64 {
    let r = x..x * 2.0;
    r.start
}

#[differentiable(forward)]
fn f_forward(x: f64) -> f64 {
    let r = x..x * 2.0;
    r.start
}

#[differentiable(nested)]
fn f_nested(x: f64) -> f64 {
    let r = x..x * 2.0;
    r.start
}

fn main() {}
