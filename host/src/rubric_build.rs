//! Building a rubric component from data, with no Rust toolchain: the rubric
//! (a `rubric.toml`) is validated, encoded (`kaohe_engine::codec`) and written
//! into a copy of the prebuilt evaluator component embedded in kaohe
//! ([`crate::EVALUATOR_COMPONENT`]); a custom section records the source's
//! SHA-256 and the kaohe version. The same input always gives the same bytes,
//! so a component's SHA-256 can be pinned. The built-in rubrics are made the
//! same way by the build.
//!
//! ```no_run
//! let text = std::fs::read_to_string("rubrics/changzhi-2023/rubric.toml")?;
//! let wasm = kaohe::rubric_build::from_toml(&text).map_err(|p| anyhow::anyhow!("{p:?}"))?;
//! std::fs::write("changzhi-2023.wasm", wasm)?;
//! # anyhow::Ok(())
//! ```

use sha2::{Digest, Sha256};

use kaohe_engine::Rubric;

pub use kaohe_engine::codec::SOURCE_SECTION;

/// One thing wrong with a rubric's source; `place` says where (a TOML line,
/// a field), for the clerk to fix. Every problem is reported at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub place: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.place.is_empty() { f.write_str(&self.message) } else { write!(f, "{}: {}", self.place, self.message) }
    }
}

/// Parse and validate a `rubric.toml`, then build its component.
pub fn from_toml(text: &str) -> Result<Vec<u8>, Vec<Problem>> {
    let rubric: Rubric = toml::from_str(text).map_err(|e| {
        let place = e.span().map(|s| format!("line {}", text[..s.start.min(text.len())].lines().count().max(1))).unwrap_or_default();
        vec![Problem { place, message: e.message().to_string() }]
    })?;
    component(&rubric, &crate::runtime::hex(&Sha256::digest(text.as_bytes())))
}

/// Read an authoring workbook (see [`crate::authoring`]; `extension` says its
/// format) through the sandboxed reader, validate it and build its component.
pub fn from_workbook(bytes: &[u8], extension: &str) -> Result<Vec<u8>, Vec<Problem>> {
    let limits = crate::workbook::ReadLimits::default();
    let parsed = crate::reader::parser().parse(bytes, extension, &limits).map_err(|e| vec![Problem { place: String::new(), message: e.message }])?;
    let rubric = crate::authoring::read(&parsed.sheets)?;
    component(&rubric, &crate::runtime::hex(&Sha256::digest(bytes)))
}

/// Validate `rubric` and build its component, recording `source_sha256`.
pub fn component(rubric: &Rubric, source_sha256: &str) -> Result<Vec<u8>, Vec<Problem>> {
    kaohe_engine::codec::component(crate::EVALUATOR_COMPONENT, rubric, source_sha256, env!("CARGO_PKG_VERSION"))
        .map_err(|errs| errs.into_iter().map(|message| Problem { place: String::new(), message }).collect())
}

/// The source note of a component built by [`component`], if it is one (the
/// last section of the file).
pub fn source_note(component: &[u8]) -> Option<String> {
    let marker = SOURCE_SECTION.as_bytes();
    let at = component.windows(marker.len()).rposition(|w| w == marker)?;
    std::str::from_utf8(&component[at + marker.len()..]).ok().map(str::to_string)
}
