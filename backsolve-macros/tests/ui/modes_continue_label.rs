use backsolve_macros::differentiable;

// `continue 'label` is not supported. The same error in reverse, forward and nested mode.

#[differentiable]
fn f_reverse(x: f64) -> f64 {
    let mut y = x;
    'outer: for i in 0..3 {
        for j in 0..3 {
            if i == j {
                continue 'outer;
            }
            y *= x;
        }
    }
    y
}

#[differentiable(forward)]
fn f_forward(x: f64) -> f64 {
    let mut y = x;
    'outer: for i in 0..3 {
        for j in 0..3 {
            if i == j {
                continue 'outer;
            }
            y *= x;
        }
    }
    y
}

#[differentiable(nested)]
fn f_nested(x: f64) -> f64 {
    let mut y = x;
    'outer: for i in 0..3 {
        for j in 0..3 {
            if i == j {
                continue 'outer;
            }
            y *= x;
        }
    }
    y
}

fn main() {}
