use backsolve::prelude::*;

#[differentiable(check)]
fn f(x: f64, y: f64) -> f64 {
    let a = x * y + x.sin();
    a * a
}

fn main() {
    let (mut dx, mut dy) = (0.0, 0.0);
    let v = f_pullback(1.5, 2.0, 1.0, &mut dx, &mut dy);
    println!("f = {v}, df/dx = {dx}, df/dy = {dy}");
    let r = f_gradcheck(1.5, 2.0);
    println!("{r}");
}
