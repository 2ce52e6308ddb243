use backsolve_macros::differentiable;

// Only calls of named functions are differentiated. The same error in reverse, forward and nested mode.

fn square(x: f64) -> f64 {
    x * x
}

#[differentiable]
fn f_reverse(x: f64) -> f64 {
    let g = [square];
    g[0](x)
}

#[differentiable(forward)]
fn f_forward(x: f64) -> f64 {
    let g = [square];
    g[0](x)
}

#[differentiable(nested)]
fn f_nested(x: f64) -> f64 {
    let g = [square];
    g[0](x)
}

fn main() {}
