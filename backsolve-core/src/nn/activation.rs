//! Elementwise activations.

use backsolve_macros::differentiable;

/// `tanh` of every element.
#[differentiable(forward, reverse)]
pub fn tanh(x: &[f64]) -> Vec<f64> {
    let mut y = vec![0.0; x.len()];
    for i in 0..x.len() {
        y[i] = x[i].tanh();
    }
    y
}

/// The logistic function `1 / (1 + e^-x)` of every element.
#[differentiable(forward, reverse)]
pub fn sigmoid(x: &[f64]) -> Vec<f64> {
    let mut y = vec![0.0; x.len()];
    for i in 0..x.len() {
        y[i] = 1.0 / (1.0 + (-x[i]).exp());
    }
    y
}

/// `max(x, 0)` of every element (derivative 0 at 0).
#[differentiable(forward, reverse)]
pub fn relu(x: &[f64]) -> Vec<f64> {
    let mut y = vec![0.0; x.len()];
    for i in 0..x.len() {
        if x[i] > 0.0 {
            y[i] = x[i];
        }
    }
    y
}

/// `ln(1 + e^x)` of every element, evaluated without overflow for large `x`.
#[differentiable(forward, reverse)]
pub fn softplus(x: &[f64]) -> Vec<f64> {
    let mut y = vec![0.0; x.len()];
    for i in 0..x.len() {
        let v = x[i];
        if v > 30.0 {
            y[i] = v;
        } else {
            y[i] = (1.0 + v.exp()).ln();
        }
    }
    y
}
