//! A provincial roll-up: every city's workbooks scored with that city's own
//! rubric component(s), verified against pinned digests.
//!
//! The manifest (TOML) lists the cities; paths are relative to the manifest:
//!
//! ```toml
//! province = "山西省"
//!
//! [[cities]]
//! name = "长治市"
//! rubrics = [{ path = "长治市/changzhi-2023.wasm", sha256 = "55bc…" }]
//! workbooks = ["长治市/2023"]
//!
//! [[cities]]
//! name = "晋城市"
//! rubrics = ["builtin:changzhi-2023"]   # a component built into kaohe needs no pin
//! workbooks = ["晋城市"]
//! roster = "晋城市/名册.xlsx"           # optional: the units expected (see `kaohe::units`)
//! ```
//!
//! A digest mismatch, a missing file, an interface version the host does not
//! support or a component that fails to load is an error naming the city and
//! the file; the other cities are still scored.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::catalog::Catalog;
use crate::runtime::{LoadError, LoadedRubric, hex};
use crate::score::{Finding, Options, Severity, UnitResult, collect_inputs, read_workbook, score_stream};
use crate::units::{Roster, Tally, tally};
use crate::workbook::Code;

/// The manifest file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The province's name, for titles.
    #[serde(default)]
    pub province: String,
    pub cities: Vec<City>,
}

/// One city of the manifest.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct City {
    pub name: String,
    /// The city's rubric components; the first scores workbooks that do not name theirs.
    pub rubrics: Vec<RubricRef>,
    /// Workbook files or folders.
    pub workbooks: Vec<PathBuf>,
    /// The roster of units expected (a workbook or CSV), if the city has one.
    #[serde(default)]
    pub roster: Option<PathBuf>,
}

/// A rubric component: a file with its pinned SHA-256, or `builtin:ID`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RubricRef {
    Builtin(String),
    File { path: PathBuf, sha256: String },
}

impl Manifest {
    /// Read and parse a manifest file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read manifest {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("{} is not a valid province manifest", path.display()))
    }
}

/// What happened in one city.
pub struct CityReport {
    pub name: String,
    /// The components that loaded and passed their checks.
    pub rubrics: Vec<LoadedRubric>,
    /// One per unit, scored or not (roster units with no scorecard included).
    pub results: Vec<UnitResult>,
    /// Problems with the city's components, roster or folders, one per file named.
    pub problems: Vec<Problem>,
}

impl CityReport {
    /// Whether anything in the city went wrong.
    pub fn has_errors(&self) -> bool {
        !self.problems.is_empty() || self.results.iter().any(|r| !r.ok())
    }
}

/// Something wrong with a file the manifest names (a component, a roster, a
/// folder): the city is still scored with what works.
#[derive(Debug, Clone)]
pub struct Problem {
    pub file: String,
    pub code: Code,
    pub message: String,
}

impl Problem {
    /// The problem as an error finding on its file (for 问题清单).
    pub fn finding(&self) -> Finding {
        Finding::file(Severity::Error, self.code, self.message.clone())
    }
}

fn problem(file: &str, code: Code, message: String) -> Problem {
    Problem { file: file.to_string(), code, message }
}

/// Load, verify and score every city of the manifest at `manifest_path`.
pub fn run(catalog: &Catalog, manifest: &Manifest, manifest_path: &Path, exclude: &[PathBuf], jobs: usize) -> Vec<CityReport> {
    let base = manifest_path.parent().unwrap_or(Path::new("."));
    manifest.cities.iter().map(|city| run_city(catalog, city, base, exclude, jobs)).collect()
}

fn run_city(catalog: &Catalog, city: &City, base: &Path, exclude: &[PathBuf], jobs: usize) -> CityReport {
    let mut report = CityReport { name: city.name.clone(), rubrics: vec![], results: vec![], problems: vec![] };
    for r in &city.rubrics {
        match load_ref(catalog, r, base) {
            Ok(loaded) => report.rubrics.push(loaded),
            Err((file, code, msg)) => report.problems.push(problem(&file, code, format!("{}：{msg}", city.name))),
        }
    }
    let roster = city.roster.as_ref().and_then(|p| match Roster::load(&base.join(p)) {
        Ok(r) => Some(r),
        Err(e) => {
            report.problems.push(problem(&base.join(p).display().to_string(), Code::BadRoster, format!("{}：名册无法使用（{e:#}）", city.name)));
            None
        }
    });
    let mut exclude = exclude.to_vec();
    exclude.extend(city.roster.as_ref().map(|p| base.join(p)));
    let mut files = Vec::new();
    for w in &city.workbooks {
        match collect_inputs(&[base.join(w)], &exclude) {
            Ok(mut f) => files.append(&mut f),
            Err(e) => {
                report.problems.push(problem(&base.join(w).display().to_string(), Code::MissingFile, format!("{}：工作簿文件夹不存在（{e:#}）", city.name)))
            }
        }
    }
    if report.rubrics.is_empty() {
        // Nothing can score this city's workbooks; still list every one of them.
        report.results = files
            .iter()
            .flat_map(|f| {
                let read = read_workbook(f);
                read.units()
                    .into_iter()
                    .map(|(mut r, _)| {
                        r.findings.push(Finding::file(Severity::Error, Code::NoRubric, format!("{}的评分组件均无法使用，未评分（原因见问题清单）", city.name)));
                        r
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        return report;
    }
    let refs: Vec<&LoadedRubric> = report.rubrics.iter().collect();
    report.results = score_stream(&refs, &files, Options { drop_trace: true }, jobs, &mut |_| Ok(())).unwrap_or_default();
    crate::units::check(&mut report.results, &refs, roster.as_ref());
    report
}

/// Load one component reference, verifying a file's digest before compiling it.
fn load_ref(catalog: &Catalog, r: &RubricRef, base: &Path) -> std::result::Result<LoadedRubric, (String, Code, String)> {
    match r {
        RubricRef::Builtin(spec) => {
            let Some(id) = spec.strip_prefix("builtin:") else {
                return Err((spec.clone(), Code::BadManifest, format!("“{spec}”应写成 builtin:ID 或 {{ path = …, sha256 = … }}")));
            };
            catalog.builtin(id).map_err(|e| (spec.clone(), Code::RubricMissing, format!("{e:#}")))
        }
        RubricRef::File { path, sha256 } => {
            let p = base.join(path);
            let shown = p.display().to_string();
            let bytes = std::fs::read(&p).map_err(|e| (shown.clone(), Code::MissingFile, format!("评分组件文件无法读取：{e}")))?;
            let actual = hex(&Sha256::digest(&bytes));
            if !actual.eq_ignore_ascii_case(sha256.trim()) {
                return Err((
                    shown,
                    Code::DigestMismatch,
                    format!("评分组件的 SHA-256 与清单不符（清单 {}，实际 {actual}），可能被替换或损坏，已拒绝使用", sha256.trim()),
                ));
            }
            catalog.load_bytes(&bytes, &shown).map_err(|e| {
                let code = match e.downcast_ref::<LoadError>() {
                    Some(LoadError::WrongInterface { .. }) => Code::InterfaceVersion,
                    _ => Code::RubricLoadFailed,
                };
                (shown.clone(), code, format!("评分组件无法加载：{e:#}"))
            })
        }
    }
}

/// Summary numbers of one city: units (each unit once), where they stand, totals.
#[derive(Debug, Clone)]
pub struct Stats {
    pub tally: Tally,
    pub mean: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Count per grade, in the order of [`grade_labels`].
    pub per_grade: Vec<usize>,
}

/// Every grade label used by the cities' rubrics, highest band first.
pub fn grade_labels(cities: &[CityReport]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in cities.iter().flat_map(|c| &c.rubrics) {
        for b in &r.info.bands {
            if !out.contains(&b.label) {
                out.push(b.label.clone());
            }
        }
    }
    out
}

/// Units, errors, mean and range of totals, and count per grade of the city's
/// results scored by rubric `k` (`None`: all of them).
pub fn stats(city: &CityReport, k: Option<usize>, grades: &[String]) -> Stats {
    let mine: Vec<&UnitResult> = city.results.iter().filter(|r| k.is_none_or(|k| r.rubric == k)).collect();
    let totals: Vec<(f64, &str)> = mine.iter().filter(|r| r.ok()).filter_map(|r| r.assessment.as_ref()).map(|a| (a.total, a.grade.as_str())).collect();
    let n = totals.len();
    Stats {
        tally: tally(mine.iter().copied()),
        mean: (n > 0).then(|| kaohe_engine::tidy(totals.iter().map(|t| t.0).sum::<f64>() / n as f64)),
        min: totals.iter().map(|t| t.0).reduce(f64::min),
        max: totals.iter().map(|t| t.0).reduce(f64::max),
        per_grade: grades.iter().map(|g| totals.iter().filter(|t| t.1 == g).count()).collect(),
    }
}
