use backsolve_macros::differentiable;

// `c64::scale` has first-order rules but no second-order one in nested mode.
#[differentiable(nested)]
fn scaled(x: f64, z: num_complex::Complex<f64>) -> f64 {
    let w = z.scale(x);
    w.re
}

fn main() {}
