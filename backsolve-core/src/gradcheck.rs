//! Gradient checking: a pullback against central finite differences.
//!
//! Every real component of every active argument (real and imaginary parts of complex values
//! separately) is perturbed by `±h` and `±h/2`; the two central differences are combined by
//! Richardson extrapolation, whose error is `O(h⁴)`, so a correct gradient agrees to ~1e-10 and
//! a tolerance of 1e-6 leaves room only for real mistakes. A second, independent check pairs the
//! gradient with a random direction (the "dot-product test").
//!
//! `#[differentiable(check)]` generates `NAME_gradcheck(args..)` on top of [`check_gradient`];
//! with `forward` also `NAME_jvpcheck(args..)` on top of [`check_tangent`], whose report the
//! gradient check carries.

use crate::differentiable::SplitMix64;
use std::fmt;

/// Options of a gradient check.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// Relative step: `h = step · max(1, |x_j|)`.
    pub step: f64,
    /// Seed for the random output cotangent and the random direction.
    pub seed: u64,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            step: 1e-3,
            seed: 0x5eed,
        }
    }
}

/// One real component of one argument.
#[derive(Clone, Debug)]
pub struct GradEntry {
    /// Name of the argument.
    pub param: String,
    /// Index in the argument's flat real view (complex: `2k` is `Re`, `2k+1` is `Im`).
    pub index: usize,
    /// The pullback's value.
    pub adjoint: f64,
    /// The finite-difference value.
    pub finite_difference: f64,
}

/// The result of a gradient check.
#[derive(Clone, Debug)]
pub struct GradReport {
    /// Every component checked.
    pub entries: Vec<GradEntry>,
    /// `max_j |adjoint_j - fd_j| / max_j max(|adjoint_j|, |fd_j|)`: the normwise relative error.
    pub worst_rel_err: f64,
    /// Directional derivative along a random direction: (from the pullback, by differences).
    pub directional: (f64, f64),
    /// Set when a perturbed evaluation ran a `while` loop another number of times than the
    /// evaluation at the point: `(iterations at the point, iterations perturbed)` of every
    /// counted loop, in source order, for the first such evaluation. The differences then
    /// compare two programs, and a disagreement says nothing about the pullback.
    pub trip_count_change: Option<(Vec<usize>, Vec<usize>)>,
    /// The forward-mode check at the same point, for a function that also has `forward`
    /// (`#[differentiable(check, forward, reverse)]`); [`GradReport::assert_close`] does not
    /// look at it, [`TangentReport::assert_close`] does.
    pub tangent: Option<TangentReport>,
}

impl GradReport {
    /// Relative error of the dot-product (random direction) test.
    pub fn directional_rel_err(&self) -> f64 {
        let (a, f) = self.directional;
        (a - f).abs() / a.abs().max(f.abs()).max(f64::MIN_POSITIVE)
    }

    /// The larger of the componentwise-normwise and the directional error.
    pub fn max_rel_err(&self) -> f64 {
        self.worst_rel_err.max(self.directional_rel_err())
    }

    /// Panics with the report when either error exceeds `tol`.
    #[track_caller]
    pub fn assert_close(&self, tol: f64) {
        assert!(
            self.max_rel_err() <= tol,
            "gradient check failed (tolerance {tol:e}):\n{self}"
        );
        assert!(
            self.entries.iter().any(|e| e.finite_difference != 0.0),
            "gradient check is vacuous: every finite difference is zero\n{self}"
        );
    }
}

impl fmt::Display for GradReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "normwise relative error {:.3e}, directional {:.3e} (pullback {:.12e}, differences {:.12e})",
            self.worst_rel_err,
            self.directional_rel_err(),
            self.directional.0,
            self.directional.1
        )?;
        writeln!(
            f,
            "{:>12} {:>6} {:>22} {:>22}",
            "argument", "index", "pullback", "differences"
        )?;
        if let Some((at, perturbed)) = &self.trip_count_change {
            writeln!(
                f,
                "note: the finite differences crossed a change of a while loop's trip count ({at:?} iterations at the point, {perturbed:?} perturbed): they compare two programs, so a disagreement there does not show a wrong pullback; check at another point or with a smaller step, or end the loop exactly (a shortened last step) to make its end differentiable"
            )?;
        }
        let mut worst: Vec<&GradEntry> = self.entries.iter().collect();
        worst.sort_by(|a, b| {
            let ea = (a.adjoint - a.finite_difference).abs();
            let eb = (b.adjoint - b.finite_difference).abs();
            eb.total_cmp(&ea)
        });
        for e in worst.iter().take(12) {
            writeln!(
                f,
                "{:>12} {:>6} {:>22.14e} {:>22.14e}",
                e.param, e.index, e.adjoint, e.finite_difference
            )?;
        }
        Ok(())
    }
}

/// Richardson-extrapolated central difference of `loss` along `dir` at `x`.
fn directional_difference(
    loss: &mut dyn FnMut(&[f64]) -> f64,
    x: &[f64],
    dir: &[f64],
    h: f64,
) -> f64 {
    let mut shifted = |t: f64| {
        let p: Vec<f64> = x.iter().zip(dir).map(|(xi, di)| xi + t * di).collect();
        loss(&p)
    };
    let d1 = (shifted(h) - shifted(-h)) / (2.0 * h);
    let d2 = (shifted(h / 2.0) - shifted(-h / 2.0)) / h;
    (4.0 * d2 - d1) / 3.0
}

/// Compare `grad` (from a pullback) with finite differences of the scalar `loss` at `x`.
///
/// `params` names consecutive blocks of `x`: `(name, number of reals)`.
pub fn check_gradient(
    params: &[(&str, usize)],
    x: &[f64],
    grad: &[f64],
    mut loss: impl FnMut(&[f64]) -> f64,
    opts: &CheckOptions,
) -> GradReport {
    assert_eq!(
        x.len(),
        grad.len(),
        "check_gradient: {} parameters but a gradient of length {}",
        x.len(),
        grad.len()
    );
    let total: usize = params.iter().map(|p| p.1).sum();
    assert_eq!(
        total,
        x.len(),
        "check_gradient: parameter blocks cover {total} reals, x has {}",
        x.len()
    );
    let mut entries = Vec::with_capacity(x.len());
    let mut unit = vec![0.0; x.len()];
    let mut offset = 0;
    for &(name, count) in params {
        for k in 0..count {
            let j = offset + k;
            unit[j] = 1.0;
            let h = opts.step * x[j].abs().max(1.0);
            let fd = directional_difference(&mut loss, x, &unit, h);
            unit[j] = 0.0;
            entries.push(GradEntry {
                param: name.to_string(),
                index: k,
                adjoint: grad[j],
                finite_difference: fd,
            });
        }
        offset += count;
    }
    let scale = entries
        .iter()
        .map(|e| e.adjoint.abs().max(e.finite_difference.abs()))
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    let worst_abs = entries
        .iter()
        .map(|e| (e.adjoint - e.finite_difference).abs())
        .fold(0.0, f64::max);

    let mut rng = SplitMix64(opts.seed ^ 0xd1_7ec7);
    let dir: Vec<f64> = x.iter().map(|_| rng.range(-1.0, 1.0)).collect();
    let xscale = x.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    let along = directional_difference(&mut loss, x, &dir, opts.step * xscale);
    let predicted: f64 = grad.iter().zip(&dir).map(|(g, d)| g * d).sum();

    GradReport {
        entries,
        worst_rel_err: worst_abs / scale,
        directional: (predicted, along),
        trip_count_change: None,
        tangent: None,
    }
}

/// The result of a forward-mode check ([`check_tangent`]).
#[derive(Clone, Debug)]
pub struct TangentReport {
    /// The tangent from the jvp, flattened (complex: `Re`, `Im`).
    pub tangent: Vec<f64>,
    /// The Richardson-extrapolated central differences along the same direction.
    pub finite_difference: Vec<f64>,
    /// `max_i |tangent_i - fd_i| / max_i max(|tangent_i|, |fd_i|)`.
    pub worst_rel_err: f64,
    /// `(<w, J v>, <Jᵀ w, v>)` for a random output cotangent `w`: the tangent paired with `w`,
    /// and the pullback of `w` paired with the direction; `None` without reverse mode.
    pub dots: Option<(f64, f64)>,
}

impl TangentReport {
    /// Relative disagreement of the dot-product identity (0 without reverse mode).
    pub fn dot_rel_err(&self) -> f64 {
        self.dots.map_or(0.0, |(a, b)| {
            (a - b).abs() / a.abs().max(b.abs()).max(f64::MIN_POSITIVE)
        })
    }

    /// Panics with the report when the tangent differs from the differences by more than
    /// `fd_tol` or the dot-product identity fails by more than `dot_tol` (relative).
    #[track_caller]
    pub fn assert_close(&self, fd_tol: f64, dot_tol: f64) {
        assert!(
            self.worst_rel_err <= fd_tol && self.dot_rel_err() <= dot_tol,
            "forward-mode check failed (tolerances {fd_tol:e}, {dot_tol:e}):\n{self}"
        );
        assert!(
            self.finite_difference.iter().any(|d| *d != 0.0),
            "forward-mode check is vacuous: every finite difference is zero\n{self}"
        );
    }
}

impl fmt::Display for TangentReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "normwise relative error {:.3e}", self.worst_rel_err)?;
        match self.dots {
            Some((a, b)) => writeln!(
                f,
                ", dot-product identity {:.3e} (<w, J v> {a:.14e}, <J^T w, v> {b:.14e})",
                self.dot_rel_err()
            )?,
            None => writeln!(f)?,
        }
        writeln!(f, "{:>6} {:>22} {:>22}", "output", "tangent", "differences")?;
        let mut order: Vec<usize> = (0..self.tangent.len()).collect();
        order.sort_by(|&a, &b| {
            let ea = (self.tangent[a] - self.finite_difference[a]).abs();
            let eb = (self.tangent[b] - self.finite_difference[b]).abs();
            eb.total_cmp(&ea)
        });
        for &i in order.iter().take(12) {
            writeln!(
                f,
                "{i:>6} {:>22.14e} {:>22.14e}",
                self.tangent[i], self.finite_difference[i]
            )?;
        }
        Ok(())
    }
}

/// Compare the tangent `tangent` of `eval` at `x` along `dir` (from a jvp) with
/// Richardson-extrapolated central differences of `eval`; `dots` is the dot-product identity's
/// two sides when a pullback is at hand.
pub fn check_tangent(
    x: &[f64],
    dir: &[f64],
    tangent: &[f64],
    mut eval: impl FnMut(&[f64]) -> Vec<f64>,
    dots: Option<(f64, f64)>,
    opts: &CheckOptions,
) -> TangentReport {
    let h = opts.step * x.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    let mut shifted = |t: f64| {
        let p: Vec<f64> = x.iter().zip(dir).map(|(xi, di)| xi + t * di).collect();
        eval(&p)
    };
    let (p1, m1, p2, m2) = (shifted(h), shifted(-h), shifted(h / 2.0), shifted(-h / 2.0));
    let finite_difference: Vec<f64> = (0..tangent.len().min(p1.len()))
        .map(|i| {
            let d1 = (p1[i] - m1[i]) / (2.0 * h);
            let d2 = (p2[i] - m2[i]) / h;
            (4.0 * d2 - d1) / 3.0
        })
        .collect();
    let scale = tangent
        .iter()
        .chain(&finite_difference)
        .fold(f64::MIN_POSITIVE, |m, v| m.max(v.abs()));
    let mut worst = tangent
        .iter()
        .zip(&finite_difference)
        .fold(0.0f64, |m, (t, d)| m.max((t - d).abs()))
        / scale;
    if tangent.len() != finite_difference.len() {
        worst = f64::INFINITY;
    }
    TangentReport {
        tangent: tangent.to_vec(),
        finite_difference,
        worst_rel_err: worst,
        dots,
    }
}
