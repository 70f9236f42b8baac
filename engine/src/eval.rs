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

/// What was entered for one item, by position (see [`Rubric::score_indexed`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Given<'a> {
    Blank,
    /// Points written in the 得分 cell; for deductions either sign means points off.
    Points(f64),
    /// One per sub-rule of the item, in its order: the count (or
    /// discretionary points) entered; `None` counts 0.
    Counts(&'a [Option<f64>]),
}

/// Why an entry was rejected.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Item or sub-rule id; empty when about the whole input.
    pub item: String,
    pub code: FindingCode,
    pub message: String,
    /// The allowed values, e.g. "0～4".
    pub allowed: String,
}

impl Finding {
    fn new(item: &str, code: FindingCode, message: String, allowed: String) -> Self {
        Finding { item: item.to_string(), code, message, allowed }
    }
}

/// The kind of a [`Finding`] (the `finding-code` of `kaohe:rubric@1.1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingCode {
    /// A required item without a score.
    MissingScore,
    /// A value the item or sub-rule does not allow.
    OutOfRange,
    /// Counts for an item without sub-rules, or an item or sub-rule the rubric does not have.
    UnknownItem,
    /// An item or sub-rule entered more than once.
    Duplicate,
    /// Entries that do not fit the rubric (lists of the wrong length).
    Malformed,
}

/// The result of [`Rubric::score_indexed`]: numbers by position.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// One per point position: an item's signed points (deductions negative),
    /// a sub-rule's positive points off (`None` unless entered by counts).
    pub points: Vec<Option<f64>>,
    /// Subtotals of the base categories, in rubric order.
    pub categories: Vec<f64>,
    pub bonus: f64,
    pub deduction: f64,
    pub special: f64,
    pub special_deduction: f64,
    pub adjustment: f64,
    pub total: f64,
    /// The grade: a position in [`Rubric::bands`](crate::Rubric).
    pub band: usize,
    /// Empty unless asked for.
    pub trace: Vec<TraceStep>,
}

/// Trace steps, formatted only when wanted.
struct Trace {
    on: bool,
    steps: Vec<TraceStep>,
}

impl Trace {
    fn push(&mut self, step: impl FnOnce() -> TraceStep) {
        if self.on {
            self.steps.push(step());
        }
    }
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
                None => findings.push(Finding::new(&e.item, FindingCode::UnknownItem, format!("评分表中没有序号 {} 的项目", e.item), String::new())),
                Some(i) if by_item[i].is_some() => {
                    findings.push(Finding::new(&e.item, FindingCode::Duplicate, format!("序号 {} 填写了不止一次", e.item), String::new()))
                }
                Some(i) => {
                    by_item[i] = Some(&e.value);
                    next = i + 1;
                }
            }
        }
        // Counts by sub-rule position; unknown and repeated sub-rules are findings of their item.
        let mut counts: Vec<Vec<Option<f64>>> = Vec::with_capacity(refs.len());
        let mut early: Vec<Vec<Finding>> = Vec::with_capacity(refs.len());
        for (r, value) in refs.iter().zip(&by_item) {
            let mut mine = Vec::new();
            let mut aligned = Vec::new();
            if let Some(EntryValue::Counts(given)) = value {
                let rules = match r.item.scoring() {
                    Scoring::Rules(rules) => rules,
                    _ => &[],
                };
                if !rules.is_empty() {
                    for (id, _) in given {
                        if !rules.iter().any(|rule| &rule.id == id) {
                            mine.push(Finding::new(&r.item.id, FindingCode::UnknownItem, format!("序号 {} 没有分项 {}", r.item.id, id), self.allowed_text(r)));
                        }
                    }
                }
                for rule in rules {
                    let mut entered = given.iter().filter(|(id, _)| id == &rule.id);
                    let n = entered.next().map(|(_, n)| *n);
                    if entered.next().is_some() {
                        mine.push(Finding::new(&rule.id, FindingCode::Duplicate, format!("分项 {} 填写了不止一次", rule.id), String::new()));
                        aligned.push(None);
                    } else {
                        aligned.push(n);
                    }
                }
            }
            counts.push(aligned);
            early.push(mine);
        }
        let given: Vec<Given<'_>> = by_item
            .iter()
            .zip(&counts)
            .map(|(v, c)| match v {
                None | Some(EntryValue::Blank) => Given::Blank,
                Some(EntryValue::Points(p)) => Given::Points(*p),
                Some(EntryValue::Counts(_)) => Given::Counts(c),
            })
            .collect();
        let scored = self.score_given(&refs, &given, true, early);
        let s = match (scored, findings.is_empty()) {
            (Ok(s), true) => s,
            (Ok(_), false) => return Err(findings),
            (Err(mut more), _) => {
                findings.append(&mut more);
                return Err(findings);
            }
        };
        let mut items = Vec::with_capacity(refs.len());
        let mut at = 0;
        for r in &refs {
            let rules = match r.item.scoring() {
                Scoring::Rules(rules) => rules,
                _ => &[],
            };
            let sub_rules = rules.iter().zip(&s.points[at + 1..]).filter_map(|(rule, p)| p.map(|p| (rule.id.to_string(), p))).collect();
            items.push(ItemScore { item: r.item.id.to_string(), points: s.points[at].unwrap_or(0.0), sub_rules });
            at += 1 + rules.len();
        }
        let base = self.categories.iter().filter(|c| c.part == Part::Base);
        let categories =
            base.zip(&s.categories).map(|(c, score)| CategoryScore { name: c.name.to_string(), score: *score, max: self.category_max(c) }).collect();
        let grade = self.bands.get(s.band).map(|b| b.label.to_string()).unwrap_or_default();
        Ok(Assessment {
            items,
            categories,
            bonus: s.bonus,
            deduction: s.deduction,
            special: s.special,
            special_deduction: s.special_deduction,
            adjustment: s.adjustment,
            total: s.total,
            grade,
            trace: s.trace,
        })
    }

    /// Score one unit from entries by position: `kinds` has one per item (in
    /// [`Rubric::items`] order), `values` one per point position (every item
    /// followed by its sub-rules). The same numbers and findings as
    /// [`Rubric::score`], without a string per item; the trace only if asked.
    ///
    /// ```
    /// use kaohe_engine::{Given, Rubric};
    /// let rubric = Rubric::from_json(r#"{
    ///   "id": "demo", "version": "1.0.0", "title": "评分表", "issuer": "某局",
    ///   "region": "某市", "level": "county-center", "year": 2024,
    ///   "categories": [
    ///     {"name": "组织领导", "part": "base", "items": [{"id": "1", "max": 2, "text": "t"}]},
    ///     {"name": "减分项", "part": "deduction", "items": [{"id": "2", "text": "t", "rules": [
    ///       {"id": "2.1", "text": "越级上访", "each": 3, "cap": 10, "unit": "人次"}]}]}],
    ///   "bands": [{"label": "合格", "min": 1}, {"label": "不合格"}],
    ///   "report": {"title": "统计表", "columns": []}
    /// }"#).unwrap();
    /// let s = rubric.score_indexed(&[Given::Points(1.5), Given::Counts(&[Some(4.0)])], false).unwrap();
    /// assert_eq!(s.points, [Some(1.5), Some(-10.0), Some(10.0)]);
    /// assert_eq!((s.total, s.band), (-8.5, 1));
    /// ```
    pub fn score_indexed(&self, given: &[Given<'_>], trace: bool) -> Result<Scores, Vec<Finding>> {
        let refs: Vec<ItemRef<'_>> = self.items().collect();
        if given.len() != refs.len() {
            let message = format!("输入有 {} 项，评分标准有 {} 项", given.len(), refs.len());
            return Err(vec![Finding::new("", FindingCode::Malformed, message, String::new())]);
        }
        self.score_given(&refs, given, trace, Vec::new())
    }

    /// The one scoring core: `early` holds findings already known per item
    /// (from reading named entries), reported in item order with the rest.
    fn score_given(&self, refs: &[ItemRef<'_>], given: &[Given<'_>], trace: bool, mut early: Vec<Vec<Finding>>) -> Result<Scores, Vec<Finding>> {
        let mut findings = Vec::new();
        let mut points = Vec::with_capacity(self.point_count());
        let mut steps = Trace { on: trace, steps: Vec::new() };
        let (mut bonus, mut deduction, mut special, mut special_deduction) = (0.0, 0.0, 0.0, 0.0);
        let mut sub = 0.0;
        let mut categories = Vec::new();
        let mut k = 0;
        for c in &self.categories {
            for _ in &c.items {
                let r = &refs[k];
                if let Some(mut f) = early.get_mut(k).map(std::mem::take) {
                    findings.append(&mut f);
                }
                let start = points.len();
                match self.score_item(r, given[k], &mut points, &mut steps) {
                    Ok(p) => match r.part {
                        Part::Base => sub += p,
                        Part::Bonus => bonus += p,
                        Part::Deduction => deduction += p,
                        Part::Special => special += p,
                        Part::SpecialDeduction => special_deduction += p,
                    },
                    Err(mut f) => {
                        findings.append(&mut f);
                        points.truncate(start);
                        points.resize(start + 1 + r.item.rules.len(), None);
                    }
                }
                k += 1;
            }
            if c.part == Part::Base {
                let score = tidy(sub);
                sub = 0.0;
                steps.push(|| TraceStep {
                    rule: c.name.to_string(),
                    text: format!("{}小计 {} / {}", c.name, fmt_points(score), fmt_points(self.category_max(c))),
                    points: score,
                });
                categories.push(score);
            }
        }
        if !findings.is_empty() {
            return Err(findings);
        }
        let (bonus, deduction, special, special_deduction) = (tidy(bonus), tidy(deduction), tidy(special), tidy(special_deduction));
        let adjustment = tidy(bonus - deduction + special - special_deduction);
        let base: f64 = categories.iter().sum();
        let total = tidy(base + adjustment);
        let band = self.band(total);
        steps.push(|| TraceStep {
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
        steps.push(|| TraceStep {
            rule: "total".into(),
            text: format!("总分 = 基础分 {} + 加分减分 {} = {}，{}", fmt_points(base), fmt_points(adjustment), fmt_points(total), self.grade(total)),
            points: total,
        });
        Ok(Scores { points, categories, bonus, deduction, special, special_deduction, adjustment, total, band, trace: steps.steps })
    }

    /// Score one item: pushes its point and its sub-rules' (1 + rules) onto
    /// `points`, returns its unsigned points.
    fn score_item(&self, r: &ItemRef<'_>, value: Given<'_>, points: &mut Vec<Option<f64>>, trace: &mut Trace) -> Result<f64, Vec<Finding>> {
        let item = r.item;
        let max = item.max_points();
        let sign = if r.part.is_deduction() { -1.0 } else { 1.0 };
        let bad = |code: FindingCode, message: String| vec![Finding::new(&item.id, code, message, self.allowed_text(r))];
        let subs = item.rules.len();
        let mut done = |p: f64| {
            points.push(Some(tidy(sign * p)));
            points.extend(std::iter::repeat_n(None, subs));
            Ok(p)
        };
        match (value, item.scoring()) {
            (Given::Blank, _) if r.required() => Err(bad(FindingCode::MissingScore, format!("序号 {} 未填写得分", item.id))),
            (Given::Blank, _) => done(0.0),
            (Given::Points(v), _) if !v.is_finite() => Err(bad(FindingCode::OutOfRange, format!("序号 {} 的得分不是有效数字", item.id))),
            (Given::Points(v), Scoring::Range) => {
                if !(0.0..=max).contains(&v) {
                    return Err(bad(FindingCode::OutOfRange, format!("序号 {} 的得分 {} 超出范围", item.id, fmt_points(v))));
                }
                done(v)
            }
            (Given::Points(v), Scoring::Levels(levels)) => {
                let level = levels.iter().find(|l| l.points == v);
                if v != 0.0 && level.is_none() {
                    return Err(bad(FindingCode::OutOfRange, format!("序号 {} 的得分 {} 不是可选的分值", item.id, fmt_points(v))));
                }
                if let Some(l) = level {
                    trace.push(|| TraceStep { rule: item.id.to_string(), text: format!("{}：{} 分", l.label, fmt_points(l.points)), points: l.points });
                }
                done(v)
            }
            (Given::Points(v), Scoring::Rules(_)) => {
                let off = v.abs();
                if off > max {
                    return Err(bad(FindingCode::OutOfRange, format!("序号 {} 扣分 {} 超过最多可扣的 {} 分", item.id, fmt_points(off), fmt_points(max))));
                }
                if off > 0.0 {
                    trace.push(|| TraceStep { rule: item.id.to_string(), text: format!("直接填写扣 {} 分", fmt_points(off)), points: -off });
                }
                done(off)
            }
            (Given::Counts(_), Scoring::Range | Scoring::Levels(_)) => Err(bad(FindingCode::UnknownItem, format!("序号 {} 没有分项，请直接填写得分", item.id))),
            (Given::Counts(counts), Scoring::Rules(rules)) => {
                if counts.len() != rules.len() {
                    let message = format!("序号 {} 有 {} 个分项，输入了 {} 个", item.id, rules.len(), counts.len());
                    return Err(vec![Finding::new(&item.id, FindingCode::Malformed, message, String::new())]);
                }
                let mut findings = Vec::new();
                let mut sum = 0.0;
                let at = points.len();
                points.push(None);
                for (rule, n) in rules.iter().zip(counts) {
                    let n = n.unwrap_or(0.0);
                    let (ok, allowed) = match rule.mode {
                        RuleMode::PerOccurrence => (n.is_finite() && n >= 0.0 && n.fract() == 0.0, crate::wording::count(&rule.unit)),
                        RuleMode::Discretionary => (n.is_finite() && (0.0..=rule.cap).contains(&n), crate::wording::range(rule.cap)),
                    };
                    if !ok {
                        findings.push(Finding::new(&rule.id, FindingCode::OutOfRange, format!("分项 {} 填写的 {} 无效", rule.id, fmt_points(n)), allowed));
                        points.push(None);
                        continue;
                    }
                    let raw = match rule.mode {
                        RuleMode::PerOccurrence => n * rule.each,
                        RuleMode::Discretionary => n,
                    };
                    let off = tidy(raw.min(rule.cap));
                    if n > 0.0 {
                        trace.push(|| {
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
                            TraceStep { rule: rule.id.to_string(), text, points: -off }
                        });
                    }
                    sum += off;
                    points.push(Some(off));
                }
                if !findings.is_empty() {
                    return Err(findings);
                }
                let off = tidy(sum.min(max));
                if sum > max {
                    trace.push(|| TraceStep {
                        rule: item.id.to_string(),
                        text: format!("分项合计 {}，本项最多扣 {} 分", fmt_points(sum), fmt_points(max)),
                        points: -off,
                    });
                }
                points[at] = Some(tidy(sign * off));
                Ok(off)
            }
        }
    }
}
