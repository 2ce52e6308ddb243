//! Alpha-renaming and hygiene: after this pass every binding in the function body has a name of
//! its own, so later passes can identify a variable by its name without tracking scopes, and no
//! binding can meet a name the macro generates.
//!
//! The generated names live in two namespaces: locals of the macro's own (temporaries, tapes,
//! records, flags, adjoints of temporaries) start with `__`, and the adjoint of a variable is
//! `d_` followed by the variable's name, beside the output cotangent `d_ret`. A user binding
//! that could meet either (`__tape1`, `d_x`, `ret`, or `x` when `d_x` is also written) is
//! renamed out of the way, as is a binding that shadows an earlier one (`x` -> `x_1`); every new
//! name is checked against every identifier the function contains. Other bindings keep their
//! names, so the generated code stays close to what the user wrote.

use proc_macro2::{TokenStream, TokenTree};
use std::collections::{HashMap, HashSet};
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, Ident, Pat};

/// The renamer's state.
pub struct Renamer {
    scopes: Vec<HashMap<String, Ident>>,
    seen: HashMap<String, usize>,
    /// Every identifier of the function as written, and every name given out since.
    taken: HashSet<String>,
}

/// Every identifier in a token stream, at any depth.
pub fn identifiers(ts: TokenStream, out: &mut HashSet<String>) {
    for tt in ts {
        match tt {
            TokenTree::Ident(id) => {
                out.insert(id.to_string());
            }
            TokenTree::Group(g) => identifiers(g.stream(), out),
            _ => {}
        }
    }
}

impl Renamer {
    /// A renamer whose outermost scope holds the function's parameters; `written` holds every
    /// identifier of the function (see [`identifiers`]).
    pub fn new(params: &[Ident], written: HashSet<String>) -> Self {
        let mut r = Renamer {
            scopes: vec![HashMap::new()],
            seen: HashMap::new(),
            taken: written,
        };
        for p in params {
            r.bind(p.clone());
        }
        r
    }

    /// The parameters' names in the generated code, in order.
    pub fn param_names(&self, params: &[Ident]) -> Vec<Ident> {
        params
            .iter()
            .map(|p| self.scopes[0][&p.to_string()].clone())
            .collect()
    }

    /// Whether a binding of this name could meet a generated name (see the module docs).
    fn is_reserved(&self, name: &str) -> bool {
        name.starts_with("__")
            || name.starts_with("d_")
            || name == "ret"
            || self.taken.contains(&format!("d_{name}"))
    }

    /// A name for a binding of `base` that no identifier of the function and no generated
    /// name can be: `base_k`, or `vk_base` when `base` itself is reserved.
    fn fresh(&self, base: &str) -> String {
        (1..)
            .map(|k| {
                let plain = format!("{base}_{k}");
                if self.is_reserved(base) || self.is_reserved(&plain) {
                    format!("v{k}_{base}")
                } else {
                    plain
                }
            })
            .find(|c| !self.taken.contains(c) && !self.is_reserved(c))
            .expect("an unused name exists")
    }

    fn bind(&mut self, id: Ident) -> Ident {
        let name = id.to_string();
        let count = self.seen.entry(name.clone()).or_insert(0);
        *count += 1;
        let new = if *count == 1 && !self.is_reserved(&name) {
            id.clone()
        } else {
            Ident::new(&self.fresh(&name), id.span())
        };
        self.taken.insert(new.to_string());
        self.scopes.last_mut().unwrap().insert(name, new.clone());
        new
    }

    fn lookup(&self, name: &str) -> Option<&Ident> {
        self.scopes.iter().rev().find_map(|s| s.get(name))
    }

    fn with_scope(&mut self, f: impl FnOnce(&mut Self)) {
        self.scopes.push(HashMap::new());
        f(self);
        self.scopes.pop();
    }

    /// Bind every identifier a pattern introduces.
    fn bind_pat(&mut self, pat: &mut Pat) {
        match pat {
            Pat::Ident(pi) => {
                if is_binding_name(&pi.ident) && pi.by_ref.is_none() {
                    pi.ident = self.bind(pi.ident.clone());
                }
                if let Some((_, sub)) = &mut pi.subpat {
                    self.bind_pat(sub);
                }
            }
            Pat::Tuple(t) => t.elems.iter_mut().for_each(|p| self.bind_pat(p)),
            Pat::TupleStruct(t) => t.elems.iter_mut().for_each(|p| self.bind_pat(p)),
            Pat::Struct(s) => s.fields.iter_mut().for_each(|f| self.bind_pat(&mut f.pat)),
            Pat::Reference(r) => self.bind_pat(&mut r.pat),
            Pat::Type(t) => self.bind_pat(&mut t.pat),
            Pat::Slice(s) => s.elems.iter_mut().for_each(|p| self.bind_pat(p)),
            Pat::Or(o) => {
                // Every alternative binds the same names: bind through the first, reuse for the rest.
                if let Some(first) = o.cases.first_mut() {
                    self.bind_pat(first);
                }
                for p in o.cases.iter_mut().skip(1) {
                    self.visit_pat_mut(p);
                }
            }
            Pat::Paren(p) => self.bind_pat(&mut p.pat),
            _ => {}
        }
    }

    fn rename_tokens(&self, ts: TokenStream) -> TokenStream {
        crate::token_map::rename_identifiers(ts, &|id| {
            self.lookup(&id.to_string())
                .map(|new| Ident::new(&new.to_string(), id.span()))
        })
    }
}

/// Lower-case identifiers in patterns bind; `None`, `Foo`, `MAX` name constants or variants.
fn is_binding_name(id: &Ident) -> bool {
    id.to_string()
        .chars()
        .next()
        .is_some_and(|c| c.is_lowercase() || c == '_')
}

impl VisitMut for Renamer {
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        self.with_scope(|r| visit_mut::visit_block_mut(r, b));
    }

    fn visit_local_mut(&mut self, l: &mut syn::Local) {
        if let Some(init) = &mut l.init {
            self.visit_expr_mut(&mut init.expr);
            if let Some((_, e)) = &mut init.diverge {
                self.visit_expr_mut(e);
            }
        }
        self.bind_pat(&mut l.pat);
    }

    fn visit_expr_mut(&mut self, e: &mut Expr) {
        match e {
            Expr::Path(p) if p.qself.is_none() => {
                if let Some(id) = p.path.get_ident() {
                    if let Some(new) = self.lookup(&id.to_string()) {
                        p.path.segments[0].ident = Ident::new(&new.to_string(), id.span());
                    }
                }
            }
            Expr::ForLoop(f) => {
                self.visit_expr_mut(&mut f.expr);
                self.with_scope(|r| {
                    r.bind_pat(&mut f.pat);
                    r.visit_block_mut(&mut f.body);
                });
            }
            Expr::Match(m) => {
                self.visit_expr_mut(&mut m.expr);
                for arm in &mut m.arms {
                    self.with_scope(|r| {
                        r.bind_pat(&mut arm.pat);
                        if let Some((_, g)) = &mut arm.guard {
                            r.visit_expr_mut(g);
                        }
                        r.visit_expr_mut(&mut arm.body);
                    });
                }
            }
            Expr::Closure(c) => {
                self.with_scope(|r| {
                    for p in &mut c.inputs {
                        r.bind_pat(p);
                    }
                    r.visit_expr_mut(&mut c.body);
                });
            }
            Expr::Macro(m) => {
                m.mac.tokens = self.rename_tokens(m.mac.tokens.clone());
            }
            _ => visit_mut::visit_expr_mut(self, e),
        }
    }

    fn visit_stmt_macro_mut(&mut self, m: &mut syn::StmtMacro) {
        m.mac.tokens = self.rename_tokens(m.mac.tokens.clone());
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}
