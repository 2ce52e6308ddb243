//! The inverse-problem kit: embeddings and their gradient rules against central finite
//! differences, the pointwise least-squares fit against finite differences, its bit-identical
//! sum at one and two threads, and its typed errors.

use backsolve::inverse::{
    Chain, Embedding, FitError, Free, LeastSquares, PointModel, Positive, Positivity,
};

/// `max_i |a_i - b_i| / max(1, max |b|)`.
fn rel_err(a: &[f64], b: &[f64]) -> f64 {
    let scale = b.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
        / scale
}

/// Central differences of `f` at `x`, step `h`.
fn fd_gradient(f: impl Fn(&[f64]) -> f64, x: &[f64], h: f64) -> Vec<f64> {
    (0..x.len())
        .map(|i| {
            let (mut a, mut b) = (x.to_vec(), x.to_vec());
            a[i] += h;
            b[i] -= h;
            (f(&a) - f(&b)) / (2.0 * h)
        })
        .collect()
}

/// An embedding's pullback is the transpose of its Jacobian: check `d_p · E(x)` by differences.
fn check_embedding(e: &dyn Embedding, x: &[f64]) {
    let d_p: Vec<f64> = (0..e.model_dim()).map(|i| 0.3 + 0.17 * i as f64).collect();
    let loss = |x: &[f64]| e.embed(x).iter().zip(&d_p).map(|(p, d)| p * d).sum::<f64>();
    let got = e.pullback(x, &d_p);
    let want = fd_gradient(loss, x, 1e-6);
    assert!(rel_err(&got, &want) < 1e-8, "{got:?} vs {want:?}");
    assert!(
        got.iter().any(|g| g.abs() > 1e-3),
        "the check is not vacuous"
    );
    let back = e.inverse(&e.embed(x));
    assert!(rel_err(&back, x) < 1e-12, "inverse: {back:?} vs {x:?}");
}

#[test]
fn embeddings_pull_gradients_back_exactly() {
    let base = vec![1.0, -2.0, 0.5, 3.0, 0.25];
    check_embedding(&Free::new(base.clone(), vec![3, 0]), &[0.7, -0.2]);
    check_embedding(&Free::except(base.clone(), &[1, 4]), &[0.1, 0.2, 0.3]);
    check_embedding(&Free::window(base.clone(), 1, 4), &[0.4, -0.6, 0.9]);
    let x = [-3.0, -0.4, 0.0, 0.8, 35.0];
    check_embedding(&Positive::all(5, Positivity::Softplus), &x);
    check_embedding(
        &Positive::all(5, Positivity::Exp),
        &[-2.0, -0.4, 0.0, 0.8, 1.5],
    );
    check_embedding(&Positive::at(5, Positivity::Softplus, vec![0, 3]), &x);
    let chained = Chain::new(
        Free::window(base, 1, 4),
        Positive::at(5, Positivity::Exp, vec![2]),
    );
    check_embedding(&chained, &[0.4, -0.6, 0.9]);
    assert_eq!((chained.dim(), chained.model_dim()), (3, 5));
}

#[test]
fn embeddings_keep_what_they_hold_fixed() {
    let base = vec![1.0, -2.0, 0.5];
    let p = Free::except(base, &[1]).embed(&[9.0, 8.0]);
    assert_eq!(p, vec![9.0, -2.0, 8.0]);
    let sp = Positive::all(2, Positivity::Softplus).embed(&[-800.0, 800.0]);
    assert!(
        sp[0] >= 0.0 && sp[0] < 1e-300 && sp[1] == 800.0,
        "no overflow: {sp:?}"
    );
}

/// `y_k = a exp(-b s_k) + c sin(3 s_k)` at 40 points `s_k`, with a point that can fail.
struct Decay {
    s: Vec<f64>,
    fail_at: Option<usize>,
}

impl PointModel for Decay {
    type Error = String;
    fn points(&self) -> usize {
        self.s.len()
    }
    fn params(&self) -> usize {
        3
    }
    fn value(&self, k: usize, p: &[f64]) -> Result<f64, String> {
        if self.fail_at == Some(k) {
            return Err(format!("point {k} diverged"));
        }
        let s = self.s[k];
        Ok(p[0] * (-p[1] * s).exp() + p[2] * (3.0 * s).sin())
    }
    fn value_and_gradient(&self, k: usize, p: &[f64], g: &mut [f64]) -> Result<f64, String> {
        let s = self.s[k];
        let e = (-p[1] * s).exp();
        g[0] += e;
        g[1] += -p[0] * s * e;
        g[2] += (3.0 * s).sin();
        self.value(k, p)
    }
}

fn decay() -> (Decay, LeastSquares) {
    let s: Vec<f64> = (0..40).map(|k| k as f64 * 0.05).collect();
    let target: Vec<f64> = s.iter().map(|s| 1.3 * (-0.7 * s).exp() + 0.1).collect();
    let weights: Vec<f64> = (0..40).map(|k| 1.0 + (k % 3) as f64).collect();
    let fit = LeastSquares::new(target, Some(weights)).unwrap();
    (Decay { s, fail_at: None }, fit)
}

#[test]
fn pointwise_least_squares_gradient_matches_finite_differences() {
    let (model, fit) = decay();
    fit.check(&model).unwrap();
    let p = [0.9, 0.4, -0.2];
    let (cost, grad) = fit.cost_and_gradient(&model, &p).unwrap();
    assert_eq!(cost.to_bits(), fit.cost(&model, &p).unwrap().to_bits());
    let want = fd_gradient(|p| fit.cost(&model, p).unwrap(), &p, 1e-6);
    assert!(rel_err(&grad, &want) < 1e-8, "{grad:?} vs {want:?}");
    assert!(cost > 1e-3);
}

#[test]
fn pointwise_sum_is_bit_identical_at_one_and_two_threads() {
    let (model, fit) = decay();
    let p = [0.9, 0.4, -0.2];
    let run = |threads| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| fit.cost_and_gradient(&model, &p).unwrap())
    };
    let (a, b) = (run(1), run(2));
    assert_eq!(a.0.to_bits(), b.0.to_bits());
    let bits = |g: &[f64]| g.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&a.1), bits(&b.1));
}

#[test]
fn bad_targets_and_failing_points_are_typed_errors() {
    assert!(matches!(
        LeastSquares::new(vec![1.0, f64::NAN], None),
        Err(FitError::Value {
            name: "target",
            index: 1,
            ..
        })
    ));
    assert!(matches!(
        LeastSquares::new(vec![1.0, 2.0], Some(vec![1.0, -1.0])),
        Err(FitError::Value {
            name: "weights",
            index: 1,
            ..
        })
    ));
    assert_eq!(
        LeastSquares::new(vec![1.0, 2.0], Some(vec![1.0])),
        Err(FitError::Weights {
            len: 1,
            expected: 2
        })
    );
    let (mut model, fit) = decay();
    model.fail_at = Some(17);
    assert_eq!(
        fit.cost_and_gradient(&model, &[1.0, 0.5, 0.0]),
        Err("point 17 diverged".to_string())
    );
    let short = LeastSquares::new(vec![0.0; 3], None).unwrap();
    assert_eq!(
        short.check(&model),
        Err(FitError::Points {
            model: 40,
            target: 3
        })
    );
}
