use backsolve_macros::differentiable;

// `match` on a differentiable value is not supported. The same error in reverse, forward and nested mode.

#[differentiable]
fn f_reverse(x: f64) -> f64 {
    match x {
        v => v * 2.0,
    }
}

#[differentiable(forward)]
fn f_forward(x: f64) -> f64 {
    match x {
        v => v * 2.0,
    }
}

#[differentiable(nested)]
fn f_nested(x: f64) -> f64 {
    match x {
        v => v * 2.0,
    }
}

fn main() {}
