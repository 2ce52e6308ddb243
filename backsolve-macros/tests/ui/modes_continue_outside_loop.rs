use backsolve_macros::differentiable;

// `continue` outside a loop. The same error in reverse, forward and nested mode.

#[differentiable]
fn f_reverse(x: f64) -> f64 {
    let mut y = x * x;
    if x > 1.0 {
        y *= x;
        continue;
    }
    y
}

#[differentiable(forward)]
fn f_forward(x: f64) -> f64 {
    let mut y = x * x;
    if x > 1.0 {
        y *= x;
        continue;
    }
    y
}

#[differentiable(nested)]
fn f_nested(x: f64) -> f64 {
    let mut y = x * x;
    if x > 1.0 {
        y *= x;
        continue;
    }
    y
}

fn main() {}
