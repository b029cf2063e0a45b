//! Compile-fail tests: derive misuse is reported at the offending token.

#[test]
fn derive_misuse() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
