//! The methods and functions the macro knows the derivative of, by name. The rules themselves
//! are in `backsolve-core` (`rules::elementary`, the adjoint rule `d_RULE` beside the tangent
//! rule `t_RULE`); each entry of these tables says which rules a name calls, and nested mode's
//! second-order forms are written per name in `nested.rs` (an entry without one is refused
//! there with a span).

/// An elementary method of one operand, `x.NAME()`.
pub struct Unary {
    /// The method as written.
    pub name: &'static str,
    /// The rules it uses: `d_RULE(&x, &d)` (reverse) and `t_RULE(&x, &dx)` (forward).
    pub rule: &'static str,
}

const fn unary(name: &'static str) -> Unary {
    Unary { name, rule: name }
}

/// Every elementary method of one operand (`inv` uses `recip`'s rules, `norm` `abs`'s).
pub const UNARY: &[Unary] = &[
    unary("exp"),
    unary("ln"),
    unary("log10"),
    unary("log2"),
    unary("exp2"),
    unary("sin"),
    unary("cos"),
    unary("tan"),
    unary("sinh"),
    unary("cosh"),
    unary("tanh"),
    unary("sqrt"),
    unary("cbrt"),
    unary("recip"),
    Unary {
        name: "inv",
        rule: "recip",
    },
    unary("asin"),
    unary("acos"),
    unary("atan"),
    unary("asinh"),
    unary("acosh"),
    unary("atanh"),
    unary("conj"),
    unary("abs"),
    Unary {
        name: "norm",
        rule: "abs",
    },
    unary("norm_sqr"),
    unary("arg"),
];

/// The entry of a unary method.
pub fn unary_method(name: &str) -> Option<&'static Unary> {
    UNARY.iter().find(|u| u.name == name)
}

impl Unary {
    /// `d_RULE`, the adjoint rule.
    pub fn adjoint(&self) -> String {
        format!("d_{}", self.rule)
    }

    /// `t_RULE`, the tangent rule.
    pub fn tangent(&self) -> String {
        format!("t_{}", self.rule)
    }
}

/// An elementary method of two operands, `x.NAME(y)`.
pub struct Binary {
    /// The method as written.
    pub name: &'static str,
    /// The adjoint rules of the receiver and of the argument, `d_..(&x, &y, &d)`.
    pub adjoints: (&'static str, &'static str),
    /// The tangent rule `t_NAME(&x, &y, &dx, &dy)`.
    pub tangent: &'static str,
}

const fn binary(name: &'static str, lhs: &'static str, rhs: &'static str) -> Binary {
    Binary {
        name,
        adjoints: (lhs, rhs),
        tangent: name,
    }
}

/// Every elementary method of two operands.
pub const BINARY: &[Binary] = &[
    binary("powf", "d_powf_base", "d_powf_exp"),
    binary("max", "d_max_lhs", "d_max_rhs"),
    binary("min", "d_min_lhs", "d_min_rhs"),
    binary("atan2", "d_atan2_lhs", "d_atan2_rhs"),
    binary("hypot", "d_hypot_lhs", "d_hypot_rhs"),
    binary("scale", "d_scale_z", "d_scale_k"),
    binary("unscale", "d_unscale_z", "d_unscale_k"),
];

/// The entry of a binary method.
pub fn binary_method(name: &str) -> Option<&'static Binary> {
    BINARY.iter().find(|b| b.name == name)
}

impl Binary {
    /// `t_NAME`, the tangent rule.
    pub fn tangent(&self) -> String {
        format!("t_{}", self.tangent)
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
        if unary_method(&name).is_some()
            || binary_method(&name).is_some()
            || name == "powi"
            || CONSTANT.contains(&name.as_str())
        {
            return Some(name);
        }
    }
    None
}
