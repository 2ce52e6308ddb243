//! A trained learned solver as a file's contents: the architecture with its parameters, the
//! grids and temperature of the operator it was trained on, the rRIM's `h`, the smoothing
//! width, and how it was trained; and [`Inference`], which runs it on spectra.

use super::{cnn_predict, fcn_predict, prepare_one, rrim_estimates, smooth, Model};
use crate::spectral::kernel::BOLTZMANN_MEV;
use crate::spectral::landweber::preconditioner;
use crate::spectral::{Operator, SpectralError};
use backsolve_core::faer::Mat;
use backsolve_core::nn::ShapeError;

/// The format tag of a saved model; files of another tag are refused.
pub const MODEL_FORMAT: &str = "backsolve-spectral-model/1";

/// The operator's grids: `ω` as given, `Ω_j = j ΔΩ` for `j = 1..n`, and the temperature.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Grid {
    /// Frequencies of the data `ω_i` (meV).
    pub omega: Vec<f64>,
    /// Boson energies `n`.
    pub n: usize,
    /// `ΔΩ` (meV).
    pub d_omega: f64,
    /// Temperature (K).
    pub kelvin: f64,
}

impl Grid {
    /// The grids of `op`.
    pub fn of(op: &Operator) -> Grid {
        Grid {
            omega: op.omega.clone(),
            n: op.cols(),
            d_omega: op.d_omega,
            kelvin: op.t / BOLTZMANN_MEV,
        }
    }

    /// The operator on these grids.
    pub fn operator(&self) -> Result<Operator, SpectralError> {
        Operator::on_points(self.omega.clone(), self.n, self.d_omega, self.kelvin)
    }
}

/// How a saved model was trained.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TrainingRecord {
    /// Dataset size before the 0.8 / 0.1 / 0.1 split.
    pub dataset_size: usize,
    /// Noise level `σ` (times each sample's maximum).
    pub noise: f64,
    /// Seed of the dataset, the initialization and the shuffles.
    pub seed: u64,
    /// Epochs run.
    pub epochs: usize,
    /// The epoch of the lowest validation loss (whose parameters are saved).
    pub best_epoch: usize,
    /// That validation loss (the model's training loss, unsmoothed).
    pub best_validation: f64,
    /// Mean squared error of the smoothed estimates on the test split.
    pub test_mse: f64,
    /// Wall time of the training (s).
    pub seconds: f64,
}

/// A trained model and everything needed to run it on new data.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SavedModel {
    /// [`MODEL_FORMAT`].
    pub format: String,
    /// Architecture and parameters.
    pub model: Model,
    /// The operator it was trained on.
    pub grid: Grid,
    /// The rRIM's preconditioner shift `h` (scaled units).
    pub h: f64,
    /// Width of the output smoothing (meV; 0: none).
    pub smoothing_mev: f64,
    /// Seed of the rRIM's start `x_0` at inference (the same start for every spectrum).
    pub start_seed: u64,
    /// How it was trained (absent for an untrained model).
    pub training: Option<TrainingRecord>,
}

/// Why a saved model cannot be run.
#[derive(Clone, Debug, PartialEq)]
pub enum SavedModelError {
    /// Another format tag.
    Format(String),
    /// A layer's vectors do not match its sizes.
    Layer(ShapeError),
    /// The layers do not fit the grids.
    Architecture(String),
    /// The grids or settings do not make an operator.
    Spectral(SpectralError),
}

impl std::fmt::Display for SavedModelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SavedModelError::Format(tag) => write!(
                f,
                "model format \"{tag}\" is not \"{MODEL_FORMAT}\" (a file of another program or version)"
            ),
            SavedModelError::Layer(e) => write!(f, "model: {e}"),
            SavedModelError::Architecture(why) => write!(f, "model: {why}"),
            SavedModelError::Spectral(e) => write!(f, "model grids: {e}"),
        }
    }
}

impl std::error::Error for SavedModelError {}

impl From<ShapeError> for SavedModelError {
    fn from(e: ShapeError) -> Self {
        SavedModelError::Layer(e)
    }
}

impl From<SpectralError> for SavedModelError {
    fn from(e: SpectralError) -> Self {
        SavedModelError::Spectral(e)
    }
}

/// `Err` naming `what` unless `got == expected`.
fn fits(what: &str, got: usize, expected: usize) -> Result<(), SavedModelError> {
    if got == expected {
        Ok(())
    } else {
        Err(SavedModelError::Architecture(format!(
            "{what} is {got}, the grids call for {expected}"
        )))
    }
}

impl SavedModel {
    /// `model` trained on `op` with the standard `h`, smoothing and start seed.
    pub fn new(model: Model, op: &Operator, training: Option<TrainingRecord>) -> SavedModel {
        SavedModel {
            format: MODEL_FORMAT.to_string(),
            model,
            grid: Grid::of(op),
            h: crate::spectral::landweber::DEFAULT_H,
            smoothing_mev: super::SMOOTHING_MEV,
            start_seed: 0,
            training,
        }
    }

    /// Checks the format tag, every layer's shapes and that the layers fit the grids.
    pub fn check(&self) -> Result<(), SavedModelError> {
        if self.format != MODEL_FORMAT {
            return Err(SavedModelError::Format(self.format.clone()));
        }
        let (m, n) = (self.grid.omega.len(), self.grid.n);
        match &self.model {
            Model::Rrim(r) => {
                r.cell.check_shapes()?;
                r.out.check_shapes()?;
                fits("the rRIM's GRU input", r.cell.n_in, 2 * n)?;
                fits("the rRIM's output layer input", r.out.n_in, r.cell.n_hidden)?;
                fits("the rRIM's output layer width", r.out.n_out, n)?;
            }
            Model::Fcn(f) => {
                for l in [&f.l1, &f.l2, &f.l3] {
                    l.check_shapes()?;
                }
                fits("the FCN's input", f.l1.n_in, m)?;
                fits("the FCN's second layer input", f.l2.n_in, f.l1.n_out)?;
                fits("the FCN's third layer input", f.l3.n_in, f.l2.n_out)?;
                fits("the FCN's output", f.l3.n_out, n)?;
            }
            Model::Cnn(c) => {
                c.c1.check_shapes()?;
                c.c2.check_shapes()?;
                c.head.check_shapes()?;
                fits("the CNN's input channels", c.c1.c_in, 1)?;
                fits(
                    "the CNN's second convolution's channels",
                    c.c2.c_in,
                    c.c1.c_out,
                )?;
                let features = c.c1.output_len(m).and_then(|l| c.c2.output_len(l));
                let features = features.ok_or_else(|| {
                    SavedModelError::Architecture(format!(
                        "the CNN's kernels do not fit {m} data points"
                    ))
                })?;
                fits("the CNN's head input", c.head.n_in, c.c2.c_out * features)?;
                fits("the CNN's output", c.head.n_out, n)?;
            }
        }
        Ok(())
    }

    /// The model ready to run: checked, with its operator and the rRIM's `P` and `C = P A`.
    pub fn inference(&self) -> Result<Inference, SavedModelError> {
        self.check()?;
        let op = self.grid.operator()?;
        let p = preconditioner(&op, self.h)?;
        let n = op.cols();
        let pa = &p * &op.a;
        let c = (0..n * n).map(|k| pa[(k / n, k % n)]).collect();
        let start = super::random_start(n, self.start_seed);
        Ok(Inference {
            saved: self.clone(),
            op,
            p,
            c,
            start,
        })
    }
}

/// A checked [`SavedModel`] with its operator, run on spectra.
pub struct Inference {
    saved: SavedModel,
    op: Operator,
    p: Mat<f64>,
    c: Vec<f64>,
    start: Vec<f64>,
}

impl Inference {
    /// The operator of the model's grids.
    pub fn operator(&self) -> &Operator {
        &self.op
    }

    /// The model.
    pub fn saved(&self) -> &SavedModel {
        &self.saved
    }

    /// The rRIM's estimates `x_1, ..., x_{N_t}` from `y` (unsmoothed), or for a baseline its
    /// one estimate.
    pub fn steps(&self, y: &[f64]) -> Result<Vec<Vec<f64>>, SpectralError> {
        self.op.check_data(y)?;
        if let Some(i) = y.iter().position(|v| !v.is_finite()) {
            return Err(SpectralError::Value {
                name: "y",
                value: y[i],
                need: "finite at every frequency",
            });
        }
        Ok(match &self.saved.model {
            Model::Rrim(r) => {
                let b = prepare_one(&self.p, y);
                rrim_estimates(r, &self.c, &b, &self.start)
            }
            Model::Fcn(f) => vec![fcn_predict(f, y)],
            Model::Cnn(c) => vec![cnn_predict(c, y)],
        })
    }

    /// The smoothed estimate of the glue function on the model's `Ω` grid from the scattering
    /// rate `y` (meV, unscaled, on the model's `ω` grid).
    pub fn infer(&self, y: &[f64]) -> Result<Vec<f64>, SpectralError> {
        let mut steps = self.steps(y)?;
        let last = steps.pop().unwrap_or_else(|| self.start.clone());
        Ok(smooth(&last, self.op.d_omega, self.saved.smoothing_mev))
    }
}
