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
use rust_xlsxwriter::Workbook;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::catalog::Catalog;
use crate::report::{Formats, Header, Value, attachment2, findings_sheet, sheet_name, write_value};
use crate::runtime::{LoadedRubric, hex};
use crate::score::{Finding, Options, Severity, UnitResult, collect_inputs, read_workbook, score_stream};
use crate::units::{Roster, Tally, tally};

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
    /// Problems with the city's components or folders (one pseudo-result per file named).
    pub problems: Vec<UnitResult>,
}

impl CityReport {
    /// Whether anything in the city went wrong.
    pub fn has_errors(&self) -> bool {
        !self.problems.is_empty() || self.results.iter().any(|r| !r.ok())
    }
}

fn problem(file: &str, code: &str, message: String) -> UnitResult {
    UnitResult {
        file: file.to_string(),
        sheet: None,
        input_sha256: None,
        county: String::new(),
        center: String::new(),
        rubric: 0,
        assessment: None,
        points: vec![],
        findings: vec![Finding::file(Severity::Error, code, message)],
    }
}

/// Load, verify and score every city of the manifest at `manifest_path`.
pub fn run(catalog: &Catalog, manifest: &Manifest, manifest_path: &Path, exclude: &[PathBuf]) -> Vec<CityReport> {
    let base = manifest_path.parent().unwrap_or(Path::new("."));
    manifest.cities.iter().map(|city| run_city(catalog, city, base, exclude)).collect()
}

fn run_city(catalog: &Catalog, city: &City, base: &Path, exclude: &[PathBuf]) -> CityReport {
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
            report.problems.push(problem(&base.join(p).display().to_string(), "bad-roster", format!("{}：名册无法使用（{e:#}）", city.name)));
            None
        }
    });
    let mut exclude = exclude.to_vec();
    exclude.extend(city.roster.as_ref().map(|p| base.join(p)));
    let mut files = Vec::new();
    for w in &city.workbooks {
        match collect_inputs(&[base.join(w)], &exclude) {
            Ok(mut f) => files.append(&mut f),
            Err(e) => report.problems.push(problem(&base.join(w).display().to_string(), "missing-file", format!("{}：工作簿文件夹不存在（{e:#}）", city.name))),
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
                        r.findings.push(Finding::file(
                            Severity::Error,
                            "no-rubric",
                            format!("{}的评分组件均无法使用，未评分（原因见问题清单）", city.name),
                        ));
                        r
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        return report;
    }
    let refs: Vec<&LoadedRubric> = report.rubrics.iter().collect();
    let jobs = rayon::current_num_threads();
    report.results = score_stream(&refs, &files, Options { drop_trace: true }, jobs, &mut |_| Ok(())).unwrap_or_default();
    crate::units::check(&mut report.results, &refs, roster.as_ref());
    report
}

/// Load one component reference, verifying a file's digest before compiling it.
fn load_ref(catalog: &Catalog, r: &RubricRef, base: &Path) -> std::result::Result<LoadedRubric, (String, &'static str, String)> {
    match r {
        RubricRef::Builtin(spec) => {
            let Some(id) = spec.strip_prefix("builtin:") else {
                return Err((spec.clone(), "bad-manifest", format!("“{spec}”应写成 builtin:ID 或 {{ path = …, sha256 = … }}")));
            };
            catalog.builtin(id).map_err(|e| (spec.clone(), "rubric-missing", format!("{e:#}")))
        }
        RubricRef::File { path, sha256 } => {
            let p = base.join(path);
            let shown = p.display().to_string();
            let bytes = std::fs::read(&p).map_err(|e| (shown.clone(), "missing-file", format!("评分组件文件无法读取：{e}")))?;
            let actual = hex(&Sha256::digest(&bytes));
            if !actual.eq_ignore_ascii_case(sha256.trim()) {
                return Err((
                    shown,
                    "digest-mismatch",
                    format!("评分组件的 SHA-256 与清单不符（清单 {}，实际 {actual}），可能被替换或损坏，已拒绝使用", sha256.trim()),
                ));
            }
            catalog.load_bytes(&bytes, &shown).map_err(|e| {
                let code = if format!("{e:#}").contains("interface version") { "interface-version" } else { "rubric-load-failed" };
                (shown.clone(), code, format!("评分组件无法加载：{e:#}"))
            })
        }
    }
}

/// The provincial workbook: 全省概览, one attachment-2 sheet per city, 问题清单.
pub fn workbook(manifest: &Manifest, cities: &[CityReport], header: &Header) -> Result<Vec<u8>> {
    let f = Formats::new();
    let mut book = Workbook::new();
    let title = format!("{}基层服务中心（站）量化考核汇总", manifest.province);
    book.set_properties(&crate::output::properties(&title, crate::output::Kind::Summary));
    let grades = grade_labels(cities);

    let ws = book.add_worksheet();
    ws.set_name("全省概览")?;
    let mut headers: Vec<String> =
        ["城市", "评分标准", "版本", "评分组件SHA-256", "单位数", "已评分", "未评分", "重复", "未提交", "平均分", "最低分", "最高分"].map(String::from).to_vec();
    headers.extend(grades.iter().cloned());
    headers.push("说明".into());
    for (c, w) in [12.0, 22.0, 8.0, 20.0].iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    ws.set_column_width(headers.len() as u16 - 1, 50)?;
    ws.merge_range(0, 0, 0, headers.len() as u16 - 1, &title, &f.title)?;
    for (c, h) in headers.iter().enumerate() {
        ws.write_with_format(1, c as u16, h, &f.header)?;
    }
    // One row per city and rubric: a county center's and its township stations'
    // totals are on different scales and are not averaged together.
    let mut row = 2u32;
    for city in cities {
        let groups: Vec<Option<usize>> = if city.rubrics.is_empty() { vec![None] } else { (0..city.rubrics.len()).map(Some).collect() };
        for (g, k) in groups.into_iter().enumerate() {
            let s = stats(city, k, &grades);
            let r = k.map(|k| &city.rubrics[k]);
            let texts = [
                city.name.clone(),
                r.map(|r| r.info.id.clone()).unwrap_or_else(|| "（无可用组件）".into()),
                r.map(|r| r.info.version.clone()).unwrap_or_default(),
                r.map(|r| r.sha256.clone()).unwrap_or_default(),
            ];
            for (c, t) in texts.into_iter().enumerate() {
                write_value(ws, row, c as u16, Some(Value::Text(t)), &f)?;
            }
            let mut c = 4u16;
            let t = &s.tally;
            for v in [t.units, t.scored, t.not_scored, t.duplicated, t.not_submitted].map(|n| Some(n as f64)).into_iter().chain([s.mean, s.min, s.max]) {
                write_value(ws, row, c, v.map(Value::Number), &f)?;
                c += 1;
            }
            for n in &s.per_grade {
                write_value(ws, row, c, Some(Value::Number(*n as f64)), &f)?;
                c += 1;
            }
            let notes: Vec<String> =
                if g == 0 { city.problems.iter().flat_map(|p| p.findings.iter().map(|x| x.message.clone())).collect() } else { vec![] };
            write_value(ws, row, c, Some(Value::Text(notes.join("\n"))), &f)?;
            row += 1;
        }
    }

    for city in cities.iter().filter(|c| !c.rubrics.is_empty()) {
        let refs: Vec<&LoadedRubric> = city.rubrics.iter().collect();
        attachment2(book.add_worksheet_with_constant_memory()?, &sheet_name(&city.name), &refs, &city.results, header, &f)?;
    }
    let all = cities.iter().flat_map(|c| c.problems.iter().chain(&c.results).map(move |r| (c.name.as_str(), r)));
    findings_sheet(book.add_worksheet_with_constant_memory()?, "问题清单", all, &f)?;
    crate::output::save_summary(&mut book)
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
    let totals: Vec<(f64, &str)> =
        mine.iter().filter(|r| r.ok()).filter_map(|r| r.assessment.as_ref()).map(|a| (a.total, a.grade.as_str())).collect();
    let n = totals.len();
    Stats {
        tally: tally(mine.iter().copied()),
        mean: (n > 0).then(|| kaohe_engine::tidy(totals.iter().map(|t| t.0).sum::<f64>() / n as f64)),
        min: totals.iter().map(|t| t.0).reduce(f64::min),
        max: totals.iter().map(|t| t.0).reduce(f64::max),
        per_grade: grades.iter().map(|g| totals.iter().filter(|t| t.1 == g).count()).collect(),
    }
}

/// The roll-up as JSON.
pub fn json(manifest: &Manifest, cities: &[CityReport]) -> serde_json::Value {
    use serde_json::json;
    let grades = grade_labels(cities);
    let list: Vec<_> = cities
        .iter()
        .map(|c| {
            let s = stats(c, None, &grades);
            let group = |k: usize, r: &LoadedRubric| {
                let s = stats(c, Some(k), &grades);
                let t = &s.tally;
                json!({"id": r.info.id, "version": r.info.version, "sha256": r.sha256, "origin": r.origin,
                       "units": t.units, "scored": t.scored, "errors": t.with_errors(), "not_scored": t.not_scored,
                       "duplicated": t.duplicated, "not_submitted": t.not_submitted, "mean": s.mean, "min": s.min, "max": s.max,
                       "grades": grades.iter().zip(&s.per_grade).map(|(g, n)| json!({"grade": g, "count": n})).collect::<Vec<_>>()})
            };
            json!({
                "name": c.name,
                "rubrics": c.rubrics.iter().enumerate().map(|(k, r)| group(k, r)).collect::<Vec<_>>(),
                "units": s.tally.units, "scored": s.tally.scored, "errors": s.tally.with_errors(),
                "not_scored": s.tally.not_scored, "duplicated": s.tally.duplicated, "not_submitted": s.tally.not_submitted,
                "problems": c.problems.iter().map(|p| json!({"file": p.file, "findings": p.findings})).collect::<Vec<_>>(),
                "results": crate::json::results(&c.rubrics.iter().collect::<Vec<_>>(), &c.results),
            })
        })
        .collect();
    json!({"province": manifest.province, "cities": list})
}
