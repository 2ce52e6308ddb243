use backsolve_macros::differentiable;

// `wrt(..)` names a parameter that does not exist. The same error in reverse, forward and nested mode.

#[differentiable(wrt(x, z))]
fn f_reverse(x: f64, y: f64) -> f64 {
    x * y
}

#[differentiable(forward, wrt(x, z))]
fn f_forward(x: f64, y: f64) -> f64 {
    x * y
}

#[differentiable(nested, wrt(x, z))]
fn f_nested(x: f64, y: f64) -> f64 {
    x * y
}

fn main() {}
