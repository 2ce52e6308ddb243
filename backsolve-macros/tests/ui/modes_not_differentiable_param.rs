use backsolve_macros::differentiable;

// A parameter type that is not differentiable. The same error in reverse, forward and nested mode.

struct Config {
    scale: f64,
}

#[differentiable]
fn f_reverse(cfg: &Config, x: f64) -> f64 {
    cfg.scale * x
}

#[differentiable(forward)]
fn f_forward(cfg: &Config, x: f64) -> f64 {
    cfg.scale * x
}

#[differentiable(nested)]
fn f_nested(cfg: &Config, x: f64) -> f64 {
    cfg.scale * x
}

fn main() {}
