use backsolve_macros::differentiable;

#[differentiable]
fn square(x: f64) -> f64 {
    x * x
}

// A forward-mode caller needs its callee in forward mode too.
#[differentiable(forward)]
fn twice(x: f64) -> f64 {
    square(x) + x
}

fn main() {}
