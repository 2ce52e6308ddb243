//! syn -> IR: decomposition of active expressions, loops over slices, exits to flags.

use crate::activity::{self, is_compound, iterated_places, pat_idents, place_root};
use crate::ctx::{Ctxt, HOW_TO_FIX};
use crate::ir::*;
use crate::known;
use crate::syntax::{parse_iter_chain, parse_vec_macro, strip_parens, VecMacro};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, ToTokens};
use std::cell::Cell;
use std::collections::HashSet;
use syn::{BinOp, Expr, Ident, Member, Pat, UnOp};

/// Where the value of a block's tail expression goes.
#[derive(Clone)]
enum Target {
    /// A statement block: the tail is evaluated as a statement.
    None,
    /// Assigned to a hidden variable (value of an `if`/`match`/block expression).
    Var(Ident),
    /// The function's result.
    Return,
}

struct LoopFlags {
    brk: Ident,
    cont: Ident,
    /// Whether any code reads or sets the flags; a loop without `break`, `continue` or a
    /// guarded `return` declares none.
    used: std::cell::Cell<bool>,
}

/// The lowering state of one function.
pub struct Lower<'a> {
    cx: &'a Ctxt,
    active: &'a HashSet<String>,
    params: &'a HashSet<String>,
    all_params: HashSet<String>,
    /// Immutable reference or scalar parameters: their values can be read again in reverse.
    stable_params: HashSet<String>,
    /// Names whose value never changes after definition (immutable parameters, `self`,
    /// immutable top-level constants): index expressions over them can be recomputed.
    stable: HashSet<String>,
    /// Counters of enclosing range loops that the reverse sweep rebuilds.
    loop_vars: Vec<String>,
    next: Cell<usize>,
    depth: usize,
    loops: Vec<LoopFlags>,
    /// The function has an early `return` somewhere: results go through `__retv`.
    pub early_return: bool,
    exit_loop: bool,
    exit_ret: bool,
}

impl<'a> Lower<'a> {
    pub fn new(
        cx: &'a Ctxt,
        active: &'a HashSet<String>,
        params: &'a HashSet<String>,
        all_params: HashSet<String>,
        stable_params: HashSet<String>,
        immutable_params: HashSet<String>,
        early_return: bool,
    ) -> Self {
        let mut stable = immutable_params;
        stable.insert("self".into());
        Lower {
            cx,
            active,
            params,
            all_params,
            stable_params,
            stable,
            loop_vars: Vec::new(),
            next: Cell::new(0),
            depth: 0,
            loops: Vec::new(),
            early_return,
            exit_loop: false,
            exit_ret: false,
        }
    }

    fn fresh(&self) -> usize {
        let n = self.next.get();
        self.next.set(n + 1);
        n
    }

    fn site(&self) -> Site {
        Site {
            id: self.fresh(),
            tape: self.depth > 0,
        }
    }

    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn is_active_var(&self, name: &str) -> bool {
        self.active.contains(name)
    }

    fn is_active_expr(&self, e: &Expr) -> bool {
        activity::value_vars(e)
            .iter()
            .any(|v| self.is_active_var(v))
    }

    /// The function body; its tail is the result.
    pub fn lower_body(&mut self, body: &syn::Block) -> Vec<Stmt> {
        let mut out = Vec::new();
        if self.early_return {
            out.push(Stmt::Plain(quote! {
                let mut __returned = false;
                let mut __retv = ::core::option::Option::None;
            }));
        }
        out.extend(self.lower_stmts(&body.stmts, Target::Return));
        out
    }

    fn guard_condition(&self) -> TokenStream {
        let mut flags = Vec::new();
        if let Some(l) = self.loops.last() {
            l.used.set(true);
            let (b, c) = (&l.brk, &l.cont);
            flags.push(quote!(#b));
            flags.push(quote!(#c));
        }
        if self.early_return {
            flags.push(quote!(__returned));
        }
        quote!(!(#(#flags)||*))
    }

    fn lower_stmts(&mut self, stmts: &[syn::Stmt], target: Target) -> Vec<Stmt> {
        let mut out = Vec::new();
        let n = stmts.len();
        for (i, s) in stmts.iter().enumerate() {
            let outer = (self.exit_loop, self.exit_ret);
            self.exit_loop = false;
            self.exit_ret = false;
            let is_tail = i + 1 == n && matches!(s, syn::Stmt::Expr(_, None));
            out.push(Stmt::Source(crate::syntax::source_text(s)));
            match s {
                syn::Stmt::Expr(e, None) if is_tail => self.lower_tail(e, &target, &mut out),
                syn::Stmt::Expr(e, _) => self.lower_expr_stmt(e, &mut out),
                syn::Stmt::Local(l) => self.lower_local(l, &mut out),
                syn::Stmt::Macro(m) => out.push(Stmt::Plain(m.to_token_stream())),
                syn::Stmt::Item(item) => self.cx.error(
                    item,
                    "items inside a #[differentiable] function are not supported: move this item out of the function",
                ),
            }
            let exited = self.exit_loop || self.exit_ret;
            self.exit_loop |= outer.0;
            self.exit_ret |= outer.1;
            if exited && i + 1 < n {
                let cond = self.guard_condition();
                let site = self.site();
                let rest = self.nested(|this| this.lower_stmts(&stmts[i + 1..], target.clone()));
                out.push(Stmt::If {
                    cond,
                    then: rest,
                    els: Vec::new(),
                    site,
                });
                break;
            } else if matches!(target, Target::Return) && i + 1 == n && !is_tail {
                // A body ending in a statement (`return x;` or a diverging loop).
                if !exited && !self.early_return {
                    self.cx.error(
                        s,
                        "a #[differentiable] function must end with its result expression",
                    );
                }
            }
        }
        if stmts.is_empty() && matches!(target, Target::Return) {
            out.push(Stmt::SetRet(self.const_atom(quote!(()))));
        }
        out
    }

    fn lower_tail(&mut self, e: &Expr, target: &Target, out: &mut Vec<Stmt>) {
        match target {
            Target::None => self.lower_expr_stmt(e, out),
            Target::Return => {
                let a = self.lower_atom(e, out);
                out.push(Stmt::SetRet(a));
            }
            Target::Var(v) => {
                let value = self.lower_atom(e, out);
                let site = self.site();
                out.push(Stmt::Assign {
                    place: Place {
                        root: v.clone(),
                        param: false,
                        stable: false,
                        proj: vec![],
                    },
                    op: None,
                    value,
                    site,
                });
            }
        }
    }

    // ------------------------------------------------------------ statements

    fn writes_active(&self, e: &Expr) -> bool {
        struct W<'b> {
            active: &'b HashSet<String>,
            found: bool,
        }
        impl syn::visit::Visit<'_> for W<'_> {
            fn visit_local(&mut self, l: &syn::Local) {
                if pat_idents(&l.pat).iter().any(|n| self.active.contains(n)) {
                    self.found = true;
                }
                syn::visit::visit_local(self, l);
            }
            fn visit_expr(&mut self, e: &Expr) {
                let root = match e {
                    Expr::Assign(a) => place_root(&a.left),
                    Expr::Binary(b) if is_compound(&b.op) => place_root(&b.left),
                    Expr::MethodCall(m)
                        if m.method == "push"
                            || known::MUTATING.contains(&m.method.to_string().as_str()) =>
                    {
                        place_root(&m.receiver)
                    }
                    Expr::ForLoop(f) => activity::element_idents(f)
                        .into_iter()
                        .find(|n| self.active.contains(n)),
                    Expr::Return(_) => {
                        self.found = true;
                        None
                    }
                    // `&mut y` of an active `y`: the callee may change it.
                    Expr::Reference(r) if r.mutability.is_some() => place_root(&r.expr),
                    _ => None,
                };
                // A store through something that is not a place (`*slot(&mut v) = x`) writes
                // an active value where the analysis cannot follow it: lowering reports it.
                let opaque_store = match e {
                    Expr::Assign(a) => Some((&a.left, &a.right)),
                    Expr::Binary(b) if is_compound(&b.op) => Some((&b.left, &b.right)),
                    _ => None,
                }
                .is_some_and(|(left, right)| {
                    place_root(left).is_none()
                        && activity::value_vars(right)
                            .iter()
                            .any(|v| self.active.contains(v))
                });
                if opaque_store || root.is_some_and(|r| self.active.contains(&r)) {
                    self.found = true;
                }
                syn::visit::visit_expr(self, e);
            }
            fn visit_item(&mut self, _: &syn::Item) {}
        }
        let mut w = W {
            active: self.active,
            found: false,
        };
        syn::visit::Visit::visit_expr(&mut w, e);
        w.found
    }

    /// `break`/`continue` that leave `e` (not bound by a loop inside it).
    fn escapes(e: &Expr) -> bool {
        struct Esc {
            loops: usize,
            found: bool,
        }
        impl syn::visit::Visit<'_> for Esc {
            fn visit_expr(&mut self, e: &Expr) {
                match e {
                    Expr::Break(_) | Expr::Continue(_) if self.loops == 0 => self.found = true,
                    Expr::Return(_) => self.found = true,
                    Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_) => {
                        self.loops += 1;
                        syn::visit::visit_expr(self, e);
                        self.loops -= 1;
                    }
                    Expr::Closure(_) => {}
                    _ => syn::visit::visit_expr(self, e),
                }
            }
            fn visit_item(&mut self, _: &syn::Item) {}
        }
        let mut v = Esc {
            loops: 0,
            found: false,
        };
        syn::visit::Visit::visit_expr(&mut v, e);
        v.found
    }

    fn needs_lowering(&self, e: &Expr) -> bool {
        self.writes_active(e) || (!self.loops.is_empty() && Self::escapes(e)) || {
            // A `return` anywhere must be lowered, even in otherwise inactive code.
            matches!(e, Expr::Return(_)) || (self.early_return && Self::has_return(e))
        }
    }

    /// Whether `e` contains a `return` (closures and items excluded).
    pub fn has_return(e: &Expr) -> bool {
        struct R(bool);
        impl syn::visit::Visit<'_> for R {
            fn visit_expr(&mut self, e: &Expr) {
                match e {
                    Expr::Return(_) => self.0 = true,
                    Expr::Closure(_) => {}
                    _ => syn::visit::visit_expr(self, e),
                }
            }
            fn visit_item(&mut self, _: &syn::Item) {}
        }
        let mut r = R(false);
        syn::visit::Visit::visit_expr(&mut r, e);
        r.0
    }

    fn lower_expr_stmt(&mut self, e: &Expr, out: &mut Vec<Stmt>) {
        if !self.needs_lowering(e) {
            out.push(Stmt::Plain(quote!(#e;)));
            return;
        }
        match e {
            Expr::Assign(a) => self.lower_assign(&a.left, None, &a.right, e, out),
            Expr::Binary(b) if is_compound(&b.op) => {
                let kind = match b.op {
                    BinOp::AddAssign(_) => Some(BinKind::Add),
                    BinOp::SubAssign(_) => Some(BinKind::Sub),
                    BinOp::MulAssign(_) => Some(BinKind::Mul),
                    BinOp::DivAssign(_) => Some(BinKind::Div),
                    _ => None,
                };
                match kind {
                    Some(k) => self.lower_assign(&b.left, Some(k), &b.right, e, out),
                    None => self.cx.error(
                        b.op,
                        "this compound assignment has no derivative rule: only `+= -= *= /=` are differentiated",
                    ),
                }
            }
            Expr::MethodCall(m) if m.method == "push" && m.args.len() == 1 => {
                let place = self.lower_place(&m.receiver, out);
                let value = self.lower_atom(&m.args[0], out);
                let site = self.site();
                out.push(Stmt::Push { place, value, site });
            }
            Expr::MethodCall(m) if known::MUTATING.contains(&m.method.to_string().as_str()) => {
                self.cx.error(
                    &m.method,
                    format!(
                        "`{}` changes a differentiable value in a way backsolve cannot reverse: write the update as element assignments (`v[i] = ..`) or `push`",
                        m.method
                    ),
                );
            }
            Expr::If(i) => self.lower_if(i, Target::None, out),
            Expr::Match(m) => self.lower_match(m, Target::None, out),
            Expr::Block(b) if b.label.is_none() => {
                let stmts = self.nested(|this| this.lower_stmts(&b.block.stmts, Target::None));
                out.push(Stmt::Block(stmts));
            }
            Expr::ForLoop(f) => self.lower_for(f, out),
            Expr::While(w) => {
                if let Some(l) = &w.label {
                    self.cx.error(
                        l,
                        "loop labels are not supported in #[differentiable] code: use a flag",
                    );
                }
                if let Expr::Let(l) = &*w.cond {
                    self.cx.error(l, "`while let` is not supported in #[differentiable] code: use `loop` with `match` and `break`");
                    return;
                }
                let cond = &w.cond;
                self.lower_loop(LoopHeader::While(quote!(#cond)), &w.body, Vec::new(), out);
            }
            Expr::Loop(l) => {
                if let Some(lb) = &l.label {
                    self.cx.error(
                        lb,
                        "loop labels are not supported in #[differentiable] code: use a flag",
                    );
                }
                self.lower_loop(LoopHeader::Loop, &l.body, Vec::new(), out);
            }
            Expr::Break(b) => {
                if b.label.is_some() || b.expr.is_some() {
                    self.cx.error(b, "`break` with a label or a value is not supported in #[differentiable] code");
                }
                match self.loops.last() {
                    Some(l) => {
                        l.used.set(true);
                        let f = &l.brk;
                        out.push(Stmt::Plain(quote!(#f = true;)));
                        self.exit_loop = true;
                    }
                    None => self.cx.error(b, "`break` outside a loop"),
                }
            }
            Expr::Continue(c) => {
                if c.label.is_some() {
                    self.cx.error(
                        c,
                        "`continue` with a label is not supported in #[differentiable] code",
                    );
                }
                match self.loops.last() {
                    Some(l) => {
                        l.used.set(true);
                        let f = &l.cont;
                        out.push(Stmt::Plain(quote!(#f = true;)));
                        self.exit_loop = true;
                    }
                    None => self.cx.error(c, "`continue` outside a loop"),
                }
            }
            Expr::Return(r) => {
                let atom = match &r.expr {
                    Some(v) => self.lower_atom(v, out),
                    None => self.const_atom(quote!(())),
                };
                out.push(Stmt::SetRet(atom));
                out.push(Stmt::Plain(quote!(__returned = true;)));
                self.exit_ret = true;
            }
            Expr::Paren(p) => self.lower_expr_stmt(&p.expr, out),
            _ => {
                // Evaluated for its value, which is dropped: only effects matter, and effects on
                // active values go through the statements above.
                let _ = self.lower_atom(e, out);
            }
        }
    }

    fn lower_assign(
        &mut self,
        left: &Expr,
        op: Option<BinKind>,
        right: &Expr,
        whole: &Expr,
        out: &mut Vec<Stmt>,
    ) {
        let Some(root) = place_root(left) else {
            self.cx.error(
                left,
                "assignment to something that is not a variable, field or element",
            );
            return;
        };
        if !self.is_active_var(&root) {
            out.push(Stmt::Plain(quote!(#whole;)));
            return;
        }
        if self.params.contains(&root) {
            self.cx.error(
                left,
                "assigning to a differentiable parameter is not supported: copy it into a local first (`let mut x = x;`)",
            );
            return;
        }
        let value = self.lower_atom(right, out);
        let place = self.lower_place(left, out);
        let site = self.site();
        out.push(Stmt::Assign {
            place,
            op,
            value,
            site,
        });
    }

    fn lower_local(&mut self, l: &syn::Local, out: &mut Vec<Stmt>) {
        let names = pat_idents(&l.pat);
        let any_active = names.iter().any(|n| self.is_active_var(n));
        let init_needs = l.init.as_ref().is_some_and(|i| {
            self.needs_lowering(&i.expr) || (self.early_return && Self::has_return(&i.expr))
        });
        if !any_active && !init_needs {
            if self.depth == 0 {
                let ident = match &l.pat {
                    Pat::Ident(pi) => Some(pi),
                    Pat::Type(pt) => match &*pt.pat {
                        Pat::Ident(pi) => Some(pi),
                        _ => None,
                    },
                    _ => None,
                };
                if let Some(pi) = ident.filter(|pi| pi.mutability.is_none()) {
                    self.stable.insert(pi.ident.to_string());
                }
            }
            out.push(Stmt::Plain(l.to_token_stream()));
            return;
        }
        let Some(init) = &l.init else {
            self.cx.error(
                l,
                "declare differentiable variables with a value (`let x = ...;`)",
            );
            return;
        };
        if let Some((else_token, _)) = &init.diverge {
            self.cx.error(
                else_token,
                "`let ... else` is not supported in #[differentiable] code",
            );
            return;
        }
        let (pat, ty) = match &l.pat {
            Pat::Type(pt) => (&*pt.pat, Some((*pt.ty).clone())),
            p => (p, None),
        };
        match pat {
            Pat::Ident(pi) if pi.subpat.is_none() && pi.by_ref.is_none() => {
                self.bind_value(
                    pi.ident.clone(),
                    pi.mutability.is_some(),
                    ty,
                    &init.expr,
                    out,
                );
            }
            Pat::Tuple(t) => {
                let hidden = format_ident!("__v{}", self.fresh());
                self.bind_value(hidden.clone(), false, ty, &init.expr, out);
                for (k, p) in t.elems.iter().enumerate() {
                    let member = Member::Unnamed(syn::Index::from(k));
                    match p {
                        Pat::Ident(pi) if pi.subpat.is_none() && pi.by_ref.is_none() => {
                            let atom = Atom {
                                kind: AtomKind::Var(Place {
                                    root: hidden.clone(),
                                    param: false,
                        stable: false,
                                    proj: vec![Proj::Field(member)],
                                }),
                                prefix: TokenStream::new(),
                            };
                            let (site, shape) = (self.site(), self.site());
                            out.push(Stmt::Let {
                                name: pi.ident.clone(),
                                mutable: pi.mutability.is_some(),
                                ty: None,
                                init: Some(Op::Atom(atom)),
                                site,
                                shape,
                            });
                        }
                        Pat::Wild(_) => {}
                        other => self.cx.error(
                            other,
                            "only identifiers and `_` are supported inside a tuple pattern of differentiable values",
                        ),
                    }
                }
            }
            other => self.cx.error(
                other,
                "only `let x = ..` and `let (a, b) = ..` bind differentiable values",
            ),
        }
    }

    /// `let name = e;`, with `if`/`match`/block values assigned in their branches.
    fn bind_value(
        &mut self,
        name: Ident,
        mutable: bool,
        ty: Option<syn::Type>,
        e: &Expr,
        out: &mut Vec<Stmt>,
    ) {
        let (site, shape) = (self.site(), self.site());
        let e = strip_parens(e);
        if matches!(e, Expr::If(_) | Expr::Match(_) | Expr::Block(_)) {
            out.push(Stmt::Let {
                name: name.clone(),
                mutable,
                ty,
                init: None,
                site,
                shape,
            });
            self.lower_value_into(e, name.clone(), out);
            out.push(Stmt::RecordShape { name, shape });
            return;
        }
        let op = self.lower_op(e, out);
        out.push(Stmt::Let {
            name,
            mutable,
            ty,
            init: Some(op),
            site,
            shape,
        });
    }

    fn lower_value_into(&mut self, e: &Expr, var: Ident, out: &mut Vec<Stmt>) {
        match e {
            Expr::If(i) => self.lower_if(i, Target::Var(var), out),
            Expr::Match(m) => self.lower_match(m, Target::Var(var), out),
            Expr::Block(b) => {
                let stmts = self.nested(|this| this.lower_stmts(&b.block.stmts, Target::Var(var)));
                out.push(Stmt::Block(stmts));
            }
            _ => unreachable!("lower_value_into on a non-block expression"),
        }
    }

    fn lower_if(&mut self, i: &syn::ExprIf, target: Target, out: &mut Vec<Stmt>) {
        if let Expr::Let(l) = &*i.cond {
            self.cx.error(
                l,
                "`if let` is not supported on differentiable code paths: use `match`",
            );
            return;
        }
        let cond = &i.cond;
        let site = self.site();
        let then = self.nested(|this| this.lower_stmts(&i.then_branch.stmts, target.clone()));
        let els = match &i.else_branch {
            None => {
                if let Target::Var(_) = target {
                    self.cx
                        .error(i, "an `if` used as a value needs an `else` branch");
                }
                Vec::new()
            }
            Some((_, e)) => match &**e {
                Expr::Block(b) => {
                    self.nested(|this| this.lower_stmts(&b.block.stmts, target.clone()))
                }
                Expr::If(inner) => self.nested(|this| {
                    let mut v = Vec::new();
                    this.lower_if(inner, target.clone(), &mut v);
                    v
                }),
                other => {
                    self.cx.error(other, "unexpected else branch");
                    Vec::new()
                }
            },
        };
        out.push(Stmt::If {
            cond: quote!(#cond),
            then,
            els,
            site,
        });
    }

    fn lower_match(&mut self, m: &syn::ExprMatch, target: Target, out: &mut Vec<Stmt>) {
        let scrut = &m.expr;
        if self.is_active_expr(scrut) {
            self.cx.error(
                scrut,
                "`match` on a differentiable value is not supported: match on integers, enums or booleans",
            );
        }
        let site = self.site();
        let mut arms = Vec::new();
        for arm in &m.arms {
            let pat = &arm.pat;
            let head = match &arm.guard {
                Some((if_tok, g)) => quote!(#pat #if_tok #g),
                None => quote!(#pat),
            };
            let body = self.nested(|this| match &*arm.body {
                Expr::Block(b) if b.label.is_none() => {
                    this.lower_stmts(&b.block.stmts, target.clone())
                }
                other => {
                    let stmt = syn::Stmt::Expr(other.clone(), None);
                    this.lower_stmts(std::slice::from_ref(&stmt), target.clone())
                }
            });
            arms.push((head, body));
        }
        out.push(Stmt::Match {
            scrut: quote!(#scrut),
            arms,
            site,
        });
    }

    fn lower_loop(
        &mut self,
        header: LoopHeader,
        body: &syn::Block,
        prefix: Vec<Stmt>,
        out: &mut Vec<Stmt>,
    ) {
        let n = self.fresh();
        let flags = LoopFlags {
            brk: format_ident!("__brk{}", n),
            cont: format_ident!("__cont{}", n),
            used: Default::default(),
        };
        let (brk, cont) = (flags.brk.clone(), flags.cont.clone());
        let site = self.site();
        let saved_exit = self.exit_loop;
        self.loops.push(flags);
        let inner = self.nested(|this| this.lower_stmts(&body.stmts, Target::None));
        let used = self.loops.pop().is_some_and(|l| l.used.get());
        self.exit_loop = saved_exit;
        let mut stmts = Vec::new();
        if used {
            out.push(Stmt::Plain(quote!(let mut #brk = false;)));
            stmts.push(Stmt::Plain(quote!(let mut #cont = false;)));
        }
        stmts.extend(prefix);
        stmts.extend(inner);
        let stop = match (used, self.early_return) {
            (true, true) => Some(quote!(if #brk || __returned { break; })),
            (true, false) => Some(quote!(if #brk { break; })),
            (false, true) => Some(quote!(if __returned {
                break;
            })),
            (false, false) => None,
        };
        stmts.extend(stop.map(Stmt::Plain));
        out.push(Stmt::Loop {
            header,
            body: stmts,
            site,
        });
    }

    /// `for i in a..b`, `a..=b`, `(a..b).rev()`: the counter, the hoisted start, the header's
    /// iterator over it, and the direction.
    fn range_loop(
        &mut self,
        f: &syn::ExprForLoop,
        out: &mut Vec<Stmt>,
    ) -> Option<(Ident, TokenStream, TokenStream, bool)> {
        let Pat::Ident(pi) = &*f.pat else { return None };
        if pi.mutability.is_some() || pi.by_ref.is_some() || pi.subpat.is_some() {
            return None;
        }
        let (range, ascending) = match strip_parens(&f.expr) {
            Expr::Range(r) => (r, true),
            Expr::MethodCall(m) if m.method == "rev" && m.args.is_empty() => {
                match strip_parens(&m.receiver) {
                    Expr::Range(r) => (r, false),
                    _ => return None,
                }
            }
            _ => return None,
        };
        let (Some(start), Some(end)) = (&range.start, &range.end) else {
            return None;
        };
        let lo = format_ident!("__lo{}", self.fresh());
        out.push(Stmt::Plain(quote!(let #lo = #start;)));
        let limits = &range.limits;
        let iter = if ascending {
            quote!(#lo #limits #end)
        } else {
            quote!((#lo #limits #end).rev())
        };
        Some((pi.ident.clone(), quote!(#lo), iter, ascending))
    }

    fn lower_for(&mut self, f: &syn::ExprForLoop, out: &mut Vec<Stmt>) {
        if let Some(l) = &f.label {
            self.cx.error(
                l,
                "loop labels are not supported in #[differentiable] code: use a flag",
            );
        }
        let places = iterated_places(&f.expr);
        if places.is_empty() || !places.iter().any(|p| self.is_active_var(p)) {
            if self.is_active_expr(&f.expr) && !matches!(&*f.expr, Expr::Range(_)) {
                let named = match &*f.expr {
                    Expr::MethodCall(m) => {
                        let (adapters, closures) = adapter_chain(m);
                        let with = if closures { " with closures" } else { "" };
                        format!(" (adapters {adapters}{with})")
                    }
                    _ => String::new(),
                };
                self.cx.error(
                    &f.expr,
                    format!("this iterator{named} is not differentiated: iterate over ranges or over slices with `.iter()`, `.iter().enumerate()`, `.iter().zip(..)`, and put filters and maps inside the loop body"),
                );
            }
            if let Some((var, lo, iter, ascending)) = self.range_loop(f, out) {
                self.loop_vars.push(var.to_string());
                let header = LoopHeader::Range {
                    var,
                    iter,
                    start: lo,
                    ascending,
                };
                self.lower_loop(header, &f.body, Vec::new(), out);
                self.loop_vars.pop();
                return;
            }
            let (pat, iter) = (&f.pat, &f.expr);
            self.lower_loop(
                LoopHeader::For(quote!(#pat), quote!(#iter)),
                &f.body,
                Vec::new(),
                out,
            );
            return;
        }
        // Iteration over slices: an index loop whose body starts by loading the elements.
        let Some((bases, enumerate)) = parse_iter_chain(&f.expr) else {
            self.cx.error(
                &f.expr,
                "unsupported iterator over a differentiable value: use `v.iter()`, `&v`, `.copied()`, `.enumerate()` or `.zip(..)`",
            );
            return;
        };
        let k = format_ident!("__k{}", self.fresh());
        let lens: Vec<TokenStream> = bases.iter().map(|(b, _)| quote!((#b).len())).collect();
        let mut len = lens[0].clone();
        for l in &lens[1..] {
            len = quote!(#len.min(#l));
        }
        let (index_pat, elem_pat) = if enumerate {
            match &*f.pat {
                Pat::Tuple(t) if t.elems.len() == 2 => {
                    (Some(t.elems[0].clone()), t.elems[1].clone())
                }
                other => {
                    self.cx
                        .error(other, "`.enumerate()` yields `(index, element)` pairs");
                    return;
                }
            }
        } else {
            (None, (*f.pat).clone())
        };
        let elem_pats: Vec<Pat> = if bases.len() == 1 {
            vec![elem_pat]
        } else {
            match elem_pat {
                Pat::Tuple(t) if t.elems.len() == bases.len() => t.elems.into_iter().collect(),
                other => {
                    self.cx
                        .error(other, "`.zip(..)` yields tuples: bind them with `(a, b)`");
                    return;
                }
            }
        };
        let mut prefix = Vec::new();
        self.loop_vars.push(k.to_string());
        if let Some(ip) = index_pat {
            prefix.push(Stmt::Plain(quote!(let #ip = #k;)));
        }
        self.depth += 1;
        for ((base, by_ref), p) in bases.iter().zip(elem_pats) {
            let (ident, mutable, deref) = match &p {
                Pat::Ident(pi) => (Some(pi.ident.clone()), pi.mutability.is_some(), false),
                Pat::Reference(r) => match &*r.pat {
                    Pat::Ident(pi) => (Some(pi.ident.clone()), pi.mutability.is_some(), true),
                    other => {
                        self.cx.error(other, "bind slice elements to a name");
                        (None, false, false)
                    }
                },
                Pat::Wild(_) => (None, false, false),
                other => {
                    self.cx.error(other, "bind slice elements to a name");
                    (None, false, false)
                }
            };
            let Some(name) = ident else { continue };
            if deref && !by_ref {
                self.cx.error(
                    &p,
                    "these elements are values, not references: drop the `&`",
                );
            }
            let borrow = *by_ref && !deref;
            let place_expr: Expr = syn::parse_quote!(#base[#k]);
            if !self.is_active_var(&name.to_string()) {
                let amp = if borrow { quote!(&) } else { quote!() };
                let m = if mutable { quote!(mut) } else { quote!() };
                prefix.push(Stmt::Plain(quote!(let #m #name = #amp #place_expr;)));
                continue;
            }
            let place = self.lower_place(&place_expr, &mut prefix);
            let amp = if borrow { quote!(&) } else { quote!() };
            let (site, shape) = (self.site(), self.site());
            prefix.push(Stmt::Let {
                name,
                mutable,
                ty: None,
                init: Some(Op::Load(place, amp)),
                site,
                shape,
            });
        }
        self.depth -= 1;
        let header = LoopHeader::Range {
            var: k,
            iter: quote!(0..#len),
            start: quote!(0),
            ascending: true,
        };
        self.lower_loop(header, &f.body, prefix, out);
        self.loop_vars.pop();
    }

    /// Whether an index expression can be evaluated again in the reverse sweep: it reads only
    /// literals, rebuilt loop counters and names that never change.
    fn recomputable(&self, e: &Expr) -> bool {
        match e {
            Expr::Lit(_) => true,
            Expr::Path(p) => p.path.get_ident().is_some_and(|id| {
                let n = id.to_string();
                self.loop_vars.contains(&n) || self.stable.contains(&n)
            }),
            Expr::Binary(b) => self.recomputable(&b.left) && self.recomputable(&b.right),
            Expr::Unary(u) => !matches!(u.op, UnOp::Deref(_)) && self.recomputable(&u.expr),
            Expr::Paren(p) => self.recomputable(&p.expr),
            Expr::Group(g) => self.recomputable(&g.expr),
            Expr::Cast(c) => self.recomputable(&c.expr),
            Expr::Tuple(t) => t.elems.iter().all(|x| self.recomputable(x)),
            Expr::Field(f) => self.recomputable(&f.base),
            Expr::MethodCall(m) => {
                matches!(
                    m.method.to_string().as_str(),
                    "len"
                        | "min"
                        | "max"
                        | "abs"
                        | "pow"
                        | "rem_euclid"
                        | "saturating_sub"
                        | "saturating_add"
                        | "wrapping_sub"
                        | "wrapping_add"
                        | "nrows"
                        | "ncols"
                ) && self.recomputable(&m.receiver)
                    && m.args.iter().all(|a| self.recomputable(a))
            }
            _ => false,
        }
    }

    // ------------------------------------------------------------ expressions

    fn const_atom(&self, ts: TokenStream) -> Atom {
        Atom {
            kind: AtomKind::Const(ts, true),
            prefix: TokenStream::new(),
        }
    }

    /// A path into a parameter (`cfg`, `&self.grid`, `p.t`) without indices: the reverse sweep
    /// can name it again, so it is neither hoisted nor recorded.
    fn is_param_path(&self, e: &Expr) -> bool {
        match strip_parens(e) {
            Expr::Reference(r) if r.mutability.is_none() => self.is_param_path(&r.expr),
            Expr::Field(f) => self.is_param_path(&f.base),
            Expr::Path(p) => p
                .path
                .get_ident()
                .is_some_and(|id| self.all_params.contains(&id.to_string())),
            _ => false,
        }
    }

    /// A constant operand; anything but a literal or a plain name is evaluated once into a local.
    fn hoist_const(&mut self, e: &Expr, out: &mut Vec<Stmt>) -> Atom {
        match strip_parens(e) {
            Expr::Lit(_) => self.const_atom(quote!(#e)),
            Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) && matches!(&*u.expr, Expr::Lit(_)) => {
                self.const_atom(quote!(#e))
            }
            _ if self.is_param_path(e) => self.const_atom(quote!(#e)),
            Expr::Path(p) if p.path.get_ident().is_some() => Atom {
                kind: AtomKind::Const(quote!(#e), false),
                prefix: TokenStream::new(),
            },
            _ => {
                let id = format_ident!("__c{}", self.fresh());
                out.push(Stmt::Plain(quote!(let #id = #e;)));
                Atom {
                    kind: AtomKind::Const(quote!(#id), false),
                    prefix: TokenStream::new(),
                }
            }
        }
    }

    /// A place without indices rooted at an active variable, as an atom.
    fn try_place_atom(&self, e: &Expr) -> Option<Atom> {
        let mut fields = Vec::new();
        let mut cur = e;
        loop {
            match cur {
                Expr::Field(f) => {
                    fields.push(Proj::Field(f.member.clone()));
                    cur = &f.base;
                }
                Expr::Paren(p) => cur = &p.expr,
                Expr::Path(p) if p.qself.is_none() => {
                    let id = p.path.get_ident()?;
                    if !self.is_active_var(&id.to_string()) {
                        return None;
                    }
                    fields.reverse();
                    return Some(Atom {
                        kind: AtomKind::Var(Place {
                            root: id.clone(),
                            param: self.params.contains(&id.to_string()),
                            stable: self.stable_params.contains(&id.to_string()),
                            proj: fields,
                        }),
                        prefix: TokenStream::new(),
                    });
                }
                _ => return None,
            }
        }
    }

    /// Lower an expression to an operand, emitting the operations it needs.
    pub fn lower_atom(&mut self, e: &Expr, out: &mut Vec<Stmt>) -> Atom {
        if !self.is_active_expr(e) && !Self::has_return(e) {
            return self.hoist_const(e, out);
        }
        match e {
            Expr::Paren(p) => return self.lower_atom(&p.expr, out),
            Expr::Reference(r) if !matches!(strip_parens(&r.expr), Expr::Index(_)) => {
                let mut a = self.lower_atom(&r.expr, out);
                let (and, m) = (&r.and_token, &r.mutability);
                if m.is_some() {
                    self.cx.error(r, "passing a differentiable value by `&mut` is not supported: return the new value instead");
                }
                let old = a.prefix;
                a.prefix = quote!(#and #old);
                return a;
            }
            Expr::Unary(u) if matches!(u.op, UnOp::Deref(_)) => {
                let mut a = self.lower_atom(&u.expr, out);
                let star = &u.op;
                let old = a.prefix;
                a.prefix = quote!(#star #old);
                return a;
            }
            _ => {}
        }
        if let Some(a) = self.try_place_atom(e) {
            return a;
        }
        let op = self.lower_op(e, out);
        if let Op::Atom(a) = op {
            return a;
        }
        let id = self.fresh();
        let site = self.site();
        out.push(Stmt::Temp { id, op, site });
        Atom {
            kind: AtomKind::Temp(id),
            prefix: TokenStream::new(),
        }
    }

    /// A place (variable, fields, evaluated indices) for loads and stores.
    fn lower_place(&mut self, e: &Expr, out: &mut Vec<Stmt>) -> Place {
        let mut steps = Vec::new();
        let mut cur = e;
        let root = loop {
            match cur {
                Expr::Field(f) => {
                    steps.push(Err(f.member.clone()));
                    cur = &f.base;
                }
                Expr::Index(i) => {
                    steps.push(Ok(&*i.index));
                    cur = &i.expr;
                }
                Expr::Paren(p) => cur = &p.expr,
                Expr::Unary(u) if matches!(u.op, UnOp::Deref(_)) => cur = &u.expr,
                Expr::Path(p) if p.path.get_ident().is_some() => {
                    break p.path.get_ident().unwrap().clone();
                }
                other => {
                    // `f(x)[i]`: give the value a name first.
                    let hidden = format_ident!("__v{}", self.fresh());
                    self.bind_value(hidden.clone(), false, None, other, out);
                    break hidden;
                }
            }
        };
        steps.reverse();
        let mut proj = Vec::new();
        for s in steps {
            match s {
                Err(member) => proj.push(Proj::Field(member)),
                Ok(idx) => {
                    let id = format_ident!("__i{}", self.fresh());
                    out.push(Stmt::Plain(quote!(let #id = #idx;)));
                    let again = self.recomputable(idx).then(|| quote!(#idx));
                    proj.push(Proj::Index(id, again));
                }
            }
        }
        Place {
            param: self.params.contains(&root.to_string()),
            stable: self.stable_params.contains(&root.to_string()),
            root,
            proj,
        }
    }

    /// Lower an active expression to its outermost operation.
    fn lower_op(&mut self, e: &Expr, out: &mut Vec<Stmt>) -> Op {
        if !self.is_active_expr(e) && !Self::has_return(e) {
            return Op::Atom(self.hoist_const(e, out));
        }
        if let Some(a) = self.try_place_atom(e) {
            return Op::Atom(a);
        }
        match e {
            Expr::Paren(p) => self.lower_op(&p.expr, out),
            Expr::Group(g) => self.lower_op(&g.expr, out),
            Expr::Reference(r) if matches!(strip_parens(&r.expr), Expr::Index(_)) => {
                if r.mutability.is_some() {
                    self.cx.error(
                        r,
                        "`&mut` borrows of differentiable values are not supported",
                    );
                }
                let place = self.lower_place(&r.expr, out);
                let and = &r.and_token;
                Op::Load(place, quote!(#and))
            }
            Expr::Reference(_)
            | Expr::Unary(syn::ExprUnary {
                op: UnOp::Deref(_), ..
            }) => Op::Atom(self.lower_atom(e, out)),
            Expr::Index(_) => {
                let place = self.lower_place(e, out);
                Op::Load(place, TokenStream::new())
            }
            Expr::Field(f) => {
                let base = self.lower_atom(&f.base, out);
                Op::FieldOfTemp(base, f.member.clone())
            }
            Expr::Binary(b) => {
                let kind = match b.op {
                    BinOp::Add(_) => BinKind::Add,
                    BinOp::Sub(_) => BinKind::Sub,
                    BinOp::Mul(_) => BinKind::Mul,
                    BinOp::Div(_) => BinKind::Div,
                    _ => {
                        self.cx.error(b.op, "this operator has no derivative rule on differentiable values (supported: + - * /)");
                        return Op::Atom(self.const_atom(quote!(#e)));
                    }
                };
                let l = self.lower_atom(&b.left, out);
                let r = self.lower_atom(&b.right, out);
                Op::Bin(kind, l, r)
            }
            Expr::Unary(u) => match u.op {
                UnOp::Neg(_) => Op::Neg(self.lower_atom(&u.expr, out)),
                _ => Op::Atom(self.hoist_const(e, out)),
            },
            Expr::MethodCall(m) => self.lower_method(m, out),
            Expr::Call(c) => self.lower_call(c, out),
            Expr::Cast(c) => {
                let a = self.lower_atom(&c.expr, out);
                Op::Cast(a, (*c.ty).clone())
            }
            Expr::Tuple(t) => Op::Tuple(t.elems.iter().map(|x| self.lower_atom(x, out)).collect()),
            Expr::Array(a) => Op::Array(a.elems.iter().map(|x| self.lower_atom(x, out)).collect()),
            Expr::Macro(m) if m.mac.path.is_ident("vec") => match parse_vec_macro(&m.mac) {
                Some(VecMacro::Splat(x, n)) => {
                    let a = self.lower_atom(&x, out);
                    let n = self.hoist_const(&n, out);
                    let AtomKind::Const(nt, _) = n.kind else {
                        unreachable!()
                    };
                    Op::VecSplat(a, nt)
                }
                Some(VecMacro::List(xs)) => {
                    Op::VecList(xs.iter().map(|x| self.lower_atom(x, out)).collect())
                }
                None => {
                    self.cx.error(m, "could not read this `vec!`");
                    Op::Atom(self.const_atom(quote!(#e)))
                }
            },
            Expr::If(_) | Expr::Match(_) | Expr::Block(_) => {
                let hidden = format_ident!("__v{}", self.fresh());
                self.bind_value(hidden.clone(), false, None, e, out);
                Op::Atom(Atom {
                    kind: AtomKind::Var(Place {
                        root: hidden,
                        param: false,
                        stable: false,
                        proj: vec![],
                    }),
                    prefix: TokenStream::new(),
                })
            }
            Expr::Closure(c) => {
                self.cx.error(c, "closures are not differentiated: write the closure as a #[differentiable] fn and call it");
                Op::Atom(self.const_atom(quote!(#e)))
            }
            Expr::Unsafe(u) => {
                self.cx.error(u, "`unsafe` blocks are not differentiated: move the unsafe code into a function with a rule (`#[adjoint(of = ...)]`)");
                Op::Atom(self.const_atom(quote!(#e)))
            }
            Expr::Try(t) => {
                self.cx.error(t, "the `?` operator is not supported in #[differentiable] code: validate inputs before calling");
                Op::Atom(self.const_atom(quote!(#e)))
            }
            Expr::Struct(s) => {
                self.cx.error(s, "struct literals built from differentiable values are not supported yet: pass the fields separately");
                Op::Atom(self.const_atom(quote!(#e)))
            }
            Expr::Macro(m) => {
                self.cx.error(m, "macros other than `vec!` are not differentiated: compute the value with ordinary expressions");
                Op::Atom(self.const_atom(quote!(#e)))
            }
            other => {
                self.cx.error(
                    other,
                    "this expression is not supported on differentiable values",
                );
                Op::Atom(self.const_atom(quote!(#e)))
            }
        }
    }

    fn lower_method(&mut self, m: &syn::ExprMethodCall, out: &mut Vec<Stmt>) -> Op {
        let name = m.method.to_string();
        let nargs = m.args.len();
        if known::unary_method(&name).is_some() && nargs == 0 {
            return Op::Unary(m.method.clone(), self.lower_atom(&m.receiver, out));
        }
        if name == "powi" && nargs == 1 {
            let x = self.lower_atom(&m.receiver, out);
            let n = self.hoist_const(&m.args[0], out);
            let AtomKind::Const(nt, _) = n.kind else {
                unreachable!()
            };
            return Op::Powi(x, nt);
        }
        if known::binary_method(&name).is_some() && nargs == 1 {
            let x = self.lower_atom(&m.receiver, out);
            let y = self.lower_atom(&m.args[0], out);
            return Op::BinMethod(m.method.clone(), x, y);
        }
        if known::IDENTITY.contains(&name.as_str()) && nargs == 0 {
            return Op::Identity(m.method.clone(), self.lower_atom(&m.receiver, out));
        }
        if known::MUTATING.contains(&name.as_str()) || name == "push" {
            self.cx.error(
                &m.method,
                format!(
                    "`{name}` changes a differentiable value and cannot be used as an expression"
                ),
            );
            return Op::Atom(self.const_atom(quote!(#m)));
        }
        if known::ITERATOR.contains(&name.as_str()) {
            let (adapters, closures) = adapter_chain(m);
            let closures = if closures {
                " and the closures they take"
            } else {
                ""
            };
            self.cx.error(
                &m.method,
                format!("iterator adapters ({adapters}){closures} are not differentiated: write the computation as a `for` loop over the slice"),
            );
            return Op::Atom(self.const_atom(quote!(#m)));
        }
        if self.is_active_expr(&m.receiver) {
            self.cx.error(
                &m.method,
                format!(
                    "no adjoint is known for the method `{name}` on a differentiable value: {HOW_TO_FIX}"
                ),
            );
            return Op::Atom(self.const_atom(quote!(#m)));
        }
        // A #[differentiable] method on inactive configuration (`self.step(x)`).
        let recv = &m.receiver;
        let method = &m.method;
        let fwd = Ident::new(&format!("__forward_{method}"), method.span());
        let rev = Ident::new(&format!("__reverse_{method}"), method.span());
        let jvp = Ident::new(&format!("__jvp_{method}"), method.span());
        let turbofish = &m.turbofish;
        let args = m.args.iter().map(|a| self.lower_atom(a, out)).collect();
        Op::Call {
            func: quote!(#recv.#fwd #turbofish),
            pull: quote!(#recv.#rev #turbofish),
            jvp: quote!(#recv.#jvp #turbofish),
            callee: None,
            args,
            span: method.span(),
        }
    }

    fn lower_call(&mut self, c: &syn::ExprCall, out: &mut Vec<Stmt>) -> Op {
        let Expr::Path(p) = &*c.func else {
            self.cx.error(
                &c.func,
                format!("only calls of named functions are differentiated: {HOW_TO_FIX}"),
            );
            return Op::Atom(self.const_atom(quote!(#c)));
        };
        if p.qself.is_some() {
            self.cx.error(
                p,
                "qualified paths (`<T as Trait>::f`) are not supported: call the function by name",
            );
            return Op::Atom(self.const_atom(quote!(#c)));
        }
        if p.path.segments.last().is_some_and(|s| s.ident == "Scale") && c.args.len() == 1 {
            // faer's `Scale(k)` wrapper: its adjoint is the adjoint of `k`.
            let k = self.lower_atom(&c.args[0], out);
            return Op::Wrap(quote!(#p), k);
        }
        if known::is_complex_new(&p.path) && c.args.len() == 2 {
            let re = self.lower_atom(&c.args[0], out);
            let im = self.lower_atom(&c.args[1], out);
            return Op::ComplexNew(quote!(#p), re, im);
        }
        if let Some(name) = known::float_ufcs(&p.path) {
            let method = Ident::new(&name, Span::call_site());
            let recv = c.args[0].clone();
            let args: syn::punctuated::Punctuated<Expr, syn::Token![,]> =
                c.args.iter().skip(1).cloned().collect();
            let mc = syn::ExprMethodCall {
                attrs: vec![],
                receiver: Box::new(recv),
                dot_token: Default::default(),
                method,
                turbofish: None,
                paren_token: Default::default(),
                args,
            };
            return self.lower_method(&mc, out);
        }
        // The callee's split-mode pair: `__forward_f` returns the value and a residual the
        // callee chooses (a factorization, say), `__reverse_f` turns it into adjoints.
        let renamed = |prefix: &str| {
            let mut path = p.path.clone();
            let last = path.segments.last_mut().unwrap();
            last.ident = Ident::new(&format!("{prefix}{}", last.ident), last.ident.span());
            path
        };
        let (fwd, rev) = (renamed("__forward_"), renamed("__reverse_"));
        let jvp = renamed("__jvp_");
        let args = c.args.iter().map(|a| self.lower_atom(a, out)).collect();
        Op::Call {
            func: quote!(#fwd),
            pull: quote!(#rev),
            jvp: quote!(#jvp),
            callee: Some(p.path.clone()),
            args,
            span: syn::spanned::Spanned::span(&c.func),
        }
    }
}

/// The adapters of the iterator chain that ends in `m`, in source order (`` `map`, `sum` ``;
/// the `iter()` that starts it left out), and whether any of them takes a closure.
fn adapter_chain(m: &syn::ExprMethodCall) -> (String, bool) {
    let mut names = Vec::new();
    let mut closures = false;
    let mut call = m;
    loop {
        let name = call.method.to_string();
        if !matches!(name.as_str(), "iter" | "into_iter" | "iter_mut") {
            names.push(format!("`{name}`"));
        }
        closures |= call.args.iter().any(|a| matches!(a, Expr::Closure(_)));
        match &*call.receiver {
            Expr::MethodCall(inner) => call = inner,
            _ => break,
        }
    }
    if names.is_empty() {
        // A bare `v.iter()` kept as a value: name it rather than list nothing.
        names.push(format!("`{}`", m.method));
    }
    names.reverse();
    (names.join(", "), closures)
}
