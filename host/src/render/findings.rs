//! 问题清单: every finding, one row each (file, sheet, cell, 序号, level, code,
//! 说明, scope, 详情), shared by the summary, the comparison and the province.

use anyhow::Result;
use rust_xlsxwriter::Worksheet;

use super::style::{Paper, Report as Formats};
use crate::score::{Finding, UnitResult};

/// Every finding given, each as (scope, file, finding); the scope is e.g. the
/// city or the rubric (empty for none).
pub(crate) fn findings_sheet<'a>(ws: &mut Worksheet, name: &str, findings: impl Iterator<Item = (&'a str, &'a str, &'a Finding)>, f: &Formats) -> Result<()> {
    findings_head(ws, name, f)?;
    let mut row = 1;
    for (scope, file, x) in findings {
        row = findings_rows(ws, row, scope, file, x, f)?;
    }
    findings_tail(ws, row, f)
}

/// Every finding of these results, each with its scope.
pub(crate) fn of_results<'a>(results: impl Iterator<Item = (&'a str, &'a UnitResult)>) -> impl Iterator<Item = (&'a str, &'a str, &'a Finding)> {
    results.flat_map(|(scope, r)| r.findings.iter().map(move |x| (scope, r.file.as_str(), x)))
}

pub(crate) fn findings_head(ws: &mut Worksheet, name: &str, f: &Formats) -> Result<()> {
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

/// Write one finding at `row`; returns the next free row.
pub(crate) fn findings_rows(ws: &mut Worksheet, mut row: u32, scope: &str, file: &str, x: &Finding, f: &Formats) -> Result<u32> {
    {
        let cells =
            [file, x.sheet.as_deref().unwrap_or(""), x.cell.as_deref().unwrap_or(""), x.item.as_deref().unwrap_or(""), x.severity.label(), x.code.as_str()];
        for (c, v) in cells.iter().enumerate() {
            ws.write_with_format(row, c as u16, *v, &f.text)?;
        }
        ws.write_with_format(row, 6, &x.message, &f.note)?;
        // The 说明 column wraps at about 34 Chinese characters: make room for every line.
        // Every wrapped cell gets room for all its lines: 文件 (30 wide), 说明 (70), 范围 (12), 详情 (30),
        // counted in display columns (a Chinese character takes two).
        let lines = [(file, 28), (x.message.as_str(), 68), (scope, 10), (x.detail.as_deref().unwrap_or(""), 28)]
            .iter()
            .map(|(t, w)| super::lines(t, *w))
            .max()
            .unwrap_or(1);
        if lines > 1 {
            ws.set_row_height(row, 15.0 * lines as f64 + 2.0)?;
        }
        ws.write_with_format(row, 7, scope, &f.text)?;
        ws.write_with_format(row, 8, x.detail.as_deref().unwrap_or(""), &f.note)?;
        row += 1;
    }
    Ok(row)
}

pub(crate) fn findings_tail(ws: &mut Worksheet, row: u32, f: &Formats) -> Result<()> {
    if row == 1 {
        ws.merge_range(1, 0, 1, 8, "未发现问题", &f.text)?;
    }
    Ok(())
}
