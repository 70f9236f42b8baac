//! The Chinese wording of rubric rules, shared by findings, the blank
//! scorecard and the comparison, so a rule reads the same everywhere: a part's
//! label, the values an item allows, a sub-rule's rule, a level list.
//! (The rubric components word their own findings; see `engine/src/eval.rs`.)
//!
//! ```
//! use kaohe::runtime::RuleMode;
//! assert_eq!(kaohe::wording::rule_text(RuleMode::PerOccurrence, 3.0, 10.0, "人次"), "每人次扣3分，最多扣10分");
//! ```

use kaohe_engine::{fmt_points, wording};

use crate::runtime::{Part, RuleMode, Scoring};

/// A part's label, as the seed names it.
pub fn part_label(p: Part) -> &'static str {
    match p {
        Part::Base => "基础项",
        Part::Bonus => "加分项",
        Part::Deduction => "减分项",
        Part::Special => "特别考核加分",
        Part::SpecialDeduction => "特别考核减分",
    }
}

/// The levels of a levels item (`2分：全部达到；1分：…`), or how another item is scored.
pub fn levels_text(scoring: &Scoring) -> String {
    match scoring {
        Scoring::Range => "0～最高分".into(),
        Scoring::Levels(ls) => ls.iter().map(|l| format!("{}分：{}", fmt_points(l.points), l.label)).collect::<Vec<_>>().join("；"),
        Scoring::Rules(_) => "按分项扣分".into(),
    }
}

/// A sub-rule's rule: `每人次扣3分，最多扣10分`, `视情扣分，最多扣2分`.
pub fn rule_text(mode: RuleMode, each: f64, cap: f64, unit: &str) -> String {
    match mode {
        RuleMode::PerOccurrence => format!("每{unit}扣{}分，最多扣{}分", fmt_points(each), fmt_points(cap)),
        RuleMode::Discretionary => format!("视情扣分，最多扣{}分", fmt_points(cap)),
    }
}

/// The values an item allows: `0～4`, `0、1、2`, `扣分 0～10`.
pub fn allowed(scoring: &Scoring, max: f64) -> String {
    match scoring {
        Scoring::Range => wording::range(max),
        Scoring::Levels(ls) => wording::levels(ls.iter().map(|l| l.points)),
        Scoring::Rules(_) => wording::deduction(max),
    }
}
