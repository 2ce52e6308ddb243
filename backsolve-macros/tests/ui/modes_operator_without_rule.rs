use backsolve_macros::differentiable;

// An operator without a rule (`%`). The same error in reverse, forward and nested mode.

#[differentiable]
fn f_reverse(x: f64, y: f64) -> f64 {
    let r = x % y;
    r * 2.0
}

#[differentiable(forward)]
fn f_forward(x: f64, y: f64) -> f64 {
    let r = x % y;
    r * 2.0
}

#[differentiable(nested)]
fn f_nested(x: f64, y: f64) -> f64 {
    let r = x % y;
    r * 2.0
}

fn main() {}
