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

use super::findings::{findings_head, findings_rows, findings_tail};
use super::style::Report as Formats;
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
/// each rubric gets its own detail sheet.
pub fn build(rubrics: &[&LoadedRubric], results: &[UnitResult], header: &Header) -> Result<Vec<u8>> {
    let mut w = Writer::new(rubrics, header)?;
    for r in results {
        w.add(r)?;
    }
    w.finish(results)
}

/// The summary workbook, written in two steps: each scorecard's 评分明细 row
/// as soon as it is scored (the bulk of the workbook, some 90 cells a row,
/// written while later workbooks are still being scored), then 统计表 and
/// 问题清单 once the batch is whole, since duplicates and the roster are known
/// only then. Every sheet streams its rows to a temporary file
/// (constant-memory mode), so the rows do not pile up in memory.
///
/// ```no_run
/// # let (rubric, results): (kaohe::runtime::LoadedRubric, Vec<kaohe::score::UnitResult>) = todo!();
/// let mut w = kaohe::render::summary::Writer::new(&[&rubric], &kaohe::render::summary::Header::default())?;
/// for r in &results {
///     w.add(r)?; // as each is scored
/// }
/// // … kaohe::units::check(&mut results, …) …
/// let bytes = w.finish(&results)?;
/// # anyhow::Ok(())
/// ```
pub struct Writer<'a> {
    book: Workbook,
    f: Formats,
    rubrics: Vec<&'a LoadedRubric>,
    /// Next row of each detail sheet.
    detail_rows: Vec<u32>,
}

impl<'a> Writer<'a> {
    /// Start the workbook: 统计表, one 评分明细 sheet per rubric, 问题清单, with their headers.
    pub fn new(rubrics: &[&'a LoadedRubric], header: &Header) -> Result<Self> {
        let f = Formats::new();
        let mut book = Workbook::new();
        book.set_properties(&crate::output::properties(&rubrics[0].info.report_title, crate::output::Kind::Summary));
        // A summary of thousands of rows compresses well enough at a fast level.
        book.set_zip_compression_level(3);
        attachment2_head(book.add_worksheet_with_constant_memory()?, "统计表", rubrics[0], header, &f)?;
        for (k, rubric) in rubrics.iter().enumerate() {
            let name = if k == 0 { "评分明细".to_string() } else { sheet_name(&format!("评分明细-{}", rubric.info.id)) };
            detail_head(book.add_worksheet_with_constant_memory()?, &name, rubric, &f)?;
        }
        findings_head(book.add_worksheet_with_constant_memory()?, "问题清单", &f)?;
        Ok(Writer { book, f, rubrics: rubrics.to_vec(), detail_rows: vec![1; rubrics.len()] })
    }

    /// Write one scored unit's 评分明细 row (in input order).
    pub fn add(&mut self, r: &UnitResult) -> Result<()> {
        let k = r.rubric.min(self.rubrics.len() - 1);
        detail_row(self.book.worksheet_from_index(1 + k)?, self.detail_rows[k], self.rubrics[k], r)?;
        self.detail_rows[k] += 1;
        Ok(())
    }

    /// Write 统计表 (every unit, 备注 last) and 问题清单 for the whole batch,
    /// duplicates and roster checked; returns the xlsx bytes.
    pub fn finish(mut self, results: &[UnitResult]) -> Result<Vec<u8>> {
        let findings = 1 + self.rubrics.len();
        attachment2_body(self.book.worksheet_from_index(0)?, &self.rubrics, results, &self.f)?;
        let mut row = 1;
        for r in results {
            for x in &r.findings {
                row = findings_rows(self.book.worksheet_from_index(findings)?, row, "", &r.file, x, &self.f)?;
            }
        }
        findings_tail(self.book.worksheet_from_index(findings)?, row, &self.f)?;
        crate::output::save_summary(&mut self.book)
    }
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
        let width = match col.source {
            ColumnSource::Center => 30.0,
            ColumnSource::County => 12.0,
            _ => 10.0,
        };
        ws.set_column_width(c as u16, width)?;
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
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    Ok(())
}

fn attachment2_row(ws: &mut Worksheet, row: u32, rubric: &LoadedRubric, r: &UnitResult, f: &Formats) -> Result<()> {
    for (c, col) in rubric.info.report_columns.iter().enumerate() {
        write_value(ws, row, c as u16, column_value(&col.source, r), f)?;
    }
    Ok(())
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

/// Columns before the per-item points in a detail sheet.
const DETAIL_FIXED: usize = 9;

/// A detail sheet's header: who, which rubric scored it, every item's points, the parts of the total.
fn detail_head(ws: &mut Worksheet, name: &str, rubric: &LoadedRubric, f: &Formats) -> Result<()> {
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
    ws.set_column_width(0, 28)?;
    ws.set_column_width(1, 12)?;
    ws.set_column_width(3, 28)?;
    ws.set_column_width(7, 20)?;
    ws.set_column_width(8, 20)?;
    for (c, h) in headers.iter().enumerate() {
        ws.write_with_format(0, c as u16, h, &f.header)?;
    }
    ws.set_freeze_panes(1, 4)?;
    Ok(())
}

/// One scorecard's detail row, as scored: 评分情况 says whether the rubric
/// scored it (a copy of a unit handed in twice is scored; 统计表 marks it 重复).
/// Data cells are written without a per-cell format:
/// the sheet has a row per unit and some 90 columns.
fn detail_row(ws: &mut Worksheet, row: u32, rubric: &LoadedRubric, r: &UnitResult) -> Result<()> {
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
        ws.write_string(row, c as u16, *v)?;
    }
    let Some(a) = &r.assessment else { return Ok(()) };
    for (k, v) in r.points.iter().enumerate() {
        if let Some(v) = v {
            ws.write_number(row, (DETAIL_FIXED + k) as u16, *v)?;
        }
    }
    let mut c = (DETAIL_FIXED + rubric.point_ids().len()) as u16;
    for v in a.categories.iter().map(|c| c.score).chain([a.bonus, a.deduction, a.special, a.special_deduction, a.adjustment, a.total]) {
        ws.write_number(row, c, v)?;
        c += 1;
    }
    ws.write_string(row, c, &a.grade)?;
    Ok(())
}

fn is_base(c: &crate::runtime::Category) -> bool {
    c.part == crate::runtime::Part::Base
}
