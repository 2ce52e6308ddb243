use backsolve_macros::differentiable;

// `&mut v[i]` of a differentiable vector is not supported. The same error in reverse, forward and nested mode.

#[differentiable]
fn f_reverse(x: f64) -> f64 {
    let mut v = vec![x; 2];
    let r = &mut v[0];
    v[1]
}

#[differentiable(forward)]
fn f_forward(x: f64) -> f64 {
    let mut v = vec![x; 2];
    let r = &mut v[0];
    v[1]
}

#[differentiable(nested)]
fn f_nested(x: f64) -> f64 {
    let mut v = vec![x; 2];
    let r = &mut v[0];
    v[1]
}

fn main() {}
