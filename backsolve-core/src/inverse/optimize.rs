//! Optimizers: the paper's accept-or-halve gradient descent, Adam (Kingma & Ba 2015) and
//! L-BFGS (Nocedal & Wright, Numerical Optimization, alg. 7.4, with a backtracking Armijo line
//! search), truncated Newton with conjugate gradients on Hessian-vector products (Nocedal &
//! Wright alg. 7.1, the same line search), stopping on a cost tolerance, stagnation or an epoch
//! limit; multi-start from random initial guesses keeping the best (the paper's Monte Carlo
//! restarts).

use super::{Bounds, Objective};
use crate::differentiable::SplitMix64;

/// The optimization method.
#[derive(Clone, Debug, PartialEq)]
pub enum Method {
    /// The paper's rule: `x <- x - lr g` if the cost decreases, otherwise halve `lr` and retry.
    /// After an accepted step `lr` is multiplied by `grow` (1 is the paper's rule).
    Halving {
        /// Initial learning rate.
        lr: f64,
        /// Factor applied to `lr` after an accepted step.
        grow: f64,
    },
    /// Adam with the usual moment estimates.
    Adam {
        /// Step size.
        lr: f64,
        /// First-moment decay.
        beta1: f64,
        /// Second-moment decay.
        beta2: f64,
        /// Denominator guard.
        eps: f64,
    },
    /// Limited-memory BFGS with a backtracking line search.
    Lbfgs {
        /// Number of correction pairs kept.
        memory: usize,
    },
    /// Truncated Newton (Newton-CG): conjugate gradients on `∇²f p = −∇f` with
    /// [`Objective::hessian_vector`] products, stopped at the forcing tolerance
    /// `min(0.01, √‖∇f‖) ‖∇f‖`, at negative curvature or after `max_cg` products; then the
    /// weak-Wolfe line search of L-BFGS along `p`.
    NewtonCg {
        /// Hessian-vector products per epoch at most.
        max_cg: usize,
    },
    /// Newton-CG in a trust region (Steihaug's conjugate gradients, Nocedal & Wright alg. 7.2):
    /// conjugate gradients on the quadratic model stop at the region's boundary, following
    /// negative curvature there instead of falling back to the gradient; the region grows
    /// and shrinks with the ratio of actual to predicted decrease.
    NewtonTrust {
        /// Hessian-vector products per epoch at most.
        max_cg: usize,
    },
}

impl std::fmt::Display for Method {
    /// The method and its settings, as a user would write them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Method::Halving { lr, grow } => {
                write!(
                    f,
                    "accept-or-halve gradient descent (lr {lr}, growth {grow})"
                )
            }
            Method::Adam {
                lr,
                beta1,
                beta2,
                eps,
            } => {
                write!(f, "Adam (lr {lr}, beta1 {beta1}, beta2 {beta2}, eps {eps})")
            }
            Method::Lbfgs { memory } => write!(f, "L-BFGS (memory {memory})"),
            Method::NewtonCg { max_cg } => {
                write!(
                    f,
                    "Newton-CG (at most {max_cg} Hessian-vector products per epoch)"
                )
            }
            Method::NewtonTrust { max_cg } => write!(
                f,
                "trust-region Newton-CG (at most {max_cg} Hessian-vector products per epoch)"
            ),
        }
    }
}

impl Method {
    /// Adam with `beta1 = 0.9`, `beta2 = 0.999`, `eps = 1e-8`.
    pub fn adam(lr: f64) -> Method {
        Method::Adam {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        }
    }
}

/// When to stop.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// Stop once the cost is at or below this.
    pub cost_tol: f64,
    /// Stop when the cost decreased by less than `stagnation_rel` (relative) over the last
    /// `stagnation_window` epochs.
    pub stagnation_window: usize,
    /// See `stagnation_window`.
    pub stagnation_rel: f64,
    /// Stop after this many epochs.
    pub max_epochs: usize,
    /// Keep parameters inside these bounds (projection after each step). Projected gradient
    /// descent (`Halving`, `Adam`) is the sound choice with bounds; projected L-BFGS is a
    /// heuristic that may stall at active bounds.
    pub bounds: Option<Bounds>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            cost_tol: 0.0,
            stagnation_window: 50,
            stagnation_rel: 1e-12,
            max_epochs: 1000,
            bounds: None,
        }
    }
}

/// Why an optimization stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The cost reached `cost_tol`.
    Converged,
    /// No progress over the stagnation window.
    Stagnated,
    /// `max_epochs` reached.
    MaxEpochs,
    /// The step size underflowed (no decrease is possible along the gradient).
    StepUnderflow,
    /// The observer asked to stop (an interrupt, say).
    Interrupted,
}

impl std::fmt::Display for Stop {
    /// Why a run stopped, in words.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Stop::Converged => "converged: the cost reached its tolerance",
            Stop::Stagnated => "stagnated: no progress over the stagnation window",
            Stop::MaxEpochs => "epoch limit reached before convergence",
            Stop::StepUnderflow => "step underflow: no decrease along the search direction",
            Stop::Interrupted => "interrupted",
        })
    }
}

/// What an observer sees after each epoch.
#[derive(Clone, Debug)]
pub struct Progress<'a> {
    /// Epochs done.
    pub epoch: usize,
    /// Current cost.
    pub cost: f64,
    /// Current step size (learning rate or line-search step).
    pub step: f64,
    /// Current parameters.
    pub x: &'a [f64],
    /// Everything needed to resume from here (see [`resume`]).
    pub state: &'a State,
}

/// The result of an optimization.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// Best parameters found.
    pub x: Vec<f64>,
    /// Their cost.
    pub cost: f64,
    /// Epochs run.
    pub epochs: usize,
    /// Cost after every epoch (the first entry is the start).
    pub history: Vec<f64>,
    /// Why it stopped.
    pub stop: Stop,
    /// Objective evaluations (value and gradient, or value only).
    pub evaluations: usize,
    /// Hessian-vector products (Newton-CG).
    pub hessian_products: usize,
}

fn project(x: &mut [f64], b: Option<Bounds>) {
    if let Some(b) = b {
        b.project(x);
    }
}

fn axpy(x: &[f64], a: f64, d: &[f64]) -> Vec<f64> {
    x.iter().zip(d).map(|(xi, di)| xi + a * di).collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// L-BFGS two-loop recursion: `-H g` from the stored pairs.
fn lbfgs_direction(g: &[f64], pairs: &[(Vec<f64>, Vec<f64>)]) -> Vec<f64> {
    let mut q = g.to_vec();
    let mut alphas = Vec::with_capacity(pairs.len());
    for (s, y) in pairs.iter().rev() {
        let rho = 1.0 / dot(y, s);
        let a = rho * dot(s, &q);
        q = axpy(&q, -a, y);
        alphas.push((a, rho));
    }
    if let Some((s, y)) = pairs.last() {
        let gamma = dot(s, y) / dot(y, y);
        q.iter_mut().for_each(|v| *v *= gamma);
    }
    for ((s, y), (a, rho)) in pairs.iter().zip(alphas.into_iter().rev()) {
        let b = rho * dot(y, &q);
        q = axpy(&q, a - b, s);
    }
    q.iter_mut().for_each(|v| *v = -*v);
    q
}

/// A weak-Wolfe line search by bisection (Nocedal & Wright §3.1, conditions 3.6 with
/// `c1 = 1e-4`, `c2 = 0.9`): shrink while the sufficient-decrease condition fails, grow while
/// the slope is still too steep. Returns the accepted point (or the last sufficient-decrease
/// point if the bracket collapses) and the step.
#[allow(clippy::type_complexity)]
fn wolfe_search(
    obj: &mut dyn Objective,
    x: &[f64],
    d: &[f64],
    cost: f64,
    slope: f64,
    bounds: Option<Bounds>,
    evaluations: &mut usize,
) -> (Option<(Vec<f64>, f64, Vec<f64>)>, f64) {
    let (c1, c2) = (1e-4, 0.9);
    let (mut lo, mut hi) = (0.0, f64::INFINITY);
    let mut a = 1.0;
    let mut fallback = None;
    for _ in 0..60 {
        let mut trial = axpy(x, a, d);
        project(&mut trial, bounds);
        let (c, g) = obj.value_and_gradient(&trial);
        *evaluations += 1;
        // Written so that a NaN cost counts as no decrease.
        let sufficient = c <= cost + c1 * a * slope;
        if !sufficient {
            hi = a;
        } else if dot(&g, d) < c2 * slope {
            fallback = Some((trial, c, g, a));
            lo = a;
        } else {
            return (Some((trial, c, g)), a);
        }
        a = if hi.is_finite() {
            0.5 * (lo + hi)
        } else {
            2.0 * a
        };
        if hi - lo < 1e-20 {
            break;
        }
    }
    match fallback {
        Some((t, c, g, a)) => (Some((t, c, g)), a),
        None => (None, 0.0),
    }
}

/// The largest forcing term of Newton-CG: conjugate gradients stop once the residual is below
/// `min(FORCING, √‖∇f‖) ‖∇f‖`. Nocedal & Wright's 0.5 makes the first epochs crude; 0.01 costs
/// a few more products per epoch and saves epochs (a quadratic in 3 instead of 13).
const FORCING: f64 = 0.01;

/// Everything an optimization carries from one epoch to the next: enough to stop and resume
/// it later with the identical result (the objective being deterministic). With the `serde`
/// feature it serializes, so a long run can checkpoint it to disk.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct State {
    /// Current parameters.
    pub x: Vec<f64>,
    /// Their cost.
    pub cost: f64,
    /// Their gradient.
    pub grad: Vec<f64>,
    /// Learning rate (`Halving`, `Adam`) or last line-search step (`Lbfgs`).
    pub step: f64,
    /// Epochs done.
    pub epoch: usize,
    /// Cost after every epoch (the first entry is the start).
    pub history: Vec<f64>,
    /// Best parameters so far.
    pub best_x: Vec<f64>,
    /// Their cost.
    pub best_cost: f64,
    /// Adam's first moments.
    pub moment1: Vec<f64>,
    /// Adam's second moments.
    pub moment2: Vec<f64>,
    /// L-BFGS correction pairs `(s, y)`, oldest first.
    pub pairs: Vec<(Vec<f64>, Vec<f64>)>,
    /// Objective evaluations so far.
    pub evaluations: usize,
    /// Hessian-vector products so far (Newton-CG).
    #[cfg_attr(feature = "serde", serde(default))]
    pub hessian_products: usize,
}

impl State {
    /// Whether this state can continue a problem of `n` parameters: every vector has that
    /// length (the moments may be empty) and every value is finite. A checkpoint read from
    /// disk is checked with this before it is resumed.
    pub fn check(&self, n: usize) -> Result<(), String> {
        let vectors = [
            ("x", &self.x, false),
            ("grad", &self.grad, false),
            ("best_x", &self.best_x, false),
            ("moment1", &self.moment1, true),
            ("moment2", &self.moment2, true),
        ];
        for (name, v, may_be_empty) in vectors {
            if v.len() != n && !(may_be_empty && v.is_empty()) {
                return Err(format!(
                    "{name} has {} values, the problem has {n}",
                    v.len()
                ));
            }
            if let Some(i) = v.iter().position(|x| !x.is_finite()) {
                return Err(format!("{name}[{i}] is not finite"));
            }
        }
        for (k, (s, y)) in self.pairs.iter().enumerate() {
            if s.len() != n || y.len() != n {
                return Err(format!("correction pair {k} does not have {n} values"));
            }
        }
        if !self.step.is_finite() {
            return Err("step is not finite".into());
        }
        Ok(())
    }

    /// The state before the first epoch: `x0` projected into the bounds and evaluated once.
    pub fn start(obj: &mut dyn Objective, x0: Vec<f64>, method: &Method, opts: &Options) -> State {
        let mut x = x0;
        project(&mut x, opts.bounds);
        let (cost, grad) = obj.value_and_gradient(&x);
        let step = match method {
            Method::Halving { lr, .. } | Method::Adam { lr, .. } => *lr,
            Method::Lbfgs { .. } | Method::NewtonCg { .. } | Method::NewtonTrust { .. } => 1.0,
        };
        State {
            best_x: x.clone(),
            best_cost: cost,
            moment1: vec![0.0; x.len()],
            moment2: vec![0.0; x.len()],
            x,
            cost,
            grad,
            step,
            epoch: 0,
            history: vec![cost],
            pairs: Vec::new(),
            evaluations: 1,
            hessian_products: 0,
        }
    }

    /// Why to stop before the next epoch, if at all.
    fn should_stop(&self, opts: &Options) -> Option<Stop> {
        if self.cost <= opts.cost_tol {
            return Some(Stop::Converged);
        }
        if self.epoch >= opts.max_epochs {
            return Some(Stop::MaxEpochs);
        }
        let w = opts.stagnation_window;
        let h = &self.history;
        if w > 0 && h.len() > w {
            let old = h[h.len() - 1 - w];
            if old - self.cost <= opts.stagnation_rel * old.abs() {
                return Some(Stop::Stagnated);
            }
        }
        None
    }

    /// The paper's rule: step against the gradient, halving the rate until the cost drops.
    fn halving_epoch(&mut self, obj: &mut dyn Objective, grow: f64, bounds: Option<Bounds>) {
        loop {
            let mut trial = axpy(&self.x, -self.step, &self.grad);
            project(&mut trial, bounds);
            let c = obj.value(&trial);
            self.evaluations += 1;
            if c < self.cost {
                let (c2, g2) = obj.value_and_gradient(&trial);
                self.evaluations += 1;
                self.x = trial;
                self.cost = c2;
                self.grad = g2;
                self.step *= grow;
                return;
            }
            self.step *= 0.5;
            if self.step < 1e-300 {
                return;
            }
        }
    }

    fn adam_epoch(&mut self, obj: &mut dyn Objective, method: &Method, bounds: Option<Bounds>) {
        let Method::Adam {
            beta1, beta2, eps, ..
        } = *method
        else {
            unreachable!("adam_epoch is only called for Adam")
        };
        let t = self.epoch as i32;
        for i in 0..self.x.len() {
            let g = self.grad[i];
            self.moment1[i] = beta1 * self.moment1[i] + (1.0 - beta1) * g;
            self.moment2[i] = beta2 * self.moment2[i] + (1.0 - beta2) * g * g;
            let mh = self.moment1[i] / (1.0 - beta1.powi(t));
            let vh = self.moment2[i] / (1.0 - beta2.powi(t));
            self.x[i] -= self.step * mh / (vh.sqrt() + eps);
        }
        project(&mut self.x, bounds);
        let (c, g) = obj.value_and_gradient(&self.x);
        self.evaluations += 1;
        self.cost = c;
        self.grad = g;
    }

    /// The weak-Wolfe line search along `d`, or along `−∇f` if `d` is not a descent direction
    /// (then `true` is returned beside the accepted point, if any).
    #[allow(clippy::type_complexity)]
    fn search_along(
        &mut self,
        obj: &mut dyn Objective,
        mut d: Vec<f64>,
        bounds: Option<Bounds>,
    ) -> (Option<(Vec<f64>, f64, Vec<f64>)>, bool) {
        let mut slope = dot(&self.grad, &d);
        // A NaN slope counts as no descent.
        let restarted = slope >= 0.0 || slope.is_nan();
        if restarted {
            d = self.grad.iter().map(|v| -v).collect();
            slope = dot(&self.grad, &d);
        }
        let (accepted, a) = wolfe_search(
            obj,
            &self.x,
            &d,
            self.cost,
            slope,
            bounds,
            &mut self.evaluations,
        );
        self.step = a;
        (accepted, restarted)
    }

    fn lbfgs_epoch(&mut self, obj: &mut dyn Objective, memory: usize, bounds: Option<Bounds>) {
        let d = lbfgs_direction(&self.grad, &self.pairs);
        let (accepted, restarted) = self.search_along(obj, d, bounds);
        if restarted {
            // Not a descent direction: the pairs are stale.
            self.pairs.clear();
        }
        if let Some((trial, c, g2)) = accepted {
            let s: Vec<f64> = trial.iter().zip(&self.x).map(|(a, b)| a - b).collect();
            let y: Vec<f64> = g2.iter().zip(&self.grad).map(|(a, b)| a - b).collect();
            if dot(&s, &y) > 1e-300 {
                self.pairs.push((s, y));
                if self.pairs.len() > memory {
                    self.pairs.remove(0);
                }
            }
            self.x = trial;
            self.cost = c;
            self.grad = g2;
        }
    }

    /// Truncated-Newton direction by conjugate gradients on `H p = −g` (Steihaug's stopping
    /// rules without a trust region: at negative curvature keep the last iterate, or take
    /// `−g` if there is none).
    fn newton_direction(&mut self, obj: &mut dyn Objective, max_cg: usize) -> Vec<f64> {
        let n = self.x.len();
        let gnorm = dot(&self.grad, &self.grad).sqrt();
        let tol = gnorm.sqrt().min(FORCING) * gnorm;
        let mut p = vec![0.0; n];
        let mut r: Vec<f64> = self.grad.iter().map(|g| -g).collect();
        let mut d = r.clone();
        let mut rr = dot(&r, &r);
        for k in 0..max_cg.max(1) {
            let hd = obj.hessian_vector(&self.x, &d);
            self.hessian_products += 1;
            let curvature = dot(&d, &hd);
            if curvature <= 0.0 || !curvature.is_finite() {
                if k == 0 {
                    return r;
                }
                break;
            }
            let alpha = rr / curvature;
            p = axpy(&p, alpha, &d);
            r = axpy(&r, -alpha, &hd);
            let rr_next = dot(&r, &r);
            if rr_next.sqrt() <= tol {
                break;
            }
            d = axpy(&r, rr_next / rr, &d);
            rr = rr_next;
        }
        p
    }

    fn newton_epoch(&mut self, obj: &mut dyn Objective, max_cg: usize, bounds: Option<Bounds>) {
        let d = self.newton_direction(obj, max_cg);
        if let (Some((trial, c, g)), _) = self.search_along(obj, d, bounds) {
            self.x = trial;
            self.cost = c;
            self.grad = g;
        }
    }

    /// Steihaug's conjugate gradients on the model `gᵀp + ½ pᵀHp` inside `‖p‖ ≤ radius`: the
    /// step and the model's predicted decrease `−(gᵀp + ½ pᵀHp)`.
    fn steihaug_step(
        &mut self,
        obj: &mut dyn Objective,
        max_cg: usize,
        radius: f64,
    ) -> (Vec<f64>, f64) {
        let n = self.x.len();
        let gnorm = dot(&self.grad, &self.grad).sqrt();
        let tol = gnorm.sqrt().min(FORCING) * gnorm;
        let mut z = vec![0.0; n];
        // The model along the iterates: m(z) = gᵀz + ½ zᵀHz, kept up to date exactly.
        let mut model = 0.0;
        let mut r = self.grad.clone();
        let mut d: Vec<f64> = r.iter().map(|v| -v).collect();
        let mut rr = dot(&r, &r);
        for _ in 0..max_cg.max(1) {
            let hd = obj.hessian_vector(&self.x, &d);
            self.hessian_products += 1;
            let curvature = dot(&d, &hd);
            // m(z + τ d) = m(z) + τ rᵀd + ½ τ² dᵀHd, with r = g + Hz.
            let along = |tau: f64| model + tau * dot(&r, &d) + 0.5 * tau * tau * curvature;
            let boundary = || {
                // τ ≥ 0 with ‖z + τ d‖ = radius.
                let (a, b, c) = (
                    dot(&d, &d),
                    2.0 * dot(&z, &d),
                    dot(&z, &z) - radius * radius,
                );
                (-b + (b * b - 4.0 * a * c).max(0.0).sqrt()) / (2.0 * a)
            };
            if curvature <= 0.0 || !curvature.is_finite() {
                let tau = boundary();
                return (axpy(&z, tau, &d), -along(tau));
            }
            let alpha = rr / curvature;
            let next = axpy(&z, alpha, &d);
            if dot(&next, &next).sqrt() >= radius {
                let tau = boundary();
                return (axpy(&z, tau, &d), -along(tau));
            }
            model = along(alpha);
            z = next;
            r = axpy(&r, alpha, &hd);
            let rr_next = dot(&r, &r);
            if rr_next.sqrt() <= tol {
                break;
            }
            d = axpy(
                &r.iter().map(|v| -v).collect::<Vec<f64>>(),
                rr_next / rr,
                &d,
            );
            rr = rr_next;
        }
        (z, -model)
    }

    /// One trust-region epoch: the radius (`step`) grows after a good model prediction and
    /// shrinks after a poor one; the step is taken when the cost actually decreased enough.
    fn trust_epoch(&mut self, obj: &mut dyn Objective, max_cg: usize, bounds: Option<Bounds>) {
        let (p, predicted) = self.steihaug_step(obj, max_cg, self.step);
        let length = dot(&p, &p).sqrt();
        let mut trial = axpy(&self.x, 1.0, &p);
        project(&mut trial, bounds);
        let (c, g) = obj.value_and_gradient(&trial);
        self.evaluations += 1;
        let actual = self.cost - c;
        // Written so that a NaN cost counts as a poor prediction.
        let rho = if predicted > 0.0 {
            actual / predicted
        } else {
            -1.0
        };
        if rho < 0.25 || rho.is_nan() {
            self.step = 0.25 * length.max(f64::MIN_POSITIVE);
        } else if rho > 0.75 && length >= 0.99 * self.step {
            self.step *= 2.0;
        }
        if rho > 1e-4 {
            self.x = trial;
            self.cost = c;
            self.grad = g;
        }
    }

    /// One epoch of `method`, then the bookkeeping.
    fn epoch(&mut self, obj: &mut dyn Objective, method: &Method, opts: &Options) {
        self.epoch += 1;
        match method {
            Method::Halving { grow, .. } => self.halving_epoch(obj, *grow, opts.bounds),
            Method::Adam { .. } => self.adam_epoch(obj, method, opts.bounds),
            Method::Lbfgs { memory } => self.lbfgs_epoch(obj, *memory, opts.bounds),
            Method::NewtonCg { max_cg } => self.newton_epoch(obj, *max_cg, opts.bounds),
            Method::NewtonTrust { max_cg } => self.trust_epoch(obj, *max_cg, opts.bounds),
        }
        self.history.push(self.cost);
        if self.cost < self.best_cost {
            self.best_cost = self.cost;
            self.best_x = self.x.clone();
        }
    }

    fn report(self, stop: Stop) -> Report {
        Report {
            x: self.best_x,
            cost: self.best_cost,
            epochs: self.epoch,
            history: self.history,
            stop,
            evaluations: self.evaluations,
            hessian_products: self.hessian_products,
        }
    }
}

/// Minimize `obj` from `x0`. `observe` is called after every epoch; returning `false` stops
/// (reported as [`Stop::Interrupted`]) with the best parameters so far.
pub fn minimize(
    obj: &mut dyn Objective,
    x0: Vec<f64>,
    method: &Method,
    opts: &Options,
    observe: &mut dyn FnMut(&Progress) -> bool,
) -> Report {
    let state = State::start(obj, x0, method, opts);
    resume(obj, state, method, opts, observe)
}

/// Continue an optimization from a saved [`State`] (for example one an observer checkpointed
/// through [`Progress::state`]); the same method and options give the same result as a run
/// that was never interrupted.
pub fn resume(
    obj: &mut dyn Objective,
    mut state: State,
    method: &Method,
    opts: &Options,
    observe: &mut dyn FnMut(&Progress) -> bool,
) -> Report {
    let stop = loop {
        if let Some(stop) = state.should_stop(opts) {
            break stop;
        }
        state.epoch(obj, method, opts);
        let keep_going = observe(&Progress {
            epoch: state.epoch,
            cost: state.cost,
            step: state.step,
            x: &state.x,
            state: &state,
        });
        if !keep_going {
            break Stop::Interrupted;
        }
        if state.step < 1e-20 {
            break Stop::StepUnderflow;
        }
    };
    state.report(stop)
}

/// Multi-start: `starts` optimizations from `init(rng)`, the generator seeded with `seed`;
/// returns the best report and every final cost (in start order).
pub fn multistart(
    obj: &mut dyn Objective,
    starts: usize,
    seed: u64,
    init: &mut dyn FnMut(&mut SplitMix64) -> Vec<f64>,
    method: &Method,
    opts: &Options,
) -> (Report, Vec<f64>) {
    assert!(starts > 0, "multistart: at least one start is needed");
    let mut rng = SplitMix64(seed);
    let mut best: Option<Report> = None;
    let mut costs = Vec::with_capacity(starts);
    for _ in 0..starts {
        let x0 = init(&mut rng);
        let r = minimize(obj, x0, method, opts, &mut |_| true);
        costs.push(r.cost);
        if best.as_ref().is_none_or(|b| r.cost < b.cost) {
            best = Some(r);
        }
    }
    (best.expect("at least one start"), costs)
}
