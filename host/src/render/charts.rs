//! The 图表 sheets: native charts (rust_xlsxwriter's, so Excel and WPS draw
//! them and they stay live) over small data tables on the same sheet. 统计表
//! stays exactly attachment 2; the charts are a sheet of their own, the one a
//! summary opens on. A chart with no scored unit to show is left out.

use anyhow::Result;
use rust_xlsxwriter::{Chart, ChartType, Workbook, Worksheet};

use super::style::{Paper, Report as Formats};
use crate::compare::{Pair, ok};
use crate::province::{CityReport, grade_labels, stats};
use crate::runtime::LoadedRubric;
use crate::score::UnitResult;

/// Fill colours by grade, best first (green, blue, amber, red, grey…).
const COLOURS: [&str; 6] = ["#2E7D32", "#1565C0", "#F9A825", "#C62828", "#6D4C41", "#757575"];

const SHEET: &str = "图表";

fn sheet(book: &mut Workbook) -> Result<&mut Worksheet> {
    let ws = book.add_worksheet();
    ws.set_name(SHEET)?;
    ws.set_column_width(0, 12)?;
    ws.set_column_width(1, 26)?;
    // The charts beside their tables, on one landscape page per block.
    Paper::LANDSCAPE.apply(ws)?;
    Ok(ws)
}

fn chart(kind: ChartType, title: &str, y: &str) -> Chart {
    let mut c = Chart::new(kind);
    c.title().set_name(title);
    c.y_axis().set_name(y);
    c.set_width(760).set_height(380);
    c
}

/// Most units a chart of each unit's total shows: past that (a province's
/// stations) the bars are unreadable and the table behind them large, and the
/// chart of units per grade says it.
const MAX_BARS: usize = 200;

/// The summary's 图表: per rubric with scored units, each unit's 总分 (highest
/// first, coloured by 考核结果; up to [`MAX_BARS`] units) and the number of units
/// per grade. Returns whether the sheet was written.
pub(crate) fn summary(book: &mut Workbook, rubrics: &[&LoadedRubric], results: &[UnitResult]) -> Result<bool> {
    let f = Formats::new();
    let blocks: Vec<(usize, Vec<&UnitResult>)> = (0..rubrics.len())
        .map(|k| (k, results.iter().filter(|r| r.rubric.min(rubrics.len() - 1) == k && r.ok() && r.assessment.is_some()).collect::<Vec<_>>()))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    if blocks.is_empty() {
        return Ok(false);
    }
    let ws = sheet(book)?;
    let mut row = 0u32;
    for (k, mut units) in blocks {
        let info = &rubrics[k].info;
        let total = |r: &UnitResult| r.assessment.as_ref().map_or(0.0, |a| a.total);
        units.sort_by(|a, b| total(b).total_cmp(&total(a)).then_with(|| a.center.cmp(&b.center)));
        let grades: Vec<&str> = info.bands.iter().map(|b| b.label.as_str()).collect();
        ws.write_with_format(row, 0, format!("{}（{} {}）", info.title, info.id, info.version).as_str(), &f.line)?;
        let head = row + 1;
        let counts_at = if units.len() <= MAX_BARS {
            ws.set_row_height(head, 20)?;
            for (c, h) in ["县(市、区)", "服务(中心)站名称", "总分"].iter().chain(grades.iter()).enumerate() {
                ws.write_with_format(head, c as u16, *h, &f.header)?;
            }
            for (i, r) in units.iter().enumerate() {
                let at = head + 1 + i as u32;
                ws.write_with_format(at, 0, r.county.as_str(), &f.text)?;
                ws.write_with_format(at, 1, r.center.as_str(), &f.text)?;
                let lines = super::lines(&r.center, 24).max(super::lines(&r.county, 10));
                if lines > 1 {
                    ws.set_row_height(at, 15.0 * lines as f64 + 2.0)?;
                }
                ws.write_number_with_format(at, 2, total(r), &f.number)?;
                let grade = r.assessment.as_ref().map(|a| a.grade.as_str()).unwrap_or("");
                for (g, label) in grades.iter().enumerate() {
                    match *label == grade {
                        true => ws.write_number_with_format(at, 3 + g as u16, total(r), &f.number)?,
                        false => ws.write_blank(at, 3 + g as u16, &f.text)?,
                    };
                }
            }
            let last = head + units.len() as u32;
            let mut c = chart(ChartType::ColumnStacked, "各单位总分（按考核结果着色）", "总分");
            for g in 0..grades.len() {
                let col = 3 + g as u16;
                c.add_series()
                    .set_name((SHEET, head, col))
                    .set_categories((SHEET, head + 1, 1, last, 1))
                    .set_values((SHEET, head + 1, col, last, col))
                    .set_format(
                        rust_xlsxwriter::ChartFormat::new().set_solid_fill(rust_xlsxwriter::ChartSolidFill::new().set_color(COLOURS[g % COLOURS.len()])),
                    )
                    .set_gap(60);
            }
            ws.insert_chart(head, 4 + grades.len() as u16, &c)?;
            last + 2
        } else {
            ws.write_with_format(head, 0, format!("共 {} 个单位，超过 {MAX_BARS} 个，不逐一绘出各单位总分", units.len()).as_str(), &f.line)?;
            head + 2
        };
        // Units per grade, under the first chart.
        ws.write_with_format(counts_at, 0, "考核结果", &f.header)?;
        ws.write_with_format(counts_at, 1, "单位数", &f.header)?;
        for (g, label) in grades.iter().enumerate() {
            let n = units.iter().filter(|r| r.assessment.as_ref().is_some_and(|a| a.grade == *label)).count();
            ws.write_with_format(counts_at + 1 + g as u32, 0, *label, &f.text)?;
            ws.write_number_with_format(counts_at + 1 + g as u32, 1, n as f64, &f.text)?;
        }
        let end = counts_at + grades.len() as u32;
        let mut c = chart(ChartType::Column, "各档次单位数", "单位数");
        let points: Vec<rust_xlsxwriter::ChartPoint> = (0..grades.len())
            .map(|g| {
                rust_xlsxwriter::ChartPoint::new().set_format(
                    rust_xlsxwriter::ChartFormat::new().set_solid_fill(rust_xlsxwriter::ChartSolidFill::new().set_color(COLOURS[g % COLOURS.len()])),
                )
            })
            .collect();
        c.add_series().set_name("单位数").set_categories((SHEET, counts_at + 1, 0, end, 0)).set_values((SHEET, counts_at + 1, 1, end, 1)).set_points(&points);
        c.legend().set_hidden();
        let at = if units.len() <= MAX_BARS { head + 20 } else { head };
        ws.insert_chart(at, 4 + grades.len() as u16, &c)?;
        row = end.max(head + 40) + 2;
    }
    Ok(true)
}

/// The comparison's 图表: each unit's 总分 under A and B (units scored cleanly under both).
pub(crate) fn compare(book: &mut Workbook, a: &LoadedRubric, b: &LoadedRubric, pairs: &[Pair]) -> Result<bool> {
    let f = Formats::new();
    let both: Vec<(&Pair, f64, f64)> = pairs.iter().filter_map(|p| Some((p, ok(&p.a)?.total, ok(&p.b)?.total))).collect();
    if both.is_empty() {
        return Ok(false);
    }
    let ws = sheet(book)?;
    ws.set_column_width(2, 24)?;
    ws.set_column_width(3, 24)?;
    ws.set_row_height(0, 32)?;
    let tag = |r: &LoadedRubric| format!("{} {}", r.info.id, r.info.version);
    for (c, h) in ["县(市、区)", "服务(中心)站名称", &format!("A：{}", tag(a)), &format!("B：{}", tag(b))].iter().enumerate() {
        ws.write_with_format(0, c as u16, *h, &f.header)?;
    }
    for (i, (p, x, y)) in both.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_with_format(r, 0, p.a.county.as_str(), &f.text)?;
        ws.write_with_format(r, 1, p.a.center.as_str(), &f.text)?;
        let lines = super::lines(&p.a.center, 24).max(super::lines(&p.a.county, 10));
        if lines > 1 {
            ws.set_row_height(r, 15.0 * lines as f64 + 2.0)?;
        }
        ws.write_number_with_format(r, 2, *x, &f.number)?;
        ws.write_number_with_format(r, 3, *y, &f.number)?;
    }
    let last = both.len() as u32;
    let mut c = chart(ChartType::Column, "各单位总分：A 与 B", "总分");
    for (col, colour) in [(2u16, COLOURS[1]), (3, COLOURS[2])] {
        c.add_series()
            .set_name((SHEET, 0, col))
            .set_categories((SHEET, 1, 1, last, 1))
            .set_values((SHEET, 1, col, last, col))
            .set_format(rust_xlsxwriter::ChartFormat::new().set_solid_fill(rust_xlsxwriter::ChartSolidFill::new().set_color(colour)));
    }
    ws.insert_chart(0, 5, &c)?;
    Ok(true)
}

/// The province's 图表: per city (and rubric), the lowest, mean and highest
/// total, and the number of units per grade.
pub(crate) fn province(book: &mut Workbook, cities: &[CityReport]) -> Result<bool> {
    let f = Formats::new();
    let grades = grade_labels(cities);
    let mut rows: Vec<(String, crate::province::Stats)> = Vec::new();
    for c in cities {
        for k in 0..c.rubrics.len() {
            let s = stats(c, Some(k), &grades);
            if s.mean.is_some() {
                let name = if c.rubrics.len() > 1 { format!("{}（{}）", c.name, c.rubrics[k].info.id) } else { c.name.clone() };
                rows.push((name, s));
            }
        }
    }
    if rows.is_empty() {
        return Ok(false);
    }
    let ws = sheet(book)?;
    ws.set_column_width(0, 24)?;
    let head: Vec<String> = ["城市", "最低分", "平均分", "最高分"].iter().map(|s| s.to_string()).chain(grades.iter().cloned()).collect();
    for (c, h) in head.iter().enumerate() {
        ws.write_with_format(0, c as u16, h.as_str(), &f.header)?;
    }
    for (i, (name, s)) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_with_format(r, 0, name.as_str(), &f.text)?;
        for (c, v) in [s.min, s.mean, s.max].iter().enumerate() {
            ws.write_number_with_format(r, 1 + c as u16, v.unwrap_or(0.0), &f.number)?;
        }
        for (g, n) in s.per_grade.iter().enumerate() {
            ws.write_number_with_format(r, 4 + g as u16, *n as f64, &f.text)?;
        }
    }
    let last = rows.len() as u32;
    let mut c = chart(ChartType::Column, "各市总分：最低、平均、最高", "总分");
    for (col, colour) in [(1u16, COLOURS[3]), (2, COLOURS[1]), (3, COLOURS[0])] {
        c.add_series()
            .set_name((SHEET, 0, col))
            .set_categories((SHEET, 1, 0, last, 0))
            .set_values((SHEET, 1, col, last, col))
            .set_format(rust_xlsxwriter::ChartFormat::new().set_solid_fill(rust_xlsxwriter::ChartSolidFill::new().set_color(colour)));
    }
    ws.insert_chart(last + 2, 0, &c)?;
    let mut c = chart(ChartType::ColumnStacked, "各市各档次单位数", "单位数");
    for g in 0..grades.len() {
        let col = 4 + g as u16;
        c.add_series()
            .set_name((SHEET, 0, col))
            .set_categories((SHEET, 1, 0, last, 0))
            .set_values((SHEET, 1, col, last, col))
            .set_format(rust_xlsxwriter::ChartFormat::new().set_solid_fill(rust_xlsxwriter::ChartSolidFill::new().set_color(COLOURS[g % COLOURS.len()])));
    }
    ws.insert_chart(last + 22, 0, &c)?;
    Ok(true)
}
