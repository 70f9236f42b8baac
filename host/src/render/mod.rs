//! Every output kaohe writes, one module per output and medium. The domain
//! modules (`score`, `units`, `compare`, `province`) produce results; these
//! render them and decide nothing.
//!
//! | output | module |
//! |---|---|
//! | the summary workbook: 统计表 (attachment 2), 评分明细 | [`summary`] |
//! | 问题清单 (every finding), in every report workbook | `findings` |
//! | the blank scorecard | [`template`] |
//! | the rubric authoring workbook | [`authoring`] |
//! | the comparison workbook | [`compare`] |
//! | the provincial workbook | [`province`] |
//! | every `--json` shape, as `Serialize` types | [`json`] |
//! | the CLI's tables and texts | [`text`] |
//! | cell formats and print setup of all workbooks | `style` |
//! | the big sheets' rows, as SpreadsheetML, on their own threads | `rows` |
//! | the 图表 sheets (native charts) | `charts` |

use anyhow::Result;
use rust_xlsxwriter::Worksheet;

pub mod authoring;
mod charts;
pub mod compare;
pub(crate) mod findings;
pub mod json;
pub mod province;
pub(crate) mod rows;
mod style;
pub mod summary;
pub mod template;
pub mod text;

/// What a report cell shows; `None` (at the call) leaves it blank.
pub(crate) enum Value {
    Text(String),
    Number(f64),
}

pub(crate) fn write_value(ws: &mut Worksheet, row: u32, col: u16, v: Option<Value>, f: &style::Report) -> Result<()> {
    match v {
        Some(Value::Text(t)) => ws.write_with_format(row, col, &t, &f.text)?,
        Some(Value::Number(n)) => ws.write_number_with_format(row, col, n, &f.number)?,
        None => ws.write_blank(row, col, &f.text)?,
    };
    Ok(())
}

/// A valid, unique-enough worksheet name: at most 31 characters, none of []:*?/\\.
pub(crate) fn sheet_name(s: &str) -> String {
    s.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect()
}

/// 中国式排名 (dense ranks): the highest value is 1, equal values share a rank
/// and the next value takes the next rank (1, 2, 2, 3); `None` stays unranked.
///
/// ```ignore
/// assert_eq!(dense_ranks(&[Some(90.0), Some(95.0), None, Some(90.0), Some(80.0)]), [Some(2), Some(1), None, Some(2), Some(3)]);
/// ```
pub(crate) fn dense_ranks(values: &[Option<f64>]) -> Vec<Option<u32>> {
    // Distinct values, highest first; a value's rank is its place there (found by binary search: batches are large).
    let mut distinct: Vec<f64> = values.iter().flatten().copied().collect();
    distinct.sort_by(|a, b| b.total_cmp(a));
    distinct.dedup();
    values.iter().map(|v| v.map(|v| distinct.binary_search_by(|d| v.total_cmp(d)).map_or(0, |p| p as u32 + 1))).collect()
}

/// How many lines `text` wraps to in a cell `width` display columns wide
/// (a Chinese character takes two columns, as on paper), counting breaks.
pub(crate) fn lines(text: &str, width: usize) -> usize {
    use unicode_width::UnicodeWidthStr;
    // Printable ASCII is one column a byte (paths, codes, cell references): no table lookups.
    let columns = |l: &str| if l.bytes().all(|b| (0x20..0x7f).contains(&b)) { l.len() } else { l.width() };
    text.split('\n').map(|l| columns(l).div_ceil(width.max(1)).max(1)).sum::<usize>().max(1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn ranks_are_dense() {
        assert_eq!(super::dense_ranks(&[Some(90.0), Some(95.0), None, Some(90.0), Some(80.0)]), [Some(2), Some(1), None, Some(2), Some(3)]);
        assert_eq!(super::dense_ranks(&[]), Vec::<Option<u32>>::new());
    }

    #[test]
    fn lines_count_display_columns() {
        assert_eq!(super::lines("", 10), 1);
        assert_eq!(super::lines("abcdefghij", 10), 1);
        assert_eq!(super::lines("abcdefghijk", 10), 2);
        // A Chinese character takes two columns; a break starts a line.
        assert_eq!(super::lines("考核评分表考核", 10), 2);
        assert_eq!(super::lines("a\nb\n考核评分表考", 10), 4);
        // Anything but printable ASCII is measured by unicode-width (a control character takes one).
        assert_eq!(super::lines("abcdefghij\u{7}", 10), 2);
    }
}
