//! Forward mode as an IR-to-IR transformation, for nested derivatives.
//!
//! `jvp(ir)` is the IR of the function's jvp: every statement, then its tangent, written in the
//! same IR, so that reverse mode (`Gen`) and forward mode (`Tan`) apply to it again: the
//! pullback of the jvp (reverse-over-forward: Hessian-vector products, a weight gradient of a
//! loss that contains a derivative) and the jvp of the jvp (second derivatives). The tangent of
//! a variable `x` at level `k` is the variable `__tan{k}_x`; the temporaries of the original IR,
//! which are used once, become variables (`__fv{id}`), since a tangent rule reads its operands
//! again.
//!
//! Supported: everything the first-order forward mode handles; calls to functions that are
//! `nested` themselves and differentiate every parameter (the call passes a tangent for each
//! argument); the `linalg` primitives called as `linalg::NAME`, through their tangent rules
//! written in primitives (`primitives`); not method calls or `eigh`, `abs2` and
//! `tridiag_matmul` yet (spanned compile errors).

mod primitives;

use crate::ctx::Ctxt;
use crate::ir::*;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use std::cell::Cell;
use std::collections::HashMap;
use syn::Ident;

/// The transformation's state.
pub struct Nest<'a> {
    cx: &'a Ctxt,
    level: usize,
    next_site: Cell<usize>,
    next_var: Cell<usize>,
    /// Tangent shape sites of variables declared without a value (recorded later).
    shapes: std::cell::RefCell<HashMap<String, Site>>,
}

/// The name of the tangent of `root` at `level`.
pub fn tangent_name(root: &Ident, level: usize) -> Ident {
    format_ident!("__tan{}_{}", level, root)
}

impl<'a> Nest<'a> {
    /// Level `level` (1 for the first jvp, 2 for the jvp of the jvp); site ids above
    /// `first_site` are free.
    pub fn new(cx: &'a Ctxt, level: usize, first_site: usize) -> Self {
        Nest {
            cx,
            level,
            next_site: Cell::new(first_site),
            next_var: Cell::new(0),
            shapes: Default::default(),
        }
    }

    fn site(&self, depth: usize) -> Site {
        let id = self.next_site.get();
        self.next_site.set(id + 1);
        Site {
            id,
            tape: depth > 0,
        }
    }

    fn var_name(&self) -> Ident {
        let n = self.next_var.get();
        self.next_var.set(n + 1);
        format_ident!("__ft{}_{}", self.level, n)
    }

    fn place_of(root: Ident) -> Place {
        Place {
            root,
            param: false,
            stable: false,
            proj: vec![],
        }
    }

    fn var(root: Ident) -> Atom {
        Atom {
            kind: AtomKind::Var(Self::place_of(root)),
            prefix: quote!(),
        }
    }

    fn constant(ts: TokenStream) -> Atom {
        Atom {
            kind: AtomKind::Const(ts, false),
            prefix: quote!(),
        }
    }

    fn literal(ts: TokenStream) -> Atom {
        Atom {
            kind: AtomKind::Const(ts, true),
            prefix: quote!(),
        }
    }

    /// A promoted temporary: the variable `__fv{id}`.
    fn promoted(&self, id: usize) -> Ident {
        format_ident!("__fv{}_{}", self.level, id)
    }

    /// An operand with the original temporaries read from their variables.
    fn atom(&self, a: &Atom) -> Atom {
        match &a.kind {
            AtomKind::Temp(id) => Atom {
                kind: AtomKind::Var(Self::place_of(self.promoted(*id))),
                prefix: a.prefix.clone(),
            },
            _ => a.clone(),
        }
    }

    fn tangent_place(&self, p: &Place) -> Place {
        Place {
            root: tangent_name(&p.root, self.level),
            ..p.clone()
        }
    }

    /// The tangent of an operand (`None` for a constant).
    fn tangent(&self, a: &Atom) -> Option<Atom> {
        match &self.atom(a).kind {
            AtomKind::Var(p) => Some(Atom {
                kind: AtomKind::Var(self.tangent_place(p)),
                prefix: a.prefix.clone(),
            }),
            _ => None,
        }
    }

    /// A zero tangent shaped like the variable `name`.
    fn zero_like(name: &Ident) -> Atom {
        let rt = crate::runtime::rt();
        Self::constant(quote!(#rt::zero_tangent(&#name)))
    }

    /// The tangent of an operand, or a zero shaped like its value.
    fn tangent_or_zero(&self, a: &Atom) -> Atom {
        self.tangent(a).unwrap_or_else(|| {
            let rt = crate::runtime::rt();
            let v = crate::codegen::Gen::atom_fwd(a);
            Self::constant(quote!(#rt::zero_tangent(&(#v))))
        })
    }

    /// `let NAME = op;` as a fresh variable; its operand.
    fn bind(&self, op: Op, depth: usize, out: &mut Vec<Stmt>) -> Atom {
        let name = self.var_name();
        out.push(Stmt::Let {
            name: name.clone(),
            mutable: false,
            ty: None,
            init: Some(op),
            site: self.site(depth),
            shape: self.site(depth),
        });
        Self::var(name)
    }

    fn bin(&self, k: BinKind, a: Atom, b: Atom, depth: usize, out: &mut Vec<Stmt>) -> Atom {
        self.bind(Op::Bin(k, a, b), depth, out)
    }

    fn unary(&self, m: &str, a: Atom, depth: usize, out: &mut Vec<Stmt>) -> Atom {
        self.bind(Op::Unary(Ident::new(m, Span::call_site()), a), depth, out)
    }

    /// The IR of the jvp of `stmts`.
    pub fn stmts(&self, stmts: &[Stmt], depth: usize) -> Vec<Stmt> {
        let mut out = Vec::new();
        for s in stmts {
            self.stmt(s, depth, &mut out);
        }
        out
    }

    fn stmt(&self, s: &Stmt, depth: usize, out: &mut Vec<Stmt>) {
        match s {
            Stmt::Plain(_) | Stmt::Source(_) => out.push(s.clone()),
            Stmt::Let {
                name,
                mutable,
                ty,
                init,
                site,
                shape,
            } => {
                let d = tangent_name(name, self.level);
                if let Some(call @ Op::Call { .. }) = init {
                    let (value, tangent) = self.call(call, depth, out);
                    out.push(Stmt::Let {
                        name: name.clone(),
                        mutable: *mutable,
                        ty: ty.clone(),
                        init: Some(value),
                        site: *site,
                        shape: *shape,
                    });
                    out.push(Stmt::Let {
                        name: d,
                        mutable: *mutable,
                        ty: ty.clone(),
                        init: Some(tangent),
                        site: self.site(depth),
                        shape: self.site(depth),
                    });
                    return;
                }
                match init {
                    Some(op) => {
                        let op = self.op_primal(op);
                        out.push(Stmt::Let {
                            name: name.clone(),
                            mutable: *mutable,
                            ty: ty.clone(),
                            init: Some(op.clone()),
                            site: *site,
                            shape: *shape,
                        });
                        let t = self.op_tangent(&op, name, depth, out);
                        out.push(Stmt::Let {
                            name: d,
                            mutable: *mutable,
                            ty: ty.clone(),
                            init: Some(Op::Atom(t)),
                            site: self.site(depth),
                            shape: self.site(depth),
                        });
                    }
                    None => {
                        out.push(s.clone());
                        let tshape = self.site(depth);
                        self.shapes.borrow_mut().insert(name.to_string(), tshape);
                        out.push(Stmt::Let {
                            name: d,
                            mutable: *mutable,
                            ty: ty.clone(),
                            init: None,
                            site: self.site(depth),
                            shape: tshape,
                        });
                    }
                }
            }
            Stmt::Temp { id, op, site } => {
                let name = self.promoted(*id);
                if let call @ Op::Call { .. } = op {
                    let (value, tangent) = self.call(call, depth, out);
                    out.push(Stmt::Let {
                        name: name.clone(),
                        mutable: false,
                        ty: None,
                        init: Some(value),
                        site: *site,
                        shape: self.site(depth),
                    });
                    out.push(Stmt::Let {
                        name: tangent_name(&name, self.level),
                        mutable: false,
                        ty: None,
                        init: Some(tangent),
                        site: self.site(depth),
                        shape: self.site(depth),
                    });
                    return;
                }
                let op = self.op_primal(op);
                out.push(Stmt::Let {
                    name: name.clone(),
                    mutable: false,
                    ty: None,
                    init: Some(op.clone()),
                    site: *site,
                    shape: self.site(depth),
                });
                let t = self.op_tangent(&op, &name, depth, out);
                out.push(Stmt::Let {
                    name: tangent_name(&name, self.level),
                    mutable: false,
                    ty: None,
                    init: Some(Op::Atom(t)),
                    site: self.site(depth),
                    shape: self.site(depth),
                });
            }
            Stmt::Assign {
                place,
                op,
                value,
                site,
            } => self.assign(place, *op, value, *site, depth, out),
            Stmt::Push { place, value, site } => {
                let value = self.atom(value);
                let tv = self.tangent_or_zero(&value);
                out.push(Stmt::Push {
                    place: self.tangent_place(place),
                    value: tv,
                    site: self.site(depth),
                });
                out.push(Stmt::Push {
                    place: place.clone(),
                    value,
                    site: *site,
                });
            }
            Stmt::RecordShape { name, .. } => {
                out.push(s.clone());
                if let Some(tshape) = self.shapes.borrow().get(&name.to_string()) {
                    out.push(Stmt::RecordShape {
                        name: tangent_name(name, self.level),
                        shape: *tshape,
                    });
                }
            }
            Stmt::If {
                cond,
                then,
                els,
                site,
            } => out.push(Stmt::If {
                cond: cond.clone(),
                then: self.stmts(then, depth + 1),
                els: self.stmts(els, depth + 1),
                site: *site,
            }),
            Stmt::Match { scrut, arms, site } => out.push(Stmt::Match {
                scrut: scrut.clone(),
                arms: arms
                    .iter()
                    .map(|(h, b)| (h.clone(), self.stmts(b, depth + 1)))
                    .collect(),
                site: *site,
            }),
            Stmt::Loop { header, body, site } => out.push(Stmt::Loop {
                header: header.clone(),
                body: self.stmts(body, depth + 1),
                site: *site,
            }),
            Stmt::Block(b) => out.push(Stmt::Block(self.stmts(b, depth))),
            Stmt::SetRet(a) => {
                let a = self.atom(a);
                let t = self.tangent_or_zero(&a);
                let pair = self.bind(Op::Tuple(vec![a, t]), depth, out);
                out.push(Stmt::SetRet(pair));
            }
        }
    }

    /// A call `f(args)` at this level: one call of `f`'s jvp with the arguments and their
    /// tangents (zeros for constants), bound to a variable; the value and the tangent as the
    /// operations reading its two halves. The callee needs `nested` too, and a tangent for each
    /// argument: every parameter of the callee active.
    fn call(&self, op: &Op, depth: usize, out: &mut Vec<Stmt>) -> (Op, Op) {
        let Op::Call {
            callee, args, span, ..
        } = op
        else {
            unreachable!("call() is given calls")
        };
        let Some(path) = callee else {
            self.cx.push(syn::Error::new(
                *span,
                "`nested` does not differentiate through method calls yet: write the method's computation into this function, or drop `nested`",
            ));
            return (op.clone(), Op::Atom(Self::literal(quote!(0.0))));
        };
        if primitives::is_primitive(path) {
            let args: Vec<Atom> = args.iter().map(|x| self.atom(x)).collect();
            return self
                .primitive_call(path, &args, *span, depth, out)
                .unwrap_or_else(|| (op.clone(), Op::Atom(Self::literal(quote!(0.0)))));
        }
        let renamed = |prefix: &str| {
            let mut p = path.clone();
            let last = p.segments.last_mut().expect("a callee path has a segment");
            last.ident = format_ident!("{}{}_jvp", prefix, last.ident, span = last.ident.span());
            p
        };
        let (fwd, rev, jvp, callee) = (
            renamed("__forward_"),
            renamed("__reverse_"),
            renamed("__jvp_"),
            renamed(""),
        );
        let args: Vec<Atom> = args.iter().map(|x| self.atom(x)).collect();
        let tangents: Vec<Atom> = args.iter().map(|x| self.tangent_or_zero(x)).collect();
        let pair = self.bind(
            Op::Call {
                func: quote!(#fwd),
                pull: quote!(#rev),
                jvp: quote!(#jvp),
                callee: Some(callee),
                args: args.into_iter().chain(tangents).collect(),
                span: *span,
            },
            depth,
            out,
        );
        let half = |k: u32| {
            Op::FieldOfTemp(
                pair.clone(),
                syn::Member::Unnamed(syn::Index {
                    index: k,
                    span: Span::call_site(),
                }),
            )
        };
        (half(0), half(1))
    }

    fn assign(
        &self,
        place: &Place,
        op: Option<BinKind>,
        value: &Atom,
        site: Site,
        depth: usize,
        out: &mut Vec<Stmt>,
    ) {
        let value = self.atom(value);
        let tp = self.tangent_place(place);
        let tp_atom = Atom {
            kind: AtomKind::Var(tp.clone()),
            prefix: quote!(),
        };
        let p_atom = Atom {
            kind: AtomKind::Var(place.clone()),
            prefix: quote!(),
        };
        let tv = self.tangent(&value);
        let set = |op: Option<BinKind>, v: Atom, out: &mut Vec<Stmt>| {
            out.push(Stmt::Assign {
                place: tp.clone(),
                op,
                value: v,
                site: self.site(depth),
            })
        };
        match (op, tv) {
            (None, tv) => {
                let tv = tv.unwrap_or_else(|| self.tangent_or_zero(&value));
                set(None, tv, out);
            }
            (Some(k @ (BinKind::Add | BinKind::Sub)), Some(tv)) => set(Some(k), tv, out),
            (Some(BinKind::Add | BinKind::Sub), None) => {}
            (Some(BinKind::Mul), tv) => {
                // d(p v) = dp v + p dv, with the old p.
                let a = self.bin(BinKind::Mul, tp_atom, value.clone(), depth, out);
                let t = match tv {
                    Some(tv) => {
                        let b = self.bin(BinKind::Mul, p_atom, tv, depth, out);
                        self.bin(BinKind::Add, a, b, depth, out)
                    }
                    None => a,
                };
                set(None, t, out);
            }
            (Some(BinKind::Div), tv) => {
                // d(p / v) = (dp - (p / v) dv) / v, with the old p.
                let num = match tv {
                    Some(tv) => {
                        let q = self.bin(BinKind::Div, p_atom, value.clone(), depth, out);
                        let b = self.bin(BinKind::Mul, q, tv, depth, out);
                        self.bin(BinKind::Sub, tp_atom, b, depth, out)
                    }
                    None => tp_atom,
                };
                let t = self.bin(BinKind::Div, num, value.clone(), depth, out);
                set(None, t, out);
            }
        }
        out.push(Stmt::Assign {
            place: place.clone(),
            op,
            value,
            site,
        });
    }

    /// The operation with its operands read from the promoted temporaries.
    fn op_primal(&self, op: &Op) -> Op {
        let a = |x: &Atom| self.atom(x);
        match op {
            Op::Atom(x) => Op::Atom(a(x)),
            Op::Bin(k, x, y) => Op::Bin(*k, a(x), a(y)),
            Op::Neg(x) => Op::Neg(a(x)),
            Op::Unary(m, x) => Op::Unary(m.clone(), a(x)),
            Op::Powi(x, n) => Op::Powi(a(x), n.clone()),
            Op::BinMethod(m, x, y) => Op::BinMethod(m.clone(), a(x), a(y)),
            Op::Identity(m, x) => Op::Identity(m.clone(), a(x)),
            Op::Wrap(p, x) => Op::Wrap(p.clone(), a(x)),
            Op::Cast(x, t) => Op::Cast(a(x), t.clone()),
            Op::Load(p, pre) => Op::Load(p.clone(), pre.clone()),
            Op::ComplexNew(p, x, y) => Op::ComplexNew(p.clone(), a(x), a(y)),
            Op::Tuple(xs) => Op::Tuple(xs.iter().map(a).collect()),
            Op::Array(xs) => Op::Array(xs.iter().map(a).collect()),
            Op::VecList(xs) => Op::VecList(xs.iter().map(a).collect()),
            Op::VecSplat(x, n) => Op::VecSplat(a(x), n.clone()),
            Op::Call {
                func,
                pull,
                jvp,
                callee,
                args,
                span,
            } => Op::Call {
                func: func.clone(),
                pull: pull.clone(),
                jvp: jvp.clone(),
                callee: callee.clone(),
                args: args.iter().map(a).collect(),
                span: *span,
            },
            Op::FieldOfTemp(x, m) => Op::FieldOfTemp(a(x), m.clone()),
        }
    }

    /// The tangent of `op`, whose value is the variable `result`, as an operand (statements
    /// computing it go to `out`).
    fn op_tangent(&self, op: &Op, result: &Ident, depth: usize, out: &mut Vec<Stmt>) -> Atom {
        let t = |x: &Atom| self.tangent(x);
        let y = Self::var(result.clone());
        let zero = || Self::zero_like(result);
        match op {
            Op::Atom(x) => t(x).unwrap_or_else(zero),
            Op::Bin(k, x, z) => {
                let (tx, tz) = (t(x), t(z));
                match (k, tx, tz) {
                    (_, None, None) => zero(),
                    (BinKind::Add, Some(a), Some(b)) => self.bin(BinKind::Add, a, b, depth, out),
                    (BinKind::Sub, Some(a), Some(b)) => self.bin(BinKind::Sub, a, b, depth, out),
                    (BinKind::Add | BinKind::Sub, Some(a), None) => a,
                    (BinKind::Add, None, Some(b)) => b,
                    (BinKind::Sub, None, Some(b)) => self.bind(Op::Neg(b), depth, out),
                    (BinKind::Mul, Some(a), Some(b)) => {
                        let l = self.bin(BinKind::Mul, a, z.clone(), depth, out);
                        let r = self.bin(BinKind::Mul, x.clone(), b, depth, out);
                        self.bin(BinKind::Add, l, r, depth, out)
                    }
                    (BinKind::Mul, Some(a), None) => {
                        self.bin(BinKind::Mul, a, z.clone(), depth, out)
                    }
                    (BinKind::Mul, None, Some(b)) => {
                        self.bin(BinKind::Mul, x.clone(), b, depth, out)
                    }
                    (BinKind::Div, Some(a), tz) => {
                        let num = match tz {
                            Some(b) => {
                                let q = self.bin(BinKind::Mul, y, b, depth, out);
                                self.bin(BinKind::Sub, a, q, depth, out)
                            }
                            None => a,
                        };
                        self.bin(BinKind::Div, num, z.clone(), depth, out)
                    }
                    (BinKind::Div, None, Some(b)) => {
                        let q = self.bin(BinKind::Div, y, z.clone(), depth, out);
                        let n = self.bind(Op::Neg(q), depth, out);
                        self.bin(BinKind::Mul, n, b, depth, out)
                    }
                }
            }
            Op::Neg(x) => match t(x) {
                Some(a) => self.bind(Op::Neg(a), depth, out),
                None => zero(),
            },
            Op::Unary(m, x) => match t(x) {
                Some(dx) => self.unary_tangent(m, x, &y, dx, depth, out),
                None => zero(),
            },
            Op::Powi(x, n) => match t(x) {
                Some(dx) => {
                    let p = self.bind(Op::Powi(x.clone(), quote!((#n) - 1)), depth, out);
                    let f = self.bin(
                        BinKind::Mul,
                        Self::literal(quote!(((#n) as f64))),
                        p,
                        depth,
                        out,
                    );
                    self.bin(BinKind::Mul, f, dx, depth, out)
                }
                None => zero(),
            },
            Op::BinMethod(m, x, z) => self.binary_method_tangent(m, x, z, &y, depth, out),
            Op::Identity(m, x) => match t(x) {
                Some(a) => self.bind(Op::Identity(m.clone(), a), depth, out),
                None => zero(),
            },
            Op::Wrap(p, x) => match t(x) {
                Some(a) => self.bind(Op::Wrap(p.clone(), a), depth, out),
                None => zero(),
            },
            Op::Cast(x, ty) => match t(x) {
                Some(a) => self.bind(Op::Cast(a, ty.clone()), depth, out),
                None => zero(),
            },
            Op::Load(p, pre) => self.bind(Op::Load(self.tangent_place(p), pre.clone()), depth, out),
            Op::ComplexNew(p, re, im) => {
                let z = || Self::literal(quote!(0.0));
                let (a, b) = (t(re).unwrap_or_else(z), t(im).unwrap_or_else(z));
                self.bind(Op::ComplexNew(p.clone(), a, b), depth, out)
            }
            Op::Tuple(xs) => self.bind(Op::Tuple(self.elements(xs)), depth, out),
            Op::Array(xs) => self.bind(Op::Array(self.elements(xs)), depth, out),
            Op::VecList(xs) => self.bind(Op::VecList(self.elements(xs)), depth, out),
            Op::VecSplat(x, n) => {
                let tx = self.tangent_or_zero(x);
                self.bind(Op::VecSplat(tx, n.clone()), depth, out)
            }
            Op::Call { span, .. } => {
                // Calls are bound by `let` or as temporaries, which `call` handles.
                self.cx.push(syn::Error::new(
                    *span,
                    "`nested` differentiates a call only where its value is bound (`let y = f(..)` or inside an expression)",
                ));
                zero()
            }
            Op::FieldOfTemp(x, m) => match t(x) {
                Some(a) => self.bind(Op::FieldOfTemp(a, m.clone()), depth, out),
                None => zero(),
            },
        }
    }

    fn elements(&self, xs: &[Atom]) -> Vec<Atom> {
        xs.iter().map(|x| self.tangent_or_zero(x)).collect()
    }

    /// `f'(x) dx` for an elementary method, in operations the IR has (`y = f(x)`).
    fn unary_tangent(
        &self,
        method: &Ident,
        x: &Atom,
        y: &Atom,
        dx: Atom,
        depth: usize,
        out: &mut Vec<Stmt>,
    ) -> Atom {
        use BinKind::*;
        let lit = |v: f64| Self::literal(quote!(#v));
        let x = x.clone();
        let y = y.clone();
        let m = method.to_string();
        let m = m.as_str();
        let times = |f: Atom, out: &mut Vec<Stmt>| self.bin(Mul, f, dx.clone(), depth, out);
        let over = |f: Atom, out: &mut Vec<Stmt>| self.bin(Div, dx.clone(), f, depth, out);
        match m {
            "exp" => times(y, out),
            "ln" => over(x, out),
            "log10" => {
                let f = self.bin(Mul, x, lit(std::f64::consts::LN_10), depth, out);
                over(f, out)
            }
            "log2" => {
                let f = self.bin(Mul, x, lit(std::f64::consts::LN_2), depth, out);
                over(f, out)
            }
            "exp2" => {
                let f = self.bin(Mul, y, lit(std::f64::consts::LN_2), depth, out);
                times(f, out)
            }
            "sin" => {
                let f = self.unary("cos", x, depth, out);
                times(f, out)
            }
            "cos" => {
                let s = self.unary("sin", x, depth, out);
                let f = self.bind(Op::Neg(s), depth, out);
                times(f, out)
            }
            "sinh" => {
                let f = self.unary("cosh", x, depth, out);
                times(f, out)
            }
            "cosh" => {
                let f = self.unary("sinh", x, depth, out);
                times(f, out)
            }
            "tan" | "tanh" => {
                let y2 = self.bin(Mul, y.clone(), y, depth, out);
                let k = if m == "tan" { Add } else { Sub };
                let f = self.bin(k, lit(1.0), y2, depth, out);
                times(f, out)
            }
            "sqrt" => {
                let f = self.bin(Mul, lit(2.0), y, depth, out);
                over(f, out)
            }
            "cbrt" => {
                let y2 = self.bin(Mul, y.clone(), y, depth, out);
                let f = self.bin(Mul, lit(3.0), y2, depth, out);
                over(f, out)
            }
            "recip" | "inv" => {
                let y2 = self.bin(Mul, y.clone(), y, depth, out);
                let f = self.bind(Op::Neg(y2), depth, out);
                times(f, out)
            }
            "asin" | "acos" | "asinh" | "acosh" => {
                let x2 = self.bin(Mul, x.clone(), x, depth, out);
                let inner = match m {
                    "asin" | "acos" => self.bin(Sub, lit(1.0), x2, depth, out),
                    "asinh" => self.bin(Add, x2, lit(1.0), depth, out),
                    _ => self.bin(Sub, x2, lit(1.0), depth, out),
                };
                let r = self.unary("sqrt", inner, depth, out);
                let t = over(r, out);
                if m == "acos" {
                    self.bind(Op::Neg(t), depth, out)
                } else {
                    t
                }
            }
            "atan" | "atanh" => {
                let x2 = self.bin(Mul, x.clone(), x, depth, out);
                let k = if m == "atan" { Add } else { Sub };
                let f = self.bin(k, lit(1.0), x2, depth, out);
                over(f, out)
            }
            "conj" => self.unary("conj", dx, depth, out),
            "abs" => {
                let xv = crate::codegen::Gen::atom_fwd(&x);
                let s = Self::constant(quote!((#xv).signum()));
                times(s, out)
            }
            "norm" | "norm_sqr" | "arg" => {
                // Re or Im of conj(x) dx, over |x|, times 2, or over |x|².
                let c = self.unary("conj", x.clone(), depth, out);
                let p = self.bin(Mul, c, dx, depth, out);
                let field = if m == "arg" { "im" } else { "re" };
                let member = syn::Member::Named(Ident::new(field, Span::call_site()));
                let part = self.bind(Op::FieldOfTemp(p, member), depth, out);
                match m {
                    "norm" => self.bin(Div, part, y, depth, out),
                    "norm_sqr" => self.bin(Mul, lit(2.0), part, depth, out),
                    _ => {
                        let r2 = self.unary("norm_sqr", x, depth, out);
                        self.bin(Div, part, r2, depth, out)
                    }
                }
            }
            other => {
                self.cx.push(syn::Error::new(
                    method.span(),
                    format!("`nested` has no second-order rule for `{other}` yet: drop `nested`, or write the function with the elementary functions it has"),
                ));
                y
            }
        }
    }

    /// The tangent of `x.m(z)` for the two-argument elementary methods.
    fn binary_method_tangent(
        &self,
        method: &Ident,
        x: &Atom,
        z: &Atom,
        y: &Atom,
        depth: usize,
        out: &mut Vec<Stmt>,
    ) -> Atom {
        use BinKind::*;
        let m = method.to_string();
        let m = m.as_str();
        let (tx, tz) = (self.tangent(x), self.tangent(z));
        if tx.is_none() && tz.is_none() {
            let rt = crate::runtime::rt();
            let v = crate::codegen::Gen::atom_fwd(y);
            return Self::constant(quote!(#rt::zero_tangent(&(#v))));
        }
        let lit = |v: f64| Self::literal(quote!(#v));
        let sum = |a: Option<Atom>, b: Option<Atom>, out: &mut Vec<Stmt>| match (a, b) {
            (Some(a), Some(b)) => self.bin(Add, a, b, depth, out),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => lit(0.0),
        };
        match m {
            "powf" => {
                // p x^(p-1) dx + y ln(x) dp
                let l = tx.map(|dx| {
                    let pm1 = self.bin(Sub, z.clone(), lit(1.0), depth, out);
                    let xp = self.bind(
                        Op::BinMethod(Ident::new("powf", Span::call_site()), x.clone(), pm1),
                        depth,
                        out,
                    );
                    let f = self.bin(Mul, z.clone(), xp, depth, out);
                    self.bin(Mul, f, dx, depth, out)
                });
                let r = tz.map(|dz| {
                    let ln = self.unary("ln", x.clone(), depth, out);
                    let f = self.bin(Mul, y.clone(), ln, depth, out);
                    self.bin(Mul, f, dz, depth, out)
                });
                sum(l, r, out)
            }
            "atan2" => {
                // (z dx - x dz) / (x² + z²)
                let l = tx.map(|dx| self.bin(Mul, z.clone(), dx, depth, out));
                let r = tz.map(|dz| {
                    let p = self.bin(Mul, x.clone(), dz, depth, out);
                    self.bind(Op::Neg(p), depth, out)
                });
                let num = sum(l, r, out);
                let x2 = self.bin(Mul, x.clone(), x.clone(), depth, out);
                let z2 = self.bin(Mul, z.clone(), z.clone(), depth, out);
                let den = self.bin(Add, x2, z2, depth, out);
                self.bin(Div, num, den, depth, out)
            }
            "hypot" => {
                let l = tx.map(|dx| self.bin(Mul, x.clone(), dx, depth, out));
                let r = tz.map(|dz| self.bin(Mul, z.clone(), dz, depth, out));
                let num = sum(l, r, out);
                self.bin(Div, num, y.clone(), depth, out)
            }
            "max" | "min" => {
                // The tangent of the operand chosen (of `x` on ties), as the adjoint rule.
                let name = self.var_name();
                let shape = self.site(depth);
                out.push(Stmt::Let {
                    name: name.clone(),
                    mutable: true,
                    ty: None,
                    init: None,
                    site: self.site(depth),
                    shape,
                });
                let assign = |v: Option<Atom>, a: &Atom| Stmt::Assign {
                    place: Self::place_of(name.clone()),
                    op: None,
                    value: v.unwrap_or_else(|| self.tangent_or_zero(a)),
                    site: self.site(depth + 1),
                };
                let (xv, zv) = (
                    crate::codegen::Gen::atom_fwd(x),
                    crate::codegen::Gen::atom_fwd(z),
                );
                let cond = if m == "max" {
                    quote!(#xv >= #zv)
                } else {
                    quote!(#xv <= #zv)
                };
                out.push(Stmt::If {
                    cond,
                    then: vec![assign(tx, x)],
                    els: vec![assign(tz, z)],
                    site: self.site(depth),
                });
                out.push(Stmt::RecordShape {
                    name: name.clone(),
                    shape,
                });
                Self::var(name)
            }
            other => {
                self.cx.push(syn::Error::new(
                    method.span(),
                    format!("`nested` has no second-order rule for `{other}` yet: drop `nested`, or write the function with the elementary functions it has"),
                ));
                y.clone()
            }
        }
    }
}
