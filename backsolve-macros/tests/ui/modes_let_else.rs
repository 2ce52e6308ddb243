use backsolve_macros::differentiable;

// `let ... else` is not supported. The same error in reverse, forward and nested mode.

#[differentiable]
fn f_reverse(x: f64, v: &[f64]) -> f64 {
    let Some(t) = v.first().copied() else {
        return x;
    };
    t * x
}

#[differentiable(forward)]
fn f_forward(x: f64, v: &[f64]) -> f64 {
    let Some(t) = v.first().copied() else {
        return x;
    };
    t * x
}

#[differentiable(nested)]
fn f_nested(x: f64, v: &[f64]) -> f64 {
    let Some(t) = v.first().copied() else {
        return x;
    };
    t * x
}

fn main() {}
