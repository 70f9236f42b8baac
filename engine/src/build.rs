//! Build steps: [`component_from_file`] makes a rubric component from a
//! `rubric.toml` and the evaluator (what kaohe's build does for its built-ins
//! and its tests for a 1.0 build); [`rubric_crate`] is the step of a rubric
//! crate compiled to Rust values, whose `build.rs` is one line:
//!
//! ```ignore
//! fn main() { kaohe_engine::build::rubric_crate() }
//! ```

use std::path::PathBuf;

use crate::Rubric;

/// The component `kaohe rubric build` makes of the rubric in `source` (a
/// `rubric.toml`) with `evaluator`, from a build script: reruns when `source`
/// changes, and fails the build on a rubric that does not validate. The
/// component records the file's SHA-256 and `builder` (the builder's version).
pub fn component_from_file(evaluator: &[u8], source: &std::path::Path, builder: &str) -> (Rubric, Vec<u8>) {
    use sha2::{Digest, Sha256};
    println!("cargo::rerun-if-changed={}", source.display());
    let text = std::fs::read_to_string(source).unwrap_or_else(|e| panic!("{}: {e}", source.display()));
    let rubric: Rubric = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", source.display()));
    let sha = Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect::<String>();
    let bytes = crate::codec::component(evaluator, &rubric, &sha, builder)
        .unwrap_or_else(|errs| panic!("{} is not a valid rubric:\n  {}", source.display(), errs.join("\n  ")));
    (rubric, bytes)
}

/// Run from a rubric crate's `build.rs`. A rubric that does not validate fails the build.
pub fn rubric_crate() {
    println!("cargo::rerun-if-changed=rubric.toml");
    // A 64 KiB stack instead of Rust's default 1 MiB: scoring recurses little, and
    // every fresh instance's memory is zeroed again when it is dropped.
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo::rustc-link-arg=-zstack-size=65536");
    }
    let text = std::fs::read_to_string("rubric.toml").expect("read rubric.toml");
    let rubric: Rubric = toml::from_str(&text).unwrap_or_else(|e| panic!("rubric.toml: {e}"));
    if let Err(errs) = rubric.validate() {
        panic!("rubric.toml is not a valid rubric:\n  {}", errs.join("\n  "));
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("rubric.rs");
    std::fs::write(out, crate::codegen::rust_expr(&rubric)).expect("write rubric.rs");
}
