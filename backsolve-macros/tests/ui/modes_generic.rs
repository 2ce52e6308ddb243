use backsolve_macros::differentiable;

// Generic type parameters are not supported yet. The same error in reverse, forward and nested mode.

#[differentiable]
fn f_reverse<T: Copy>(x: f64, t: T) -> f64 {
    let _ = t;
    x * x
}

#[differentiable(forward)]
fn f_forward<T: Copy>(x: f64, t: T) -> f64 {
    let _ = t;
    x * x
}

#[differentiable(nested)]
fn f_nested<T: Copy>(x: f64, t: T) -> f64 {
    let _ = t;
    x * x
}

fn main() {}
