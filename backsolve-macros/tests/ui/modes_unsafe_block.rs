use backsolve_macros::differentiable;

// `unsafe` blocks are not differentiated. The same error in reverse, forward and nested mode.

#[differentiable]
fn f_reverse(x: f64) -> f64 {
    let y = unsafe { std::ptr::read(&x) };
    y * x
}

#[differentiable(forward)]
fn f_forward(x: f64) -> f64 {
    let y = unsafe { std::ptr::read(&x) };
    y * x
}

#[differentiable(nested)]
fn f_nested(x: f64) -> f64 {
    let y = unsafe { std::ptr::read(&x) };
    y * x
}

fn main() {}
