//! The build step every rubric crate shares: read `rubric.toml`, validate it,
//! and write its compiled form to `OUT_DIR/rubric.rs`. A rubric crate's
//! `build.rs` is one line:
//!
//! ```ignore
//! fn main() { kaohe_engine::build::rubric_crate() }
//! ```

use std::path::PathBuf;

use crate::Rubric;

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
