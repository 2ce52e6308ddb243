use backsolve_macros::differentiable;

#[differentiable(forward, wrt(x))]
fn scaled(x: f64, k: f64) -> f64 {
    x * k
}

// `y` varies but `scaled` leaves `k` out of its `wrt`: that part of the derivative would be
// lost, so it does not compile.
#[differentiable(forward)]
fn caller(x: f64, y: f64) -> f64 {
    scaled(x, y)
}

fn main() {}
