use backsolve_macros::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    match x > 0.0 {
        true => x,
        false => -x,
    };
    match x {
        v => v * 2.0,
    }
}

fn main() {}
