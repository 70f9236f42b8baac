//! Every rule kind of the changzhi-2023 rubric, checked on its real data
//! (rubrics/changzhi-2023/rubric.toml) with the native evaluator.

use kaohe_engine::{Entry, EntryValue, Part, Rubric};

fn rubric() -> Rubric {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../rubrics/changzhi-2023/rubric.toml")).unwrap();
    let r: Rubric = toml::from_str(&text).unwrap();
    r.validate().unwrap();
    r
}

/// Full marks on every base item, nothing else.
fn full(r: &Rubric) -> Vec<Entry> {
    r.items().filter(|i| i.part == Part::Base).map(|i| Entry::new(&i.item.id, EntryValue::Points(i.item.max_points()))).collect()
}

fn with(mut entries: Vec<Entry>, id: &str, value: EntryValue) -> Vec<Entry> {
    entries.retain(|e| e.item != id);
    entries.push(Entry::new(id, value));
    entries
}

fn counts(pairs: &[(&str, f64)]) -> EntryValue {
    EntryValue::Counts(pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect())
}

#[test]
fn seventy_items_and_category_maxima() {
    let r = rubric();
    assert_eq!(r.items().count(), 70);
    let maxima: Vec<(String, f64)> = r.categories.iter().filter(|c| c.part == Part::Base).map(|c| (c.name.to_string(), r.category_max(c))).collect();
    let expected = [("组织领导", 31.0), ("机构建设", 23.0), ("能力建设", 4.0), ("政治文化", 13.0), ("服务保障", 29.0)];
    assert_eq!(maxima, expected.map(|(n, m)| (n.to_string(), m)));
    let a = r.score(&full(&r)).unwrap();
    assert_eq!(a.total, 100.0);
    assert_eq!(a.grade, "优秀");
    assert_eq!(r.max_total(), 130.0);
    assert_eq!(r.min_total(), -80.0);
}

#[test]
fn item_ids_are_categorised_as_the_seed_prints_them() {
    let r = rubric();
    let cat = |id: &str| r.item(id).unwrap().category.name.clone();
    assert_eq!(cat("13"), "组织领导");
    assert_eq!(cat("14"), "机构建设");
    assert_eq!(cat("22"), "机构建设");
    assert_eq!(cat("23"), "能力建设");
    assert_eq!(cat("27"), "政治文化");
    assert_eq!(cat("36"), "政治文化");
    assert_eq!(cat("37"), "服务保障");
    assert_eq!(cat("60"), "服务保障");
    assert_eq!(r.item("70").unwrap().part, Part::SpecialDeduction);
}

#[test]
fn half_points_sum_exactly() {
    let r = rubric();
    let e = with(full(&r), "4", EntryValue::Points(3.5));
    let e = with(e, "12", EntryValue::Points(2.5));
    let a = r.score(&e).unwrap();
    assert_eq!(a.categories[0].score, 30.0);
    assert_eq!(a.total, 99.0);
}

#[test]
fn bonus_levels() {
    let r = rubric();
    for v in [0.0, 1.0, 2.0, 3.0] {
        let a = r.score(&with(full(&r), "61", EntryValue::Points(v))).unwrap();
        assert_eq!(a.bonus, v);
        assert_eq!(a.total, 100.0 + v);
    }
    for bad in [4.0, 1.5, -1.0] {
        let err = r.score(&with(full(&r), "61", EntryValue::Points(bad))).unwrap_err();
        assert_eq!(err[0].item, "61");
        assert_eq!(err[0].allowed, "0、1、2、3");
    }
    assert!(r.score(&with(full(&r), "64", EntryValue::Points(1.0))).is_ok());
    let err = r.score(&with(full(&r), "64", EntryValue::Points(2.0))).unwrap_err();
    assert_eq!((err[0].item.as_str(), err[0].allowed.as_str()), ("64", "0、1"));
}

/// (sub-rule, count, points off) for each of 65.1–65.9 and 70.1–70.2, below and above the cap.
#[test]
fn every_deduction_sub_rule_and_its_cap() {
    let r = rubric();
    let cases: &[(&str, &str, f64, f64)] = &[
        ("65", "65.1", 1.0, 3.0),
        ("65", "65.1", 3.0, 9.0),
        ("65", "65.1", 4.0, 10.0), // four person-times of 越级进京上访 deduct 10, not 12
        ("65", "65.2", 1.0, 10.0),
        ("65", "65.2", 2.0, 10.0),
        ("65", "65.3", 4.0, 4.0),
        ("65", "65.3", 6.0, 5.0),
        ("65", "65.4", 1.0, 5.0),
        ("65", "65.4", 3.0, 5.0),
        ("65", "65.5", 5.0, 5.0),
        ("65", "65.5", 9.0, 5.0),
        ("65", "65.6", 2.0, 4.0),
        ("65", "65.6", 3.0, 5.0), // 3 batches × 2 = 6, capped at 5
        ("65", "65.7", 1.0, 5.0),
        ("65", "65.7", 3.0, 10.0),
        ("65", "65.8", 3.0, 3.0),
        ("65", "65.8", 5.0, 5.0),
        ("65", "65.9", 1.5, 1.5),
        ("70", "70.1", 2.0, 6.0),
        ("70", "70.1", 4.0, 10.0),
        ("70", "70.2", 3.0, 6.0),
        ("70", "70.2", 6.0, 10.0),
    ];
    for &(item, rule, n, off) in cases {
        let a = r.score(&with(full(&r), item, counts(&[(rule, n)]))).unwrap();
        let taken = if item == "65" { a.deduction } else { a.special_deduction };
        assert_eq!(taken, off, "{rule} × {n}");
        assert_eq!(a.total, 100.0 - off, "{rule} × {n}");
        assert!(a.trace.iter().any(|t| t.rule == rule), "trace names {rule}");
    }
}

#[test]
fn deduction_item_sums_capped_sub_rules() {
    let r = rubric();
    let all_max =
        counts(&[("65.1", 9.0), ("65.2", 1.0), ("65.3", 9.0), ("65.4", 1.0), ("65.5", 9.0), ("65.6", 9.0), ("65.7", 9.0), ("65.8", 5.0), ("65.9", 5.0)]);
    let a = r.score(&with(full(&r), "65", all_max)).unwrap();
    assert_eq!(a.deduction, 60.0);
    let both = counts(&[("70.1", 9.0), ("70.2", 9.0)]);
    let a = r.score(&with(full(&r), "70", both)).unwrap();
    assert_eq!(a.special_deduction, 20.0);
    assert_eq!(a.total, 80.0);
}

#[test]
fn deduction_entered_as_points_of_either_sign() {
    let r = rubric();
    for v in [3.0, -3.0] {
        let a = r.score(&with(full(&r), "65", EntryValue::Points(v))).unwrap();
        assert_eq!(a.deduction, 3.0);
        assert_eq!(a.adjustment, -3.0);
    }
    let err = r.score(&with(full(&r), "65", EntryValue::Points(61.0))).unwrap_err();
    assert_eq!(err[0].item, "65");
}

#[test]
fn invalid_counts_are_rejected_with_the_sub_rule_named() {
    let r = rubric();
    let err = r.score(&with(full(&r), "65", counts(&[("65.1", 1.5)]))).unwrap_err();
    assert_eq!(err[0].item, "65.1");
    let err = r.score(&with(full(&r), "65", counts(&[("65.3", -1.0)]))).unwrap_err();
    assert_eq!(err[0].item, "65.3");
    let err = r.score(&with(full(&r), "65", counts(&[("65.8", 6.0)]))).unwrap_err();
    assert_eq!((err[0].item.as_str(), err[0].allowed.as_str()), ("65.8", "0～5"));
    let err = r.score(&with(full(&r), "65", counts(&[("65.10", 1.0)]))).unwrap_err();
    assert!(err[0].message.contains("65.10"));
}

#[test]
fn special_items_and_adjustment() {
    let r = rubric();
    let e = with(full(&r), "66", EntryValue::Points(10.0));
    let e = with(e, "69", EntryValue::Points(1.5));
    let e = with(e, "62", EntryValue::Points(2.0));
    let e = with(e, "65", counts(&[("65.3", 2.0)]));
    let e = with(e, "70", counts(&[("70.2", 1.0)]));
    let a = r.score(&e).unwrap();
    assert_eq!((a.bonus, a.deduction, a.special, a.special_deduction), (2.0, 2.0, 11.5, 2.0));
    assert_eq!(a.adjustment, 9.5);
    assert_eq!(a.total, 109.5);
    let err = r.score(&with(full(&r), "66", EntryValue::Points(10.5))).unwrap_err();
    assert_eq!((err[0].item.as_str(), err[0].allowed.as_str()), ("66", "0～10"));
}

#[test]
fn grade_boundaries() {
    let r = rubric();
    assert_eq!(r.grade(90.0), "优秀");
    assert_eq!(r.grade(89.99), "良好");
    assert_eq!(r.grade(80.0), "良好");
    assert_eq!(r.grade(79.99), "合格");
    assert_eq!(r.grade(60.0), "合格");
    assert_eq!(r.grade(59.99), "不合格");
    assert_eq!(r.grade(-80.0), "不合格");
    // Exactly 90 reached through decimals that are inexact in binary.
    let mut e = full(&r);
    e = with(e, "4", EntryValue::Points(3.9));
    e = with(e, "5", EntryValue::Points(3.9));
    e = with(e, "12", EntryValue::Points(2.2));
    e = with(e, "13", EntryValue::Points(0.0)); // 100 - 0.1 - 0.1 - 0.8 - 3 = 96
    e = with(e, "16", EntryValue::Points(0.0)); // - 4 = 92
    e = with(e, "17", EntryValue::Points(2.0)); // - 2 = 90
    let a = r.score(&e).unwrap();
    assert_eq!(a.total, 90.0);
    assert_eq!(a.grade, "优秀");
    let a = r.score(&with(e, "18", EntryValue::Points(3.99))).unwrap();
    assert_eq!(a.total, 89.99);
    assert_eq!(a.grade, "良好");
}

#[test]
fn invalid_inputs_name_the_item() {
    let r = rubric();
    let mut e = full(&r);
    e.retain(|x| x.item != "7");
    let err = r.score(&e).unwrap_err();
    assert_eq!(err.len(), 1);
    assert_eq!((err[0].item.as_str(), err[0].allowed.as_str()), ("7", "0～2"));
    let err = r.score(&with(full(&r), "4", EntryValue::Points(4.5))).unwrap_err();
    assert_eq!(err[0].item, "4");
    assert!(err[0].message.contains("4.5"));
    let err = r.score(&with(full(&r), "9", EntryValue::Points(f64::NAN))).unwrap_err();
    assert_eq!(err[0].item, "9");
    let err = r.score(&with(full(&r), "3", EntryValue::Points(-0.5))).unwrap_err();
    assert_eq!(err[0].item, "3");
    let err = r.score(&with(full(&r), "71", EntryValue::Points(1.0))).unwrap_err();
    assert_eq!(err[0].item, "71");
    let err = r.score(&with(full(&r), "4", counts(&[("4.1", 1.0)]))).unwrap_err();
    assert_eq!(err[0].item, "4");
    // Several problems are all reported at once.
    let e = with(with(full(&r), "1", EntryValue::Points(9.0)), "2", EntryValue::Blank);
    let items: Vec<String> = r.score(&e).unwrap_err().into_iter().map(|f| f.item).collect();
    assert_eq!(items, ["1", "2"]);
}

#[test]
fn blank_optional_items_count_zero() {
    let r = rubric();
    let e = with(full(&r), "61", EntryValue::Blank);
    assert_eq!(r.score(&e).unwrap().total, 100.0);
}

#[test]
fn bad_rubric_data_is_rejected() {
    let mut r = rubric();
    r.bands.reverse();
    assert!(r.validate().is_err());
    let mut r = rubric();
    r.categories[0].items[1].id = "1".into();
    assert!(r.validate().unwrap_err().iter().any(|e| e.contains("item 1 appears twice")));
    let mut r = rubric();
    r.report.columns[2].source = "category:不存在".into();
    assert!(r.validate().is_err());
}
