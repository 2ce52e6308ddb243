//! Differentiable linear algebra and FFT on faer and rustfft.
//!
//! Every primitive has its forward computation and its adjoint rule side by side, the rule's
//! formula in the doc comment (convention: for a real loss `L`, `X̄ = ∂L/∂Re X + i ∂L/∂Im X`,
//! so `dL = Re tr(X̄ᴴ dX)`; references in `reference/adjoint-rules.md` of the design notes and
//! the papers cited per function). Inside `#[differentiable]` code call them through the module
//! path (`linalg::qr(&a)`) or a glob import (`use backsolve::linalg::*`): the macro calls each
//! primitive's `__forward_NAME`, which keeps what the rule needs (a factorization, the outputs),
//! and `__reverse_NAME`, which never factorizes again. Forward mode calls `__jvp_NAME`, the
//! tangent rule written beside the adjoint rule; a constant argument (`NoTan`) drops its term.
//!
//! Bad input (non-square where square is required, mismatched shapes, singular or non-positive-
//! definite matrices, NaN) is a [`LinalgError`] from the `try_` functions; the plain functions
//! panic with the same message, which names the primitive, the argument and the shapes.
//! Everything here runs sequentially (`Par::Seq`): parallelism belongs across independent
//! evaluations, where it pays.

mod blocks;
mod eigen;
mod fft;
mod linear;
mod products;
mod qr;
mod solve;

pub use blocks::*;
pub use eigen::*;
pub use fft::*;
pub use linear::*;
pub use products::*;
pub use qr::*;
pub use solve::*;

use crate::matrix::MatElem;
use crate::rules::Scalar;
use faer::Mat;
use std::fmt;

/// The sum of the tangent terms that are present, or a zero `rows x cols` tangent.
fn tangent_sum<T: LinScalar>(
    rows: usize,
    cols: usize,
    terms: impl IntoIterator<Item = Option<Mat<T>>>,
) -> Mat<T> {
    terms
        .into_iter()
        .flatten()
        .reduce(|a, b| a + b)
        .unwrap_or_else(|| Mat::zeros(rows, cols))
}

/// Scalars of the linear-algebra primitives: `f64` and `c64`.
pub trait LinScalar: MatElem + Scalar + faer::traits::ComplexField {}
impl LinScalar for f64 {}
impl LinScalar for crate::c64 {}

/// What went wrong in a primitive.
#[derive(Clone, Debug, PartialEq)]
pub enum LinalgError {
    /// A square matrix was required.
    NotSquare {
        /// The primitive that refused the input.
        primitive: &'static str,
        /// The offending argument.
        arg: &'static str,
        /// Its shape (rows, columns).
        shape: (usize, usize),
    },
    /// Two arguments do not fit together.
    ShapeMismatch {
        /// The primitive that refused the input.
        primitive: &'static str,
        /// What the shapes must satisfy.
        expected: String,
        /// The first argument: name and shape.
        lhs: (&'static str, (usize, usize)),
        /// The second argument: name and shape.
        rhs: (&'static str, (usize, usize)),
    },
    /// The matrix is singular to working precision (a pivot below `n ε max|pivot|`).
    Singular {
        /// The primitive that refused the input.
        primitive: &'static str,
        /// Its shape (rows, columns).
        shape: (usize, usize),
        /// Index of the vanishing pivot.
        pivot: usize,
    },
    /// Cholesky found a non-positive pivot.
    NotPositiveDefinite {
        /// The primitive that refused the input.
        primitive: &'static str,
        /// Its shape (rows, columns).
        shape: (usize, usize),
    },
    /// An input holds NaN or infinity.
    NonFinite {
        /// The primitive that refused the input.
        primitive: &'static str,
        /// The offending argument.
        arg: &'static str,
    },
    /// `qr` needs at least as many rows as columns; a column of zeros has no QR direction.
    RankDeficient {
        /// The primitive that refused the input.
        primitive: &'static str,
        /// Its shape (rows, columns).
        shape: (usize, usize),
    },
    /// A length that is not the product of the stated dimensions.
    BadLength {
        /// The primitive that refused the input.
        primitive: &'static str,
        /// The offending argument.
        arg: &'static str,
        /// The length given.
        len: usize,
        /// The length required.
        expected: usize,
    },
    /// The eigensolver did not converge.
    NoConvergence {
        /// The primitive that failed.
        primitive: &'static str,
    },
}

impl fmt::Display for LinalgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use LinalgError::*;
        match self {
            NotSquare { primitive, arg, shape } => write!(
                f,
                "{primitive}: `{arg}` must be square, got {}x{}",
                shape.0, shape.1
            ),
            ShapeMismatch {
                primitive,
                expected,
                lhs,
                rhs,
            } => write!(
                f,
                "{primitive}: shapes do not fit ({expected}): `{}` is {}x{}, `{}` is {}x{}",
                lhs.0, lhs.1 .0, lhs.1 .1, rhs.0, rhs.1 .0, rhs.1 .1
            ),
            Singular {
                primitive,
                shape,
                pivot,
            } => write!(
                f,
                "{primitive}: the {}x{} matrix is singular to working precision (pivot {pivot})",
                shape.0, shape.1
            ),
            NotPositiveDefinite { primitive, shape } => write!(
                f,
                "{primitive}: the {}x{} matrix is not Hermitian positive definite",
                shape.0, shape.1
            ),
            NonFinite { primitive, arg } => {
                write!(f, "{primitive}: `{arg}` contains NaN or infinity")
            }
            RankDeficient { primitive, shape } => write!(
                f,
                "{primitive}: the {}x{} matrix has fewer rows than columns or a zero column: thin QR needs full column rank",
                shape.0, shape.1
            ),
            BadLength {
                primitive,
                arg,
                len,
                expected,
            } => write!(
                f,
                "{primitive}: `{arg}` has length {len}, expected {expected}"
            ),
            NoConvergence { primitive } => write!(f, "{primitive}: the eigensolver did not converge"),
        }
    }
}

impl std::error::Error for LinalgError {}

/// Unwrap a primitive's result with its message (the documented panic of the plain functions).
#[track_caller]
fn or_panic<T>(r: Result<T, LinalgError>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

fn shape<T>(m: &Mat<T>) -> (usize, usize) {
    (m.nrows(), m.ncols())
}

fn check_finite<T: LinScalar>(
    primitive: &'static str,
    arg: &'static str,
    m: &Mat<T>,
) -> Result<(), LinalgError> {
    for j in 0..m.ncols() {
        for i in 0..m.nrows() {
            if !m[(i, j)].is_finite() {
                return Err(LinalgError::NonFinite { primitive, arg });
            }
        }
    }
    Ok(())
}

fn check_square<T>(
    primitive: &'static str,
    arg: &'static str,
    m: &Mat<T>,
) -> Result<(), LinalgError> {
    if m.nrows() != m.ncols() {
        return Err(LinalgError::NotSquare {
            primitive,
            arg,
            shape: shape(m),
        });
    }
    Ok(())
}

/// A cotangent that may be a lazy zero (0x0) as a matrix of the given shape.
fn cotangent<T: LinScalar>(d: Mat<T>, m: usize, n: usize) -> Mat<T> {
    if d.nrows() == 0 && d.ncols() == 0 && (m, n) != (0, 0) {
        Mat::zeros(m, n)
    } else {
        d
    }
}

/// The Hermitian matrix a Hermitian primitive works on: the lower triangle of `a`, mirrored,
/// with the real part of the diagonal. Forming it explicitly makes the function exactly the one
/// whose adjoint [`project_lower_hermitian`] gives, whatever the solver reads.
fn mirror_lower<T: LinScalar>(a: &Mat<T>) -> Mat<T> {
    let n = a.nrows();
    Mat::from_fn(n, n, |i, j| {
        if i > j {
            a[(i, j)]
        } else if i < j {
            a[(j, i)].cj()
        } else {
            T::from_real(a[(i, i)].re())
        }
    })
}

/// The adjoint with respect to the lower triangle that a Hermitian primitive reads
/// (`A_ij = a_ij` for `i >= j`, `A_ji = conj(a_ij)`, the imaginary part of the diagonal
/// ignored): `L̄_ij = Ā_ij + conj(Ā_ji)` below the diagonal, `L̄_ii = Re Ā_ii`, zero above.
fn project_lower_hermitian<T: LinScalar>(g: &Mat<T>) -> Mat<T> {
    let n = g.nrows();
    Mat::from_fn(n, n, |i, j| {
        if i > j {
            g[(i, j)] + g[(j, i)].cj()
        } else if i == j {
            T::from_real(g[(i, i)].re())
        } else {
            T::default()
        }
    })
}
