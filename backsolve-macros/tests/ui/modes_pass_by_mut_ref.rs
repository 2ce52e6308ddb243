use backsolve_macros::differentiable;

// A differentiable value is not passed by `&mut`. The same error in reverse, forward and nested mode.

fn bump(y: &mut f64) {
    *y += 1.0;
}

#[differentiable]
fn f_reverse(x: f64) -> f64 {
    let mut y = x * x;
    bump(&mut y);
    y
}

#[differentiable(forward)]
fn f_forward(x: f64) -> f64 {
    let mut y = x * x;
    bump(&mut y);
    y
}

#[differentiable(nested)]
fn f_nested(x: f64) -> f64 {
    let mut y = x * x;
    bump(&mut y);
    y
}

fn main() {}
