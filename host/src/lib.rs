//! Kaohe (考核): score veterans' service center assessment workbooks with
//! rubric components.
//!
//! The pieces, each in its own module:
//! - [`runtime`]: load a rubric component (wasmtime, WASI p2) and call it in a sandbox;
//! - [`catalog`]: find rubric components: built in, `.wasm` files, rubric folders;
//! - [`workbook`]: read a filled scorecard from xlsx/xls/ods (calamine);
//! - [`score`]: turn workbooks into results and findings;
//! - [`template`], [`report`]: write the blank scorecard and the summary (rust_xlsxwriter);
//! - [`output`]: atomic, reproducible writes.

pub mod catalog;
pub mod output;
pub mod report;
pub mod runtime;
pub mod score;
pub mod template;
pub mod workbook;

include!(concat!(env!("OUT_DIR"), "/builtin.rs"));

/// The built-in default rubric component (changzhi-2023).
pub const BUILTIN_RUBRIC: &[u8] = BUILTIN_COMPONENTS[0].1;

/// The id of the built-in default rubric.
pub const DEFAULT_RUBRIC: &str = "changzhi-2023";

/// At most `n` characters of `s` (an ellipsis marks a cut), for names and messages
/// that come from untrusted workbooks or components.
pub fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { s.chars().take(n).collect::<String>() + "…" }
}
