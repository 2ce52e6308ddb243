use backsolve_macros::Differentiable;

// What `#[derive(Differentiable)]` refuses, each a spanned error.

#[derive(Differentiable)]
struct Generic<T> {
    w: T,
}

#[derive(Differentiable)]
enum NotAStruct {
    A(f64),
}

#[derive(Differentiable)]
struct UnknownFieldOption {
    #[differentiable(frozen)]
    w: f64,
}

fn main() {}
