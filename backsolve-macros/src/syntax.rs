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

/// A statement as one line of source for the comments of generated code: a compound
/// statement by its header (`for i in 1..x.len()`, `if x > 0.0`), anything else whole.
pub fn source_text(s: &syn::Stmt) -> String {
    use quote::ToTokens;
    let empty = syn::Block {
        brace_token: Default::default(),
        stmts: vec![],
    };
    let header: Option<Expr> = match s {
        syn::Stmt::Expr(e, _) => match strip_parens(e) {
            Expr::ForLoop(f) => Some(Expr::ForLoop(syn::ExprForLoop {
                body: empty,
                ..f.clone()
            })),
            Expr::While(w) => Some(Expr::While(syn::ExprWhile {
                body: empty,
                ..w.clone()
            })),
            Expr::Loop(l) => Some(Expr::Loop(syn::ExprLoop {
                body: empty,
                ..l.clone()
            })),
            Expr::If(i) => Some(Expr::If(syn::ExprIf {
                then_branch: empty,
                else_branch: None,
                ..i.clone()
            })),
            Expr::Match(m) => Some(Expr::Match(syn::ExprMatch {
                arms: vec![],
                ..m.clone()
            })),
            _ => None,
        },
        _ => None,
    };
    let stmt = match header {
        Some(h) => syn::Stmt::Expr(h, None),
        None => s.clone(),
    };
    let body = stmt.to_token_stream();
    let text = match syn::parse2::<syn::File>(quote::quote!(fn f() { #body })) {
        Ok(file) => {
            let printed = prettyplease::unparse(&file);
            let inner = printed
                .trim()
                .strip_prefix("fn f() {")
                .and_then(|t| t.strip_suffix('}'))
                .unwrap_or(&printed)
                .to_string();
            inner
        }
        Err(_) => body.to_string(),
    };
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let one_line = one_line.strip_suffix(" {}").unwrap_or(&one_line);
    one_line.strip_suffix(" {}").unwrap_or(one_line).to_string()
}
