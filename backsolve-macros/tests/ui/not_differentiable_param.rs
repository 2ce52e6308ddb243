use backsolve_macros::differentiable;

struct Config {
    scale: f64,
}

#[differentiable]
fn f(cfg: &Config, x: f64) -> f64 {
    cfg.scale * x
}

fn main() {}
