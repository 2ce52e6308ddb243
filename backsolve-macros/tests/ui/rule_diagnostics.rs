use backsolve_macros::{adjoint, tangent};

// Every malformed custom rule, each a spanned error; all of them reported in one build.

fn cube(x: f64) -> f64 {
    x * x * x
}

// No `of = ..`.
#[adjoint]
fn no_target(x: f64, d_ret: f64, d_x: &mut f64) -> f64 {
    *d_x += 3.0 * x * x * d_ret;
    cube(x)
}

// An option rules do not have.
#[adjoint(of = cube, split)]
fn unknown_rule_option(x: f64, d_ret: f64, d_x: &mut f64) -> f64 {
    *d_x += 3.0 * x * x * d_ret;
    cube(x)
}

// No `d_ret` parameter.
#[adjoint(of = cube)]
fn without_d_ret(x: f64, d_x: &mut f64) -> f64 {
    *d_x += 3.0 * x * x;
    cube(x)
}

// No return type.
#[adjoint(of = cube)]
fn returns_nothing(x: f64, d_ret: f64, d_x: &mut f64) {
    *d_x += 3.0 * x * x * d_ret;
}

// A pattern instead of a name.
#[adjoint(of = cube)]
fn pattern_parameter((x, _y): (f64, f64), d_ret: f64, d_x: &mut f64) -> f64 {
    *d_x += 3.0 * x * x * d_ret;
    cube(x)
}

// One active parameter, two adjoints.
#[adjoint(of = cube)]
fn too_many_adjoints(x: f64, d_ret: f64, d_x: &mut f64, d_y: &mut f64) -> f64 {
    *d_x += 3.0 * x * x * d_ret;
    *d_y += 0.0;
    cube(x)
}

struct Holder;

impl Holder {
    // A rule on a method.
    #[adjoint(of = cube)]
    fn on_a_method(&self, x: f64, d_ret: f64, d_x: &mut f64) -> f64 {
        *d_x += 3.0 * x * x * d_ret;
        cube(x)
    }
}

// Tangent rules: no `of`, a pattern, too few tangents, wrong return shapes.
#[tangent]
fn tangent_no_target(x: f64, d_x: f64) -> (f64, f64) {
    (cube(x), 3.0 * x * x * d_x)
}

#[tangent(of = cube)]
fn tangent_pattern((x, _y): (f64, f64), d_x: f64) -> (f64, f64) {
    (cube(x), 3.0 * x * x * d_x)
}

#[tangent(of = cube)]
fn tangent_without_tangents(x: f64) -> (f64, f64) {
    (cube(x), 3.0 * x * x)
}

#[tangent(of = cube)]
fn tangent_returns_one_value(x: f64, d_x: f64) -> f64 {
    3.0 * x * x * d_x
}

#[tangent(of = cube)]
fn tangent_returns_nothing(x: f64, d_x: f64) {
    let _ = 3.0 * x * x * d_x;
}

fn main() {}
