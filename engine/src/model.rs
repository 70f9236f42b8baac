//! The rubric model: what a scorecard is, as data.
//!
//! A rubric folder under `rubrics/` holds a `rubric.toml` in this shape. Items
//! are listed under the category (主要内容) they are printed in:
//!
//! ```
//! let rubric = kaohe_engine::Rubric::from_json(r#"{
//!   "id": "demo", "version": "1.0.0", "title": "评分表", "issuer": "某局",
//!   "region": "某市", "level": "county-center", "year": 2024,
//!   "categories": [
//!     {"name": "组织领导", "part": "base", "items": [
//!       {"id": "1", "max": 2, "text": "成立领导小组"}]}],
//!   "bands": [{"label": "合格", "min": 1}, {"label": "不合格"}],
//!   "report": {"title": "统计表", "columns": [
//!     {"header": "总分", "source": "total"}]}
//! }"#).unwrap();
//! assert_eq!(rubric.max_total(), 2.0);
//! ```

use serde::{Deserialize, Serialize};

/// Text of a rubric: borrowed from the component's static data when the rubric
/// is compiled in (no allocation per instance), owned when parsed.
pub type Text = std::borrow::Cow<'static, str>;

/// The level of the unit a rubric assesses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// 县级服务中心
    CountyCenter,
    /// 乡镇（街道）服务站
    TownshipStation,
    /// 村（社区）服务站
    VillageStation,
}

/// Which part of the total an item contributes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Part {
    /// Counts towards its category subtotal.
    Base,
    /// 加分项
    Bonus,
    /// 减分项
    Deduction,
    /// 特别考核项 that add points.
    Special,
    /// 特别考核项 that take points off.
    SpecialDeduction,
}

impl Part {
    /// Whether items of this part take points off.
    pub fn is_deduction(self) -> bool {
        matches!(self, Part::Deduction | Part::SpecialDeduction)
    }
}

/// A whole scorecard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rubric {
    pub id: Text,
    pub version: Text,
    pub title: Text,
    pub issuer: Text,
    pub region: Text,
    pub level: Level,
    pub year: u32,
    #[serde(default)]
    pub description: Text,
    pub categories: Vec<Category>,
    pub bands: Vec<Band>,
    pub report: Report,
}

/// A category (主要内容) and its items, in printed order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub name: Text,
    /// The part its items contribute to, unless an item says otherwise.
    pub part: Part,
    pub items: Vec<Item>,
}

/// One scorecard row (序号).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub id: Text,
    pub text: Text,
    /// The 分值. Optional for `rules` items, where it defaults to the sum of caps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Overrides the category's part (e.g. item 70, a deduction among special items).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<Part>,
    /// Whether a blank is an error. Defaults to true for base items, false otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// Allowed values besides 0, for items scored by the highest level reached.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub levels: Vec<LevelOption>,
    /// Sub-rules, for items scored by counting occurrences.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<SubRule>,
}

/// One allowed value of a levels item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelOption {
    pub points: f64,
    pub label: Text,
}

/// How a sub-rule turns what was entered into points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum RuleMode {
    /// A whole count times `each`, capped.
    #[default]
    PerOccurrence,
    /// Points entered directly, 0..=cap.
    Discretionary,
}

/// A sub-rule of a deduction item, e.g. 65.1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubRule {
    pub id: Text,
    pub text: Text,
    #[serde(default)]
    pub mode: RuleMode,
    /// Points per occurrence; 0 for discretionary rules.
    #[serde(default)]
    pub each: f64,
    pub cap: f64,
    /// What one occurrence is counted in: 人次, 次, 批次, 人; 分 for discretionary.
    pub unit: Text,
}

/// How an item is scored, derived from which fields it has.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scoring<'a> {
    /// Any number in 0..=max.
    Range,
    /// 0 or one of the levels.
    Levels(&'a [LevelOption]),
    /// Counts per sub-rule.
    Rules(&'a [SubRule]),
}

/// A grade band: totals at or above `min` get `label`; a band without `min` catches the rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub label: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
}

/// The summary report (e.g. attachment 2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    pub title: Text,
    pub columns: Vec<Column>,
    #[serde(default)]
    pub notes: Vec<Text>,
}

/// A report column. `source` is one of `county`, `center`, `category:NAME`,
/// `bonus`, `deduction`, `special`, `special-deduction`, `adjustment`, `total`, `grade`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    pub header: Text,
    pub source: Text,
}

/// A column's source, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnSource {
    County,
    Center,
    Category(String),
    Bonus,
    Deduction,
    Special,
    SpecialDeduction,
    Adjustment,
    Total,
    Grade,
}

impl ColumnSource {
    /// Parse `county`, `category:组织领导`, … ; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "county" => Self::County,
            "center" => Self::Center,
            "bonus" => Self::Bonus,
            "deduction" => Self::Deduction,
            "special" => Self::Special,
            "special-deduction" => Self::SpecialDeduction,
            "adjustment" => Self::Adjustment,
            "total" => Self::Total,
            "grade" => Self::Grade,
            _ => Self::Category(s.strip_prefix("category:")?.to_string()),
        })
    }
}

impl Item {
    /// How this item is scored.
    pub fn scoring(&self) -> Scoring<'_> {
        if !self.rules.is_empty() {
            Scoring::Rules(&self.rules)
        } else if !self.levels.is_empty() {
            Scoring::Levels(&self.levels)
        } else {
            Scoring::Range
        }
    }

    /// The most points this item can give (or take off, for deductions).
    pub fn max_points(&self) -> f64 {
        match (self.max, self.scoring()) {
            (Some(m), _) => m,
            (None, Scoring::Rules(rules)) => rules.iter().map(|r| r.cap).sum(),
            (None, Scoring::Levels(levels)) => levels.iter().map(|l| l.points).fold(0.0, f64::max),
            (None, Scoring::Range) => 0.0,
        }
    }
}

/// An item together with the category it is printed under and its effective part.
#[derive(Debug, Clone, Copy)]
pub struct ItemRef<'a> {
    pub item: &'a Item,
    pub category: &'a Category,
    pub part: Part,
}

impl ItemRef<'_> {
    /// Whether a blank entry is an error.
    pub fn required(&self) -> bool {
        self.item.required.unwrap_or(self.part == Part::Base)
    }
}

impl Rubric {
    /// Parse a rubric from its JSON form (what a rubric crate's build embeds).
    pub fn from_json(json: &str) -> Result<Self, String> {
        let rubric: Rubric = serde_json::from_str(json).map_err(|e| e.to_string())?;
        rubric.validate().map_err(|errs| errs.join("; "))?;
        Ok(rubric)
    }

    /// Every item in printed order, with its category and effective part.
    pub fn items(&self) -> impl Iterator<Item = ItemRef<'_>> {
        self.categories.iter().flat_map(|c| c.items.iter().map(move |item| ItemRef { item, category: c, part: item.part.unwrap_or(c.part) }))
    }

    /// Look an item up by its 序号.
    pub fn item(&self, id: &str) -> Option<ItemRef<'_>> {
        self.items().find(|r| r.item.id == id)
    }

    /// The most points a category's items can give.
    pub fn category_max(&self, category: &Category) -> f64 {
        category.items.iter().map(Item::max_points).sum()
    }

    /// The highest total the rubric can produce.
    pub fn max_total(&self) -> f64 {
        self.items().filter(|r| !r.part.is_deduction()).map(|r| r.item.max_points()).sum()
    }

    /// The lowest total the rubric can produce.
    pub fn min_total(&self) -> f64 {
        -self.items().filter(|r| r.part.is_deduction()).map(|r| r.item.max_points()).sum::<f64>()
    }

    /// The grade for a total.
    pub fn grade(&self, total: f64) -> &str {
        self.bands.get(self.band(total)).map(|b| b.label.as_ref()).unwrap_or("")
    }

    /// The position in `bands` of the band a total falls in (`bands.len()` if none).
    pub fn band(&self, total: f64) -> usize {
        self.bands.iter().position(|b| b.min.is_none_or(|m| total >= m)).unwrap_or(self.bands.len())
    }

    /// How many point positions a result has: every item and every sub-rule.
    pub fn point_count(&self) -> usize {
        self.items().map(|r| 1 + r.item.rules.len()).sum()
    }

    /// Check the rubric is coherent; returns every problem found.
    pub fn validate(&self) -> Result<(), Vec<String>> {
        let mut errs = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for field in [("id", &self.id), ("version", &self.version), ("title", &self.title)] {
            if field.1.trim().is_empty() {
                errs.push(format!("{} is empty", field.0));
            }
        }
        for r in self.items() {
            let item = r.item;
            if !seen.insert(item.id.to_string()) {
                errs.push(format!("item {} appears twice", item.id));
            }
            if !item.levels.is_empty() && !item.rules.is_empty() {
                errs.push(format!("item {} has both levels and rules", item.id));
            }
            let max = item.max_points();
            if !(max.is_finite() && max > 0.0) {
                errs.push(format!("item {} has no positive max", item.id));
            }
            if r.part.is_deduction() != matches!(item.scoring(), Scoring::Rules(_)) {
                errs.push(format!("item {}: deduction items are scored by rules, and only they", item.id));
            }
            for l in &item.levels {
                if !(l.points > 0.0 && l.points <= max) {
                    errs.push(format!("item {} level {} is outside 0..=max", item.id, l.label));
                }
            }
            for rule in &item.rules {
                if !seen.insert(rule.id.to_string()) {
                    errs.push(format!("sub-rule {} appears twice", rule.id));
                }
                if !rule.id.starts_with(&format!("{}.", item.id)) {
                    errs.push(format!("sub-rule {} must be numbered {}.N", rule.id, item.id));
                }
                let ok = match rule.mode {
                    RuleMode::PerOccurrence => rule.each > 0.0 && rule.cap >= rule.each,
                    RuleMode::Discretionary => rule.each == 0.0 && rule.cap > 0.0,
                };
                if !ok || !rule.cap.is_finite() {
                    errs.push(format!("sub-rule {} has inconsistent points and cap", rule.id));
                }
            }
        }
        if seen.is_empty() {
            errs.push("the rubric has no items".into());
        }
        match self.bands.last() {
            Some(b) if b.min.is_none() => {}
            _ => errs.push("the last grade band must have no min (it catches the rest)".into()),
        }
        let mins: Vec<f64> = self.bands.iter().filter_map(|b| b.min).collect();
        if mins.windows(2).any(|w| w[0] <= w[1]) || self.bands.iter().rev().skip(1).any(|b| b.min.is_none()) {
            errs.push("grade bands must be listed from the highest min down".into());
        }
        for col in &self.report.columns {
            match ColumnSource::parse(&col.source) {
                None => errs.push(format!("report column {} has unknown source {}", col.header, col.source)),
                Some(ColumnSource::Category(name)) => {
                    if !self.categories.iter().any(|c| c.name == name && c.part == Part::Base) {
                        errs.push(format!("report column {} names no base category {}", col.header, name));
                    }
                }
                Some(_) => {}
            }
        }
        if errs.is_empty() { Ok(()) } else { Err(errs) }
    }
}
