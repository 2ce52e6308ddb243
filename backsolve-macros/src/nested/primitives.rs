//! The tangent rules of the `linalg` primitives as compositions of primitives, for nested mode.
//!
//! A first-order tangent rule (`__jvp_NAME`) is Rust code that no pass differentiates again. In
//! nested mode a call `linalg::NAME(..)` therefore becomes the primal call followed by its
//! tangent rule written as further primitive calls in the IR (`Ẋ = solve(A, sub(Ḃ, matmul(Ȧ,
//! X)))`), which the next level transforms again: second and third derivatives through the
//! primitives come from their first-order rules. A tangent that is absent (a constant operand)
//! drops its term.

use super::Nest;
use crate::ir::*;
use proc_macro2::Span;
use quote::{format_ident, quote};

/// How a primitive's tangent is composed.
enum Rule {
    /// Bilinear in its two matrix operands, a matrix result: `f(Ȧ, B) + f(A, Ḃ)`.
    BilinearMat,
    /// Bilinear in its two operands, a scalar result.
    BilinearScalar,
    /// Linear in its first operand, the others constant (sizes, a triangle): `f(Ȧ, ..)`.
    Linear,
    /// `A ± B` (`true` for the difference).
    Sum(bool),
    /// Linear in both operands, which it stacks: `f(Ȧ, Ḃ)` with zeros for an absent one.
    Stack,
    Frob2,
    /// `X = A⁻¹ B` by LU, Cholesky (reading the Hermitian part) or a triangular solve.
    Solve(SolveKind),
    Inverse,
    Logdet,
    Qr,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SolveKind {
    Lu,
    Cholesky,
    Triangular,
}

fn rule(name: &str) -> Option<Rule> {
    Some(match name {
        "matmul" | "matmul_adj_lhs" | "matmul_adj_rhs" => Rule::BilinearMat,
        "trace_adj_mul" | "re_inner" => Rule::BilinearScalar,
        "neg" | "adjoint" | "lower_hermitian" | "triangle_part" | "qr_gauge_upper" | "trace"
        | "fft" | "ifft" | "fft2" | "ifft2" | "split_rows" | "split_cols" => Rule::Linear,
        "add" => Rule::Sum(false),
        "sub" => Rule::Sum(true),
        "vstack" | "hstack" => Rule::Stack,
        "frob2" => Rule::Frob2,
        "solve" => Rule::Solve(SolveKind::Lu),
        "cholesky_solve" => Rule::Solve(SolveKind::Cholesky),
        "triangular_solve" => Rule::Solve(SolveKind::Triangular),
        "inverse" => Rule::Inverse,
        "logdet" => Rule::Logdet,
        "qr" => Rule::Qr,
        _ => return None,
    })
}

/// Whether `path` calls a `linalg` primitive (`linalg::NAME`, any prefix).
pub(super) fn is_primitive(path: &syn::Path) -> bool {
    let n = path.segments.len();
    n >= 2 && path.segments[n - 2].ident == "linalg"
}

/// A variable produced here, passed by reference.
fn by_ref(a: &Atom) -> Atom {
    Atom {
        prefix: quote!(&),
        ..a.clone()
    }
}

impl Nest<'_> {
    /// `let v = linalg::NAME(args);` with the primitive's own pair of rules; `&v`.
    fn prim(
        &self,
        name: &str,
        args: Vec<Atom>,
        span: Span,
        depth: usize,
        out: &mut Vec<Stmt>,
    ) -> Atom {
        let root = crate::runtime::root();
        let f = format_ident!("{}", name);
        let (fwd, rev, jvp) = (
            format_ident!("__forward_{}", name),
            format_ident!("__reverse_{}", name),
            format_ident!("__jvp_{}", name),
        );
        let callee: syn::Path = syn::parse_quote!(#root::linalg::#f);
        self.bind(
            Op::Call {
                func: quote!(#root::linalg::#fwd),
                pull: quote!(#root::linalg::#rev),
                jvp: quote!(#root::linalg::#jvp),
                callee: Some(callee),
                args,
                span,
            },
            depth,
            out,
        )
    }

    /// The sum of signed terms (`true` subtracts); `None` when there are none.
    fn signed_sum(
        &self,
        terms: Vec<(bool, Atom)>,
        span: Span,
        depth: usize,
        out: &mut Vec<Stmt>,
    ) -> Option<Atom> {
        let mut terms = terms.into_iter();
        let (minus, first) = terms.next()?;
        let mut acc = if minus {
            by_ref(&self.prim("neg", vec![first], span, depth, out))
        } else {
            first
        };
        for (minus, t) in terms {
            let f = if minus { "sub" } else { "add" };
            acc = by_ref(&self.prim(f, vec![acc, t], span, depth, out));
        }
        Some(acc)
    }

    /// A zero tangent shaped like the value a reference operand points to.
    fn zero_of(a: &Atom) -> Atom {
        let rt = crate::runtime::rt();
        let v = crate::codegen::Gen::atom_fwd(a);
        Self::constant(quote!(&#rt::zero_tangent(#v)))
    }

    /// `Some((value, tangent))` for a call of a `linalg` primitive, its arguments already read
    /// at this level; `None` after reporting a primitive without a composed rule.
    pub(super) fn primitive_call(
        &self,
        path: &syn::Path,
        args: &[Atom],
        span: Span,
        depth: usize,
        out: &mut Vec<Stmt>,
    ) -> Option<(Op, Op)> {
        let name = path
            .segments
            .last()
            .expect("a path has a segment")
            .ident
            .to_string();
        let Some(rule) = rule(&name) else {
            self.cx.push(syn::Error::new(
                span,
                format!("`nested` does not differentiate through `linalg::{name}` yet: it has a first-order tangent rule but none written in primitives; compute its derivatives outside this function, or drop `nested`"),
            ));
            return None;
        };
        let value = self.prim(&name, args.to_vec(), span, depth, out);
        let d: Vec<Option<Atom>> = args.iter().map(|a| self.tangent(a)).collect();
        let zero = || Self::zero_like_var(&value);
        let p =
            |n: &str, a: Vec<Atom>, out: &mut Vec<Stmt>| by_ref(&self.prim(n, a, span, depth, out));
        let tangent = match rule {
            Rule::BilinearMat | Rule::BilinearScalar => {
                let mut terms = vec![];
                if let Some(da) = &d[0] {
                    terms.push(self.prim(
                        &name,
                        vec![da.clone(), args[1].clone()],
                        span,
                        depth,
                        out,
                    ));
                }
                if let Some(db) = &d[1] {
                    terms.push(self.prim(
                        &name,
                        vec![args[0].clone(), db.clone()],
                        span,
                        depth,
                        out,
                    ));
                }
                match (rule, terms.len()) {
                    (_, 0) => zero(),
                    (_, 1) => terms.pop().expect("one term"),
                    (Rule::BilinearMat, _) => {
                        self.prim("add", terms.iter().map(by_ref).collect(), span, depth, out)
                    }
                    _ => self.bin(BinKind::Add, terms[0].clone(), terms[1].clone(), depth, out),
                }
            }
            Rule::Linear => match &d[0] {
                Some(da) => {
                    let rest = args[1..].iter().cloned();
                    self.prim(
                        &name,
                        std::iter::once(da.clone()).chain(rest).collect(),
                        span,
                        depth,
                        out,
                    )
                }
                None => zero(),
            },
            Rule::Sum(minus) => {
                let terms: Vec<(bool, Atom)> = [(false, d[0].clone()), (minus, d[1].clone())]
                    .into_iter()
                    .filter_map(|(m, t)| t.map(|t| (m, t)))
                    .collect();
                match terms.as_slice() {
                    [] => zero(),
                    // The operand's tangent itself, owned.
                    [(false, t)] => self.bind(
                        Op::Identity(
                            format_ident!("clone"),
                            Atom {
                                prefix: quote!(),
                                ..t.clone()
                            },
                        ),
                        depth,
                        out,
                    ),
                    _ => {
                        let s = self.signed_sum(terms, span, depth, out).expect("terms");
                        Atom {
                            prefix: quote!(),
                            ..s
                        }
                    }
                }
            }
            Rule::Stack => {
                if d.iter().all(Option::is_none) {
                    zero()
                } else {
                    let parts = d
                        .iter()
                        .zip(args)
                        .map(|(t, a)| t.clone().unwrap_or_else(|| Self::zero_of(a)))
                        .collect();
                    self.prim(&name, parts, span, depth, out)
                }
            }
            Rule::Frob2 => match &d[0] {
                Some(da) => {
                    let inner = self.prim(
                        "re_inner",
                        vec![args[0].clone(), da.clone()],
                        span,
                        depth,
                        out,
                    );
                    self.bin(BinKind::Mul, Self::literal(quote!(2.0)), inner, depth, out)
                }
                None => zero(),
            },
            Rule::Solve(kind) => {
                let x = by_ref(&value);
                let da = d[0].as_ref().map(|da| match kind {
                    SolveKind::Lu => da.clone(),
                    SolveKind::Cholesky => p("lower_hermitian", vec![da.clone()], out),
                    SolveKind::Triangular => {
                        p("triangle_part", vec![da.clone(), args[2].clone()], out)
                    }
                });
                let mut terms = vec![];
                if let Some(db) = &d[1] {
                    terms.push((false, db.clone()));
                }
                if let Some(da) = da {
                    terms.push((true, p("matmul", vec![da, x], out)));
                }
                match self.signed_sum(terms, span, depth, out) {
                    Some(rhs) => {
                        let mut solve_args = vec![args[0].clone(), rhs];
                        solve_args.extend(args[2..].iter().cloned());
                        self.prim(&name, solve_args, span, depth, out)
                    }
                    None => zero(),
                }
            }
            Rule::Inverse => match &d[0] {
                Some(da) => {
                    let y = by_ref(&value);
                    let ay = p("matmul", vec![da.clone(), y.clone()], out);
                    let yay = p("matmul", vec![y, ay], out);
                    self.prim("neg", vec![yay], span, depth, out)
                }
                None => zero(),
            },
            Rule::Logdet => match &d[0] {
                Some(da) => {
                    let z = p("solve", vec![args[0].clone(), da.clone()], out);
                    self.prim("trace", vec![z], span, depth, out)
                }
                None => zero(),
            },
            Rule::Qr => return Some(self.qr(value, d[0].clone(), span, depth, out)),
        };
        Some((Op::Atom(value), Op::Atom(tangent)))
    }

    /// A zero shaped like a variable bound here.
    fn zero_like_var(v: &Atom) -> Atom {
        let AtomKind::Var(p) = &v.kind else {
            unreachable!("primitive results are bound to variables")
        };
        Self::zero_like(&p.root)
    }

    /// The thin QR `(Q, R)` and its tangent in the gauge of real positive `diag(R)`:
    /// `X = Ȧ R⁻¹`, `U = qr_gauge_upper(Qᴴ X)`, `Ṙ = U R`, `Q̇ = X − Q U`.
    fn qr(
        &self,
        value: Atom,
        da: Option<Atom>,
        span: Span,
        depth: usize,
        out: &mut Vec<Stmt>,
    ) -> (Op, Op) {
        // The factors as places in the pair, read by reference: nothing moves out of it.
        let AtomKind::Var(pair_place) = &value.kind else {
            unreachable!("primitive results are bound to variables")
        };
        let half = |k: u32| {
            let mut place = pair_place.clone();
            place
                .proj
                .push(Proj::Field(syn::Member::Unnamed(syn::Index {
                    index: k,
                    span: Span::call_site(),
                })));
            Atom {
                kind: AtomKind::Var(place),
                prefix: quote!(&),
            }
        };
        let (q, r) = (half(0), half(1));
        let pair = |a: &Atom, b: &Atom| {
            let owned = |x: &Atom| Atom {
                prefix: quote!(),
                ..x.clone()
            };
            Op::Tuple(vec![owned(a), owned(b)])
        };
        let primal = Op::Atom(value.clone());
        let Some(da) = da else {
            return (primal, Op::Atom(Self::zero_like_var(&value)));
        };
        let root = crate::runtime::root();
        let lower = Self::literal(quote!(#root::linalg::Triangle::Lower));
        let p =
            |n: &str, a: Vec<Atom>, out: &mut Vec<Stmt>| by_ref(&self.prim(n, a, span, depth, out));
        // X = Ȧ R⁻¹  <=>  Rᴴ Xᴴ = Ȧᴴ.
        let rh = p("adjoint", vec![r.clone()], out);
        let dah = p("adjoint", vec![da], out);
        let xh = p("triangular_solve", vec![rh, dah, lower], out);
        let x = p("adjoint", vec![xh], out);
        let c = p("matmul_adj_lhs", vec![q.clone(), x.clone()], out);
        let u = p("qr_gauge_upper", vec![c], out);
        let dr = p("matmul", vec![u.clone(), r], out);
        let qu = p("matmul", vec![q, u], out);
        let dq = p("sub", vec![x, qu], out);
        (primal, pair(&dq, &dr))
    }
}
