//! The signature side: which parameters are active, and how types map to adjoint types.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{GenericArgument, PathArguments, Type};

/// Integer, boolean and character types: never active.
pub fn is_inactive_scalar(ty: &Type) -> bool {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.get_ident().is_some_and(|id| {
            matches!(
                id.to_string().as_str(),
                "usize"
                    | "isize"
                    | "u8"
                    | "u16"
                    | "u32"
                    | "u64"
                    | "u128"
                    | "i8"
                    | "i16"
                    | "i32"
                    | "i64"
                    | "i128"
                    | "bool"
                    | "char"
                    | "str"
                    | "String"
            )
        }),
        Type::Reference(r) => is_inactive_scalar(&r.elem),
        Type::Paren(p) => is_inactive_scalar(&p.elem),
        _ => false,
    }
}

/// `f64`, `c64` and their spellings, and the inactive scalars: `Copy` values.
pub fn is_scalar(ty: &Type) -> bool {
    is_inactive_scalar(ty)
        || last_segment(ty).is_some_and(|s| {
            matches!(s.ident.to_string().as_str(), "f64" | "c64" | "Complex64")
                || (s.ident == "Complex"
                    && first_generic(s)
                        .is_some_and(|t| last_segment(t).is_some_and(|s| s.ident == "f64")))
        })
}

/// Whether a parameter of this type is differentiated by default. Everything but integers,
/// booleans, characters and strings is; a type that turns out not to be differentiable is a
/// compile error naming `Adjoint` on that type, with the advice to use `wrt(..)`.
pub fn active_by_default(ty: &Type) -> bool {
    !is_inactive_scalar(ty)
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        _ => None,
    }
}

fn first_generic(seg: &syn::PathSegment) -> Option<&Type> {
    match &seg.arguments {
        PathArguments::AngleBracketed(a) => a.args.iter().find_map(|g| match g {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        }),
        _ => None,
    }
}

/// The type behind `&mut` of a parameter's adjoint in the public pullback, spelled as users
/// expect (`f64`, `[f64]`, `Mat<c64>`), falling back to the trait projection.
pub fn param_adjoint_type(ty: &Type) -> TokenStream {
    let bs = crate::runtime::root();
    let strip = match ty {
        Type::Reference(r) => &*r.elem,
        other => other,
    };
    match strip {
        Type::Slice(s) => {
            let e = &s.elem;
            return quote!([<#e as #bs::Adjoint>::Adj]);
        }
        Type::Path(_) => {
            let seg = last_segment(strip).unwrap();
            let name = seg.ident.to_string();
            match name.as_str() {
                "f64" | "c64" | "Complex64" => return quote!(#strip),
                "Complex" | "Mat" | "Col" => {
                    if matches!(
                        first_generic(seg),
                        Some(t) if last_segment(t).is_some_and(|s| {
                            matches!(s.ident.to_string().as_str(), "f64" | "c64")
                        })
                    ) {
                        return quote!(#strip);
                    }
                }
                "Vec" => {
                    if let Some(e) = first_generic(seg) {
                        return quote!([<#e as #bs::Adjoint>::Adj]);
                    }
                }
                _ => {}
            }
        }
        _ => {}
    }
    let ty = elide_lifetimes(ty);
    quote!(<#ty as #bs::ArgAdj>::Adj)
}

/// The type of the public `d_ret`: `f64`/`c64` by value, `Vec<T>` as `&[T]`, matrices and other
/// values by reference, tuples element-wise, integers as `()`.
pub fn public_cotangent_type(ty: &Type) -> TokenStream {
    match ty {
        Type::Tuple(t) if t.elems.is_empty() => quote!(()),
        Type::Tuple(t) => {
            let elems = t.elems.iter().map(public_cotangent_type);
            quote!((#(#elems,)*))
        }
        Type::Paren(p) => public_cotangent_type(&p.elem),
        _ if is_inactive_scalar(ty) => quote!(()),
        _ => {
            if let Some(seg) = last_segment(ty) {
                let name = seg.ident.to_string();
                if matches!(name.as_str(), "f64" | "c64" | "Complex64" | "Complex") {
                    return quote!(#ty);
                }
                if name == "Vec" {
                    if let Some(e) = first_generic(seg) {
                        return quote!(&[#e]);
                    }
                }
            }
            quote!(&#ty)
        }
    }
}

/// How to turn the owned internal cotangent `d` into the public `d_ret` form (see
/// [`public_cotangent_type`]).
pub fn owned_to_public(ty: &Type, d: TokenStream) -> TokenStream {
    match ty {
        Type::Tuple(t) if t.elems.is_empty() => quote!(()),
        Type::Tuple(t) => {
            let elems = t.elems.iter().enumerate().map(|(i, e)| {
                let idx = syn::Index::from(i);
                owned_to_public(e, quote!(#d.#idx))
            });
            quote!((#(#elems,)*))
        }
        Type::Paren(p) => owned_to_public(&p.elem, d),
        _ if is_inactive_scalar(ty) => quote!(()),
        _ => {
            if let Some(seg) = last_segment(ty) {
                if matches!(
                    seg.ident.to_string().as_str(),
                    "f64" | "c64" | "Complex64" | "Complex"
                ) {
                    return d;
                }
            }
            quote!(&#d)
        }
    }
}

/// Replace named lifetimes by `'_` so a parameter type can be used inside a qualified path.
pub fn elide_lifetimes(ty: &Type) -> Type {
    use syn::visit_mut::VisitMut;
    struct Elide;
    impl VisitMut for Elide {
        fn visit_lifetime_mut(&mut self, l: &mut syn::Lifetime) {
            *l = syn::Lifetime::new("'_", l.span());
        }
    }
    let mut t = ty.clone();
    Elide.visit_type_mut(&mut t);
    t
}
