use backsolve_macros::differentiable;

// Iterator adapters with closures are not differentiated. The same error in reverse, forward and nested mode.

#[differentiable]
fn f_reverse(x: &[f64], k: f64) -> f64 {
    x.iter().map(|v| v * k).sum::<f64>()
}

#[differentiable(forward)]
fn f_forward(x: &[f64], k: f64) -> f64 {
    x.iter().map(|v| v * k).sum::<f64>()
}

#[differentiable(nested)]
fn f_nested(x: &[f64], k: f64) -> f64 {
    x.iter().map(|v| v * k).sum::<f64>()
}

fn main() {}
