use backsolve_macros::differentiable;

// Both mistakes are reported: the unknown option and the item that is not a function.
#[differentiable(fast)]
struct NotAFunction;

fn main() {}
