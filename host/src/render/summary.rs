//! The summary workbook: attachment 2 (统计表), per-item detail (评分明细)
//! and every finding (问题清单). Every unit has a row: scored, not scored,
//! 重复 (handed in twice) or 未提交 (on the roster, no scorecard).
//!
//! ```no_run
//! # let rubric: kaohe::runtime::LoadedRubric = todo!();
//! # let results: Vec<kaohe::score::UnitResult> = vec![];
//! let bytes = kaohe::render::summary::build(&[&rubric], &results, &kaohe::render::summary::Header::default())?;
//! # anyhow::Ok(())
//! ```

use anyhow::Result;
use rust_xlsxwriter::{Workbook, Worksheet};

use super::findings::{findings_sheet, of_results};
use super::style::{Paper, Report as Formats};
use super::{Value, sheet_name, write_value};

use crate::runtime::{ColumnSource, LoadedRubric};
use crate::score::{Status, UnitResult};
use crate::units::Tally;

/// The 填表单位 and 时间 lines.
#[derive(Debug, Clone, Default)]
pub struct Header {
    /// 填表单位; defaults to the rubric's issuer.
    pub issuer: Option<String>,
    /// 时间, as the clerk wants it printed; blank by default (filled by hand, as in the seed).
    pub date: Option<String>,
}

fn column_value(src: &ColumnSource, r: &UnitResult) -> Option<Value> {
    let a = r.assessment.as_ref();
    Some(match src {
        ColumnSource::County => Value::Text(r.county.clone()),
        ColumnSource::Center => Value::Text(r.center.clone()),
        ColumnSource::Category(name) => Value::Number(a?.categories.iter().find(|c| &c.name == name)?.score),
        ColumnSource::Bonus => Value::Number(a?.bonus),
        ColumnSource::Deduction => Value::Number(a?.deduction),
        ColumnSource::Special => Value::Number(a?.special),
        ColumnSource::SpecialDeduction => Value::Number(a?.special_deduction),
        ColumnSource::Adjustment => Value::Number(a?.adjustment),
        ColumnSource::Total => Value::Number(a?.total),
        ColumnSource::Grade => Value::Text(match (r.status(), a) {
            (Status::Scored, Some(a)) => a.grade.clone(),
            (status, _) => status.label().into(),
        }),
    })
}

/// Build the summary workbook; returns the xlsx bytes. `results[i].rubric`
/// indexes `rubrics`; rows scored by different rubrics mix in one table, and
/// each rubric gets its own detail sheet. Sheets: 统计表 (attachment 2, as the
/// seed has it), 评分明细 (one per rubric, with ranks), 问题清单, and 图表 (the
/// sheet the workbook opens on, left out when no unit scored). Every sheet
/// streams its rows to a temporary file (constant-memory mode).
pub fn build(rubrics: &[&LoadedRubric], results: &[UnitResult], header: &Header) -> Result<Vec<u8>> {
    crate::output::save_summary(&mut workbook(rubrics, results, header)?)
}

/// [`build`] straight to `path`, atomically, never holding the whole file in memory.
pub fn write(rubrics: &[&LoadedRubric], results: &[UnitResult], header: &Header, path: &std::path::Path) -> Result<()> {
    crate::output::write_summary(&mut workbook(rubrics, results, header)?, path)
}

fn workbook(rubrics: &[&LoadedRubric], results: &[UnitResult], header: &Header) -> Result<Workbook> {
    let f = Formats::new();
    let mut book = Workbook::new();
    book.set_properties(&crate::output::properties(&rubrics[0].info.report_title, crate::output::Kind::Summary));
    // The fastest level: a summary of 10,000 units is 7.6 MB instead of 5.4 at level 3,
    // and written in 0.40 s instead of 0.47.
    book.set_zip_compression_level(1);
    // 统计表 and 问题清单 on this thread, the detail sheets (most of the cells) on another.
    for _ in 0..rubrics.len() + 2 {
        book.add_worksheet_with_constant_memory()?;
    }
    // Constant-memory sheets number the formats workbook-wide as they first use them,
    // so sheets written side by side would number them in whichever order their
    // threads get there (the same batch gave different bytes about one run in five).
    // Numbered here first, in one order, the output never depends on scheduling.
    let digest = super::style::digest();
    let wrap = rust_xlsxwriter::Format::new().set_text_wrap().set_align(rust_xlsxwriter::FormatAlign::VerticalCenter);
    for format in [&f.title, &f.line, &f.header, &f.text, &f.number, &f.count, &f.note, &digest, &wrap] {
        book.register_format(format);
    }
    let (first, rest) = book.worksheets_mut().split_at_mut(1);
    let (details, last) = rest.split_at_mut(rubrics.len());
    std::thread::scope(|scope| -> Result<()> {
        let detail = scope.spawn(|| -> Result<()> {
            for (k, (rubric, ws)) in rubrics.iter().zip(details.iter_mut()).enumerate() {
                let name = if k == 0 { "评分明细".to_string() } else { sheet_name(&format!("评分明细-{}", rubric.info.id)) };
                detail_sheet(ws, &name, rubric, k, rubrics.len(), results, &f, (&digest, &wrap))?;
            }
            Ok(())
        });
        attachment2(&mut first[0], "统计表", rubrics, results, header, &f)?;
        findings_sheet(&mut last[0], "问题清单", of_results(results.iter().map(|r| ("", r))), &f)?;
        detail.join().map_err(|_| anyhow::anyhow!("writing the detail sheet failed"))?
    })?;
    if super::charts::summary(&mut book, rubrics, results)? {
        let last = book.worksheets_mut().len() - 1;
        book.worksheet_from_index(last)?.set_active(true);
    }
    Ok(book)
}

/// A 评分明细 sheet: the units scored by rubric `k` of `of`, one row each, with ranks.
/// `cells`: the formats of the digests and of the wrapped names.
#[allow(clippy::too_many_arguments)]
fn detail_sheet(
    ws: &mut Worksheet,
    name: &str,
    rubric: &LoadedRubric,
    k: usize,
    of: usize,
    results: &[UnitResult],
    f: &Formats,
    (digest, wrap): (&rust_xlsxwriter::Format, &rust_xlsxwriter::Format),
) -> Result<()> {
    let columns = detail_head(ws, name, rubric, f)?;
    let mine: Vec<&UnitResult> = results.iter().filter(|r| r.rubric.min(of - 1) == k).collect();
    let ranks = detail_ranks(rubric, &mine);
    for (row, (r, ranks)) in mine.iter().zip(&ranks).enumerate() {
        detail_row(ws, row as u32 + 1, rubric, r, ranks, digest, wrap)?;
    }
    detail_widths(ws, columns)
}

/// A detail sheet's column widths. Set once its rows are written: the sheet's
/// columns are written out when it is saved, and a cell written while a column
/// has options costs rust_xlsxwriter two hash lookups (a quarter of the sheet's time).
fn detail_widths(ws: &mut Worksheet, columns: usize) -> Result<()> {
    ws.set_column_width(0, 24)?;
    ws.set_column_width(1, 10)?;
    ws.set_column_width(2, 10)?;
    ws.set_column_width(3, 24)?;
    // 评分标准: a rubric id such as changzhi-2023, whole.
    ws.set_column_width(5, 14)?;
    ws.set_column_width(7, super::style::DIGEST_WIDTH)?;
    ws.set_column_width(8, super::style::DIGEST_WIDTH)?;
    // Points and ranks: narrow columns, so a page holds about twenty of them.
    for c in DETAIL_FIXED..columns {
        ws.set_column_width(c as u16, 6.5)?;
    }
    Ok(())
}

/// Sheet 1 of the summary: attachment 2 with the first rubric's columns; rows
/// scored by another rubric fill the columns it shares (categories by name).
pub(crate) fn attachment2(ws: &mut Worksheet, name: &str, rubrics: &[&LoadedRubric], results: &[UnitResult], header: &Header, f: &Formats) -> Result<()> {
    attachment2_head(ws, name, rubrics[0], header, f)?;
    attachment2_body(ws, rubrics, results, f)
}

/// Attachment 2's rows, one per unit, and its 备注 row (each rubric used, with its units).
fn attachment2_body(ws: &mut Worksheet, rubrics: &[&LoadedRubric], results: &[UnitResult], f: &Formats) -> Result<()> {
    let mut row = 4;
    let mut tally = Tally::default();
    let mut per_rubric = vec![Tally::default(); rubrics.len()];
    for r in results {
        attachment2_row(ws, row, rubrics[0], r, f)?;
        row += 1;
        tally.add(r);
        per_rubric[r.rubric.min(rubrics.len() - 1)].add(r);
    }
    let used: Vec<(&LoadedRubric, usize)> =
        rubrics.iter().zip(&per_rubric).enumerate().filter(|(k, (_, t))| *k == 0 || t.units > 0).map(|(_, (r, t))| (*r, t.units)).collect();
    attachment2_notes(ws, row, &used, &tally, f)
}

fn last_column(rubric: &LoadedRubric) -> u16 {
    rubric.info.report_columns.len().max(2) as u16 - 1
}

fn attachment2_head(ws: &mut Worksheet, name: &str, rubric: &LoadedRubric, header: &Header, f: &Formats) -> Result<()> {
    let info = &rubric.info;
    ws.set_name(name)?;
    let cols = &info.report_columns;
    let last = last_column(rubric);
    for (c, col) in cols.iter().enumerate() {
        ws.set_column_width(c as u16, column_width(&col.source))?;
    }
    ws.write_with_format(0, 0, "附件2", &f.line)?;
    ws.set_row_height(1, 32)?;
    ws.merge_range(1, 0, 1, last, &info.report_title, &f.title)?;
    let issuer = header.issuer.clone().unwrap_or_else(|| info.issuer.clone());
    let half = last / 2;
    ws.merge_range(2, 0, 2, half, &format!("填表单位：{issuer}"), &f.line)?;
    ws.merge_range(2, half + 1, 2, last, &format!("时间：{}", header.date.clone().unwrap_or_default()), &f.line)?;
    ws.set_row_height(3, 30)?;
    for (c, col) in cols.iter().enumerate() {
        ws.write_with_format(3, c as u16, &col.header, &f.header)?;
    }
    Paper::LANDSCAPE.rows(3, 3).apply(ws)?;
    Ok(())
}

fn attachment2_row(ws: &mut Worksheet, row: u32, rubric: &LoadedRubric, r: &UnitResult, f: &Formats) -> Result<()> {
    let mut lines = 1;
    for (c, col) in rubric.info.report_columns.iter().enumerate() {
        let v = column_value(&col.source, r);
        if let Some(Value::Text(t)) = &v {
            lines = lines.max(super::lines(t, column_width(&col.source) as usize - 2));
        }
        write_value(ws, row, c as u16, v, f)?;
    }
    // A long unit name wraps in its cell: the row holds every line.
    if lines > 1 {
        ws.set_row_height(row, 15.0 * lines as f64 + 2.0)?;
    }
    Ok(())
}

/// The width of a 统计表 column.
fn column_width(source: &ColumnSource) -> f64 {
    match source {
        ColumnSource::Center => 30.0,
        ColumnSource::County => 12.0,
        _ => 10.0,
    }
}

/// The 备注 row: the rubric's notes, the units not cleanly scored, and each rubric used with its unit count.
fn attachment2_notes(ws: &mut Worksheet, row: u32, used: &[(&LoadedRubric, usize)], tally: &Tally, f: &Formats) -> Result<()> {
    let first = used[0].0;
    let mut notes = first.info.report_notes.clone();
    notes.extend(tally.notes());
    let list: Vec<String> = used.iter().map(|(r, n)| format!("{} {}（{}，{} 个单位）", r.info.id, r.info.version, r.info.title, n)).collect();
    notes.push(format!("评分标准：{}", list.join("、")));
    ws.set_row_height(row, 36)?;
    ws.write_with_format(row, 0, "备注", &f.text)?;
    ws.merge_range(row, 1, row, last_column(first), &notes.join("；"), &f.note)?;
    Ok(())
}

/// A detail row's height: two lines of digests.
const DETAIL_ROW: f64 = 24.0;

/// Columns before the per-item points in a detail sheet.
const DETAIL_FIXED: usize = 9;

/// A detail sheet's header: who, which rubric scored it, every item's points, the parts of the total.
/// Returns how many columns the sheet has.
fn detail_head(ws: &mut Worksheet, name: &str, rubric: &LoadedRubric, f: &Formats) -> Result<usize> {
    let info = &rubric.info;
    ws.set_name(name)?;
    let mut headers: Vec<String> = ["文件", "工作表", "县(市、区)", "服务(中心)站名称", "评分情况", "评分标准", "版本", "评分组件SHA-256", "文件SHA-256"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for id in rubric.point_ids() {
        headers.push(if rubric.item(id).is_some() { format!("序号{id}") } else { format!("分项{id}扣分") });
    }
    headers.extend(info.categories.iter().filter(|c| is_base(c)).map(|c| c.name.clone()));
    headers.extend(["加分", "减分", "特别考核加分", "特别考核减分", "加分减分", "总分", "考核结果"].map(String::from));
    let rank_at = headers.len() as u16;
    headers.push("总分排名".into());
    headers.extend(info.categories.iter().filter(|c| is_base(c)).map(|c| format!("{}排名", c.name)));
    ws.set_row_height(0, 45)?;
    // Rows given a height are kept by rust_xlsxwriter for the whole run: only the
    // rows taller than the usual one get their own.
    ws.set_default_row_height(DETAIL_ROW);
    for (c, h) in headers.iter().enumerate() {
        ws.write_with_format(0, c as u16, h, &f.header)?;
    }
    ws.insert_note(0, rank_at, &rust_xlsxwriter::Note::new(RANK_RULE).set_author("kaohe"))?;
    ws.set_freeze_panes(1, 4)?;
    // Too wide for one page: printed in page-wide column groups, each starting with the unit's county and name.
    Paper { landscape: true, fit_width: false, repeat_rows: Some((0, 0)), repeat_columns: Some((2, 3)) }.apply(ws)?;
    ws.set_print_scale(70);
    Ok(headers.len())
}

/// How ranks are counted, as the sheets say it.
pub(crate) const RANK_RULE: &str = "排名为中国式排名：分数相同名次相同，下一名次紧接（1、2、2、3）；只排已评分的单位，分数高者在前。";

/// Each unit's ranks in its detail sheet: 总分 first, then each base category
/// (`None` for a unit not scored cleanly).
fn detail_ranks(rubric: &LoadedRubric, results: &[&UnitResult]) -> Vec<Vec<Option<u32>>> {
    let cats: Vec<&str> = rubric.info.categories.iter().filter(|c| is_base(c)).map(|c| c.name.as_str()).collect();
    fn clean(r: &UnitResult) -> Option<&crate::runtime::Assessment> {
        r.assessment.as_ref().filter(|_| r.ok())
    }
    let mut columns = vec![super::dense_ranks(&results.iter().map(|r| clean(r).map(|a| a.total)).collect::<Vec<_>>())];
    for c in &cats {
        let v: Vec<Option<f64>> = results.iter().map(|r| clean(r).and_then(|a| a.categories.iter().find(|x| x.name == *c)).map(|x| x.score)).collect();
        columns.push(super::dense_ranks(&v));
    }
    (0..results.len()).map(|i| columns.iter().map(|c| c[i]).collect()).collect()
}

/// One scorecard's detail row, as scored: 评分情况 says whether the rubric
/// scored it (a copy of a unit handed in twice is scored; 统计表 marks it 重复).
/// Data cells are written without a per-cell format:
/// the sheet has a row per unit and some 90 columns.
fn detail_row(
    ws: &mut Worksheet,
    row: u32,
    rubric: &LoadedRubric,
    r: &UnitResult,
    ranks: &[Option<u32>],
    digest: &rust_xlsxwriter::Format,
    name: &rust_xlsxwriter::Format,
) -> Result<()> {
    let info = &rubric.info;
    let cells = [
        r.file.as_str(),
        r.sheet.as_deref().unwrap_or(""),
        &r.county,
        &r.center,
        if r.ok() { "已评分" } else { "未评分" },
        &info.id,
        &info.version,
        &rubric.sha256,
        r.input_sha256.as_deref().unwrap_or(""),
    ];
    for (c, v) in cells.iter().enumerate() {
        match c {
            // The path wraps in its column; the digests print whole, in two lines.
            0 | 7 | 8 => ws.write_string_with_format(row, c as u16, *v, digest)?,
            2 | 3 => ws.write_string_with_format(row, c as u16, *v, name)?,
            _ => ws.write_string(row, c as u16, *v)?,
        };
    }
    // Two lines for the digests (the sheet's default height); more when the county or
    // the unit's name wraps (10 and 24 wide).
    let lines = super::lines(&r.county, 9).max(super::lines(&r.center, 22));
    if 15.0 * lines as f64 + 2.0 > DETAIL_ROW {
        ws.set_row_height(row, 15.0 * lines as f64 + 2.0)?;
    }
    let Some(a) = &r.assessment else { return Ok(()) };
    for (k, v) in r.points.iter().enumerate() {
        if let Some(v) = v {
            ws.write_number(row, (DETAIL_FIXED + k) as u16, v)?;
        }
    }
    let mut c = (DETAIL_FIXED + rubric.point_ids().len()) as u16;
    for v in a.categories.iter().map(|c| c.score).chain([a.bonus, a.deduction, a.special, a.special_deduction, a.adjustment, a.total]) {
        ws.write_number(row, c, v)?;
        c += 1;
    }
    ws.write_string(row, c, &a.grade)?;
    for (k, rank) in ranks.iter().enumerate() {
        if let Some(n) = rank {
            ws.write_number(row, c + 1 + k as u16, *n as f64)?;
        }
    }
    Ok(())
}

fn is_base(c: &crate::runtime::Category) -> bool {
    c.part == crate::runtime::Part::Base
}
