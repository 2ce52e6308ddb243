//! One-dimensional convolution (cross-correlation, as in the usual deep-learning libraries).

use super::Init;
use crate::SplitMix64;
use backsolve_macros::{differentiable, Differentiable};

/// `c_out` filters of `c_in` channels and `kernel` taps, moved by `stride` over the input
/// padded with `padding` zeros on each side.
#[derive(Clone, Debug, PartialEq, Differentiable)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Conv1d {
    /// Filters, `w[(o * c_in + c) * kernel + k]`.
    pub w: Vec<f64>,
    /// One bias per output channel.
    pub b: Vec<f64>,
    /// Input channels.
    #[differentiable(skip)]
    pub c_in: usize,
    /// Output channels.
    #[differentiable(skip)]
    pub c_out: usize,
    /// Taps per filter.
    #[differentiable(skip)]
    pub kernel: usize,
    /// Step between output positions.
    #[differentiable(skip)]
    pub stride: usize,
    /// Zeros added on each side.
    #[differentiable(skip)]
    pub padding: usize,
}

impl Conv1d {
    /// A convolution with seeded filters drawn by `init` (fans `c_in * kernel` and
    /// `c_out * kernel`) and zero biases. Panics on a zero kernel or stride.
    pub fn new(
        c_in: usize,
        c_out: usize,
        kernel: usize,
        stride: usize,
        padding: usize,
        init: Init,
        rng: &mut SplitMix64,
    ) -> Self {
        assert!(
            kernel > 0 && stride > 0,
            "conv1d: kernel and stride must be positive"
        );
        Conv1d {
            w: init.weights(c_out * c_in * kernel, c_in * kernel, c_out * kernel, rng),
            b: vec![0.0; c_out],
            c_in,
            c_out,
            kernel,
            stride,
            padding,
        }
    }

    /// Output length for an input of length `l` per channel (`None` if the kernel does not fit).
    pub fn output_len(&self, l: usize) -> Option<usize> {
        let padded = l + 2 * self.padding;
        (padded >= self.kernel).then(|| (padded - self.kernel) / self.stride + 1)
    }

    /// The number of trainable parameters.
    pub fn n_params(&self) -> usize {
        self.w.len() + self.b.len()
    }

    /// Checks the filters' and biases' lengths against the sizes, and that kernel and stride
    /// are positive.
    pub fn check_shapes(&self) -> Result<(), super::ShapeError> {
        let zero_size = |field| super::ShapeError {
            block: "conv1d",
            field,
            len: 0,
            expected: 1,
        };
        if self.kernel == 0 {
            return Err(zero_size("kernel"));
        }
        if self.stride == 0 {
            return Err(zero_size("stride"));
        }
        super::check_lengths(
            "conv1d",
            &[
                ("w", &self.w, self.c_out * self.c_in * self.kernel),
                ("b", &self.b, self.c_out),
            ],
        )
    }
}

/// The convolution of a channel-major signal `x` (`c_in` channels of equal length); the result
/// is channel-major, `c_out` channels of [`Conv1d::output_len`]. Panics if `x.len()` is not a
/// multiple of `c_in` or the kernel does not fit.
// `as usize` tells the activity analysis that a size read from the parameters is an integer.
#[allow(clippy::unnecessary_cast)]
#[differentiable(forward, reverse)]
pub fn conv1d(layer: &Conv1d, x: &[f64]) -> Vec<f64> {
    assert_eq!(
        x.len() % layer.c_in,
        0,
        "conv1d: input length is not a multiple of c_in"
    );
    // Sizes read from the parameter struct through `as usize`: integers, never differentiated.
    let (l, pad) = (x.len() / layer.c_in as usize, layer.padding as usize);
    assert!(
        l + 2 * pad >= layer.kernel,
        "conv1d: the kernel is longer than the padded input"
    );
    let l_out = (l + 2 * pad - layer.kernel as usize) / layer.stride as usize + 1;
    let mut y = vec![0.0; layer.c_out * l_out];
    for o in 0..layer.c_out {
        for t in 0..l_out {
            let mut s = layer.b[o];
            for c in 0..layer.c_in {
                for k in 0..layer.kernel {
                    let pos = t * layer.stride as usize + k;
                    if pos >= pad && pos < l + pad {
                        s +=
                            layer.w[(o * layer.c_in + c) * layer.kernel + k] * x[c * l + pos - pad];
                    }
                }
            }
            y[o * l_out + t] = s;
        }
    }
    y
}
