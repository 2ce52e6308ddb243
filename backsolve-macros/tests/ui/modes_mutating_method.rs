use backsolve_macros::differentiable;

// Mutating methods on differentiable values have no reverse. The same error in reverse, forward and nested mode.

#[differentiable]
fn f_reverse(v: &[f64]) -> f64 {
    let mut w = v.to_vec();
    w.sort_by(|a, b| a.total_cmp(b));
    w[0]
}

#[differentiable(forward)]
fn f_forward(v: &[f64]) -> f64 {
    let mut w = v.to_vec();
    w.sort_by(|a, b| a.total_cmp(b));
    w[0]
}

#[differentiable(nested)]
fn f_nested(v: &[f64]) -> f64 {
    let mut w = v.to_vec();
    w.sort_by(|a, b| a.total_cmp(b));
    w[0]
}

fn main() {}
