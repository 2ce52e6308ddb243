use backsolve_macros::differentiable;

// `&mut` parameters are not differentiated. The same error in reverse, forward and nested mode.

#[differentiable]
fn f_reverse(x: &mut f64) -> f64 {
    *x * 2.0
}

#[differentiable(forward)]
fn f_forward(x: &mut f64) -> f64 {
    *x * 2.0
}

#[differentiable(nested)]
fn f_nested(x: &mut f64) -> f64 {
    *x * 2.0
}

fn main() {}
