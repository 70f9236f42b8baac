//! Finding the scorecard on one sheet: its header rows (by the roles of
//! [`words`](crate::words)), the numbered rows under them, the rows holding the
//! inspector's own totals, and the labels that name the unit.

use std::collections::{BTreeMap, HashSet};

use calamine::{Data, Range};

use crate::words::{self, Role};
use crate::{Code, Entered, ScoreRow, clip, item_id, parse_text_number, raw, squash};

/// A row where the inspector typed a total or subtotal of their own.
#[derive(Debug, Clone, PartialEq)]
pub struct TypedTotal {
    /// 0-based row and column of the number.
    pub row: u32,
    pub col: u32,
    /// The number typed (text numbers read as in a 得分 cell).
    pub value: f64,
    /// The row's words, squashed: `总分`, `组织领导小计`, `一、组织领导(31分)`.
    pub label: String,
    pub kind: TotalKind,
    /// The items above it since the previous typed total: `order[from..to]` of the card.
    pub from: usize,
    pub to: usize,
}

impl TypedTotal {
    /// The A1 reference of the number.
    pub fn cell(&self) -> String {
        crate::cell_ref(self.row, self.col)
    }
}

/// What a typed total's words say it sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotalKind {
    /// 总分 / 总计, or 合计 under the last item: the whole scorecard.
    Total,
    /// 小计, or 合计 with items after it: the items above it since the previous total.
    Subtotal,
    /// Other words (a category's name, perhaps): checked only if they name a category.
    Other,
}

/// The rows of one sheet's scorecard, before names are settled.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub rows: BTreeMap<String, ScoreRow>,
    pub order: Vec<String>,
    pub duplicates: Vec<(String, String)>,
    pub totals: Vec<TypedTotal>,
    pub warnings: Vec<(Code, String)>,
}

/// A header row's columns.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Header {
    id: usize,
    score: usize,
    /// Where the sheet also or only has self-assessed scores.
    self_score: Option<usize>,
    /// Whether `score` is the self-assessment column (no inspector's column).
    self_only: bool,
}

/// Why a sheet with numbered rows is not a scorecard, for the `no-scorecard` message.
#[derive(Debug, Default)]
pub(crate) struct NearMiss {
    /// A header row with 序号 and 扣分 but no 得分 column.
    pub deducted_only: bool,
}

/// The scorecards of one sheet, each with the rows (relative to the range) it
/// spans. Usually one; several when units' tables are stacked on one sheet, each
/// under its own 被考核单位 label (the split is at every such label after the
/// first; a part without numbered rows belongs to the one above it).
pub(crate) fn scan_sheet(range: &Range<Data>, uncached: &HashSet<(u32, u32)>, near: &mut NearMiss) -> Vec<(Found, std::ops::Range<usize>)> {
    let height = range.height();
    // Stacked tables repeat their 序号: a sheet without a repeat is one scorecard (the common case, one pass).
    match scan(range, 0..height, uncached, near, &mut None) {
        None => return Vec::new(),
        Some(found) if found.duplicates.is_empty() => return vec![(found, 0..height)],
        Some(_) => {}
    }
    let splits: Vec<usize> = unit_label_rows(range).into_iter().skip(1).collect();
    let mut bounds = vec![0];
    bounds.extend(splits);
    bounds.push(height);
    let mut parts: Vec<(Found, std::ops::Range<usize>)> = Vec::new();
    let mut cols = None;
    for w in bounds.windows(2) {
        let rows = w[0]..w[1];
        match scan(range, rows.clone(), uncached, near, &mut cols) {
            Some(found) => parts.push((found, rows)),
            // Rows without a scorecard (a signature block) belong to the part above.
            None => {
                if let Some(last) = parts.last_mut() {
                    last.1.end = rows.end;
                }
            }
        }
    }
    parts
}

/// Rows (relative to the range) holding a label that names the unit assessed,
/// with its name: where a new unit's table may start.
fn unit_label_rows(range: &Range<Data>) -> Vec<usize> {
    // Only the labels that cannot name anyone else (not 检查单位, not a bare 单位).
    let strong = &words::CENTER_LABELS[..words::CENTER_LABELS.iter().position(|l| *l == "检查单位").unwrap_or(words::CENTER_LABELS.len())];
    let first_chars: Vec<char> = strong.iter().filter_map(|l| l.chars().next()).collect();
    range
        .rows()
        .enumerate()
        .filter(|(_, row)| {
            row.iter().enumerate().any(|(i, d)| {
                // Skip cells that cannot be labels (and the long texts) cheaply.
                let Data::String(t) = d else { return false };
                if !may_be_label(t, &first_chars) {
                    return false;
                }
                match words::label(strong, &squash(t)) {
                    Some((_, "")) => next_text(row, i).is_some(),
                    Some(_) => true,
                    None => false,
                }
            })
        })
        .map(|(r, _)| r)
        .collect()
}

/// Find header rows (序号 + 得分) among `rows` and read each numbered row under them;
/// `cols` is the header in force (carried from the part above, updated here).
fn scan(range: &Range<Data>, rows: std::ops::Range<usize>, uncached: &HashSet<(u32, u32)>, near: &mut NearMiss, cols: &mut Option<Header>) -> Option<Found> {
    let (r0, c0) = range.start()?;
    let mut found = Found::default();
    let mut segment_start = 0;
    let mut noted = false;
    let mut just_headed = false;
    for (ri, row) in range.rows().enumerate().skip(rows.start).take(rows.len()) {
        match header(row) {
            Ok(h) => {
                *cols = Some(h);
                just_headed = true;
                continue;
            }
            Err(deducted_only) => near.deducted_only |= deducted_only,
        }
        let Some(mut h) = *cols else { continue };
        if std::mem::take(&mut just_headed) {
            // A 得分 merged over sub-headers (自评 | 检查组) in the row below.
            let sub = row.get(h.id).and_then(item_id).is_none().then(|| sub_header(row, &h)).flatten();
            if let Some(refined) = sub {
                h = refined;
                *cols = Some(h);
            }
            if !noted {
                found.warnings.extend(column_note(&h));
                noted = true;
            }
            if sub.is_some() {
                continue;
            }
        }
        let r = r0 + ri as u32;
        let c = c0 + h.score as u32;
        let Some(id) = row.get(h.id).and_then(item_id) else {
            if let Some(t) = typed_total(row, &h, r, c, segment_start, found.order.len()) {
                segment_start = found.order.len();
                found.totals.push(t);
            }
            continue;
        };
        let value = match row.get(h.score).map(raw).unwrap_or(Entered::Empty) {
            Entered::Empty if uncached.contains(&(r, c)) => Entered::UncachedFormula,
            v => v,
        };
        let sr = ScoreRow { row: r, col: c, value };
        match found.rows.entry(id) {
            std::collections::btree_map::Entry::Occupied(e) => found.duplicates.push((e.key().clone(), sr.cell())),
            std::collections::btree_map::Entry::Vacant(e) => {
                found.order.push(e.key().clone());
                e.insert(sr);
            }
        }
    }
    if found.rows.is_empty() {
        return None;
    }
    // 合计 under the last item is the grand total; with items after it, a subtotal.
    let n = found.order.len();
    for t in &mut found.totals {
        if t.kind == TotalKind::Total && t.label.contains("合计") && !t.label.contains("总") && t.to < n {
            t.kind = TotalKind::Subtotal;
        }
    }
    Some(found)
}

/// The header's columns, or `Err(true)` for a row with 序号 and 扣分 but no score column.
/// A row that also has a column of units or counties (县(市、区), 单位名称) heads a
/// summary or a roster (汇总, 统计表), not a scorecard.
fn header(row: &[Data]) -> Result<Header, bool> {
    let (mut id, mut score, mut self_score, mut deducted) = (None, None, None, false);
    for (i, d) in row.iter().enumerate() {
        // Header cells are short; skip the long 工作标准 texts without copying them.
        let Data::String(t) = d else { continue };
        if t.len() > 40 || !words::may_head_a_column(t) {
            continue;
        }
        let t = squash(t);
        if words::names_units_squashed(&t) {
            return Err(false);
        }
        match words::role_of_squashed(&t) {
            Some(Role::Id) => {
                id.get_or_insert(i);
            }
            Some(Role::Score) => {
                score.get_or_insert(i);
            }
            Some(Role::SelfScore) => {
                self_score.get_or_insert(i);
            }
            Some(Role::Deducted) => deducted = true,
            _ => {}
        }
    }
    let id = id.ok_or(false)?;
    match (score, self_score) {
        (Some(score), self_score) => Ok(Header { id, score, self_score, self_only: false }),
        (None, Some(s)) => Ok(Header { id, score: s, self_score: Some(s), self_only: true }),
        (None, None) => Err(deducted),
    }
}

/// Sub-headers under a 得分 merged over two or three columns, in the row below
/// the header: 自评 | 检查组 (or 自评得分 | 考核得分, …). The inspector's column
/// is scored; with only a self-assessment under 得分, that one, marked so.
fn sub_header(row: &[Data], h: &Header) -> Option<Header> {
    const INSPECTORS: &[&str] = &["检查组", "考核组", "检查", "考核", "复核", "市局", "督导组"];
    let (mut score, mut self_score) = (None, None);
    for (c, d) in row.iter().enumerate().skip(h.score).take(3) {
        let Data::String(t) = d else { continue };
        let t = squash(t);
        match words::role_of_squashed(&t) {
            Some(Role::SelfScore) => {
                self_score.get_or_insert(c);
            }
            Some(Role::Score) => {
                score.get_or_insert(c);
            }
            _ if INSPECTORS.contains(&words::strip_bracketed_suffix(&t)) => {
                score.get_or_insert(c);
            }
            _ => {}
        }
    }
    match (score, self_score) {
        (Some(score), self_score) => Some(Header { score, self_score: self_score.or(h.self_score), ..*h }),
        (None, Some(s)) if h.self_score.is_none() && s == h.score => Some(Header { score: s, self_score: Some(s), self_only: true, ..*h }),
        _ => None,
    }
}

/// A warning saying which column was scored when the sheet has self-assessed scores.
fn column_note(h: &Header) -> Option<(Code, String)> {
    let letters = |c: usize| crate::cell_ref(0, c as u32).trim_end_matches('1').to_string();
    match h.self_score {
        Some(_) if h.self_only => Some((
            Code::SelfAssessed,
            format!("本表只有自评得分（{}列），没有检查组的得分列；已按自评得分评分，结果是被考核单位的自评，请以检查组评分为准", letters(h.score)),
        )),
        Some(s) => Some((
            Code::ScoreColumn,
            format!("本表既有自评得分（{}列）又有检查组得分（{}列），已按检查组得分（{}列）评分", letters(s), letters(h.score), letters(h.score)),
        )),
        None => None,
    }
}

/// A row without a 序号 that holds a number in the score column and some words.
fn typed_total(row: &[Data], h: &Header, r: u32, c: u32, from: usize, to: usize) -> Option<TypedTotal> {
    let value = match row.get(h.score)? {
        Data::Int(i) => *i as f64,
        Data::Float(f) if f.is_finite() => *f,
        Data::String(s) => parse_text_number(s)?.signed(),
        _ => return None,
    };
    let mut label = String::new();
    for (i, d) in row.iter().enumerate() {
        if i == h.score || Some(i) == h.self_score {
            continue;
        }
        if let Data::String(t) = d
            && t.len() <= 90
        {
            label.push_str(&squash(t));
        }
    }
    let label = label.trim_end_matches(':').to_string();
    if label.is_empty() {
        return None;
    }
    let kind = if words::SUBTOTAL_WORDS.iter().any(|w| label.contains(w)) {
        TotalKind::Subtotal
    } else if words::TOTAL_WORDS.iter().any(|w| label.contains(w)) {
        TotalKind::Total
    } else if label.chars().count() <= 20 {
        TotalKind::Other
    } else {
        return None;
    };
    Some(TypedTotal { row: r, col: c, value, label: clip(&label, 40), kind, from, to })
}

/// The best (center, county) labels among `rows` of a sheet: `被考核单位：X` in one cell, or
/// the label in one cell and X in the next non-empty cell to its right. Where a
/// sheet has several labels, the more specific wins (see [`words::CENTER_LABELS`]).
pub(crate) fn labels(range: &Range<Data>, rows: std::ops::Range<usize>) -> (Option<String>, Option<String>) {
    let mut center: Option<(usize, String)> = None;
    let mut county: Option<(usize, String)> = None;
    let first_chars: Vec<char> = words::CENTER_LABELS.iter().chain(words::COUNTY_LABELS).filter_map(|l| l.chars().next()).collect();
    for row in range.rows().skip(rows.start).take(rows.len()) {
        for (i, d) in row.iter().enumerate() {
            // Skip cells that cannot be labels (and the long texts) cheaply.
            let Data::String(t) = d else { continue };
            if !may_be_label(t, &first_chars) {
                continue;
            }
            let t = squash(t);
            for (list, slot) in [(words::CENTER_LABELS, &mut center), (words::COUNTY_LABELS, &mut county)] {
                let Some((rank, rest)) = words::label(list, &t) else { continue };
                if slot.as_ref().is_some_and(|(best, _)| *best <= rank) {
                    continue;
                }
                let value = if rest.is_empty() { next_text(row, i) } else { Some(rest.to_string()) };
                if let Some(v) = value.filter(|v| !v.is_empty()) {
                    *slot = Some((rank, clip(&v, 60)));
                }
            }
        }
    }
    (center.map(|c| c.1), county.map(|c| c.1))
}

/// Whether a cell may hold a label, cheaply: it starts like one, and is short
/// (the name in the next cell) or has a colon (the name after it).
fn may_be_label(t: &str, first_chars: &[char]) -> bool {
    t.len() <= 300 && t.trim_start().starts_with(first_chars) && (t.len() <= 45 || t.contains(['：', ':']))
}

/// The next non-empty cell to the right, unless it is another label (has a colon).
fn next_text(row: &[Data], i: usize) -> Option<String> {
    let next = row[i + 1..].iter().find_map(|d| match d {
        Data::Empty => None,
        Data::String(s) if s.trim().is_empty() => None,
        d => Some(squash(&d.to_string())),
    })?;
    (!next.contains(':')).then_some(next)
}

/// Whether a sheet's name names a unit or a county (潞州区, 沁县退役军人服务中心),
/// rather than being generic (Sheet1, 评分表).
pub(crate) fn names_a_unit(sheet: &str) -> bool {
    let s = squash(sheet);
    let generic = ["评分", "考核", "汇总", "统计", "说明", "sheet", "Sheet", "工作表"];
    if generic.iter().any(|g| s.contains(g)) && !s.contains("中心") && !s.contains("服务站") {
        return false;
    }
    crate::county_from_name(&s).is_some() || s.ends_with("中心") || s.ends_with("站")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_that_name_a_unit() {
        for s in ["潞州区", "沁县", "潞城市", "沁县退役军人服务中心", "东街街道退役军人服务站", "长治市潞州区"] {
            assert!(names_a_unit(s), "{s}");
        }
        for s in ["Sheet1", "评分表", "考核评分表", "汇总", "填表说明", "县(区)退役军人服务中心考核评分表", "附件"] {
            assert!(!names_a_unit(s), "{s}");
        }
    }
}
