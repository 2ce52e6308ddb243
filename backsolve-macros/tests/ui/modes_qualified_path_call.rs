use backsolve_macros::differentiable;

// `<T as Trait>::f` calls are not supported. The same error in reverse, forward and nested mode.

trait Sq {
    fn sq(x: f64) -> f64;
}
struct U;
impl Sq for U {
    fn sq(x: f64) -> f64 {
        x * x
    }
}

#[differentiable]
fn f_reverse(x: f64) -> f64 {
    <U as Sq>::sq(x)
}

#[differentiable(forward)]
fn f_forward(x: f64) -> f64 {
    <U as Sq>::sq(x)
}

#[differentiable(nested)]
fn f_nested(x: f64) -> f64 {
    <U as Sq>::sq(x)
}

fn main() {}
