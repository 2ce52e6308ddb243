use backsolve_macros::differentiable;

struct P {
    a: f64,
}

#[differentiable]
fn f(x: f64) -> f64 {
    let p = P { a: x * 2.0 };
    p.a
}

fn main() {}
