//! Writing outputs safely: atomically, never over an input or a clerk's edits,
//! reproducibly.
//!
//! ```no_run
//! kaohe::output::write_atomic(std::path::Path::new("summary.xlsx"), b"bytes")?;
//! # anyhow::Ok(())
//! ```

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use rust_xlsxwriter::{DocProperties, ExcelDateTime};

use crate::render::rows::Deferred;

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
    write_with(path, no_clobber, |file| Ok(file.write_all(bytes)?))
}

/// Write `path` through a temporary file in the same folder that `fill`
/// writes, then a rename (see [`write_atomic`]).
fn write_with(path: &Path, no_clobber: bool, fill: impl FnOnce(&mut std::fs::File) -> Result<()>) -> Result<()> {
    let dir = folder_of(path);
    let mut tmp = tempfile::Builder::new()
        .prefix(".kaohe-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    fill(tmp.as_file_mut())?;
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
    // The rename is durable only once the folder's entry is on disk too.
    #[cfg(unix)]
    std::fs::File::open(dir).and_then(|d| d.sync_all()).with_context(|| format!("cannot sync the folder {}", dir.display()))?;
    Ok(())
}

fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
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

/// The custom document property in which a summary records the SHA-256 of its
/// own content: of every part of the package but `docProps/`, each by its name,
/// size and CRC-32 as the zip's directory gives them (so checking it inflates
/// nothing). Any edit saved by Excel, WPS or LibreOffice rewrites the parts and
/// changes it; it guards a clerk's edits from being overwritten, not against forgery.
const DIGEST_PROPERTY: &str = "kaohe-content-sha256";

/// What the digest reads before [`seal`] fills it in: 64 characters, as the digest.
const UNSEALED: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Document properties with a fixed creation date, so the same inputs give
/// byte-identical workbooks, and the kind of workbook in its category; a
/// summary also gets the (unsealed) digest property that [`seal`] fills in.
pub fn properties(title: &str, kind: Kind) -> DocProperties {
    let fixed = ExcelDateTime::from_ymd(2000, 1, 1).expect("valid date");
    let p = DocProperties::new().set_title(title).set_author("kaohe").set_category(kind.tag()).set_creation_datetime(&fixed);
    match kind {
        Kind::Summary => p.set_custom_property(DIGEST_PROPERTY, UNSEALED),
        Kind::Template => p,
    }
}

/// Save a summary workbook (made with [`properties`] of [`Kind::Summary`]),
/// with the rows `deferred` to it (see [`crate::render::rows`]), and [`seal`] it.
pub(crate) fn save_summary(book: &mut rust_xlsxwriter::Workbook, deferred: Vec<Deferred<'_>>) -> Result<Vec<u8>> {
    let mut out = std::io::Cursor::new(Vec::new());
    seal_into(zip::ZipArchive::new(std::io::Cursor::new(book.save_to_buffer()?))?, deferred, &mut out)?;
    Ok(out.into_inner())
}

/// [`save_summary`] straight to `path`, atomically (see [`write_atomic`]).
/// rust_xlsxwriter's own parts are small once the big sheets' rows are deferred:
/// they are saved in memory; each deferred sheet is compressed into a temporary
/// file, so a summary of any size is never held in memory.
pub(crate) fn write_summary(book: &mut rust_xlsxwriter::Workbook, deferred: Vec<Deferred<'_>>, path: &Path) -> Result<()> {
    let saved = book.save_to_buffer()?;
    write_with(path, false, |out| {
        let mut out = std::io::BufWriter::new(out);
        seal_into(zip::ZipArchive::new(std::io::Cursor::new(saved))?, deferred, &mut out)?;
        Ok(out.flush()?)
    })
}

/// Record in a summary's custom properties the digest of its own content, so
/// that kaohe later knows whether the file is still what it wrote (see
/// [`summary_owner`]). Every other part is copied unchanged.
pub fn seal(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = std::io::Cursor::new(Vec::new());
    seal_into(zip::ZipArchive::new(std::io::Cursor::new(bytes))?, Vec::new(), &mut out)?;
    Ok(out.into_inner())
}

/// Most bytes a part of rust_xlsxwriter's own package may inflate to when it is read back to splice rows into.
const PART_LIMIT: u64 = 64 << 20;

fn seal_into<R: std::io::Read + std::io::Seek, W: Write + std::io::Seek>(mut zip: zip::ZipArchive<R>, deferred: Vec<Deferred<'_>>, sink: W) -> Result<()> {
    // Each deferred sheet: rust_xlsxwriter's part with the rows spliced in, compressed on its own thread.
    let mut jobs = Vec::new();
    for d in deferred {
        let name = d.part();
        let mut entry = zip.by_name(&name).with_context(|| format!("the workbook has no part {name}"))?;
        let modified = entry.last_modified().unwrap_or_default();
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut std::io::Read::take(&mut entry, PART_LIMIT), &mut xml)?;
        drop(entry);
        jobs.push((d, name, modified, xml));
    }
    // Each in a one-part zip in a temporary file (memory stays flat however large the sheet), copied in raw below.
    let written: Vec<zip::ZipArchive<std::fs::File>> = std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .into_iter()
            .map(|(d, name, modified, xml)| {
                scope.spawn(move || -> Result<zip::ZipArchive<std::fs::File>> {
                    let options = zip::write::SimpleFileOptions::default()
                        .compression_method(zip::CompressionMethod::Deflated)
                        .compression_level(Some(1))
                        .last_modified_time(modified);
                    let file = tempfile::tempfile().context("cannot create a temporary file for a sheet")?;
                    let mut part = zip::ZipWriter::new(std::io::BufWriter::with_capacity(1 << 16, file));
                    part.start_file(&name, options)?;
                    d.splice(&xml, &mut part).with_context(|| format!("writing the rows of {name}"))?;
                    let file = part.finish()?.into_inner().map_err(|e| e.into_error())?;
                    Ok(zip::ZipArchive::new(file)?)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().map_err(|_| anyhow::anyhow!("writing a sheet's rows failed"))?).collect::<Result<Vec<_>>>()
    })?;
    let mut replaced = std::collections::BTreeMap::new();
    let mut replaced_parts = Vec::new();
    for mut part in written {
        let entry = part.by_index_raw(0)?;
        let name = entry.name()?.to_string();
        replaced.insert(name.clone(), (entry.size(), entry.crc32()));
        drop(entry);
        replaced_parts.push((name, part));
    }
    let digest = content_digest_with(&mut zip, &replaced)?;
    let mut out = zip::ZipWriter::new(sink);
    for i in 0..zip.len() {
        let name = zip.by_index_raw(i)?.name()?.to_string();
        if let Some((_, part)) = replaced_parts.iter_mut().find(|(n, _)| *n == name) {
            out.raw_copy_file(part.by_index_raw(0)?)?;
            continue;
        }
        if name != "docProps/custom.xml" {
            out.raw_copy_file(zip.by_index_raw(i)?)?;
            continue;
        }
        let mut entry = zip.by_index(i)?;
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut std::io::Read::take(&mut entry, 1 << 20), &mut xml)?;
        anyhow::ensure!(xml.contains(UNSEALED), "the summary has no digest property to seal");
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(entry.last_modified().unwrap_or_default());
        drop(entry);
        out.start_file(name, options)?;
        out.write_all(xml.replacen(UNSEALED, &digest, 1).as_bytes())?;
    }
    out.finish()?;
    Ok(())
}

/// SHA-256 over every part but `docProps/`: each one's name, size and CRC-32, in name order.
fn content_digest<R: std::io::Read + std::io::Seek>(zip: &mut zip::ZipArchive<R>) -> Result<String> {
    digest_parts(zip, |hash, entry| {
        sha2::Digest::update(hash, entry.crc32().to_le_bytes());
        Ok(())
    })
}

/// [`content_digest`] of the package `zip` becomes once the parts in `replaced` take the place of its own.
fn content_digest_with<R: std::io::Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    replaced: &std::collections::BTreeMap<String, (u64, u32)>,
) -> Result<String> {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for name in content_parts(zip) {
        let (size, crc) = match replaced.get(&name) {
            Some(&(size, crc)) => (size, crc),
            None => {
                let entry = zip.by_name(&name)?;
                (entry.size(), entry.crc32())
            }
        };
        hash.update(name.as_bytes());
        hash.update([0]);
        hash.update(size.to_le_bytes());
        hash.update(crc.to_le_bytes());
    }
    Ok(crate::runtime::hex(&hash.finalize()))
}

/// The digest earlier builds of kaohe recorded: over every part's uncompressed
/// bytes (read in pieces, with a cap per part), so that an old summary is still
/// recognised as kaohe's own.
fn bytes_digest<R: std::io::Read + std::io::Seek>(zip: &mut zip::ZipArchive<R>) -> Result<String> {
    digest_parts(zip, |hash, entry| {
        let size = entry.size();
        // A summary is kaohe's own output, but the file on disk may be anything: read with a cap.
        let read = std::io::copy(&mut std::io::Read::take(entry, 256 << 20), hash)?;
        anyhow::ensure!(read == size, "a part is not the size it declares");
        Ok(())
    })
}

/// SHA-256 over every part but `docProps/`, in name order: each one's name, a
/// zero, its size, then what `each` adds.
fn digest_parts<R: std::io::Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    mut each: impl FnMut(&mut sha2::Sha256, zip::read::ZipFile<'_, R>) -> Result<()>,
) -> Result<String> {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for name in content_parts(zip) {
        let entry = zip.by_name(&name)?;
        hash.update(name.as_bytes());
        hash.update([0]);
        hash.update(entry.size().to_le_bytes());
        each(&mut hash, entry)?;
    }
    Ok(crate::runtime::hex(&hash.finalize()))
}

/// Every part of the package but `docProps/`, in name order.
fn content_parts<R: std::io::Read + std::io::Seek>(zip: &zip::ZipArchive<R>) -> Vec<String> {
    let mut names: Vec<String> = zip.file_names().filter_map(|n| n.ok().map(|n| n.to_string())).filter(|n| !n.starts_with("docProps/")).collect();
    names.sort();
    names
}

/// Whose an existing output file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// A summary kaohe wrote, unchanged since: it may be replaced.
    Kaohe,
    /// A summary kaohe wrote that has been edited (or re-saved) since: kept unless `--force`.
    EditedSince,
    /// Anything else: kept unless `--force`.
    Other,
}

/// Whether `path` is a summary kaohe wrote and nobody changed since: its
/// document category says kaohe wrote it, and the digest it records matches
/// its content. A remark added in Excel, WPS or LibreOffice (or merely saving
/// it there) changes the content, and the file is the clerk's from then on.
pub fn summary_owner(path: &Path) -> Owner {
    let Ok(file) = std::fs::File::open(path) else { return Owner::Other };
    let Ok(mut zip) = zip::ZipArchive::new(file) else { return Owner::Other };
    let part = |zip: &mut zip::ZipArchive<std::fs::File>, name: &str| -> Option<String> {
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut std::io::Read::take(zip.by_name(name).ok()?, 64 << 10), &mut xml).ok()?;
        Some(xml)
    };
    let ours = part(&mut zip, "docProps/core.xml").is_some_and(|xml| xml.contains(&format!("<cp:category>{}</cp:category>", Kind::Summary.tag())));
    if !ours {
        return Owner::Other;
    }
    let recorded = part(&mut zip, "docProps/custom.xml").and_then(|xml| {
        let at = xml.find(&format!("name=\"{DIGEST_PROPERTY}\""))?;
        let value = xml[at..].split("<vt:lpwstr>").nth(1)?.split("</vt:lpwstr>").next()?;
        Some(value.to_string())
    });
    match (recorded, content_digest(&mut zip)) {
        (Some(r), Ok(d)) if r == d => Owner::Kaohe,
        (Some(r), _) if bytes_digest(&mut zip).is_ok_and(|d| d == r) => Owner::Kaohe,
        _ => Owner::EditedSince,
    }
}

/// An output or input the run refuses (the invocation's fault: exit status 2),
/// saying what to do instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// Refuse an output that is one of the inputs, is not an .xlsx, or exists and
/// is not a kaohe output unchanged since kaohe wrote it (unless `force`).
pub fn check_output(out: &Path, inputs: &[std::path::PathBuf], force: bool) -> std::result::Result<(), Refused> {
    let refuse = |msg: String| Err(Refused(msg));
    if out.extension().is_none_or(|e| !e.eq_ignore_ascii_case("xlsx")) {
        return refuse(format!("{}: the summary is an .xlsx workbook; name it SUMMARY.xlsx", out.display()));
    }
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => std::path::absolute(a).ok() == std::path::absolute(b).ok(),
    };
    if inputs.iter().any(|i| same(out, i)) {
        return refuse(format!("{} is one of the inputs; write the summary somewhere else", out.display()));
    }
    if out.exists() && !force {
        match summary_owner(out) {
            Owner::Kaohe => {}
            Owner::EditedSince => {
                return refuse(format!(
                    "{} is a summary kaohe wrote, but it has been edited or saved again since (a clerk's remarks?); it is kept: choose another name or pass --force to replace it",
                    out.display()
                ));
            }
            Owner::Other => {
                return refuse(format!("{} exists and is not a summary kaohe wrote; choose another name or pass --force to overwrite it", out.display()));
            }
        }
    }
    Ok(())
}

/// Check the output (see [`check_output`]) and expand the inputs into
/// workbook files, never reading the output or the roster as a scorecard.
pub fn inputs_for(
    inputs: &[std::path::PathBuf],
    output: Option<&Path>,
    roster: Option<&crate::units::Roster>,
    force: bool,
) -> std::result::Result<Vec<std::path::PathBuf>, Refused> {
    if let Some(out) = output {
        check_output(out, inputs, force)?;
        if let Some(r) = roster
            && std::path::absolute(out).ok() == std::path::absolute(&r.path).ok()
        {
            return Err(Refused(format!("{} is the roster; write the summary somewhere else", out.display())));
        }
    }
    let mut exclude: Vec<std::path::PathBuf> = output.iter().map(|p| p.to_path_buf()).collect();
    exclude.extend(roster.map(|r| std::path::PathBuf::from(&r.path)));
    let files = crate::score::collect_inputs(inputs, &exclude).map_err(|e| Refused(format!("{e:#}")))?;
    if files.is_empty() {
        return Err(Refused("no workbooks (.xlsx .xlsm .xls .xlsb .ods) found in the inputs".into()));
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary() -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        book.set_properties(&properties("统计表", Kind::Summary));
        book.add_worksheet().write(0, 0, "统计表").unwrap();
        save_summary(&mut book, Vec::new()).unwrap()
    }

    /// The same package with its recorded digest replaced by `digest`.
    fn recording(bytes: &[u8], digest: &str) -> Vec<u8> {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).unwrap();
            let name = entry.name().unwrap().to_string();
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
            if name == "docProps/custom.xml" {
                let xml = String::from_utf8(data).unwrap();
                let at = xml.find("<vt:lpwstr>").unwrap() + "<vt:lpwstr>".len();
                data = format!("{}{digest}{}", &xml[..at], &xml[at + 64..]).into_bytes();
            }
            out.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
            out.write_all(&data).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    fn owner(bytes: &[u8]) -> Owner {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.xlsx");
        std::fs::write(&path, bytes).unwrap();
        summary_owner(&path)
    }

    #[test]
    fn a_summary_is_its_own_until_edited_and_older_seals_still_count() {
        let bytes = summary();
        assert_eq!(owner(&bytes), Owner::Kaohe);
        // Rewritten with the same content (as `recording` does), the directory digest still holds.
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes[..])).unwrap();
        let (index, content) = (content_digest(&mut zip).unwrap(), bytes_digest(&mut zip).unwrap());
        assert_ne!(index, content);
        assert_eq!(owner(&recording(&bytes, &index)), Owner::Kaohe);
        // A summary sealed by an earlier kaohe (digest of the parts' bytes) is still kaohe's.
        assert_eq!(owner(&recording(&bytes, &content)), Owner::Kaohe);
        // Any other digest: edited since.
        assert_eq!(owner(&recording(&bytes, &"1".repeat(64))), Owner::EditedSince);
    }

    #[test]
    fn a_summary_written_to_disk_is_the_one_built_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.xlsx");
        let mut book = rust_xlsxwriter::Workbook::new();
        book.set_properties(&properties("统计表", Kind::Summary));
        book.add_worksheet().write(0, 0, "统计表").unwrap();
        write_summary(&mut book, Vec::new(), &path).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), summary());
        assert_eq!(summary_owner(&path), Owner::Kaohe);
        // Nothing but the output is left in the folder.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
