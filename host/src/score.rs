//! Scoring workbooks with a rubric component: inputs → one [`UnitResult`] per
//! unit, that is per sheet holding a scorecard (a workbook that cannot be read,
//! or has no scorecard, is one unit named after the file).
//!
//! ```no_run
//! use kaohe::{runtime::Runtime, score};
//! let rt = Runtime::new(Default::default())?;
//! let rubric = rt.load(kaohe::BUILTIN_RUBRIC, "built-in")?;
//! let files = score::collect_inputs(&["samples".into()], &[])?;
//! for r in score::score_files(&rubric, &files) {
//!     println!("{} {:?} {:?}", r.file, r.sheet, r.assessment.map(|a| a.total));
//! }
//! # anyhow::Ok(())
//! ```

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use serde::Serialize;
use sha2::{Digest, Sha256};

use kaohe_engine::fmt_points;

use crate::runtime::{Answer, Assessment, EntryKind, LoadedRubric, Part, Scores, Scoring, hex};
use crate::runtime::{Item, RuleMode};
use crate::workbook::{self, Code, Entered, Mark, ScoreRow, Scorecard, TotalKind};

/// File extensions read as workbooks.
pub const EXTENSIONS: &[&str] = &["xlsx", "xlsm", "xls", "xlsb", "ods"];

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The file could not be scored.
    Error,
    /// Scored, but something deserves a look.
    Warning,
}

impl Severity {
    /// The word used in workbooks.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Warning => "提醒",
        }
    }
}

/// Something wrong (or worth a look) in one unit's scorecard, or in its file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// Stable machine-readable code, e.g. `out-of-range`.
    pub code: Code,
    pub sheet: Option<String>,
    /// A1 reference, e.g. `E12`.
    pub cell: Option<String>,
    /// Item or sub-rule id, e.g. `4`, `65.3`.
    pub item: Option<String>,
    /// What to do, in Chinese.
    pub message: String,
    /// What the parser or the system said, in its own words (often English), for a technician.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Finding {
    /// A finding about a whole file (no sheet, cell or item).
    pub fn file(severity: Severity, code: Code, message: impl Into<String>) -> Self {
        Finding { severity, code, sheet: None, cell: None, item: None, message: message.into(), detail: None }
    }

    /// A finding about a whole file that could not be read.
    pub fn read_error(e: workbook::ReadError) -> Self {
        Finding { detail: e.detail, ..Finding::file(Severity::Error, e.code, e.message) }
    }
}

/// The outcome for one unit: a sheet holding a scorecard, a file that could
/// not be read, or a roster unit with no scorecard. `assessment` is `None` when
/// an error finding stopped it.
#[derive(Debug, Clone)]
pub struct UnitResult {
    pub file: String,
    /// The sheet the scorecard is on; `None` for a file that could not be read.
    pub sheet: Option<String>,
    pub input_sha256: Option<String>,
    pub county: String,
    pub center: String,
    /// Which of the run's rubrics scored it (an index into the list the run was given).
    pub rubric: usize,
    pub assessment: Option<Assessment>,
    /// Points per item and sub-rule in the rubric's [`point_ids`](LoadedRubric::point_ids)
    /// order: deductions negative for items, positive points off for sub-rules;
    /// `None` for a sub-rule not entered as a count. Kept when `assessment.items`
    /// is dropped to save memory in large batches.
    pub points: Points,
    pub findings: Vec<Finding>,
}

/// A unit's points per item and sub-rule, kept for every unit of a batch: two
/// bytes a point when every point is a whole number of half points (as a
/// scorecard's nearly always are), else eight; never an `Option<f64>`'s sixteen.
/// Either way each point reads back bit for bit as it was given.
///
/// ```
/// let p = kaohe::score::Points::new(&[Some(1.5), None, Some(-2.0)]);
/// assert_eq!(p.len(), 3);
/// assert_eq!(p.get(1), None);
/// assert_eq!(p.iter().collect::<Vec<_>>(), [Some(1.5), None, Some(-2.0)]);
/// assert_eq!(kaohe::score::Points::new(&[Some(0.125)]).get(0), Some(0.125));
/// ```
#[derive(Debug, Clone)]
pub struct Points(PointsRepr);

#[derive(Debug, Clone)]
enum PointsRepr {
    /// Half points, `i16::MIN` for an absent one.
    Halves(Box<[i16]>),
    /// The points themselves, NaN for an absent one.
    Any(Box<[f64]>),
}

impl Default for Points {
    fn default() -> Self {
        Points(PointsRepr::Halves(Box::new([])))
    }
}

/// `v` as half points, if that is exact.
fn halves(v: f64) -> Option<i16> {
    let h = v * 2.0;
    let n = h as i16;
    (h.fract() == 0.0 && h.abs() <= i16::MAX as f64 && (f64::from(n) / 2.0).to_bits() == v.to_bits()).then_some(n)
}

impl Points {
    /// From points by position (a non-finite point is kept as absent).
    pub fn new(points: &[Option<f64>]) -> Self {
        let points = points.iter().map(|p| p.filter(|v| v.is_finite()));
        match points.clone().map(|p| p.map_or(Some(i16::MIN), halves)).collect::<Option<Box<[i16]>>>() {
            Some(h) => Points(PointsRepr::Halves(h)),
            None => Points(PointsRepr::Any(points.map(|p| p.unwrap_or(f64::NAN)).collect())),
        }
    }

    /// The point at position `at`, if there is one.
    pub fn get(&self, at: usize) -> Option<f64> {
        match &self.0 {
            PointsRepr::Halves(h) => h.get(at).filter(|&&n| n != i16::MIN).map(|&n| f64::from(n) / 2.0),
            PointsRepr::Any(v) => v.get(at).copied().filter(|v| !v.is_nan()),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = Option<f64>> + '_ {
        (0..self.len()).map(|at| self.get(at))
    }

    pub fn len(&self) -> usize {
        match &self.0 {
            PointsRepr::Halves(h) => h.len(),
            PointsRepr::Any(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl PartialEq for Points {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl UnitResult {
    /// Scored without an error finding.
    pub fn ok(&self) -> bool {
        self.assessment.is_some() && !self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// Where the unit stands in the summary.
    pub fn status(&self) -> Status {
        let has = |code: Code| self.findings.iter().any(|f| f.code == code);
        if has(Code::NotSubmitted) {
            Status::NotSubmitted
        } else if has(Code::DuplicateUnit) {
            Status::Duplicate
        } else if self.ok() {
            Status::Scored
        } else {
            Status::NotScored
        }
    }
}

/// Where a unit stands in the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Scored without an error.
    Scored,
    /// An error stopped it (the reasons are its findings).
    NotScored,
    /// Another scorecard is for the same unit: neither copy is counted.
    Duplicate,
    /// On the roster, but no scorecard was handed in.
    NotSubmitted,
}

impl Status {
    /// The word used in workbooks.
    pub fn label(self) -> &'static str {
        match self {
            Status::Scored => "已评分",
            Status::NotScored => "未评分",
            Status::Duplicate => "重复",
            Status::NotSubmitted => "未提交",
        }
    }
}

/// Expand inputs (files or folders, searched recursively) into workbook paths,
/// sorted by path (so the order never depends on how they were named or
/// scheduled) and without duplicates (the same file named twice, or named and
/// inside a named folder, is read once). `exclude` are paths never read (the outputs).
/// Office lock files (`~$…`) are skipped. A named file that does not exist is an error.
pub fn collect_inputs(inputs: &[PathBuf], exclude: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let exclude: Vec<PathBuf> = exclude.iter().filter_map(|p| std::path::absolute(p).ok()).collect();
    let mut out = Vec::new();
    for input in inputs {
        if input.is_dir() {
            walk(input, &mut out)?;
        } else if input.exists() {
            out.push(input.clone());
        } else {
            bail!("{}: no such file or folder", input.display());
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| {
        let key = std::path::absolute(p).unwrap_or_else(|_| p.clone());
        !exclude.contains(&key) && seen.insert(key)
    });
    out.sort();
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    // The folder listing says which entries are folders (no `stat` per file, 10,000 in
    // a province's batch); a link is followed to see what it names.
    let mut entries: Vec<(PathBuf, bool)> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .map(|e| {
            let p = e.path();
            let is_dir = match e.file_type() {
                Ok(t) if !t.is_symlink() => t.is_dir(),
                _ => p.is_dir(),
            };
            (p, is_dir)
        })
        .collect();
    entries.sort();
    for (p, is_dir) in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if is_dir {
            walk(&p, out)?;
        } else if !name.starts_with("~$") && !name.starts_with('.') && is_workbook(&p) {
            out.push(p);
        }
    }
    Ok(())
}

/// Whether a path has a workbook extension.
pub fn is_workbook(p: &Path) -> bool {
    p.extension().and_then(|e| e.to_str()).is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Score every file on all cores; one result per unit, in the given order
/// of files (units in sheet order) whatever the scheduling. Each workbook is read, scored and reduced to its
/// result before the next is taken, so a run never holds more than one
/// workbook's cells per thread.
pub fn score_files(rubric: &LoadedRubric, files: &[PathBuf]) -> Vec<UnitResult> {
    score_stream(&[rubric], files, Options::default(), crate::batch::default_jobs(), &mut |_| Ok(())).unwrap_or_default()
}

/// What to keep of each result.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Keep only compact result rows: drop each assessment's trace and per-item
    /// list once scored (only `--json` prints them; [`UnitResult::points`] keeps
    /// the points), so a large batch's memory stays at a small row per workbook.
    pub drop_trace: bool,
}

/// Score files on `jobs` threads that take them in input order, handing each
/// unit's result to `sink` on the calling thread, in input order, as soon as
/// its file and all before it are done. Returns every result, in input order.
pub fn score_stream(
    rubrics: &[&LoadedRubric],
    files: &[PathBuf],
    options: Options,
    jobs: usize,
    sink: &mut dyn FnMut(&UnitResult) -> Result<()>,
) -> Result<Vec<UnitResult>> {
    let mut out = Vec::with_capacity(files.len());
    crate::batch::ordered(files, jobs, |f| score_one(rubrics, f, options), internal_error, &mut |units| {
        for r in units {
            sink(&r)?;
            out.push(r);
        }
        Ok(())
    })?;
    Ok(out)
}

/// A file whose scoring hit a bug in kaohe: one error on it, the batch goes on.
pub(crate) fn internal_error(f: &Path) -> Vec<UnitResult> {
    let mut r = read_workbook(f).result;
    r.assessment = None;
    r.findings.push(Finding::file(Severity::Error, Code::InternalError, "kaohe 处理此文件时出错（程序缺陷），未评分；请把此文件交给技术人员"));
    vec![r]
}

/// Read one workbook, pick each scorecard's rubric, score it, and keep what `options` says.
fn score_one(rubrics: &[&LoadedRubric], f: &Path, options: Options) -> Vec<UnitResult> {
    score_units(rubrics, &read_workbook(f), !options.drop_trace)
}

/// Score every unit of a workbook already read, each scorecard with the rubric
/// it names (see [`pick`]).
pub fn score_workbook(rubrics: &[&LoadedRubric], read: &ReadWorkbook) -> Vec<UnitResult> {
    score_units(rubrics, read, true)
}

/// [`score_workbook`]; `detail`: keep each item's points and the trace in the assessment.
fn score_units(rubrics: &[&LoadedRubric], read: &ReadWorkbook, detail: bool) -> Vec<UnitResult> {
    read.units()
        .into_iter()
        .map(|(seed, card)| {
            let k = pick(rubrics, card);
            let mut result = seed;
            result.rubric = k;
            if let Some(card) = card {
                score_card(rubrics[k], card, detail, &mut result);
            }
            // Kept for the whole batch (a wrong file has dozens of findings): no spare room.
            result.findings.shrink_to_fit();
            for f in &mut result.findings {
                f.message.shrink_to_fit();
            }
            result
        })
        .collect()
}

/// Which of `rubrics` scores a scorecard: the one its template names (same id,
/// preferring the same version), else the first.
pub fn pick(rubrics: &[&LoadedRubric], card: Option<&Scorecard>) -> usize {
    let Some((id, version)) = card.and_then(|c| c.rubric_mark.as_ref()) else { return 0 };
    let same = |k: &usize| rubrics[*k].info.id == *id;
    (0..rubrics.len()).find(|k| same(k) && rubrics[*k].info.version == *version).or_else(|| (0..rubrics.len()).find(same)).unwrap_or(0)
}

/// A workbook read (or not) and ready to be scored by one or more rubrics.
pub struct ReadWorkbook {
    /// What every unit of the file shares: file, digest, and any finding about
    /// the whole file (an error when it could not be read).
    pub result: UnitResult,
    /// The workbook's scorecards, one per unit; empty when it could not be read.
    pub cards: Vec<Scorecard>,
}

impl ReadWorkbook {
    /// Each unit: its result so far (names, sheet, the file's findings on the
    /// first unit only) and its scorecard; a file that could not be read is one
    /// unit without a scorecard.
    pub fn units(&self) -> Vec<(UnitResult, Option<&Scorecard>)> {
        if self.cards.is_empty() {
            return vec![(self.result.clone(), None)];
        }
        let units = self.cards.iter().enumerate().map(|(k, card)| {
            let mut r = UnitResult {
                sheet: Some(card.sheet.clone()),
                center: card.center.clone(),
                county: card.county.clone(),
                findings: if k == 0 { self.result.findings.clone() } else { Vec::new() },
                ..self.result.clone()
            };
            for (code, message) in &card.warnings {
                r.findings.push(Finding { sheet: Some(card.sheet.clone()), ..Finding::file(Severity::Warning, *code, message.clone()) });
            }
            (r, Some(card))
        });
        units.collect()
    }
}

/// Read one workbook. Never panics on bad input: problems become findings.
pub fn read_workbook(path: &Path) -> ReadWorkbook {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("").to_string();
    let mut result = UnitResult {
        file: path.display().to_string(),
        sheet: None,
        input_sha256: None,
        county: workbook::county_from_name(&stem).unwrap_or_default(),
        center: stem,
        rubric: 0,
        assessment: None,
        points: Points::default(),
        findings: vec![],
    };
    let bytes = match workbook::read_file(path, &workbook::ReadLimits::default()) {
        Ok(b) => b,
        Err(e) => {
            result.findings.push(Finding::read_error(e));
            return ReadWorkbook { result, cards: vec![] };
        }
    };
    result.input_sha256 = Some(hex(&Sha256::digest(&bytes)));
    // calamine should not panic, but a hostile file must not take the batch down if it does.
    // Formats the fast xlsx path does not read are parsed in the sandboxed reader component.
    let limits = workbook::ReadLimits::default();
    let read = std::panic::catch_unwind(|| workbook::read_bytes_via(&bytes, path, &limits, crate::reader::parser())).unwrap_or_else(|_| {
        Err(workbook::ReadError {
            code: Code::Unreadable,
            message: "读取时工作簿解析器出错，文件可能已损坏；请用 Excel 或 WPS 另存后再试".into(),
            detail: Some("the workbook parser panicked".into()),
        })
    });
    match read {
        Ok(book) => {
            for (code, message) in book.warnings {
                result.findings.push(Finding::file(Severity::Warning, code, message));
            }
            ReadWorkbook { result, cards: book.cards }
        }
        Err(e) => {
            result.findings.push(Finding::read_error(e));
            ReadWorkbook { result, cards: vec![] }
        }
    }
}

/// Score one unit with one rubric (`index` is recorded in the result): `seed`
/// is its result so far, `card` its scorecard (`None` for a file that could not be read).
pub fn score_unit(rubric: &LoadedRubric, index: usize, seed: UnitResult, card: Option<&Scorecard>) -> UnitResult {
    let mut result = seed;
    result.rubric = index;
    if let Some(card) = card {
        score_card(rubric, card, true, &mut result);
    }
    result
}

/// Score every unit of one workbook with one rubric.
pub fn score_file(rubric: &LoadedRubric, path: &Path) -> Vec<UnitResult> {
    score_workbook(&[rubric], &read_workbook(path))
}

/// Where each entry came from, to name cells in findings.
struct Sources<'a> {
    sheet: &'a str,
    rows: &'a std::collections::BTreeMap<String, ScoreRow>,
}

impl Sources<'_> {
    /// A finding about the whole scorecard: its sheet, no cell or item.
    fn sheet_finding(&self, severity: Severity, code: Code, message: impl Into<String>) -> Finding {
        Finding { sheet: Some(self.sheet.to_string()), ..Finding::file(severity, code, message) }
    }

    fn finding(&self, severity: Severity, code: Code, item: &str, message: String) -> Finding {
        Finding {
            severity,
            code,
            sheet: Some(self.sheet.to_string()),
            cell: self.rows.get(item).map(ScoreRow::cell),
            item: (!item.is_empty()).then(|| item.to_string()),
            message,
            detail: None,
        }
    }
}

/// Score one scorecard into `result`; `detail`: keep each item's points and the trace.
fn score_card(rubric: &LoadedRubric, card: &Scorecard, detail: bool, result: &mut UnitResult) {
    let info = &rubric.info;
    let src = Sources { sheet: &card.sheet, rows: &card.rows };
    let mut findings = Vec::new();
    if let Some((id, version)) = &card.rubric_mark
        && (id != &info.id || version != &info.version)
    {
        findings.push(src.sheet_finding(
            Severity::Warning,
            Code::RubricMismatch,
            format!("此表按评分标准 {id} {version} 生成，现按 {} {} 评分；请确认使用的评分标准是否正确", info.id, info.version),
        ));
    }
    for (id, cell) in &card.duplicates {
        findings.push(Finding {
            cell: Some(cell.clone()),
            ..src.finding(Severity::Error, Code::DuplicateItem, id, format!("序号 {id} 出现了不止一次（{cell}），请删除重复的行"))
        });
    }

    // Entries by position: each item's kind, and the numbers at the item's and its sub-rules' places.
    let mut entries = rubric.blank_entries();
    for ((item, &at), kind) in info.items.iter().zip(rubric.item_points()).zip(entries.kinds.iter_mut()) {
        let row = card.rows.get(&item.id);
        match &item.scoring {
            Scoring::Rules(rules) if rules.iter().any(|r| card.rows.contains_key(&r.id)) => {
                *kind = EntryKind::Counts;
                for (k, rule) in rules.iter().enumerate() {
                    let Some(r) = card.rows.get(&rule.id) else { continue };
                    let expect = match rule.mode {
                        RuleMode::PerOccurrence => Expect::Count(&rule.unit),
                        RuleMode::Discretionary => Expect::PointsOff(item.max_points.min(rule.cap)),
                    };
                    entries.values[at + 1 + k] = number(r, &rule.id, expect, &src, &mut findings);
                }
            }
            _ => {
                if let Some(v) = row.and_then(|r| number(r, &item.id, Expect::of(item), &src, &mut findings)) {
                    *kind = EntryKind::Points;
                    entries.values[at] = Some(v);
                }
            }
        }
        if row.is_none() && *kind != EntryKind::Counts {
            if item.required {
                findings.push(src.finding(
                    Severity::Error,
                    Code::MissingItem,
                    &item.id,
                    format!("表中找不到序号 {} 的行（{}），该项为必填项", item.id, short(&item.text)),
                ));
                continue;
            }
            findings.push(src.finding(
                Severity::Warning,
                Code::MissingItem,
                &item.id,
                format!("表中找不到序号 {} 的行（{}），按 0 分计；请确认所用评分表与评分标准 {} 一致", item.id, short(&item.text), info.id),
            ));
        }
    }
    for (id, row) in &card.rows {
        if row.value != Entered::Empty && rubric.point_index(id).is_none() {
            findings.push(src.finding(Severity::Warning, Code::UnknownItem, id, format!("评分标准 {} 中没有序号 {id}，该行的得分未计入", info.id)));
        }
    }
    // A blank copy: one finding for the sheet, not one per item the engine would reject.
    if card.is_blank() {
        // Named by the first cell to fill.
        let first = info.items.iter().find(|i| card.rows.contains_key(&i.id)).map(|i| i.id.as_str()).unwrap_or("");
        let start = src.rows.get(first).map(|r| format!("，从 {}（序号 {first}）开始", r.cell())).unwrap_or_default();
        findings.push(src.finding(
            Severity::Error,
            Code::NotFilled,
            first,
            format!("工作表“{}”是一份空白评分表：得分栏全部为空（或为 0），未评分。请填写后再交{start}，或删除这个工作表", crate::clip(&card.sheet, 31)),
        ));
        result.findings.extend(findings);
        return;
    }
    let has_error = |fs: &[Finding]| fs.iter().any(|f| f.severity == Severity::Error);
    if !has_error(&findings) {
        match rubric.score_indexed(&entries, detail) {
            Err(e) => findings.push(src.sheet_finding(Severity::Error, Code::RubricFailed, format!("评分组件 {} {} 运行失败：{e}", info.id, info.version))),
            Ok(Answer::Rejected(rejected)) => {
                for f in rejected {
                    let mut msg = f.message;
                    if !f.allowed.is_empty() {
                        msg.push_str(&format!("（允许：{}）", f.allowed));
                    }
                    findings.push(src.finding(Severity::Error, f.code, &f.item, msg));
                }
            }
            Ok(Answer::Inconsistent(why)) => findings.push(src.sheet_finding(
                Severity::Error,
                Code::RubricInconsistent,
                format!("评分组件 {} {} 返回的结果自相矛盾：{why}", info.id, info.version),
            )),
            Ok(Answer::Scored(scores)) => {
                findings.extend(check_typed_totals(rubric, card, &scores, &src));
                result.points = Points::new(&scores.points);
                result.assessment = Some(rubric.assessment(scores, detail));
            }
        }
    }
    if has_error(&findings) {
        result.assessment = None;
    }
    result.findings.extend(findings);
}

/// What a score cell is expected to hold, from the item's part in the rubric.
#[derive(Clone, Copy)]
enum Expect<'a> {
    /// A base item's points, 0 to its max.
    Points(&'a Item),
    /// Points added (bonus and special items): 加2分 and +2 agree, 扣 contradicts.
    Added(&'a Item),
    /// Points taken off (deduction items typed directly): 扣3分, 减3分 and −3 agree, 加 contradicts.
    Deducted(&'a Item),
    /// Points taken off under a discretionary sub-rule, at most this many.
    PointsOff(f64),
    /// A count of occurrences of a sub-rule, in this unit (人次).
    Count(&'a str),
}

impl<'a> Expect<'a> {
    fn of(item: &'a Item) -> Self {
        match item.part {
            Part::Base => Expect::Points(item),
            Part::Bonus | Part::Special => Expect::Added(item),
            Part::Deduction | Part::SpecialDeduction => Expect::Deducted(item),
        }
    }

    /// What to write instead, for messages: 基础项，应填写 0～4 的得分.
    fn wanted(&self) -> String {
        let allowed = |i: &Item| crate::wording::allowed(&i.scoring, i.max_points);
        match self {
            Expect::Points(i) => format!("是基础项，应填写 {} 的实得分数（如 {}）", allowed(i), fmt_points(i.max_points)),
            Expect::Added(i) => format!("是加分项，应填写加分（{}，如 2 或“加2分”）", allowed(i)),
            Expect::Deducted(i) => format!("是减分项，应填写扣分（{}，如 3、-3 或“扣3分”）", allowed(i)),
            Expect::PointsOff(cap) => format!("应填写扣分（0～{}，如 2 或“扣2分”）", fmt_points(*cap)),
            Expect::Count(unit) => format!("应填写发生的{unit}数（0 或正整数，如 2）"),
        }
    }

    /// Whether a number typed as text agrees with what the cell holds; the value to score.
    fn read(&self, t: &workbook::TextNumber) -> Option<f64> {
        match (self, t.mark) {
            (Expect::Count(_), None) if !t.points => Some(t.value),
            (Expect::Count(_), _) => None,
            (_, _) if t.unit.is_some() => None,
            (Expect::Points(_), None) => Some(t.value),
            (Expect::Points(_), Some(Mark::Add)) if t.word == "+" => Some(t.value),
            (Expect::Added(_), None | Some(Mark::Add)) => Some(t.value),
            (Expect::Deducted(_), None | Some(Mark::Deduct)) => Some(t.signed()),
            (Expect::PointsOff(_), None | Some(Mark::Deduct)) => Some(t.value),
            _ => None,
        }
    }
}

/// Read a score cell as a number, adding findings for text numbers and non-numbers.
/// One rule for text: full-width digits, spaces, a trailing 分, and a word or sign
/// that agrees with the item's part are read with a `text-number` warning; a word
/// that contradicts it, or any other text, is an error naming what was expected.
fn number(row: &ScoreRow, item: &str, expect: Expect<'_>, src: &Sources<'_>, findings: &mut Vec<Finding>) -> Option<f64> {
    let label = if matches!(expect, Expect::Count(_) | Expect::PointsOff(_)) { "分项" } else { "序号" };
    match &row.value {
        Entered::Empty => None,
        Entered::Number(v) => Some(*v),
        Entered::Text(t) => {
            let shown = crate::clip(t.trim(), 20);
            let parsed = workbook::parse_text_number(t);
            match parsed.as_ref().and_then(|p| expect.read(p).map(|v| (p, v))) {
                Some((_, v)) => {
                    findings.push(src.finding(
                        Severity::Warning,
                        Code::TextNumber,
                        item,
                        format!("{label} {item} 的得分“{shown}”是文字格式，已按数字 {} 读取", fmt_points(v)),
                    ));
                    Some(v)
                }
                None => {
                    let (code, what) = match parsed {
                        Some(_) => (Code::ContradictsItem, "与该项的性质不符"),
                        None => (Code::NotANumber, "不是数字"),
                    };
                    findings.push(src.finding(
                        Severity::Error,
                        code,
                        item,
                        format!("{label} {item} 的得分“{shown}”{what}：{label} {item} {}", expect.wanted()),
                    ));
                    None
                }
            }
        }
        Entered::UncachedFormula => {
            findings.push(src.finding(
                Severity::Error,
                Code::FormulaNoValue,
                item,
                format!("{label} {item} 的得分是公式，但文件中没有保存计算结果（可能由程序生成后未重新计算）。请在 Excel 或 WPS 中打开、保存后再试"),
            ));
            None
        }
        Entered::Other(what) => {
            findings.push(src.finding(
                Severity::Error,
                Code::NotANumber,
                item,
                format!("{label} {item} 的得分是 {what}，不是数字：{label} {item} {}", expect.wanted()),
            ));
            None
        }
    }
}

/// The inspector's own totals and subtotals against the rubric's: each
/// difference is a warning naming the cell and both numbers; the computed
/// number is what is reported.
fn check_typed_totals(rubric: &LoadedRubric, card: &Scorecard, a: &Scores, src: &Sources<'_>) -> Vec<Finding> {
    let info = &rubric.info;
    let points = |id: &str| rubric.point_index(id).and_then(|at| a.points[at]);
    // The item a row belongs to: itself, or the item whose sub-rule it is.
    let owner = |id: &str| -> Option<&Item> {
        rubric.item(id).or_else(|| info.items.iter().find(|i| matches!(&i.scoring, Scoring::Rules(rs) if rs.iter().any(|r| r.id == id))))
    };
    let deduction = |i: &Item| matches!(i.part, Part::Deduction | Part::SpecialDeduction);
    let mut out = Vec::new();
    for t in &card.totals {
        // A category named in the row's words (the longest, so 特别考核项 wins over a shorter name in it).
        let category = info.categories.iter().filter(|c| t.label.contains(&workbook::squash(&c.name))).max_by_key(|c| c.name.len());
        // The items the row sums, and what to call it.
        let (items, what): (Vec<&Item>, String) = match (category, t.kind) {
            (Some(c), _) => {
                // A heading that names a category with its maximum beside it is its 分值, not a subtotal.
                if t.kind == TotalKind::Other && (t.value - c.max_points).abs() < 1e-9 {
                    continue;
                }
                (info.items.iter().filter(|i| i.category == c.name).collect(), format!("“{}”小计", c.name))
            }
            (None, TotalKind::Total) => (info.items.iter().collect(), "总分".into()),
            (None, TotalKind::Subtotal) => {
                let mut seen: Vec<&Item> = Vec::new();
                for id in card.order.get(t.from..t.to).unwrap_or(&[]) {
                    if let Some(i) = owner(id)
                        && !seen.iter().any(|s| s.id == i.id)
                    {
                        seen.push(i);
                    }
                }
                let span = match (seen.first(), seen.last()) {
                    (Some(f), Some(l)) if f.id != l.id => format!("序号 {}～{} 的小计", f.id, l.id),
                    (Some(f), _) => format!("序号 {} 的小计", f.id),
                    _ => continue,
                };
                (seen, span)
            }
            (None, TotalKind::Other) => continue,
        };
        let computed = if category.is_none() && t.kind == TotalKind::Total {
            a.total
        } else {
            kaohe_engine::tidy(items.iter().filter_map(|i| points(&i.id)).sum::<f64>())
        };
        // Points taken off (a row of deduction items only) may be typed either way round.
        let either_sign = items.iter().all(|i| deduction(i));
        let off = |x: f64| (t.value - x).abs();
        let diff = if either_sign { off(computed).min(off(-computed)) } else { off(computed) };
        // Within rounding to two decimals (the summary's precision) is agreement.
        if diff < 0.005 + 1e-9 {
            continue;
        }
        out.push(Finding {
            cell: Some(t.cell()),
            ..src.finding(
                Severity::Warning,
                Code::TypedTotalDiffers,
                "",
                format!(
                    "{} 填写的{what}是 {}，按评分标准计算应为 {}（相差 {}）；统计表采用计算结果，请核对",
                    t.cell(),
                    fmt_points(t.value),
                    fmt_points(computed),
                    fmt_points(kaohe_engine::tidy(diff))
                ),
            )
        });
    }
    out
}

fn short(s: &str) -> String {
    let s: String = s.chars().take(16).collect();
    format!("{s}…")
}

#[cfg(test)]
mod tests {
    use super::Points;

    #[test]
    fn points_read_back_bit_for_bit_in_either_form() {
        let cases: [&[Option<f64>]; 5] = [
            &[Some(1.5), None, Some(-2.0), Some(0.0), Some(16383.5), Some(-16383.5)],
            &[Some(0.1), None],
            &[Some(-0.0), Some(1.0)],
            &[Some(16384.0)],
            &[Some(f64::NAN), Some(f64::INFINITY), Some(2.0)],
        ];
        for given in cases {
            let p = Points::new(given);
            assert_eq!(p.len(), given.len());
            for (k, v) in given.iter().enumerate() {
                let expected = v.filter(|v| v.is_finite());
                assert_eq!(p.get(k).map(f64::to_bits), expected.map(f64::to_bits), "{given:?} at {k}");
            }
            assert_eq!(p.get(given.len()), None);
        }
        assert!(Points::default().is_empty());
    }
}
