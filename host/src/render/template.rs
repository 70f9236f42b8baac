//! Blank scorecards for inspectors, in the seed's layout.
//!
//! Columns 主要内容 | 序号 | 工作标准 | 分值 | 得分 | 备注, category cells merged,
//! every 得分 cell validated with its allowed range and a Chinese message, the
//! sheet protected except the input cells, one count row per deduction
//! sub-rule, and the rubric's id and version in a hidden sheet.
//!
//! ```no_run
//! let rt = kaohe::runtime::Runtime::new(Default::default())?;
//! let rubric = rt.load(kaohe::BUILTIN_RUBRIC, "built-in")?;
//! let unit = kaohe::render::template::Unit { center: "潞州区退役军人服务中心".into(), county: "潞州区".into(), ..Default::default() };
//! let bytes = kaohe::render::template::build(&rubric, &unit)?;
//! kaohe::output::write_atomic(std::path::Path::new("潞州区.xlsx"), &bytes)?;
//! # anyhow::Ok(())
//! ```

use std::collections::BTreeMap;

use anyhow::Result;
use kaohe_engine::fmt_points;
use rust_xlsxwriter::{DataValidation, DataValidationRule, Formula, Workbook, Worksheet};

use super::style::{Form as Formats, Paper};

use crate::runtime::{LoadedRubric, RuleMode, Scoring, SubRule};
use crate::workbook::{META_SHEET, cell_ref};

const SCORE_COL: u16 = 4;
const FIRST_ROW: u32 = 3;

/// The unit a scorecard is for, and anything to print or fill in beforehand.
#[derive(Debug, Clone, Default)]
pub struct Unit {
    /// 被考核单位, e.g. 潞州区退役军人服务中心.
    pub center: String,
    /// 县(市、区), e.g. 潞州区.
    pub county: String,
    /// A line printed under the table, e.g. 示例数据.
    pub note: Option<String>,
    /// Values to fill in, by item or sub-rule id (for examples and tests; empty for a blank form).
    pub values: BTreeMap<String, f64>,
}

/// A file name (without extension) for a unit's template: its name without the
/// characters file systems refuse, at most 80 characters.
///
/// ```
/// assert_eq!(kaohe::render::template::file_stem("潞州区/退役军人服务中心 "), "潞州区_退役军人服务中心");
/// assert_eq!(kaohe::render::template::file_stem(" ? "), "未命名单位");
/// ```
pub fn file_stem(name: &str) -> String {
    let s: String = name.chars().map(|c| if "/\\:*?\"<>|".contains(c) || c.is_control() { '_' } else { c }).collect();
    let s = s.trim().trim_matches(['.', '_']).trim();
    if s.is_empty() { "未命名单位".into() } else { s.chars().take(80).collect() }
}

/// Build a scorecard for one unit; returns the xlsx bytes.
pub fn build(rubric: &LoadedRubric, unit: &Unit) -> Result<Vec<u8>> {
    let info = &rubric.info;
    let (center, county) = (&unit.center, &unit.county);
    let f = Formats::new();
    let mut book = Workbook::new();
    book.set_properties(&crate::output::properties(&info.title, crate::output::Kind::Template));
    let ws = book.add_worksheet();
    ws.set_name("评分表")?;
    ws.set_column_width(0, 10)?;
    ws.set_column_width(1, 7)?;
    ws.set_column_width(2, 62)?;
    ws.set_column_width(3, 14)?;
    ws.set_column_width(4, 9)?;
    ws.set_column_width(5, 16)?;
    ws.merge_range(0, 0, 0, 5, &info.title, &f.title)?;
    ws.set_row_height(0, 28)?;
    ws.merge_range(1, 0, 1, 2, &format!("县(市、区)：{county}"), &f.label)?;
    ws.merge_range(1, 3, 1, 5, &format!("被考核单位：{center}"), &f.label)?;
    for (c, h) in ["主要内容", "序号", "工作标准", "分值", "得分", "备注"].iter().enumerate() {
        ws.write_with_format(2, c as u16, *h, &f.header)?;
    }

    let mut row = FIRST_ROW;
    let mut item_rows = Vec::new();
    let mut total = 0.0;
    for cat in &info.categories {
        let first = row;
        for item in info.items.iter().filter(|i| i.category == cat.name) {
            let allowed = crate::wording::allowed(&item.scoring, item.max_points);
            match item.id.parse::<f64>() {
                Ok(n) => ws.write_number_with_format(row, 1, n, &f.center)?,
                Err(_) => ws.write_string_with_format(row, 1, &item.id, &f.center)?,
            };
            ws.write_with_format(row, 2, &item.text, &f.text)?;
            ws.write_blank(row, 5, &f.input)?;
            height(ws, row, &item.text)?;
            item_rows.push(row);
            match &item.scoring {
                Scoring::Rules(rules) => {
                    ws.write_with_format(row, 3, format!("最多扣{}分", fmt_points(item.max_points)).as_str(), &f.center)?;
                    let parts: Vec<String> = rules
                        .iter()
                        .enumerate()
                        .map(|(k, r)| {
                            let cell = cell_ref(row + 1 + k as u32, SCORE_COL as u32);
                            match r.mode {
                                RuleMode::PerOccurrence => format!("MIN({cell}*{},{})", r.points_each, r.cap),
                                RuleMode::Discretionary => format!("MIN({cell},{})", r.cap),
                            }
                        })
                        .collect();
                    let formula = format!("=-MIN({},{})", item.max_points, parts.join("+"));
                    // The value Excel will compute, saved with the formula for readers that do not recalculate.
                    let off: f64 = rules
                        .iter()
                        .map(|r| {
                            let v = unit.values.get(&r.id).copied().unwrap_or(0.0);
                            match r.mode {
                                RuleMode::PerOccurrence => (v * r.points_each).min(r.cap),
                                RuleMode::Discretionary => v.min(r.cap),
                            }
                        })
                        .sum();
                    let points = -off.min(item.max_points);
                    total += points;
                    let result = fmt_points(points);
                    ws.write_formula_with_format(row, SCORE_COL, Formula::new(formula).set_result(result), &f.formula)?;
                    for r in rules {
                        row += 1;
                        sub_rule_row(ws, row, r, &f, unit.values.get(&r.id))?;
                    }
                }
                Scoring::Levels(levels) => {
                    total += unit.values.get(&item.id).copied().unwrap_or(0.0);
                    ws.write_number_with_format(row, 3, item.max_points, &f.center)?;
                    let mut msg: Vec<String> = levels.iter().map(|l| format!("{}分：{}", fmt_points(l.points), l.label)).collect();
                    msg.push("均未达到填0".into());
                    let v = levels_validation(levels.iter().map(|l| l.points).collect(), item.max_points);
                    input(ws, row, v, &format!("序号{}", item.id), &msg.join("；"), &allowed, &f, unit.values.get(&item.id))?;
                }
                Scoring::Range => {
                    total += unit.values.get(&item.id).copied().unwrap_or(0.0);
                    ws.write_number_with_format(row, 3, item.max_points, &f.center)?;
                    let v = DataValidation::new().allow_decimal_number(DataValidationRule::Between(0.0, item.max_points));
                    let optional = if item.required { "" } else { "；未达到填0或留空" };
                    let msg = format!("请填写 {allowed} 之间的得分，可填半分{optional}");
                    input(ws, row, v, &format!("序号{}", item.id), &msg, &allowed, &f, unit.values.get(&item.id))?;
                }
            }
            row += 1;
        }
        if row > first + 1 {
            ws.merge_range(first, 0, row - 1, 0, &cat.name, &f.center)?;
        } else if row > first {
            ws.write_with_format(first, 0, &cat.name, &f.center)?;
        }
    }
    // 总分: the live total for the inspector; kaohe computes its own.
    ws.merge_range(row, 0, row, 3, "总分", &f.header)?;
    let cells: Vec<String> = item_rows.iter().map(|r| cell_ref(*r, SCORE_COL as u32)).collect();
    let formula = format!("=SUM({})", cells.join(","));
    ws.write_formula_with_format(row, SCORE_COL, Formula::new(formula).set_result(fmt_points(total)), &f.formula)?;
    ws.write_blank(row, 5, &f.input)?;
    let mut footer = format!("评分标准：{} {}（{}）", info.id, info.version, info.issuer);
    if let Some(note) = &unit.note {
        footer = format!("{note}　{footer}");
    }
    ws.merge_range(row + 1, 0, row + 1, 5, &footer, &f.label)?;

    ws.set_freeze_panes(3, 0)?;
    Paper::PORTRAIT.rows(2, 2).apply(ws)?;
    ws.protect();

    let meta = book.add_worksheet();
    meta.set_name(META_SHEET)?;
    for (r, (k, v)) in [
        ("rubric-id", info.id.as_str()),
        ("rubric-version", info.version.as_str()),
        ("rubric-sha256", rubric.sha256.as_str()),
        ("note", "本工作表由 kaohe 生成，用于识别评分标准，请勿修改"),
    ]
    .iter()
    .enumerate()
    {
        meta.write(r as u32, 0, *k)?;
        meta.write(r as u32, 1, *v)?;
    }
    meta.set_hidden(true);
    Ok(book.save_to_buffer()?)
}

fn sub_rule_row(ws: &mut Worksheet, row: u32, r: &SubRule, f: &Formats, value: Option<&f64>) -> Result<()> {
    ws.write_with_format(row, 1, &r.id, &f.center)?;
    let (what, rule, v, allowed) = match r.mode {
        RuleMode::PerOccurrence => (
            format!("{}（填写{}数）", r.text, r.unit),
            crate::wording::rule_text(r.mode, r.points_each, r.cap, &r.unit),
            DataValidation::new().allow_whole_number(DataValidationRule::Between(0, 9999)),
            kaohe_engine::wording::count(&r.unit),
        ),
        RuleMode::Discretionary => (
            format!("{}（填写扣分）", r.text),
            crate::wording::rule_text(r.mode, r.points_each, r.cap, &r.unit),
            DataValidation::new().allow_decimal_number(DataValidationRule::Between(0.0, r.cap)),
            kaohe_engine::wording::range(r.cap),
        ),
    };
    ws.write_with_format(row, 2, what.as_str(), &f.text)?;
    ws.write_with_format(row, 3, rule.as_str(), &f.center)?;
    // 分值 (14 wide) holds about 6 Chinese characters a line: the rule's wording wraps to several.
    let lines = what.chars().count().div_ceil(30).max(rule.chars().count().div_ceil(6)).max(1);
    ws.set_row_height(row, 15.0 * lines as f64 + 3.0)?;
    ws.write_blank(row, 5, &f.input)?;
    let msg = match r.mode {
        RuleMode::PerOccurrence => format!("请填写发生的{}数（整数），{rule}；未发生填0或留空", r.unit),
        RuleMode::Discretionary => format!("请填写扣分（{allowed}），未发生填0或留空"),
    };
    input(ws, row, v, &format!("分项{}", r.id), &msg, &allowed, f, value)
}

#[allow(clippy::too_many_arguments)]
fn input(ws: &mut Worksheet, row: u32, v: DataValidation, title: &str, msg: &str, allowed: &str, f: &Formats, value: Option<&f64>) -> Result<()> {
    let v = v.set_input_title(title)?.set_input_message(msg)?.set_error_title("输入有误")?.set_error_message(format!("{title}只能填写 {allowed}。"))?;
    match value {
        Some(v) => ws.write_number_with_format(row, SCORE_COL, *v, &f.input)?,
        None => ws.write_blank(row, SCORE_COL, &f.input)?,
    };
    ws.add_data_validation(row, SCORE_COL, row, SCORE_COL, &v)?;
    Ok(())
}

fn levels_validation(points: Vec<f64>, max: f64) -> DataValidation {
    let contiguous = points.iter().all(|p| p.fract() == 0.0) && points.len() as f64 == max;
    if contiguous {
        DataValidation::new().allow_whole_number(DataValidationRule::Between(0, max as i32))
    } else {
        let mut all = vec!["0".to_string()];
        all.extend(points.iter().map(|p| fmt_points(*p)));
        DataValidation::new().allow_list_strings(&all).unwrap_or_else(|_| DataValidation::new())
    }
}

/// Row height for wrapped text of about 30 Chinese characters a line.
fn height(ws: &mut Worksheet, row: u32, text: &str) -> Result<()> {
    let lines = text.chars().count().div_ceil(30).max(1);
    ws.set_row_height(row, 15.0 * lines as f64 + 3.0)?;
    Ok(())
}
