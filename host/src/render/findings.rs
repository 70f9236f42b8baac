//! 问题清单: every finding, one row each (file, sheet, cell, 序号, level, code,
//! 说明, scope, 详情), shared by the summary, the comparison and the province.

use anyhow::Result;
use rust_xlsxwriter::Worksheet;

use super::rows::{Deferred, Rows, Styles};
use super::style::{Paper, Report as Formats};
use crate::score::{Finding, UnitResult};

/// Every finding given, each as (scope, file, finding); the scope is e.g. the
/// city or the rubric (empty for none). `ws` is sheet `index` of its workbook,
/// whose formats `styles` numbered: rust_xlsxwriter writes the header and the
/// sheet's setup, and the rows come back to be written when the workbook is
/// sealed (see [`super::rows`]).
///
/// Every wrapped cell gets room for all its lines. The height most rows need is
/// the sheet's default and only the other rows carry their own.
pub(crate) fn findings_sheet<'a>(
    ws: &mut Worksheet,
    index: usize,
    name: &str,
    findings: impl Iterator<Item = (&'a str, &'a str, &'a Finding)> + Clone + Send + 'a,
    f: &Formats,
    styles: &Styles,
) -> Result<Option<Deferred<'a>>> {
    findings_sheet_of_at_most(ws, index, name, findings, f, styles, MAX_FINDINGS)
}

/// Most findings a sheet lists: a worksheet holds 1,048,576 rows, one of them
/// the header and one the line saying how many more there are.
const MAX_FINDINGS: usize = 1_048_574;

/// [`findings_sheet`], listing at most `max` findings and then a row saying how
/// many more there are (all of them are in `--json`).
#[allow(clippy::too_many_arguments)]
fn findings_sheet_of_at_most<'a>(
    ws: &mut Worksheet,
    index: usize,
    name: &str,
    findings: impl Iterator<Item = (&'a str, &'a str, &'a Finding)> + Clone + Send + 'a,
    f: &Formats,
    styles: &Styles,
    max: usize,
) -> Result<Option<Deferred<'a>>> {
    // The findings are walked again to write them, not collected: a batch of
    // 10,000 has 50,000, and every one is already held in its unit's result.
    let all = findings.clone().count();
    let findings = findings.take(max);
    let count = all.min(max);
    let more = all - count;
    let lines: Vec<u8> = if count < 8192 {
        measure(findings.clone())
    } else {
        // Measured on two threads when there are many.
        std::thread::scope(|s| {
            let tail = findings.clone().skip(count / 2);
            let second = s.spawn(move || measure(tail));
            let mut lines = measure(findings.clone().take(count / 2));
            lines.extend(second.join().unwrap_or_else(|_| vec![1; count - count / 2]));
            lines
        })
    };
    let usual = most_common(&lines);
    findings_head(ws, name, f)?;
    let mut default = None;
    if usual > 1 {
        ws.set_default_row_height(height(usual));
        ws.set_row_height(0, height(1))?;
        default = Some(height(usual));
    }
    if count == 0 {
        ws.merge_range(1, 0, 1, 8, "未发现问题", &f.text)?;
        return Ok(None);
    }
    let (text, note) = (styles.xf(&f.text)?, styles.xf(&f.note)?);
    let extent = ((count + usize::from(more > 0)) as u32, 8);
    Ok(Some(Deferred::new(index, 1, extent, default, styles.xf(&f.header)?, move |rows| {
        for (k, ((scope, file, x), n)) in findings.zip(lines).enumerate() {
            rows.row(k as u32 + 1, (n != usual).then(|| height(n)))?;
            finding_row(rows, scope, file, x, (text, note));
        }
        if more > 0 {
            rows.row(count as u32 + 1, None)?;
            rows.text(6, &format!("另有 {more} 条问题未列出（超过一张工作表的行数上限），全部问题见 kaohe score --json 的输出"), note);
        }
        Ok(())
    })))
}

/// The lines each finding's row must hold (at most 255: a row is at most 409 points high anyway).
fn measure<'a>(findings: impl Iterator<Item = (&'a str, &'a str, &'a Finding)>) -> Vec<u8> {
    findings.map(|(scope, file, x)| row_lines(scope, file, x).min(255) as u8).collect()
}

/// Every finding of these results, each with its scope.
pub(crate) fn of_results<'a>(
    results: impl Iterator<Item = (&'a str, &'a UnitResult)> + Clone + Send + 'a,
) -> impl Iterator<Item = (&'a str, &'a str, &'a Finding)> + Clone + Send + 'a {
    results.flat_map(|(scope, r)| r.findings.iter().map(move |x| (scope, r.file.as_str(), x)))
}

fn findings_head(ws: &mut Worksheet, name: &str, f: &Formats) -> Result<()> {
    ws.set_name(name)?;
    for (c, w) in [30.0, 10.0, 8.0, 8.0, 6.0, 16.0, 70.0, 12.0, 30.0].iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    for (c, h) in ["文件", "工作表", "单元格", "序号", "级别", "代码", "说明", "范围", "详情"].iter().enumerate() {
        ws.write_with_format(0, c as u16, *h, &f.header)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Paper::LANDSCAPE.rows(0, 0).apply(ws)?;
    Ok(())
}

/// The lines a finding's row must hold. The 说明 column wraps at about 34 Chinese
/// characters; every wrapped cell counts: 文件 (30 wide), 说明 (70), 范围 (12),
/// 详情 (30), in display columns (a Chinese character takes two).
fn row_lines(scope: &str, file: &str, x: &Finding) -> usize {
    [(file, 28), (x.message.as_str(), 68), (scope, 10), (x.detail.as_deref().unwrap_or(""), 28)].iter().map(|(t, w)| super::lines(t, *w)).max().unwrap_or(1)
}

/// A row's height for this many lines of 11 pt text, at most Excel's 409 points.
fn height(lines: u8) -> f64 {
    if lines <= 1 { 15.0 } else { (15.0 * f64::from(lines) + 2.0).min(super::rows::MAX_ROW_HEIGHT) }
}

/// The most common value (the smallest of equally common ones); 1 for none.
fn most_common(lines: &[u8]) -> u8 {
    let mut counts = [0usize; 256];
    for &n in lines {
        counts[n as usize] += 1;
    }
    if lines.is_empty() {
        return 1;
    }
    (0..=255u8).max_by_key(|&n| (counts[n as usize], std::cmp::Reverse(n))).unwrap_or(1)
}

/// One finding's cells, in the row just started; `xf`: the styles of text and of 说明.
fn finding_row(rows: &mut Rows, scope: &str, file: &str, x: &Finding, (text, note): (u32, u32)) {
    let cells = [file, x.sheet.as_deref().unwrap_or(""), x.cell.as_deref().unwrap_or(""), x.item.as_deref().unwrap_or(""), x.severity.label(), x.code.as_str()];
    for (c, v) in cells.iter().enumerate() {
        rows.text(c as u16, v, text);
    }
    rows.text(6, &x.message, note);
    rows.text(7, scope, text);
    rows.text(8, x.detail.as_deref().unwrap_or(""), note);
}

#[cfg(test)]
mod tests {
    use crate::score::{Finding, Severity};
    use crate::workbook::Code;

    /// The XML of the only sheet of a workbook holding these findings, written as the summary writes it.
    fn sheet_xml(messages: &[&str]) -> String {
        let findings: Vec<Finding> = messages.iter().map(|m| Finding::file(Severity::Error, Code::MissingItem, *m)).collect();
        let mut book = rust_xlsxwriter::Workbook::new();
        book.set_properties(&crate::output::properties("问题清单", crate::output::Kind::Summary));
        let f = super::Formats::new();
        let styles = f.register(&mut book, &[]);
        let ws = book.add_worksheet_with_constant_memory().unwrap();
        let rows = super::findings_sheet(ws, 0, "问题清单", findings.iter().map(|x| ("", "a.xlsx", x)), &f, &styles).unwrap();
        let bytes = crate::output::save_summary(&mut book, rows.into_iter().collect()).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        std::io::read_to_string(zip.by_name("xl/worksheets/sheet1.xml").unwrap()).unwrap()
    }

    fn row_tag(xml: &str, row: u32) -> &str {
        let at = xml.find(&format!("<row r=\"{row}\"")).unwrap_or_else(|| panic!("row {row}"));
        &xml[at..at + xml[at..].find('>').unwrap()]
    }

    #[test]
    fn every_row_holds_its_lines_with_the_usual_height_as_the_default() {
        let two = "表中找不到序号 23 的行（建立县级退役军人服务中心和乡镇（街道）服务站），该项为必填项";
        let one = "缺少单位名称";
        let three = two.repeat(2);
        let xml = sheet_xml(&[two, two, one, two, &three]);
        // Two lines is the usual height: the sheet's default (32 pt, as pixels make it), the header and the others their own.
        assert!(xml.contains("defaultRowHeight=\"32.25\""), "{}", &xml[..xml.find("<sheetData").unwrap()]);
        assert!(row_tag(&xml, 1).contains("ht=\"15\""), "{}", row_tag(&xml, 1));
        // (rust_xlsxwriter writes the default on every row of such a sheet: each row shows its height.)
        for r in [2, 3, 5] {
            assert!(row_tag(&xml, r).contains("ht=\"32.25\""), "row {r}: {}", row_tag(&xml, r));
        }
        assert!(row_tag(&xml, 4).contains("ht=\"15\""), "{}", row_tag(&xml, 4));
        assert!(row_tag(&xml, 6).contains("ht=\"47.25\""), "{}", row_tag(&xml, 6));
        // Mostly one line: the default stays, only the taller row has a height.
        let xml = sheet_xml(&[one, one, two]);
        assert!(!xml.contains("defaultRowHeight=\"32"));
        assert!(!row_tag(&xml, 2).contains("ht="), "{}", row_tag(&xml, 2));
        assert!(row_tag(&xml, 4).contains("ht=\"32.25\""), "{}", row_tag(&xml, 4));
    }

    #[test]
    fn findings_past_what_a_sheet_holds_are_counted_in_a_last_row() {
        let findings: Vec<Finding> = (0..7).map(|k| Finding::file(Severity::Error, Code::MissingItem, format!("问题 {k}"))).collect();
        let mut book = rust_xlsxwriter::Workbook::new();
        book.set_properties(&crate::output::properties("问题清单", crate::output::Kind::Summary));
        let f = super::Formats::new();
        let styles = f.register(&mut book, &[]);
        let ws = book.add_worksheet_with_constant_memory().unwrap();
        let rows = super::findings_sheet_of_at_most(ws, 0, "问题清单", findings.iter().map(|x| ("", "a.xlsx", x)), &f, &styles, 5).unwrap();
        let bytes = crate::output::save_summary(&mut book, rows.into_iter().collect()).unwrap();
        let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let sheet = calamine::Reader::worksheet_range(&mut book, "问题清单").unwrap();
        assert_eq!(sheet.height(), 1 + 5 + 1);
        assert_eq!(sheet.get_value((5, 6)).map(|d| d.to_string()).as_deref(), Some("问题 4"));
        let last = sheet.get_value((6, 6)).map(|d| d.to_string()).unwrap_or_default();
        assert!(last.starts_with("另有 2 条问题未列出"), "{last}");
    }

    #[test]
    fn the_usual_height_is_the_most_common_one() {
        assert_eq!(super::most_common(&[]), 1);
        assert_eq!(super::most_common(&[2, 1, 2, 3]), 2);
        assert_eq!(super::most_common(&[3, 1, 1, 3]), 1);
        assert_eq!(super::height(1), 15.0);
        assert_eq!(super::height(3), 47.0);
        assert_eq!(super::height(255), crate::render::rows::MAX_ROW_HEIGHT);
    }
}
