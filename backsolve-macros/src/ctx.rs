//! Errors collected with spans and reported all at once (serde_derive's `Ctxt` pattern).

use proc_macro2::TokenStream;
use quote::ToTokens;
use std::cell::RefCell;

/// Where every diagnostic of one expansion goes. It must end in [`Ctxt::into_compile_errors`]:
/// dropping it unchecked panics, so no path can lose the errors collected so far.
pub struct Ctxt {
    errors: RefCell<Option<Vec<syn::Error>>>,
}

impl Default for Ctxt {
    fn default() -> Self {
        Ctxt {
            errors: RefCell::new(Some(Vec::new())),
        }
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        if self.errors.borrow().is_some() && !std::thread::panicking() {
            panic!("backsolve-macros: an error context was dropped without reporting its errors");
        }
    }
}

/// The advice appended to "no adjoint is known" errors.
pub const HOW_TO_FIX: &str = "mark the callee `#[differentiable]`, give it a rule with \
`#[adjoint(of = ...)]`, or keep the value out of the gradient with `#[differentiable(wrt(...))]`";

impl Ctxt {
    /// Record an error spanning `tokens`.
    pub fn error(&self, tokens: impl ToTokens, msg: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(tokens.into_token_stream(), msg));
    }

    /// Record a ready-made error.
    pub fn push(&self, e: syn::Error) {
        self.errors
            .borrow_mut()
            .as_mut()
            .expect("errors pushed after they were reported")
            .push(e);
    }

    /// Whether anything went wrong so far.
    pub fn has_errors(&self) -> bool {
        self.errors.borrow().as_ref().is_some_and(|e| !e.is_empty())
    }

    /// All errors combined into one `compile_error!` stream, or `None`.
    pub fn into_compile_errors(self) -> Option<TokenStream> {
        let errors = self.errors.borrow_mut().take().unwrap_or_default();
        let mut iter = errors.into_iter();
        let mut first = iter.next()?;
        for e in iter {
            first.combine(e);
        }
        Some(first.to_compile_error())
    }
}
