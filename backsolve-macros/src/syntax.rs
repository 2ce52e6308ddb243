//! Small grammars of the differentiable subset shared by the analyses and the lowering, so
//! each is parsed one way: `vec![..]` arguments and the iterator chains a `for` loop may walk.

use syn::Expr;

/// Arguments of `vec![..]`.
#[allow(clippy::large_enum_variant)] // short-lived parse result
pub enum VecMacro {
    Splat(Expr, Expr),
    List(Vec<Expr>),
}

/// Parse the arguments of a `vec!` invocation.
pub fn parse_vec_macro(mac: &syn::Macro) -> Option<VecMacro> {
    use syn::parse::Parser;
    let splat = |input: syn::parse::ParseStream| {
        let x: Expr = input.parse()?;
        input.parse::<syn::Token![;]>()?;
        let n: Expr = input.parse()?;
        Ok(VecMacro::Splat(x, n))
    };
    if let Ok(v) = splat.parse2(mac.tokens.clone()) {
        return Some(v);
    }
    let list = syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated;
    list.parse2(mac.tokens.clone())
        .ok()
        .map(|p| VecMacro::List(p.into_iter().collect()))
}

/// `e` without the parentheses and invisible groups around it.
pub fn strip_parens(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip_parens(&p.expr),
        Expr::Group(g) => strip_parens(&g.expr),
        other => other,
    }
}

/// `v.iter()`, `&v`, `v.iter().copied()`, `a.iter().zip(b.iter())`, `.enumerate()` at the end:
/// the iterated places (and whether elements are references), and whether indices are wanted.
pub fn parse_iter_chain(e: &Expr) -> Option<(Vec<(Expr, bool)>, bool)> {
    let (inner, enumerate) = match strip_parens(e) {
        Expr::MethodCall(m) if m.method == "enumerate" && m.args.is_empty() => (&*m.receiver, true),
        other => (other, false),
    };
    let bases = parse_zip(inner)?;
    Some((bases, enumerate))
}

fn parse_zip(e: &Expr) -> Option<Vec<(Expr, bool)>> {
    match strip_parens(e) {
        Expr::MethodCall(m) if m.method == "zip" && m.args.len() == 1 => {
            let mut v = parse_zip(&m.receiver)?;
            v.extend(parse_zip(&m.args[0])?);
            Some(v)
        }
        other => parse_base(other).map(|b| vec![b]),
    }
}

fn parse_base(e: &Expr) -> Option<(Expr, bool)> {
    match strip_parens(e) {
        Expr::MethodCall(m)
            if (m.method == "copied" || m.method == "cloned") && m.args.is_empty() =>
        {
            let (b, _) = parse_base(&m.receiver)?;
            Some((b, false))
        }
        Expr::MethodCall(m)
            if (m.method == "iter" || m.method == "into_iter") && m.args.is_empty() =>
        {
            Some(((*m.receiver).clone(), true))
        }
        Expr::Reference(r) if r.mutability.is_none() => Some(((*r.expr).clone(), true)),
        p @ (Expr::Path(_) | Expr::Field(_)) => Some((p.clone(), true)),
        _ => None,
    }
}
