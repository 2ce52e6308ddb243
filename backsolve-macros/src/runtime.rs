//! The path through which generated code reaches the runtime.
//!
//! Users depend on the `backsolve` facade; the workspace's own simulators depend on
//! `backsolve-core` directly. The path is the name under which the crate being compiled lists
//! one of them in its `Cargo.toml` (renamed dependencies included), so generated code works in
//! both without an `extern crate` alias.

use proc_macro2::{Ident, Span, TokenStream};
use proc_macro_crate::{crate_name, FoundCrate};
use quote::quote;

/// `::backsolve`, `::backsolve_core` or the name a dependency was renamed to.
pub fn root() -> TokenStream {
    let name = ["backsolve", "backsolve-core"].iter().find_map(|c| {
        crate_name(c).ok().map(|found| match found {
            // The crate's own tests, examples and doctests name it as a dependency.
            FoundCrate::Itself => c.replace('-', "_"),
            FoundCrate::Name(n) => n,
        })
    });
    let id = Ident::new(name.as_deref().unwrap_or("backsolve"), Span::call_site());
    quote!(::#id)
}

/// The runtime module generated code calls: `ROOT::__rt`.
pub fn rt() -> TokenStream {
    let root = root();
    quote!(#root::__rt)
}
