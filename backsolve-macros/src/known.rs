//! The methods and functions the macro knows the adjoint of, by name. The rules themselves are
//! in `backsolve-core` (`rules::elementary`); this table only says which rule a name calls.

/// `x.NAME()` with a rule `d_NAME(&x, &d)`.
pub const UNARY: &[&str] = &[
    "exp", "ln", "log10", "log2", "exp2", "sin", "cos", "tan", "sinh", "cosh", "tanh", "sqrt",
    "cbrt", "recip", "inv", "asin", "acos", "atan", "asinh", "acosh", "atanh", "conj", "abs",
    "norm", "norm_sqr", "arg",
];

/// The rule a unary method uses (`inv` is `recip`, `norm` is `abs`).
pub fn unary_rule(name: &str) -> String {
    match name {
        "inv" => "d_recip".into(),
        "norm" => "d_abs".into(),
        other => format!("d_{other}"),
    }
}

/// The forward-mode rule of a unary method, `t_NAME(&x, &dx)` beside `d_NAME`.
pub fn tangent_rule(name: &str) -> String {
    unary_rule(name).replacen("d_", "t_", 1)
}

/// `x.NAME(y)` with rules for both operands.
pub const BINARY: &[&str] = &["powf", "max", "min", "atan2", "hypot", "scale", "unscale"];

/// The (left, right) rules of a binary method.
pub fn binary_rules(name: &str) -> (String, String) {
    match name {
        "powf" => ("d_powf_base".into(), "d_powf_exp".into()),
        "scale" => ("d_scale_z".into(), "d_scale_k".into()),
        "unscale" => ("d_unscale_z".into(), "d_unscale_k".into()),
        other => (format!("d_{other}_lhs"), format!("d_{other}_rhs")),
    }
}

/// Methods whose result is the receiver's value, adjoint passed straight through.
pub const IDENTITY: &[&str] = &["clone", "to_vec", "to_owned", "copied", "cloned", "into"];

/// Methods whose result does not depend differentiably on anything (integers, booleans,
/// piecewise-constant functions): their result is a constant for the gradient.
pub const CONSTANT: &[&str] = &[
    "len",
    "is_empty",
    "nrows",
    "ncols",
    "signum",
    "floor",
    "ceil",
    "round",
    "trunc",
    "is_nan",
    "is_finite",
    "is_infinite",
    "is_sign_negative",
    "is_sign_positive",
    "partial_cmp",
    "total_cmp",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "count",
    "contains",
    "is_some",
    "is_none",
    "shape",
    "to_string",
];

/// Iterator adapters: not differentiated (a `for` loop is).
pub const ITERATOR: &[&str] = &[
    "map",
    "sum",
    "product",
    "fold",
    "filter",
    "zip",
    "rev",
    "collect",
    "for_each",
    "iter",
    "into_iter",
    "enumerate",
    "skip",
    "take",
    "chain",
    "flat_map",
    "windows",
    "chunks",
];

/// Methods that mutate their receiver and have no adjoint: a compile error on active values.
pub const MUTATING: &[&str] = &[
    "sort",
    "sort_by",
    "reverse",
    "fill",
    "clear",
    "swap",
    "truncate",
    "extend",
    "insert",
    "remove",
    "retain",
    "dedup",
    "pop",
    "resize",
    "copy_from",
    "copy_from_slice",
    "iter_mut",
    "as_mut",
    "as_mut_slice",
    "get_mut",
];

/// Integer and boolean target types of `as` casts: the result is constant.
pub fn is_int_type(ty: &syn::Type) -> bool {
    crate::sig::is_inactive_scalar(ty)
}

/// Calls `TYPE::NAME(..)` that construct constants (`Vec::new()`, `Mat::zeros(m, n)`).
pub fn is_constant_constructor(path: &syn::Path) -> bool {
    let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    if segs.len() < 2 {
        return false;
    }
    let ty = segs[segs.len() - 2].as_str();
    let f = segs[segs.len() - 1].as_str();
    matches!(
        ty,
        "Vec" | "Mat" | "Col" | "Row" | "String" | "HashMap" | "BTreeMap"
    ) && matches!(
        f,
        "new" | "with_capacity" | "zeros" | "identity" | "ones" | "from_fn" | "full"
    )
}

/// `c64::new(re, im)` and its spellings.
pub fn is_complex_new(path: &syn::Path) -> bool {
    let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    segs.len() >= 2
        && segs[segs.len() - 1] == "new"
        && matches!(
            segs[segs.len() - 2].as_str(),
            "c64" | "Complex" | "Complex64"
        )
}

/// `f64::sin(x)`, `f64::max(a, b)`: a method written as a path call.
pub fn float_ufcs(path: &syn::Path) -> Option<String> {
    let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    if segs.len() == 2 && matches!(segs[0].as_str(), "f64" | "c64" | "Complex") {
        let name = segs[1].clone();
        if UNARY.contains(&name.as_str())
            || BINARY.contains(&name.as_str())
            || name == "powi"
            || CONSTANT.contains(&name.as_str())
        {
            return Some(name);
        }
    }
    None
}
