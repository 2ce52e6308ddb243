use backsolve_macros::differentiable;

#[differentiable]
fn mapped_sum(x: &[f64], k: f64) -> f64 {
    x.iter().map(|v| v * k).sum::<f64>()
}

#[differentiable]
fn filtered_loop(x: &[f64], k: f64) -> f64 {
    let mut s = 0.0;
    for v in x.iter().filter(|v| **v > 0.0) {
        s += v * k;
    }
    s
}

fn main() {}
