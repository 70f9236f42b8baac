//! Properties of the evaluator over the real changzhi-2023 rubric: for any
//! valid input the total is the categories plus the adjustment, stays within
//! the rubric's stated range, and no deduction sub-rule exceeds its cap; for
//! any input at all the evaluator answers without panicking.

use kaohe_engine::{Entry, EntryValue, Part, Rubric, RuleMode, Scoring, fmt_points, tidy};
use proptest::prelude::*;

fn rubric() -> &'static Rubric {
    static R: std::sync::OnceLock<Rubric> = std::sync::OnceLock::new();
    R.get_or_init(|| {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../rubrics/changzhi-2023/rubric.toml")).unwrap();
        toml::from_str(&text).unwrap()
    })
}

/// A valid entry for every item: half points within range, a listed level,
/// whole counts (often past the cap) or discretionary points within the cap.
fn valid_entries() -> impl Strategy<Value = Vec<Entry>> {
    let per_item: Vec<BoxedStrategy<Entry>> = rubric()
        .items()
        .map(|r| {
            let id = r.item.id.to_string();
            match r.item.scoring() {
                Scoring::Range => {
                    let halves = (r.item.max_points() * 2.0) as u32;
                    (0..=halves).prop_map(move |h| Entry::new(&id, EntryValue::Points(h as f64 / 2.0))).boxed()
                }
                Scoring::Levels(levels) => {
                    let mut choices = vec![0.0];
                    choices.extend(levels.iter().map(|l| l.points));
                    proptest::sample::select(choices).prop_map(move |p| Entry::new(&id, EntryValue::Points(p))).boxed()
                }
                Scoring::Rules(rules) => {
                    let per_rule: Vec<BoxedStrategy<(String, f64)>> = rules
                        .iter()
                        .map(|rule| {
                            let rid = rule.id.to_string();
                            match rule.mode {
                                RuleMode::PerOccurrence => (0u32..30).prop_map(move |n| (rid.clone(), n as f64)).boxed(),
                                RuleMode::Discretionary => {
                                    let halves = (rule.cap * 2.0) as u32;
                                    (0..=halves).prop_map(move |h| (rid.clone(), h as f64 / 2.0)).boxed()
                                }
                            }
                        })
                        .collect();
                    per_rule.prop_map(move |counts| Entry::new(&id, EntryValue::Counts(counts))).boxed()
                }
            }
        })
        .collect();
    per_item
}

fn any_value() -> impl Strategy<Value = EntryValue> {
    let num = prop_oneof![any::<f64>(), -100.0..200.0f64, Just(f64::NAN), Just(f64::INFINITY), (0u32..20).prop_map(|n| n as f64)];
    let id = prop_oneof![(1u32..75).prop_map(|n| n.to_string()), "65\\.[0-9]{1,2}", "70\\.[0-9]", ".{0,4}"];
    prop_oneof![Just(EntryValue::Blank), num.clone().prop_map(EntryValue::Points), proptest::collection::vec((id, num), 0..12).prop_map(EntryValue::Counts),]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn valid_inputs_add_up_and_stay_in_range(entries in valid_entries()) {
        let r = rubric();
        let a = r.score(&entries).expect("valid input is accepted");
        let cats: f64 = a.categories.iter().map(|c| c.score).sum();
        prop_assert!((a.total - (cats + a.adjustment)).abs() < 1e-9);
        prop_assert!((a.adjustment - (a.bonus - a.deduction + a.special - a.special_deduction)).abs() < 1e-9);
        prop_assert!(a.total >= r.min_total() && a.total <= r.max_total(), "total {}", a.total);
        for c in &a.categories {
            prop_assert!(c.score >= 0.0 && c.score <= c.max);
        }
        for s in &a.items {
            let item = r.item(&s.item).unwrap();
            let max = item.item.max_points();
            if item.part.is_deduction() {
                prop_assert!(s.points <= 0.0 && -s.points <= max);
            } else {
                prop_assert!(s.points >= 0.0 && s.points <= max);
            }
            if let Scoring::Rules(rules) = item.item.scoring() {
                for (rid, off) in &s.sub_rules {
                    let rule = rules.iter().find(|x| &x.id == rid).unwrap();
                    prop_assert!(*off >= 0.0 && *off <= rule.cap, "{rid} took {off} over cap {}", rule.cap);
                }
            }
        }
        prop_assert_eq!(a.grade.as_str(), r.grade(a.total));
        prop_assert!(a.items.iter().filter(|s| r.item(&s.item).unwrap().part == Part::Base).count() == 60);
    }

    #[test]
    fn any_input_is_answered_without_panic(entries in proptest::collection::vec(
        (prop_oneof![(1u32..75).prop_map(|n| n.to_string()), ".{0,3}"], any_value()).prop_map(|(id, v)| Entry { item: id, value: v }),
        0..90,
    )) {
        match rubric().score(&entries) {
            Ok(a) => prop_assert!(a.total.is_finite()),
            Err(findings) => prop_assert!(!findings.is_empty()),
        }
    }

    #[test]
    fn entry_order_does_not_change_the_result(entries in valid_entries(), seed in any::<u64>()) {
        // The evaluator takes the rubric's order fast and any other order by search.
        let mut shuffled = entries.clone();
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        prop_assert_eq!(rubric().score(&entries), rubric().score(&shuffled));
        // An entry given twice is refused whatever the order.
        shuffled.push(shuffled[0].clone());
        let dup = rubric().score(&shuffled).unwrap_err();
        prop_assert!(dup.iter().any(|f| f.message.contains("不止一次")));
    }

    #[test]
    fn points_print_as_the_float_formatter_would(x in prop_oneof![
        any::<f64>(),
        -1e4..1e4f64,
        (-400i32..400).prop_map(|h| h as f64 / 2.0),
        (-2_000_000i64..2_000_000).prop_map(|m| m as f64 / 1e6),
        Just(0.1 + 0.2), Just(-0.0), Just(1e-7), Just(-4e-7), Just(9.2e9), Just(8.999_999_5e9),
    ]) {
        // The reference: six decimals, trailing zeros trimmed, never "-0".
        let s = format!("{:.6}", tidy(x));
        let s = s.trim_end_matches('0').trim_end_matches('.');
        let reference = if s == "-0" { "0".to_string() } else { s.to_string() };
        prop_assert_eq!(fmt_points(x), reference, "{}", x);
    }
}

/// What one item is given, by position: blank, points, or a value (or none) per sub-rule.
#[derive(Debug, Clone)]
enum Given {
    Blank,
    Points(f64),
    Counts(Vec<Option<f64>>),
}

fn any_given() -> impl Strategy<Value = Vec<Given>> {
    let num = || prop_oneof![-5.0..40.0f64, (0u32..12).prop_map(|n| n as f64), (0u32..24).prop_map(|h| h as f64 / 2.0), Just(f64::NAN)];
    let per_item: Vec<BoxedStrategy<Given>> = rubric()
        .items()
        .map(|r| {
            let rules = r.item.rules.len();
            prop_oneof![
                Just(Given::Blank),
                num().prop_map(Given::Points),
                proptest::collection::vec(proptest::option::of(num()), rules..=rules).prop_map(Given::Counts),
            ]
            .boxed()
        })
        .collect();
    per_item
}

/// A valid value for every item, by position (as [`valid_entries`], some rules items left blank).
fn valid_given() -> impl Strategy<Value = Vec<Given>> {
    let per_item: Vec<BoxedStrategy<Given>> = rubric()
        .items()
        .map(|r| match r.item.scoring() {
            Scoring::Range => {
                let halves = (r.item.max_points() * 2.0) as u32;
                (0..=halves).prop_map(|h| Given::Points(h as f64 / 2.0)).boxed()
            }
            Scoring::Levels(levels) => {
                let mut choices = vec![0.0];
                choices.extend(levels.iter().map(|l| l.points));
                proptest::sample::select(choices).prop_map(Given::Points).boxed()
            }
            Scoring::Rules(rules) => {
                let per_rule: Vec<BoxedStrategy<Option<f64>>> = rules
                    .iter()
                    .map(|rule| match rule.mode {
                        RuleMode::PerOccurrence => proptest::option::of((0u32..30).prop_map(|n| n as f64)).boxed(),
                        RuleMode::Discretionary => {
                            let halves = (rule.cap * 2.0) as u32;
                            proptest::option::of((0..=halves).prop_map(|h| h as f64 / 2.0)).boxed()
                        }
                    })
                    .collect();
                prop_oneof![Just(Given::Blank), per_rule.prop_map(Given::Counts)].boxed()
            }
        })
        .collect();
    per_item
}

proptest! {
    /// Valid entries score by position exactly as by name (see [`same_answer`]).
    #[test]
    fn valid_entries_score_by_position_as_by_name(given in valid_given()) {
        let (by_name, by_position) = (named(&given).is_ok(), same_answer(&given)?);
        prop_assert!(by_name && by_position, "valid entries are scored both ways");
    }

    /// Any entries give the same answer both ways, findings included.
    #[test]
    fn scoring_by_position_is_scoring_by_name(given in any_given()) {
        same_answer(&given)?;
    }
}

fn named(given: &[Given]) -> Result<kaohe_engine::Assessment, Vec<kaohe_engine::Finding>> {
    let r = rubric();
    let named: Vec<Entry> = r
        .items()
        .zip(given)
        .map(|(item, g)| {
            let value = match g {
                Given::Blank => EntryValue::Blank,
                Given::Points(p) => EntryValue::Points(*p),
                Given::Counts(c) => EntryValue::Counts(item.item.rules.iter().zip(c).filter_map(|(rule, v)| v.map(|v| (rule.id.to_string(), v))).collect()),
            };
            Entry::new(&item.item.id, value)
        })
        .collect();
    r.score(&named)
}

/// Scoring by position (what `score-indexed` runs) gives exactly what scoring
/// by name gives: the same points for every item and sub-rule, totals, grade
/// and trace, or the same findings, word for word and code for code. Returns
/// whether it scored.
fn same_answer(given: &[Given]) -> Result<bool, TestCaseError> {
    let r = rubric();
    let by_position: Vec<kaohe_engine::Given<'_>> = given
        .iter()
        .map(|g| match g {
            Given::Blank => kaohe_engine::Given::Blank,
            Given::Points(p) => kaohe_engine::Given::Points(*p),
            Given::Counts(c) => kaohe_engine::Given::Counts(c),
        })
        .collect();
    match (named(given), r.score_indexed(&by_position, true)) {
        (Ok(a), Ok(s)) => {
            prop_assert_eq!(a.total, s.total);
            prop_assert_eq!(a.grade.as_str(), &*r.bands[s.band].label);
            prop_assert_eq!(&a.trace, &s.trace);
            prop_assert_eq!(a.categories.iter().map(|c| c.score).collect::<Vec<_>>(), s.categories.clone());
            let mut at = 0;
            for (item, score) in r.items().zip(&a.items) {
                prop_assert_eq!(s.points[at], Some(score.points));
                for (k, rule) in item.item.rules.iter().enumerate() {
                    let named_off = score.sub_rules.iter().find(|(id, _)| id == &*rule.id).map(|(_, v)| *v);
                    prop_assert_eq!(s.points[at + 1 + k], named_off);
                }
                at += 1 + item.item.rules.len();
            }
            prop_assert_eq!(at, s.points.len());
            Ok(true)
        }
        (Err(x), Err(y)) => {
            prop_assert_eq!(x, y);
            Ok(false)
        }
        (x, y) => Err(TestCaseError::fail(format!("by name {:?}, by position {:?}", x.is_ok(), y.is_ok()))),
    }
}
