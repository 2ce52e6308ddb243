use backsolve_macros::differentiable;

// An immutable parameter is not assigned to. The same error in reverse, forward and nested mode.

#[differentiable]
fn f_reverse(v: &[f64], x: f64) -> f64 {
    x = x * 2.0;
    x
}

#[differentiable(forward)]
fn f_forward(v: &[f64], x: f64) -> f64 {
    x = x * 2.0;
    x
}

#[differentiable(nested)]
fn f_nested(v: &[f64], x: f64) -> f64 {
    x = x * 2.0;
    x
}

fn main() {}
