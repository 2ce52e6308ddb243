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
use syn::Ident;

fn rt() -> TokenStream {
    crate::runtime::rt()
}

/// A literal (possibly negated): named again as `&(lit)` rather than through `rec_ref`, which
/// cannot be called on an unsuffixed number.
fn is_literal(ts: &TokenStream) -> bool {
    syn::parse2::<syn::Lit>(ts.clone()).is_ok()
        || matches!(syn::parse2::<syn::Expr>(ts.clone()), Ok(syn::Expr::Unary(u)) if matches!(*u.expr, syn::Expr::Lit(_)))
}

/// Code generation state of one function.
pub struct Gen {
    tapes: RefCell<Vec<usize>>,
    /// Function-level `PhantomData` variables holding operand types: a type never changes, so
    /// it needs no tape.
    witnesses: RefCell<Vec<Ident>>,
    early_return: bool,
    /// Temporaries whose adjoint is the consumer's `__d` unchanged (`x = t`, a cast, a clone):
    /// their reverse reads `__d` as it is instead of a `let __dtN = __d; let __d = __dtN;` pair.
    passthrough: RefCell<std::collections::HashSet<usize>>,
}

impl Gen {
    pub fn new(early_return: bool) -> Self {
        Gen {
            tapes: RefCell::new(Vec::new()),
            witnesses: RefCell::new(Vec::new()),
            early_return,
            passthrough: RefCell::default(),
        }
    }

    /// `let mut __tapeN = Tape::new();` for every tape used.
    pub fn tape_decls(&self) -> TokenStream {
        let rt = rt();
        let mut ids = self.tapes.borrow().clone();
        ids.sort_unstable();
        ids.dedup();
        let names = ids.iter().map(|i| format_ident!("__tape{}", i));
        let mut ws = self.witnesses.borrow().clone();
        ws.sort_by_key(|w| w.to_string());
        ws.dedup_by_key(|w| w.to_string());
        quote! {
            #(let mut #names = #rt::Tape::new();)*
            #(let mut #ws = ::core::marker::PhantomData;)*
        }
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

    pub(crate) fn place_fwd(p: &Place) -> TokenStream {
        let mut ts = {
            let r = &p.root;
            quote!(#r)
        };
        for s in &p.proj {
            ts = match s {
                Proj::Field(m) => quote!(#ts.#m),
                Proj::Index(i, _) => quote!(#ts[#i]),
            };
        }
        ts
    }

    pub(crate) fn atom_fwd(a: &Atom) -> TokenStream {
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
                Proj::Index(i, _) => quote!(#rt::at(#ts, #i)),
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
                let d = format_ident!("__dt{}", id);
                quote!(let #d = #value;)
            }
            AtomKind::Const(..) => TokenStream::new(),
        }
    }

    // ------------------------------------------------------------ operations

    /// How one operand of a rule travels to the reverse sweep: `(what to record, or nothing;
    /// its value there; its type witness there; a forward statement)`. Literals and immutable
    /// parameters are named again instead of recorded; a type alone goes into a witness
    /// variable; `need` says whether the rule needs the value or only the type.
    fn operand(
        &self,
        a: &Atom,
        need: bool,
        name: &Ident,
        wvar: Ident,
    ) -> (Option<TokenStream>, TokenStream, TokenStream, TokenStream) {
        let rt = rt();
        let x = Self::atom_fwd(a);
        if a.rereadable() {
            let value = if is_literal(&x) {
                quote!(&(#x))
            } else {
                quote!((&#x).rec_ref())
            };
            return (None, value, quote!(#rt::w(&(#x))), quote!());
        }
        if need {
            (
                Some(quote!(#rt::rec(&#x))),
                quote!(&#name),
                quote!(#rt::w(&#name)),
                quote!(),
            )
        } else {
            self.witnesses.borrow_mut().push(wvar.clone());
            (None, quote!(), quote!(#wvar), quote!(#wvar = #rt::w(&#x);))
        }
    }

    /// The operands of a binary operator: (record, value, witness, forward statement, name).
    #[allow(clippy::type_complexity)]
    fn bin_operands(
        &self,
        k: BinKind,
        a: &Atom,
        b: &Atom,
        site: Site,
    ) -> (
        (
            Option<TokenStream>,
            TokenStream,
            TokenStream,
            TokenStream,
            Ident,
        ),
        (
            Option<TokenStream>,
            TokenStream,
            TokenStream,
            TokenStream,
            Ident,
        ),
    ) {
        let (na, nb) = match k {
            BinKind::Add | BinKind::Sub => (false, false),
            BinKind::Mul => (b.is_active(), a.is_active()),
            BinKind::Div => (true, true),
        };
        let (ia, ib) = (format_ident!("__ra"), format_ident!("__rb"));
        let (r1, v1, w1, s1) = self.operand(a, na, &ia, format_ident!("__w{}a", site.id));
        let (r2, v2, w2, s2) = self.operand(b, nb, &ib, format_ident!("__w{}b", site.id));
        ((r1, v1, w1, s1, ia), (r2, v2, w2, s2, ib))
    }

    /// Operands whose values a rule needs, named `__ra`, `__rb`: how each travels (see
    /// [`Self::operand`]) and the name it has in the reverse sweep.
    #[allow(clippy::type_complexity)]
    fn valued(
        &self,
        site: Site,
        atoms: &[&Atom],
    ) -> Vec<(
        (Option<TokenStream>, TokenStream, TokenStream, TokenStream),
        Ident,
    )> {
        atoms
            .iter()
            .zip(["a", "b"])
            .map(|(a, tag)| {
                let name = format_ident!("__r{}", tag);
                let w = format_ident!("__w{}{}", site.id, tag);
                (self.operand(a, true, &name, w), name)
            })
            .collect()
    }

    #[allow(clippy::type_complexity)]
    fn recs(
        ops: &[(
            (Option<TokenStream>, TokenStream, TokenStream, TokenStream),
            Ident,
        )],
    ) -> Vec<(Option<TokenStream>, &Ident)> {
        ops.iter().map(|(o, n)| (o.0.clone(), n)).collect()
    }

    /// Record the operands that need it, as one tuple.
    fn record_operands(&self, site: Site, ops: &[(Option<TokenStream>, &Ident)]) -> TokenStream {
        let recs: Vec<_> = ops.iter().filter_map(|(r, _)| r.clone()).collect();
        if recs.is_empty() {
            return TokenStream::new();
        }
        self.record(site, quote!((#(#recs,)*)))
    }

    /// Take back what [`Self::record_operands`] recorded, into the operands' names.
    fn replay_operands(&self, site: Site, ops: &[(Option<TokenStream>, &Ident)]) -> TokenStream {
        let names: Vec<_> = ops
            .iter()
            .filter(|(r, _)| r.is_some())
            .map(|(_, n)| *n)
            .collect();
        if names.is_empty() {
            return TokenStream::new();
        }
        let r = self.replay(site);
        quote!(let (#(#names,)*) = #r;)
    }

    /// (what to record, the expression) of an operation.
    fn op_fwd(&self, op: &Op, site: Site) -> (TokenStream, TokenStream) {
        let rt = rt();
        let f = Self::atom_fwd;
        let rec = |a: &Atom| {
            let x = f(a);
            quote!(#rt::rec(&#x))
        };
        let record = |v: TokenStream| self.record(site, v);
        match op {
            Op::Atom(a) => (quote!(), f(a)),
            Op::Bin(k, a, b) => {
                let (fa, fb) = (f(a), f(b));
                let (ra, rb) = self.bin_operands(*k, a, b, site);
                let (sa, sb) = (&ra.3, &rb.3);
                let rec =
                    self.record_operands(site, &[(ra.0.clone(), &ra.4), (rb.0.clone(), &rb.4)]);
                let rec = quote!(#sa #sb #rec);
                let e = match k {
                    BinKind::Add => quote!(#fa + #fb),
                    BinKind::Sub => quote!(#fa - #fb),
                    BinKind::Mul => quote!(#fa * #fb),
                    BinKind::Div => quote!(#fa / #fb),
                };
                (rec, e)
            }
            Op::Neg(a) => {
                let fa = f(a);
                let (_, _, _, set) = self.operand(
                    a,
                    false,
                    &format_ident!("__ra"),
                    format_ident!("__w{}a", site.id),
                );
                (set, quote!(-#fa))
            }
            Op::Unary(m, a) => {
                let fa = f(a);
                let ops = self.valued(site, &[a]);
                (
                    self.record_operands(site, &Self::recs(&ops)),
                    quote!(#fa.#m()),
                )
            }
            Op::Powi(a, n) => {
                let fa = f(a);
                let ops = self.valued(site, &[a]);
                (
                    self.record_operands(site, &Self::recs(&ops)),
                    quote!(#fa.powi(#n)),
                )
            }
            Op::BinMethod(m, a, b) => {
                let (fa, fb) = (f(a), f(b));
                let ops = self.valued(site, &[a, b]);
                (
                    self.record_operands(site, &Self::recs(&ops)),
                    quote!(#fa.#m(#fb)),
                )
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
                let rec = if idx.is_empty() {
                    quote!()
                } else {
                    record(quote!((#(#idx,)*)))
                };
                (rec, quote!(#prefix #place))
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
                // Arguments are recorded before the call, which may move them.
                let recs = args.iter().filter(|a| Self::call_records(a)).map(rec);
                let fs = args.iter().map(f);
                let (a, c, x) = (
                    format_ident!("__a{}", site.id),
                    format_ident!("__c{}", site.id),
                    format_ident!("__x{}", site.id),
                );
                let r = record(quote!((#a, #x)));
                (
                    quote! {
                        let #a = (#(#recs,)*);
                        let (#c, #x) = #func(#(#fs),*);
                        #r
                    },
                    quote!(#c),
                )
            }
            Op::FieldOfTemp(a, m) => {
                let fa = f(a);
                (record(quote!(#rt::shape(&#fa))), quote!(#fa.#m))
            }
        }
    }

    /// Whether a call argument is recorded (everything but literals and immutable parameters,
    /// which the reverse sweep can name again).
    fn call_records(a: &Atom) -> bool {
        !a.rereadable()
    }

    /// The reverse of an operation whose result has adjoint `d`.
    fn op_rev(&self, op: &Op, site: Site, d: Option<TokenStream>) -> TokenStream {
        let rt = rt();
        let r = self.replay(site);
        let body = match op {
            Op::Atom(a) | Op::Identity(_, a) | Op::Cast(a, _) | Op::Wrap(_, a) => self.send_d(a),
            Op::Bin(k, a, b) => {
                let (ra, rb) = self.bin_operands(*k, a, b, site);
                let take = self.replay_operands(site, &[(ra.0, &ra.4), (rb.0, &rb.4)]);
                let (va, wa) = (&ra.1, &ra.2);
                let (vb, wb) = (&rb.1, &rb.2);
                let (dl, dr) = match k {
                    BinKind::Add => (
                        quote!(#rt::add_dl(#wa, #wb, &__d)),
                        quote!(#rt::add_dr(#wa, #wb, &__d)),
                    ),
                    BinKind::Sub => (
                        quote!(#rt::sub_dl(#wa, #wb, &__d)),
                        quote!(#rt::sub_dr(#wa, #wb, &__d)),
                    ),
                    BinKind::Mul => (
                        quote!(#rt::mul_dl(#wa, #vb, &__d)),
                        quote!(#rt::mul_dr(#va, #wb, &__d)),
                    ),
                    BinKind::Div => (
                        quote!(#rt::div_dl(#va, #vb, &__d)),
                        quote!(#rt::div_dr(#va, #vb, &__d)),
                    ),
                };
                let sends = self.send_two(
                    b.is_active().then_some((b, dr)),
                    a.is_active().then_some((a, dl)),
                );
                quote!(#take #sends)
            }
            Op::Neg(a) => {
                let (_, _, wa, _) = self.operand(
                    a,
                    false,
                    &format_ident!("__ra"),
                    format_ident!("__w{}a", site.id),
                );
                self.send_last(a, quote!(#rt::neg_d(#wa, &__d)))
            }
            Op::Unary(m, a) => {
                let entry = crate::known::unary_method(&m.to_string()).expect("lowered as unary");
                let rule = format_ident!("{}", entry.adjoint());
                let ops = self.valued(site, &[a]);
                let take = self.replay_operands(site, &Self::recs(&ops));
                let va = &ops[0].0 .1;
                let s = self.send_last(a, quote!(#rt::#rule(#va, &__d)));
                quote!(#take #s)
            }
            Op::Powi(a, n) => {
                let ops = self.valued(site, &[a]);
                let take = self.replay_operands(site, &Self::recs(&ops));
                let va = &ops[0].0 .1;
                let s = self.send_last(a, quote!(#rt::d_powi(#va, &(#n), &__d)));
                quote!(#take #s)
            }
            Op::BinMethod(m, a, b) => {
                let entry = crate::known::binary_method(&m.to_string()).expect("lowered as binary");
                let (l, rr) = (
                    format_ident!("{}", entry.adjoints.0),
                    format_ident!("{}", entry.adjoints.1),
                );
                let ops = self.valued(site, &[a, b]);
                let take = self.replay_operands(site, &Self::recs(&ops));
                let (va, vb) = (&ops[0].0 .1, &ops[1].0 .1);
                let sends = self.send_two(
                    Some((b, quote!(#rt::#rr(#va, #vb, &__d)))),
                    Some((a, quote!(#rt::#l(#va, #vb, &__d)))),
                );
                quote!(#take #sends)
            }
            Op::Load(p, _) => {
                let idx = p.indices();
                let again = p.recomputed();
                let adj = Self::adj_ref(p);
                let take = if idx.is_empty() {
                    quote!()
                } else {
                    quote!(let (#(#idx,)*) = #r;)
                };
                quote!(#take #again #rt::acc(#adj, __d);)
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
            Op::VecSplat(a, _) => self.send_last(a, quote!(#rt::sum_vec(__d))),
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
                        rec_names.push(rn);
                    } else {
                        call_args.push(Self::atom_fwd(a));
                    }
                    // Every active argument gets its adjoint, recorded or read again. Spanned at
                    // the call: a `NoGrad` slot (an argument the callee does not differentiate)
                    // is reported there.
                    let sp = *span;
                    sends.push(match &a.kind {
                        AtomKind::Var(p) => {
                            let r = Self::adj_ref(p);
                            quote_spanned!(sp=> #rt::acc(#r, #slot);)
                        }
                        AtomKind::Temp(id) => {
                            let d = format_ident!("__dt{}", id);
                            quote_spanned!(sp=> let #d = #rt::adjoint_slot(#slot);)
                        }
                        AtomKind::Const(..) => quote!(),
                    });
                }
                sends.reverse();
                quote! {
                    let ((#(#rec_names,)*), __x) = #r;
                    let (#(#slots,)*) = #pull(#(#call_args,)* __x, __d);
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
        match d {
            Some(d) => quote!(let __d = #d; #body),
            None => body,
        }
    }

    /// Deliver a rule's value to an operand as the last thing a reverse step does: to a
    /// temporary, whose reverse comes next, as `__d` itself.
    fn send_last(&self, a: &Atom, value: TokenStream) -> TokenStream {
        match &a.kind {
            AtomKind::Temp(id) => {
                self.passthrough.borrow_mut().insert(*id);
                quote!(let __d = #value;)
            }
            _ => Self::send(a, value),
        }
    }

    /// The sends of a two-operand rule (`None` for an inactive operand), the temporary
    /// computed last going last: its reverse comes next and reads `__d`.
    fn send_two(
        &self,
        a: Option<(&Atom, TokenStream)>,
        b: Option<(&Atom, TokenStream)>,
    ) -> TokenStream {
        let temp = |x: &Option<(&Atom, TokenStream)>| match x {
            Some((
                Atom {
                    kind: AtomKind::Temp(id),
                    ..
                },
                _,
            )) => Some(*id),
            _ => None,
        };
        let (first, last) = match (temp(&a), temp(&b)) {
            (Some(ia), Some(ib)) if ia > ib => (b, a),
            (Some(_), None) => (b, a),
            _ => (a, b),
        };
        let first = first.map(|(x, v)| Self::send(x, v));
        let last = last.map(|(x, v)| self.send_last(x, v));
        quote!(#first #last)
    }

    /// Deliver `__d` itself to an operand: to a temporary, by leaving it in `__d` for the
    /// temporary's reverse, which comes next.
    fn send_d(&self, a: &Atom) -> TokenStream {
        match &a.kind {
            AtomKind::Temp(id) => {
                self.passthrough.borrow_mut().insert(*id);
                TokenStream::new()
            }
            _ => Self::send(a, quote!(__d)),
        }
    }

    // ------------------------------------------------------------ statements

    /// The forward sweep of a statement list.
    pub fn fwd(&self, stmts: &[Stmt]) -> TokenStream {
        stmts.iter().map(|s| self.fwd_stmt(s)).collect()
    }

    fn fwd_stmt(&self, s: &Stmt) -> TokenStream {
        let rt = rt();
        if s.is_plain() && !matches!(s, Stmt::Plain(_) | Stmt::Source(_)) {
            return self.fwd_plain_compound(s);
        }
        match s {
            Stmt::Plain(ts) => ts.clone(),
            Stmt::Source(text) => source_marker(text),
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
                let (extra, sets) = self.assign_extra(place, *op, value, *site);
                let rec = self.assign_record(place, extra, *site);
                let assign = match op {
                    None => quote!(#p = #v;),
                    Some(BinKind::Add) => quote!(#p += #v;),
                    Some(BinKind::Sub) => quote!(#p -= #v;),
                    Some(BinKind::Mul) => quote!(#p *= #v;),
                    Some(BinKind::Div) => quote!(#p /= #v;),
                };
                quote!(#sets #rec #assign)
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
                let b = self.fwd(body);
                let head = Self::loop_head(header);
                if let LoopHeader::Range { var, start, .. } = header {
                    let last = format_ident!("__last{}", site.id);
                    let rec = self.record(*site, quote!((#n, #last)));
                    quote! {
                        let mut #n: usize = 0;
                        let mut #last = #start;
                        #head { #n += 1; #last = #var; #b }
                        #rec
                    }
                } else {
                    let rec = self.record(*site, quote!(#n));
                    quote! {
                        let mut #n: usize = 0;
                        #head { #n += 1; #b }
                        #rec
                    }
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

    /// What an assignment's reverse needs besides the indices: nothing for `=`, the types for
    /// `+=`/`-=` (witness variables), the old value and the operand for `*=`/`/=`.
    fn assign_extra(
        &self,
        place: &Place,
        op: Option<BinKind>,
        value: &Atom,
        site: Site,
    ) -> (Option<TokenStream>, TokenStream) {
        let rt = rt();
        let p = Self::place_fwd(place);
        let v = Self::atom_fwd(value);
        match op {
            None => (None, quote!()),
            Some(BinKind::Add | BinKind::Sub) => {
                let (wp, wv) = (
                    format_ident!("__w{}p", site.id),
                    format_ident!("__w{}v", site.id),
                );
                let mut ws = self.witnesses.borrow_mut();
                ws.push(wp.clone());
                ws.push(wv.clone());
                (None, quote!(#wp = #rt::w(&#p); #wv = #rt::w(&#v);))
            }
            Some(BinKind::Mul | BinKind::Div) => {
                (Some(quote!((#rt::rec(&#p), #rt::rec(&#v)))), quote!())
            }
        }
    }

    /// Record `(indices, extra)` if there is anything to record.
    fn assign_record(&self, place: &Place, extra: Option<TokenStream>, site: Site) -> TokenStream {
        let idx = place.indices();
        if idx.is_empty() && extra.is_none() {
            return quote!();
        }
        let extra = extra.unwrap_or_else(|| quote!(()));
        self.record(site, quote!(((#(#idx,)*), #extra)))
    }

    /// Take back what [`Self::assign_record`] recorded.
    fn assign_replay(&self, place: &Place, has_extra: bool, site: Site) -> TokenStream {
        let idx = place.indices();
        if idx.is_empty() && !has_extra {
            return quote!();
        }
        let r = self.replay(site);
        quote!(let ((#(#idx,)*), __x) = #r; let _ = &__x;)
    }

    pub(crate) fn loop_head(h: &LoopHeader) -> TokenStream {
        match h {
            LoopHeader::For(p, i) => quote!(for #p in #i),
            LoopHeader::Range { var, iter, .. } => quote!(for #var in #iter),
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
                let (t, e) = (self.fwd(then), self.fwd(els));
                quote!(if #cond { #t } else { #e })
            }
            Stmt::Match { scrut, arms, .. } => {
                let arms = arms.iter().map(|(head, body)| {
                    let b = self.fwd(body);
                    quote!(#head => { #b })
                });
                quote!(match #scrut { #(#arms)* })
            }
            Stmt::Loop { header, body, .. } => {
                let head = Self::loop_head(header);
                let b = self.fwd(body);
                quote!(#head { #b })
            }
            Stmt::Block(b) => {
                let b = self.fwd(b);
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
        // Each source statement's marker above the adjoint code of the IR it produced.
        let mut pending = TokenStream::new();
        for s in stmts.iter().rev() {
            match s {
                Stmt::Source(text) => {
                    if !pending.is_empty() {
                        out.extend(source_marker(&format!("adjoint of: {text}")));
                        out.extend(std::mem::take(&mut pending));
                    }
                }
                _ => pending.extend(self.rev_stmt(s)),
            }
        }
        out.extend(pending);
        out
    }

    fn rev_stmt(&self, s: &Stmt) -> TokenStream {
        let rt = rt();
        if s.is_plain() {
            return TokenStream::new();
        }
        match s {
            Stmt::Plain(_) | Stmt::Source(_) | Stmt::RecordShape { .. } => TokenStream::new(),
            Stmt::Let {
                name, init, site, ..
            } => match init {
                Some(op) => {
                    let d = format_ident!("d_{}", name);
                    self.op_rev(op, *site, Some(quote!(#d)))
                }
                None => TokenStream::new(),
            },
            Stmt::Temp { id, op, site } => {
                let d = format_ident!("__dt{}", id);
                let from = (!self.passthrough.borrow().contains(id)).then(|| quote!(#d));
                self.op_rev(op, *site, from)
            }
            Stmt::Assign {
                place,
                op,
                value,
                site,
            } => {
                let has_extra = matches!(op, Some(BinKind::Mul | BinKind::Div));
                let take = self.assign_replay(place, has_extra, *site);
                let again = place.recomputed();
                let adj = Self::adj_ref(place);
                let body = match op {
                    None => {
                        let s = self.send_d(value);
                        quote!(let __d = #rt::take(#adj); #s)
                    }
                    Some(k @ (BinKind::Add | BinKind::Sub)) => {
                        let (wp, wv) = (
                            format_ident!("__w{}p", site.id),
                            format_ident!("__w{}v", site.id),
                        );
                        let rule = if *k == BinKind::Add {
                            quote!(#rt::add_dr)
                        } else {
                            quote!(#rt::sub_dr)
                        };
                        match value.kind {
                            // Read before any store: `__dv` when the value is a variable (it may
                            // be the place itself), `__d` for the temporary whose reverse is next.
                            AtomKind::Temp(_) => {
                                self.send_last(value, quote!(#rule(#wp, #wv, &*#adj)))
                            }
                            _ => {
                                let s = Self::send(value, quote!(__dv));
                                quote! {
                                    let __dv = #rule(#wp, #wv, &*#adj);
                                    #s
                                }
                            }
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
                quote!(#take #again #body)
            }
            Stmt::Push { place, value, site } => {
                let r = self.replay(*site);
                let idx = place.indices();
                let adj = Self::adj_ref(place);
                let s = Self::send(value, quote!(#rt::take_at(#adj, __len)));
                let again = place.recomputed();
                quote!(let ((#(#idx,)*), __len) = #r; #again #s)
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
            Stmt::Loop { header, body, site } => {
                let r = self.replay(*site);
                let b = self.rev(body);
                match header {
                    LoopHeader::Range { var, ascending, .. } => {
                        // The counter walks back from its last value.
                        let step = if *ascending { quote!(-=) } else { quote!(+=) };
                        // A block of its own: the names must not leak into an enclosing
                        // loop's reverse body.
                        quote! {{
                            let (__n, __last) = #r;
                            let mut __iv = __last;
                            for __k in 0..__n {
                                let #var = __iv;
                                #b
                                if __k + 1 < __n { __iv #step 1; }
                            }
                        }}
                    }
                    _ => quote!(for _ in 0..#r { #b }),
                }
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
