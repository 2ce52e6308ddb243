//! The intermediate form between syn and the generated code.
//!
//! Active expressions are decomposed into operations whose operands are atoms: a variable place
//! (`x`, `layer.w`, `z.re`), a temporary produced by the previous operation and consumed exactly
//! once, or a constant. Statements that touch no active variable are kept verbatim (`Plain`).
//! `break`, `continue` and `return` have been turned into flags and guarded remainders, so every
//! loop body runs to its end and the reverse sweep only needs branch choices and trip counts.

use proc_macro2::TokenStream;
use syn::{Ident, Member, Type};

/// Where one statement's records live: a local at the function's top level (executed once), a
/// typed tape anywhere inside a branch, loop or block.
#[derive(Clone, Copy, Debug)]
pub struct Site {
    pub id: usize,
    pub tape: bool,
}

/// A step of a place: `.field` or `[index]` (the index already evaluated into a local). An
/// index that depends only on loop counters, immutable parameters and top-level constants
/// carries its expression and is recomputed in the reverse sweep instead of being recorded.
#[derive(Clone)]
pub enum Proj {
    Field(Member),
    Index(Ident, Option<TokenStream>),
}

/// A variable and a path into it.
#[derive(Clone)]
pub struct Place {
    pub root: Ident,
    pub param: bool,
    /// Rooted at an immutable parameter that the reverse sweep can read again.
    pub stable: bool,
    pub proj: Vec<Proj>,
}

impl Place {
    /// The index locals this place records, in order.
    pub fn indices(&self) -> Vec<Ident> {
        self.proj
            .iter()
            .filter_map(|p| match p {
                Proj::Index(i, None) => Some(i.clone()),
                _ => None,
            })
            .collect()
    }

    /// `let __iN = expr;` for the indices recomputed in the reverse sweep.
    pub fn recomputed(&self) -> TokenStream {
        self.proj
            .iter()
            .filter_map(|p| match p {
                Proj::Index(i, Some(e)) => Some(quote::quote!(let #i = #e;)),
                _ => None,
            })
            .collect()
    }

    /// Whether the reverse sweep can read this place's value again instead of recording it.
    pub fn rereadable(&self) -> bool {
        self.stable && self.proj.iter().all(|p| matches!(p, Proj::Field(_)))
    }
}

/// What an operand is.
#[derive(Clone)]
pub enum AtomKind {
    /// An active variable (with field projections only).
    Var(Place),
    /// The result of the previous operation, `__t{id}`.
    Temp(usize),
    /// Anything without a derivative: a literal, an inactive variable, a hoisted constant.
    /// The flag says whether the reverse sweep can write it again (literals and paths into
    /// parameters) instead of recording it.
    Const(TokenStream, bool),
}

/// An operand, with the `&` or `*` the user wrote in front of it.
#[derive(Clone)]
pub struct Atom {
    pub kind: AtomKind,
    pub prefix: TokenStream,
}

impl Atom {
    pub fn is_active(&self) -> bool {
        !matches!(self.kind, AtomKind::Const(..))
    }

    /// Whether the reverse sweep can name this operand again (literals, immutable parameters)
    /// instead of recording its value.
    pub fn rereadable(&self) -> bool {
        match &self.kind {
            AtomKind::Const(_, r) => *r,
            AtomKind::Var(p) => p.rereadable(),
            AtomKind::Temp(_) => false,
        }
    }
}

/// Arithmetic operators.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum BinKind {
    Add,
    Sub,
    Mul,
    Div,
}

/// One operation producing a value.
#[derive(Clone)]
pub enum Op {
    Atom(Atom),
    Bin(BinKind, Atom, Atom),
    Neg(Atom),
    /// `x.NAME()` with an elementary rule.
    Unary(Ident, Atom),
    /// `x.powi(n)`, `n` constant.
    Powi(Atom, TokenStream),
    /// `x.NAME(y)` with rules for both sides.
    BinMethod(Ident, Atom, Atom),
    /// `x.clone()`, `x.to_vec()`: the adjoint passes straight through.
    Identity(Ident, Atom),
    /// A wrapper with the adjoint of its content (`faer::Scale(k)`).
    Wrap(TokenStream, Atom),
    /// `x as f64`.
    Cast(Atom, Type),
    /// Read of an indexed place, with `&` if borrowed.
    Load(Place, TokenStream),
    /// `c64::new(re, im)` with the path the user wrote.
    ComplexNew(TokenStream, Atom, Atom),
    Tuple(Vec<Atom>),
    Array(Vec<Atom>),
    VecList(Vec<Atom>),
    VecSplat(Atom, TokenStream),
    /// A call to a differentiable function or method, through its `__forward_`/`__reverse_`
    /// pair (`func` is the forward path, `pull` the reverse) or, in forward mode, `__jvp_`.
    Call {
        func: TokenStream,
        pull: TokenStream,
        /// The forward-mode path, `__jvp_f`.
        jvp: TokenStream,
        /// The callee's own path (`helpers::f`), for the pairs of its derivatives that nested
        /// mode calls (`__forward_f_jvp`, ...); `None` for methods.
        callee: Option<syn::Path>,
        args: Vec<Atom>,
        /// Where the call is, for errors about its arguments' adjoints.
        span: proc_macro2::Span,
    },
    /// `temp.field`.
    FieldOfTemp(Atom, Member),
}

/// Loop headers.
#[derive(Clone)]
pub enum LoopHeader {
    For(TokenStream, TokenStream),
    /// `for var in start..end` (or `(start..end).rev()`): the reverse sweep rebuilds `var` from
    /// the trip count and the last value instead of recording it every iteration.
    Range {
        var: Ident,
        iter: TokenStream,
        start: TokenStream,
        ascending: bool,
    },
    While(TokenStream),
    Loop,
}

/// Statements.
#[derive(Clone)]
#[allow(clippy::large_enum_variant)] // built once per function, never stored in bulk
pub enum Stmt {
    Plain(TokenStream),
    /// The source statement the following IR statements come from, as text: generated code
    /// carries it as `const _: &str = "..";` (nothing at run time) and the pretty printer of
    /// `debug` output and the golden snapshots turns it into a `// ..` comment, above the
    /// statement's forward code and above its adjoint code.
    Source(String),
    Let {
        name: Ident,
        mutable: bool,
        ty: Option<Type>,
        init: Option<Op>,
        site: Site,
        shape: Site,
    },
    Temp {
        id: usize,
        op: Op,
        site: Site,
    },
    Assign {
        place: Place,
        op: Option<BinKind>,
        value: Atom,
        site: Site,
    },
    Push {
        place: Place,
        value: Atom,
        site: Site,
    },
    RecordShape {
        name: Ident,
        shape: Site,
    },
    If {
        cond: TokenStream,
        then: Vec<Stmt>,
        els: Vec<Stmt>,
        site: Site,
    },
    Match {
        scrut: TokenStream,
        arms: Vec<(TokenStream, Vec<Stmt>)>,
        site: Site,
    },
    Loop {
        header: LoopHeader,
        body: Vec<Stmt>,
        site: Site,
    },
    Block(Vec<Stmt>),
    SetRet(Atom),
}

impl Stmt {
    /// A statement with nothing to record and nothing to reverse.
    pub fn is_plain(&self) -> bool {
        match self {
            Stmt::Plain(_) | Stmt::Source(_) => true,
            Stmt::If { then, els, .. } => then.iter().chain(els).all(Stmt::is_plain),
            Stmt::Match { arms, .. } => arms.iter().flat_map(|a| &a.1).all(Stmt::is_plain),
            Stmt::Loop { body, .. } => body.iter().all(Stmt::is_plain),
            Stmt::Block(b) => b.iter().all(Stmt::is_plain),
            _ => false,
        }
    }
}

/// The marker a [`Stmt::Source`] becomes in generated code.
pub fn source_marker(text: &str) -> TokenStream {
    quote::quote!(const _: &str = #text;)
}
