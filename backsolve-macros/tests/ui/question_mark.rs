use backsolve_macros::differentiable;

#[differentiable]
fn f(x: f64, s: &str) -> Option<f64> {
    let y = Some(x * 2.0)?;
    Some(y * s.len() as f64)
}

fn main() {}
