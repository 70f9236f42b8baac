//! The rubric authoring workbook: a rubric laid out for a clerk to edit in
//! Excel or WPS (written by [`crate::render::authoring`]), and read back here
//! into the rubric model for `kaohe rubric build`, every problem named by its
//! sheet and cell.
//!
//! Sheets and columns (the words are the seed's):
//! - 评分表: 主要内容 | 性质 | 序号 | 工作标准 | 分值 | 计分方式 | 每次扣分 | 最多扣分 | 单位 | 必填.
//!   An item row has a 序号 and 计分方式 得分, 档次 or 分项扣分; the rows under a
//!   档次 item are its levels (计分方式 档次, no 序号: 工作标准 is the level's
//!   wording, 分值 its points); the rows under a 分项扣分 item are its sub-rules
//!   (序号 65.1…, 计分方式 每次扣分 or 酌情扣分, with 每次扣分, 最多扣分, 单位).
//!   A blank 主要内容 or 性质 continues the row above.
//! - 基本信息: 编号, 版本, 标题, 发文单位, 地区, 层级, 年度, 说明 (label | value).
//! - 考核档次: 档次 | 最低分, from the highest down; the last has no 最低分.
//! - 统计表: 标题 on the first row, then 表头 | 数据来源, and 备注 rows.
//!
//! Category maxima and the range of totals are derived from the items, never typed.

use std::collections::HashMap;

use kaohe_engine::{Band, Category, Column, Item, Level, LevelOption, Part, Report, Rubric, RuleMode, SubRule};

use crate::rubric_build::Problem;
use crate::runtime::{ColumnSource, RubricInfo, Scoring};
use crate::workbook::parse::{RawSheet, Value};

/// The 评分表 columns, in order.
pub const ITEM_COLUMNS: [&str; 10] = ["主要内容", "性质", "序号", "工作标准", "分值", "计分方式", "每次扣分", "最多扣分", "单位", "必填"];
/// 计分方式 of an item.
pub const ITEM_KINDS: [&str; 3] = ["得分", "档次", "分项扣分"];
/// 计分方式 of a sub-rule.
pub const RULE_KINDS: [&str; 2] = ["每次扣分", "酌情扣分"];
/// The 基本信息 labels, in order.
pub const INFO_LABELS: [&str; 8] = ["编号", "版本", "标题", "发文单位", "地区", "层级", "年度", "说明"];
/// 层级 values, in the WIT enum's order.
pub const LEVELS: [(&str, Level); 3] =
    [("县级服务中心", Level::CountyCenter), ("乡镇（街道）服务站", Level::TownshipStation), ("村（社区）服务站", Level::VillageStation)];
/// 性质 values (a part's label, see [`crate::wording::part_label`]).
pub const PARTS: [Part; 5] = [Part::Base, Part::Bonus, Part::Deduction, Part::Special, Part::SpecialDeduction];
/// 数据来源 of a 统计表 column other than a category (分类：NAME), with the source it stands for.
pub const SOURCES: [(&str, &str); 9] = [
    ("县(市、区)", "county"),
    ("服务(中心)站名称", "center"),
    ("加分", "bonus"),
    ("减分", "deduction"),
    ("特别考核加分", "special"),
    ("特别考核减分", "special-deduction"),
    ("加分减分", "adjustment"),
    ("总分", "total"),
    ("考核结果", "grade"),
];
/// How a category source is written: 分类：组织领导.
pub const CATEGORY_SOURCE: &str = "分类：";

/// A part's label as the 性质 column writes it.
pub fn part_label(p: Part) -> &'static str {
    crate::wording::part_label(match p {
        Part::Base => crate::runtime::Part::Base,
        Part::Bonus => crate::runtime::Part::Bonus,
        Part::Deduction => crate::runtime::Part::Deduction,
        Part::Special => crate::runtime::Part::Special,
        Part::SpecialDeduction => crate::runtime::Part::SpecialDeduction,
    })
}

/// A 统计表 source as the 数据来源 column writes it.
pub fn source_label(source: &str) -> String {
    match source.strip_prefix("category:") {
        Some(name) => format!("{CATEGORY_SOURCE}{name}"),
        None => SOURCES.iter().find(|(_, s)| *s == source).map(|(l, _)| l.to_string()).unwrap_or_else(|| source.to_string()),
    }
}

/// The rubric model of a component's description (for a component not built
/// from data, whose own source kaohe does not have).
pub fn model_of(info: &RubricInfo) -> Rubric {
    let part = |p: crate::runtime::Part| match p {
        crate::runtime::Part::Base => Part::Base,
        crate::runtime::Part::Bonus => Part::Bonus,
        crate::runtime::Part::Deduction => Part::Deduction,
        crate::runtime::Part::Special => Part::Special,
        crate::runtime::Part::SpecialDeduction => Part::SpecialDeduction,
    };
    let categories = info
        .categories
        .iter()
        .map(|c| Category {
            name: c.name.clone().into(),
            part: part(c.part),
            items: info
                .items
                .iter()
                .filter(|i| i.category == c.name)
                .map(|i| Item {
                    id: i.id.clone().into(),
                    text: i.text.clone().into(),
                    max: Some(i.max_points),
                    part: (part(i.part) != part(c.part)).then_some(part(i.part)),
                    required: Some(i.required),
                    levels: match &i.scoring {
                        Scoring::Levels(ls) => ls.iter().map(|l| LevelOption { points: l.points, label: l.label.clone().into() }).collect(),
                        _ => vec![],
                    },
                    rules: match &i.scoring {
                        Scoring::Rules(rs) => rs
                            .iter()
                            .map(|r| SubRule {
                                id: r.id.clone().into(),
                                text: r.text.clone().into(),
                                mode: match r.mode {
                                    crate::runtime::RuleMode::PerOccurrence => RuleMode::PerOccurrence,
                                    crate::runtime::RuleMode::Discretionary => RuleMode::Discretionary,
                                },
                                each: r.points_each,
                                cap: r.cap,
                                unit: r.unit.clone().into(),
                            })
                            .collect(),
                        _ => vec![],
                    },
                })
                .collect(),
        })
        .collect();
    Rubric {
        id: info.id.clone().into(),
        version: info.version.clone().into(),
        title: info.title.clone().into(),
        issuer: info.issuer.clone().into(),
        region: info.region.clone().into(),
        level: match info.level {
            crate::runtime::Level::CountyCenter => Level::CountyCenter,
            crate::runtime::Level::TownshipStation => Level::TownshipStation,
            crate::runtime::Level::VillageStation => Level::VillageStation,
        },
        year: info.year,
        description: info.description.clone().into(),
        categories,
        bands: info.bands.iter().map(|b| Band { label: b.label.clone().into(), min: b.min_total }).collect(),
        report: Report {
            title: info.report_title.clone().into(),
            columns: info
                .report_columns
                .iter()
                .map(|c| Column {
                    header: c.header.clone().into(),
                    source: match &c.source {
                        ColumnSource::Category(n) => format!("category:{n}").into(),
                        other => crate::render::json::source_name(other).into(),
                    },
                })
                .collect(),
            notes: info.report_notes.iter().map(|n| n.clone().into()).collect(),
        },
    }
}

/// A sheet's cells by (row, col), as text or number.
struct Grid<'a> {
    name: &'a str,
    cells: HashMap<(u32, u32), &'a Value>,
    rows: u32,
}

impl<'a> Grid<'a> {
    fn new(s: &'a RawSheet) -> Self {
        let rows = s.cells.iter().map(|c| c.row + 1).max().unwrap_or(0);
        Grid { name: &s.name, cells: s.cells.iter().map(|c| ((c.row, c.col), &c.value)).collect(), rows }
    }

    fn text(&self, row: u32, col: u32) -> String {
        match self.cells.get(&(row, col)) {
            Some(Value::Text(t)) => t.trim().to_string(),
            Some(Value::Number(n)) => kaohe_engine::fmt_points(*n),
            Some(Value::Boolean(b)) => b.to_string(),
            Some(Value::Date(d)) => d.to_string(),
            Some(Value::IsoDate(t) | Value::Error(t)) => t.clone(),
            None => String::new(),
        }
    }

    fn at(&self, row: u32, col: u32) -> String {
        format!("{}!{}", self.name, crate::workbook::cell_ref(row, col))
    }

    /// A number, or a problem naming the cell; `None` for a blank.
    fn number(&self, row: u32, col: u32, what: &str, problems: &mut Vec<Problem>) -> Option<f64> {
        match self.cells.get(&(row, col)) {
            None => None,
            Some(Value::Number(n)) => Some(*n),
            Some(_) => {
                let t = self.text(row, col);
                match crate::workbook::parse_text_number(&t) {
                    Some(n) if n.mark.is_none() => Some(n.value),
                    _ => {
                        problems.push(Problem { place: self.at(row, col), message: format!("{what}应是数字，这里是“{}”", crate::clip(&t, 20)) });
                        None
                    }
                }
            }
        }
    }
}

/// Read an authoring workbook's sheets into a rubric; every problem at once.
pub fn read(sheets: &[RawSheet]) -> Result<Rubric, Vec<Problem>> {
    let mut problems = Vec::new();
    if !sheets.iter().any(|s| ["基本信息", "考核档次", "统计表"].contains(&s.name.trim())) {
        return Err(vec![Problem {
            place: String::new(),
            message: "这不是评分标准编辑表（没有“基本信息”“考核档次”“统计表”工作表）；请用 kaohe rubric export 导出一份编辑表，修改后再生成".into(),
        }]);
    }
    let sheet = |name: &str, problems: &mut Vec<Problem>| {
        let s = sheets.iter().find(|s| s.name.trim() == name);
        if s.is_none() {
            problems.push(Problem { place: name.to_string(), message: format!("缺少工作表“{name}”") });
        }
        s.map(Grid::new)
    };
    let (info, items, bands, report) =
        (sheet("基本信息", &mut problems), sheet("评分表", &mut problems), sheet("考核档次", &mut problems), sheet("统计表", &mut problems));
    let (Some(info), Some(items), Some(bands), Some(report)) = (info, items, bands, report) else { return Err(problems) };

    // 基本信息: label | value.
    let mut fields: HashMap<&str, (u32, String)> = HashMap::new();
    for r in 0..info.rows {
        let label = info.text(r, 0);
        if let Some(l) = INFO_LABELS.iter().find(|l| **l == label) {
            fields.insert(l, (r, info.text(r, 1)));
        }
    }
    let mut field = |label: &str, required: bool, problems: &mut Vec<Problem>| -> (u32, String) {
        match fields.remove(label) {
            Some((r, v)) => {
                if required && v.is_empty() {
                    problems.push(Problem { place: info.at(r, 1), message: format!("“{label}”不能为空") });
                }
                (r, v)
            }
            None => {
                problems.push(Problem { place: info.name.to_string(), message: format!("缺少“{label}”一行") });
                (0, String::new())
            }
        }
    };
    let (_, id) = field("编号", true, &mut problems);
    let (_, version) = field("版本", true, &mut problems);
    let (_, title) = field("标题", true, &mut problems);
    let (_, issuer) = field("发文单位", false, &mut problems);
    let (_, region) = field("地区", false, &mut problems);
    let (lr, level_text) = field("层级", true, &mut problems);
    let (yr, year_text) = field("年度", true, &mut problems);
    let (_, description) = field("说明", false, &mut problems);
    let level = LEVELS.iter().find(|(l, _)| *l == level_text).map(|(_, v)| *v).unwrap_or_else(|| {
        if !level_text.is_empty() {
            let allowed: Vec<&str> = LEVELS.iter().map(|(l, _)| *l).collect();
            problems.push(Problem { place: info.at(lr, 1), message: format!("层级“{level_text}”不是 {} 之一", allowed.join("、")) });
        }
        Level::CountyCenter
    });
    let year = year_text.parse::<u32>().unwrap_or_else(|_| {
        if !year_text.is_empty() {
            problems.push(Problem { place: info.at(yr, 1), message: format!("年度应是四位数字，这里是“{year_text}”") });
        }
        0
    });

    // 评分表: the header row, then items with their levels and sub-rules.
    let header = (0..items.rows.min(20)).find(|r| items.text(*r, 2) == "序号" && items.text(*r, 5) == "计分方式");
    let mut categories: Vec<Category> = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut item_rows: Vec<u32> = Vec::new();
    match header {
        None => problems.push(Problem { place: items.name.to_string(), message: format!("没有找到表头行（{}）", ITEM_COLUMNS.join(" | ")) }),
        Some(h) => {
            let (mut category, mut part_text) = (String::new(), String::new());
            for r in h + 1..items.rows {
                let cells: Vec<String> = (0..10).map(|c| items.text(r, c)).collect();
                if cells.iter().all(String::is_empty) {
                    continue;
                }
                let kind = cells[5].as_str();
                let id = cells[2].clone();
                let text = cells[3].clone();
                if !id.is_empty()
                    && let Some(first) = seen.insert(id.clone(), items.at(r, 2))
                {
                    problems.push(Problem { place: items.at(r, 2), message: format!("序号 {id} 重复（已在 {first}）") });
                }
                match kind {
                    k if ITEM_KINDS.contains(&k) && !(k == "档次" && id.is_empty()) => {
                        if id.is_empty() {
                            problems.push(Problem { place: items.at(r, 2), message: "项目的序号不能为空".into() });
                        }
                        if text.is_empty() {
                            problems.push(Problem { place: items.at(r, 3), message: format!("序号 {id} 的工作标准不能为空") });
                        }
                        if !cells[0].is_empty() {
                            category = cells[0].clone();
                        }
                        if !cells[1].is_empty() {
                            part_text = cells[1].clone();
                        }
                        if category.is_empty() {
                            problems.push(Problem { place: items.at(r, 0), message: format!("序号 {id} 没有主要内容（分类）") });
                        }
                        let part = PARTS.iter().copied().find(|p| part_label(*p) == part_text).unwrap_or_else(|| {
                            let allowed: Vec<&str> = PARTS.iter().map(|p| part_label(*p)).collect();
                            problems.push(Problem { place: items.at(r, 1), message: format!("性质“{part_text}”不是 {} 之一", allowed.join("、")) });
                            Part::Base
                        });
                        let max = items.number(r, 4, "分值", &mut problems);
                        if k != "分项扣分" && max.is_none() {
                            problems.push(Problem { place: items.at(r, 4), message: format!("序号 {id} 没有分值") });
                        }
                        let required = match cells[9].as_str() {
                            "" => None,
                            "是" => Some(true),
                            "否" => Some(false),
                            other => {
                                problems
                                    .push(Problem { place: items.at(r, 9), message: format!("必填应写“是”或“否”，这里是“{other}”") });
                                None
                            }
                        };
                        let item = Item { id: id.into(), text: text.into(), max, part: Some(part), required, levels: vec![], rules: vec![] };
                        if categories.last().is_none_or(|c| c.name != category.as_str()) {
                            match categories.iter().position(|c| c.name == category.as_str()) {
                                Some(_) => problems.push(Problem { place: items.at(r, 0), message: format!("分类“{category}”的项目应排在一起") }),
                                None => categories.push(Category { name: category.clone().into(), part, items: vec![] }),
                            }
                        }
                        if let Some(c) = categories.iter_mut().find(|c| c.name == category.as_str()) {
                            c.items.push(item);
                            item_rows.push(r);
                        }
                    }
                    "档次" => {
                        let points = items.number(r, 4, "档次的分值", &mut problems);
                        let owner = categories.last_mut().and_then(|c| c.items.last_mut());
                        match (owner, points) {
                            (None, _) => problems.push(Problem { place: items.at(r, 5), message: "档次行应在它所属项目的下面".into() }),
                            (Some(_), None) => {
                                problems.push(Problem { place: items.at(r, 4), message: format!("档次“{}”没有分值", crate::clip(&text, 20)) })
                            }
                            (Some(it), Some(p)) => {
                                if p <= 0.0 || it.max.is_some_and(|m| p > m) {
                                    problems.push(Problem {
                                        place: items.at(r, 4),
                                        message: format!("档次的分值 {} 应大于 0 且不超过该项分值", kaohe_engine::fmt_points(p)),
                                    });
                                }
                                it.levels.push(LevelOption { points: p, label: text.into() });
                            }
                        }
                    }
                    k if RULE_KINDS.contains(&k) => {
                        let mode = if k == "每次扣分" { RuleMode::PerOccurrence } else { RuleMode::Discretionary };
                        let each = items.number(r, 6, "每次扣分", &mut problems);
                        let cap = items.number(r, 7, "最多扣分", &mut problems);
                        let unit = if cells[8].is_empty() && mode == RuleMode::Discretionary { "分".to_string() } else { cells[8].clone() };
                        if mode == RuleMode::PerOccurrence && each.is_none_or(|e| e <= 0.0) {
                            problems.push(Problem { place: items.at(r, 6), message: format!("分项 {id} 没有每次扣分") });
                        }
                        if cap.is_none_or(|c| c <= 0.0) {
                            problems.push(Problem { place: items.at(r, 7), message: format!("分项 {id} 没有最多扣分") });
                        }
                        if unit.is_empty() {
                            problems.push(Problem { place: items.at(r, 8), message: format!("分项 {id} 没有单位（人次、次、批次…）") });
                        }
                        match categories.last_mut().and_then(|c| c.items.last_mut()) {
                            None => problems.push(Problem { place: items.at(r, 5), message: "分项行应在它所属项目的下面".into() }),
                            Some(it) => {
                                if let (Some(m), Some(c)) = (it.max, cap)
                                    && c > m
                                {
                                    problems.push(Problem {
                                        place: items.at(r, 7),
                                        message: format!("分项 {id} 最多扣 {} 分，超过该项分值 {}", kaohe_engine::fmt_points(c), kaohe_engine::fmt_points(m)),
                                    });
                                }
                                it.rules.push(SubRule {
                                    id: id.into(),
                                    text: text.into(),
                                    mode,
                                    each: if mode == RuleMode::PerOccurrence { each.unwrap_or(0.0) } else { 0.0 },
                                    cap: cap.unwrap_or(0.0),
                                    unit: unit.into(),
                                });
                            }
                        }
                    }
                    other => {
                        let all: Vec<&str> = ITEM_KINDS.iter().chain(RULE_KINDS.iter()).copied().collect();
                        problems.push(Problem { place: items.at(r, 5), message: format!("计分方式“{other}”不是 {} 之一", all.join("、")) });
                    }
                }
            }
        }
    }
    // An item's own part only where it differs from its category's.
    for c in &mut categories {
        for it in &mut c.items {
            if it.part == Some(c.part) {
                it.part = None;
            }
        }
    }
    let mut k = 0;
    for c in &categories {
        for it in &c.items {
            let r = item_rows[k];
            k += 1;
            let kind = items.text(r, 5);
            if kind == "档次" && it.levels.is_empty() {
                problems.push(Problem { place: items.at(r, 5), message: format!("序号 {} 按档次计分，下面却没有档次行", it.id) });
            }
            if kind == "分项扣分" && it.rules.is_empty() {
                problems.push(Problem { place: items.at(r, 5), message: format!("序号 {} 按分项扣分，下面却没有分项行", it.id) });
            }
        }
    }

    // 考核档次: 档次 | 最低分, from the highest down.
    let mut band_list = Vec::new();
    let mut last_min: Option<(f64, String)> = None;
    for r in 1..bands.rows {
        let label = bands.text(r, 0);
        if label.is_empty() {
            continue;
        }
        let min = bands.number(r, 1, "最低分", &mut problems);
        if let (Some(m), Some((prev, at))) = (min, &last_min)
            && m >= *prev
        {
            problems.push(Problem {
                place: bands.at(r, 1),
                message: format!("档次应从高到低排列：{} 不低于上一档（{at}）的 {}", kaohe_engine::fmt_points(m), kaohe_engine::fmt_points(*prev)),
            });
        }
        if let Some(m) = min {
            last_min = Some((m, bands.at(r, 1)));
        }
        band_list.push((r, Band { label: label.into(), min }));
    }
    match band_list.iter().position(|(_, b)| b.min.is_none()) {
        None => problems.push(Problem { place: bands.name.to_string(), message: "最后一档不填最低分（其余单位都归入它）".into() }),
        Some(i) if i + 1 != band_list.len() => {
            problems.push(Problem { place: bands.at(band_list[i].0, 1), message: "只有最后一档可以不填最低分".into() })
        }
        _ => {}
    }

    // 统计表: 标题, then 表头 | 数据来源 rows, then 备注 rows.
    let report_title = report.text(0, 1);
    if report_title.is_empty() {
        problems.push(Problem { place: report.at(0, 1), message: "统计表的标题不能为空".into() });
    }
    let mut columns = Vec::new();
    let mut notes = Vec::new();
    for r in 1..report.rows {
        let (a, b) = (report.text(r, 0), report.text(r, 1));
        if a == "表头" || (a.is_empty() && b.is_empty()) {
            continue;
        }
        if a == "备注" {
            if !b.is_empty() {
                notes.push(b.into());
            }
            continue;
        }
        let source = match b.strip_prefix(CATEGORY_SOURCE) {
            Some(name) => {
                if !categories.iter().any(|c| c.name == name.trim() && c.part == Part::Base) {
                    problems.push(Problem { place: report.at(r, 1), message: format!("“{b}”不是评分表中的基础项分类") });
                }
                format!("category:{}", name.trim())
            }
            None => match SOURCES.iter().find(|(l, _)| *l == b) {
                Some((_, s)) => s.to_string(),
                None => {
                    problems.push(Problem {
                        place: report.at(r, 1),
                        message: format!("数据来源“{b}”不是可选的来源（分类：名称，或 {}）", SOURCES.map(|s| s.0).join("、")),
                    });
                    continue;
                }
            },
        };
        columns.push(Column { header: a.into(), source: source.into() });
    }

    let rubric = Rubric {
        id: id.into(),
        version: version.into(),
        title: title.into(),
        issuer: issuer.into(),
        region: region.into(),
        level,
        year,
        description: description.into(),
        categories,
        bands: band_list.into_iter().map(|(_, b)| b).collect(),
        report: Report { title: report_title.into(), columns, notes },
    };
    if problems.is_empty()
        && let Err(errs) = rubric.validate()
    {
        problems.extend(errs.into_iter().map(|message| Problem { place: String::new(), message }));
    }
    if problems.is_empty() { Ok(rubric) } else { Err(problems) }
}
