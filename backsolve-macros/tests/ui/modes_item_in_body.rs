use backsolve_macros::differentiable;

// Items inside the body are not differentiated. The same error in reverse, forward and nested mode.

#[differentiable]
fn f_reverse(x: f64) -> f64 {
    fn helper(t: f64) -> f64 {
        t
    }
    helper(x) * x
}

#[differentiable(forward)]
fn f_forward(x: f64) -> f64 {
    fn helper(t: f64) -> f64 {
        t
    }
    helper(x) * x
}

#[differentiable(nested)]
fn f_nested(x: f64) -> f64 {
    fn helper(t: f64) -> f64 {
        t
    }
    helper(x) * x
}

fn main() {}
