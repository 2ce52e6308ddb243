//! Values that are their own adjoint type and can be viewed as a flat list of reals.
//!
//! Model parameters, network weights and every adjoint are `Differentiable`. The flat view is what
//! gradient checking perturbs one component at a time and what optimizers step on; a complex
//! number contributes two reals, `(re, im)`, which matches the adjoint convention
//! `dL/dRe z + i dL/dIm z` component by component.

use crate::adjoint::{Accumulate, Adjoint};
use crate::c64;

/// A value that is its own adjoint type, with a flat real view.
///
/// `#[derive(Differentiable)]` implements it (and the adjoint traits) for structs whose fields
/// are `Differentiable`.
pub trait Differentiable: Adjoint<Adj = Self> + Accumulate + Clone {
    /// Number of real components (a complex number counts two).
    fn n_reals(&self) -> usize;
    /// Append the real components to `out`.
    fn write_reals(&self, out: &mut Vec<f64>);
    /// Overwrite the components from the front of `src`; returns how many were read.
    fn read_reals(&mut self, src: &[f64]) -> usize;

    /// The components as a new vector.
    fn to_reals(&self) -> Vec<f64> {
        let mut v = Vec::with_capacity(self.n_reals());
        self.write_reals(&mut v);
        v
    }

    /// Euclidean inner product of the flat views, `Re tr(self^H other)`.
    fn dot(&self, other: &Self) -> f64 {
        self.to_reals()
            .iter()
            .zip(other.to_reals())
            .map(|(a, b)| a * b)
            .sum()
    }
}

impl Differentiable for f64 {
    fn n_reals(&self) -> usize {
        1
    }
    fn write_reals(&self, out: &mut Vec<f64>) {
        out.push(*self);
    }
    fn read_reals(&mut self, src: &[f64]) -> usize {
        *self = src[0];
        1
    }
}

impl Differentiable for c64 {
    fn n_reals(&self) -> usize {
        2
    }
    fn write_reals(&self, out: &mut Vec<f64>) {
        out.push(self.re);
        out.push(self.im);
    }
    fn read_reals(&mut self, src: &[f64]) -> usize {
        *self = c64::new(src[0], src[1]);
        2
    }
}

impl<T: Differentiable> Differentiable for Vec<T> {
    fn n_reals(&self) -> usize {
        self.iter().map(T::n_reals).sum()
    }
    fn write_reals(&self, out: &mut Vec<f64>) {
        self.iter().for_each(|x| x.write_reals(out));
    }
    fn read_reals(&mut self, src: &[f64]) -> usize {
        let mut used = 0;
        for x in self.iter_mut() {
            used += x.read_reals(&src[used..]);
        }
        used
    }
}

impl<T: Differentiable, const N: usize> Differentiable for [T; N] {
    fn n_reals(&self) -> usize {
        self.iter().map(T::n_reals).sum()
    }
    fn write_reals(&self, out: &mut Vec<f64>) {
        self.iter().for_each(|x| x.write_reals(out));
    }
    fn read_reals(&mut self, src: &[f64]) -> usize {
        let mut used = 0;
        for x in self.iter_mut() {
            used += x.read_reals(&src[used..]);
        }
        used
    }
}

macro_rules! tuple_differentiable {
    ($(($($n:tt $t:ident),+)),*) => {$(
        impl<$($t: Differentiable),+> Differentiable for ($($t,)+) {
            fn n_reals(&self) -> usize {
                0 $(+ self.$n.n_reals())+
            }
            fn write_reals(&self, out: &mut Vec<f64>) {
                $(self.$n.write_reals(out);)+
            }
            fn read_reals(&mut self, src: &[f64]) -> usize {
                let mut used = 0;
                $(used += self.$n.read_reals(&src[used..]);)+
                used
            }
        }
    )*};
}
tuple_differentiable!((0 A, 1 B), (0 A, 1 B, 2 C), (0 A, 1 B, 2 C, 3 D));

/// A small deterministic generator (SplitMix64) for gradient checks and property tests, so
/// that results never depend on a global seed.
#[derive(Clone, Debug)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// Next raw 64-bit value.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `[0, 1)`.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in `[lo, hi)`.
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }
    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(1e-300);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

/// A value of the same shape as `like` with independent uniform components in `[-1, 1)`.
pub fn random_like<T: Differentiable>(like: &T, rng: &mut SplitMix64) -> T {
    let mut out = like.clone();
    let vals: Vec<f64> = (0..like.n_reals()).map(|_| rng.range(-1.0, 1.0)).collect();
    out.read_reals(&vals);
    out
}
