use backsolve_macros::differentiable;

// An `async fn` has no derivative. The same error in reverse, forward and nested mode.

#[differentiable]
async fn f_reverse(x: f64) -> f64 {
    x * x
}

#[differentiable(forward)]
async fn f_forward(x: f64) -> f64 {
    x * x
}

#[differentiable(nested)]
async fn f_nested(x: f64) -> f64 {
    x * x
}

fn main() {}
