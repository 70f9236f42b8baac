//! Reads `rubric.toml`, validates it with the engine, and writes the Rust
//! expression the component embeds (`OUT_DIR/rubric.rs`). A rubric that does not
//! validate fails the build here.
use std::{env, fs, path::PathBuf};

fn main() {
    println!("cargo::rerun-if-changed=rubric.toml");
    // A 64 KiB stack instead of Rust's default 1 MiB: scoring recurses little, and
    // every fresh instance's memory is zeroed again when it is dropped.
    if env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo::rustc-link-arg=-zstack-size=65536");
    }
    let text = fs::read_to_string("rubric.toml").expect("read rubric.toml");
    let rubric: kaohe_engine::Rubric = toml::from_str(&text).unwrap_or_else(|e| panic!("rubric.toml: {e}"));
    if let Err(errs) = rubric.validate() {
        panic!("rubric.toml is not a valid rubric:\n  {}", errs.join("\n  "));
    }
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("rubric.rs");
    fs::write(out, kaohe_engine::codegen::rust_expr(&rubric)).expect("write rubric.rs");
}
