//! Every `--json` shape kaohe prints, defined once as `Serialize` types: the
//! field order here is the key order in the output, and each type's doc says
//! what its keys mean.
//!
//! ```no_run
//! # let (rubric, results): (kaohe::runtime::LoadedRubric, Vec<kaohe::score::UnitResult>) = todo!();
//! let out = kaohe::render::json::ScoreOutput::new(&[&rubric], &results);
//! println!("{}", serde_json::to_string_pretty(&out)?);
//! # anyhow::Ok(())
//! ```

use serde::Serialize;

use crate::compare::{Change, Pair, category_names, category_score, delta, ok};
use crate::province::{CityReport, Manifest, grade_labels, stats};
use crate::runtime::{ColumnSource, LoadedRubric, Part, RuleMode, Scoring};
use crate::score::{Finding, Status, UnitResult};
use crate::units::Tally;

/// A rubric component, as results name it.
#[derive(Serialize)]
pub struct RubricRef<'a> {
    pub id: &'a str,
    pub version: &'a str,
    pub sha256: &'a str,
}

impl<'a> RubricRef<'a> {
    pub fn new(r: &'a LoadedRubric) -> Self {
        RubricRef { id: &r.info.id, version: &r.info.version, sha256: &r.sha256 }
    }
}

/// `kaohe score --json`: `rubric` is the first rubric (the default), `rubrics`
/// all of them, `results` one per unit.
#[derive(Serialize)]
pub struct ScoreOutput<'a> {
    pub rubric: RubricRef<'a>,
    pub rubrics: Vec<RubricRef<'a>>,
    pub results: Vec<UnitView<'a>>,
}

impl<'a> ScoreOutput<'a> {
    pub fn new(rubrics: &[&'a LoadedRubric], results: &'a [UnitResult]) -> Self {
        ScoreOutput { rubric: RubricRef::new(rubrics[0]), rubrics: rubrics.iter().map(|r| RubricRef::new(r)).collect(), results: units(rubrics, results) }
    }
}

/// One unit: `rubric` names the rubric that scored it, `sheet` the sheet its
/// scorecard is on (null for a file that could not be read), `status` is
/// `scored`, `not-scored`, `duplicate` or `not-submitted`; `total` and `grade`
/// only when it scored cleanly; `trace` the rubric's account of each rule
/// applied (absent when not kept).
#[derive(Serialize)]
pub struct UnitView<'a> {
    pub file: &'a str,
    pub sheet: Option<&'a str>,
    pub ok: bool,
    pub status: Status,
    pub rubric: Option<RubricRef<'a>>,
    pub county: &'a str,
    pub center: &'a str,
    pub input_sha256: Option<&'a str>,
    pub categories: Vec<CategoryView<'a>>,
    pub items: Vec<ItemPoints<'a>>,
    pub bonus: Option<f64>,
    pub deduction: Option<f64>,
    pub special: Option<f64>,
    pub special_deduction: Option<f64>,
    pub adjustment: Option<f64>,
    pub total: Option<f64>,
    pub grade: Option<&'a str>,
    pub trace: Option<Vec<TraceView<'a>>>,
    pub findings: &'a [Finding],
}

/// A category's score and maximum.
#[derive(Serialize)]
pub struct CategoryView<'a> {
    pub name: &'a str,
    pub score: f64,
    pub max: f64,
}

/// An item's points (negative for deductions).
#[derive(Serialize)]
pub struct ItemPoints<'a> {
    pub item: &'a str,
    pub points: f64,
}

/// One step of the rubric's account.
#[derive(Serialize)]
pub struct TraceView<'a> {
    pub rule: &'a str,
    pub text: &'a str,
    pub points: f64,
}

/// One [`UnitView`] per result.
pub fn units<'a>(rubrics: &[&'a LoadedRubric], results: &'a [UnitResult]) -> Vec<UnitView<'a>> {
    results.iter().map(|r| unit(rubrics, r)).collect()
}

fn unit<'a>(rubrics: &[&'a LoadedRubric], r: &'a UnitResult) -> UnitView<'a> {
    let a = r.assessment.as_ref();
    let clean = a.filter(|_| r.ok());
    UnitView {
        file: &r.file,
        sheet: r.sheet.as_deref(),
        ok: r.ok(),
        status: r.status(),
        rubric: rubrics.get(r.rubric).map(|x| RubricRef::new(x)),
        county: &r.county,
        center: &r.center,
        input_sha256: r.input_sha256.as_deref(),
        categories: a.map(|a| a.categories.iter().map(|c| CategoryView { name: &c.name, score: c.score, max: c.max_points }).collect()).unwrap_or_default(),
        items: a.map(|a| a.items.iter().map(|s| ItemPoints { item: &s.item, points: s.points }).collect()).unwrap_or_default(),
        bonus: a.map(|a| a.bonus),
        deduction: a.map(|a| a.deduction),
        special: a.map(|a| a.special),
        special_deduction: a.map(|a| a.special_deduction),
        adjustment: a.map(|a| a.adjustment),
        total: clean.map(|a| a.total),
        grade: clean.map(|a| a.grade.as_str()),
        trace: a.filter(|a| !a.trace.is_empty()).map(|a| a.trace.iter().map(|t| TraceView { rule: &t.rule, text: &t.text, points: t.points }).collect()),
        findings: &r.findings,
    }
}

/// `kaohe rubrics --json`: every rubric that loaded, and every one that did not.
#[derive(Serialize)]
pub struct RubricList<'a> {
    pub rubrics: Vec<RubricSummary<'a>>,
    pub errors: Vec<FailureView<'a>>,
}

impl<'a> RubricList<'a> {
    pub fn new(rubrics: &'a [LoadedRubric], errors: &'a [crate::catalog::LoadFailure]) -> Self {
        RubricList {
            rubrics: rubrics.iter().map(RubricSummary::new).collect(),
            errors: errors.iter().map(|e| FailureView { origin: &e.origin, error: format!("{:#}", e.error) }).collect(),
        }
    }
}

/// A rubric in the list: `items` is how many, `min_total`..`max_total` the range of totals.
#[derive(Serialize)]
pub struct RubricSummary<'a> {
    pub id: &'a str,
    pub version: &'a str,
    pub title: &'a str,
    pub issuer: &'a str,
    pub region: &'a str,
    pub year: u32,
    pub level: &'static str,
    pub items: usize,
    pub min_total: f64,
    pub max_total: f64,
    pub sha256: &'a str,
    pub origin: &'a str,
    /// The `kaohe:rubric` version the component is called through, e.g. `1.1.0`.
    pub interface: &'static str,
}

impl<'a> RubricSummary<'a> {
    pub fn new(r: &'a LoadedRubric) -> Self {
        let i = &r.info;
        RubricSummary {
            id: &i.id,
            version: &i.version,
            title: &i.title,
            issuer: &i.issuer,
            region: &i.region,
            year: i.year,
            level: crate::level_name(i.level),
            items: i.items.len(),
            min_total: i.min_total,
            max_total: i.max_total,
            sha256: &r.sha256,
            origin: &r.origin,
            interface: r.interface(),
        }
    }
}

/// A component that did not load, and why.
#[derive(Serialize)]
pub struct FailureView<'a> {
    pub origin: &'a str,
    pub error: String,
}

/// `kaohe rubric show --json`: everything the component describes. `part` and
/// a column's `source` are spelled as in the WIT interface (`special-deduction`,
/// `total`, `category:NAME`).
#[derive(Serialize)]
pub struct RubricDescription<'a> {
    pub id: &'a str,
    pub version: &'a str,
    pub title: &'a str,
    pub issuer: &'a str,
    pub region: &'a str,
    pub level: &'static str,
    pub year: u32,
    pub description: &'a str,
    pub sha256: &'a str,
    pub origin: &'a str,
    pub min_total: f64,
    pub max_total: f64,
    pub categories: Vec<CategoryMax<'a>>,
    pub items: Vec<ItemView<'a>>,
    pub bands: Vec<BandView<'a>>,
    pub report: ReportView<'a>,
}

#[derive(Serialize)]
pub struct CategoryMax<'a> {
    pub name: &'a str,
    pub max: f64,
}

/// An item: `max` its points (the cap of a deduction), `scoring` how it is scored.
#[derive(Serialize)]
pub struct ItemView<'a> {
    pub id: &'a str,
    pub category: &'a str,
    pub part: &'static str,
    pub text: &'a str,
    pub max: f64,
    pub required: bool,
    pub scoring: ScoringView<'a>,
}

/// `{"kind": "range"}`, `{"kind": "levels", "levels": […]}` or `{"kind": "rules", "rules": […]}`.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ScoringView<'a> {
    Range,
    Levels { levels: Vec<LevelView<'a>> },
    Rules { rules: Vec<RuleView<'a>> },
}

#[derive(Serialize)]
pub struct LevelView<'a> {
    pub points: f64,
    pub label: &'a str,
}

/// A sub-rule: `mode` is `per-occurrence` (points each, per `unit`) or `discretionary`.
#[derive(Serialize)]
pub struct RuleView<'a> {
    pub id: &'a str,
    pub text: &'a str,
    pub mode: &'static str,
    pub points_each: f64,
    pub cap: f64,
    pub unit: &'a str,
}

/// A grade band: `min` null for the last (otherwise) band.
#[derive(Serialize)]
pub struct BandView<'a> {
    pub label: &'a str,
    pub min: Option<f64>,
}

#[derive(Serialize)]
pub struct ReportView<'a> {
    pub title: &'a str,
    pub notes: &'a [String],
    pub columns: Vec<ColumnView<'a>>,
}

#[derive(Serialize)]
pub struct ColumnView<'a> {
    pub header: &'a str,
    pub source: String,
}

/// A part as the WIT enum spells it.
pub fn part_name(p: Part) -> &'static str {
    match p {
        Part::Base => "base",
        Part::Bonus => "bonus",
        Part::Deduction => "deduction",
        Part::Special => "special",
        Part::SpecialDeduction => "special-deduction",
    }
}

/// A column source as the WIT variant spells it; a category as `category:NAME`.
pub fn source_name(s: &ColumnSource) -> String {
    match s {
        ColumnSource::County => "county".into(),
        ColumnSource::Center => "center".into(),
        ColumnSource::Category(n) => format!("category:{n}"),
        ColumnSource::Bonus => "bonus".into(),
        ColumnSource::Deduction => "deduction".into(),
        ColumnSource::Special => "special".into(),
        ColumnSource::SpecialDeduction => "special-deduction".into(),
        ColumnSource::Adjustment => "adjustment".into(),
        ColumnSource::Total => "total".into(),
        ColumnSource::Grade => "grade".into(),
    }
}

impl<'a> RubricDescription<'a> {
    pub fn new(r: &'a LoadedRubric) -> Self {
        let i = &r.info;
        let scoring = |s: &'a Scoring| match s {
            Scoring::Range => ScoringView::Range,
            Scoring::Levels(ls) => ScoringView::Levels { levels: ls.iter().map(|l| LevelView { points: l.points, label: &l.label }).collect() },
            Scoring::Rules(rs) => ScoringView::Rules {
                rules: rs
                    .iter()
                    .map(|x| RuleView {
                        id: &x.id,
                        text: &x.text,
                        mode: match x.mode {
                            RuleMode::PerOccurrence => "per-occurrence",
                            RuleMode::Discretionary => "discretionary",
                        },
                        points_each: x.points_each,
                        cap: x.cap,
                        unit: &x.unit,
                    })
                    .collect(),
            },
        };
        RubricDescription {
            id: &i.id,
            version: &i.version,
            title: &i.title,
            issuer: &i.issuer,
            region: &i.region,
            level: crate::level_name(i.level),
            year: i.year,
            description: &i.description,
            sha256: &r.sha256,
            origin: &r.origin,
            min_total: i.min_total,
            max_total: i.max_total,
            categories: i.categories.iter().map(|c| CategoryMax { name: &c.name, max: c.max_points }).collect(),
            items: i
                .items
                .iter()
                .map(|it| ItemView {
                    id: &it.id,
                    category: &it.category,
                    part: part_name(it.part),
                    text: &it.text,
                    max: it.max_points,
                    required: it.required,
                    scoring: scoring(&it.scoring),
                })
                .collect(),
            bands: i.bands.iter().map(|b| BandView { label: &b.label, min: b.min_total }).collect(),
            report: ReportView {
                title: &i.report_title,
                notes: &i.report_notes,
                columns: i.report_columns.iter().map(|c| ColumnView { header: &c.header, source: source_name(&c.source) }).collect(),
            },
        }
    }
}

/// `kaohe compare --json`: the two rubrics, what changed between them, and each
/// unit under both with the difference (B − A; null where either side did not score).
#[derive(Serialize)]
pub struct CompareOutput<'a> {
    pub a: RubricRef<'a>,
    pub b: RubricRef<'a>,
    pub changes: &'a [Change],
    pub units: Vec<PairView<'a>>,
}

#[derive(Serialize)]
pub struct PairView<'a> {
    pub file: &'a str,
    pub sheet: Option<&'a str>,
    pub county: &'a str,
    pub center: &'a str,
    pub a: SideView<'a>,
    pub b: SideView<'a>,
    pub delta: DeltaView,
}

/// One side of a comparison: scores only when it scored cleanly.
#[derive(Serialize)]
pub struct SideView<'a> {
    pub ok: bool,
    pub categories: Vec<NamedScore>,
    pub adjustment: Option<f64>,
    pub total: Option<f64>,
    pub grade: Option<&'a str>,
    pub findings: &'a [Finding],
}

#[derive(Serialize)]
pub struct NamedScore {
    pub name: String,
    pub score: Option<f64>,
}

#[derive(Serialize)]
pub struct DeltaView {
    pub categories: Vec<NamedDelta>,
    pub adjustment: Option<f64>,
    pub total: Option<f64>,
}

#[derive(Serialize)]
pub struct NamedDelta {
    pub name: String,
    pub delta: Option<f64>,
}

impl<'a> CompareOutput<'a> {
    pub fn new(a: &'a LoadedRubric, b: &'a LoadedRubric, changes: &'a [Change], pairs: &'a [Pair]) -> Self {
        let cats = category_names(&a.info, &b.info);
        let side = |r: &'a UnitResult| {
            let x = ok(r);
            SideView {
                ok: r.ok(),
                categories: cats.iter().map(|n| NamedScore { name: n.clone(), score: x.and(category_score(r, n)) }).collect(),
                adjustment: x.map(|x| x.adjustment),
                total: x.map(|x| x.total),
                grade: x.map(|x| x.grade.as_str()),
                findings: &r.findings,
            }
        };
        let units = pairs
            .iter()
            .map(|p| {
                let (x, y) = (ok(&p.a), ok(&p.b));
                PairView {
                    file: &p.a.file,
                    sheet: p.a.sheet.as_deref(),
                    county: &p.a.county,
                    center: &p.a.center,
                    a: side(&p.a),
                    b: side(&p.b),
                    delta: DeltaView {
                        categories: cats
                            .iter()
                            .map(|n| NamedDelta { name: n.clone(), delta: delta(x.and(category_score(&p.a, n)), y.and(category_score(&p.b, n))) })
                            .collect(),
                        adjustment: delta(x.map(|x| x.adjustment), y.map(|y| y.adjustment)),
                        total: delta(x.map(|x| x.total), y.map(|y| y.total)),
                    },
                }
            })
            .collect();
        CompareOutput { a: RubricRef::new(a), b: RubricRef::new(b), changes, units }
    }
}

/// `kaohe province --json`: each city with its counts (each unit once), per
/// rubric the mean and range of totals and the count per grade, its manifest
/// problems and every unit's result.
#[derive(Serialize)]
pub struct ProvinceOutput<'a> {
    pub province: &'a str,
    pub cities: Vec<CityView<'a>>,
}

#[derive(Serialize)]
pub struct CityView<'a> {
    pub name: &'a str,
    pub rubrics: Vec<CityRubric<'a>>,
    #[serde(flatten)]
    pub counts: Counts,
    pub problems: Vec<ProblemView<'a>>,
    pub results: Vec<UnitView<'a>>,
}

/// Units (each once) and where they stand: `errors` counts every unit not
/// cleanly scored (`not_scored` + `duplicated` copies + `not_submitted`).
#[derive(Serialize)]
pub struct Counts {
    pub units: usize,
    pub scored: usize,
    pub errors: usize,
    pub not_scored: usize,
    pub duplicated: usize,
    pub not_submitted: usize,
}

impl Counts {
    fn of(t: &Tally) -> Self {
        Counts { units: t.units, scored: t.scored, errors: t.with_errors(), not_scored: t.not_scored, duplicated: t.duplicated, not_submitted: t.not_submitted }
    }
}

/// A city's rubric and the units it scored.
#[derive(Serialize)]
pub struct CityRubric<'a> {
    pub id: &'a str,
    pub version: &'a str,
    pub sha256: &'a str,
    pub origin: &'a str,
    #[serde(flatten)]
    pub counts: Counts,
    pub mean: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub grades: Vec<GradeCount>,
}

#[derive(Serialize)]
pub struct GradeCount {
    pub grade: String,
    pub count: usize,
}

/// A manifest problem: the file it names and the finding.
#[derive(Serialize)]
pub struct ProblemView<'a> {
    pub file: &'a str,
    pub findings: Vec<Finding>,
}

impl<'a> ProvinceOutput<'a> {
    pub fn new(manifest: &'a Manifest, cities: &'a [CityReport]) -> Self {
        let grades = grade_labels(cities);
        let list = cities
            .iter()
            .map(|c| {
                let s = stats(c, None, &grades);
                let refs: Vec<&LoadedRubric> = c.rubrics.iter().collect();
                CityView {
                    name: &c.name,
                    rubrics: c
                        .rubrics
                        .iter()
                        .enumerate()
                        .map(|(k, r)| {
                            let s = stats(c, Some(k), &grades);
                            CityRubric {
                                id: &r.info.id,
                                version: &r.info.version,
                                sha256: &r.sha256,
                                origin: &r.origin,
                                counts: Counts::of(&s.tally),
                                mean: s.mean,
                                min: s.min,
                                max: s.max,
                                grades: grades.iter().zip(&s.per_grade).map(|(g, n)| GradeCount { grade: g.clone(), count: *n }).collect(),
                            }
                        })
                        .collect(),
                    counts: Counts::of(&s.tally),
                    problems: c.problems.iter().map(|p| ProblemView { file: &p.file, findings: vec![p.finding()] }).collect(),
                    results: units(&refs, &c.results),
                }
            })
            .collect();
        ProvinceOutput { province: &manifest.province, cities: list }
    }
}
