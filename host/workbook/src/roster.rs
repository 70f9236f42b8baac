//! The roster of units expected to hand in a scorecard: a workbook (xlsx, xls,
//! ods, …) or a CSV file with a header row holding a 县(市、区) column and a
//! 单位名称 (or 服务(中心)站名称) column, one unit per row below it, on any sheet.
//!
//! CSV may be UTF-8 (with or without a byte-order mark) or GBK/GB18030, as
//! Excel and WPS save it on a Chinese Windows.
//!
//! ```
//! let csv = "县(市、区),单位名称\n潞州区,潞州区退役军人服务中心\n";
//! let units = kaohe_workbook::roster::read_bytes(csv.as_bytes(), std::path::Path::new("名册.csv")).unwrap();
//! assert_eq!((units[0].county.as_str(), units[0].name.as_str()), ("潞州区", "潞州区退役军人服务中心"));
//! assert_eq!(units[0].cell, "B2");
//! ```

use std::path::Path;

use calamine::{Data, Range};

use crate::parse::{InProcess, Parser};
use crate::{Code, ReadError, ReadLimits, Source, cell_ref, clip, fail, read_file, sheets_from, squash, words};

/// One unit the roster expects.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    /// 县(市、区); empty when the roster has no county column or leaves it blank.
    pub county: String,
    /// The unit's name as the roster writes it (spaces removed).
    pub name: String,
    /// Where it is written: sheet (the file name for CSV) and the name's A1 cell.
    pub sheet: String,
    pub cell: String,
}

/// Header words of the name column, most specific first.
const NAME_HEADERS: &[&str] = &["服务(中心)站名称", "服务中心(站)名称", "服务中心名称", "服务站名称", "单位名称", "被考核单位", "考核对象", "单位"];

/// Read a roster file, a workbook's formats parsed by `parser` where the fast
/// xlsx path does not read it (the host passes its sandboxed reader).
pub fn read(path: &Path, parser: &dyn Parser) -> Result<Vec<Expected>, ReadError> {
    let bytes = read_file(path, &ReadLimits::default())?;
    read_bytes_via(&bytes, path, parser)
}

/// Read a roster already in memory, every format parsed in this process; `path` gives its name and extension.
pub fn read_bytes(bytes: &[u8], path: &Path) -> Result<Vec<Expected>, ReadError> {
    read_bytes_via(bytes, path, &InProcess)
}

/// [`read_bytes`] with what the fast xlsx path does not read parsed by `parser`.
pub fn read_bytes_via(bytes: &[u8], path: &Path, parser: &dyn Parser) -> Result<Vec<Expected>, ReadError> {
    let is_csv = path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("csv") || e.eq_ignore_ascii_case("txt"));
    let tables: Vec<(String, Range<Data>)> = if is_csv {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
        vec![(name.clone(), csv_range(&decode(bytes), &name, &ReadLimits::default())?)]
    } else {
        sheets_from(bytes, path, &ReadLimits::default(), &mut Vec::new(), Source::Via(parser))?.into_iter().map(|s| (s.name, s.range)).collect()
    };
    let mut out = Vec::new();
    let mut any_header = false;
    for (sheet, range) in &tables {
        any_header |= entries(sheet, range, &mut out);
    }
    if !any_header {
        return Err(fail(Code::BadRoster, "名册中没有找到表头行：需要一行同时含“县(市、区)”和“单位名称”（或“服务(中心)站名称”）两列"));
    }
    if out.is_empty() {
        return Err(fail(Code::BadRoster, "名册的表头下没有任何单位"));
    }
    Ok(out)
}

/// The units listed under each header row of one sheet; whether it had a header row.
fn entries(sheet: &str, range: &Range<Data>, out: &mut Vec<Expected>) -> bool {
    let Some((r0, c0)) = range.start() else { return false };
    let mut cols: Option<(Option<usize>, usize)> = None;
    let mut found = false;
    for (ri, row) in range.rows().enumerate() {
        let text = |c: usize| match row.get(c) {
            Some(Data::String(s)) => squash(s),
            Some(Data::Empty) | None => String::new(),
            Some(d) => squash(&d.to_string()),
        };
        let is = |labels: &[&'static str], c: usize| words::label(labels, &text(c)).is_some_and(|(_, rest)| rest.is_empty());
        let name_col = (0..row.len()).find(|&c| is(NAME_HEADERS, c));
        if let Some(n) = name_col {
            let county_col = (0..row.len()).find(|&c| is(words::COUNTY_LABELS, c));
            if county_col.is_some() || cols.is_none() {
                cols = Some((county_col, n));
                found = true;
                continue;
            }
        }
        let Some((county_col, name_col)) = cols else { continue };
        let name = text(name_col);
        if name.is_empty() || words::TOTAL_WORDS.iter().chain(words::SUBTOTAL_WORDS).any(|w| name == *w) {
            continue;
        }
        out.push(Expected {
            county: county_col.map(text).unwrap_or_default(),
            name: clip(&name, 60),
            sheet: sheet.to_string(),
            cell: cell_ref(r0 + ri as u32, c0 + name_col as u32),
        });
    }
    found
}

/// CSV text in UTF-8 (a byte-order mark dropped), else GB18030 (a superset of GBK).
fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

/// CSV (or tab-separated) text as a range of text cells: quoted fields, `""`
/// inside quotes, CRLF or LF line ends; at most `max_cells` non-empty cells.
fn csv_range(text: &str, name: &str, limits: &ReadLimits) -> Result<Range<Data>, ReadError> {
    let max_cells = limits.max_cells;
    let first = text.lines().next().unwrap_or("");
    let sep = if first.contains('\t') && !first.contains(',') { '\t' } else { ',' };
    let mut cells = Vec::new();
    let (mut row, mut col) = (0u32, 0u32);
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let push = |cells: &mut Vec<calamine::Cell<Data>>, row: u32, col: u32, field: &mut String| {
        if !field.trim().is_empty() {
            cells.push(calamine::Cell::new((row, col), Data::String(std::mem::take(field))));
        }
        field.clear();
    };
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            '"' => quoted = !quoted,
            c if c == sep && !quoted => {
                push(&mut cells, row, col, &mut field);
                col = col.saturating_add(1);
            }
            '\r' if !quoted => {}
            '\n' if !quoted => {
                push(&mut cells, row, col, &mut field);
                row = row.saturating_add(1);
                col = 0;
            }
            c => field.push(c),
        }
        if cells.len() > max_cells {
            return Err(fail(Code::TooLarge, format!("名册有超过 {max_cells} 个单元格，不像一份单位名册；请只保留名册后另存再试")));
        }
    }
    push(&mut cells, row, col, &mut field);
    // The dense range spans rows × columns: refuse a huge span before it is allocated.
    crate::check_area(cells.iter().map(|c| c.get_position()), name, limits)?;
    Ok(Range::from_sparse(cells))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(text: &str) -> Result<Vec<Expected>, ReadError> {
        read_bytes(text.as_bytes(), Path::new("r.csv"))
    }

    #[test]
    fn csv_rosters() {
        let r = csv(
            "长治市名册\r\n县(市、区),服务(中心)站名称,备注\r\n潞州区,\"潞州区退役军人 服务中心\",\r\n,,\r\n沁县,\"沁县（示例）\"\"中心\"\"\",x\r\n合计,,\r\n",
        )
        .unwrap();
        let names: Vec<(&str, &str, &str)> = r.iter().map(|e| (e.county.as_str(), e.name.as_str(), e.cell.as_str())).collect();
        assert_eq!(names, [("潞州区", "潞州区退役军人服务中心", "B3"), ("沁县", "沁县(示例)\"中心\"", "B5")]);
        assert_eq!(csv("a,b\n1,2\n").unwrap_err().code, "bad-roster");
        assert_eq!(csv("县(区),单位名称\n").unwrap_err().code, "bad-roster");
        let tabs = csv("县（市、区）\t单位名称\n襄垣县\t襄垣县退役军人服务中心\n").unwrap();
        assert_eq!(tabs[0].county, "襄垣县");
    }

    #[test]
    fn a_huge_csv_is_refused_not_read() {
        let text = "县(市、区),单位名称\n".to_string() + &"a,".repeat(600_000);
        assert_eq!(csv(&text).unwrap_err().code, "too-large");
        // Two cells far apart would make a dense range of 10^10 cells.
        let far = format!("县(市、区),单位名称\n潞州区{}x{}y\n", ",".repeat(100_000), "\n".repeat(100_000));
        assert_eq!(csv(&far).unwrap_err().code, "too-large");
    }

    #[test]
    fn gbk_csv() {
        let (bytes, _, _) = encoding_rs::GBK.encode("县(市、区),单位名称\n黎城县,黎城县退役军人服务中心\n");
        let r = read_bytes(&bytes, Path::new("r.csv")).unwrap();
        assert_eq!(r[0].name, "黎城县退役军人服务中心");
    }
}
