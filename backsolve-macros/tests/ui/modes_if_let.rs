use backsolve_macros::differentiable;

// `if let` on a differentiable path is not supported. The same error in reverse, forward and nested mode.

#[differentiable]
fn f_reverse(x: f64, o: Option<usize>) -> f64 {
    let mut y = x;
    if let Some(k) = o {
        y = y * (k as f64);
    }
    y
}

#[differentiable(forward)]
fn f_forward(x: f64, o: Option<usize>) -> f64 {
    let mut y = x;
    if let Some(k) = o {
        y = y * (k as f64);
    }
    y
}

#[differentiable(nested)]
fn f_nested(x: f64, o: Option<usize>) -> f64 {
    let mut y = x;
    if let Some(k) = o {
        y = y * (k as f64);
    }
    y
}

fn main() {}
