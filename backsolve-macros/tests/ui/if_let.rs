use backsolve_macros::differentiable;

#[differentiable]
fn f(x: f64, o: Option<usize>) -> f64 {
    let mut y = x;
    if let Some(k) = o {
        y = y * (k as f64);
    }
    y
}

fn main() {}
