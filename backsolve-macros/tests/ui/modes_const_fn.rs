use backsolve_macros::differentiable;

// A `const fn` is not differentiated. The same error in reverse, forward and nested mode.

#[differentiable]
const fn f_reverse(x: f64) -> f64 {
    x
}

#[differentiable(forward)]
const fn f_forward(x: f64) -> f64 {
    x
}

#[differentiable(nested)]
const fn f_nested(x: f64) -> f64 {
    x
}

fn main() {}
