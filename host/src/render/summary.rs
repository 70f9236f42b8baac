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
use super::rows::{Deferred, Rows, Styles};
use super::style::{Paper, Report as Formats};
use super::{Value, sheet_name};

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
/// sheet the workbook opens on, left out when no unit scored). The rows of
/// 统计表, 评分明细 and 问题清单 are written as the workbook is sealed, each
/// sheet on its own thread (see `render::rows`).
pub fn build(rubrics: &[&LoadedRubric], results: &[UnitResult], header: &Header) -> Result<Vec<u8>> {
    let (mut book, rows) = workbook(rubrics, results, header)?;
    crate::output::save_summary(&mut book, rows)
}

/// [`build`] straight to `path`, atomically.
pub fn write(rubrics: &[&LoadedRubric], results: &[UnitResult], header: &Header, path: &std::path::Path) -> Result<()> {
    let (mut book, rows) = workbook(rubrics, results, header)?;
    crate::output::write_summary(&mut book, rows, path)
}

/// The workbook as rust_xlsxwriter writes it, and the rows of 统计表, 评分明细
/// and 问题清单, written as it is sealed (see [`super::rows`]).
fn workbook<'a>(rubrics: &[&'a LoadedRubric], results: &'a [UnitResult], header: &Header) -> Result<(Workbook, Vec<Deferred<'a>>)> {
    let f = Formats::new();
    let mut book = Workbook::new();
    book.set_properties(&crate::output::properties(&rubrics[0].info.report_title, crate::output::Kind::Summary));
    // The fastest level: a summary of 10,000 units is 7.6 MB instead of 5.4 at level 3,
    // and written in 0.40 s instead of 0.47.
    book.set_zip_compression_level(1);
    let digest = super::style::digest();
    let wrap = rust_xlsxwriter::Format::new().set_text_wrap().set_align(rust_xlsxwriter::FormatAlign::VerticalCenter);
    let styles = f.register(&mut book, &[&digest, &wrap]);
    let mut rows = Vec::new();
    rows.push(attachment2(book.add_worksheet_with_constant_memory()?, 0, "统计表", rubrics, results, header, &f, &styles)?);
    for (k, rubric) in rubrics.iter().enumerate() {
        let name = if k == 0 { "评分明细".to_string() } else { sheet_name(&format!("评分明细-{}", rubric.info.id)) };
        let ws = book.add_worksheet_with_constant_memory()?;
        rows.push(detail_sheet(ws, k + 1, &name, rubric, (k, rubrics.len()), results, &f, (&styles, &digest, &wrap))?);
    }
    let index = rubrics.len() + 1;
    rows.extend(findings_sheet(book.add_worksheet_with_constant_memory()?, index, "问题清单", of_results(results.iter().map(|r| ("", r))), &f, &styles)?);
    if super::charts::summary(&mut book, rubrics, results)? {
        let last = book.worksheets_mut().len() - 1;
        book.worksheet_from_index(last)?.set_active(true);
    }
    Ok((book, rows))
}

/// A 评分明细 sheet, sheet `index` of the workbook: the units scored by rubric
/// `k` of `of`, one row each, with ranks. `formats`: the workbook's style
/// numbering, the formats of the digests and of the wrapped names.
#[allow(clippy::too_many_arguments)]
fn detail_sheet<'a>(
    ws: &mut Worksheet,
    index: usize,
    name: &str,
    rubric: &'a LoadedRubric,
    (k, of): (usize, usize),
    results: &'a [UnitResult],
    f: &Formats,
    (styles, digest, wrap): (&Styles, &rust_xlsxwriter::Format, &rust_xlsxwriter::Format),
) -> Result<Deferred<'a>> {
    let columns = detail_head(ws, name, rubric, f)?;
    detail_widths(ws, columns)?;
    let mine: Vec<&UnitResult> = results.iter().filter(|r| r.rubric.min(of - 1) == k).collect();
    let ranks = detail_ranks(rubric, &mine);
    let xf = (styles.xf(digest)?, styles.xf(wrap)?);
    let extent = (mine.len() as u32, columns.saturating_sub(1) as u16);
    Ok(Deferred::new(index, 1, extent, Some(DETAIL_ROW), styles.xf(&f.header)?, move |rows| {
        for (row, (r, ranks)) in mine.iter().zip(&ranks).enumerate() {
            detail_row(rows, row as u32 + 1, rubric, r, ranks, xf)?;
        }
        Ok(())
    }))
}

/// A detail sheet's column widths.
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

/// Sheet 1 of the summary (sheet `index` of its workbook): attachment 2 with
/// the first rubric's columns; rows scored by another rubric fill the columns it
/// shares (categories by name). rust_xlsxwriter writes the head and the 备注 row;
/// the units' rows come back to be written when the workbook is sealed.
#[allow(clippy::too_many_arguments)]
pub(crate) fn attachment2<'a>(
    ws: &mut Worksheet,
    index: usize,
    name: &str,
    rubrics: &[&'a LoadedRubric],
    results: &'a [UnitResult],
    header: &Header,
    f: &Formats,
    styles: &Styles,
) -> Result<Deferred<'a>> {
    attachment2_head(ws, name, rubrics[0], header, f)?;
    let mut tally = Tally::default();
    let mut per_rubric = vec![Tally::default(); rubrics.len()];
    for r in results {
        tally.add(r);
        per_rubric[r.rubric.min(rubrics.len() - 1)].add(r);
    }
    let used: Vec<(&LoadedRubric, usize)> =
        rubrics.iter().zip(&per_rubric).enumerate().filter(|(k, (_, t))| *k == 0 || t.units > 0).map(|(_, (r, t))| (*r, t.units)).collect();
    attachment2_notes(ws, 4 + results.len() as u32, &used, &tally, f)?;
    let rubric = rubrics[0];
    let xf = (styles.xf(&f.text)?, styles.xf(&f.number)?);
    Ok(Deferred::new(index, 4, (results.len() as u32, last_column(rubric)), None, styles.xf(&f.line)?, move |rows| {
        for (k, r) in results.iter().enumerate() {
            attachment2_row(rows, 4 + k as u32, rubric, r, xf)?;
        }
        Ok(())
    }))
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

/// One unit's row of attachment 2; `xf`: the styles of text and of points.
fn attachment2_row(rows: &mut Rows, row: u32, rubric: &LoadedRubric, r: &UnitResult, (text, number): (u32, u32)) -> Result<()> {
    let columns = &rubric.info.report_columns;
    let values: Vec<Option<Value>> = columns.iter().map(|col| column_value(&col.source, r)).collect();
    // A long unit name wraps in its cell: the row holds every line.
    let lines = columns
        .iter()
        .zip(&values)
        .filter_map(|(col, v)| match v {
            Some(Value::Text(t)) => Some(super::lines(t, column_width(&col.source) as usize - 2)),
            _ => None,
        })
        .max()
        .unwrap_or(1);
    rows.row(row, (lines > 1).then_some(15.0 * lines as f64 + 2.0))?;
    for (c, v) in values.into_iter().enumerate() {
        match v {
            Some(Value::Text(t)) => rows.text(c as u16, &t, text),
            Some(Value::Number(n)) => rows.number(c as u16, n, number),
            None => rows.blank(c as u16, text),
        }
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
/// `xf`: the styles of the digests and of the wrapped names; the other cells have none
/// (the sheet has a row per unit and some 90 columns).
fn detail_row(rows: &mut Rows, row: u32, rubric: &LoadedRubric, r: &UnitResult, ranks: &[Option<u32>], (digest, name): (u32, u32)) -> Result<()> {
    let info = &rubric.info;
    // Two lines for the digests (the sheet's default height); more when the county or
    // the unit's name wraps (10 and 24 wide).
    let lines = super::lines(&r.county, 9).max(super::lines(&r.center, 22));
    let height = 15.0 * lines as f64 + 2.0;
    rows.row(row, (height > DETAIL_ROW).then_some(height))?;
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
        // The path wraps in its column; the digests print whole, in two lines.
        let xf = match c {
            0 | 7 | 8 => digest,
            2 | 3 => name,
            _ => 0,
        };
        rows.text(c as u16, v, xf);
    }
    let Some(a) = &r.assessment else { return Ok(()) };
    for (k, v) in r.points.iter().enumerate() {
        if let Some(v) = v {
            rows.number((DETAIL_FIXED + k) as u16, v, 0);
        }
    }
    let mut c = (DETAIL_FIXED + rubric.point_ids().len()) as u16;
    for v in a.categories.iter().map(|c| c.score).chain([a.bonus, a.deduction, a.special, a.special_deduction, a.adjustment, a.total]) {
        rows.number(c, v, 0);
        c += 1;
    }
    rows.text(c, &a.grade, 0);
    for (k, rank) in ranks.iter().enumerate() {
        if let Some(n) = rank {
            rows.number(c + 1 + k as u16, *n as f64, 0);
        }
    }
    Ok(())
}

fn is_base(c: &crate::runtime::Category) -> bool {
    c.part == crate::runtime::Part::Base
}
