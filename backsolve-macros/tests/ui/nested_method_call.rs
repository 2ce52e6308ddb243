use backsolve_macros::differentiable;

struct Spring {
    k: f64,
}

impl Spring {
    #[differentiable(nested)]
    fn energy(&self, x: f64) -> f64 {
        0.5 * self.k * x * x
    }

    // Nested mode does not go through method calls yet: the call is named.
    #[differentiable(nested)]
    fn twice(&self, x: f64) -> f64 {
        self.energy(x) + x
    }
}

fn main() {}
