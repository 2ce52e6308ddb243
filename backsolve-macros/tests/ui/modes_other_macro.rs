use backsolve_macros::differentiable;

// Macros other than `vec!` are not differentiated. The same error in reverse, forward and nested mode.

macro_rules! twice {
    ($e:expr) => {
        $e * 2.0
    };
}

#[differentiable]
fn f_reverse(x: f64) -> f64 {
    let y = twice!(x);
    y
}

#[differentiable(forward)]
fn f_forward(x: f64) -> f64 {
    let y = twice!(x);
    y
}

#[differentiable(nested)]
fn f_nested(x: f64) -> f64 {
    let y = twice!(x);
    y
}

fn main() {}
