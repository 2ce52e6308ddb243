//! IR -> Rust for forward mode: each statement as written, followed by its tangent.
//!
//! The tangent of a variable `x` is `d_x` (the name its adjoint has in reverse mode, which the
//! renamer already keeps free), the tangent of the temporary `__tN` is `__dtN`. A constant has
//! no tangent: where one is needed (a constant stored into a varying variable, a constant
//! argument), a zero of the primal's shape stands in. Nothing is recorded: forward mode needs no
//! tapes, so loops, branches and early returns keep their primal structure.

use crate::codegen::Gen;
use crate::ir::*;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use std::cell::Cell;

fn rt() -> TokenStream {
    crate::runtime::rt()
}

/// The tangent code generator of one function.
pub struct Tan {
    /// Numbers the results of calls (`__cN`, `__dcN`).
    calls: Cell<usize>,
    early_return: bool,
}

/// What an operation becomes: statements to run first, the primal expression, and the tangent
/// expression (`None` when the result does not vary), which may name the bound result.
struct Lowered {
    setup: TokenStream,
    primal: TokenStream,
    tangent: Option<TokenStream>,
}

impl Tan {
    pub fn new(early_return: bool) -> Self {
        Tan {
            calls: Cell::new(0),
            early_return,
        }
    }

    /// The tangent place of a place: the same path into `d_ROOT`.
    fn place(p: &Place) -> TokenStream {
        let tangent = Place {
            root: format_ident!("d_{}", p.root),
            ..p.clone()
        };
        Gen::place_fwd(&tangent)
    }

    /// The tangent of an operand, with the `&` or `*` written in front of it.
    fn atom(a: &Atom) -> Option<TokenStream> {
        let pre = &a.prefix;
        match &a.kind {
            AtomKind::Var(p) => {
                let t = Self::place(p);
                Some(quote!(#pre #t))
            }
            AtomKind::Temp(id) => {
                let t = format_ident!("__dt{}", id);
                Some(quote!(#pre #t))
            }
            AtomKind::Const(..) => None,
        }
    }

    /// The tangent of an operand, or a zero shaped like its value.
    fn atom_or_zero(a: &Atom) -> TokenStream {
        Self::atom(a).unwrap_or_else(|| {
            let rt = rt();
            let v = Gen::atom_fwd(a);
            quote!(#rt::zero_tangent(&(#v)))
        })
    }

    /// The tangent of a scalar operand of an elementary rule by value, or zero.
    fn scalar_or_zero(a: &Atom) -> TokenStream {
        Self::atom(a).map_or_else(
            || quote!(::core::default::Default::default()),
            |t| quote!((#t).bs_scalar()),
        )
    }

    pub fn stmts(&self, stmts: &[Stmt]) -> TokenStream {
        stmts.iter().map(|s| self.stmt(s)).collect()
    }

    fn stmt(&self, s: &Stmt) -> TokenStream {
        let rt = rt();
        match s {
            Stmt::Plain(ts) => ts.clone(),
            Stmt::Source(text) => source_marker(text),
            Stmt::Let {
                name,
                mutable,
                ty,
                init,
                ..
            } => {
                let m = if *mutable { quote!(mut) } else { quote!() };
                let d = format_ident!("d_{}", name);
                let ty = ty.as_ref().map(|t| quote!(: #t));
                match init {
                    Some(op) => {
                        let Lowered {
                            setup,
                            primal,
                            tangent,
                        } = self.op(op, &quote!(#name));
                        let tangent = tangent.unwrap_or_else(|| quote!(#rt::zero_tangent(&#name)));
                        quote!(#setup let #m #name #ty = #primal; let #m #d #ty = #tangent;)
                    }
                    None => quote!(let #m #name #ty; let #m #d #ty;),
                }
            }
            Stmt::Temp { id, op, .. } => {
                let (t, dt) = (format_ident!("__t{}", id), format_ident!("__dt{}", id));
                let Lowered {
                    setup,
                    primal,
                    tangent,
                } = self.op(op, &quote!(#t));
                let tangent = tangent.unwrap_or_else(|| quote!(#rt::zero_tangent(&#t)));
                quote!(#setup let #t = #primal; let #dt = #tangent;)
            }
            Stmt::Assign {
                place, op, value, ..
            } => self.assign(place, *op, value),
            Stmt::Push { place, value, .. } => {
                let (p, tp) = (Gen::place_fwd(place), Self::place(place));
                let v = Gen::atom_fwd(value);
                let tv = Self::atom_or_zero(value);
                quote!(#tp.push(#tv); #p.push(#v);)
            }
            Stmt::RecordShape { .. } => quote!(),
            Stmt::If {
                cond, then, els, ..
            } => {
                let (t, e) = (self.stmts(then), self.stmts(els));
                quote!(if #cond { #t } else { #e })
            }
            Stmt::Match { scrut, arms, .. } => {
                let arms = arms.iter().map(|(head, body)| {
                    let b = self.stmts(body);
                    quote!(#head => { #b })
                });
                quote!(match #scrut { #(#arms)* })
            }
            Stmt::Loop { header, body, .. } => {
                let head = Gen::loop_head(header);
                let b = self.stmts(body);
                quote!(#head { #b })
            }
            Stmt::Block(b) => {
                let b = self.stmts(b);
                quote!({ #b })
            }
            Stmt::SetRet(a) => {
                let v = Gen::atom_fwd(a);
                let dv = Self::atom_or_zero(a);
                if self.early_return {
                    quote!(__retv = ::core::option::Option::Some((#v, #dv));)
                } else {
                    quote!(let __ret = (#v, #dv);)
                }
            }
        }
    }

    /// `p = v`, `p += v`, ...: the tangent first where it needs the old value of `p`.
    fn assign(&self, place: &Place, op: Option<BinKind>, value: &Atom) -> TokenStream {
        let rt = rt();
        let (p, tp) = (Gen::place_fwd(place), Self::place(place));
        let v = Gen::atom_fwd(value);
        let tv = Self::atom(value);
        match (op, tv) {
            (None, Some(tv)) => quote!(#p = #v; #tp = #rt::lift_like(&#p, #tv);),
            (None, None) => quote!(#p = #v; #tp = #rt::zero_tangent(&#p);),
            (Some(BinKind::Add), Some(tv)) => quote!(#p += #v; #tp += #tv;),
            (Some(BinKind::Sub), Some(tv)) => quote!(#p -= #v; #tp -= #tv;),
            (Some(BinKind::Add), None) => quote!(#p += #v;),
            (Some(BinKind::Sub), None) => quote!(#p -= #v;),
            (Some(BinKind::Mul), Some(tv)) => {
                quote!(#tp = #tp * #v + #p * #tv; #p *= #v;)
            }
            (Some(BinKind::Mul), None) => quote!(#tp *= #v; #p *= #v;),
            (Some(BinKind::Div), Some(tv)) => {
                quote!(#tp = (#tp - #p / #v * #tv) / #v; #p /= #v;)
            }
            (Some(BinKind::Div), None) => quote!(#tp /= #v; #p /= #v;),
        }
    }

    /// An operation whose result will be bound to `result`.
    fn op(&self, op: &Op, result: &TokenStream) -> Lowered {
        let rt = rt();
        let f = Gen::atom_fwd;
        let t = Self::atom;
        let plain = |primal: TokenStream, tangent: Option<TokenStream>| Lowered {
            setup: quote!(),
            primal,
            tangent,
        };
        match op {
            Op::Atom(a) => plain(f(a), t(a)),
            Op::Bin(k, a, b) => {
                let (fa, fb) = (f(a), f(b));
                let primal = match k {
                    BinKind::Add => quote!(#fa + #fb),
                    BinKind::Sub => quote!(#fa - #fb),
                    BinKind::Mul => quote!(#fa * #fb),
                    BinKind::Div => quote!(#fa / #fb),
                };
                let lift = |d: TokenStream| quote!(#rt::lift_like(&#result, #d));
                let tangent = match (k, t(a), t(b)) {
                    (_, None, None) => None,
                    (BinKind::Add, Some(ta), Some(tb)) => Some(quote!(#ta + #tb)),
                    (BinKind::Sub, Some(ta), Some(tb)) => Some(quote!(#ta - #tb)),
                    (BinKind::Add | BinKind::Sub, Some(ta), None) => Some(lift(ta)),
                    (BinKind::Add, None, Some(tb)) => Some(lift(tb)),
                    (BinKind::Sub, None, Some(tb)) => Some(lift(quote!(-(#tb)))),
                    (BinKind::Mul, Some(ta), Some(tb)) => Some(quote!(#ta * #fb + #fa * #tb)),
                    (BinKind::Mul, Some(ta), None) => Some(quote!(#ta * #fb)),
                    (BinKind::Mul, None, Some(tb)) => Some(quote!(#fa * #tb)),
                    (BinKind::Div, Some(ta), Some(tb)) => Some(quote!((#ta - #result * #tb) / #fb)),
                    (BinKind::Div, Some(ta), None) => Some(quote!(#ta / #fb)),
                    (BinKind::Div, None, Some(tb)) => Some(quote!(-(#result / #fb) * #tb)),
                };
                plain(primal, tangent)
            }
            Op::Neg(a) => {
                let fa = f(a);
                plain(quote!(-#fa), t(a).map(|ta| quote!(-#ta)))
            }
            Op::Unary(m, a) => {
                let fa = f(a);
                let entry = crate::known::unary_method(&m.to_string()).expect("lowered as unary");
                let rule = format_ident!("{}", entry.tangent());
                let tangent =
                    t(a).map(|ta| quote!(#rt::#rule(&(#fa).bs_scalar(), &(#ta).bs_scalar())));
                plain(quote!(#fa.#m()), tangent)
            }
            Op::Powi(a, n) => {
                let fa = f(a);
                let tangent = t(a)
                    .map(|ta| quote!(#rt::t_powi(&(#fa).bs_scalar(), &(#n), &(#ta).bs_scalar())));
                plain(quote!(#fa.powi(#n)), tangent)
            }
            Op::BinMethod(m, a, b) => {
                let (fa, fb) = (f(a), f(b));
                let entry = crate::known::binary_method(&m.to_string()).expect("lowered as binary");
                let rule = format_ident!("{}", entry.tangent());
                let tangent = (a.is_active() || b.is_active()).then(|| {
                    let (ta, tb) = (Self::scalar_or_zero(a), Self::scalar_or_zero(b));
                    quote!(#rt::#rule(&(#fa).bs_scalar(), &(#fb).bs_scalar(), &#ta, &#tb))
                });
                plain(quote!(#fa.#m(#fb)), tangent)
            }
            Op::Identity(m, a) => {
                let fa = f(a);
                plain(quote!(#fa.#m()), t(a).map(|ta| quote!(#ta.#m())))
            }
            Op::Cast(a, ty) => {
                let fa = f(a);
                plain(quote!(#fa as #ty), t(a).map(|ta| quote!(#ta as #ty)))
            }
            Op::Wrap(path, a) => {
                let fa = f(a);
                plain(quote!(#path(#fa)), t(a).map(|ta| quote!(#path(#ta))))
            }
            Op::Load(p, prefix) => {
                let (fp, tp) = (Gen::place_fwd(p), Self::place(p));
                plain(quote!(#prefix #fp), Some(quote!(#prefix #tp)))
            }
            Op::ComplexNew(path, re, im) => {
                let (a, b) = (f(re), f(im));
                let tangent = (re.is_active() || im.is_active()).then(|| {
                    let (ta, tb) = (Self::scalar_or_zero(re), Self::scalar_or_zero(im));
                    quote!(#path(#ta, #tb))
                });
                plain(quote!(#path(#a, #b)), tangent)
            }
            Op::Tuple(xs) => {
                let (fs, ts) = Self::elements(xs);
                plain(quote!((#(#fs,)*)), Some(quote!((#(#ts,)*))))
            }
            Op::Array(xs) => {
                let (fs, ts) = Self::elements(xs);
                plain(quote!([#(#fs),*]), Some(quote!([#(#ts),*])))
            }
            Op::VecList(xs) => {
                let (fs, ts) = Self::elements(xs);
                plain(
                    quote!(::std::vec![#(#fs),*]),
                    Some(quote!(::std::vec![#(#ts),*])),
                )
            }
            Op::VecSplat(a, n) => {
                let fa = f(a);
                let ta = Self::atom_or_zero(a);
                plain(
                    quote!(::std::vec![#fa; #n]),
                    Some(quote!(::std::vec![#ta; #n])),
                )
            }
            Op::Call { jvp, args, .. } => {
                let k = self.calls.get();
                self.calls.set(k + 1);
                let (c, dc) = (format_ident!("__c{}", k), format_ident!("__dc{}", k));
                let fs = args.iter().map(f);
                let ts = args
                    .iter()
                    .map(|a| t(a).unwrap_or_else(|| quote!(#rt::NoTan)));
                Lowered {
                    setup: quote!(let (#c, #dc) = #jvp(#(#fs,)* #(#ts),*);),
                    primal: quote!(#c),
                    tangent: Some(quote!(#dc)),
                }
            }
            Op::FieldOfTemp(a, m) => {
                let fa = f(a);
                plain(quote!(#fa.#m), t(a).map(|ta| quote!(#ta.#m)))
            }
        }
    }

    /// The values and the tangents (zeros for constants) of a list's elements.
    fn elements(xs: &[Atom]) -> (Vec<TokenStream>, Vec<TokenStream>) {
        (
            xs.iter().map(Gen::atom_fwd).collect(),
            xs.iter().map(Self::atom_or_zero).collect(),
        )
    }
}
