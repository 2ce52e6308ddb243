//! Discrete Fourier transforms (rustfft) and their adjoints.
//!
//! `fft` is the unnormalized DFT `X_k = Σ_n x_n e^{−2πikn/N}`; `ifft` is its inverse with the
//! `1/N` (numpy's conventions). With `F` the DFT matrix, `F⁻¹ = Fᴴ/N`, so
//! - `X = F x`:        `x̄ = Fᴴ X̄` (an unnormalized inverse transform)
//! - `x = F⁻¹ X`:      `X̄ = F x̄ / N`
//!
//! and the same for the 2D transforms of a row-major `rows x cols` buffer. Plans are cached per
//! length and direction in one planner shared by all threads (a `Mutex` held only while
//! planning); transforms run outside the lock.

use super::{or_panic, LinalgError};
use crate::c64;
use crate::tangent::{Inactive, TanRef};
use rustfft::{Fft, FftDirection, FftPlanner};
use std::sync::{Arc, Mutex, OnceLock};

fn plan(n: usize, dir: FftDirection) -> Arc<dyn Fft<f64>> {
    static PLANNER: OnceLock<Mutex<FftPlanner<f64>>> = OnceLock::new();
    let planner = PLANNER.get_or_init(|| Mutex::new(FftPlanner::new()));
    // A poisoned lock only means another thread panicked while planning; the cache is intact.
    let mut p = planner.lock().unwrap_or_else(|e| e.into_inner());
    p.plan_fft(n, dir)
}

fn transform(x: &mut [c64], dir: FftDirection) {
    if !x.is_empty() {
        plan(x.len(), dir).process(x);
    }
}

fn transform2(x: &mut [c64], rows: usize, cols: usize, dir: FftDirection) {
    if rows == 0 || cols == 0 {
        return;
    }
    let row_plan = plan(cols, dir);
    for r in x.chunks_exact_mut(cols) {
        row_plan.process(r);
    }
    let col_plan = plan(rows, dir);
    let mut column = vec![c64::new(0.0, 0.0); rows];
    for c in 0..cols {
        for r in 0..rows {
            column[r] = x[r * cols + c];
        }
        col_plan.process(&mut column);
        for r in 0..rows {
            x[r * cols + c] = column[r];
        }
    }
}

fn scaled(mut v: Vec<c64>, s: f64) -> Vec<c64> {
    v.iter_mut().for_each(|z| *z *= s);
    v
}

/// A cotangent that may be lazily short, padded with zeros.
fn padded(mut d: Vec<c64>, n: usize) -> Vec<c64> {
    d.resize(n, c64::new(0.0, 0.0));
    d
}

/// Unnormalized forward DFT.
pub fn fft(x: &[c64]) -> Vec<c64> {
    let mut v = x.to_vec();
    transform(&mut v, FftDirection::Forward);
    v
}

/// Inverse DFT with the `1/N`.
pub fn ifft(x: &[c64]) -> Vec<c64> {
    let mut v = x.to_vec();
    transform(&mut v, FftDirection::Inverse);
    let n = v.len().max(1) as f64;
    scaled(v, 1.0 / n)
}

#[doc(hidden)]
pub fn __forward_fft(x: &[c64]) -> (Vec<c64>, ()) {
    (fft(x), ())
}

/// `x̄ = Fᴴ X̄`.
#[doc(hidden)]
pub fn __reverse_fft(x: &[c64], _: (), d: Vec<c64>) -> (Vec<c64>,) {
    let mut v = padded(d, x.len());
    transform(&mut v, FftDirection::Inverse);
    (v,)
}

/// Linear: the tangent is the transform of the tangent.
#[doc(hidden)]
pub fn __jvp_fft<'t>(x: &[c64], dx: impl TanRef<'t, [c64]>) -> (Vec<c64>, Vec<c64>) {
    let dy = dx.present().map_or_else(|| zeros(x.len()), fft);
    (fft(x), dy)
}

#[doc(hidden)]
pub fn __forward_ifft(x: &[c64]) -> (Vec<c64>, ()) {
    (ifft(x), ())
}

/// `X̄ = F x̄ / N`.
#[doc(hidden)]
pub fn __reverse_ifft(x: &[c64], _: (), d: Vec<c64>) -> (Vec<c64>,) {
    let mut v = padded(d, x.len());
    transform(&mut v, FftDirection::Forward);
    let n = x.len().max(1) as f64;
    (scaled(v, 1.0 / n),)
}

/// Linear: the tangent is the transform of the tangent.
#[doc(hidden)]
pub fn __jvp_ifft<'t>(x: &[c64], dx: impl TanRef<'t, [c64]>) -> (Vec<c64>, Vec<c64>) {
    let dy = dx.present().map_or_else(|| zeros(x.len()), ifft);
    (ifft(x), dy)
}

fn check_len(
    primitive: &'static str,
    x: &[c64],
    rows: usize,
    cols: usize,
) -> Result<(), LinalgError> {
    if x.len() != rows * cols {
        return Err(LinalgError::BadLength {
            primitive,
            arg: "x",
            len: x.len(),
            expected: rows * cols,
        });
    }
    Ok(())
}

/// Unnormalized 2D DFT of a row-major `rows x cols` buffer.
pub fn try_fft2(x: &[c64], rows: usize, cols: usize) -> Result<Vec<c64>, LinalgError> {
    check_len("fft2", x, rows, cols)?;
    let mut v = x.to_vec();
    transform2(&mut v, rows, cols, FftDirection::Forward);
    Ok(v)
}

/// Unnormalized 2D DFT. Panics when `x.len() != rows * cols`, naming both.
#[track_caller]
pub fn fft2(x: &[c64], rows: usize, cols: usize) -> Vec<c64> {
    or_panic(try_fft2(x, rows, cols))
}

/// Inverse 2D DFT with the `1/(rows cols)`.
pub fn try_ifft2(x: &[c64], rows: usize, cols: usize) -> Result<Vec<c64>, LinalgError> {
    check_len("ifft2", x, rows, cols)?;
    let mut v = x.to_vec();
    transform2(&mut v, rows, cols, FftDirection::Inverse);
    Ok(scaled(v, 1.0 / (rows * cols).max(1) as f64))
}

/// Inverse 2D DFT. Panics when `x.len() != rows * cols`, naming both.
#[track_caller]
pub fn ifft2(x: &[c64], rows: usize, cols: usize) -> Vec<c64> {
    or_panic(try_ifft2(x, rows, cols))
}

#[doc(hidden)]
pub fn __forward_fft2(x: &[c64], rows: usize, cols: usize) -> (Vec<c64>, ()) {
    (fft2(x, rows, cols), ())
}

/// `x̄ = Fᴴ X̄` in 2D.
#[doc(hidden)]
pub fn __reverse_fft2(
    x: &[c64],
    rows: usize,
    cols: usize,
    _: (),
    d: Vec<c64>,
) -> (Vec<c64>, (), ()) {
    let mut v = padded(d, x.len());
    transform2(&mut v, rows, cols, FftDirection::Inverse);
    (v, (), ())
}

/// Linear: the tangent is the transform of the tangent.
#[doc(hidden)]
pub fn __jvp_fft2<'t>(
    x: &[c64],
    rows: usize,
    cols: usize,
    dx: impl TanRef<'t, [c64]>,
    _: impl Inactive,
    _: impl Inactive,
) -> (Vec<c64>, Vec<c64>) {
    let dy = dx
        .present()
        .map_or_else(|| zeros(x.len()), |d| fft2(d, rows, cols));
    (fft2(x, rows, cols), dy)
}

#[doc(hidden)]
pub fn __forward_ifft2(x: &[c64], rows: usize, cols: usize) -> (Vec<c64>, ()) {
    (ifft2(x, rows, cols), ())
}

/// `X̄ = F x̄ / (rows cols)` in 2D.
#[doc(hidden)]
pub fn __reverse_ifft2(
    x: &[c64],
    rows: usize,
    cols: usize,
    _: (),
    d: Vec<c64>,
) -> (Vec<c64>, (), ()) {
    let mut v = padded(d, x.len());
    transform2(&mut v, rows, cols, FftDirection::Forward);
    (scaled(v, 1.0 / (rows * cols).max(1) as f64), (), ())
}

/// Linear: the tangent is the transform of the tangent.
#[doc(hidden)]
pub fn __jvp_ifft2<'t>(
    x: &[c64],
    rows: usize,
    cols: usize,
    dx: impl TanRef<'t, [c64]>,
    _: impl Inactive,
    _: impl Inactive,
) -> (Vec<c64>, Vec<c64>) {
    let dy = dx
        .present()
        .map_or_else(|| zeros(x.len()), |d| ifft2(d, rows, cols));
    (ifft2(x, rows, cols), dy)
}

fn zeros(n: usize) -> Vec<c64> {
    vec![c64::new(0.0, 0.0); n]
}
