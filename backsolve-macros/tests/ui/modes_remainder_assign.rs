use backsolve_macros::differentiable;

// Only `+= -= *= /=` have rules. The same error in reverse, forward and nested mode.

#[differentiable]
fn f_reverse(x: f64) -> f64 {
    let mut y = x;
    y %= 2.0;
    y
}

#[differentiable(forward)]
fn f_forward(x: f64) -> f64 {
    let mut y = x;
    y %= 2.0;
    y
}

#[differentiable(nested)]
fn f_nested(x: f64) -> f64 {
    let mut y = x;
    y %= 2.0;
    y
}

fn main() {}
