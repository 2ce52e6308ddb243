use backsolve_macros::differentiable;

// The `?` operator is not supported. The same error in reverse, forward and nested mode.

#[differentiable]
fn f_reverse(x: f64, s: &str) -> Option<f64> {
    let y = Some(x * 2.0)?;
    Some(y * s.len() as f64)
}

#[differentiable(forward)]
fn f_forward(x: f64, s: &str) -> Option<f64> {
    let y = Some(x * 2.0)?;
    Some(y * s.len() as f64)
}

#[differentiable(nested)]
fn f_nested(x: f64, s: &str) -> Option<f64> {
    let y = Some(x * 2.0)?;
    Some(y * s.len() as f64)
}

fn main() {}
