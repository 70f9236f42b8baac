//! How the values an item or sub-rule allows are written, in Chinese: used by
//! the evaluator's findings (inside every component) and by the host's blank
//! scorecard and messages, so both say it the same way.
//!
//! ```
//! use kaohe_engine::wording;
//! assert_eq!(wording::range(4.0), "0～4");
//! assert_eq!(wording::levels([1.0, 2.0, 3.0]), "0、3、2、1");
//! assert_eq!(wording::deduction(10.0), "扣分 0～10");
//! assert_eq!(wording::count("人次"), "0 或正整数（人次）");
//! ```

use crate::fmt_points;

/// A base item scored from 0 to `max`.
pub fn range(max: f64) -> String {
    format!("0～{}", fmt_points(max))
}

/// A levels item: 0 or one of the levels' points, highest first (given lowest first).
pub fn levels(points: impl IntoIterator<Item = f64, IntoIter: DoubleEndedIterator>) -> String {
    let mut v = vec!["0".to_string()];
    v.extend(points.into_iter().rev().map(fmt_points));
    v.join("、")
}

/// A deduction item: points off, up to `max`.
pub fn deduction(max: f64) -> String {
    format!("扣分 {}", range(max))
}

/// A per-occurrence sub-rule: how many times, in `unit`.
pub fn count(unit: &str) -> String {
    format!("0 或正整数（{unit}）")
}
