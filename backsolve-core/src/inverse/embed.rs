//! Parameter embeddings: the map from the optimizer's flat vector `x` to a model's parameters
//! `p = E(x)`, and back, with the gradient rule `∂C/∂x = (∂E/∂x)ᵀ ∂C/∂p`.
//!
//! Fixed entries (a pinned site, a notch), a window of free entries (a gate region), and
//! positivity transforms (softplus, exp) are embeddings; [`Chain`] composes them, applying
//! the first to `x` and the second to its result.

/// A differentiable map from an optimizer vector to a model's parameters.
pub trait Embedding: Send + Sync {
    /// Length of the optimizer vector `x`.
    fn dim(&self) -> usize;
    /// Length of the model's parameter vector `p`.
    fn model_dim(&self) -> usize;
    /// `p = E(x)`.
    fn embed(&self, x: &[f64]) -> Vec<f64>;
    /// `(∂E/∂x)ᵀ d_p`: the gradient with respect to `x` from the one with respect to `p`.
    fn pullback(&self, x: &[f64], d_p: &[f64]) -> Vec<f64>;
    /// An `x` with `E(x) = p` (a start from known model parameters); entries `E` does not
    /// reach are ignored.
    fn inverse(&self, p: &[f64]) -> Vec<f64>;
}

/// Some entries free, the rest held at the values of `base`.
#[derive(Clone, Debug, PartialEq)]
pub struct Free {
    base: Vec<f64>,
    free: Vec<usize>,
}

impl Free {
    /// The entries `free` of `base` are the optimizer's, in that order; the others stay.
    /// Panics when an index is out of range or repeated (a programming error, not input).
    pub fn new(base: Vec<f64>, free: Vec<usize>) -> Free {
        let mut seen = vec![false; base.len()];
        for &i in &free {
            assert!(
                i < base.len(),
                "Free: index {i} out of range for {} parameters",
                base.len()
            );
            assert!(!seen[i], "Free: index {i} given twice");
            seen[i] = true;
        }
        Free { base, free }
    }

    /// Every entry free except `fixed`, which keep their values in `base`.
    pub fn except(base: Vec<f64>, fixed: &[usize]) -> Free {
        let free = (0..base.len()).filter(|i| !fixed.contains(i)).collect();
        Free::new(base, free)
    }

    /// Only the entries `start..end` free (a window of a profile).
    pub fn window(base: Vec<f64>, start: usize, end: usize) -> Free {
        Free::new(base, (start..end).collect())
    }

    /// The free indices, in optimizer order.
    pub fn indices(&self) -> &[usize] {
        &self.free
    }
}

impl Embedding for Free {
    fn dim(&self) -> usize {
        self.free.len()
    }
    fn model_dim(&self) -> usize {
        self.base.len()
    }
    fn embed(&self, x: &[f64]) -> Vec<f64> {
        assert_eq!(
            x.len(),
            self.free.len(),
            "Free::embed: x has the wrong length"
        );
        let mut p = self.base.clone();
        for (&i, &v) in self.free.iter().zip(x) {
            p[i] = v;
        }
        p
    }
    fn pullback(&self, _x: &[f64], d_p: &[f64]) -> Vec<f64> {
        self.free.iter().map(|&i| d_p[i]).collect()
    }
    fn inverse(&self, p: &[f64]) -> Vec<f64> {
        self.free.iter().map(|&i| p[i]).collect()
    }
}

/// A positivity transform applied to chosen entries; the others pass through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Positivity {
    /// `p = ln(1 + eˣ)`: linear for large `x`, so gradients neither vanish nor explode.
    Softplus,
    /// `p = eˣ`: for scales spanning decades.
    Exp,
}

impl Positivity {
    fn forward(self, x: f64) -> f64 {
        match self {
            // ln(1 + e^x) without overflow for large x.
            Positivity::Softplus => x.max(0.0) + (-x.abs()).exp().ln_1p(),
            Positivity::Exp => x.exp(),
        }
    }
    fn derivative(self, x: f64) -> f64 {
        match self {
            Positivity::Softplus => 1.0 / (1.0 + (-x).exp()),
            Positivity::Exp => x.exp(),
        }
    }
    fn inverse(self, p: f64) -> f64 {
        match self {
            // x = ln(e^p - 1), written to keep precision for small and large p.
            Positivity::Softplus => p + (-(-p).exp()).ln_1p(),
            Positivity::Exp => p.ln(),
        }
    }
}

/// [`Positivity`] on the entries `indices` (all of them when `None`) of an `n`-vector.
#[derive(Clone, Debug, PartialEq)]
pub struct Positive {
    n: usize,
    transform: Positivity,
    indices: Option<Vec<usize>>,
}

impl Positive {
    /// `transform` on every entry of an `n`-vector.
    pub fn all(n: usize, transform: Positivity) -> Positive {
        Positive {
            n,
            transform,
            indices: None,
        }
    }

    /// `transform` on the entries `indices` of an `n`-vector. Panics on an index past `n`.
    pub fn at(n: usize, transform: Positivity, indices: Vec<usize>) -> Positive {
        assert!(
            indices.iter().all(|&i| i < n),
            "Positive: an index is out of range for {n} entries"
        );
        Positive {
            n,
            transform,
            indices: Some(indices),
        }
    }

    fn applies(&self, i: usize) -> bool {
        self.indices.as_ref().is_none_or(|s| s.contains(&i))
    }
}

impl Embedding for Positive {
    fn dim(&self) -> usize {
        self.n
    }
    fn model_dim(&self) -> usize {
        self.n
    }
    fn embed(&self, x: &[f64]) -> Vec<f64> {
        let t = self.transform;
        x.iter()
            .enumerate()
            .map(|(i, &v)| if self.applies(i) { t.forward(v) } else { v })
            .collect()
    }
    fn pullback(&self, x: &[f64], d_p: &[f64]) -> Vec<f64> {
        let t = self.transform;
        x.iter()
            .zip(d_p)
            .enumerate()
            .map(|(i, (&v, &d))| {
                if self.applies(i) {
                    d * t.derivative(v)
                } else {
                    d
                }
            })
            .collect()
    }
    fn inverse(&self, p: &[f64]) -> Vec<f64> {
        let t = self.transform;
        p.iter()
            .enumerate()
            .map(|(i, &v)| if self.applies(i) { t.inverse(v) } else { v })
            .collect()
    }
}

/// `second(first(x))`.
pub struct Chain<A, B> {
    /// Applied to the optimizer vector.
    pub first: A,
    /// Applied to the first's result; gives the model's parameters.
    pub second: B,
}

impl<A: Embedding, B: Embedding> Chain<A, B> {
    /// Compose two embeddings. Panics when their dimensions do not meet.
    pub fn new(first: A, second: B) -> Self {
        assert_eq!(
            first.model_dim(),
            second.dim(),
            "Chain: the first embedding gives {} values, the second takes {}",
            first.model_dim(),
            second.dim()
        );
        Chain { first, second }
    }
}

impl<A: Embedding, B: Embedding> Embedding for Chain<A, B> {
    fn dim(&self) -> usize {
        self.first.dim()
    }
    fn model_dim(&self) -> usize {
        self.second.model_dim()
    }
    fn embed(&self, x: &[f64]) -> Vec<f64> {
        self.second.embed(&self.first.embed(x))
    }
    fn pullback(&self, x: &[f64], d_p: &[f64]) -> Vec<f64> {
        let y = self.first.embed(x);
        self.first.pullback(x, &self.second.pullback(&y, d_p))
    }
    fn inverse(&self, p: &[f64]) -> Vec<f64> {
        self.first.inverse(&self.second.inverse(p))
    }
}
