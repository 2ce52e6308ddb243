use backsolve_macros::differentiable;

#[differentiable(forward, reverse)]
fn square(x: f64) -> f64 {
    x * x
}

// Nested mode goes through calls to functions that are `nested` themselves: `square` is not.
#[differentiable(nested)]
fn twice(x: f64) -> f64 {
    square(x) + x
}

fn main() {}
