use backsolve_macros::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    fn helper(t: f64) -> f64 {
        t
    }
    helper(x) * x
}

fn main() {}
