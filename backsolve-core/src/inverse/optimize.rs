//! Optimizers: the paper's accept-or-halve gradient descent, Adam (Kingma & Ba 2015) and
//! L-BFGS (Nocedal & Wright, Numerical Optimization, alg. 7.4, with a backtracking Armijo line
//! search), stopping on a cost tolerance, stagnation or an epoch limit; multi-start from random
//! initial guesses keeping the best (the paper's Monte Carlo restarts).

use super::{Bounds, Objective};
use crate::differentiable::SplitMix64;
use std::collections::VecDeque;

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
fn lbfgs_direction(g: &[f64], pairs: &VecDeque<(Vec<f64>, Vec<f64>)>) -> Vec<f64> {
    let mut q = g.to_vec();
    let mut alphas = Vec::with_capacity(pairs.len());
    for (s, y) in pairs.iter().rev() {
        let rho = 1.0 / dot(y, s);
        let a = rho * dot(s, &q);
        q = axpy(&q, -a, y);
        alphas.push((a, rho));
    }
    if let Some((s, y)) = pairs.back() {
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

/// Minimize `obj` from `x0`. `observe` is called after every epoch; returning `false` stops
/// (reported as [`Stop::Interrupted`]) with the best parameters so far.
pub fn minimize(
    obj: &mut dyn Objective,
    x0: Vec<f64>,
    method: &Method,
    opts: &Options,
    observe: &mut dyn FnMut(&Progress) -> bool,
) -> Report {
    let mut x = x0;
    project(&mut x, opts.bounds);
    let (mut cost, mut g) = obj.value_and_gradient(&x);
    let mut evaluations = 1;
    let mut history = vec![cost];
    let mut best = (cost, x.clone());
    let mut step = match method {
        Method::Halving { lr, .. } | Method::Adam { lr, .. } => *lr,
        Method::Lbfgs { .. } => 1.0,
    };
    let (mut m1, mut m2) = (vec![0.0; x.len()], vec![0.0; x.len()]);
    let mut pairs: VecDeque<(Vec<f64>, Vec<f64>)> = VecDeque::new();
    let mut epoch = 0;
    let stop = loop {
        if cost <= opts.cost_tol {
            break Stop::Converged;
        }
        if epoch >= opts.max_epochs {
            break Stop::MaxEpochs;
        }
        let w = opts.stagnation_window;
        if w > 0 && history.len() > w {
            let old = history[history.len() - 1 - w];
            if old - cost <= opts.stagnation_rel * old.abs() {
                break Stop::Stagnated;
            }
        }
        epoch += 1;
        match method {
            Method::Halving { grow, .. } => loop {
                let mut trial = axpy(&x, -step, &g);
                project(&mut trial, opts.bounds);
                let c = obj.value(&trial);
                evaluations += 1;
                if c < cost {
                    x = trial;
                    let (c2, g2) = obj.value_and_gradient(&x);
                    evaluations += 1;
                    cost = c2;
                    g = g2;
                    step *= grow;
                    break;
                }
                step *= 0.5;
                if step < 1e-300 {
                    break;
                }
            },
            Method::Adam {
                beta1, beta2, eps, ..
            } => {
                let t = epoch as i32;
                for i in 0..x.len() {
                    m1[i] = beta1 * m1[i] + (1.0 - beta1) * g[i];
                    m2[i] = beta2 * m2[i] + (1.0 - beta2) * g[i] * g[i];
                    let mh = m1[i] / (1.0 - beta1.powi(t));
                    let vh = m2[i] / (1.0 - beta2.powi(t));
                    x[i] -= step * mh / (vh.sqrt() + eps);
                }
                project(&mut x, opts.bounds);
                let (c, g2) = obj.value_and_gradient(&x);
                evaluations += 1;
                cost = c;
                g = g2;
            }
            Method::Lbfgs { memory } => {
                let mut d = lbfgs_direction(&g, &pairs);
                let mut slope = dot(&g, &d);
                if slope >= 0.0 {
                    // Not a descent direction: restart from steepest descent.
                    pairs.clear();
                    d = g.iter().map(|v| -v).collect();
                    slope = dot(&g, &d);
                }
                let (accepted, a) =
                    wolfe_search(obj, &x, &d, cost, slope, opts.bounds, &mut evaluations);
                step = a;
                if let Some((trial, c, g2)) = accepted {
                    let s: Vec<f64> = trial.iter().zip(&x).map(|(a, b)| a - b).collect();
                    let y: Vec<f64> = g2.iter().zip(&g).map(|(a, b)| a - b).collect();
                    if dot(&s, &y) > 1e-300 {
                        pairs.push_back((s, y));
                        if pairs.len() > *memory {
                            pairs.pop_front();
                        }
                    }
                    x = trial;
                    cost = c;
                    g = g2;
                }
            }
        }
        history.push(cost);
        if cost < best.0 {
            best = (cost, x.clone());
        }
        let keep_going = observe(&Progress {
            epoch,
            cost,
            step,
            x: &x,
        });
        if !keep_going {
            break Stop::Interrupted;
        }
        if step < 1e-20 {
            break Stop::StepUnderflow;
        }
    };
    Report {
        x: best.1,
        cost: best.0,
        epochs: epoch,
        history,
        stop,
        evaluations,
    }
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
