//! Scoring one unit against a rubric.
//!
//! ```
//! use kaohe_engine::{Rubric, Entry, EntryValue};
//! let rubric = Rubric::from_json(r#"{
//!   "id": "demo", "version": "1.0.0", "title": "评分表", "issuer": "某局",
//!   "region": "某市", "level": "county-center", "year": 2024,
//!   "categories": [
//!     {"name": "组织领导", "part": "base", "items": [{"id": "1", "max": 2, "text": "t"}]},
//!     {"name": "减分项", "part": "deduction", "items": [{"id": "2", "text": "t", "rules": [
//!       {"id": "2.1", "text": "越级上访", "each": 3, "cap": 10, "unit": "人次"}]}]}],
//!   "bands": [{"label": "合格", "min": 1}, {"label": "不合格"}],
//!   "report": {"title": "统计表", "columns": []}
//! }"#).unwrap();
//! let a = rubric.score(&[
//!     Entry::new("1", EntryValue::Points(1.5)),
//!     Entry::new("2", EntryValue::Counts(vec![("2.1".into(), 4.0)])),
//! ]).unwrap();
//! assert_eq!(a.deduction, 10.0); // 4 × 3 = 12, capped at 10
//! assert_eq!(a.total, -8.5);
//! ```

use crate::model::{ItemRef, Part, Rubric, RuleMode, Scoring};

/// What the inspector entered for an item.
#[derive(Debug, Clone, PartialEq)]
pub enum EntryValue {
    Blank,
    /// Points written in the 得分 cell; for deductions either sign means points off.
    Points(f64),
    /// Per-sub-rule counts (or discretionary points).
    Counts(Vec<(String, f64)>),
}

/// One item's entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub item: String,
    pub value: EntryValue,
}

impl Entry {
    /// Shorthand constructor.
    pub fn new(item: &str, value: EntryValue) -> Self {
        Entry { item: item.to_string(), value }
    }
}

/// Why an entry was rejected.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Item or sub-rule id; empty when about the whole input.
    pub item: String,
    pub message: String,
    /// The allowed values, e.g. "0～4".
    pub allowed: String,
}

/// One step of how a number was produced.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceStep {
    pub rule: String,
    pub text: String,
    pub points: f64,
}

/// One item's result.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemScore {
    pub item: String,
    /// Signed contribution: negative for deductions.
    pub points: f64,
    /// Positive points taken off per sub-rule (rules items entered by counts).
    pub sub_rules: Vec<(String, f64)>,
}

/// A base category's subtotal.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryScore {
    pub name: String,
    pub score: f64,
    pub max: f64,
}

/// The result of scoring one unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub items: Vec<ItemScore>,
    pub categories: Vec<CategoryScore>,
    pub bonus: f64,
    /// Positive points taken off by deduction items.
    pub deduction: f64,
    pub special: f64,
    /// Positive points taken off by special-deduction items.
    pub special_deduction: f64,
    pub adjustment: f64,
    pub total: f64,
    pub grade: String,
    pub trace: Vec<TraceStep>,
}

/// Remove binary floating-point noise (e.g. 0.1 + 0.2) so totals compare as a
/// person with a calculator expects. Keeps six decimals.
pub fn tidy(x: f64) -> f64 {
    let r = (x * 1e6).round() / 1e6;
    if r == 0.0 { 0.0 } else { r }
}

/// Format a number the way a scorecard prints it: `3`, `1.5`, `0.25`.
pub fn fmt_points(x: f64) -> String {
    let t = tidy(x);
    // Whole millionths, printed as integers: the common case, without float formatting.
    let micro = t * 1e6;
    if micro.abs() < 9e15 {
        let m = micro.round() as i64;
        let (whole, frac) = ((m / 1_000_000).unsigned_abs(), (m % 1_000_000).unsigned_abs());
        let sign = if m < 0 { "-" } else { "" };
        if frac == 0 {
            return format!("{sign}{whole}");
        }
        let digits = format!("{frac:06}");
        return format!("{sign}{whole}.{}", digits.trim_end_matches('0'));
    }
    let s = format!("{t:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

impl Rubric {
    /// The allowed values of an item, as printed in findings and input messages.
    pub fn allowed_text(&self, r: &ItemRef<'_>) -> String {
        match r.item.scoring() {
            Scoring::Range => crate::wording::range(r.item.max_points()),
            Scoring::Levels(levels) => crate::wording::levels(levels.iter().map(|l| l.points)),
            Scoring::Rules(_) => crate::wording::deduction(r.item.max_points()),
        }
    }

    /// Score one unit. Returns every problem with the entries at once.
    pub fn score(&self, entries: &[Entry]) -> Result<Assessment, Vec<Finding>> {
        let mut findings = Vec::new();
        let refs: Vec<ItemRef<'_>> = self.items().collect();
        // Each item's entry, by position. Entries usually come in the rubric's order, so
        // the next item is tried first; anything else is a search over the (few) items.
        let mut by_item: Vec<Option<&EntryValue>> = vec![None; refs.len()];
        let mut next = 0;
        for e in entries {
            let at =
                if refs.get(next).is_some_and(|r| r.item.id == e.item.as_str()) { Some(next) } else { refs.iter().position(|r| r.item.id == e.item.as_str()) };
            match at {
                None => {
                    findings.push(Finding { item: e.item.clone(), message: format!("评分表中没有序号 {} 的项目", e.item), allowed: String::new() })
                }
                Some(i) if by_item[i].is_some() => {
                    findings.push(Finding { item: e.item.clone(), message: format!("序号 {} 填写了不止一次", e.item), allowed: String::new() })
                }
                Some(i) => {
                    by_item[i] = Some(&e.value);
                    next = i + 1;
                }
            }
        }

        let mut items = Vec::with_capacity(refs.len());
        let mut trace = Vec::new();
        for (r, value) in refs.iter().zip(by_item) {
            let value = value.unwrap_or(&EntryValue::Blank);
            match self.score_item(r, value, &mut trace) {
                Ok(s) => items.push(s),
                Err(mut f) => findings.append(&mut f),
            }
        }
        if !findings.is_empty() {
            return Err(findings);
        }

        let mut categories = Vec::new();
        let (mut bonus, mut deduction, mut special, mut special_deduction) = (0.0, 0.0, 0.0, 0.0);
        let mut iter = items.iter();
        for c in &self.categories {
            let mut sub = 0.0;
            for item in &c.items {
                let s = iter.next().expect("one score per item");
                match item.part.unwrap_or(c.part) {
                    Part::Base => sub += s.points,
                    Part::Bonus => bonus += s.points,
                    Part::Deduction => deduction -= s.points,
                    Part::Special => special += s.points,
                    Part::SpecialDeduction => special_deduction -= s.points,
                }
            }
            if c.part == Part::Base {
                let score = tidy(sub);
                let max = self.category_max(c);
                trace
                    .push(TraceStep { rule: c.name.to_string(), text: format!("{}小计 {} / {}", c.name, fmt_points(score), fmt_points(max)), points: score });
                categories.push(CategoryScore { name: c.name.to_string(), score, max });
            }
        }
        let (bonus, deduction, special, special_deduction) = (tidy(bonus), tidy(deduction), tidy(special), tidy(special_deduction));
        let adjustment = tidy(bonus - deduction + special - special_deduction);
        let base: f64 = categories.iter().map(|c| c.score).sum();
        let total = tidy(base + adjustment);
        let grade = self.grade(total).to_string();
        trace.push(TraceStep {
            rule: "adjustment".into(),
            text: format!(
                "加分减分 = 加分 {} − 减分 {} + 特别考核加分 {} − 特别考核减分 {} = {}",
                fmt_points(bonus),
                fmt_points(deduction),
                fmt_points(special),
                fmt_points(special_deduction),
                fmt_points(adjustment)
            ),
            points: adjustment,
        });
        trace.push(TraceStep {
            rule: "total".into(),
            text: format!("总分 = 基础分 {} + 加分减分 {} = {}，{}", fmt_points(base), fmt_points(adjustment), fmt_points(total), grade),
            points: total,
        });
        Ok(Assessment { items, categories, bonus, deduction, special, special_deduction, adjustment, total, grade, trace })
    }

    fn score_item(&self, r: &ItemRef<'_>, value: &EntryValue, trace: &mut Vec<TraceStep>) -> Result<ItemScore, Vec<Finding>> {
        let item = r.item;
        let max = item.max_points();
        let sign = if r.part.is_deduction() { -1.0 } else { 1.0 };
        let bad = |message: String| Finding { item: item.id.to_string(), message, allowed: self.allowed_text(r) };
        let done = |points: f64, sub_rules: Vec<(String, f64)>| ItemScore { item: item.id.to_string(), points: tidy(sign * points), sub_rules };
        match (value, item.scoring()) {
            (EntryValue::Blank, _) if r.required() => Err(vec![bad(format!("序号 {} 未填写得分", item.id))]),
            (EntryValue::Blank, _) => Ok(done(0.0, vec![])),
            (EntryValue::Points(v), _) if !v.is_finite() => Err(vec![bad(format!("序号 {} 的得分不是有效数字", item.id))]),
            (EntryValue::Points(v), Scoring::Range) => {
                if *v < 0.0 || *v > max {
                    return Err(vec![bad(format!("序号 {} 的得分 {} 超出范围", item.id, fmt_points(*v)))]);
                }
                Ok(done(*v, vec![]))
            }
            (EntryValue::Points(v), Scoring::Levels(levels)) => {
                let level = levels.iter().find(|l| l.points == *v);
                if *v != 0.0 && level.is_none() {
                    return Err(vec![bad(format!("序号 {} 的得分 {} 不是可选的分值", item.id, fmt_points(*v)))]);
                }
                if let Some(l) = level {
                    trace.push(TraceStep { rule: item.id.to_string(), text: format!("{}：{} 分", l.label, fmt_points(l.points)), points: l.points });
                }
                Ok(done(*v, vec![]))
            }
            (EntryValue::Points(v), Scoring::Rules(_)) => {
                let off = v.abs();
                if off > max {
                    return Err(vec![bad(format!("序号 {} 扣分 {} 超过最多可扣的 {} 分", item.id, fmt_points(off), fmt_points(max)))]);
                }
                if off > 0.0 {
                    trace.push(TraceStep { rule: item.id.to_string(), text: format!("直接填写扣 {} 分", fmt_points(off)), points: -off });
                }
                Ok(done(off, vec![]))
            }
            (EntryValue::Counts(_), Scoring::Range | Scoring::Levels(_)) => Err(vec![bad(format!("序号 {} 没有分项，请直接填写得分", item.id))]),
            (EntryValue::Counts(counts), Scoring::Rules(rules)) => {
                let mut findings = Vec::new();
                for (id, _) in counts {
                    if !rules.iter().any(|rule| &rule.id == id) {
                        findings.push(bad(format!("序号 {} 没有分项 {}", item.id, id)));
                    }
                }
                let mut sum = 0.0;
                let mut subs = Vec::new();
                for rule in rules {
                    let mut entered = counts.iter().filter(|(id, _)| id == &rule.id);
                    let n = entered.next().map(|(_, n)| *n).unwrap_or(0.0);
                    if entered.next().is_some() {
                        findings
                            .push(Finding { item: rule.id.to_string(), message: format!("分项 {} 填写了不止一次", rule.id), allowed: String::new() });
                        continue;
                    }
                    let (ok, allowed) = match rule.mode {
                        RuleMode::PerOccurrence => (n.is_finite() && n >= 0.0 && n.fract() == 0.0, crate::wording::count(&rule.unit)),
                        RuleMode::Discretionary => (n.is_finite() && (0.0..=rule.cap).contains(&n), crate::wording::range(rule.cap)),
                    };
                    if !ok {
                        findings
                            .push(Finding { item: rule.id.to_string(), message: format!("分项 {} 填写的 {} 无效", rule.id, fmt_points(n)), allowed });
                        continue;
                    }
                    let raw = match rule.mode {
                        RuleMode::PerOccurrence => n * rule.each,
                        RuleMode::Discretionary => n,
                    };
                    let off = tidy(raw.min(rule.cap));
                    if n > 0.0 {
                        let text = match rule.mode {
                            RuleMode::PerOccurrence if raw > rule.cap => format!(
                                "{}：{} {} × {} = {}，最多扣 {} 分，扣 {} 分",
                                rule.text,
                                fmt_points(n),
                                rule.unit,
                                fmt_points(rule.each),
                                fmt_points(raw),
                                fmt_points(rule.cap),
                                fmt_points(off)
                            ),
                            RuleMode::PerOccurrence => format!(
                                "{}：{} {} × {} = {}，扣 {} 分",
                                rule.text,
                                fmt_points(n),
                                rule.unit,
                                fmt_points(rule.each),
                                fmt_points(raw),
                                fmt_points(off)
                            ),
                            RuleMode::Discretionary => format!("{}：视情扣 {} 分", rule.text, fmt_points(off)),
                        };
                        trace.push(TraceStep { rule: rule.id.to_string(), text, points: -off });
                    }
                    sum += off;
                    subs.push((rule.id.to_string(), off));
                }
                if !findings.is_empty() {
                    return Err(findings);
                }
                let off = tidy(sum.min(max));
                if sum > max {
                    trace.push(TraceStep {
                        rule: item.id.to_string(),
                        text: format!("分项合计 {}，本项最多扣 {} 分", fmt_points(sum), fmt_points(max)),
                        points: -off,
                    });
                }
                Ok(done(off, subs))
            }
        }
    }
}
