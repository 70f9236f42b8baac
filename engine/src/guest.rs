//! The WIT guest glue: converts between the engine's types and the
//! `kaohe:rubric` interface. Used through [`rubric_component!`](crate::rubric_component).

use crate::{ColumnSource, FindingCode, Given, Level, Part, Rubric, RuleMode, Scoring};

/// Bindings of `kaohe:rubric@1.1.0` (`wit/rubric.wit`). The 1.0 interface is
/// frozen in `wit/1.0`; kaohe's tests build a 1.0 component from these same
/// `types`, which 1.1 did not change.
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        world: "rubric",
        path: "../wit",
        pub_export_macro: true,
        export_macro_name: "export_rubric_component",
        default_bindings_module: "kaohe_engine::guest::bindings",
    });
}

#[doc(hidden)]
pub use bindings::export_rubric_component;
pub use bindings::exports::kaohe::rubric::scorer::Guest;
pub use bindings::kaohe::rubric::indexed as wit_indexed;
/// The `kaohe:rubric` types (the same in 1.0 and 1.1).
pub use bindings::kaohe::rubric::types;
use bindings::kaohe::rubric::types as wit;

/// Turn a rubric (an expression building it, generated at build time) into a component.
///
/// The rubric crate's `build.rs` reads `rubric.toml`, validates it and writes
/// its compiled form ([`crate::codegen::rust_expr`]) to `OUT_DIR/rubric.rs`;
/// its `lib.rs` is this one line:
///
/// ```ignore
/// kaohe_engine::rubric_component!(include!(concat!(env!("OUT_DIR"), "/rubric.rs")));
/// ```
#[macro_export]
macro_rules! rubric_component {
    ($rubric:expr) => {
        struct KaoheRubricComponent;

        fn kaohe_rubric() -> &'static $crate::Rubric {
            static RUBRIC: ::std::sync::OnceLock<$crate::Rubric> = ::std::sync::OnceLock::new();
            RUBRIC.get_or_init(|| $rubric)
        }

        impl $crate::guest::Guest for KaoheRubricComponent {
            fn describe() -> $crate::guest::RubricInfo {
                $crate::guest::describe(kaohe_rubric())
            }
            fn score(entries: Vec<$crate::guest::Entry>) -> Result<$crate::guest::Assessment, Vec<$crate::guest::Finding>> {
                $crate::guest::score(kaohe_rubric(), entries)
            }
            fn score_indexed(
                entries: $crate::guest::wit_indexed::Entries,
                trace: bool,
            ) -> Result<$crate::guest::wit_indexed::Scores, Vec<$crate::guest::wit_indexed::Finding>> {
                $crate::guest::score_indexed(kaohe_rubric(), entries, trace)
            }
        }
        $crate::guest::export_rubric_component!(KaoheRubricComponent);
    };
}

/// The slot `kaohe rubric build` fills with a rubric's data (see
/// [`crate::codec`]), and `kaohe_slot_rubric()` decoding it: what
/// `engine/evaluator` is, with [`rubric_component!`].
#[macro_export]
macro_rules! rubric_slot {
    () => {
        /// The slot `kaohe rubric build` fills. Read through `black_box` so the
        /// compiler never treats its (empty) initial contents as known.
        #[used]
        static KAOHE_RUBRIC_SLOT: [u8; $crate::codec::SLOT] = $crate::codec::EMPTY_SLOT;

        fn kaohe_slot_rubric() -> $crate::Rubric {
            let slot = ::std::hint::black_box(&KAOHE_RUBRIC_SLOT);
            $crate::codec::slot_contents(slot).and_then($crate::codec::decode_slot).unwrap_or_else(|e| panic!("{e}"))
        }
    };
}

pub use wit::{Assessment, Entry, EntryValue, Finding, ItemScore, RubricInfo};

fn part(p: Part) -> wit::Part {
    match p {
        Part::Base => wit::Part::Base,
        Part::Bonus => wit::Part::Bonus,
        Part::Deduction => wit::Part::Deduction,
        Part::Special => wit::Part::Special,
        Part::SpecialDeduction => wit::Part::SpecialDeduction,
    }
}

/// The rubric's self-description.
pub fn describe(r: &Rubric) -> RubricInfo {
    let items = r
        .items()
        .map(|ir| {
            let item = ir.item;
            let scoring = match item.scoring() {
                Scoring::Range => wit::Scoring::Range,
                Scoring::Levels(ls) => wit::Scoring::Levels(ls.iter().map(|l| wit::LevelOption { points: l.points, label: l.label.to_string() }).collect()),
                Scoring::Rules(rs) => wit::Scoring::Rules(
                    rs.iter()
                        .map(|s| wit::SubRule {
                            id: s.id.to_string(),
                            text: s.text.to_string(),
                            mode: match s.mode {
                                RuleMode::PerOccurrence => wit::RuleMode::PerOccurrence,
                                RuleMode::Discretionary => wit::RuleMode::Discretionary,
                            },
                            points_each: s.each,
                            cap: s.cap,
                            unit: s.unit.to_string(),
                        })
                        .collect(),
                ),
            };
            wit::Item {
                id: item.id.to_string(),
                category: ir.category.name.to_string(),
                part: part(ir.part),
                text: item.text.to_string(),
                max_points: item.max_points(),
                required: ir.required(),
                scoring,
            }
        })
        .collect();
    RubricInfo {
        id: r.id.to_string(),
        version: r.version.to_string(),
        title: r.title.to_string(),
        issuer: r.issuer.to_string(),
        region: r.region.to_string(),
        level: match r.level {
            Level::CountyCenter => wit::Level::CountyCenter,
            Level::TownshipStation => wit::Level::TownshipStation,
            Level::VillageStation => wit::Level::VillageStation,
        },
        year: r.year,
        description: r.description.to_string(),
        categories: r.categories.iter().map(|c| wit::Category { name: c.name.to_string(), part: part(c.part), max_points: r.category_max(c) }).collect(),
        items,
        bands: r.bands.iter().map(|b| wit::Band { label: b.label.to_string(), min_total: b.min }).collect(),
        report_title: r.report.title.to_string(),
        report_columns: r
            .report
            .columns
            .iter()
            .map(|c| wit::Column {
                header: c.header.to_string(),
                source: match ColumnSource::parse(&c.source).expect("validated") {
                    ColumnSource::County => wit::ColumnSource::County,
                    ColumnSource::Center => wit::ColumnSource::Center,
                    ColumnSource::Category(n) => wit::ColumnSource::Category(n),
                    ColumnSource::Bonus => wit::ColumnSource::Bonus,
                    ColumnSource::Deduction => wit::ColumnSource::Deduction,
                    ColumnSource::Special => wit::ColumnSource::Special,
                    ColumnSource::SpecialDeduction => wit::ColumnSource::SpecialDeduction,
                    ColumnSource::Adjustment => wit::ColumnSource::Adjustment,
                    ColumnSource::Total => wit::ColumnSource::Total,
                    ColumnSource::Grade => wit::ColumnSource::Grade,
                },
            })
            .collect(),
        report_notes: r.report.notes.iter().map(|n| n.to_string()).collect(),
        min_total: r.min_total(),
        max_total: r.max_total(),
    }
}

/// Score one unit.
pub fn score(r: &Rubric, entries: Vec<Entry>) -> Result<Assessment, Vec<Finding>> {
    let entries: Vec<crate::Entry> = entries
        .into_iter()
        .map(|e| crate::Entry {
            item: e.item,
            value: match e.value {
                wit::EntryValue::Blank => crate::EntryValue::Blank,
                wit::EntryValue::Points(p) => crate::EntryValue::Points(p),
                wit::EntryValue::Counts(cs) => crate::EntryValue::Counts(cs.into_iter().map(|c| (c.rule, c.value)).collect()),
            },
        })
        .collect();
    let pairs = |v: Vec<(String, f64)>| v.into_iter().map(|(rule, value)| wit::RuleCount { rule, value }).collect();
    match r.score(&entries) {
        Ok(a) => Ok(Assessment {
            items: a.items.into_iter().map(|s| wit::ItemScore { item: s.item, points: s.points, sub_rules: pairs(s.sub_rules) }).collect(),
            categories: a.categories.into_iter().map(|c| wit::CategoryScore { name: c.name, score: c.score, max_points: c.max }).collect(),
            bonus: a.bonus,
            deduction: a.deduction,
            special: a.special,
            special_deduction: a.special_deduction,
            adjustment: a.adjustment,
            total: a.total,
            grade: a.grade,
            trace: a.trace.into_iter().map(|t| wit::TraceStep { rule: t.rule, text: t.text, points: t.points }).collect(),
        }),
        Err(fs) => Err(fs.into_iter().map(|f| wit::Finding { item: f.item, message: f.message, allowed: f.allowed }).collect()),
    }
}

/// Score one unit from entries by position (`score-indexed`, 1.1).
pub fn score_indexed(r: &Rubric, entries: wit_indexed::Entries, trace: bool) -> Result<wit_indexed::Scores, Vec<wit_indexed::Finding>> {
    use wit_indexed::EntryKind;
    let malformed =
        |message: String| vec![wit_indexed::Finding { item: String::new(), code: wit_indexed::FindingCode::Malformed, message, allowed: String::new() }];
    let items = r.items().count();
    if entries.kinds.len() != items || entries.values.len() != r.point_count() {
        let (kinds, values) = (entries.kinds.len(), entries.values.len());
        return Err(malformed(format!("输入有 {kinds} 项、{values} 个得分位置，评分标准有 {items} 项、{} 个", r.point_count())));
    }
    let mut given = Vec::with_capacity(entries.kinds.len());
    let mut at = 0;
    for (item, kind) in r.items().zip(&entries.kinds) {
        let subs = item.item.rules.len();
        given.push(match kind {
            EntryKind::Blank => Given::Blank,
            EntryKind::Points => match entries.values[at] {
                Some(v) => Given::Points(v),
                None => return Err(malformed(format!("序号 {} 标为填写了得分，但没有得分", item.item.id))),
            },
            EntryKind::Counts => Given::Counts(&entries.values[at + 1..at + 1 + subs]),
        });
        at += 1 + subs;
    }
    match r.score_indexed(&given, trace) {
        Ok(s) => Ok(wit_indexed::Scores {
            points: s.points,
            categories: s.categories,
            bonus: s.bonus,
            deduction: s.deduction,
            special: s.special,
            special_deduction: s.special_deduction,
            adjustment: s.adjustment,
            total: s.total,
            band: s.band as u32,
            trace: s.trace.into_iter().map(|t| wit::TraceStep { rule: t.rule, text: t.text, points: t.points }).collect(),
        }),
        Err(fs) => Err(fs
            .into_iter()
            .map(|f| wit_indexed::Finding {
                item: f.item,
                code: match f.code {
                    FindingCode::MissingScore => wit_indexed::FindingCode::MissingScore,
                    FindingCode::OutOfRange => wit_indexed::FindingCode::OutOfRange,
                    FindingCode::UnknownItem => wit_indexed::FindingCode::UnknownItem,
                    FindingCode::Duplicate => wit_indexed::FindingCode::Duplicate,
                    FindingCode::Malformed => wit_indexed::FindingCode::Malformed,
                },
                message: f.message,
                allowed: f.allowed,
            })
            .collect()),
    }
}
