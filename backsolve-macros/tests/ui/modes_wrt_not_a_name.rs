use backsolve_macros::differentiable;

// `wrt(..)` lists parameter names. The same error in reverse, forward and nested mode.

#[differentiable(wrt(x::y))]
fn f_reverse(x: f64) -> f64 {
    x * x
}

#[differentiable(forward, wrt(x::y))]
fn f_forward(x: f64) -> f64 {
    x * x
}

#[differentiable(nested, wrt(x::y))]
fn f_nested(x: f64) -> f64 {
    x * x
}

fn main() {}
