//! One compile-fail test per class of diagnostic: each must be a spanned error that says what
//! to do, never a silent zero.

#[test]
fn diagnostics() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
