//! The learned solvers of the optical-spectrum seed: the regularized recurrent inference
//! machine (rRIM) and the two baselines it is compared with, a fully connected network (FCN)
//! and a convolutional network (CNN), built from `backsolve::nn` blocks and differentiated by
//! the macro (backpropagation through time for the rRIM).
//!
//! **rRIM.** From `x_0`, `N_t` steps of `x_{t+1} = x_t + g_φ(x_t, ∇_t, s_t)` with the gradient
//! of the preconditioned Landweber iteration `∇_t = P (y − A x_t)`, `P = (AᵀA + h I)⁻¹ Aᵀ` (see
//! [`preconditioner`](super::landweber::preconditioner)), written here as `∇_t = b − C x_t`
//! with `b = P y` (per sample) and `C = P A` (per operator), both computed once. The update
//! network: a GRU cell whose input is `[x_t ; ∇_t]` (`2n`) and whose state is the latent
//! memory `s_t` (`n_latent`, zero at `t = 0`), then a dense layer from `s_{t+1}` to the step
//! `g_t` (`n`). Loss `Σ_{t=1}^{N_t} w_t ‖x_t − x‖² / n` with `w_t = 1`.
//!
//! **FCN.** `y/300 → dense(m, h) → tanh → dense(h, h) → tanh → dense(h, n)`, mean squared error.
//!
//! **CNN.** `y/300` as one channel of length `m` → conv1d(1 → c, kernel 5, stride 2, padding 2)
//! → tanh → conv1d(c → c, kernel 5, stride 2, padding 2) → tanh → flatten → dense(→ n), mean
//! squared error.
//!
//! **Smoothing.** Every estimate the solvers report (not the training losses) is smoothed by a
//! Gaussian kernel of [`SMOOTHING_MEV`] standard deviation on the `Ω` grid, normalized over
//! the points inside the grid so the ends are not pulled towards zero ([`smooth`]).
//!
//! **Files.** A trained model, its grids and its training record are a [`SavedModel`]
//! (serializable with the `serde` feature); [`Inference`] runs one on measured spectra.

mod saved;

pub use saved::{Grid, Inference, SavedModel, SavedModelError, TrainingRecord, MODEL_FORMAT};

use super::landweber::DATA_SCALE;
use backsolve_core::nn::{self, Conv1d, Dense, GruCell, Init};
use backsolve_core::SplitMix64;
use backsolve_macros::{differentiable, Differentiable};

/// The rRIM's update network and its number of steps.
#[derive(Clone, Debug, PartialEq, Differentiable)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Rrim {
    /// GRU from `[x_t ; ∇_t]` to the latent memory.
    pub cell: GruCell,
    /// Dense layer from the memory to the step `g_t`.
    pub out: Dense,
    /// `N_t`.
    #[differentiable(skip)]
    pub steps: usize,
}

impl Rrim {
    /// An rRIM for glue functions of `n` points, a latent memory of `n_latent`, `steps` steps,
    /// with seeded Glorot weights; the output layer starts small so the first steps follow the
    /// Landweber direction the input carries rather than noise.
    pub fn new(n: usize, n_latent: usize, steps: usize, rng: &mut SplitMix64) -> Self {
        let cell = GruCell::new(2 * n, n_latent, Init::Glorot, rng);
        let mut out = Dense::new(n_latent, n, Init::Glorot, rng);
        out.w.iter_mut().for_each(|w| *w *= 0.1);
        Rrim { cell, out, steps }
    }

    /// The number of trainable parameters.
    pub fn n_params(&self) -> usize {
        self.cell.n_params() + self.out.n_params()
    }
}

/// The accumulated loss `Σ_t ‖x_t − x‖² / n` of the rRIM from `x0` for one sample with
/// `b = P y` and the operator's `C = P A` (`n x n`, row-major).
#[differentiable(wrt(net))]
pub fn rrim_loss(net: &Rrim, c: &[f64], b: &[f64], x0: &[f64], x_true: &[f64]) -> f64 {
    let n = x0.len();
    let mut x = x0.to_vec();
    let mut s = vec![0.0; net.cell.n_hidden];
    let mut loss = 0.0;
    for _t in 0..net.steps {
        let mut u = vec![0.0; 2 * n];
        for j in 0..n {
            let mut cx = 0.0;
            for k in 0..n {
                cx += c[j * n + k] * x[k];
            }
            u[j] = x[j];
            u[n + j] = b[j] - cx;
        }
        s = nn::gru_cell(&net.cell, &u, &s);
        let g = nn::dense(&net.out, &s);
        for j in 0..n {
            x[j] += g[j];
            let e = x[j] - x_true[j];
            loss += e * e;
        }
    }
    loss / n as f64
}

/// The rRIM's estimates `x_1, ..., x_{N_t}` from `x0` (what the loss compares with the truth).
pub fn rrim_estimates(net: &Rrim, c: &[f64], b: &[f64], x0: &[f64]) -> Vec<Vec<f64>> {
    let n = x0.len();
    let mut x = x0.to_vec();
    let mut s = vec![0.0; net.cell.n_hidden];
    let mut out = Vec::with_capacity(net.steps);
    for _ in 0..net.steps {
        let mut u = vec![0.0; 2 * n];
        for j in 0..n {
            let cx: f64 = (0..n).map(|k| c[j * n + k] * x[k]).sum();
            u[j] = x[j];
            u[n + j] = b[j] - cx;
        }
        s = nn::gru_cell(&net.cell, &u, &s);
        let g = nn::dense(&net.out, &s);
        x.iter_mut().zip(&g).for_each(|(x, g)| *x += g);
        out.push(x.clone());
    }
    out
}

/// The fully connected baseline.
#[derive(Clone, Debug, PartialEq, Differentiable)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Fcn {
    /// `m → h`.
    pub l1: Dense,
    /// `h → h`.
    pub l2: Dense,
    /// `h → n`.
    pub l3: Dense,
}

impl Fcn {
    /// An FCN from `m` data points to `n` glue points with `hidden` units per layer.
    pub fn new(m: usize, n: usize, hidden: usize, rng: &mut SplitMix64) -> Self {
        Fcn {
            l1: Dense::new(m, hidden, Init::Glorot, rng),
            l2: Dense::new(hidden, hidden, Init::Glorot, rng),
            l3: Dense::new(hidden, n, Init::Glorot, rng),
        }
    }

    /// The number of trainable parameters.
    pub fn n_params(&self) -> usize {
        self.l1.n_params() + self.l2.n_params() + self.l3.n_params()
    }
}

/// The FCN's estimate from unscaled data `y` (meV).
#[differentiable(wrt(net))]
pub fn fcn_predict(net: &Fcn, y: &[f64]) -> Vec<f64> {
    let mut v = vec![0.0; y.len()];
    for i in 0..y.len() {
        v[i] = y[i] / DATA_SCALE;
    }
    let a = nn::tanh(&nn::dense(&net.l1, &v));
    let b = nn::tanh(&nn::dense(&net.l2, &a));
    nn::dense(&net.l3, &b)
}

/// The FCN's mean squared error on one sample.
#[differentiable(wrt(net))]
pub fn fcn_loss(net: &Fcn, y: &[f64], x_true: &[f64]) -> f64 {
    let x = fcn_predict(net, y);
    squared_error(&x, x_true)
}

/// The convolutional baseline.
#[derive(Clone, Debug, PartialEq, Differentiable)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Cnn {
    /// `1 → c` channels, kernel 5, stride 2, padding 2.
    pub c1: Conv1d,
    /// `c → c` channels, kernel 5, stride 2, padding 2.
    pub c2: Conv1d,
    /// Flattened features `→ n`.
    pub head: Dense,
}

impl Cnn {
    /// A CNN from `m` data points to `n` glue points with `channels` feature channels.
    pub fn new(m: usize, n: usize, channels: usize, rng: &mut SplitMix64) -> Self {
        let c1 = Conv1d::new(1, channels, 5, 2, 2, Init::Glorot, rng);
        let c2 = Conv1d::new(channels, channels, 5, 2, 2, Init::Glorot, rng);
        let l1 = c1
            .output_len(m)
            .expect("the data are longer than the kernel");
        let l2 = c2
            .output_len(l1)
            .expect("the features are longer than the kernel");
        let head = Dense::new(channels * l2, n, Init::Glorot, rng);
        Cnn { c1, c2, head }
    }

    /// The number of trainable parameters.
    pub fn n_params(&self) -> usize {
        self.c1.n_params() + self.c2.n_params() + self.head.n_params()
    }
}

/// The CNN's estimate from unscaled data `y` (meV).
#[differentiable(wrt(net))]
pub fn cnn_predict(net: &Cnn, y: &[f64]) -> Vec<f64> {
    let mut v = vec![0.0; y.len()];
    for i in 0..y.len() {
        v[i] = y[i] / DATA_SCALE;
    }
    let a = nn::tanh(&nn::conv1d(&net.c1, &v));
    let b = nn::tanh(&nn::conv1d(&net.c2, &a));
    nn::dense(&net.head, &b)
}

/// The CNN's mean squared error on one sample.
#[differentiable(wrt(net))]
pub fn cnn_loss(net: &Cnn, y: &[f64], x_true: &[f64]) -> f64 {
    let x = cnn_predict(net, y);
    squared_error(&x, x_true)
}

/// `‖x − x_true‖² / n`.
#[differentiable(wrt(x))]
pub fn squared_error(x: &[f64], x_true: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let e = x[i] - x_true[i];
        s += e * e;
    }
    s / x.len() as f64
}

/// A sample as the learned solvers see it: the data, the rRIM's `b = P y` and start `x0`, and
/// the true glue function.
#[derive(Clone, Debug, PartialEq)]
pub struct Prepared {
    /// `1/τ(ω)` on the operator's `ω` grid (meV, unscaled).
    pub y: Vec<f64>,
    /// `P y`.
    pub b: Vec<f64>,
    /// The rRIM's random start, uniform in `[0, 0.1)`.
    pub x0: Vec<f64>,
    /// The glue function.
    pub x: Vec<f64>,
}

/// `C = P A` (`n x n`, row-major) of the operator, and each sample prepared with a start
/// drawn from `seed`; `h` in the paper's scaled units (0.01).
pub fn prepare(
    op: &super::Operator,
    h: f64,
    samples: &[super::data::Sample],
    seed: u64,
) -> Result<(Vec<f64>, Vec<Prepared>), super::SpectralError> {
    let p = super::landweber::preconditioner(op, h)?;
    let pa = &p * &op.a;
    let n = op.cols();
    let c = (0..n * n).map(|k| pa[(k / n, k % n)]).collect();
    let mut rng = SplitMix64(seed);
    let prepared = samples
        .iter()
        .map(|s| Prepared {
            b: prepare_one(&p, &s.y),
            x0: start_from(n, &mut rng),
            y: s.y.clone(),
            x: s.x.clone(),
        })
        .collect();
    Ok((c, prepared))
}

/// `b = P y`.
fn prepare_one(p: &backsolve_core::faer::Mat<f64>, y: &[f64]) -> Vec<f64> {
    (0..p.nrows())
        .map(|j| (0..y.len()).map(|i| p[(j, i)] * y[i]).sum())
        .collect()
}

/// An rRIM start: `n` values uniform in `[0, 0.1)`.
fn start_from(n: usize, rng: &mut SplitMix64) -> Vec<f64> {
    (0..n).map(|_| rng.range(0.0, 0.1)).collect()
}

/// The rRIM start drawn from `seed` alone.
fn random_start(n: usize, seed: u64) -> Vec<f64> {
    start_from(n, &mut SplitMix64(seed))
}

/// One of the three learned solvers.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "lowercase"))]
pub enum Model {
    /// The regularized recurrent inference machine.
    Rrim(Rrim),
    /// The fully connected baseline.
    Fcn(Fcn),
    /// The convolutional baseline.
    Cnn(Cnn),
}

impl Model {
    /// The model's name on the command line and in tables.
    pub fn name(&self) -> &'static str {
        match self {
            Model::Rrim(_) => "rrim",
            Model::Fcn(_) => "fcn",
            Model::Cnn(_) => "cnn",
        }
    }

    /// The parameters as one vector.
    pub fn params(&self) -> Vec<f64> {
        use backsolve_core::Differentiable;
        match self {
            Model::Rrim(n) => n.to_reals(),
            Model::Fcn(n) => n.to_reals(),
            Model::Cnn(n) => n.to_reals(),
        }
    }

    /// The same architecture with the parameters `params`.
    pub fn with_params(&self, params: &[f64]) -> Model {
        use backsolve_core::Differentiable;
        let mut m = self.clone();
        match &mut m {
            Model::Rrim(n) => n.read_reals(params),
            Model::Fcn(n) => n.read_reals(params),
            Model::Cnn(n) => n.read_reals(params),
        };
        m
    }
}

/// A [`Model`] with its operator's `C = P A`, trained on [`Prepared`] samples by
/// [`backsolve_core::inverse::train`]. The rRIM's loss is the accumulated loss over its steps,
/// the baselines' the mean squared error.
pub struct Trainer {
    /// The architecture (its parameters are ignored: the trainer's are passed in).
    pub model: Model,
    /// `C = P A`.
    pub c: Vec<f64>,
}

fn zeroed<T: backsolve_core::Differentiable>(like: &T) -> T {
    let mut z = like.clone();
    z.read_reals(&vec![0.0; like.n_reals()]);
    z
}

impl Trainer {
    /// The estimate of the glue function for one sample (the rRIM's last step).
    pub fn predict(&self, params: &[f64], s: &Prepared) -> Vec<f64> {
        match self.model.with_params(params) {
            Model::Rrim(n) => rrim_estimates(&n, &self.c, &s.b, &s.x0)
                .pop()
                .unwrap_or_else(|| s.x0.clone()),
            Model::Fcn(n) => fcn_predict(&n, &s.y),
            Model::Cnn(n) => cnn_predict(&n, &s.y),
        }
    }

    /// The mean squared error of the (unsmoothed) estimates over `samples`.
    pub fn mse(&self, params: &[f64], samples: &[Prepared]) -> f64 {
        let total: f64 = samples
            .iter()
            .map(|s| squared_error(&self.predict(params, s), &s.x))
            .sum();
        total / samples.len().max(1) as f64
    }
}

impl backsolve_core::inverse::Learner for Trainer {
    type Sample = Prepared;

    fn loss_and_gradient(&self, params: &[f64], s: &Prepared, grad: &mut [f64]) -> f64 {
        use backsolve_core::Differentiable;
        let (loss, g) = match self.model.with_params(params) {
            Model::Rrim(n) => {
                let mut d = zeroed(&n);
                let l = rrim_loss_pullback(&n, &self.c, &s.b, &s.x0, &s.x, 1.0, &mut d);
                (l, d.to_reals())
            }
            Model::Fcn(n) => {
                let mut d = zeroed(&n);
                (fcn_loss_pullback(&n, &s.y, &s.x, 1.0, &mut d), d.to_reals())
            }
            Model::Cnn(n) => {
                let mut d = zeroed(&n);
                (cnn_loss_pullback(&n, &s.y, &s.x, 1.0, &mut d), d.to_reals())
            }
        };
        grad.iter_mut().zip(g).for_each(|(a, b)| *a += b);
        loss
    }

    fn loss(&self, params: &[f64], s: &Prepared) -> f64 {
        match self.model.with_params(params) {
            Model::Rrim(n) => rrim_loss(&n, &self.c, &s.b, &s.x0, &s.x),
            Model::Fcn(n) => fcn_loss(&n, &s.y, &s.x),
            Model::Cnn(n) => cnn_loss(&n, &s.y, &s.x),
        }
    }
}

/// Standard deviation of the Gaussian kernel that smooths every learned estimate (meV): two
/// points of the standard 4 meV grid, narrower than the narrowest Gaussian of the training
/// mixtures (5 meV) plus the grid's resolution.
pub const SMOOTHING_MEV: f64 = 8.0;

/// Gaussian kernel smoothing of `x` sampled every `step` with standard deviation `width`
/// (same unit): `x̃_j = Σ_k w_jk x_k / Σ_k w_jk`, `w_jk = exp(−(j−k)² step² / 2 width²)`
/// over `|j − k| step <= 3 width` and the points of the grid. `width = 0` returns `x`.
pub fn smooth(x: &[f64], step: f64, width: f64) -> Vec<f64> {
    let positive = |v: f64| v > 0.0 && v.is_finite();
    if !positive(width) || !positive(step) {
        return x.to_vec();
    }
    let reach = (3.0 * width / step).ceil() as usize;
    let weight = |d: usize| (-((d as f64 * step) / width).powi(2) / 2.0).exp();
    (0..x.len())
        .map(|j| {
            let lo = j.saturating_sub(reach);
            let hi = (j + reach).min(x.len() - 1);
            let (sum, norm) = (lo..=hi).fold((0.0, 0.0), |(s, n), k| {
                let w = weight(j.abs_diff(k));
                (s + w * x[k], n + w)
            });
            sum / norm
        })
        .collect()
}

/// The rRIM's latent memory in the standard architecture.
pub const RRIM_LATENT: usize = 32;
/// The FCN's hidden width in the standard architecture.
pub const FCN_HIDDEN: usize = 128;
/// The CNN's feature channels in the standard architecture.
pub const CNN_CHANNELS: usize = 16;
/// The rRIM's steps `N_t`.
pub const RRIM_STEPS: usize = 15;

impl Model {
    /// The standard architecture of `kind` (`rrim`, `fcn`, `cnn`) for `m` data and `n` glue
    /// points, seeded; `None` for an unknown kind.
    pub fn standard(kind: &str, m: usize, n: usize, rng: &mut SplitMix64) -> Option<Model> {
        Some(match kind {
            "rrim" => Model::Rrim(Rrim::new(n, RRIM_LATENT, RRIM_STEPS, rng)),
            "fcn" => Model::Fcn(Fcn::new(m, n, FCN_HIDDEN, rng)),
            "cnn" => Model::Cnn(Cnn::new(m, n, CNN_CHANNELS, rng)),
            _ => return None,
        })
    }
}
