//! IR -> Rust: the forward sweep (original code plus records) and the reverse sweep.
//!
//! The reverse sweep never reads a primal variable: every value a rule needs was recorded by the
//! operation that used it, so loops, moves and in-place updates need no restoring. Records at
//! the function's top level are plain locals (`__r7`); anywhere deeper they go on typed tapes
//! (`__tape7`), declared once at the top with their element type left to rustc.

use crate::ir::*;
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use std::cell::RefCell;

fn rt() -> TokenStream {
    quote!(::backsolve::__rt)
}

/// Code generation state of one function.
pub struct Gen {
    tapes: RefCell<Vec<usize>>,
    early_return: bool,
}

impl Gen {
    pub fn new(early_return: bool) -> Self {
        Gen {
            tapes: RefCell::new(Vec::new()),
            early_return,
        }
    }

    /// `let mut __tapeN = Tape::new();` for every tape used.
    pub fn tape_decls(&self) -> TokenStream {
        let rt = rt();
        let ids = self.tapes.borrow();
        let names = ids.iter().map(|i| format_ident!("__tape{}", i));
        quote!(#(let mut #names = #rt::Tape::new();)*)
    }

    fn record(&self, site: Site, value: TokenStream) -> TokenStream {
        if site.tape {
            self.tapes.borrow_mut().push(site.id);
            let t = format_ident!("__tape{}", site.id);
            quote!(#t.push(#value);)
        } else {
            let r = format_ident!("__r{}", site.id);
            quote!(let #r = #value;)
        }
    }

    fn replay(&self, site: Site) -> TokenStream {
        if site.tape {
            let t = format_ident!("__tape{}", site.id);
            quote!(#t.pop())
        } else {
            let r = format_ident!("__r{}", site.id);
            quote!(#r)
        }
    }

    // ------------------------------------------------------------ atoms and places

    fn place_fwd(p: &Place) -> TokenStream {
        let mut ts = {
            let r = &p.root;
            quote!(#r)
        };
        for s in &p.proj {
            ts = match s {
                Proj::Field(m) => quote!(#ts.#m),
                Proj::Index(i) => quote!(#ts[#i]),
            };
        }
        ts
    }

    fn atom_fwd(a: &Atom) -> TokenStream {
        let pre = &a.prefix;
        let body = match &a.kind {
            AtomKind::Var(p) => Self::place_fwd(p),
            AtomKind::Temp(id) => {
                let t = format_ident!("__t{}", id);
                quote!(#t)
            }
            AtomKind::Const(ts, _) => ts.clone(),
        };
        quote!(#pre #body)
    }

    /// A `&mut` to the adjoint of a place.
    fn adj_ref(p: &Place) -> TokenStream {
        let rt = rt();
        let d = format_ident!("d_{}", p.root);
        let mut ts = if p.param {
            quote!(&mut *#d)
        } else {
            quote!(&mut #d)
        };
        for s in &p.proj {
            ts = match s {
                Proj::Field(m) => quote!(&mut (*#ts).#m),
                Proj::Index(i) => quote!(#rt::at(#ts, #i)),
            };
        }
        ts
    }

    /// Deliver an adjoint value to an operand.
    fn send(a: &Atom, value: TokenStream) -> TokenStream {
        let rt = rt();
        match &a.kind {
            AtomKind::Var(p) => {
                let r = Self::adj_ref(p);
                quote!(#rt::acc(#r, #value);)
            }
            AtomKind::Temp(id) => {
                let d = format_ident!("d_t{}", id);
                quote!(let #d = #value;)
            }
            AtomKind::Const(..) => TokenStream::new(),
        }
    }

    // ------------------------------------------------------------ operations

    /// (what to record, the expression) of an operation.
    fn op_fwd(&self, op: &Op, site: Site) -> (TokenStream, TokenStream) {
        let rt = rt();
        let f = Self::atom_fwd;
        let rec = |a: &Atom| {
            let x = f(a);
            quote!(#rt::rec(&#x))
        };
        let wit = |a: &Atom| {
            let x = f(a);
            quote!(#rt::w(&#x))
        };
        let record = |v: TokenStream| self.record(site, v);
        match op {
            Op::Atom(a) => (quote!(), f(a)),
            Op::Bin(k, a, b) => {
                let (fa, fb) = (f(a), f(b));
                let (r, e) = match k {
                    BinKind::Add => ((wit(a), wit(b)), quote!(#fa + #fb)),
                    BinKind::Sub => ((wit(a), wit(b)), quote!(#fa - #fb)),
                    BinKind::Mul => {
                        let ra = if b.is_active() { rec(a) } else { wit(a) };
                        let rb = if a.is_active() { rec(b) } else { wit(b) };
                        ((ra, rb), quote!(#fa * #fb))
                    }
                    BinKind::Div => ((rec(a), rec(b)), quote!(#fa / #fb)),
                };
                let (ra, rb) = r;
                (record(quote!((#ra, #rb))), e)
            }
            Op::Neg(a) => {
                let fa = f(a);
                (record(wit(a)), quote!(-#fa))
            }
            Op::Unary(m, a) => {
                let fa = f(a);
                (record(rec(a)), quote!(#fa.#m()))
            }
            Op::Powi(a, n) => {
                let fa = f(a);
                let ra = rec(a);
                (record(quote!((#ra, #n))), quote!(#fa.powi(#n)))
            }
            Op::BinMethod(m, a, b) => {
                let (fa, fb) = (f(a), f(b));
                let (ra, rb) = (rec(a), rec(b));
                (record(quote!((#ra, #rb))), quote!(#fa.#m(#fb)))
            }
            Op::Identity(m, a) => {
                let fa = f(a);
                (quote!(), quote!(#fa.#m()))
            }
            Op::Cast(a, ty) => {
                let fa = f(a);
                (quote!(), quote!(#fa as #ty))
            }
            Op::Wrap(path, a) => {
                let fa = f(a);
                (quote!(), quote!(#path(#fa)))
            }
            Op::Load(p, prefix) => {
                let idx = p.indices();
                let place = Self::place_fwd(p);
                (record(quote!((#(#idx,)*))), quote!(#prefix #place))
            }
            Op::ComplexNew(path, re, im) => {
                let (a, b) = (f(re), f(im));
                (quote!(), quote!(#path(#a, #b)))
            }
            Op::Tuple(xs) => {
                let xs = xs.iter().map(f);
                (quote!(), quote!((#(#xs,)*)))
            }
            Op::Array(xs) => {
                let xs = xs.iter().map(f);
                (quote!(), quote!([#(#xs),*]))
            }
            Op::VecList(xs) => {
                let xs = xs.iter().map(f);
                (quote!(), quote!(::std::vec![#(#xs),*]))
            }
            Op::VecSplat(a, n) => {
                let fa = f(a);
                (quote!(), quote!(::std::vec![#fa; #n]))
            }
            Op::Call { func, args, .. } => {
                let recs = args.iter().filter(|a| Self::call_records(a)).map(rec);
                let fs = args.iter().map(f);
                (record(quote!((#(#recs,)*))), quote!(#func(#(#fs),*)))
            }
            Op::FieldOfTemp(a, m) => {
                let fa = f(a);
                (record(quote!(#rt::shape(&#fa))), quote!(#fa.#m))
            }
        }
    }

    /// Whether a call argument is recorded (everything but literals and parameters, which the
    /// reverse sweep can name again).
    fn call_records(a: &Atom) -> bool {
        !matches!(a.kind, AtomKind::Const(_, true))
    }

    /// The reverse of an operation whose result has adjoint `d`.
    fn op_rev(&self, op: &Op, site: Site, d: TokenStream) -> TokenStream {
        let rt = rt();
        let r = self.replay(site);
        let body = match op {
            Op::Atom(a) | Op::Identity(_, a) | Op::Cast(a, _) | Op::Wrap(_, a) => {
                Self::send(a, quote!(__d))
            }
            Op::Bin(k, a, b) => match k {
                BinKind::Add | BinKind::Sub => {
                    let (dl, dr) = if *k == BinKind::Add {
                        (quote!(#rt::add_dl), quote!(#rt::add_dr))
                    } else {
                        (quote!(#rt::sub_dl), quote!(#rt::sub_dr))
                    };
                    let sa = Self::send(a, quote!(#dl(__wa, __wb, &__d)));
                    let sb = Self::send(b, quote!(#dr(__wa, __wb, &__d)));
                    quote!(let (__wa, __wb) = #r; #sb #sa)
                }
                BinKind::Mul => {
                    let wa = if b.is_active() {
                        quote!(#rt::w(&__ra))
                    } else {
                        quote!(__ra)
                    };
                    let wb = if a.is_active() {
                        quote!(#rt::w(&__rb))
                    } else {
                        quote!(__rb)
                    };
                    let sa = if a.is_active() {
                        Self::send(a, quote!(#rt::mul_dl(#wa, &__rb, &__d)))
                    } else {
                        quote!()
                    };
                    let sb = if b.is_active() {
                        Self::send(b, quote!(#rt::mul_dr(&__ra, #wb, &__d)))
                    } else {
                        quote!()
                    };
                    quote!(let (__ra, __rb) = #r; #sb #sa)
                }
                BinKind::Div => {
                    let sa = Self::send(a, quote!(#rt::div_dl(&__ra, &__rb, &__d)));
                    let sb = Self::send(b, quote!(#rt::div_dr(&__ra, &__rb, &__d)));
                    quote!(let (__ra, __rb) = #r; #sb #sa)
                }
            },
            Op::Neg(a) => {
                let s = Self::send(a, quote!(#rt::neg_d(__wa, &__d)));
                quote!(let __wa = #r; #s)
            }
            Op::Unary(m, a) => {
                let rule = format_ident!("{}", crate::known::unary_rule(&m.to_string()));
                let s = Self::send(a, quote!(#rt::#rule(&__ra, &__d)));
                quote!(let __ra = #r; #s)
            }
            Op::Powi(a, _) => {
                let s = Self::send(a, quote!(#rt::d_powi(&__ra, &__n, &__d)));
                quote!(let (__ra, __n) = #r; #s)
            }
            Op::BinMethod(m, a, b) => {
                let (l, rr) = crate::known::binary_rules(&m.to_string());
                let (l, rr) = (format_ident!("{}", l), format_ident!("{}", rr));
                let sa = Self::send(a, quote!(#rt::#l(&__ra, &__rb, &__d)));
                let sb = Self::send(b, quote!(#rt::#rr(&__ra, &__rb, &__d)));
                quote!(let (__ra, __rb) = #r; #sb #sa)
            }
            Op::Load(p, _) => {
                let idx = p.indices();
                let adj = Self::adj_ref(p);
                quote!(let (#(#idx,)*) = #r; #rt::acc(#adj, __d);)
            }
            Op::ComplexNew(_, re, im) => {
                let si = Self::send(im, quote!(#rt::d_cnew_im(&__d)));
                let sr = Self::send(re, quote!(#rt::d_cnew_re(&__d)));
                quote!(#si #sr)
            }
            Op::Tuple(xs) | Op::Array(xs) => {
                let names: Vec<_> = (0..xs.len()).map(|i| format_ident!("__d{}", i)).collect();
                let sends = xs
                    .iter()
                    .zip(&names)
                    .rev()
                    .map(|(a, n)| Self::send(a, quote!(#n)));
                let pat = if matches!(op, Op::Tuple(_)) {
                    quote!((#(#names,)*))
                } else {
                    quote!([#(#names),*])
                };
                quote!(let #pat = __d; #(#sends)*)
            }
            Op::VecList(xs) => {
                let sends = xs
                    .iter()
                    .enumerate()
                    .rev()
                    .map(|(i, a)| Self::send(a, quote!(#rt::take_at(&mut __dv, #i))));
                quote!(let mut __dv = __d; #(#sends)*)
            }
            Op::VecSplat(a, _) => Self::send(a, quote!(#rt::sum_vec(__d))),
            Op::Call {
                pull, args, span, ..
            } => {
                let mut rec_names = Vec::new();
                let mut call_args = Vec::new();
                let mut slots = Vec::new();
                let mut sends = Vec::new();
                for (i, a) in args.iter().enumerate() {
                    let slot = format_ident!("__s{}", i);
                    slots.push(slot.clone());
                    if Self::call_records(a) {
                        let rn = format_ident!("__a{}", i);
                        call_args.push(quote!(#rt::FromRec::from_rec(&#rn)));
                        // Spanned at the call: a `NoGrad` slot (an argument the callee does not
                        // differentiate) is reported there.
                        let sp = *span;
                        sends.push(match &a.kind {
                            AtomKind::Var(p) => {
                                let r = Self::adj_ref(p);
                                quote_spanned!(sp=> #rt::acc(#r, #slot);)
                            }
                            AtomKind::Temp(id) => {
                                let d = format_ident!("d_t{}", id);
                                quote_spanned!(sp=> let #d = #rt::adjoint_slot(#slot);)
                            }
                            AtomKind::Const(..) => quote!(),
                        });
                        rec_names.push(rn);
                    } else {
                        call_args.push(Self::atom_fwd(a));
                    }
                }
                sends.reverse();
                quote! {
                    let (#(#rec_names,)*) = #r;
                    let (_, (#(#slots,)*)) = #pull(#(#call_args,)* __d);
                    #(#sends)*
                }
            }
            Op::FieldOfTemp(a, m) => {
                let s = Self::send(a, quote!(__dt));
                quote! {
                    let __sh = #r;
                    let mut __dt = #rt::zero(&__sh);
                    #rt::acc(&mut __dt.#m, __d);
                    #s
                }
            }
        };
        quote!(let __d = #d; #body)
    }

    // ------------------------------------------------------------ statements

    /// The forward sweep of a statement list.
    pub fn fwd(&self, stmts: &[Stmt]) -> TokenStream {
        stmts.iter().map(|s| self.fwd_stmt(s)).collect()
    }

    fn fwd_plain(&self, stmts: &[Stmt]) -> TokenStream {
        self.fwd(stmts)
    }

    fn fwd_stmt(&self, s: &Stmt) -> TokenStream {
        let rt = rt();
        if s.is_plain() && !matches!(s, Stmt::Plain(_)) {
            return self.fwd_plain_compound(s);
        }
        match s {
            Stmt::Plain(ts) => ts.clone(),
            Stmt::Let {
                name,
                mutable,
                ty,
                init,
                site,
                shape,
            } => {
                let m = if *mutable { quote!(mut) } else { quote!() };
                let ty = ty.as_ref().map(|t| quote!(: #t));
                match init {
                    Some(op) => {
                        let (rec, e) = self.op_fwd(op, *site);
                        let sh = self.record(*shape, quote!(#rt::shape(&#name)));
                        quote!(#rec let #m #name #ty = #e; #sh)
                    }
                    None => quote!(let #m #name #ty;),
                }
            }
            Stmt::Temp { id, op, site } => {
                let (rec, e) = self.op_fwd(op, *site);
                let t = format_ident!("__t{}", id);
                quote!(#rec let #t = #e;)
            }
            Stmt::Assign {
                place,
                op,
                value,
                site,
            } => {
                let p = Self::place_fwd(place);
                let v = Self::atom_fwd(value);
                let idx = place.indices();
                let extra = match op {
                    None => quote!(()),
                    Some(BinKind::Add | BinKind::Sub) => quote!((#rt::w(&#p), #rt::w(&#v))),
                    Some(BinKind::Mul | BinKind::Div) => quote!((#rt::rec(&#p), #rt::rec(&#v))),
                };
                let rec = self.record(*site, quote!(((#(#idx,)*), #extra)));
                let assign = match op {
                    None => quote!(#p = #v;),
                    Some(BinKind::Add) => quote!(#p += #v;),
                    Some(BinKind::Sub) => quote!(#p -= #v;),
                    Some(BinKind::Mul) => quote!(#p *= #v;),
                    Some(BinKind::Div) => quote!(#p /= #v;),
                };
                quote!(#rec #assign)
            }
            Stmt::Push { place, value, site } => {
                let p = Self::place_fwd(place);
                let v = Self::atom_fwd(value);
                let idx = place.indices();
                let rec = self.record(*site, quote!(((#(#idx,)*), #p.len())));
                quote!(#rec #p.push(#v);)
            }
            Stmt::RecordShape { name, shape } => self.record(*shape, quote!(#rt::shape(&#name))),
            Stmt::If {
                cond,
                then,
                els,
                site,
            } => {
                let c = format_ident!("__c{}", site.id);
                let rec = self.record(*site, quote!(#c));
                let (t, e) = (self.fwd(then), self.fwd(els));
                quote! {
                    let #c: bool = #cond;
                    #rec
                    if #c { #t } else { #e }
                }
            }
            Stmt::Match { scrut, arms, site } => {
                let m = format_ident!("__m{}", site.id);
                let rec = self.record(*site, quote!(#m));
                let arms = arms.iter().enumerate().map(|(k, (head, body))| {
                    let b = self.fwd(body);
                    quote!(#head => { #b #k })
                });
                quote! {
                    let #m: usize = match #scrut { #(#arms)* };
                    #rec
                }
            }
            Stmt::Loop { header, body, site } => {
                let n = format_ident!("__n{}", site.id);
                let rec = self.record(*site, quote!(#n));
                let b = self.fwd(body);
                let head = Self::loop_head(header);
                quote! {
                    let mut #n: usize = 0;
                    #head { #n += 1; #b }
                    #rec
                }
            }
            Stmt::Block(b) => {
                let b = self.fwd(b);
                quote!({ #b })
            }
            Stmt::SetRet(a) => {
                let v = Self::atom_fwd(a);
                if self.early_return {
                    quote!(__retv = ::core::option::Option::Some(#v);)
                } else {
                    quote!(let __ret = #v;)
                }
            }
        }
    }

    fn loop_head(h: &LoopHeader) -> TokenStream {
        match h {
            LoopHeader::For(p, i) => quote!(for #p in #i),
            LoopHeader::While(c) => quote!(while #c),
            LoopHeader::Loop => quote!(loop),
        }
    }

    /// A compound statement with nothing active inside: its forward code without records.
    fn fwd_plain_compound(&self, s: &Stmt) -> TokenStream {
        match s {
            Stmt::If {
                cond, then, els, ..
            } => {
                let (t, e) = (self.fwd_plain(then), self.fwd_plain(els));
                quote!(if #cond { #t } else { #e })
            }
            Stmt::Match { scrut, arms, .. } => {
                let arms = arms.iter().map(|(head, body)| {
                    let b = self.fwd_plain(body);
                    quote!(#head => { #b })
                });
                quote!(match #scrut { #(#arms)* })
            }
            Stmt::Loop { header, body, .. } => {
                let head = Self::loop_head(header);
                let b = self.fwd_plain(body);
                quote!(#head { #b })
            }
            Stmt::Block(b) => {
                let b = self.fwd_plain(b);
                quote!({ #b })
            }
            _ => unreachable!("fwd_plain_compound on a simple statement"),
        }
    }

    /// The reverse sweep of a statement list: zero adjoints for its bindings, then the
    /// statements backwards.
    pub fn rev(&self, stmts: &[Stmt]) -> TokenStream {
        let rt = rt();
        let mut out = TokenStream::new();
        for s in stmts.iter().rev() {
            if let Stmt::Let { name, shape, .. } = s {
                let d = format_ident!("d_{}", name);
                let r = self.replay(*shape);
                out.extend(quote!(let mut #d = #rt::zero(&#r);));
            }
        }
        for s in stmts.iter().rev() {
            out.extend(self.rev_stmt(s));
        }
        out
    }

    fn rev_stmt(&self, s: &Stmt) -> TokenStream {
        let rt = rt();
        if s.is_plain() {
            return TokenStream::new();
        }
        match s {
            Stmt::Plain(_) | Stmt::RecordShape { .. } => TokenStream::new(),
            Stmt::Let {
                name, init, site, ..
            } => match init {
                Some(op) => {
                    let d = format_ident!("d_{}", name);
                    self.op_rev(op, *site, quote!(#d))
                }
                None => TokenStream::new(),
            },
            Stmt::Temp { id, op, site } => {
                let d = format_ident!("d_t{}", id);
                self.op_rev(op, *site, quote!(#d))
            }
            Stmt::Assign {
                place,
                op,
                value,
                site,
            } => {
                let r = self.replay(*site);
                let idx = place.indices();
                let adj = Self::adj_ref(place);
                let body = match op {
                    None => {
                        let s = Self::send(value, quote!(__d));
                        quote!(let __d = #rt::take(#adj); #s)
                    }
                    Some(k @ (BinKind::Add | BinKind::Sub)) => {
                        let rule = if *k == BinKind::Add {
                            quote!(#rt::add_dr)
                        } else {
                            quote!(#rt::sub_dr)
                        };
                        let s = Self::send(value, quote!(__dv));
                        quote! {
                            let (__wp, __wv) = __x;
                            let __dv = #rule(__wp, __wv, &*#adj);
                            #s
                        }
                    }
                    Some(k @ (BinKind::Mul | BinKind::Div)) => {
                        let (dl, dr) = if *k == BinKind::Mul {
                            (
                                quote!(#rt::mul_dl(#rt::w(&__rp), &__rv, &__d)),
                                quote!(#rt::mul_dr(&__rp, #rt::w(&__rv), &__d)),
                            )
                        } else {
                            (
                                quote!(#rt::div_dl(&__rp, &__rv, &__d)),
                                quote!(#rt::div_dr(&__rp, &__rv, &__d)),
                            )
                        };
                        let s = Self::send(value, dr);
                        quote! {
                            let (__rp, __rv) = __x;
                            let __d = #rt::take(#adj);
                            #rt::acc(#adj, #dl);
                            #s
                        }
                    }
                };
                quote!(let ((#(#idx,)*), __x) = #r; let _ = &__x; #body)
            }
            Stmt::Push { place, value, site } => {
                let r = self.replay(*site);
                let idx = place.indices();
                let adj = Self::adj_ref(place);
                let s = Self::send(value, quote!(#rt::take_at(#adj, __len)));
                quote!(let ((#(#idx,)*), __len) = #r; #s)
            }
            Stmt::If {
                then, els, site, ..
            } => {
                let r = self.replay(*site);
                let (t, e) = (self.rev(then), self.rev(els));
                quote!(if #r { #t } else { #e })
            }
            Stmt::Match { arms, site, .. } => {
                let r = self.replay(*site);
                let arms = arms.iter().enumerate().map(|(k, (_, body))| {
                    let b = self.rev(body);
                    quote!(#k => { #b })
                });
                quote! {
                    match #r {
                        #(#arms)*
                        _ => ::core::unreachable!("backsolve: corrupted branch record"),
                    }
                }
            }
            Stmt::Loop { body, site, .. } => {
                let r = self.replay(*site);
                let b = self.rev(body);
                quote!(for _ in 0..#r { #b })
            }
            Stmt::Block(b) => {
                let b = self.rev(b);
                quote!({ #b })
            }
            Stmt::SetRet(a) => {
                if self.early_return {
                    Self::send(a, quote!(#rt::copy(&__dret)))
                } else {
                    Self::send(a, quote!(__dret))
                }
            }
        }
    }
}
