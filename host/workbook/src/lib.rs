//! Reading filled scorecards from a workbook (xlsx, xlsm, xlsb, xls, ods).
//!
//! Knows the seed's layout but no rubric: on every sheet it looks for header
//! rows by the roles of their cells ([`words`]: 序号, 得分 and the other words
//! real sheets use), keys rows by 序号, keeps the rows where the inspector typed
//! totals, and reads the unit's names from labelled cells. Each sheet holding a
//! scorecard is one unit. Mapping rows to a rubric's items is the host's job
//! (`kaohe::score`). This crate has no WebAssembly runtime in it, so it can be
//! fuzzed on its own (`fuzz/`).
//!
//! ```no_run
//! let book = kaohe_workbook::read(std::path::Path::new("samples/潞州区.xlsx"))?;
//! for card in &book.cards {
//!     println!("{}: {} rows on sheet {}", card.center, card.rows.len(), card.sheet);
//! }
//! # Ok::<(), kaohe_workbook::ReadError>(())
//! ```

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader, Sheets};

pub use codes::Code;

pub mod codes;
mod fast_xlsx;
mod ods_extent;
pub mod parse;
pub mod roster;
mod scorecard;
pub mod words;
mod xls_extent;

pub use scorecard::{TotalKind, TypedTotal};

/// At most `n` characters of `s` (an ellipsis marks a cut), for names and
/// messages that come from untrusted workbooks or components.
///
/// ```
/// assert_eq!(kaohe_workbook::clip("潞州区退役军人服务中心", 3), "潞州区…");
/// ```
pub fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { s.chars().take(n).collect::<String>() + "…" }
}

/// The hidden sheet in which templates record their rubric.
pub const META_SHEET: &str = "kaohe";

/// A cell value as the inspector left it.
#[derive(Debug, Clone, PartialEq)]
pub enum Entered {
    Empty,
    Number(f64),
    Text(String),
    /// Booleans, dates, error values: never a score.
    Other(String),
    /// A formula saved without its result (the file was never recalculated).
    UncachedFormula,
}

/// One numbered row of the scorecard.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreRow {
    /// 0-based row and column of the 得分 cell.
    pub row: u32,
    pub col: u32,
    pub value: Entered,
}

impl ScoreRow {
    /// The 得分 cell's A1 reference.
    pub fn cell(&self) -> String {
        cell_ref(self.row, self.col)
    }
}

/// Every scorecard of one workbook: each sheet that holds one is a unit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Workbook {
    /// The scorecards, in the workbook's sheet order.
    pub cards: Vec<Scorecard>,
    /// (code, message) about the whole file that did not stop reading
    /// (a wrong extension, a hidden blank copy skipped).
    pub warnings: Vec<(Code, String)>,
}

/// One sheet's scorecard: one unit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scorecard {
    /// The sheet it was found on.
    pub sheet: String,
    /// Whether that sheet is hidden.
    pub hidden: bool,
    /// Rows keyed by 序号 ("4", "65.1").
    pub rows: BTreeMap<String, ScoreRow>,
    /// The 序号 in the order the sheet lists them (first occurrence).
    pub order: Vec<String>,
    /// 序号 that appeared more than once, with the A1 reference of the repeat.
    pub duplicates: Vec<(String, String)>,
    /// The unit's name: from a 被考核单位 / 单位名称 / … label on the sheet, else
    /// the sheet's name if it names a unit, else the file's name (with a warning).
    pub center: String,
    /// The county: from a 县(区) / 县(市、区) label, else the start of the unit's
    /// or the sheet's name; empty when none says it.
    pub county: String,
    /// (rubric id, version) recorded by a kaohe template.
    pub rubric_mark: Option<(String, String)>,
    /// Totals and subtotals the inspector typed, to be checked against the rubric's.
    pub totals: Vec<TypedTotal>,
    /// (code, message) about this sheet worth a look that did not stop reading.
    pub warnings: Vec<(Code, String)>,
}

impl Scorecard {
    /// Whether no 得分 cell is filled in: a blank copy of the form. Zeros do not
    /// count as filled in (a template's formula cells hold 0 until scores are entered).
    pub fn is_blank(&self) -> bool {
        blank(&self.rows)
    }
}

fn blank(rows: &BTreeMap<String, ScoreRow>) -> bool {
    rows.values().all(|r| matches!(r.value, Entered::Empty) || r.value == Entered::Number(0.0))
}

/// Why a workbook could not be read; the message (in Chinese) tells the clerk
/// what to do, and `detail` keeps what the parser or the system said, if anything.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadError {
    pub code: Code,
    pub message: String,
    /// The parser's or the operating system's own words (often English), for a technician.
    pub detail: Option<String>,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for ReadError {}

fn fail(code: Code, message: impl Into<String>) -> ReadError {
    ReadError { code, message: message.into(), detail: None }
}

/// [`fail`] keeping the underlying error's own text as the detail.
fn fail_with(code: Code, message: impl Into<String>, detail: impl std::fmt::Display) -> ReadError {
    ReadError { code, message: message.into(), detail: Some(clip(&detail.to_string(), 300)) }
}

const ENCRYPTED: &str = "工作簿设置了打开密码，无法读取。请在 Excel 或 WPS 中取消密码后另存再试";

fn encrypted() -> ReadError {
    fail(Code::Encrypted, ENCRYPTED)
}

/// Limits checked before and while parsing, so a hostile file is refused quickly.
#[derive(Debug, Clone, Copy)]
pub struct ReadLimits {
    /// Largest file read at all.
    pub max_file_bytes: u64,
    /// Most entries in an xlsx/ods zip container.
    pub max_zip_entries: usize,
    /// Most bytes the zip entries may declare uncompressed, all together.
    pub max_unzipped_bytes: u64,
    /// Largest compression ratio tolerated for an entry over 16 MiB uncompressed.
    pub max_ratio: u64,
    /// Most non-empty cells read from one sheet.
    pub max_cells: usize,
    /// Largest rows × columns a sheet's used area may span.
    pub max_area: u64,
}

impl Default for ReadLimits {
    fn default() -> Self {
        ReadLimits { max_file_bytes: 50 << 20, max_zip_entries: 5_000, max_unzipped_bytes: 256 << 20, max_ratio: 200, max_cells: 500_000, max_area: 5_000_000 }
    }
}

/// Read the file and find its scorecards.
pub fn read(path: &Path) -> Result<Workbook, ReadError> {
    let bytes = read_file(path, &ReadLimits::default())?;
    read_bytes(&bytes, path)
}

/// Read a file's bytes, refusing one larger than the limit without reading it.
pub fn read_file(path: &Path, limits: &ReadLimits) -> Result<Vec<u8>, ReadError> {
    use std::io::Read;
    let unreadable = |e: std::io::Error| fail_with(Code::Unreadable, "无法读取文件（不存在、没有权限或正被占用）", e);
    let too_large = |len: u64| {
        fail(
            Code::TooLarge,
            format!("文件有 {} MB，超过上限 {} MB。评分表通常不足 1 MB：请删除其中的图片或无关工作表后另存再试", len >> 20, limits.max_file_bytes >> 20),
        )
    };
    let folder = || fail(Code::Unreadable, "这是一个文件夹，不是工作簿");
    // The size of the file opened, not of the name looked up: one `stat`, and a file
    // that grows while it is read is still cut off at the limit.
    let file = std::fs::File::open(path).map_err(|e| if path.is_dir() { folder() } else { unreadable(e) })?;
    let meta = file.metadata().map_err(unreadable)?;
    if meta.is_dir() {
        return Err(folder());
    }
    let len = meta.len();
    if len > limits.max_file_bytes {
        return Err(too_large(len));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(limits.max_file_bytes.saturating_add(1)).read_to_end(&mut bytes).map_err(unreadable)?;
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// One sheet's cells, and the cells holding a formula without a saved result.
pub(crate) struct SheetData {
    name: String,
    visible: bool,
    range: calamine::Range<Data>,
    uncached: std::collections::HashSet<(u32, u32)>,
}

/// Find the scorecards in a workbook already in memory; `path` gives its name and extension.
pub fn read_bytes(bytes: &[u8], path: &Path) -> Result<Workbook, ReadError> {
    read_bytes_with(bytes, path, &ReadLimits::default())
}

/// [`read_bytes`] with explicit limits, every format parsed in this process.
pub fn read_bytes_with(bytes: &[u8], path: &Path, limits: &ReadLimits) -> Result<Workbook, ReadError> {
    read_bytes_inner(bytes, path, limits, Source::Native { fast: true })
}

/// [`read_bytes_with`], with every workbook the fast xlsx path does not read
/// handed to `parser` (the `kaohe` host passes its sandboxed reader component).
pub fn read_bytes_via(bytes: &[u8], path: &Path, limits: &ReadLimits, parser: &dyn parse::Parser) -> Result<Workbook, ReadError> {
    read_bytes_inner(bytes, path, limits, Source::Via(parser))
}

/// Every worksheet, read as `source` says.
pub(crate) fn sheets_from(
    bytes: &[u8],
    path: &Path,
    limits: &ReadLimits,
    warnings: &mut Vec<(Code, String)>,
    source: Source<'_>,
) -> Result<Vec<SheetData>, ReadError> {
    match source {
        Source::Native { fast } => read_sheets(bytes, path, limits, warnings, fast),
        Source::Via(parser) => match fast_path(bytes, path, limits, warnings) {
            Some(sheets) => sheets,
            None => {
                let parsed = parser.parse(bytes, &extension(path), limits)?;
                warnings.extend(parsed.warnings.iter().cloned());
                parse::into_sheets(parsed, limits)
            }
        },
    }
}

/// Who reads the sheets.
pub(crate) enum Source<'a> {
    /// This process: the fast xlsx path where it applies (`fast`), else calamine.
    Native { fast: bool },
    /// The fast xlsx path here, everything else by this parser.
    Via(&'a dyn parse::Parser),
}

/// [`read_bytes_with`] without the fast xlsx path: everything through calamine.
/// The reference the fast path is tested against; not for general use.
#[doc(hidden)]
pub fn read_bytes_reference(bytes: &[u8], path: &Path, limits: &ReadLimits) -> Result<Workbook, ReadError> {
    read_bytes_inner(bytes, path, limits, Source::Native { fast: false })
}

/// Every sheet as read: name, visible, non-empty cells (position, value) and
/// the cells with an uncached formula; through the fast path where it applies
/// (`fast`) or calamine only. For comparing the two readers.
#[doc(hidden)]
#[allow(clippy::type_complexity)]
pub fn sheet_cells(
    bytes: &[u8],
    path: &Path,
    limits: &ReadLimits,
    fast: bool,
) -> Result<Vec<(String, bool, Vec<((u32, u32), Data)>, Vec<(u32, u32)>)>, ReadError> {
    let sheets = read_sheets(bytes, path, limits, &mut Vec::new(), fast)?;
    Ok(sheets
        .into_iter()
        .map(|s| {
            let cells = s.range.used_cells().map(|(r, c, d)| ((r as u32, c as u32), d.clone())).collect();
            let mut uncached: Vec<_> = s.uncached.into_iter().collect();
            uncached.sort();
            (s.name, s.visible, cells, uncached)
        })
        .collect())
}

/// Whether the fast xlsx path reads this workbook (rather than handing it to calamine).
#[doc(hidden)]
pub fn fast_path_reads(bytes: &[u8], limits: &ReadLimits) -> bool {
    check_zip(bytes, limits).is_ok_and(|mut zip| fast_xlsx::read(bytes, &mut zip, limits).is_some())
}

fn read_bytes_inner(bytes: &[u8], path: &Path, limits: &ReadLimits, source: Source<'_>) -> Result<Workbook, ReadError> {
    let mut book = Workbook::default();
    let sheets = sheets_from(bytes, path, limits, &mut book.warnings, source)?;
    let mark = sheets.iter().find(|s| s.name == META_SHEET).and_then(|m| read_mark(&m.range));
    let mut near = scorecard::NearMiss::default();
    // (sheet, scorecard, the rows it spans): one per unit, in sheet order.
    let found: Vec<(usize, scorecard::Found, std::ops::Range<usize>)> = (0..sheets.len())
        .filter(|&i| sheets[i].name != META_SHEET)
        .flat_map(|i| scorecard::scan_sheet(&sheets[i].range, &sheets[i].uncached, &mut near).into_iter().map(move |(f, rows)| (i, f, rows)))
        .collect();
    if found.is_empty() {
        let why = if near.deducted_only {
            "没有找到评分表：表头有“序号”和“扣分”列，但没有“得分”列。kaohe 按得分评分，请增加“得分”列（填写实得分数），或用 kaohe template 生成的模板填写"
        } else {
            "没有找到评分表：任何工作表中都没有同时含“序号”和“得分”（或“实得分”“评分”“考核得分”等）的表头行。请确认表头文字，或用 kaohe template 生成的模板填写"
        };
        return Err(fail(Code::NoScorecard, why));
    }
    // A hidden blank copy (a leftover of the form) is skipped when the workbook has another scorecard.
    let blank_hidden = |(i, f, _): &(usize, scorecard::Found, std::ops::Range<usize>)| !sheets[*i].visible && blank(&f.rows);
    let skip: Vec<usize> = if found.iter().any(|f| !blank_hidden(f)) { found.iter().filter(|f| blank_hidden(f)).map(|f| f.0).collect() } else { vec![] };
    for &i in &skip {
        book.warnings.push((Code::HiddenBlankSheet, format!("隐藏的工作表“{}”是一份空白评分表，已跳过", clip(&sheets[i].name, 31))));
    }
    let found: Vec<_> = found.into_iter().filter(|(i, _, _)| !skip.contains(i)).collect();
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("").to_string();
    let several = found.len() > 1;
    let card_sheets: Vec<usize> = found.iter().map(|f| f.0).collect();
    let per_sheet = |i: usize| card_sheets.iter().filter(|&&j| j == i).count();
    for (i, f, rows) in found {
        let sheet = &sheets[i];
        let mut card = Scorecard {
            sheet: sheet.name.clone(),
            hidden: !sheet.visible,
            rows: f.rows,
            order: f.order,
            duplicates: f.duplicates,
            rubric_mark: mark.clone(),
            totals: f.totals,
            warnings: f.warnings,
            ..Default::default()
        };
        // Labels on the rows of this scorecard; the whole sheet when it holds only this one.
        let rows = if per_sheet(i) == 1 { 0..sheet.range.height() } else { rows };
        let others: Vec<&SheetData> = match several {
            true => Vec::new(),
            false => (0..sheets.len()).filter(|j| sheets[*j].name != META_SHEET && !card_sheets.contains(j)).map(|j| &sheets[j]).collect(),
        };
        let fallback = if several { format!("{stem}·{}", squash(&sheet.name)) } else { stem.clone() };
        (card.center, card.county) = unit_names(sheet, rows, others, &fallback, &mut card.warnings);
        if card.hidden {
            card.warnings.push((Code::HiddenSheet, format!("工作表“{}”是隐藏的，其中的评分表也已评分；如不需要，请删除该工作表", clip(&card.sheet, 31))));
        }
        book.cards.push(card);
    }
    Ok(book)
}

/// A scorecard's (unit, county): from labels on its `rows` of `sheet`, else (the
/// workbook's only scorecard) on the `others` sheets, looked at in name order so
/// the order of the sheets never changes the answer; else the sheet's name when
/// it names a unit, else `fallback` (from the file's name), with a warning.
fn unit_names(
    sheet: &SheetData,
    rows: std::ops::Range<usize>,
    mut others: Vec<&SheetData>,
    fallback: &str,
    warnings: &mut Vec<(Code, String)>,
) -> (String, String) {
    let (mut center, mut county) = scorecard::labels(&sheet.range, rows);
    others.sort_by(|a, b| a.name.cmp(&b.name));
    for other in others {
        if center.is_some() && county.is_some() {
            break;
        }
        let (c, k) = scorecard::labels(&other.range, 0..other.range.height());
        center = center.or(c);
        county = county.or(k);
    }
    let center = match center {
        Some(c) => c,
        None if scorecard::names_a_unit(&sheet.name) => {
            let name = squash(&sheet.name);
            warnings.push((Code::NameFromSheet, format!("表中没有“被考核单位”等单位名称，已按工作表名称“{name}”作为单位名称")));
            name
        }
        None => {
            warnings.push((
                Code::NameFromFile,
                format!("表中没有“被考核单位”等单位名称，工作表名称也不是单位名称，已按“{fallback}”作为单位名称；请在表头写明“被考核单位：……”"),
            ));
            fallback.to_string()
        }
    };
    let county = county.or_else(|| county_from_name(&center)).or_else(|| county_from_name(&squash(&sheet.name))).unwrap_or_default();
    (center, county)
}

fn load_sheets(book: &mut Sheets<Cursor<&[u8]>>, limits: &ReadLimits) -> Result<Vec<SheetData>, ReadError> {
    let meta: Vec<(String, bool)> = book
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == calamine::SheetType::WorkSheet)
        .map(|s| (s.name.clone(), s.visible == calamine::SheetVisible::Visible))
        .collect();
    let unreadable =
        |name: &str, e: String| fail_with(Code::Unreadable, format!("工作表“{}”无法读取，请用 Excel 或 WPS 打开后另存为 .xlsx 再试", clip(name, 31)), e);
    let mut out = Vec::new();
    for (name, visible) in meta {
        let mut uncached = std::collections::HashSet::new();
        let range = match &mut *book {
            // Stream xlsx cells: a cap on cells, formulas without results seen, and no dense
            // allocation before the used area is known.
            Sheets::Xlsx(x) => {
                let mut reader = x.worksheet_cells_reader(&name).map_err(|e| unreadable(&name, e.to_string()))?;
                let mut cells = Vec::new();
                while let Some(c) = reader.next_cell_with_formula_metadata().map_err(|e| unreadable(&name, e.to_string()))? {
                    if c.value == calamine::DataRef::Empty {
                        if c.formula.is_some() {
                            uncached.insert(c.pos);
                        }
                        continue;
                    }
                    if cells.len() >= limits.max_cells {
                        return Err(too_big(&name, limits));
                    }
                    cells.push(calamine::Cell::new(c.pos, Data::from(c.value)));
                }
                check_area(cells.iter().map(|c| c.get_position()), &name, limits)?;
                calamine::Range::from_sparse(cells)
            }
            // xlsb streams too: the cap holds before a dense range for the declared
            // dimensions is allocated (a 9 KB xlsb once claimed 555 MB that way).
            Sheets::Xlsb(x) => {
                let mut reader = x.worksheet_cells_reader(&name).map_err(|e| unreadable(&name, e.to_string()))?;
                let mut cells = Vec::new();
                while let Some(c) = reader.next_cell().map_err(|e| unreadable(&name, e.to_string()))? {
                    if c.get_value() == &calamine::DataRef::Empty {
                        continue;
                    }
                    if cells.len() >= limits.max_cells {
                        return Err(too_big(&name, limits));
                    }
                    let pos = c.get_position();
                    cells.push(calamine::Cell::new(pos, Data::from(c.get_value().clone())));
                }
                check_area(cells.iter().map(|c| c.get_position()), &name, limits)?;
                calamine::Range::from_sparse(cells)
            }
            other => {
                let r = other.worksheet_range(&name).map_err(|e| unreadable(&name, e.to_string()))?;
                check_area(r.used_cells().map(|(r0, c0, _)| (r0 as u32, c0 as u32)), &name, limits)?;
                r
            }
        };
        out.push(SheetData { name, visible, range, uncached });
    }
    Ok(out)
}

pub(crate) fn too_big(name: &str, limits: &ReadLimits) -> ReadError {
    fail(Code::TooLarge, format!("工作表“{name}”的单元格超过 {} 个或范围过大，不像一张评分表；请只保留评分表后另存再试", limits.max_cells))
}

pub(crate) fn check_area(cells: impl Iterator<Item = (u32, u32)>, name: &str, limits: &ReadLimits) -> Result<(), ReadError> {
    let (mut rows, mut cols, mut n) = (0u64, 0u64, 0usize);
    for (r, c) in cells {
        rows = rows.max(r as u64 + 1);
        cols = cols.max(c as u64 + 1);
        n += 1;
    }
    if n > limits.max_cells || rows.saturating_mul(cols) > limits.max_area {
        return Err(too_big(name, limits));
    }
    Ok(())
}

/// Check a zip container's directory (no inflating): entry count, declared sizes, ratios.
fn check_zip<'a>(bytes: &'a [u8], limits: &ReadLimits) -> Result<zip::ZipArchive<Cursor<&'a [u8]>>, ReadError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| fail_with(Code::Unreadable, "文件已损坏（压缩包不完整），可能没有保存完或传输中断；请向填报人索取完整的文件", e))?;
    if zip.len() > limits.max_zip_entries {
        return Err(fail(Code::ZipBomb, format!("工作簿内含 {} 个部件，超过上限 {}，已拒绝读取", zip.len(), limits.max_zip_entries)));
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|e| fail_with(Code::Unreadable, "文件已损坏，请向填报人索取完整的文件", e))?;
        let (size, packed) = (entry.size(), entry.compressed_size().max(1));
        total = total.saturating_add(size);
        if size > 16 << 20 && size / packed > limits.max_ratio {
            return Err(fail(
                Code::ZipBomb,
                format!(
                    "工作簿中的“{}”压缩比异常（{}:1），疑似压缩炸弹，已拒绝读取",
                    clip(&entry.name().map(|n| n.to_string()).unwrap_or_default(), 60),
                    size / packed
                ),
            ));
        }
    }
    if total > limits.max_unzipped_bytes {
        return Err(fail(Code::ZipBomb, format!("工作簿解压后有 {} MB，超过上限 {} MB，已拒绝读取", total >> 20, limits.max_unzipped_bytes >> 20)));
    }
    Ok(zip)
}

/// Every worksheet of a workbook: by the fast xlsx path where it applies (and `fast`),
/// else by calamine, after sniffing the real format from the bytes.
pub(crate) fn read_sheets(bytes: &[u8], path: &Path, limits: &ReadLimits, warnings: &mut Vec<(Code, String)>, fast: bool) -> Result<Vec<SheetData>, ReadError> {
    const CFB: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if bytes.is_empty() {
        return Err(fail(Code::EmptyFile, "文件是空的（0 字节），请重新保存或向填报人索取原文件"));
    }
    let ext = extension(path);
    let cursor = || Cursor::new(bytes);
    let err = |e: String| fail_with(Code::Unreadable, format!("文件已损坏或不是有效的 {ext} 工作簿，请用 Excel 或 WPS 打开后重新保存"), e);
    if bytes.starts_with(CFB) {
        if contains_utf16(bytes, "EncryptedPackage") {
            return Err(encrypted());
        }
        if ext != "xls" {
            warnings.push(mismatch(&ext, ".xls"));
        }
        xls_extent::check(bytes, limits)?;
        let book = calamine::open_workbook_from_rs(cursor()).map_err(|e| match e {
            calamine::XlsError::Password => encrypted(),
            e => err(e.to_string()),
        });
        return load_sheets(&mut Sheets::Xls(book?), limits);
    }
    if is_old_biff(bytes) {
        return Err(fail(Code::OldFormat, "这是 Excel 2.x–4.0 格式的旧文件，无法读取。请在 Excel 或 WPS 中打开，另存为 .xlsx 后再试"));
    }
    if !bytes.starts_with(ZIP) {
        return Err(fail(Code::NotAWorkbook, "这不是 Excel/WPS/ODS 工作簿文件，请确认文件类型"));
    }
    let mut zip = check_zip(bytes, limits)?;
    let (is_ods, is_xlsb) = zip_kind(&mut zip);
    warnings.extend(container_mismatch(&ext, is_ods, is_xlsb));
    if is_ods {
        if let Ok(content) = zip.by_name("content.xml") {
            ods_extent::check(content, limits)?;
        }
        let repacked = match zip.index_for_name("mimetype") {
            Some(_) => None,
            None => Some(with_mimetype(&mut zip)?),
        };
        let book = calamine::open_workbook_from_rs(Cursor::new(repacked.as_deref().unwrap_or(bytes))).map_err(|e| match e {
            calamine::OdsError::Password => encrypted(),
            e => err(e.to_string()),
        });
        return load_sheets(&mut Sheets::Ods(book?), limits);
    }
    if is_xlsb {
        let book = calamine::open_workbook_from_rs(cursor()).map_err(|e| match e {
            calamine::XlsbError::Password => encrypted(),
            e => err(e.to_string()),
        });
        return load_sheets(&mut Sheets::Xlsb(book?), limits);
    }
    if fast && let Some(sheets) = fast_xlsx::read(bytes, &mut zip, limits) {
        return sheets;
    }
    check_shared_string_count(&mut zip, limits)?;
    load_sheets(&mut calamine::open_workbook_from_rs(cursor()).map(Sheets::Xlsx).map_err(|e| err(e.to_string()))?, limits)
}

/// The fast xlsx path alone, for a host that has everything else parsed
/// elsewhere: `None` unless the file is a zip container holding an xlsx the
/// fast path reads (a zip the checks refuse is that error, as natively).
fn fast_path(bytes: &[u8], path: &Path, limits: &ReadLimits, warnings: &mut Vec<(Code, String)>) -> Option<Result<Vec<SheetData>, ReadError>> {
    if !bytes.starts_with(ZIP) {
        return None;
    }
    let mut zip = match check_zip(bytes, limits) {
        Ok(zip) => zip,
        Err(e) => return Some(Err(e)),
    };
    let (is_ods, is_xlsb) = zip_kind(&mut zip);
    if is_ods || is_xlsb {
        return None;
    }
    let sheets = fast_xlsx::read(bytes, &mut zip, limits)?;
    warnings.extend(container_mismatch(&extension(path), false, false));
    Some(sheets)
}

const ZIP: &[u8] = b"PK\x03\x04";

/// A file's extension, lowercase.
fn extension(path: &Path) -> String {
    path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase()
}

/// (ODS, xlsb): the container by its content, not by the order of its entries:
/// an ODS names its type in a "mimetype" entry (wherever it is), an xlsb has a binary workbook.
/// An OpenDocument package without a `mimetype` entry (some writers leave it
/// out) is still one: its content.xml and no OOXML content types say so.
fn zip_kind(zip: &mut zip::ZipArchive<Cursor<&[u8]>>) -> (bool, bool) {
    let unnamed_ods =
        || zip.index_for_name("mimetype").is_none() && zip.index_for_name("content.xml").is_some() && zip.index_for_name("[Content_Types].xml").is_none();
    let is_ods = unnamed_ods() || zip_entry_starts_with(zip, "mimetype", ODS_MIME);
    (is_ods, !is_ods && zip.index_for_name("xl/workbook.bin").is_some())
}

/// The package with a `mimetype` entry added first, for a reader that insists on one.
fn with_mimetype(zip: &mut zip::ZipArchive<Cursor<&[u8]>>) -> Result<Vec<u8>, ReadError> {
    let broken = |e: zip::result::ZipError| fail_with(Code::Unreadable, "文件已损坏，请用 Excel、WPS 或 LibreOffice 打开后另存为 .xlsx 再试", e);
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    out.start_file("mimetype", stored).map_err(broken)?;
    std::io::Write::write_all(&mut out, ODS_MIME).map_err(|e| broken(e.into()))?;
    for i in 0..zip.len() {
        out.raw_copy_file(zip.by_index_raw(i).map_err(broken)?).map_err(broken)?;
    }
    Ok(out.finish().map_err(broken)?.into_inner())
}

fn mismatch(ext: &str, actual: &str) -> (Code, String) {
    (Code::FileTypeMismatch, format!("文件扩展名是 .{ext}，内容却是 {actual} 格式；已按实际格式读取，建议另存为正确的格式"))
}

/// The warning for a zip container whose extension says another format.
fn container_mismatch(ext: &str, is_ods: bool, is_xlsb: bool) -> Option<(Code, String)> {
    let actual = if is_ods {
        ".ods"
    } else if is_xlsb {
        ".xlsb"
    } else {
        ".xlsx"
    };
    let fine = match ext {
        "xls" => false,
        "ods" => is_ods,
        "xlsb" => is_xlsb,
        "xlsx" | "xlsm" => !is_ods && !is_xlsb,
        _ => true,
    };
    (!fine).then(|| mismatch(ext, actual))
}

/// Whether the zip entry `name` exists and its content starts with `prefix` (read with a cap).
fn zip_entry_starts_with(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str, prefix: &[u8]) -> bool {
    let Ok(entry) = zip.by_name(name) else { return false };
    let mut head = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(entry, prefix.len() as u64), &mut head).is_ok() && head == prefix
}

/// Excel 2.x–4.0 files (BIFF2–4) are a bare stream of records, not a compound
/// file, starting with their BOF record: 0x0009, 0x0209 or 0x0409.
fn is_old_biff(bytes: &[u8]) -> bool {
    matches!(bytes, [0x09, 0x00 | 0x02 | 0x04, len, 0x00, ..] if (4..=16).contains(len))
}

/// calamine reserves room for as many shared strings as the table's
/// `uniqueCount` says before reading any: a crafted count (10^14) makes that
/// allocation fail, which aborts the process — no `catch_unwind` stops it (the
/// `xlsx_xml` fuzz target found this). A count far above the strings really in
/// the table is refused before calamine sees the file. Honest writers put the
/// exact count; the slack allows for sloppy ones.
fn check_shared_string_count(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, limits: &ReadLimits) -> Result<(), ReadError> {
    let is_table = |zip: &mut zip::ZipArchive<Cursor<&[u8]>>, i| {
        zip.by_index_raw(i).ok().and_then(|f| f.name().ok().map(|n| n.to_ascii_lowercase().ends_with("sharedstrings.xml"))).unwrap_or(false)
    };
    for i in 0..zip.len() {
        if !is_table(zip, i) {
            continue;
        }
        let mut xml = Vec::new();
        if let Ok(f) = zip.by_index(i) {
            // A damaged entry is calamine's to report; what could be read is enough to count.
            let _ = std::io::Read::read_to_end(&mut std::io::Read::take(f, limits.max_unzipped_bytes), &mut xml);
        }
        let Some(claimed) = declared_count(&xml, b"uniqueCount") else { continue };
        let real = shared_string_elements(&xml);
        if !plausible_string_count(claimed, real) {
            return Err(fail(
                Code::Unreadable,
                format!("工作簿的共享字符串表声称有 {claimed} 个字符串，实际只有 {real} 个，文件已损坏或被改动过；请用 Excel 或 WPS 打开后另存再试"),
            ));
        }
    }
    Ok(())
}

/// Whether a shared string table that says it has `claimed` strings and has
/// `real` is one calamine may be given (the fast path steps aside otherwise).
pub(crate) fn plausible_string_count(claimed: u128, real: usize) -> bool {
    claimed <= 2 * real as u128 + 1024
}

/// The largest number in any `key="…"` of an XML text (saturating): a comment
/// or another element with a small count must not hide a large one.
fn declared_count(xml: &[u8], key: &[u8]) -> Option<u128> {
    memchr::memmem::find_iter(xml, key)
        .filter_map(|at| {
            let rest = xml[at + key.len()..].trim_ascii_start().strip_prefix(b"=")?.trim_ascii_start();
            count_value(rest.strip_prefix(b"\"").or_else(|| rest.strip_prefix(b"'"))?)
        })
        .max()
}

/// A count as an attribute value starts (optional `+`, digits), saturating.
pub(crate) fn count_value(rest: &[u8]) -> Option<u128> {
    let rest = rest.strip_prefix(b"+").unwrap_or(rest);
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    (digits > 0).then(|| rest[..digits].iter().fold(0u128, |n, d| n.saturating_mul(10).saturating_add(u128::from(d - b'0'))))
}

/// How many `<si>` elements (any prefix) an XML text has.
fn shared_string_elements(xml: &[u8]) -> usize {
    memchr::memmem::find_iter(xml, b"si")
        .filter(|&i| i > 0 && matches!(xml[i - 1], b'<' | b':') && xml.get(i + 2).is_some_and(|b| matches!(b, b'>' | b'/') || b.is_ascii_whitespace()))
        .count()
}

const ODS_MIME: &[u8] = b"application/vnd.oasis.opendocument.spreadsheet";

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

fn contains_utf16(haystack: &[u8], needle: &str) -> bool {
    let n: Vec<u8> = needle.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    contains(haystack, &n)
}

/// Text of a cell with every kind of white space removed and full-width
/// brackets and colons folded to ASCII.
pub fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '：' => ':',
            c => c,
        })
        .collect()
}

fn text(d: &Data) -> Option<String> {
    match d {
        Data::String(s) => Some(s.clone()),
        _ => None,
    }
}

pub(crate) fn raw(d: &Data) -> Entered {
    match d {
        Data::Empty => Entered::Empty,
        Data::Int(i) => Entered::Number(*i as f64),
        Data::Float(f) => Entered::Number(*f),
        Data::String(s) if s.trim().is_empty() => Entered::Empty,
        Data::String(s) => Entered::Text(s.clone()),
        Data::Bool(b) => Entered::Other(if *b { "TRUE".into() } else { "FALSE".into() }),
        Data::DateTime(d) => Entered::Other(format!("日期 {}", d.as_f64())),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Entered::Other(s.clone()),
        Data::Error(e) => Entered::Other(format!("错误值 {e}")),
    }
}

/// The 序号 a cell holds, if any: "4", "65.1". Full-width digits are accepted.
pub fn item_id(d: &Data) -> Option<String> {
    match d {
        Data::Int(i) if *i > 0 => Some(i.to_string()),
        Data::Float(f) if *f > 0.0 && f.is_finite() => Some(if f.fract() == 0.0 { format!("{}", *f as i64) } else { format!("{f}") }),
        Data::String(s) => {
            let s = ascii_digits(&squash(s));
            let s = s.trim_end_matches(['.', '、']);
            let ok = !s.is_empty()
                && s.split('.').count() <= 2
                && s.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                && !s.starts_with('0');
            ok.then(|| s.to_string())
        }
        _ => None,
    }
}

/// Fold full-width digits, signs and the decimal point to ASCII.
pub fn ascii_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' | '。' => '.',
            '－' | '—' | '–' | '−' => '-',
            '＋' => '+',
            c => c,
        })
        .collect()
}

/// Whether the words typed with a number add or take off points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// 加, 加分, +.
    Add,
    /// 扣, 减, 扣除, -.
    Deduct,
}

/// A number typed as text, with what was written around it.
#[derive(Debug, Clone, PartialEq)]
pub struct TextNumber {
    /// The number without its sign or word: 扣3分 → 3.
    pub value: f64,
    /// A word or sign before it.
    pub mark: Option<Mark>,
    /// That word or sign as written (ASCII-folded), for messages.
    pub word: String,
    /// Whether 分 follows it.
    pub points: bool,
    /// A count unit after it (人次, 次, …; see [`words::COUNT_UNITS`]).
    pub unit: Option<&'static str>,
}

impl TextNumber {
    /// The number with its sign: 扣3分 → −3, 加2分 → 2.
    pub fn signed(&self) -> f64 {
        if self.mark == Some(Mark::Deduct) { -self.value } else { self.value }
    }
}

/// Parse a number typed as text: " 3 ", "２", "1.5分", "-2", "加2分", "扣3分",
/// "2人次". `None` if it is not one (良好, 是, √, 1/2).
///
/// ```
/// use kaohe_workbook::{Mark, parse_text_number};
/// let t = parse_text_number("扣 ３ 分").unwrap();
/// assert_eq!((t.value, t.mark, t.points), (3.0, Some(Mark::Deduct), true));
/// assert_eq!(parse_text_number("加2分").unwrap().signed(), 2.0);
/// assert_eq!(parse_text_number("良好"), None);
/// ```
pub fn parse_text_number(s: &str) -> Option<TextNumber> {
    let s = ascii_digits(&squash(s));
    let (mark, word, rest) = match words::ADD_WORDS
        .iter()
        .map(|w| (Mark::Add, w))
        .chain(words::DEDUCT_WORDS.iter().map(|w| (Mark::Deduct, w)))
        .find_map(|(m, w)| s.strip_prefix(w).map(|r| (m, w, r)))
    {
        Some((m, w, r)) => (Some(m), w.to_string(), r),
        None => (None, String::new(), s.as_str()),
    };
    let (rest, points) = match rest.strip_suffix('分') {
        Some(r) => (r, true),
        None => (rest, false),
    };
    let (rest, unit) = match words::COUNT_UNITS.iter().find_map(|u| rest.strip_suffix(u).map(|r| (r, *u))) {
        Some((r, u)) if !points => (r, Some(u)),
        _ => (rest, None),
    };
    if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit() || b == b'.') || !rest.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let value = rest.parse::<f64>().ok().filter(|v| v.is_finite())?;
    Some(TextNumber { value, mark, word, points, unit })
}

fn read_mark(range: &calamine::Range<Data>) -> Option<(String, String)> {
    let mut id = None;
    let mut version = None;
    for row in range.rows() {
        match (row.first().and_then(text).as_deref(), row.get(1).and_then(text)) {
            (Some("rubric-id"), Some(v)) => id = Some(v),
            (Some("rubric-version"), Some(v)) => version = Some(v),
            _ => {}
        }
    }
    Some((id?, version.unwrap_or_default()))
}

/// The county a unit's name begins with: 长治市潞州区退役军人服务中心 → 潞州区;
/// 襄垣县… → 襄垣县. Empty when the name does not start with one.
pub fn county_from_name(name: &str) -> Option<String> {
    let chars: Vec<char> = name.chars().collect();
    let end = chars.iter().take(12).position(|&c| c == '县' || c == '区');
    let end = end.or_else(|| chars.iter().take(8).position(|&c| c == '市'))?;
    let start = chars[..end].iter().position(|&c| c == '市').map(|p| p + 1).unwrap_or(0);
    (end > start).then(|| chars[start..=end].iter().collect())
}

/// The A1 reference of a 0-based cell.
pub fn cell_ref(row: u32, col: u32) -> String {
    let mut letters = String::new();
    let mut c = col + 1;
    while c > 0 {
        let r = (c - 1) % 26;
        letters.insert(0, (b'A' + r as u8) as char);
        c = (c - 1) / 26;
    }
    format!("{letters}{}", row + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_refs() {
        assert_eq!(cell_ref(0, 0), "A1");
        assert_eq!(cell_ref(11, 4), "E12");
        assert_eq!(cell_ref(0, 26), "AA1");
    }

    #[test]
    fn text_numbers() {
        let v = |s: &str| parse_text_number(s).map(|t| t.signed());
        assert_eq!(v(" 3 "), Some(3.0));
        assert_eq!(v("２"), Some(2.0));
        assert_eq!(v("1.5分"), Some(1.5));
        assert_eq!(v("－２"), Some(-2.0));
        assert_eq!(v("+2"), Some(2.0));
        assert_eq!(v("加2分"), Some(2.0));
        assert_eq!(v("扣3分"), Some(-3.0));
        assert_eq!(v("减 3 分"), Some(-3.0));
        assert_eq!(v("扣除0.5分"), Some(-0.5));
        assert_eq!(v("2人次"), Some(2.0));
        assert_eq!(parse_text_number("2人次").unwrap().unit, Some("人次"));
        assert_eq!(parse_text_number("2分").unwrap().unit, None);
        for bad in ["好", "良好", "是", "√", "1/2", "分", "扣", "加分", "3-2", "--3", "扣-3", ".", "2次分"] {
            assert_eq!(parse_text_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn item_ids() {
        assert_eq!(item_id(&Data::Float(4.0)), Some("4".into()));
        assert_eq!(item_id(&Data::Float(65.1)), Some("65.1".into()));
        assert_eq!(item_id(&Data::String("６５.３".into())), Some("65.3".into()));
        assert_eq!(item_id(&Data::String("1、".into())), Some("1".into()));
        assert_eq!(item_id(&Data::String("总分".into())), None);
        assert_eq!(item_id(&Data::Float(0.0)), None);
    }

    #[test]
    fn counties() {
        assert_eq!(county_from_name("长治市潞州区退役军人服务中心").as_deref(), Some("潞州区"));
        assert_eq!(county_from_name("襄垣县退役军人服务中心").as_deref(), Some("襄垣县"));
        assert_eq!(county_from_name("潞城市退役军人服务中心").as_deref(), Some("潞城市"));
        assert_eq!(county_from_name("退役军人服务中心"), None);
    }
}
