//! Activity analysis: which variables carry a derivative.
//!
//! A variable is active when any value assigned to it (its initializer, a later assignment,
//! compound assignment, element store or `push`) reads an active variable in a value position.
//! Index expressions, conditions, loop ranges and piecewise-constant methods (`floor`, `len`)
//! are not value positions. The analysis is flow-insensitive and runs to a fixed point on the
//! renamed body, so every name is one variable.

use crate::known;
use std::collections::HashSet;
use syn::{BinOp, Block, Expr, Pat, Stmt, UnOp};

/// Names of active variables, given the active parameters.
pub fn analyze(body: &Block, params: &HashSet<String>) -> HashSet<String> {
    let mut edges = Vec::new();
    walk_block(body, &mut edges);
    let mut active = params.clone();
    loop {
        let before = active.len();
        for (target, sources) in &edges {
            if !active.contains(target) && sources.iter().any(|s| active.contains(s)) {
                active.insert(target.clone());
            }
        }
        if active.len() == before {
            return active;
        }
    }
}

type Edges = Vec<(String, Vec<String>)>;

fn walk_block(b: &Block, edges: &mut Edges) {
    for s in &b.stmts {
        match s {
            Stmt::Local(l) => {
                let sources = l
                    .init
                    .as_ref()
                    .map(|i| value_vars(&i.expr))
                    .unwrap_or_default();
                for name in pat_idents(&l.pat) {
                    edges.push((name, sources.clone()));
                }
                if let Some(i) = &l.init {
                    walk_expr(&i.expr, edges);
                }
            }
            Stmt::Expr(e, _) => walk_expr(e, edges),
            _ => {}
        }
    }
}

fn walk_expr(e: &Expr, edges: &mut Edges) {
    match e {
        Expr::Assign(a) => {
            if let Some(root) = place_root(&a.left) {
                edges.push((root, value_vars(&a.right)));
            }
            walk_expr(&a.right, edges);
        }
        Expr::Binary(b) if is_compound(&b.op) => {
            if let Some(root) = place_root(&b.left) {
                let mut src = value_vars(&b.right);
                src.push(root.clone());
                edges.push((root, src));
            }
            walk_expr(&b.right, edges);
        }
        Expr::MethodCall(m) if m.method == "push" => {
            if let Some(root) = place_root(&m.receiver) {
                edges.push((root, m.args.iter().flat_map(value_vars).collect()));
            }
        }
        Expr::ForLoop(f) => {
            let sources = iterated_places(&f.expr);
            for name in element_idents(f) {
                edges.push((name, sources.clone()));
            }
            walk_block(&f.body, edges);
        }
        Expr::While(w) => {
            walk_expr(&w.cond, edges);
            walk_block(&w.body, edges)
        }
        Expr::Loop(l) => walk_block(&l.body, edges),
        Expr::Block(b) => walk_block(&b.block, edges),
        Expr::Unsafe(u) => walk_block(&u.block, edges),
        Expr::If(i) => {
            walk_expr(&i.cond, edges);
            walk_block(&i.then_branch, edges);
            if let Some((_, e)) = &i.else_branch {
                walk_expr(e, edges);
            }
        }
        Expr::Match(m) => {
            // Arm bindings carry the scrutinee's value.
            let sources = value_vars(&m.expr);
            for a in &m.arms {
                for name in pat_idents(&a.pat) {
                    edges.push((name, sources.clone()));
                }
                walk_expr(&a.body, edges);
            }
        }
        Expr::Let(l) => {
            let sources = value_vars(&l.expr);
            for name in pat_idents(&l.pat) {
                edges.push((name, sources.clone()));
            }
        }
        Expr::Paren(p) => walk_expr(&p.expr, edges),
        Expr::Binary(b) => {
            walk_expr(&b.left, edges);
            walk_expr(&b.right, edges);
        }
        _ => {}
    }
}

/// `x += e`, `x -= e`, ... (syn 2 spells compound assignment as a binary operator).
pub fn is_compound(op: &BinOp) -> bool {
    matches!(
        op,
        BinOp::AddAssign(_)
            | BinOp::SubAssign(_)
            | BinOp::MulAssign(_)
            | BinOp::DivAssign(_)
            | BinOp::RemAssign(_)
            | BinOp::BitXorAssign(_)
            | BinOp::BitAndAssign(_)
            | BinOp::BitOrAssign(_)
            | BinOp::ShlAssign(_)
            | BinOp::ShrAssign(_)
    )
}

/// The variable at the root of a place expression (`v[i].re` -> `v`).
pub fn place_root(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) if p.qself.is_none() => p.path.get_ident().map(|i| i.to_string()),
        Expr::Index(i) => place_root(&i.expr),
        Expr::Field(f) => place_root(&f.base),
        Expr::Paren(p) => place_root(&p.expr),
        Expr::Unary(u) if matches!(u.op, UnOp::Deref(_)) => place_root(&u.expr),
        _ => None,
    }
}

/// The names a `for` pattern binds to elements (not the index of `.enumerate()`).
pub fn element_idents(f: &syn::ExprForLoop) -> Vec<String> {
    let enumerated = matches!(&*f.expr, Expr::MethodCall(m) if m.method == "enumerate");
    match (&*f.pat, enumerated) {
        (Pat::Tuple(t), true) if t.elems.len() == 2 => pat_idents(&t.elems[1]),
        (p, _) => pat_idents(p),
    }
}

/// Every identifier a pattern binds.
pub fn pat_idents(p: &Pat) -> Vec<String> {
    let mut out = Vec::new();
    collect_pat(p, &mut out);
    out
}

fn collect_pat(p: &Pat, out: &mut Vec<String>) {
    match p {
        Pat::Ident(i) => {
            out.push(i.ident.to_string());
            if let Some((_, s)) = &i.subpat {
                collect_pat(s, out);
            }
        }
        Pat::Tuple(t) => t.elems.iter().for_each(|p| collect_pat(p, out)),
        Pat::TupleStruct(t) => t.elems.iter().for_each(|p| collect_pat(p, out)),
        Pat::Struct(s) => s.fields.iter().for_each(|f| collect_pat(&f.pat, out)),
        Pat::Reference(r) => collect_pat(&r.pat, out),
        Pat::Type(t) => collect_pat(&t.pat, out),
        Pat::Slice(s) => s.elems.iter().for_each(|p| collect_pat(p, out)),
        Pat::Paren(p) => collect_pat(&p.pat, out),
        _ => {}
    }
}

/// The places a `for` loop iterates over element by element (`v.iter().zip(w)` -> `v`, `w`);
/// empty for ranges.
pub fn iterated_places(e: &Expr) -> Vec<String> {
    crate::syntax::parse_iter_chain(e)
        .map(|(bases, _)| bases.iter().filter_map(|(b, _)| place_root(b)).collect())
        .unwrap_or_default()
}

/// The tail expression of a block, if it has one.
pub fn block_tail(b: &Block) -> Option<&Expr> {
    match b.stmts.last() {
        Some(Stmt::Expr(e, None)) => Some(e),
        _ => None,
    }
}

/// Variables read in value positions of `e` (what its value can depend on differentiably).
pub fn value_vars(e: &Expr) -> Vec<String> {
    let mut out = Vec::new();
    collect_values(e, &mut out);
    out
}

fn collect_values(e: &Expr, out: &mut Vec<String>) {
    match e {
        Expr::Path(p) if p.qself.is_none() => {
            if let Some(id) = p.path.get_ident() {
                out.push(id.to_string());
            }
        }
        Expr::Paren(p) => collect_values(&p.expr, out),
        Expr::Group(g) => collect_values(&g.expr, out),
        Expr::Reference(r) => collect_values(&r.expr, out),
        Expr::Unary(u) => {
            if !matches!(u.op, UnOp::Not(_)) {
                collect_values(&u.expr, out)
            }
        }
        Expr::Binary(b) => {
            // Comparisons and logic give booleans; every other operator carries values (and
            // those without a rule are reported when lowered).
            let boolean = matches!(
                b.op,
                BinOp::Eq(_)
                    | BinOp::Ne(_)
                    | BinOp::Lt(_)
                    | BinOp::Le(_)
                    | BinOp::Gt(_)
                    | BinOp::Ge(_)
                    | BinOp::And(_)
                    | BinOp::Or(_)
            );
            if !boolean {
                collect_values(&b.left, out);
                collect_values(&b.right, out);
            }
        }
        Expr::Index(i) => collect_values(&i.expr, out),
        Expr::Field(f) => collect_values(&f.base, out),
        Expr::MethodCall(m) => {
            if !known::CONSTANT.contains(&m.method.to_string().as_str()) {
                collect_values(&m.receiver, out);
                m.args.iter().for_each(|a| collect_values(a, out));
            }
        }
        Expr::Call(c) => {
            let constant = match &*c.func {
                Expr::Path(p) => {
                    known::is_constant_constructor(&p.path)
                        || known::float_ufcs(&p.path)
                            .is_some_and(|n| known::CONSTANT.contains(&n.as_str()))
                }
                _ => false,
            };
            if !constant {
                c.args.iter().for_each(|a| collect_values(a, out));
            }
        }
        Expr::Cast(c) => {
            if !known::is_int_type(&c.ty) {
                collect_values(&c.expr, out)
            }
        }
        Expr::If(i) => {
            if let Some(t) = block_tail(&i.then_branch) {
                collect_values(t, out);
            }
            if let Some((_, e)) = &i.else_branch {
                collect_values(e, out);
            }
        }
        Expr::Block(b) => {
            if let Some(t) = block_tail(&b.block) {
                collect_values(t, out);
            }
        }
        Expr::Match(m) => m.arms.iter().for_each(|a| collect_values(&a.body, out)),
        Expr::Tuple(t) => t.elems.iter().for_each(|e| collect_values(e, out)),
        Expr::Array(a) => a.elems.iter().for_each(|e| collect_values(e, out)),
        Expr::Struct(s) => s.fields.iter().for_each(|f| collect_values(&f.expr, out)),
        Expr::Lit(_) => {}
        // A range built from values is a value (`let r = a..b`); ranges that index or drive a
        // loop are not value positions and never reach here.
        Expr::Range(r) => {
            r.start
                .iter()
                .chain(&r.end)
                .for_each(|e| collect_values(e, out));
        }
        Expr::Macro(m) if is_formatting_macro(&m.mac) => {}
        Expr::Macro(m) if m.mac.path.is_ident("vec") => {
            if let Some(args) = crate::syntax::parse_vec_macro(&m.mac) {
                match args {
                    crate::syntax::VecMacro::Splat(x, _) => collect_values(&x, out),
                    crate::syntax::VecMacro::List(xs) => {
                        xs.iter().for_each(|x| collect_values(x, out))
                    }
                }
            }
        }
        // Anything else (closures, `unsafe`, `?`, loops with values, other macros): every
        // variable it mentions may flow into its value. Over-approximating activity turns an
        // unsupported construct into a compile error instead of a silently zero gradient.
        other => mentioned_vars(other, out),
    }
}

/// Macros whose value is text or that never return: never differentiable values.
fn is_formatting_macro(m: &syn::Macro) -> bool {
    m.path.get_ident().is_some_and(|id| {
        matches!(
            id.to_string().as_str(),
            "format"
                | "print"
                | "println"
                | "eprint"
                | "eprintln"
                | "write"
                | "writeln"
                | "panic"
                | "unreachable"
                | "todo"
                | "unimplemented"
                | "assert"
                | "assert_eq"
                | "assert_ne"
                | "debug_assert"
                | "debug_assert_eq"
                | "debug_assert_ne"
        )
    })
}

/// Every single-identifier path in `e`, including inside macro invocations.
fn mentioned_vars(e: &Expr, out: &mut Vec<String>) {
    struct V<'o>(&'o mut Vec<String>);
    impl syn::visit::Visit<'_> for V<'_> {
        fn visit_expr_path(&mut self, p: &syn::ExprPath) {
            if let Some(id) = p.path.get_ident() {
                self.0.push(id.to_string());
            }
        }
        fn visit_macro(&mut self, m: &syn::Macro) {
            fn idents(ts: proc_macro2::TokenStream, out: &mut Vec<String>) {
                for tt in ts {
                    match tt {
                        proc_macro2::TokenTree::Ident(i) => out.push(i.to_string()),
                        proc_macro2::TokenTree::Group(g) => idents(g.stream(), out),
                        _ => {}
                    }
                }
            }
            idents(m.tokens.clone(), self.0);
        }
    }
    syn::visit::Visit::visit_expr(&mut V(out), e);
}
