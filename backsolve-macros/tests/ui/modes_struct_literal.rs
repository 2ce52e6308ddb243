use backsolve_macros::differentiable;

// Struct literals of differentiable values are not supported yet. The same error in reverse, forward and nested mode.

struct P {
    a: f64,
}

#[differentiable]
fn f_reverse(x: f64) -> f64 {
    let p = P { a: x * 2.0 };
    p.a
}

#[differentiable(forward)]
fn f_forward(x: f64) -> f64 {
    let p = P { a: x * 2.0 };
    p.a
}

#[differentiable(nested)]
fn f_nested(x: f64) -> f64 {
    let p = P { a: x * 2.0 };
    p.a
}

fn main() {}
