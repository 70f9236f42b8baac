//! Scoring workbooks with a rubric component: inputs → one [`FileResult`] each.
//!
//! ```no_run
//! use kaohe::{runtime::Runtime, score};
//! let rt = Runtime::new(Default::default())?;
//! let rubric = rt.load(kaohe::BUILTIN_RUBRIC, "built-in")?;
//! let files = score::collect_inputs(&["samples".into()], &[])?;
//! for r in score::score_files(&rubric, &files) {
//!     println!("{} {:?}", r.file, r.assessment.map(|a| a.total));
//! }
//! # anyhow::Ok(())
//! ```

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use serde::Serialize;
use sha2::{Digest, Sha256};

use kaohe_engine::fmt_points;

use crate::runtime::{Assessment, Entry, EntryValue, LoadedRubric, Part, RuleCount, Scoring, hex};
use crate::workbook::{self, Raw, ScoreRow, Scorecard};

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

/// Something wrong (or worth a look) in one input file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// Stable machine-readable code, e.g. `out-of-range`.
    pub code: String,
    pub sheet: Option<String>,
    /// A1 reference, e.g. `E12`.
    pub cell: Option<String>,
    /// Item or sub-rule id, e.g. `4`, `65.3`.
    pub item: Option<String>,
    pub message: String,
}

impl Finding {
    /// A finding about a whole file (no sheet, cell or item).
    pub fn file(severity: Severity, code: &str, message: impl Into<String>) -> Self {
        Finding { severity, code: code.into(), sheet: None, cell: None, item: None, message: message.into() }
    }
}

/// The outcome for one input file. `assessment` is `None` when an error finding stopped it.
#[derive(Debug, Clone)]
pub struct FileResult {
    pub file: String,
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
    pub points: Vec<Option<f64>>,
    pub findings: Vec<Finding>,
}

impl FileResult {
    /// Scored without an error finding.
    pub fn ok(&self) -> bool {
        self.assessment.is_some() && !self.findings.iter().any(|f| f.severity == Severity::Error)
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
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if p.is_dir() {
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

/// Score every file on all cores; one result per file, in the given order
/// whatever the scheduling. Each workbook is read, scored and reduced to its
/// result before the next is taken, so a run never holds more than one
/// workbook's cells per thread.
pub fn score_files(rubric: &LoadedRubric, files: &[PathBuf]) -> Vec<FileResult> {
    let jobs = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    score_stream(&[rubric], files, Options::default(), jobs, &mut |_| Ok(())).unwrap_or_default()
}

/// What to keep of each result.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Keep only compact result rows: drop each assessment's trace and per-item
    /// list once scored (only `--json` prints them; [`FileResult::points`] keeps
    /// the points), so a large batch's memory stays at a small row per workbook.
    pub drop_trace: bool,
}

/// Score files on `jobs` threads that take them in input order, handing each
/// result to `sink` on the calling thread, in input order, as soon as it and
/// all before it are done: the caller writes the summary while the rest is
/// still being scored. Returns every result, in input order.
pub fn score_stream(
    rubrics: &[&LoadedRubric],
    files: &[PathBuf],
    options: Options,
    jobs: usize,
    sink: &mut dyn FnMut(&FileResult) -> Result<()>,
) -> Result<Vec<FileResult>> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::channel::<(usize, FileResult)>();
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            let tx = tx.clone();
            let next = &next;
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(f) = files.get(i) else { break };
                    // A bug must cost one file, not the batch: report it and go on.
                    // Each call has its own store; nothing half-updated is shared across the unwind.
                    let once = std::panic::AssertUnwindSafe(|| score_one(rubrics, f, options));
                    let r = std::panic::catch_unwind(once).unwrap_or_else(|_| {
                        let mut r = read_workbook(f).result;
                        r.assessment = None;
                        r.findings.push(Finding::file(
                            Severity::Error,
                            "internal-error",
                            "kaohe 处理此文件时出错（程序缺陷），未评分；请把此文件交给技术人员",
                        ));
                        r
                    });
                    if tx.send((i, r)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut pending = std::collections::BTreeMap::new();
        let mut out = Vec::with_capacity(files.len());
        for (i, r) in rx {
            pending.insert(i, r);
            while let Some(r) = pending.remove(&out.len()) {
                if let Err(e) = sink(&r) {
                    // Stop the workers: nothing more can be written.
                    next.store(files.len(), Ordering::Relaxed);
                    return Err(e);
                }
                out.push(r);
            }
        }
        Ok(out)
    })
}

/// Read one workbook, pick its rubric, score it, and keep what `options` says.
fn score_one(rubrics: &[&LoadedRubric], f: &Path, options: Options) -> FileResult {
    let read = read_workbook(f);
    let k = pick(rubrics, read.card.as_ref());
    let mut r = score_read(rubrics[k], k, &read);
    if options.drop_trace
        && let Some(a) = &mut r.assessment
    {
        a.trace = Vec::new();
        a.items = Vec::new();
    }
    r
}

/// Which of `rubrics` scores a workbook: the one its template names (same id,
/// preferring the same version), else the first.
pub fn pick(rubrics: &[&LoadedRubric], card: Option<&Scorecard>) -> usize {
    let Some((id, version)) = card.and_then(|c| c.rubric_mark.as_ref()) else { return 0 };
    let same = |k: &usize| rubrics[*k].info.id == *id;
    (0..rubrics.len())
        .find(|k| same(k) && rubrics[*k].info.version == *version)
        .or_else(|| (0..rubrics.len()).find(same))
        .unwrap_or(0)
}

/// A workbook read (or not) and ready to be scored by one or more rubrics.
pub struct ReadWorkbook {
    /// The result so far: file, digest, names, and any finding from reading.
    pub result: FileResult,
    /// The scorecard, when the workbook could be read.
    pub card: Option<Scorecard>,
}

/// Read one workbook. Never panics on bad input: problems become findings.
pub fn read_workbook(path: &Path) -> ReadWorkbook {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("").to_string();
    let mut result = FileResult {
        file: path.display().to_string(),
        input_sha256: None,
        county: String::new(),
        center: stem.clone(),
        rubric: 0,
        assessment: None,
        points: vec![],
        findings: vec![],
    };
    let bytes = match workbook::read_file(path, &workbook::ReadLimits::default()) {
        Ok(b) => b,
        Err(e) => {
            result.findings.push(Finding::file(Severity::Error, e.code, e.message));
            return ReadWorkbook { result, card: None };
        }
    };
    result.input_sha256 = Some(hex(&Sha256::digest(&bytes)));
    // calamine should not panic, but a hostile file must not take the batch down if it does.
    let read = std::panic::catch_unwind(|| workbook::read_bytes(&bytes, path)).unwrap_or_else(|_| {
        Err(workbook::ReadError { code: "unreadable", message: "读取时工作簿解析器出错，文件可能已损坏；请用 Excel 或 WPS 另存后再试".into() })
    });
    let card = match read {
        Ok(c) => c,
        Err(e) => {
            result.findings.push(Finding::file(Severity::Error, e.code, e.message));
            return ReadWorkbook { result, card: None };
        }
    };
    for (code, message) in &card.warnings {
        result.findings.push(Finding::file(Severity::Warning, code, message.clone()));
    }
    result.center = card.center.clone().unwrap_or(stem);
    result.county = card.county.clone().or_else(|| workbook::county_from_name(&result.center)).unwrap_or_default();
    ReadWorkbook { result, card: Some(card) }
}

/// Score a workbook already read with one rubric (`index` is recorded in the result).
pub fn score_read(rubric: &LoadedRubric, index: usize, read: &ReadWorkbook) -> FileResult {
    let mut result = read.result.clone();
    result.rubric = index;
    if let Some(card) = &read.card {
        score_card(rubric, card, &mut result);
    }
    result
}

/// Score one workbook with one rubric.
pub fn score_file(rubric: &LoadedRubric, path: &Path) -> FileResult {
    score_read(rubric, 0, &read_workbook(path))
}

/// Where each entry came from, to name cells in findings.
struct Sources<'a> {
    sheet: &'a str,
    rows: &'a std::collections::BTreeMap<String, ScoreRow>,
}

impl Sources<'_> {
    fn finding(&self, severity: Severity, code: &str, item: &str, message: String) -> Finding {
        Finding {
            severity,
            code: code.into(),
            sheet: Some(self.sheet.to_string()),
            cell: self.rows.get(item).map(ScoreRow::cell),
            item: (!item.is_empty()).then(|| item.to_string()),
            message,
        }
    }
}

fn score_card(rubric: &LoadedRubric, card: &Scorecard, result: &mut FileResult) {
    let info = &rubric.info;
    let src = Sources { sheet: &card.sheet, rows: &card.rows };
    let mut findings = Vec::new();
    if let Some((id, version)) = &card.rubric_mark
        && (id != &info.id || version != &info.version)
    {
        findings.push(Finding::file(
            Severity::Warning,
            "rubric-mismatch",
            format!(
                "此表按评分标准 {id} {version} 生成，现按 {} {} 评分；请确认使用的评分标准是否正确",
                info.id, info.version
            ),
        ));
    }
    for (id, cell) in &card.duplicates {
        findings.push(Finding {
            cell: Some(cell.clone()),
            ..src.finding(Severity::Error, "duplicate-item", id, format!("序号 {id} 出现了不止一次（{cell}），请删除重复的行"))
        });
    }

    let mut entries = Vec::with_capacity(info.items.len());
    for item in &info.items {
        let row = card.rows.get(&item.id);
        let value = match &item.scoring {
            Scoring::Rules(rules) if rules.iter().any(|r| card.rows.contains_key(&r.id)) => {
                let mut counts = Vec::new();
                for rule in rules {
                    let Some(r) = card.rows.get(&rule.id) else { continue };
                    if let Some(v) = number(r, &rule.id, &src, &mut findings) {
                        counts.push(RuleCount { rule: rule.id.clone(), value: v });
                    }
                }
                EntryValue::Counts(counts)
            }
            _ => {
                match row.and_then(|r| number(r, &item.id, &src, &mut findings)) {
                    Some(v) => EntryValue::Points(v),
                    None => EntryValue::Blank,
                }
            }
        };
        if row.is_none() && !matches!(value, EntryValue::Counts(_)) {
            if item.required {
                findings.push(src.finding(
                    Severity::Error,
                    "missing-item",
                    &item.id,
                    format!("表中找不到序号 {} 的行（{}），该项为必填项", item.id, short(&item.text)),
                ));
                continue;
            }
            findings.push(src.finding(
                Severity::Warning,
                "missing-item",
                &item.id,
                format!("表中找不到序号 {} 的行（{}），按 0 分计；请确认所用评分表与评分标准 {} 一致", item.id, short(&item.text), info.id),
            ));
        }
        entries.push(Entry { item: item.id.clone(), value });
    }
    for (id, row) in &card.rows {
        if row.value != Raw::Empty && rubric.point_index(id).is_none() {
            findings.push(src.finding(
                Severity::Warning,
                "unknown-item",
                id,
                format!("评分标准 {} 中没有序号 {id}，该行的得分未计入", info.id),
            ));
        }
    }
    let has_error = |fs: &[Finding]| fs.iter().any(|f| f.severity == Severity::Error);
    if !has_error(&findings) {
        match rubric.score(&entries) {
            Err(e) => findings.push(Finding::file(
                Severity::Error,
                "rubric-failed",
                format!("评分组件 {} {} 运行失败：{e}", info.id, info.version),
            )),
            Ok(Err(rejected)) => {
                for f in rejected {
                    let mut msg = f.message;
                    if !f.allowed.is_empty() {
                        msg.push_str(&format!("（允许：{}）", f.allowed));
                    }
                    findings.push(src.finding(Severity::Error, code_for(&msg), &f.item, msg));
                }
            }
            Ok(Ok(a)) => match check(rubric, &a) {
                Ok(()) => {
                    result.points = points(rubric, &a);
                    result.assessment = Some(a);
                }
                Err(why) => findings.push(Finding::file(
                    Severity::Error,
                    "rubric-inconsistent",
                    format!("评分组件 {} {} 返回的结果自相矛盾：{why}", info.id, info.version),
                )),
            },
        }
    }
    if has_error(&findings) {
        result.assessment = None;
    }
    result.findings.extend(findings);
}

/// An assessment's points in the rubric's `point_ids` order.
fn points(rubric: &LoadedRubric, a: &Assessment) -> Vec<Option<f64>> {
    let ids = rubric.point_ids();
    let mut out = vec![None; ids.len()];
    // Results come in the rubric's order, so the next id is tried before a lookup.
    let mut next = 0;
    let mut put = |id: &str, v: f64| {
        let at = if ids.get(next).is_some_and(|x| x == id) { Some(next) } else { rubric.point_index(id) };
        if let Some(i) = at {
            out[i] = Some(v);
            next = i + 1;
        }
    };
    for s in &a.items {
        put(&s.item, s.points);
        for c in &s.sub_rules {
            put(&c.rule, c.value);
        }
    }
    out
}

fn code_for(msg: &str) -> &'static str {
    if msg.contains("未填写") {
        "missing-score"
    } else if msg.contains("超出") || msg.contains("超过") || msg.contains("无效") || msg.contains("不是可选") {
        "out-of-range"
    } else {
        "rejected"
    }
}

/// Read a score cell as a number, adding findings for text numbers and non-numbers.
fn number(row: &ScoreRow, item: &str, src: &Sources<'_>, findings: &mut Vec<Finding>) -> Option<f64> {
    match &row.value {
        Raw::Empty => None,
        Raw::Number(v) => Some(*v),
        Raw::Text(t) => match workbook::parse_text_number(t) {
            Some(v) => {
                findings.push(src.finding(
                    Severity::Warning,
                    "text-number",
                    item,
                    format!("序号 {item} 的得分“{}”是文字格式，已按数字 {} 读取", crate::clip(t.trim(), 20), fmt_points(v)),
                ));
                Some(v)
            }
            None => {
                findings.push(src.finding(
                    Severity::Error,
                    "not-a-number",
                    item,
                    format!("序号 {item} 的得分“{}”不是数字，请填写数字", crate::clip(t.trim(), 20)),
                ));
                None
            }
        },
        Raw::UncachedFormula => {
            findings.push(src.finding(
                Severity::Error,
                "formula-no-value",
                item,
                format!("序号 {item} 的得分是公式，但文件中没有保存计算结果（可能由程序生成后未重新计算）。请在 Excel 或 WPS 中打开、保存后再试"),
            ));
            None
        }
        Raw::Other(what) => {
            findings.push(src.finding(
                Severity::Error,
                "not-a-number",
                item,
                format!("序号 {item} 的得分是 {what}，不是数字，请填写数字"),
            ));
            None
        }
    }
}


fn short(s: &str) -> String {
    let s: String = s.chars().take(16).collect();
    format!("{s}…")
}

/// Check that a component's answer is coherent before anyone relies on it.
fn check(rubric: &LoadedRubric, a: &Assessment) -> std::result::Result<(), String> {
    let info = &rubric.info;
    let close = |x: f64, y: f64| (x - y).abs() < 1e-6;
    let nums = [a.bonus, a.deduction, a.special, a.special_deduction, a.adjustment, a.total];
    if nums.iter().chain(a.items.iter().map(|i| &i.points)).chain(a.categories.iter().map(|c| &c.score)).any(|v| !v.is_finite()) {
        return Err("结果中有非数字（NaN 或无穷大）".into());
    }
    let mut sums = [0.0f64; 5];
    for (k, s) in a.items.iter().enumerate() {
        // Items come in the described order; anything else is looked up.
        let same = info.items.get(k).filter(|i| i.id == s.item);
        let Some(item) = same.or_else(|| rubric.item(&s.item)) else {
            return Err(format!("返回了未描述的序号 {}", s.item));
        };
        sums[item.part as usize] += s.points;
        let deduction = matches!(item.part, Part::Deduction | Part::SpecialDeduction);
        let (lo, hi) = if deduction { (-item.max_points, 0.0) } else { (0.0, item.max_points) };
        if s.points < lo - 1e-9 || s.points > hi + 1e-9 {
            return Err(format!("序号 {} 的得分 {} 超出该项分值", s.item, s.points));
        }
    }
    let sum = |part: Part| sums[part as usize];
    let base: f64 = a.categories.iter().map(|c| c.score).sum();
    if !close(base, sum(Part::Base)) || !close(a.bonus, sum(Part::Bonus)) || !close(-a.deduction, sum(Part::Deduction)) {
        return Err("分类小计与各项得分之和不符".into());
    }
    if !close(a.special, sum(Part::Special)) || !close(-a.special_deduction, sum(Part::SpecialDeduction)) {
        return Err("特别考核项合计与各项得分之和不符".into());
    }
    if !close(a.adjustment, a.bonus - a.deduction + a.special - a.special_deduction) {
        return Err("加分减分不等于 加分 − 减分 + 特别加分 − 特别减分".into());
    }
    if !close(a.total, base + a.adjustment) {
        return Err("总分不等于各分类小计加上加分减分".into());
    }
    if a.total < info.min_total - 1e-6 || a.total > info.max_total + 1e-6 {
        return Err(format!("总分 {} 超出评分标准的范围", a.total));
    }
    let expected = info.bands.iter().find(|b| b.min_total.is_none_or(|m| a.total >= m)).map(|b| b.label.as_str());
    if expected != Some(a.grade.as_str()) {
        return Err(format!("考核结果“{}”与总分 {} 对应的档次不符", a.grade, a.total));
    }
    Ok(())
}
