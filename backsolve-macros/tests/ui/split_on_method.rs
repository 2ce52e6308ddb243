use backsolve_macros::differentiable;

struct Spring {
    k: f64,
}

impl Spring {
    #[differentiable(split)]
    fn energy(&self, x: f64) -> f64 {
        0.5 * self.k * x * x
    }
}

fn main() {}
