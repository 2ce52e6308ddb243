use backsolve_macros::differentiable;

// Methods take `&self`, not `self` or `&mut self`. The same error in reverse, forward and nested mode.

struct Sreverse {
    k: f64,
}

impl Sreverse {
    #[differentiable]
    fn f(self, x: f64) -> f64 {
        self.k * x
    }
}

struct Sforward {
    k: f64,
}

impl Sforward {
    #[differentiable(forward)]
    fn f(self, x: f64) -> f64 {
        self.k * x
    }
}

struct Snested {
    k: f64,
}

impl Snested {
    #[differentiable(nested)]
    fn f(self, x: f64) -> f64 {
        self.k * x
    }
}

fn main() {}
