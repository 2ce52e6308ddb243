use backsolve_macros::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let mut s = x;
    'outer: for i in 0..3 {
        for j in 0..3 {
            s = s * x;
            if i + j > 2 {
                break 'outer;
            }
        }
    }
    s
}

fn main() {}
