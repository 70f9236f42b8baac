//! Kaohe (考核): score veterans' service center assessment workbooks with
//! rubric components.
//!
//! The pieces, each in its own module:
//! - [`runtime`]: load a rubric component (wasmtime, WASI p2) and call it in a sandbox;
//! - [`catalog`]: find rubric components: built in, `.wasm` files, rubric folders;
//! - [`workbook`]: read filled scorecards from xlsx/xls/ods; [`reader`]: the parser (calamine) run sandboxed;
//! - [`score`]: turn workbooks into one result per unit (per sheet holding a scorecard) and findings;
//! - [`render`]: every output, one module per output and medium: the summary,
//!   the blank scorecard, the comparison and provincial workbooks (rust_xlsxwriter),
//!   the JSON shapes (`Serialize` types), the CLI's tables;
//! - [`output`]: where outputs may go (never over an input or a clerk's edits), atomic writes;
//! - [`units`]: the batch as a whole: the same unit twice, the roster of units expected;
//! - [`compare`]: two rubric versions side by side; [`province`]: a province's cities, each with its own rubric;
//! - [`batch`]: the one ordered executor every batch runs on;
//! - [`authoring`], [`rubric_build`]: the rubric authoring workbook read back, and a component built from data;
//! - [`wording`]: how a rule reads in Chinese, in findings and workbooks alike.

pub mod authoring;
pub mod batch;
pub mod catalog;
pub mod compare;
pub mod output;
pub mod province;
pub mod reader;
pub mod render;
pub mod rubric_build;
pub mod runtime;
pub mod score;
pub mod units;
pub mod wording;

/// Reading scorecards from workbooks (the `kaohe-workbook` crate).
pub use kaohe_workbook as workbook;
/// Every finding code (the `kaohe-workbook` crate's [`Code`](kaohe_workbook::Code)).
pub use kaohe_workbook::Code;
pub use kaohe_workbook::clip;

include!(concat!(env!("OUT_DIR"), "/builtin.rs"));

/// The built-in default rubric component (changzhi-2023).
pub const BUILTIN_RUBRIC: &[u8] = BUILTIN_COMPONENTS[0].1;

/// The level's name as the WIT enum spells it: `county-center`, `township-station`, `village-station`.
pub fn level_name(l: runtime::Level) -> &'static str {
    match l {
        runtime::Level::CountyCenter => "county-center",
        runtime::Level::TownshipStation => "township-station",
        runtime::Level::VillageStation => "village-station",
    }
}
