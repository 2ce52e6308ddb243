use backsolve_macros::differentiable;

// Loop labels are not supported. The same error in reverse, forward and nested mode.

#[differentiable]
fn f_reverse(x: f64) -> f64 {
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

#[differentiable(forward)]
fn f_forward(x: f64) -> f64 {
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

#[differentiable(nested)]
fn f_nested(x: f64) -> f64 {
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
