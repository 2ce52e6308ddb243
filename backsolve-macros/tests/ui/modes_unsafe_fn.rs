use backsolve_macros::differentiable;

// An `unsafe fn` needs a hand-written rule. The same error in reverse, forward and nested mode.

#[differentiable]
unsafe fn f_reverse(x: f64) -> f64 {
    x * x
}

#[differentiable(forward)]
unsafe fn f_forward(x: f64) -> f64 {
    x * x
}

#[differentiable(nested)]
unsafe fn f_nested(x: f64) -> f64 {
    x * x
}

fn main() {}
