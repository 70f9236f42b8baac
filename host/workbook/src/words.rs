//! The words real scorecards use, in one place: what marks each column's role
//! in a header row, which labels name the unit and its county, which rows carry
//! the inspector's own totals, and the words written next to points.
//!
//! Every word is compared after [`squash`](crate::squash) (white space removed,
//! full-width brackets and colons folded) and with a trailing bracketed unit
//! such as `（分）` removed, so `得 分（分）` is `得分`.
//!
//! ```
//! use kaohe_workbook::words::{Role, role_of};
//! assert_eq!(role_of("实得分"), Some(Role::Score));
//! assert_eq!(role_of("编 号"), Some(Role::Id));
//! assert_eq!(role_of("扣分情况"), Some(Role::Deducted));
//! assert_eq!(role_of("工作标准"), Some(Role::Standard));
//! assert_eq!(role_of("某某"), None);
//! ```

use crate::squash;

/// What a header cell says its column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The item number (序号): rows are keyed by it.
    Id,
    /// The points the inspector gave (得分): what is scored.
    Score,
    /// The unit's own self-assessment (自评得分): scored only when no inspector's column exists.
    SelfScore,
    /// Points taken off (扣分): never read as 得分.
    Deducted,
    /// The item's maximum (分值).
    Max,
    /// The category (主要内容).
    Content,
    /// The standard's text (工作标准).
    Standard,
    /// Remarks (备注).
    Remark,
}

/// Header words by role. A header row holds an [`Role::Id`] cell and a
/// [`Role::Score`] or [`Role::SelfScore`] cell.
pub const HEADER_WORDS: &[(Role, &[&str])] = &[
    (Role::Id, &["序号", "编号", "项目编号"]),
    (
        Role::Score,
        &[
            "得分",
            "实得分",
            "实得分数",
            "实际得分",
            "评分",
            "考核得分",
            "检查得分",
            "得分情况",
            "考核评分",
            "检查组评分",
            "检查组得分",
            "考核组评分",
            "考核组得分",
            "复核得分",
        ],
    ),
    (Role::SelfScore, &["自评得分", "自评分", "自评", "自查得分", "自查分", "自评分数"]),
    (Role::Deducted, &["扣分", "扣分情况", "扣分数"]),
    (Role::Max, &["分值", "标准分", "满分", "分数"]),
    (Role::Content, &["主要内容", "考核内容", "考核项目", "项目", "类别"]),
    (Role::Standard, &["工作标准", "考核标准", "评分标准", "考核要求", "评分细则"]),
    (Role::Remark, &["备注", "扣分说明", "说明", "扣分原因"]),
];

/// Labels naming the unit assessed, most specific first: where a sheet has
/// several (被考核单位 and 单位), the first in this list wins.
pub const CENTER_LABELS: &[&str] = &[
    "被考核单位",
    "被检查单位",
    "受检单位",
    "考核对象",
    "检查对象",
    "服务(中心)站名称",
    "服务中心(站)名称",
    "服务中心名称",
    "服务站名称",
    "单位名称",
    "检查单位",
    "单位",
];

/// Labels naming the county, most specific first.
pub const COUNTY_LABELS: &[&str] = &["县(市、区)", "县(市,区)", "县(区)", "县市区", "县区", "所属县(区)", "所属县区"];

/// Words of a row holding the inspector's grand total.
pub const TOTAL_WORDS: &[&str] = &["总分", "总计", "合计"];

/// Words of a row holding a subtotal (of the rows above it, or of the category it names).
pub const SUBTOTAL_WORDS: &[&str] = &["小计"];

/// Words written before points that say they are added (加2分, +2).
pub const ADD_WORDS: &[&str] = &["加分", "加", "+"];

/// Words written before points that say they are taken off (扣3分, 减3分, -3).
pub const DEDUCT_WORDS: &[&str] = &["扣除", "扣分", "扣", "减分", "减去", "减", "-"];

/// Units written after a count of occurrences (2人次).
pub const COUNT_UNITS: &[&str] = &["人次", "批次", "次", "人", "起", "件", "个"];

/// Whether a cell's text may be a header word or a unit or county column's
/// header, by its first character: a cheap test before the word is looked up.
pub(crate) fn may_head_a_column(text: &str) -> bool {
    static FIRST: std::sync::OnceLock<Vec<char>> = std::sync::OnceLock::new();
    let first = FIRST.get_or_init(|| {
        let mut v: Vec<char> =
            HEADER_WORDS.iter().flat_map(|(_, ws)| ws.iter()).chain(CENTER_LABELS).chain(COUNTY_LABELS).filter_map(|w| w.chars().next()).collect();
        v.sort_unstable();
        v.dedup();
        v
    });
    text.trim_start().chars().next().is_some_and(|c| first.binary_search(&c).is_ok())
}

/// A header cell's role, if it has one.
pub fn role_of(text: &str) -> Option<Role> {
    role_of_squashed(&squash(text))
}

/// [`role_of`] for a text already [`squash`]ed.
pub(crate) fn role_of_squashed(t: &str) -> Option<Role> {
    let t = strip_bracketed_suffix(t);
    HEADER_WORDS.iter().find(|(_, words)| words.contains(&t)).map(|(role, _)| *role)
}

/// Whether a header cell heads a column of units or counties (单位名称, 县(市、区)):
/// the mark of a summary or a roster, never of a scorecard.
pub fn names_units(text: &str) -> bool {
    names_units_squashed(&squash(text))
}

/// [`names_units`] for a text already [`squash`]ed.
pub(crate) fn names_units_squashed(t: &str) -> bool {
    let is = |t: &str| [CENTER_LABELS, COUNTY_LABELS].iter().any(|list| list.contains(&t));
    is(t) || is(strip_bracketed_suffix(t))
}

/// `得分(分)` → `得分`; a text that is only a bracket stays as it is.
pub(crate) fn strip_bracketed_suffix(t: &str) -> &str {
    match t.strip_suffix(')').and_then(|s| s.rfind('(')) {
        Some(at) if at > 0 => &t[..at],
        _ => t,
    }
}

/// The label a cell starts with and the text after it, if the cell is a label:
/// `被考核单位：X` → (被考核单位, "X"); `被考核单位（盖章）：` → (被考核单位, "");
/// a title such as `县(区)退役军人服务中心考核评分表` is not a label.
pub(crate) fn label<'a>(labels: &[&'static str], squashed: &'a str) -> Option<(usize, &'a str)> {
    labels.iter().enumerate().find_map(|(rank, l)| {
        let rest = squashed.strip_prefix(l)?;
        // A bracketed remark after the label: 被考核单位(盖章):
        let rest = match rest.strip_prefix('(').and_then(|r| r.find(')').map(|e| &r[e + 1..])) {
            Some(after) => after,
            None => rest,
        };
        if rest.is_empty() { Some((rank, "")) } else { rest.strip_prefix(':').map(|v| (rank, v)) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every word of the table is recognised as its role, also spaced out and
    /// with a bracketed unit after it; no word is in two roles.
    #[test]
    fn every_header_word_has_its_role() {
        for (role, words) in HEADER_WORDS {
            for w in *words {
                assert_eq!(role_of(w), Some(*role), "{w}");
                let spaced: String = w.chars().flat_map(|c| [c, ' ']).collect();
                assert_eq!(role_of(&spaced), Some(*role), "{spaced}");
                assert_eq!(role_of(&format!("{w}（分）")), Some(*role), "{w}（分）");
                let others = HEADER_WORDS.iter().filter(|(r, ws)| r != role && ws.contains(w)).count();
                assert_eq!(others, 0, "{w} is in two roles");
            }
        }
        assert_eq!(role_of("得分说明"), None);
        for w in ["县(市、区)", "县（区）", "单位名称", "服务（中心）站名称", "被考核单位"] {
            assert!(names_units(w), "{w}");
        }
        for w in ["序号", "得分", "县", "项目"] {
            assert!(!names_units(w), "{w}");
        }
        assert_eq!(role_of("(分)"), None);
    }

    #[test]
    fn labels_and_their_values() {
        let l = |s: &str| label(CENTER_LABELS, &squash(s)).map(|(r, v)| (CENTER_LABELS[r], v.to_string()));
        assert_eq!(l("被考核单位：潞州区退役军人服务中心"), Some(("被考核单位", "潞州区退役军人服务中心".into())));
        assert_eq!(l("考核对象:  沁县退役军人服务中心"), Some(("考核对象", "沁县退役军人服务中心".into())));
        assert_eq!(l("单位："), Some(("单位", "".into())));
        assert_eq!(l("单位名称"), Some(("单位名称", "".into())));
        assert_eq!(l("被考核单位（盖章）：武乡县退役军人服务中心"), Some(("被考核单位", "武乡县退役军人服务中心".into())));
        assert_eq!(l("单位负责人：张三"), None);
        assert_eq!(l("县(区)退役军人服务中心考核评分表"), None);
        for w in CENTER_LABELS {
            assert_eq!(l(&format!("{w}：某某中心")).map(|x| x.0), Some(*w), "{w}");
        }
        for w in COUNTY_LABELS {
            assert_eq!(label(COUNTY_LABELS, &squash(&format!("{w}：某县"))).map(|(r, _)| COUNTY_LABELS[r]), Some(*w), "{w}");
        }
    }
}
