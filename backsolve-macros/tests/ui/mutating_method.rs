use backsolve_macros::differentiable;

#[differentiable]
fn f(v: &[f64]) -> f64 {
    let mut w = v.to_vec();
    w.sort_by(|a, b| a.total_cmp(b));
    w[0]
}

fn main() {}
