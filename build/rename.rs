//! Renames the local variables and parameters of test programs to names with the shapes of the
//! names `#[differentiable]` generates (`t3`, `d_x`, `__tape1`, `t4b`, `x_1`, ...), for the
//! hygiene test (`tests/hygiene.rs`): the renamed programs must give bit-identical gradients.
//!
//! Every function of a file is renamed on its own: its parameters and every binding of its
//! body (`let`, `for`, `match`, closures) get new names, one per distinct old name, so the
//! program's scoping and shadowing stay as they were. Uses of a name in expressions, in macro
//! arguments and in the `wrt(..)` of its `#[differentiable]` attribute follow.

use proc_macro2::{Ident, TokenStream, TokenTree};
use quote::ToTokens;
use std::collections::{BTreeSet, HashMap};
use syn::visit::{self, Visit};
use syn::visit_mut::{self, VisitMut};

use super::Rng;

/// The name shapes the macro generates, with `{n}` for a number and `{v}` for another name
/// of the same function.
const SHAPES: &[&str] = &[
    "t{n}",
    "t{n}b",
    "t{n}a",
    "d_{v}",
    "d_t{n}",
    "d_ret",
    "ret",
    "{v}_1",
    "{v}_2",
    "__t{n}",
    "__tape{n}",
    "__r{n}",
    "__w{n}a",
    "__w{n}p",
    "__d",
    "__d{n}",
    "__dv",
    "__dt",
    "__dt{n}",
    "__ret",
    "__retv",
    "__dret",
    "__returned",
    "__v{n}",
    "__i{n}",
    "__k{n}",
    "__c{n}",
    "__lo{n}",
    "__brk{n}",
    "__cont{n}",
    "__s{n}",
    "__o{n}",
    "__q{n}",
    "__x",
    "__g",
    "__y",
    "__dy",
    "__p",
    "__off",
    "__residual",
    "__opts",
    "__rng",
    "__loss",
    "__blocks",
    "__out{n}",
    "__sh",
    "__m{n}",
    "__n{n}",
    "__last{n}",
    "__a{n}",
    "__ra",
    "__rb",
    "__rp",
    "__rv",
    "__iv",
    "__len",
    "__x{n}",
    "d___t{n}",
    "d_d_{v}",
];

/// Every binding name a function introduces, parameters first, in order of appearance.
#[derive(Default)]
struct Bindings(Vec<String>);

impl<'a> Visit<'a> for Bindings {
    fn visit_pat_ident(&mut self, p: &'a syn::PatIdent) {
        let name = p.ident.to_string();
        if !self.0.contains(&name) {
            self.0.push(name);
        }
        visit::visit_pat_ident(self, p);
    }
    fn visit_item(&mut self, _: &'a syn::Item) {}
}

/// Applies a renaming to patterns, expression paths, macro arguments and field shorthands.
struct Apply<'m>(&'m HashMap<String, String>);

impl Apply<'_> {
    fn new_name(&self, id: &Ident) -> Option<Ident> {
        self.0
            .get(&id.to_string())
            .map(|n| Ident::new(n, id.span()))
    }

    fn tokens(&self, ts: TokenStream) -> TokenStream {
        super::token_map::rename_identifiers(ts, &|id| self.new_name(id))
    }
}

impl VisitMut for Apply<'_> {
    fn visit_pat_ident_mut(&mut self, p: &mut syn::PatIdent) {
        if let Some(n) = self.new_name(&p.ident) {
            p.ident = n;
        }
        visit_mut::visit_pat_ident_mut(self, p);
    }
    fn visit_expr_path_mut(&mut self, e: &mut syn::ExprPath) {
        if e.qself.is_none() && e.path.segments.len() == 1 {
            if let Some(n) = self.new_name(&e.path.segments[0].ident) {
                e.path.segments[0].ident = n;
            }
        }
    }
    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        m.tokens = self.tokens(m.tokens.clone());
    }
    fn visit_field_value_mut(&mut self, f: &mut syn::FieldValue) {
        // `S { x }` names the field and the variable at once: spell the variable out.
        if f.colon_token.is_none() {
            f.colon_token = Some(Default::default());
        }
        visit_mut::visit_field_value_mut(self, f);
    }
    fn visit_field_pat_mut(&mut self, f: &mut syn::FieldPat) {
        if f.colon_token.is_none() {
            f.colon_token = Some(Default::default());
        }
        visit_mut::visit_field_pat_mut(self, f);
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// Draws a new name for every binding: distinct, never an identifier the function already
/// contains for something else, never a keyword.
fn draw_names(
    rng: &mut Rng,
    bindings: &[String],
    written: &BTreeSet<String>,
    used: &mut BTreeSet<String>,
) -> HashMap<String, String> {
    let mut map = HashMap::new();
    for b in bindings {
        loop {
            let shape = SHAPES[rng.below(SHAPES.len())];
            let other = &bindings[rng.below(bindings.len())];
            let other = map.get(other).unwrap_or(other);
            let cand = shape
                .replace("{n}", &rng.below(12).to_string())
                .replace("{v}", other);
            let clash = map.values().any(|v| *v == cand)
                || (written.contains(&cand) && !bindings.contains(&cand))
                || syn::parse_str::<Ident>(&cand).is_err();
            if !clash {
                used.insert(cand.clone());
                map.insert(b.clone(), cand);
                break;
            }
        }
    }
    map
}

fn identifiers(ts: TokenStream, out: &mut BTreeSet<String>) {
    for tt in ts {
        match tt {
            TokenTree::Ident(id) => {
                out.insert(id.to_string());
            }
            TokenTree::Group(g) => identifiers(g.stream(), out),
            _ => {}
        }
    }
}

fn rename_fn(
    rng: &mut Rng,
    attrs: &mut [syn::Attribute],
    sig: &mut syn::Signature,
    block: &mut syn::Block,
    used: &mut BTreeSet<String>,
) {
    let mut b = Bindings::default();
    for arg in &sig.inputs {
        b.visit_fn_arg(arg);
    }
    b.visit_block(block);
    let mut written = BTreeSet::new();
    identifiers(block.to_token_stream(), &mut written);
    identifiers(sig.to_token_stream(), &mut written);
    let map = draw_names(rng, &b.0, &written, used);
    let mut apply = Apply(&map);
    for arg in &mut sig.inputs {
        apply.visit_fn_arg_mut(arg);
    }
    apply.visit_block_mut(block);
    for a in attrs.iter_mut() {
        if a.path().is_ident("differentiable") {
            if let syn::Meta::List(l) = &mut a.meta {
                l.tokens = apply.tokens(l.tokens.clone());
            }
        }
    }
}

fn rename_items(rng: &mut Rng, items: &mut [syn::Item], used: &mut BTreeSet<String>) {
    for item in items {
        match item {
            syn::Item::Fn(f) => rename_fn(rng, &mut f.attrs, &mut f.sig, &mut f.block, used),
            syn::Item::Impl(i) => {
                for ii in &mut i.items {
                    if let syn::ImplItem::Fn(f) = ii {
                        rename_fn(rng, &mut f.attrs, &mut f.sig, &mut f.block, used);
                    }
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &mut m.content {
                    rename_items(rng, items, used);
                }
            }
            _ => {}
        }
    }
}

/// A test source cut into the parts the hygiene test needs.
pub struct Program {
    /// The items that define functions (tests, `check!` and its invocations removed).
    pub items: Vec<syn::Item>,
    /// `(label, expression)` of every gradient check the source's tests make.
    pub checks: Vec<(String, TokenStream)>,
}

/// Splits a test file: its `check!(NAME, EXPR)` invocations become the checks; `#[test]`
/// functions and the `check` macro itself are dropped.
pub fn parse_program(src: &str) -> Program {
    let file = syn::parse_file(src).expect("test source parses");
    let mut items = Vec::new();
    let mut checks = Vec::new();
    for item in file.items {
        match &item {
            syn::Item::Macro(m) if m.mac.path.is_ident("check") => {
                let args: syn::punctuated::Punctuated<syn::Expr, syn::Token![,]> = m
                    .mac
                    .parse_body_with(syn::punctuated::Punctuated::parse_terminated)
                    .expect("check!(name, call)");
                let label = args[0].to_token_stream().to_string();
                checks.push((label, args[1].to_token_stream()));
            }
            syn::Item::Macro(m) if m.ident.as_ref().is_some_and(|i| i == "check") => {}
            syn::Item::Fn(f) if f.attrs.iter().any(|a| a.path().is_ident("test")) => {}
            _ => items.push(item),
        }
    }
    Program { items, checks }
}

/// `mod NAME { items; fn checks() }`, with every binding renamed when `rng` is given; the
/// names used are added to `used`.
pub fn module(
    name: &str,
    attrs: &str,
    program: &Program,
    rng: Option<&mut Rng>,
    used: &mut BTreeSet<String>,
) -> String {
    let mut items = program.items.clone();
    if let Some(rng) = rng {
        rename_items(rng, &mut items, used);
    }
    let file = syn::File {
        shebang: None,
        attrs: vec![],
        items,
    };
    let checks: Vec<String> = program
        .checks
        .iter()
        .map(|(label, call)| format!("({label:?}, {call}),"))
        .collect();
    format!(
        "{attrs}\nmod {name} {{\n{}\n\npub(crate) fn checks() -> Vec<(&'static str, backsolve::GradReport)> {{\n    vec![\n{}\n    ]\n}}\n}}\n",
        prettyplease::unparse(&file),
        checks.join("\n")
    )
}
