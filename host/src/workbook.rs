//! Reading a filled scorecard from a workbook (xlsx, xlsm, xlsb, xls, ods).
//!
//! Knows the seed's layout but no rubric: it finds the header row by its 序号
//! and 得分 cells on any sheet, keys rows by 序号, and reads the unit's names
//! from labelled cells. Mapping rows to a rubric's items is [`crate::score`]'s job.
//!
//! ```no_run
//! let card = kaohe::workbook::read(std::path::Path::new("samples/潞州区.xlsx"))?;
//! println!("{} rows on sheet {}", card.rows.len(), card.sheet);
//! # anyhow::Ok(())
//! ```

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader, Sheets};

/// The hidden sheet in which templates record their rubric.
pub const META_SHEET: &str = "kaohe";

/// A cell value as the inspector left it.
#[derive(Debug, Clone, PartialEq)]
pub enum Raw {
    Empty,
    Number(f64),
    Text(String),
    /// Booleans, dates, error values: never a score.
    Other(String),
}

/// One numbered row of the scorecard.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreRow {
    /// 0-based row and column of the 得分 cell.
    pub row: u32,
    pub col: u32,
    pub value: Raw,
}

impl ScoreRow {
    /// The 得分 cell's A1 reference.
    pub fn cell(&self) -> String {
        cell_ref(self.row, self.col)
    }
}

/// What was read from one workbook.
#[derive(Debug, Clone, Default)]
pub struct Scorecard {
    /// The sheet the scorecard was found on.
    pub sheet: String,
    /// Rows keyed by 序号 ("4", "65.1").
    pub rows: BTreeMap<String, ScoreRow>,
    /// 序号 that appeared more than once, with the A1 reference of the repeat.
    pub duplicates: Vec<(String, String)>,
    /// The unit's name, from a 被考核单位 / 单位名称 / … label.
    pub center: Option<String>,
    /// The county, from a 县(区) / 县(市、区) label.
    pub county: Option<String>,
    /// (rubric id, version) recorded by a kaohe template.
    pub rubric_mark: Option<(String, String)>,
}

/// Why a workbook could not be read; the message tells the clerk what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadError {
    pub code: &'static str,
    pub message: String,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for ReadError {}

fn fail(code: &'static str, message: impl Into<String>) -> ReadError {
    ReadError { code, message: message.into() }
}

/// Read the file and find its scorecard.
pub fn read(path: &Path) -> Result<Scorecard, ReadError> {
    let bytes = std::fs::read(path).map_err(|e| fail("unreadable", format!("无法读取文件：{e}")))?;
    read_bytes(&bytes, path)
}

/// Find the scorecard in a workbook already in memory; `path` gives its name and extension.
pub fn read_bytes(bytes: &[u8], path: &Path) -> Result<Scorecard, ReadError> {
    let mut book = open(bytes, path)?;
    let names: Vec<(String, bool)> = book
        .sheets_metadata()
        .iter()
        .map(|s| (s.name.clone(), s.visible == calamine::SheetVisible::Visible))
        .collect();
    let mut ranges = Vec::new();
    for (name, visible) in &names {
        match book.worksheet_range(name) {
            Ok(r) => ranges.push((name.clone(), *visible, r)),
            Err(e) => return Err(fail("unreadable", format!("工作表“{name}”无法读取（{e}），请用 Excel 或 WPS 打开后另存为 .xlsx 再试"))),
        }
    }
    let mut card = Scorecard::default();
    if let Some((_, _, meta)) = ranges.iter().find(|(n, _, _)| n == META_SHEET) {
        card.rubric_mark = read_mark(meta);
    }
    // Visible sheets first, then hidden ones; the first with numbered rows wins.
    let mut order: Vec<usize> = (0..ranges.len()).filter(|&i| ranges[i].0 != META_SHEET).collect();
    order.sort_by_key(|&i| !ranges[i].1);
    let found = order.iter().find_map(|&i| scan_rows(&ranges[i].2).map(|rows| (i, rows)));
    let Some((i, (rows, duplicates))) = found else {
        return Err(fail(
            "no-scorecard",
            "没有找到评分表：任何工作表中都没有同时含“序号”和“得分”的表头行。请确认表头文字，或用 kaohe template 生成的模板填写",
        ));
    };
    card.sheet = ranges[i].0.clone();
    card.rows = rows;
    card.duplicates = duplicates;
    // Labels: the scorecard's sheet first, then the others.
    for &j in std::iter::once(&i).chain(order.iter().filter(|&&j| j != i)) {
        let (center, county) = find_labels(&ranges[j].2);
        card.center = card.center.or(center);
        card.county = card.county.or(county);
    }
    Ok(card)
}

fn open(bytes: &[u8], path: &Path) -> Result<Sheets<Cursor<Vec<u8>>>, ReadError> {
    const ZIP: &[u8] = b"PK\x03\x04";
    const CFB: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if bytes.is_empty() {
        return Err(fail("empty-file", "文件是空的（0 字节），请重新保存或向填报人索取原文件"));
    }
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let cursor = || Cursor::new(bytes.to_vec());
    let err = |e: String| {
        fail("unreadable", format!("文件已损坏或不是有效的 {} 工作簿（{e}），请用 Excel 或 WPS 打开后重新保存", ext))
    };
    if bytes.starts_with(CFB) {
        if contains_utf16(bytes, "EncryptedPackage") {
            return Err(fail("encrypted", "工作簿设置了打开密码，无法读取。请在 Excel 或 WPS 中取消密码后另存再试"));
        }
        return calamine::open_workbook_from_rs(cursor()).map(Sheets::Xls).map_err(|e| err(e.to_string()));
    }
    if !bytes.starts_with(ZIP) {
        return Err(fail("not-a-workbook", "这不是 Excel/WPS/ODS 工作簿文件，请确认文件类型"));
    }
    match ext.as_str() {
        "xlsb" => calamine::open_workbook_from_rs(cursor()).map(Sheets::Xlsb).map_err(|e| err(e.to_string())),
        "ods" => calamine::open_workbook_from_rs(cursor()).map(Sheets::Ods).map_err(|e| err(e.to_string())),
        _ => calamine::open_workbook_from_rs(cursor())
            .map(Sheets::Xlsx)
            .or_else(|e| calamine::open_workbook_from_rs(cursor()).map(Sheets::Ods).map_err(|_| e))
            .map_err(|e| err(e.to_string())),
    }
}

fn contains_utf16(haystack: &[u8], needle: &str) -> bool {
    let n: Vec<u8> = needle.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    haystack.windows(n.len()).any(|w| w == n.as_slice())
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

fn raw(d: &Data) -> Raw {
    match d {
        Data::Empty => Raw::Empty,
        Data::Int(i) => Raw::Number(*i as f64),
        Data::Float(f) => Raw::Number(*f),
        Data::String(s) if s.trim().is_empty() => Raw::Empty,
        Data::String(s) => Raw::Text(s.clone()),
        Data::Bool(b) => Raw::Other(if *b { "TRUE".into() } else { "FALSE".into() }),
        Data::DateTime(d) => Raw::Other(format!("日期 {}", d.as_f64())),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Raw::Other(s.clone()),
        Data::Error(e) => Raw::Other(format!("错误值 {e}")),
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

/// Parse a number typed as text: " 3 ", "２", "1.5分", "-2". `None` if it is not one.
pub fn parse_text_number(s: &str) -> Option<f64> {
    let s = ascii_digits(&squash(s));
    let s = s.strip_suffix('分').unwrap_or(&s);
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'+') {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

type Rows = (BTreeMap<String, ScoreRow>, Vec<(String, String)>);

/// Find header rows (序号 + 得分) and read each numbered row under them.
fn scan_rows(range: &calamine::Range<Data>) -> Option<Rows> {
    let (r0, c0) = range.start()?;
    let mut rows = BTreeMap::new();
    let mut dups = Vec::new();
    let mut cols: Option<(usize, usize)> = None;
    for (ri, row) in range.rows().enumerate() {
        if let Some(h) = header(row) {
            cols = Some(h);
            continue;
        }
        let Some((id_col, score_col)) = cols else { continue };
        let Some(id) = row.get(id_col).and_then(item_id) else { continue };
        let value = row.get(score_col).map(raw).unwrap_or(Raw::Empty);
        let sr = ScoreRow { row: r0 + ri as u32, col: c0 + score_col as u32, value };
        if rows.contains_key(&id) {
            dups.push((id, sr.cell()));
        } else {
            rows.insert(id, sr);
        }
    }
    (!rows.is_empty()).then_some((rows, dups))
}

/// The (序号, 得分) columns if this row is a header row.
fn header(row: &[Data]) -> Option<(usize, usize)> {
    let mut id = None;
    let mut score = None;
    for (i, d) in row.iter().enumerate() {
        let Some(t) = text(d) else { continue };
        let t = squash(&t);
        if t == "序号" && id.is_none() {
            id = Some(i);
        } else if (t == "得分" || t == "实际得分" || t == "考核得分") && score.is_none() {
            score = Some(i);
        }
    }
    Some((id?, score?))
}

const CENTER_LABELS: &[&str] = &["被考核单位", "单位名称", "服务中心名称", "服务(中心)站名称", "服务中心(站)名称"];
const COUNTY_LABELS: &[&str] = &["县(市、区)", "县(区)", "县(市,区)", "县市区"];

/// Read labelled values: `被考核单位：X` in one cell, or the label in one cell and X in the next non-empty cell to its right.
fn find_labels(range: &calamine::Range<Data>) -> (Option<String>, Option<String>) {
    let mut center = None;
    let mut county = None;
    for row in range.rows() {
        for (i, d) in row.iter().enumerate() {
            let Some(t) = text(d) else { continue };
            let t = squash(&t);
            for (labels, slot) in [(CENTER_LABELS, &mut center), (COUNTY_LABELS, &mut county)] {
                if slot.is_some() {
                    continue;
                }
                let Some(rest) = labels.iter().find_map(|l| t.strip_prefix(l)) else { continue };
                let value = if let Some(v) = rest.strip_prefix(':') {
                    if v.is_empty() { next_text(row, i) } else { Some(v.to_string()) }
                } else if rest.is_empty() {
                    next_text(row, i)
                } else {
                    None // e.g. the title 县(区)退役军人服务中心考核评分表
                };
                *slot = value.filter(|v| !v.is_empty()).map(|v| crate::clip(&v, 60));
            }
        }
    }
    (center, county)
}

/// The next non-empty cell to the right, unless it is another label (has a colon).
fn next_text(row: &[Data], i: usize) -> Option<String> {
    let next = row[i + 1..].iter().find_map(|d| match d {
        Data::Empty => None,
        Data::String(s) if s.trim().is_empty() => None,
        d => Some(squash(&d.to_string())),
    })?;
    (!next.contains(':')).then_some(next)
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
        assert_eq!(parse_text_number(" 3 "), Some(3.0));
        assert_eq!(parse_text_number("２"), Some(2.0));
        assert_eq!(parse_text_number("1.5分"), Some(1.5));
        assert_eq!(parse_text_number("－２"), Some(-2.0));
        assert_eq!(parse_text_number("好"), None);
        assert_eq!(parse_text_number("1/2"), None);
        assert_eq!(parse_text_number("分"), None);
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
