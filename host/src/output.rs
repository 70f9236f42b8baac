//! Writing outputs safely: atomically, never over an input, reproducibly.
//!
//! ```no_run
//! kaohe::output::write_atomic(std::path::Path::new("summary.xlsx"), b"bytes")?;
//! # anyhow::Ok(())
//! ```

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use rust_xlsxwriter::{DocProperties, ExcelDateTime};

/// Write `bytes` to `path` through a temporary file in the same folder and a
/// rename, so an interrupted run leaves the old file or the new one, never half.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_via_temp(path, bytes, false)
}

/// Like [`write_atomic`], but never over an existing file: fails if `path` exists
/// (also when it appears while writing).
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    write_via_temp(path, bytes, true)
}

fn write_via_temp(path: &Path, bytes: &[u8], no_clobber: bool) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".kaohe-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    tmp.write_all(bytes)?;
    // A temporary file is private (0600); give the output the usual permissions.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map(|m| m.permissions().mode()).unwrap_or(0o644);
        tmp.as_file().set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    tmp.as_file().sync_all()?;
    if no_clobber {
        tmp.persist_noclobber(path).with_context(|| format!("cannot write {} (it may exist already)", path.display()))?;
    } else {
        tmp.persist(path).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// What kind of workbook kaohe wrote, recorded in its document category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A scorecard for inspectors (it may come back holding their scores).
    Template,
    /// A summary report, which kaohe may replace.
    Summary,
}

impl Kind {
    fn tag(self) -> &'static str {
        match self {
            Kind::Template => "kaohe-template",
            Kind::Summary => "kaohe-summary",
        }
    }
}

/// Document properties with a fixed creation date, so the same inputs give
/// byte-identical workbooks, and the kind of workbook in its category.
pub fn properties(title: &str, kind: Kind) -> DocProperties {
    let fixed = ExcelDateTime::from_ymd(2000, 1, 1).expect("valid date");
    DocProperties::new().set_title(title).set_author("kaohe").set_category(kind.tag()).set_creation_datetime(&fixed)
}

/// Whether `path` is a summary kaohe wrote (its document category says so).
/// Any other existing file is not overwritten without `--force`.
pub fn is_kaohe_summary(path: &Path) -> bool {
    let Ok(file) = std::fs::File::open(path) else { return false };
    let Ok(mut zip) = zip::ZipArchive::new(file) else { return false };
    let Ok(mut core) = zip.by_name("docProps/core.xml") else { return false };
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut std::io::Read::take(&mut core, 64 << 10), &mut xml).is_ok()
        && xml.contains(&format!("<cp:category>{}</cp:category>", Kind::Summary.tag()))
}
