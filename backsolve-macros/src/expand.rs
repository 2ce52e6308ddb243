//! `#[differentiable]` and `#[adjoint(of = ..)]`: from a function to its pullbacks.

use crate::codegen::Gen;
use crate::ctx::Ctxt;
use crate::lower::Lower;
use crate::rename::Renamer;
use crate::{activity, sig};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use std::collections::HashSet;
use syn::visit_mut::VisitMut;
use syn::{FnArg, Ident, Pat, ReturnType, Type};

/// Options of `#[differentiable(..)]`.
#[derive(Default)]
pub struct Options {
    pub wrt: Option<Vec<Ident>>,
    pub check: bool,
    pub debug: bool,
    /// Differentiable callers run this function in split mode (see [`split_mode_pair`]).
    pub split: bool,
    /// Generate `NAME_jvp` (forward mode).
    pub forward: bool,
    /// Generate `NAME_pullback` (reverse mode): the default, also beside `forward` when asked.
    pub reverse: bool,
    /// Generate nested derivatives: the pullback of `NAME_jvp`, `NAME_jvp_jvp` and its pullback.
    pub nested: bool,
}

fn parse_options(attr: TokenStream, cx: &Ctxt) -> Options {
    let mut opts = Options::default();
    if attr.is_empty() {
        return opts;
    }
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("wrt") {
            opts.wrt = Some(parse_wrt(&meta)?);
            Ok(())
        } else if meta.path.is_ident("check") {
            opts.check = true;
            Ok(())
        } else if meta.path.is_ident("debug") {
            opts.debug = true;
            Ok(())
        } else if meta.path.is_ident("split") {
            opts.split = true;
            Ok(())
        } else if meta.path.is_ident("forward") {
            opts.forward = true;
            Ok(())
        } else if meta.path.is_ident("reverse") {
            opts.reverse = true;
            Ok(())
        } else if meta.path.is_ident("nested") {
            opts.nested = true;
            Ok(())
        } else {
            Err(meta.error("unknown option: expected `wrt(a, b)`, `check`, `debug`, `split`, `forward`, `reverse` or `nested`"))
        }
    });
    if let Err(e) = syn::parse::Parser::parse2(parser, attr) {
        cx.push(e);
    }
    opts
}

/// The names of `wrt(a, b)`, for the function attribute and the rule attributes alike.
fn parse_wrt(meta: &syn::meta::ParseNestedMeta) -> syn::Result<Vec<Ident>> {
    let mut names = Vec::new();
    meta.parse_nested_meta(|m| {
        match m.path.get_ident() {
            Some(id) => names.push(id.clone()),
            None => return Err(m.error("expected a parameter name")),
        }
        Ok(())
    })?;
    Ok(names)
}

/// Without `forward`, reverse mode is generated; with it, only if `reverse` is also given.
/// `nested` implies both.
fn with_default_mode(mut opts: Options) -> Options {
    if opts.nested {
        opts.forward = true;
    }
    if !opts.forward || opts.nested {
        opts.reverse = true;
    }
    opts
}

/// One typed parameter of the function.
pub struct Param {
    /// The name in the generated code (see `rename`).
    pub name: Ident,
    /// The name the user wrote, for reports.
    pub source: Ident,
    pub ty: Type,
    pub active: bool,
    pub mutable: bool,
}

/// The checked signature.
pub struct Signature {
    pub method: bool,
    pub params: Vec<Param>,
    pub ret: Type,
}

fn check_signature(cx: &Ctxt, f: &syn::ItemFn, opts: &Options) -> Option<Signature> {
    let s = &f.sig;
    if let Some(a) = &s.asyncness {
        cx.error(a, "async functions cannot be differentiated");
    }
    if let Some(c) = &s.constness {
        cx.error(
            c,
            "const functions cannot be differentiated: remove `const`",
        );
    }
    if let Some(u) = &s.unsafety {
        cx.error(
            u,
            "unsafe functions are not differentiated: give them a rule with `#[adjoint(of = ...)]`",
        );
    }
    if let Some(v) = &s.variadic {
        cx.error(v, "variadic functions cannot be differentiated");
    }
    for g in &s.generics.params {
        if !matches!(g, syn::GenericParam::Lifetime(_)) {
            cx.error(g, "generic type parameters are not supported by #[differentiable]: write the function for concrete types (f64, c64, Mat<c64>, ...)");
        }
    }
    let ret = match &s.output {
        ReturnType::Type(_, t) => (**t).clone(),
        ReturnType::Default => {
            cx.error(&s.ident, "a #[differentiable] function must return its result (`-> f64`, `-> Vec<f64>`, ...)");
            return None;
        }
    };
    let mut method = false;
    let mut params = Vec::new();
    for arg in &s.inputs {
        match arg {
            FnArg::Receiver(r) => {
                if r.reference.is_none() || r.mutability.is_some() {
                    cx.error(r, "differentiable methods take `&self` (configuration, not differentiated); pass parameters as arguments");
                }
                method = true;
            }
            FnArg::Typed(pt) => {
                let Pat::Ident(pi) = &*pt.pat else {
                    cx.error(
                        &pt.pat,
                        "parameters of a #[differentiable] function must be plain names",
                    );
                    continue;
                };
                params.push(Param {
                    name: pi.ident.clone(),
                    source: pi.ident.clone(),
                    ty: (*pt.ty).clone(),
                    active: sig::active_by_default(&pt.ty),
                    mutable: pi.mutability.is_some(),
                });
            }
        }
    }
    if let Some(wrt) = &opts.wrt {
        for w in wrt {
            if !params.iter().any(|p| p.name == *w) {
                cx.error(w, format!("`{w}` is not a parameter of this function"));
            }
        }
        for p in &mut params {
            p.active = wrt.contains(&p.name);
        }
    }
    for p in &params {
        if p.active {
            if let Type::Reference(r) = &p.ty {
                if let Some(m) = &r.mutability {
                    cx.error(m, format!("`{}` is a mutable reference: differentiable functions return new values instead of mutating arguments (or leave it out with `wrt(..)`)", p.name));
                }
            }
        }
    }
    Some(Signature {
        method,
        params,
        ret,
    })
}

/// `'static` for every lifetime, named or elided, so a type can sit in a return-position
/// projection (`<&'static [f64] as Adjoint>::Adj`).
pub fn staticize(ty: &Type) -> Type {
    struct S;
    impl VisitMut for S {
        fn visit_type_reference_mut(&mut self, r: &mut syn::TypeReference) {
            r.lifetime = Some(syn::Lifetime::new(
                "'static",
                proc_macro2::Span::call_site(),
            ));
            self.visit_type_mut(&mut r.elem);
        }
        fn visit_lifetime_mut(&mut self, l: &mut syn::Lifetime) {
            *l = syn::Lifetime::new("'static", l.span());
        }
    }
    let mut t = ty.clone();
    S.visit_type_mut(&mut t);
    t
}

const ALLOWS: &str = "unused_mut, unused_variables, unused_assignments, unused_parens, unused_braces, non_snake_case, clippy::all, clippy::pedantic";

fn allows() -> TokenStream {
    let lints: TokenStream = ALLOWS.parse().unwrap();
    quote!(#[allow(#lints)])
}

/// Expand `#[differentiable]`.
pub fn expand_differentiable(attr: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::default();
    let opts = with_default_mode(parse_options(attr, &cx));
    let func: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(e) => {
            // Reported with any error of the options, not instead of them.
            cx.push(syn::Error::new(
                e.span(),
                "#[differentiable] goes on a function or method",
            ));
            let errs = cx.into_compile_errors();
            return quote!(#item #errs);
        }
    };
    let out = expand_fn(&cx, &opts, &func);
    match cx.into_compile_errors() {
        Some(errs) => quote!(#func #errs),
        None => {
            if opts.debug {
                eprintln!("{}", pretty(&out));
            }
            quote!(#func #out)
        }
    }
}

/// Pretty-print generated items (for `debug`, docs and golden tests).
pub fn pretty(ts: &TokenStream) -> String {
    comments_from_markers(&unparse(ts))
}

/// The source markers of generated code (`const _: &str = "..";`) as `// ..` comments.
fn comments_from_markers(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    for line in code.lines() {
        let trimmed = line.trim_start();
        let text = trimmed
            .strip_prefix("const _: &str = ")
            .and_then(|t| t.strip_suffix(';'))
            .and_then(|lit| syn::parse_str::<syn::LitStr>(lit).ok());
        match text {
            Some(lit) => {
                out.push_str(&line[..line.len() - trimmed.len()]);
                out.push_str("// ");
                out.push_str(&lit.value());
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

fn unparse(ts: &TokenStream) -> String {
    match syn::parse2::<syn::File>(ts.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(_) => {
            // Methods are not items on their own: print them inside an impl.
            let wrapped = quote!(impl __Expanded { #ts });
            match syn::parse2::<syn::File>(wrapped) {
                Ok(file) => prettyplease::unparse(&file),
                Err(_) => ts.to_string(),
            }
        }
    }
}

/// The generated items for one function (without the original).
pub fn expand_fn(cx: &Ctxt, opts: &Options, func: &syn::ItemFn) -> TokenStream {
    let Some(mut sig) = check_signature(cx, func, opts) else {
        return TokenStream::new();
    };
    let mut written = HashSet::new();
    crate::rename::identifiers(quote!(#func), &mut written);
    let names: Vec<Ident> = sig.params.iter().map(|p| p.name.clone()).collect();
    let mut renamer = Renamer::new(&names, written);
    for (p, n) in sig.params.iter_mut().zip(renamer.param_names(&names)) {
        p.name = n;
    }
    let mut body = (*func.block).clone();
    renamer.visit_block_mut(&mut body);
    // The generated functions take the parameters under their generated-code names.
    let original = func;
    let func = &with_param_names(func, &sig);
    let active_params: HashSet<String> = sig
        .params
        .iter()
        .filter(|p| p.active)
        .map(|p| p.name.to_string())
        .collect();
    let mut all_params: HashSet<String> = sig.params.iter().map(|p| p.name.to_string()).collect();
    all_params.insert("self".into());

    let body_expr = syn::Expr::Block(syn::ExprBlock {
        attrs: vec![],
        label: None,
        block: body.clone(),
    });
    let early = Lower::has_return(&body_expr);
    let active = activity::analyze(&body, &active_params);
    let immutable: HashSet<String> = sig
        .params
        .iter()
        .filter(|p| !p.mutable)
        .map(|p| p.name.to_string())
        .collect();
    // Values of immutable references and scalars can be read again in the reverse sweep.
    let stable: HashSet<String> = sig
        .params
        .iter()
        .filter(|p| !p.mutable && (matches!(p.ty, Type::Reference(_)) || sig::is_scalar(&p.ty)))
        .map(|p| p.name.to_string())
        .collect();
    let mut lower = Lower::new(
        cx,
        &active,
        &active_params,
        all_params,
        stable,
        immutable,
        early,
    );
    let ir = lower.lower_body(&body);
    if cx.has_errors() {
        return TokenStream::new();
    }
    let forward = match (opts.forward, opts.check) {
        (false, _) => TokenStream::new(),
        (true, false) => forward_pair(func, &sig, &ir, early),
        (true, true) => {
            let pair = forward_pair(func, &sig, &ir, early);
            let check = jvpcheck(func, &sig, opts.reverse);
            quote!(#pair #check)
        }
    };
    if !opts.reverse {
        return forward;
    }
    let Some(reverse) = reverse_items(cx, func, &sig, &ir, early, opts.split) else {
        return TokenStream::new();
    };
    let nested = if opts.nested {
        match nested_items(cx, func, &sig, &ir, early) {
            Some(items) => items,
            None => return TokenStream::new(),
        }
    } else {
        TokenStream::new()
    };
    let check = if opts.check {
        gradcheck(func, &sig, original, opts.forward)
    } else {
        TokenStream::new()
    };
    quote!(#reverse #check #forward #nested)
}

/// The signature of the jvp of `func` as a function of its own: the arguments, then the
/// tangent `__tan{level}_p` of each active argument `p`, returning `(R, R)`.
fn jvp_signature(func: &syn::ItemFn, sig: &Signature, level: usize) -> (syn::ItemFn, Signature) {
    let mut f = func.clone();
    f.sig.ident = format_ident!("{}_jvp", func.sig.ident);
    let ret = &sig.ret;
    let pair: Type = syn::parse_quote!((#ret, #ret));
    f.sig.output = syn::parse_quote!(-> #pair);
    let mut params: Vec<Param> = sig
        .params
        .iter()
        .map(|p| Param {
            name: p.name.clone(),
            source: p.source.clone(),
            ty: p.ty.clone(),
            active: p.active,
            mutable: p.mutable,
        })
        .collect();
    for p in sig.params.iter().filter(|p| p.active) {
        let name = crate::nested::tangent_name(&p.name, level);
        let ty = &p.ty;
        let m = p.mutable.then(|| quote!(mut));
        f.sig.inputs.push(syn::parse_quote!(#m #name: #ty));
        params.push(Param {
            name: name.clone(),
            source: name,
            ty: p.ty.clone(),
            active: true,
            mutable: p.mutable,
        });
    }
    let sig = Signature {
        method: sig.method,
        params,
        ret: pair,
    };
    (f, sig)
}

/// With `nested`: `NAME_jvp_pullback` (reverse over forward), `NAME_jvp_jvp` (forward over
/// forward) and `NAME_jvp_jvp_pullback`, each with the pair differentiable callers use.
fn nested_items(
    cx: &Ctxt,
    func: &syn::ItemFn,
    sig: &Signature,
    ir: &[crate::ir::Stmt],
    early: bool,
) -> Option<TokenStream> {
    // Site ids of the lowering are small; each level numbers its own far above them.
    let ir1 = crate::nested::Nest::new(cx, 1, 1 << 20).stmts(ir, 0);
    let (func1, sig1) = jvp_signature(func, sig, 1);
    let ir2 = crate::nested::Nest::new(cx, 2, 2 << 20).stmts(&ir1, 0);
    let (func2, sig2) = jvp_signature(&func1, &sig1, 2);
    if cx.has_errors() {
        return None;
    }
    let reverse1 = reverse_items(cx, &func1, &sig1, &ir1, early, false)?;
    let forward2 = forward_pair(&func1, &sig1, &ir1, early);
    let reverse2 = reverse_items(cx, &func2, &sig2, &ir2, early, false)?;
    Some(quote!(#reverse1 #forward2 #reverse2))
}

/// `NAME_pullback` and the pair differentiable callers use (`__forward_NAME`, `__reverse_NAME`;
/// in split mode with the tapes as the residual), from the IR of `func`.
fn reverse_items(
    cx: &Ctxt,
    func: &syn::ItemFn,
    sig: &Signature,
    ir: &[crate::ir::Stmt],
    early: bool,
    split: bool,
) -> Option<TokenStream> {
    let bs_rt = crate::runtime::rt();
    let gen = Gen::new(early);
    let fwd = gen.fwd(ir);
    let rev = gen.rev(ir);
    let tapes = gen.tape_decls();
    let take_ret = early
        .then(|| quote!(let __ret = __retv.expect("backsolve: the function produced no result");));
    let public = public_pullback(
        func,
        sig,
        quote! {
            use #bs_rt::RecRef as _;
            let __dret = #bs_rt::ret(d_ret);
            #tapes
            #fwd
            #take_ret
            #rev
            __ret
        },
    );
    let internal = match (split, sig.method) {
        (true, false) => split_mode_pair(
            func,
            sig,
            owned_shapes(quote!(#tapes #fwd #take_ret)),
            owned_shapes(rev.clone()),
        ),
        (true, true) => {
            cx.error(
                &func.sig.ident,
                "`split` is for free functions: a method's reverse sweep cannot move into a closure that takes `self` again; drop `split` (the method runs in joint mode)",
            );
            return None;
        }
        (false, _) => split_pair(func, sig),
    };
    Some(quote!(#public #internal))
}

/// `NAME_jvp` (the public forward mode: primal and tangent arguments of the primal types) and
/// `__jvp_NAME`, which differentiable callers use: it takes `NoTan` for a
/// constant argument and builds the zero tangent itself.
fn forward_pair(
    func: &syn::ItemFn,
    sig: &Signature,
    ir: &[crate::ir::Stmt],
    early: bool,
) -> TokenStream {
    let rt = crate::runtime::rt();
    let vis = &func.vis;
    let name = &func.sig.ident;
    let (jvp, internal) = (
        format_ident!("{}_jvp", name),
        format_ident!("__jvp_{}", name),
    );
    let generics = &func.sig.generics;
    let where_clause = &generics.where_clause;
    let inputs: Vec<&FnArg> = func.sig.inputs.iter().collect();
    let ret = &sig.ret;
    let active: Vec<&Param> = sig.params.iter().filter(|p| p.active).collect();
    let tangent_params = active.iter().map(|p| {
        let d = format_ident!("d_{}", p.name);
        let m = p.mutable.then(|| quote!(mut));
        let ty = &p.ty;
        quote!(#m #d: #ty)
    });
    let body = crate::tangent::Tan::new(early).stmts(ir);
    let param_checks = active.iter().map(|p| {
        let ty = &p.ty;
        quote::quote_spanned!(syn::spanned::Spanned::span(ty)=> #rt::assert_differentiable_param::<#ty>();)
    });
    let take_ret = early
        .then(|| quote!(let __ret = __retv.expect("backsolve: the function produced no result");));
    let allows = allows();
    let doc = format!(
        " Forward mode of [`{name}`], generated by `#[differentiable(forward)]`: returns the value of `{name}` and its tangent (directional derivative) for the tangents `d_` of the active arguments."
    );
    let target = if sig.method {
        quote!(self.#jvp)
    } else {
        quote!(#jvp)
    };
    let entry = jvp_entry(vis, &internal, generics, &inputs, sig, target);
    quote! {
        #[doc = #doc]
        #allows
        #vis fn #jvp #generics (#(#inputs,)* #(#tangent_params),*) -> (#ret, #ret) #where_clause {
            use #rt::ScalarValue as _;
            #(#param_checks)*
            #body
            #take_ret
            __ret
        }
        #entry
    }
}

/// `__jvp_NAME`, the entry differentiable callers use: a generic tangent per parameter
/// (`TanValue` by value, `TanRef` behind a reference, `Inactive` for what is not
/// differentiated), converted to the primal's type and handed to `target` (the public jvp, or
/// a hand-written tangent rule) after the arguments.
fn jvp_entry(
    vis: &syn::Visibility,
    internal: &Ident,
    generics: &syn::Generics,
    inputs: &[&FnArg],
    sig: &Signature,
    target: TokenStream,
) -> TokenStream {
    let rt = crate::runtime::rt();
    let where_clause = &generics.where_clause;
    let ret = &sig.ret;
    let allows = allows();
    let lt = syn::Lifetime::new("'__t", proc_macro2::Span::call_site());
    let mut inner_generics = generics.clone();
    inner_generics.params.insert(
        0,
        syn::GenericParam::Lifetime(syn::LifetimeParam::new(lt.clone())),
    );
    let slots: Vec<(TokenStream, TokenStream, TokenStream)> = sig
        .params
        .iter()
        .map(|p| {
            let (x, slot) = (&p.name, format_ident!("__tan_{}", p.name));
            if !p.active {
                return (quote!(#slot: impl #rt::Inactive), quote!(), quote!());
            }
            match &p.ty {
                Type::Reference(r) => {
                    let inner = &r.elem;
                    let cow = format_ident!("__cow_{}", p.name);
                    (
                        quote!(#slot: impl #rt::TanRef<#lt, #inner>),
                        quote!(let #cow = #rt::TanRef::tangent(#slot, #x);),
                        quote!(&*#cow),
                    )
                }
                ty => {
                    let d = format_ident!("__tv_{}", p.name);
                    (
                        quote!(#slot: impl #rt::TanValue<#ty>),
                        quote!(let #d = #rt::TanValue::tangent(#slot, &#x);),
                        quote!(#d),
                    )
                }
            }
        })
        .collect();
    let slot_params = slots.iter().map(|s| &s.0);
    let conversions = slots.iter().map(|s| &s.1);
    let passed = slots.iter().filter(|s| !s.2.is_empty()).map(|s| &s.2);
    let args = sig.params.iter().map(|p| &p.name);
    quote! {
        #[doc(hidden)]
        #allows
        #vis fn #internal #inner_generics (#(#inputs,)* #(#slot_params),*) -> (#ret, #ret) #where_clause {
            #(#conversions)*
            #target(#(#args,)* #(#passed),*)
        }
    }
}

/// `func` with each parameter pattern named as in `sig` (the renamer's names).
fn with_param_names(func: &syn::ItemFn, sig: &Signature) -> syn::ItemFn {
    let mut f = func.clone();
    let typed = f.sig.inputs.iter_mut().filter_map(|a| match a {
        FnArg::Typed(pt) => Some(pt),
        FnArg::Receiver(_) => None,
    });
    for (pt, p) in typed.zip(&sig.params) {
        if let Pat::Ident(pi) = &mut *pt.pat {
            pi.ident = p.name.clone();
        }
    }
    f
}

fn public_pullback(func: &syn::ItemFn, sig: &Signature, body: TokenStream) -> TokenStream {
    let vis = &func.vis;
    let name = &func.sig.ident;
    let pb = format_ident!("{}_pullback", name);
    let generics = &func.sig.generics;
    let where_clause = &generics.where_clause;
    let inputs = func.sig.inputs.iter();
    let ret = &sig.ret;
    let pub_d = sig::public_cotangent_type(ret);
    let adj = sig.params.iter().filter(|p| p.active).map(|p| {
        let d = format_ident!("d_{}", p.name);
        let t = sig::param_adjoint_type(&p.ty);
        quote!(#d: &mut #t)
    });
    let allows = allows();
    let doc = format!(
        " Pullback of [`{name}`], generated by `#[differentiable]`: returns the value of `{name}` and adds the adjoint of each active argument, for the output cotangent `d_ret`, into its `d_` argument."
    );
    quote! {
        #[doc = #doc]
        #allows
        #vis fn #pb #generics (#(#inputs,)* d_ret: #pub_d, #(#adj),*) -> #ret #where_clause { #body }
    }
}

/// `(name, type, active)` of every parameter, as [`slots`] takes them.
fn param_triples(sig: &Signature) -> Vec<(Ident, Type, bool)> {
    sig.params
        .iter()
        .map(|p| (p.name.clone(), p.ty.clone(), p.active))
        .collect()
}

/// The slots of the split-mode pair: one adjoint per parameter, `()` for integers, `NoGrad`
/// for parameters left out with `wrt(..)`.
struct Slots {
    types: Vec<TokenStream>,
    inits: Vec<TokenStream>,
    values: Vec<TokenStream>,
    adj_args: Vec<TokenStream>,
}

fn slots(params: &[(Ident, Type, bool)], prefix: &str) -> Slots {
    let bs = crate::runtime::root();
    let rt = crate::runtime::rt();
    let mut s = Slots {
        types: Vec::new(),
        inits: Vec::new(),
        values: Vec::new(),
        adj_args: Vec::new(),
    };
    for (k, (n, ty, active)) in params.iter().enumerate() {
        let v = format_ident!("{}{}", prefix, k);
        if *active {
            let ts = staticize(ty);
            s.types.push(quote!(<#ts as #bs::Adjoint>::Adj));
            s.inits
                .push(quote!(let mut #v = #rt::zero(&#rt::shape(&#n));));
            s.values.push(quote!(#v));
            s.adj_args.push(quote!(&mut #v));
        } else if sig::is_inactive_scalar(ty) {
            // Integers have the unit adjoint: passing an active integer is fine.
            s.types.push(quote!(()));
            s.values.push(quote!(()));
        } else {
            s.types.push(quote!(#rt::NoGrad));
            s.values.push(quote!(#rt::NoGrad));
        }
    }
    s
}

/// `__forward_NAME(args) -> (R, ())` and `__reverse_NAME(args, (), d) -> (adjoints..)`: the
/// calling convention differentiable callers use. Generated functions keep no residual and
/// recompute their forward sweep in `__reverse_` (joint mode); hand-written primitives keep one
/// (a factorization) and do not.
fn split_pair(func: &syn::ItemFn, sig: &Signature) -> TokenStream {
    let bs = crate::runtime::root();
    let vis = &func.vis;
    let name = &func.sig.ident;
    let pb = format_ident!("{}_pullback", name);
    let fwd = format_ident!("__forward_{}", name);
    let rev = format_ident!("__reverse_{}", name);
    let generics = &func.sig.generics;
    let where_clause = &generics.where_clause;
    let inputs: Vec<_> = func.sig.inputs.iter().collect();
    let ret = &sig.ret;
    let ret_static = staticize(ret);
    let params = param_triples(sig);
    let Slots {
        types,
        inits,
        values,
        adj_args,
    } = slots(&params, "__s");
    let args: Vec<_> = sig.params.iter().map(|p| &p.name).collect();
    let d_public = sig::owned_to_public(ret, quote!(__d));
    let this = if sig.method { quote!(self.) } else { quote!() };
    let allows = allows();
    quote! {
        #[doc(hidden)]
        #allows
        #[inline]
        #vis fn #fwd #generics (#(#inputs),*) -> (#ret, ()) #where_clause {
            (#this #name(#(#args),*), ())
        }
        #[doc(hidden)]
        #allows
        #vis fn #rev #generics (#(#inputs,)* _residual: (), __d: <#ret_static as #bs::Adjoint>::Adj)
            -> (#(#types,)*) #where_clause
        {
            #(#inits)*
            let _ = #this #pb(#(#args,)* #d_public, #(#adj_args),*);
            (#(#values,)*)
        }
    }
}

/// `__rt::shape` replaced by `__rt::owned_shape` throughout: the recorded shapes of a
/// split-mode function must not name borrowed types (see `OwnedShapeRec`).
fn owned_shapes(ts: TokenStream) -> TokenStream {
    use proc_macro2::{Group, TokenTree};
    let tokens: Vec<TokenTree> = ts.into_iter().collect();
    let mut out = Vec::with_capacity(tokens.len());
    for (i, t) in tokens.iter().enumerate() {
        let follows_rt = i >= 3
            && matches!(&tokens[i - 3], TokenTree::Ident(id) if id == "__rt")
            && matches!(&tokens[i - 2], TokenTree::Punct(p) if p.as_char() == ':')
            && matches!(&tokens[i - 1], TokenTree::Punct(p) if p.as_char() == ':');
        out.push(match t {
            TokenTree::Ident(id) if follows_rt && id == "shape" => {
                TokenTree::Ident(Ident::new("owned_shape", id.span()))
            }
            TokenTree::Group(g) => {
                let mut ng = Group::new(g.delimiter(), owned_shapes(g.stream()));
                ng.set_span(g.span());
                TokenTree::Group(ng)
            }
            other => other.clone(),
        });
    }
    out.into_iter().collect()
}

/// `__forward_NAME(args) -> (R, reverse)` and `__reverse_NAME(args, reverse, d)`, split mode:
/// the forward sweep runs once, and its tapes move into `reverse`, a closure that takes the
/// arguments again (so it borrows nothing of the caller's) and runs only the reverse sweep.
/// Differentiable callers store `reverse` as the call's residual.
fn split_mode_pair(
    func: &syn::ItemFn,
    sig: &Signature,
    forward_sweep: TokenStream,
    reverse_sweep: TokenStream,
) -> TokenStream {
    let (bs, bs_rt) = (crate::runtime::root(), crate::runtime::rt());
    let vis = &func.vis;
    let name = &func.sig.ident;
    let fwd = format_ident!("__forward_{}", name);
    let rev = format_ident!("__reverse_{}", name);
    let generics = &func.sig.generics;
    let where_clause = &generics.where_clause;
    let inputs: Vec<_> = func.sig.inputs.iter().collect();
    let ret = &sig.ret;
    let ret_static = staticize(ret);
    let params = param_triples(sig);
    // Own names for the adjoints: the reverse sweep binds `__sN` itself.
    let Slots {
        types,
        inits,
        values,
        ..
    } = slots(&params, "__out");
    let names: Vec<_> = sig.params.iter().map(|p| &p.name).collect();
    let tys: Vec<_> = sig.params.iter().map(|p| &p.ty).collect();
    // The pullback's `&mut` adjoint arguments, bound to the slots.
    let bind: Vec<TokenStream> = sig
        .params
        .iter()
        .enumerate()
        .filter(|(_, p)| p.active)
        .map(|(k, p)| {
            let d = format_ident!("d_{}", p.name);
            let slot = format_ident!("__out{}", k);
            let t = sig::param_adjoint_type(&p.ty);
            quote!(let #d: &mut #t = &mut #slot;)
        })
        .collect();
    let d_public = sig::owned_to_public(ret, quote!(__d));
    let pub_d = sig::public_cotangent_type(ret);
    let adj = quote!(<#ret_static as #bs::Adjoint>::Adj);
    let out = quote!((#(#types,)*));
    let mut with_residual = generics.clone();
    with_residual
        .params
        .push(syn::parse_quote!(__R: ::core::ops::FnOnce(#(#tys,)* #adj) -> #out));
    let allows = allows();
    quote! {
        #[doc(hidden)]
        #allows
        #[inline]
        #vis fn #fwd #generics (#(#inputs),*)
            -> (#ret, impl ::core::ops::FnOnce(#(#tys,)* #adj) -> #out) #where_clause
        {
            use #bs_rt::RecRef as _;
            #forward_sweep
            let __reverse = move |#(#names: #tys,)* __d: #adj| -> #out {
                #(#inits)*
                #(#bind)*
                let d_ret: #pub_d = #d_public;
                let __dret = #bs_rt::ret(d_ret);
                #reverse_sweep
                (#(#values,)*)
            };
            (__ret, __reverse)
        }
        #[doc(hidden)]
        #allows
        #[inline]
        #vis fn #rev #with_residual (#(#inputs,)* __residual: __R, __d: #adj) -> #out #where_clause
        {
            __residual(#(#names,)* __d)
        }
    }
}

/// `original` is the function as written (its counted copy keeps the user's names).
fn gradcheck(
    func: &syn::ItemFn,
    sig: &Signature,
    original: &syn::ItemFn,
    forward: bool,
) -> TokenStream {
    let bs = crate::runtime::root();
    let rt = crate::runtime::rt();
    let vis = &func.vis;
    let name = &func.sig.ident;
    let gc = format_ident!("{}_gradcheck", name);
    let int = format_ident!("__reverse_{}", name);
    let fwd_int = format_ident!("__forward_{}", name);
    let generics = &func.sig.generics;
    let where_clause = &generics.where_clause;
    let inputs = func.sig.inputs.iter();
    let this = if sig.method { quote!(self.) } else { quote!() };
    let CheckArgs {
        owned,
        blocks,
        flat_x,
        flat_g,
        rebuild,
        call_orig,
        call_pert,
        call_pull,
        slot_pat,
        ..
    } = check_args(sig);
    let doc = format!(
        " Check the pullback of [`{name}`] against central finite differences (Richardson-extrapolated, real and imaginary parts separately) and a random-direction test, at the given arguments, for a random output cotangent. A perturbed evaluation that runs a `while` loop another number of times is said in the report (`trip_count_change`)."
    );
    let tangent = forward.then(|| {
        let jc = format_ident!("{}_jvpcheck", name);
        quote!(__report.tangent = ::core::option::Option::Some(#this #jc(#(#call_orig),*));)
    });
    let (counted_item, counted) = match counted_copy(original) {
        Some(item) => (item, format_ident!("__counted_{}", name)),
        None => (quote!(), name.clone()),
    };
    quote! {
        #counted_item
        #[doc = #doc]
        #[allow(clippy::all, unused_mut, unused_variables)]
        #vis fn #gc #generics (#(#inputs),*) -> #bs::GradReport #where_clause {
            let __opts = #rt::CheckOptions::default();
            let mut __rng = #rt::SplitMix64(__opts.seed);
            let (__y, __trips) = #rt::count_trips(|| #this #counted(#(#call_orig),*));
            let mut __changed: ::core::option::Option<(::std::vec::Vec<usize>, ::std::vec::Vec<usize>)> = None;
            let __dy = #rt::random_cotangent(&__y, &mut __rng);
            #(#owned)*
            let __residual = #this #fwd_int(#(#call_pull),*).1;
            let (#(#slot_pat,)*) = #this #int(#(#call_pull,)* __residual, #rt::copy(&__dy));
            let mut __x: ::std::vec::Vec<f64> = ::std::vec::Vec::new();
            let mut __g: ::std::vec::Vec<f64> = ::std::vec::Vec::new();
            #(#flat_x)*
            #(#flat_g)*
            let __blocks = [#(#blocks),*];
            let __loss = |__p: &[f64]| -> f64 {
                let mut __off = 0usize;
                #(#rebuild)*
                let (__yy, __t) = #rt::count_trips(|| #this #counted(#(#call_pert),*));
                if __t != __trips && __changed.is_none() {
                    __changed = Some((__trips.clone(), __t));
                }
                #rt::pair(&__dy, &__yy)
            };
            let mut __report = #rt::check_gradient(&__blocks, &__x, &__g, __loss, &__opts);
            __report.trip_count_change = __changed;
            #tangent
            __report
        }
    }
}

/// The per-argument pieces of the generated checks, in parameter order.
struct CheckArgs {
    /// `let __oK = rec(&arg);`: owned copies of the active arguments.
    owned: Vec<TokenStream>,
    /// `(name, number of reals)` of each active argument.
    blocks: Vec<TokenStream>,
    /// Flatten the owned copies into `__x`.
    flat_x: Vec<TokenStream>,
    /// Flatten the adjoint slots into `__g`.
    flat_g: Vec<TokenStream>,
    /// Rebuild `__qK` from the flat perturbed point `__p`.
    rebuild: Vec<TokenStream>,
    /// The arguments of a call at the point (clones).
    call_orig: Vec<TokenStream>,
    /// The arguments of a call at the perturbed point.
    call_pert: Vec<TokenStream>,
    /// The arguments of the pullback at the point.
    call_pull: Vec<TokenStream>,
    /// The pattern binding the pullback's adjoints (`__sK`, `_` for inactive arguments).
    slot_pat: Vec<TokenStream>,
    /// `let __vK = random_like(&__oK)`: a random tangent per active argument.
    tangents: Vec<TokenStream>,
    /// The tangents as the public jvp takes them.
    call_tan: Vec<TokenStream>,
    /// Flatten the tangents into `__v`.
    flat_v: Vec<TokenStream>,
    /// `<adjoint slot, tangent>` of each active argument.
    dots: Vec<TokenStream>,
}

fn check_args(sig: &Signature) -> CheckArgs {
    let rt = crate::runtime::rt();
    let mut a = CheckArgs {
        owned: vec![],
        blocks: vec![],
        flat_x: vec![],
        flat_g: vec![],
        rebuild: vec![],
        call_orig: vec![],
        call_pert: vec![],
        call_pull: vec![],
        slot_pat: vec![],
        tangents: vec![],
        call_tan: vec![],
        flat_v: vec![],
        dots: vec![],
    };
    for (k, p) in sig.params.iter().enumerate() {
        let n = &p.name;
        let o = format_ident!("__o{}", k);
        let q = format_ident!("__q{}", k);
        let s = format_ident!("__s{}", k);
        let v = format_ident!("__v{}", k);
        a.call_orig.push(quote!(::core::clone::Clone::clone(&#n)));
        if p.active {
            a.owned.push(quote!(let #o = #rt::rec(&#n);));
            let label = p.source.to_string();
            a.blocks.push(quote!((#label, #rt::n_reals(&#o))));
            a.flat_x.push(quote!(#rt::flatten(&#o, &mut __x);));
            a.flat_g.push(quote!(#rt::flatten(&#s, &mut __g);));
            a.rebuild.push(quote! {
                let mut #q = ::core::clone::Clone::clone(&#o);
                __off += #rt::unflatten(&mut #q, &__p[__off..]);
            });
            a.call_pert.push(quote!(#rt::FromRec::from_rec(&#q)));
            a.call_pull.push(quote!(#rt::FromRec::from_rec(&#o)));
            a.slot_pat.push(quote!(#s));
            a.tangents
                .push(quote!(let #v = #rt::random_like(&#o, &mut __rng);));
            a.call_tan.push(quote!(#rt::FromRec::from_rec(&#v)));
            a.flat_v.push(quote!(#rt::flatten(&#v, &mut __v);));
            a.dots.push(quote!(#rt::pair(&#s, &#v)));
        } else {
            a.call_pert.push(quote!(::core::clone::Clone::clone(&#n)));
            a.call_pull.push(quote!(::core::clone::Clone::clone(&#n)));
            a.slot_pat.push(quote!(_));
        }
    }
    a
}

/// `NAME_jvpcheck(args..)`: the tangent of `NAME_jvp` along a random direction against
/// central differences of `NAME`, and (with reverse mode) against the pullback by the
/// dot-product identity `<w, J v> = <Jᵀ w, v>`.
fn jvpcheck(func: &syn::ItemFn, sig: &Signature, reverse: bool) -> TokenStream {
    let bs = crate::runtime::root();
    let rt = crate::runtime::rt();
    let vis = &func.vis;
    let name = &func.sig.ident;
    let check = format_ident!("{}_jvpcheck", name);
    let jvp = format_ident!("{}_jvp", name);
    let generics = &func.sig.generics;
    let where_clause = &generics.where_clause;
    let inputs = func.sig.inputs.iter();
    let this = if sig.method { quote!(self.) } else { quote!() };
    let CheckArgs {
        owned,
        flat_x,
        rebuild,
        call_orig,
        call_pert,
        call_pull,
        slot_pat,
        tangents,
        call_tan,
        flat_v,
        dots,
        ..
    } = check_args(sig);
    let dual = if reverse {
        let (fwd, rev) = (
            format_ident!("__forward_{}", name),
            format_ident!("__reverse_{}", name),
        );
        quote! {{
            let __w = #rt::random_cotangent(&__y, &mut __rng);
            let __residual = #this #fwd(#(#call_pull),*).1;
            let (#(#slot_pat,)*) = #this #rev(#(#call_pull,)* __residual, #rt::copy(&__w));
            ::core::option::Option::Some((#rt::pair(&__w, &__dy), 0.0 #(+ #dots)*))
        }}
    } else {
        quote!(::core::option::Option::None)
    };
    let doc = format!(
        " Check the forward mode of [`{name}`] at the given arguments: the tangent of `{name}_jvp` along a random direction against Richardson-extrapolated central differences of `{name}` (every real output component), and, with reverse mode, against the pullback by the dot-product identity."
    );
    quote! {
        #[doc = #doc]
        #[allow(clippy::all, unused_mut, unused_variables)]
        #vis fn #check #generics (#(#inputs),*) -> #bs::TangentReport #where_clause {
            let __opts = #rt::CheckOptions::default();
            let mut __rng = #rt::SplitMix64(__opts.seed ^ 0x7a6e);
            #(#owned)*
            #(#tangents)*
            let (__y, __dy) = #this #jvp(#(#call_orig,)* #(#call_tan),*);
            let mut __x: ::std::vec::Vec<f64> = ::std::vec::Vec::new();
            let mut __v: ::std::vec::Vec<f64> = ::std::vec::Vec::new();
            let mut __t: ::std::vec::Vec<f64> = ::std::vec::Vec::new();
            #(#flat_x)*
            #(#flat_v)*
            #rt::flatten(&__dy, &mut __t);
            let __dots = #dual;
            let __eval = |__p: &[f64]| -> ::std::vec::Vec<f64> {
                let mut __off = 0usize;
                #(#rebuild)*
                let __yy = #this #name(#(#call_pert),*);
                let mut __out = ::std::vec::Vec::new();
                #rt::flatten(&__yy, &mut __out);
                __out
            };
            #rt::check_tangent(&__x, &__v, &__t, __eval, __dots, &__opts)
        }
    }
}

/// A copy of `func` for its gradient check, named `__counted_NAME`, whose `while` loops count
/// their iterations (`rt::trip`); `None` when it has no `while` loop.
fn counted_copy(func: &syn::ItemFn) -> Option<TokenStream> {
    struct Count {
        loops: usize,
    }
    impl VisitMut for Count {
        fn visit_expr_while_mut(&mut self, w: &mut syn::ExprWhile) {
            syn::visit_mut::visit_expr_while_mut(self, w);
            let rt = crate::runtime::rt();
            let id = self.loops;
            self.loops += 1;
            w.body.stmts.insert(0, syn::parse_quote!(#rt::trip(#id);));
        }
    }
    let mut copy = func.clone();
    let mut count = Count { loops: 0 };
    count.visit_block_mut(&mut copy.block);
    if count.loops == 0 {
        return None;
    }
    copy.sig.ident = format_ident!("__counted_{}", func.sig.ident);
    copy.attrs.retain(|a| !a.path().is_ident("doc"));
    Some(quote! {
        #[doc(hidden)]
        #[allow(clippy::all, dead_code)]
        #copy
    })
}

/// Expand `#[adjoint(of = path)]` on a hand-written pullback.
/// Expand `#[tangent(of = f)]`: `__jvp_f`, through which forward-mode code calling `f` uses
/// the hand-written rule.
pub fn expand_tangent(attr: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::default();
    let (of, wrt) = parse_rule_options(attr, &cx);
    let func: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(e) => {
            cx.push(e);
            let errs = cx.into_compile_errors();
            return quote!(#item #errs);
        }
    };
    let out = match of {
        Some(of) => tangent_entry(&cx, &func, &of, wrt),
        None => {
            cx.error(
                &func.sig.ident,
                "missing `of = function`: name the function this rule differentiates",
            );
            TokenStream::new()
        }
    };
    match cx.into_compile_errors() {
        Some(errs) => quote!(#func #errs),
        None => quote!(#func #out),
    }
}

/// `of = path` and `wrt(a, b)` of a rule attribute.
fn parse_rule_options(attr: TokenStream, cx: &Ctxt) -> (Option<syn::Path>, Option<Vec<Ident>>) {
    let mut of: Option<syn::Path> = None;
    let mut wrt: Option<Vec<Ident>> = None;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("of") {
            of = Some(meta.value()?.parse()?);
            Ok(())
        } else if meta.path.is_ident("wrt") {
            wrt = Some(parse_wrt(&meta)?);
            Ok(())
        } else {
            Err(meta.error("expected `of = function` (and optionally `wrt(a, b)`)"))
        }
    });
    if let Err(e) = syn::parse::Parser::parse2(parser, attr) {
        cx.push(e);
    }
    (of, wrt)
}

/// The entry `__jvp_f` for a tangent rule `fn rule(<f's parameters>, d_a, ..) -> (R, R)`: the
/// trailing parameters named `d_..` are the tangents of the active parameters, in order.
fn tangent_entry(
    cx: &Ctxt,
    func: &syn::ItemFn,
    of: &syn::Path,
    wrt: Option<Vec<Ident>>,
) -> TokenStream {
    let typed: Vec<(&FnArg, &syn::PatType)> = func
        .sig
        .inputs
        .iter()
        .filter_map(|a| match a {
            FnArg::Typed(pt) => Some((a, pt)),
            FnArg::Receiver(_) => None,
        })
        .collect();
    let name_of = |pt: &syn::PatType| match &*pt.pat {
        Pat::Ident(pi) => Some(pi.ident.clone()),
        _ => None,
    };
    let tangents = typed
        .iter()
        .rev()
        .take_while(|(_, pt)| name_of(pt).is_some_and(|n| n.to_string().starts_with("d_")))
        .count();
    let primal = &typed[..typed.len() - tangents];
    let mut params = Vec::new();
    for (_, pt) in primal {
        let Some(name) = name_of(pt) else {
            cx.error(&pt.pat, "parameters of a tangent rule must be plain names");
            return TokenStream::new();
        };
        let active = match &wrt {
            Some(w) => w.contains(&name),
            None => sig::active_by_default(&pt.ty),
        };
        params.push(Param {
            source: name.clone(),
            name,
            ty: (*pt.ty).clone(),
            active,
            mutable: false,
        });
    }
    let active = params.iter().filter(|p| p.active).count();
    if active != tangents {
        cx.error(
            &func.sig.ident,
            format!(
                "a tangent rule takes the function's parameters, then one tangent `d_NAME` per active parameter: {active} active parameters, {tangents} tangents"
            ),
        );
        return TokenStream::new();
    }
    let ret = match &func.sig.output {
        ReturnType::Type(_, t) => match &**t {
            Type::Tuple(tt) if tt.elems.len() == 2 => tt.elems[0].clone(),
            _ => {
                cx.error(t, "a tangent rule returns `(value, tangent)`");
                return TokenStream::new();
            }
        },
        ReturnType::Default => {
            cx.error(&func.sig.ident, "a tangent rule returns `(value, tangent)`");
            return TokenStream::new();
        }
    };
    let Some(last) = of.segments.last() else {
        cx.error(of, "expected the name of a function");
        return TokenStream::new();
    };
    let internal = format_ident!("__jvp_{}", last.ident);
    let sig = Signature {
        method: false,
        params,
        ret,
    };
    let inputs: Vec<&FnArg> = primal.iter().map(|(a, _)| *a).collect();
    let rule = &func.sig.ident;
    jvp_entry(
        &func.vis,
        &internal,
        &func.sig.generics,
        &inputs,
        &sig,
        quote!(#rule),
    )
}

/// Expand `#[adjoint(of = f)]`.
pub fn expand_adjoint(attr: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::default();
    let (of, wrt) = parse_rule_options(attr, &cx);
    let func: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(e) => {
            cx.push(e);
            let errs = cx.into_compile_errors();
            return quote!(#item #errs);
        }
    };
    let Some(of) = of else {
        if !cx.has_errors() {
            cx.error(
                &func.sig.ident,
                "missing `of = function`: name the function this rule differentiates",
            );
        }
        let errs = cx.into_compile_errors().unwrap();
        return quote!(#func #errs);
    };
    let out = adjoint_wrapper(&cx, &func, &of, wrt);
    match cx.into_compile_errors() {
        Some(errs) => quote!(#func #errs),
        None => quote!(#func #out),
    }
}

fn adjoint_wrapper(
    cx: &Ctxt,
    func: &syn::ItemFn,
    of: &syn::Path,
    wrt: Option<Vec<Ident>>,
) -> TokenStream {
    let bs = crate::runtime::root();
    let inputs: Vec<&syn::PatType> = func
        .sig
        .inputs
        .iter()
        .filter_map(|a| match a {
            FnArg::Typed(t) => Some(t),
            FnArg::Receiver(r) => {
                cx.error(
                    r,
                    "rules are free functions: put methods' rules on a free function",
                );
                None
            }
        })
        .collect();
    let d_pos = inputs
        .iter()
        .position(|t| matches!(&*t.pat, Pat::Ident(pi) if pi.ident == "d_ret"));
    let Some(d_pos) = d_pos else {
        cx.error(&func.sig.inputs, "a rule takes the function's parameters, then `d_ret`, then one `&mut` adjoint per active parameter: no parameter named `d_ret` was found");
        return TokenStream::new();
    };
    let ret = match &func.sig.output {
        ReturnType::Type(_, t) => (**t).clone(),
        ReturnType::Default => {
            cx.error(&func.sig.ident, "a rule returns the primal value");
            return TokenStream::new();
        }
    };
    let primal = &inputs[..d_pos];
    let adjoints = &inputs[d_pos + 1..];
    let mut names = Vec::new();
    let mut actives = Vec::new();
    for t in primal {
        let Pat::Ident(pi) = &*t.pat else {
            cx.error(&t.pat, "parameters of a rule must be plain names");
            return TokenStream::new();
        };
        let active = match &wrt {
            Some(w) => w.contains(&pi.ident),
            None => sig::active_by_default(&t.ty),
        };
        names.push(pi.ident.clone());
        actives.push(active);
    }
    let n_active = actives.iter().filter(|a| **a).count();
    if n_active != adjoints.len() {
        cx.error(
            &func.sig.inputs,
            format!("this rule has {} active parameter(s) but {} adjoint argument(s) after `d_ret`: give one `&mut` adjoint per active parameter, in order (integers and booleans are inactive; use `wrt(..)` to choose)", n_active, adjoints.len()),
        );
        return TokenStream::new();
    }
    let target = of.segments.last().unwrap().ident.clone();
    let fwd = format_ident!("__forward_{}", target);
    let rev = format_ident!("__reverse_{}", target);
    let vis = &func.vis;
    let rule = &func.sig.ident;
    let ret_static = staticize(&ret);
    let params: Vec<_> = primal.iter().map(|t| quote!(#t)).collect();
    let triples: Vec<_> = primal
        .iter()
        .zip(&actives)
        .zip(&names)
        .map(|((t, a), n)| (n.clone(), (*t.ty).clone(), *a))
        .collect();
    let Slots {
        types,
        inits,
        values,
        adj_args,
    } = slots(&triples, "__s");
    let d_public = sig::owned_to_public(&ret, quote!(__d));
    let allows = allows();
    quote! {
        #[doc(hidden)]
        #allows
        #[inline]
        #vis fn #fwd(#(#params),*) -> (#ret, ()) {
            (#of(#(#names),*), ())
        }
        #[doc(hidden)]
        #allows
        #vis fn #rev(#(#params,)* _residual: (), __d: <#ret_static as #bs::Adjoint>::Adj) -> (#(#types,)*) {
            #(#inits)*
            let _ = #rule(#(#names,)* #d_public, #(#adj_args),*);
            (#(#values,)*)
        }
    }
}
