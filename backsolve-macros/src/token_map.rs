//! Identifier substitution in raw token streams (macro arguments, attribute arguments), where
//! the syntax tree does not reach. Shared with the root build script's test-program renamer,
//! which includes this file.

use proc_macro2::{Group, Ident, TokenStream, TokenTree};

/// `ts` with every identifier `rename` gives a new name for replaced, at any depth of groups;
/// an identifier right after a `.` (a field or a method) is left alone.
pub fn rename_identifiers(
    ts: TokenStream,
    rename: &dyn Fn(&Ident) -> Option<Ident>,
) -> TokenStream {
    let mut out = Vec::new();
    let mut after_dot = false;
    for tt in ts {
        let next = match tt {
            TokenTree::Ident(id) if !after_dot => TokenTree::Ident(rename(&id).unwrap_or(id)),
            TokenTree::Group(g) => {
                let mut renamed = Group::new(g.delimiter(), rename_identifiers(g.stream(), rename));
                renamed.set_span(g.span());
                TokenTree::Group(renamed)
            }
            other => other,
        };
        after_dot = matches!(&next, TokenTree::Punct(p) if p.as_char() == '.');
        out.push(next);
    }
    out.into_iter().collect()
}
