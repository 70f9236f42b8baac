//! Two rubric versions side by side: what changed between the rubrics (from
//! what the components describe, not their file names) and what the change
//! does to each unit's result.
//!
//! ```no_run
//! # let (a, b): (kaohe::runtime::LoadedRubric, kaohe::runtime::LoadedRubric) = todo!();
//! for c in kaohe::compare::diff(&a.info, &b.info) {
//!     println!("{} {}: {} → {}", c.label, c.item, c.a, c.b);
//! }
//! # anyhow::Ok(())
//! ```

use std::path::{Path, PathBuf};

use kaohe_engine::fmt_points;
use serde::Serialize;

use crate::runtime::{Band, Item, LoadedRubric, Part, RubricInfo, Scoring};
use crate::score::{Finding, Severity, UnitResult, internal_error, read_workbook, score_unit};
use crate::units::Roster;
use crate::workbook::{Code, Entered, Scorecard};

/// One difference between rubric A and rubric B.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// Stable code: `item-added`, `item-removed`, `reweighted`, `reworded`,
    /// `moved`, `part-changed`, `levels-changed`, `rule-added`, `rule-removed`,
    /// `rule-changed`, `category-max`, `bands-changed`, `columns-changed`, `info-changed`.
    pub code: &'static str,
    /// The same in Chinese, for the workbook.
    pub label: &'static str,
    /// Item, sub-rule or category it concerns; empty for the rubric as a whole.
    pub item: String,
    pub a: String,
    pub b: String,
}

fn change(code: &'static str, label: &'static str, item: &str, a: impl Into<String>, b: impl Into<String>) -> Change {
    Change { code, label, item: item.to_string(), a: a.into(), b: b.into() }
}

fn bands_text(bands: &[Band]) -> String {
    bands
        .iter()
        .map(|b| match b.min_total {
            Some(m) => format!("{}≥{}", b.label, fmt_points(m)),
            None => b.label.clone(),
        })
        .collect::<Vec<_>>()
        .join("、")
}

/// What changed from rubric `a` to rubric `b`, item by item, then categories,
/// bands and report columns.
pub fn diff(a: &RubricInfo, b: &RubricInfo) -> Vec<Change> {
    let mut out = Vec::new();
    for (field, x, y) in [("title", &a.title, &b.title), ("issuer", &a.issuer, &b.issuer), ("region", &a.region, &b.region)] {
        if x != y {
            out.push(change("info-changed", "基本信息", field, x.clone(), y.clone()));
        }
    }
    if crate::level_name(a.level) != crate::level_name(b.level) {
        out.push(change("info-changed", "基本信息", "level", crate::level_name(a.level), crate::level_name(b.level)));
    }
    let find = |items: &[Item], id: &str| items.iter().find(|i| i.id == id).cloned();
    for ia in &a.items {
        let Some(ib) = find(&b.items, &ia.id) else {
            out.push(change("item-removed", "删除项目", &ia.id, crate::clip(&ia.text, 40), ""));
            continue;
        };
        if ia.max_points != ib.max_points {
            out.push(change("reweighted", "分值调整", &ia.id, fmt_points(ia.max_points), fmt_points(ib.max_points)));
        }
        if ia.text != ib.text {
            out.push(change("reworded", "内容修改", &ia.id, ia.text.clone(), ib.text.clone()));
        }
        if ia.category != ib.category {
            out.push(change("moved", "调整分类", &ia.id, ia.category.clone(), ib.category.clone()));
        }
        if ia.part != ib.part {
            out.push(change("part-changed", "性质调整", &ia.id, crate::wording::part_label(ia.part), crate::wording::part_label(ib.part)));
        }
        match (&ia.scoring, &ib.scoring) {
            (Scoring::Rules(ra), Scoring::Rules(rb)) => {
                for x in ra {
                    match rb.iter().find(|y| y.id == x.id) {
                        None => out.push(change("rule-removed", "删除扣分分项", &x.id, x.text.clone(), "")),
                        Some(y) => {
                            let (tx, ty) = (
                                crate::wording::rule_text(x.mode, x.points_each, x.cap, &x.unit),
                                crate::wording::rule_text(y.mode, y.points_each, y.cap, &y.unit),
                            );
                            if tx != ty {
                                out.push(change("rule-changed", "扣分规则调整", &x.id, tx, ty));
                            }
                        }
                    }
                }
                for y in rb.iter().filter(|y| !ra.iter().any(|x| x.id == y.id)) {
                    out.push(change(
                        "rule-added",
                        "新增扣分分项",
                        &y.id,
                        "",
                        format!("{}：{}", y.text, crate::wording::rule_text(y.mode, y.points_each, y.cap, &y.unit)),
                    ));
                }
            }
            (x, y) if crate::wording::levels_text(x) != crate::wording::levels_text(y) => {
                out.push(change("levels-changed", "计分方式调整", &ia.id, crate::wording::levels_text(x), crate::wording::levels_text(y)))
            }
            _ => {}
        }
    }
    for ib in b.items.iter().filter(|ib| find(&a.items, &ib.id).is_none()) {
        out.push(change("item-added", "新增项目", &ib.id, "", format!("{}（{}，{}分）", ib.text, ib.category, fmt_points(ib.max_points))));
    }
    for ca in &a.categories {
        match b.categories.iter().find(|cb| cb.name == ca.name) {
            Some(cb) if cb.max_points != ca.max_points => {
                out.push(change("category-max", "分类总分调整", &ca.name, fmt_points(ca.max_points), fmt_points(cb.max_points)))
            }
            _ => {}
        }
    }
    if bands_text(&a.bands) != bands_text(&b.bands) {
        out.push(change("bands-changed", "考核档次调整", "", bands_text(&a.bands), bands_text(&b.bands)));
    }
    let headers = |i: &RubricInfo| i.report_columns.iter().map(|c| c.header.clone()).collect::<Vec<_>>().join("｜");
    if headers(a) != headers(b) {
        out.push(change("columns-changed", "统计表列调整", "", headers(a), headers(b)));
    }
    out
}

/// One unit scored under both rubrics.
pub struct Pair {
    pub a: UnitResult,
    pub b: UnitResult,
}

/// Score every unit of every file under both rubrics (each workbook is read
/// once), in input order; then the same unit twice and the roster are checked
/// on each side (see [`crate::units::check`]), so both sides list the same units.
///
/// A workbook filled for A is matched to B item by item. Where B re-weights an
/// item, the inspector's judgement is carried over in proportion (full marks
/// stay full marks: 4 of 4 becomes 3 of 3), and a level keeps its label (64's
/// "比例不低于三分之一" is worth what B says). Each conversion is a warning on
/// B's result; items B has that the workbook lacks are findings too.
pub fn score_both(a: &LoadedRubric, b: &LoadedRubric, files: &[PathBuf], roster: Option<&Roster>, jobs: usize) -> Vec<Pair> {
    let conversions = conversions(&a.info, &b.info);
    let both = |f: &Path| -> Vec<(UnitResult, UnitResult)> {
        let read = read_workbook(f);
        read.units()
            .into_iter()
            .map(|(seed, card)| {
                let ra = score_unit(a, 0, seed.clone(), card);
                let converted = card.map(|c| convert(c, &conversions));
                let mut rb = score_unit(b, 1, seed, converted.as_ref().map(|c| &c.0));
                rb.findings.extend(converted.map(|c| c.1).unwrap_or_default());
                (ra, rb)
            })
            .collect()
    };
    let broken = |f: &Path| {
        let sides = |r: UnitResult| (r.clone(), UnitResult { rubric: 1, ..r });
        internal_error(f).into_iter().map(sides).collect()
    };
    let (mut va, mut vb) = (Vec::new(), Vec::new());
    let _ = crate::batch::ordered(files, jobs, both, broken, &mut |pairs: Vec<(UnitResult, UnitResult)>| {
        for (x, y) in pairs {
            va.push(x);
            vb.push(y);
        }
        Ok(())
    });
    crate::units::check(&mut va, &[a], roster);
    crate::units::check(&mut vb, &[a, b], roster);
    va.into_iter().zip(vb).map(|(a, b)| Pair { a, b }).collect()
}

/// How an entered value for an item of A becomes one for B.
enum Conversion {
    /// Multiply by B's max over A's.
    Scale(f64, f64),
    /// A level's points under A → the points of the level with the same label under B.
    Levels(Vec<(f64, f64)>),
}

fn conversions(a: &RubricInfo, b: &RubricInfo) -> Vec<(String, Conversion)> {
    let mut out = Vec::new();
    for ia in &a.items {
        let Some(ib) = b.items.iter().find(|i| i.id == ia.id) else { continue };
        match (&ia.scoring, &ib.scoring) {
            (Scoring::Range, Scoring::Range) if ia.max_points != ib.max_points && ia.max_points > 0.0 => {
                out.push((ia.id.clone(), Conversion::Scale(ia.max_points, ib.max_points)))
            }
            (Scoring::Levels(la), Scoring::Levels(lb)) => {
                let map: Vec<(f64, f64)> =
                    la.iter().filter_map(|x| lb.iter().find(|y| y.label == x.label).map(|y| (x.points, y.points))).filter(|(x, y)| x != y).collect();
                if !map.is_empty() {
                    out.push((ia.id.clone(), Conversion::Levels(map)));
                }
            }
            _ => {}
        }
    }
    out
}

/// The scorecard as B sees it, and a warning for each value converted.
fn convert(card: &Scorecard, conversions: &[(String, Conversion)]) -> (Scorecard, Vec<Finding>) {
    let mut card = card.clone();
    let mut notes = Vec::new();
    {
        for (id, conv) in conversions {
            let Some(row) = card.rows.get_mut(id) else { continue };
            let v = match &row.value {
                Entered::Number(v) => *v,
                Entered::Text(t) => match crate::workbook::parse_text_number(t) {
                    Some(t) if t.mark.is_none() => t.value,
                    _ => continue,
                },
                _ => continue,
            };
            let (nv, how) = match conv {
                Conversion::Scale(ma, mb) => (kaohe_engine::tidy(v * mb / ma), format!("按分值 {}→{} 等比例换算", fmt_points(*ma), fmt_points(*mb))),
                Conversion::Levels(map) => match map.iter().find(|(x, _)| *x == v) {
                    Some((_, y)) => (*y, "按同一档次换算".to_string()),
                    None => continue,
                },
            };
            if nv != v {
                row.value = Entered::Number(nv);
                notes.push(Finding {
                    severity: Severity::Warning,
                    code: Code::Converted,
                    sheet: Some(card.sheet.clone()),
                    cell: Some(row.cell()),
                    item: Some(id.clone()),
                    message: format!("序号 {id} 的得分 {} {}为 {}", fmt_points(v), how, fmt_points(nv)),
                    detail: None,
                });
            }
        }
    }
    (card, notes)
}

/// A result's assessment, if it scored cleanly.
pub fn ok(r: &UnitResult) -> Option<&crate::runtime::Assessment> {
    r.assessment.as_ref().filter(|_| r.ok())
}

/// The base categories of both rubrics, A's order first.
pub fn category_names(a: &RubricInfo, b: &RubricInfo) -> Vec<String> {
    let base = |i: &RubricInfo| i.categories.iter().filter(|c| c.part == Part::Base).map(|c| c.name.clone()).collect::<Vec<_>>();
    let mut names = base(a);
    for n in base(b) {
        if !names.contains(&n) {
            names.push(n);
        }
    }
    names
}

pub fn category_score(r: &UnitResult, name: &str) -> Option<f64> {
    r.assessment.as_ref()?.categories.iter().find(|c| c.name == name).map(|c| c.score)
}

pub fn delta(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(kaohe_engine::tidy(b? - a?))
}
