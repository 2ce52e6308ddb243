//! Errors collected with spans and reported all at once (serde_derive's `Ctxt` pattern).

use proc_macro2::TokenStream;
use quote::ToTokens;
use std::cell::RefCell;

/// Where every diagnostic of one expansion goes.
#[derive(Default)]
pub struct Ctxt {
    errors: RefCell<Vec<syn::Error>>,
}

/// The advice appended to "no adjoint is known" errors.
pub const HOW_TO_FIX: &str = "mark the callee `#[differentiable]`, give it a rule with \
`#[adjoint(of = ...)]`, or keep the value out of the gradient with `#[differentiable(wrt(...))]`";

impl Ctxt {
    /// Record an error spanning `tokens`.
    pub fn error(&self, tokens: impl ToTokens, msg: impl std::fmt::Display) {
        self.errors
            .borrow_mut()
            .push(syn::Error::new_spanned(tokens.into_token_stream(), msg));
    }

    /// Record a ready-made error.
    pub fn push(&self, e: syn::Error) {
        self.errors.borrow_mut().push(e);
    }

    /// Whether anything went wrong so far.
    pub fn has_errors(&self) -> bool {
        !self.errors.borrow().is_empty()
    }

    /// All errors combined into one `compile_error!` stream, or `None`.
    pub fn into_compile_errors(self) -> Option<TokenStream> {
        let errors = self.errors.into_inner();
        let mut iter = errors.into_iter();
        let mut first = iter.next()?;
        for e in iter {
            first.combine(e);
        }
        Some(first.to_compile_error())
    }
}
