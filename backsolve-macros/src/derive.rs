//! `#[derive(Differentiable)]`: a struct of differentiable fields becomes its own adjoint type.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Data, DeriveInput, Fields, Member};

fn is_skipped(f: &syn::Field) -> syn::Result<bool> {
    let mut skip = false;
    for attr in &f.attrs {
        if attr.path().is_ident("differentiable") {
            attr.parse_nested_meta(|m| {
                if m.path.is_ident("skip") {
                    skip = true;
                    Ok(())
                } else {
                    Err(m.error("expected `skip`"))
                }
            })?;
        }
    }
    Ok(skip)
}

/// Expand the derive.
pub fn expand_derive(item: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(item) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error(),
    };
    match derive(&input) {
        Ok(ts) => ts,
        Err(e) => e.to_compile_error(),
    }
}

fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let name = &input.ident;
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "#[derive(Differentiable)] supports structs without generic parameters",
        ));
    }
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            name,
            "#[derive(Differentiable)] goes on structs: enums and unions have no adjoint",
        ));
    };
    let mut active = Vec::new();
    let mut all = Vec::new();
    for (i, f) in data.fields.iter().enumerate() {
        let member = match &f.ident {
            Some(id) => Member::Named(id.clone()),
            None => Member::Unnamed(syn::Index::from(i)),
        };
        if !is_skipped(f)? {
            active.push(member.clone());
        }
        all.push((member, is_skipped(f)?));
    }
    let b = crate::runtime::root();
    let zeros_fields = all.iter().map(|(m, skip)| {
        if *skip {
            quote!(#m: ::core::clone::Clone::clone(&self.#m))
        } else {
            quote!(#m: #b::Accumulate::zeros_like(&self.#m))
        }
    });
    let zeros = match &data.fields {
        Fields::Unit => quote!(#name),
        _ => quote!(#name { #(#zeros_fields),* }),
    };
    let acc = active
        .iter()
        .map(|m| quote!(#b::Accumulate::acc(&mut self.#m, other.#m);));
    let n = active
        .iter()
        .map(|m| quote!(+ #b::Differentiable::n_reals(&self.#m)));
    let write = active
        .iter()
        .map(|m| quote!(#b::Differentiable::write_reals(&self.#m, out);));
    let read = active
        .iter()
        .map(|m| quote!(used += #b::Differentiable::read_reals(&mut self.#m, &src[used..]);));
    let _ = format_ident!("unused");
    Ok(quote! {
        // A constant of this type passed where a tangent is expected (forward mode) has the
        // zero tangent: the parameters zeroed, the configuration kept.
        impl #b::tangent::ZeroTangent for #name {
            fn zero_tangent(&self) -> Self {
                #b::Accumulate::zeros_like(self)
            }
        }
        impl #b::Accumulate for #name {
            fn acc(&mut self, other: Self) {
                #(#acc)*
                let _ = other;
            }
            fn zeros_like(&self) -> Self {
                #zeros
            }
        }
        impl #b::Adjoint for #name {
            type Adj = #name;
            type Shape = #name;
            fn shape(&self) -> #name {
                #b::Accumulate::zeros_like(self)
            }
            fn zero_adj(shape: &#name) -> #name {
                ::core::clone::Clone::clone(shape)
            }
        }
        impl #b::Rec for #name {
            type R = #name;
            fn rec(&self) -> #name {
                ::core::clone::Clone::clone(self)
            }
        }
        impl #b::__rt::RecRef for #name {
            fn rec_ref(&self) -> &Self {
                self
            }
        }
        impl #b::ArgAdj for #name {
            type Adj = #name;
        }
        impl #b::ArgAdj for &#name {
            type Adj = #name;
        }
        impl #b::IntoAdj for #name {
            type Adj = #name;
            fn into_adj(self) -> #name {
                self
            }
        }
        impl #b::IntoAdj for &#name {
            type Adj = #name;
            fn into_adj(self) -> #name {
                ::core::clone::Clone::clone(self)
            }
        }
        impl #b::Differentiable for #name {
            fn n_reals(&self) -> usize {
                0 #(#n)*
            }
            fn write_reals(&self, out: &mut ::std::vec::Vec<f64>) {
                #(#write)*
                let _ = out;
            }
            fn read_reals(&mut self, src: &[f64]) -> usize {
                let mut used = 0usize;
                #(#read)*
                let _ = src;
                used
            }
        }
    })
}
