//! The units of a batch, checked as a whole once every workbook is scored: the
//! same unit handed in twice, and the roster of units expected.
//!
//! ```no_run
//! # let rubric: kaohe::runtime::LoadedRubric = todo!();
//! let files = kaohe::score::collect_inputs(&["samples/长治市".into()], &[])?;
//! let mut results = kaohe::score::score_files(&rubric, &files);
//! let roster = kaohe::units::Roster::load(std::path::Path::new("samples/长治市名册.csv"))?;
//! kaohe::units::check(&mut results, &[&rubric], Some(&roster));
//! let t = kaohe::units::tally(&results);
//! println!("{} of {} units scored, {} not submitted", t.scored, t.units, t.not_submitted);
//! # anyhow::Ok(())
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;

use crate::runtime::LoadedRubric;
use crate::score::{Finding, Severity, Status, UnitResult};
use crate::workbook::{self, Code, roster::Expected};

/// The units a batch is expected to hold.
#[derive(Debug, Clone)]
pub struct Roster {
    /// The roster file, as given.
    pub path: String,
    pub units: Vec<Expected>,
}

impl Roster {
    /// Read a roster: a workbook or CSV with 县(市、区) and 单位名称 columns
    /// (see [`kaohe_workbook::roster`]).
    pub fn load(path: &Path) -> Result<Self> {
        let units = workbook::roster::read(path, crate::reader::parser()).map_err(|e| anyhow::anyhow!("roster {}: {}", path.display(), e.message))?;
        Ok(Roster { path: path.display().to_string(), units })
    }
}

/// A name as compared: white space removed, full- and half-width brackets and colons unified.
pub fn name_key(s: &str) -> String {
    workbook::squash(s)
}

/// The key two copies of one unit share: rubric, county, unit.
fn unit_key(rubrics: &[&LoadedRubric], r: &UnitResult) -> (String, String, String) {
    let id = rubrics.get(r.rubric).map(|x| x.info.id.clone()).unwrap_or_default();
    (id, name_key(&r.county), name_key(&r.center))
}

fn place(r: &UnitResult) -> String {
    match &r.sheet {
        Some(s) => format!("{} 的工作表“{}”", r.file, crate::clip(s, 31)),
        None => r.file.clone(),
    }
}

/// Mark every copy of a unit handed in more than once (an error on each, naming
/// the others), check the scorecards against the roster (a warning for each
/// unit not on it), and append a `not-submitted` result for each roster unit
/// with no scorecard.
pub fn check(results: &mut Vec<UnitResult>, rubrics: &[&LoadedRubric], roster: Option<&Roster>) {
    mark_duplicates(results, rubrics);
    if let Some(roster) = roster {
        let missing = match_roster(results, roster);
        results.extend(missing);
    }
}

fn mark_duplicates(results: &mut [UnitResult], rubrics: &[&LoadedRubric]) {
    let mut groups: BTreeMap<(String, String, String), Vec<usize>> = BTreeMap::new();
    for (i, r) in results.iter().enumerate() {
        // A file that could not be read names no unit, and a blank copy of the form holds
        // no scores: neither is another scorecard's copy.
        if r.sheet.is_some() && !r.findings.iter().any(|f| f.code == Code::NotFilled) {
            groups.entry(unit_key(rubrics, r)).or_default().push(i);
        }
    }
    for copies in groups.values().filter(|g| g.len() > 1) {
        for &i in copies {
            let others: Vec<String> = copies.iter().filter(|&&j| j != i).map(|&j| place(&results[j])).collect();
            let shown = if others.len() > 3 { format!("{} 等 {} 份", others[..3].join("、"), others.len()) } else { others.join("、") };
            let r = &results[i];
            let message = format!("与 {shown} 是同一单位（{} {}），同一单位有 {} 份评分表，均不计入统计；请核对后只保留一份", r.county, r.center, copies.len());
            let sheet = r.sheet.clone();
            results[i].findings.push(Finding { sheet, ..Finding::file(Severity::Error, Code::DuplicateUnit, message) });
        }
    }
}

/// Match each result to a roster unit: the same name (spaces and bracket width
/// aside) in a compatible county, else the only roster unit whose name contains
/// the result's or is contained in it (with a warning). Returns the roster units
/// nobody matched, as `not-submitted` results.
fn match_roster(results: &mut [UnitResult], roster: &Roster) -> Vec<UnitResult> {
    let keys: Vec<(String, String)> = roster.units.iter().map(|e| (name_key(&e.name), name_key(&e.county))).collect();
    let county_ok = |k: usize, r: &UnitResult| {
        let c = name_key(&r.county);
        keys[k].1.is_empty() || c.is_empty() || keys[k].1 == c
    };
    let mut matched = vec![false; roster.units.len()];
    for r in results.iter_mut() {
        let name = name_key(&r.center);
        if name.is_empty() {
            continue;
        }
        if let Some(k) = (0..keys.len()).find(|&k| keys[k].0 == name && county_ok(k, r)) {
            matched[k] = true;
            continue;
        }
        let near: Vec<usize> =
            (0..keys.len()).filter(|&k| county_ok(k, r) && name.chars().count() >= 2 && (keys[k].0.contains(&name) || name.contains(&keys[k].0))).collect();
        if let [k] = near[..] {
            matched[k] = true;
            if r.sheet.is_some() {
                let e = &roster.units[k];
                let message = format!("单位名称“{}”与名册中的“{}”（{} {}）不完全相同，已视为同一单位；请核对", r.center, e.name, e.sheet, e.cell);
                r.findings.push(Finding { sheet: r.sheet.clone(), ..Finding::file(Severity::Warning, Code::RosterNameDiffers, message) });
            }
            continue;
        }
        if r.sheet.is_some() && r.status() != Status::NotSubmitted {
            let message = format!("“{} {}”不在名册 {} 中；请核对单位名称，或把它加入名册", r.county, r.center, roster.path);
            r.findings.push(Finding { sheet: r.sheet.clone(), ..Finding::file(Severity::Warning, Code::NotOnRoster, message) });
        }
    }
    roster
        .units
        .iter()
        .zip(matched)
        .filter(|(_, m)| !m)
        .map(|(e, _)| UnitResult {
            file: roster.path.clone(),
            sheet: Some(e.sheet.clone()),
            input_sha256: None,
            county: if e.county.is_empty() { workbook::county_from_name(&e.name).unwrap_or_default() } else { e.county.clone() },
            center: e.name.clone(),
            rubric: 0,
            assessment: None,
            points: crate::score::Points::default(),
            findings: vec![Finding {
                severity: Severity::Error,
                code: Code::NotSubmitted,
                sheet: Some(e.sheet.clone()),
                cell: Some(e.cell.clone()),
                item: None,
                message: format!("名册中的“{} {}”没有提交评分表：所给的工作簿中找不到这个单位", e.county, e.name),
                detail: None,
            }],
        })
        .collect()
}

/// How many units a batch holds and where they stand. Copies of one unit are
/// one unit (and never scored); each roster unit with no scorecard is one.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub units: usize,
    pub scored: usize,
    /// Units an error stopped (not counting duplicates and units not submitted).
    pub not_scored: usize,
    /// Units handed in more than once, and the copies of them.
    pub duplicated: usize,
    pub copies: usize,
    pub not_submitted: usize,
    seen: std::collections::HashSet<(usize, String, String)>,
}

impl Tally {
    /// Count one more result.
    pub fn add(&mut self, r: &UnitResult) {
        match r.status() {
            Status::Scored => self.scored += 1,
            Status::NotScored => self.not_scored += 1,
            Status::NotSubmitted => self.not_submitted += 1,
            Status::Duplicate => {
                self.copies += 1;
                if self.seen.insert((r.rubric, name_key(&r.county), name_key(&r.center))) {
                    self.duplicated += 1;
                }
            }
        }
        self.units = self.scored + self.not_scored + self.not_submitted + self.duplicated;
    }

    /// Units without a clean score, whatever the reason.
    pub fn with_errors(&self) -> usize {
        self.units - self.scored
    }

    /// What is not clean, in words for a 备注 line: 1 个单位未评分、2 份重复（1 个单位）、….
    pub fn notes(&self) -> Option<String> {
        let mut parts = Vec::new();
        if self.not_scored > 0 {
            parts.push(format!("{} 个单位未评分", self.not_scored));
        }
        if self.duplicated > 0 {
            parts.push(format!("{} 个单位重复提交（共 {} 份，均未计入）", self.duplicated, self.copies));
        }
        if self.not_submitted > 0 {
            parts.push(format!("{} 个单位未提交", self.not_submitted));
        }
        (!parts.is_empty()).then(|| format!("{}，原因见“问题清单”工作表", parts.join("、")))
    }
}

/// Count the units of `results` (each unit once).
pub fn tally<'a>(results: impl IntoIterator<Item = &'a UnitResult>) -> Tally {
    let mut t = Tally::default();
    for r in results {
        t.add(r);
    }
    t
}
