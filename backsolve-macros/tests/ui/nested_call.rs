use backsolve_macros::differentiable;

#[differentiable(nested)]
fn square(x: f64) -> f64 {
    x * x
}

// Nested mode does not go through calls yet: the call is named.
#[differentiable(nested)]
fn twice(x: f64) -> f64 {
    square(x) + x
}

fn main() {}
