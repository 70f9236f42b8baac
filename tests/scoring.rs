//! Scoring real workbooks with the real built component: template round trips,
//! hand-made seed layouts, and every kind of bad input, each finding checked
//! for its item and cell.

mod common;

use std::path::{Path, PathBuf};

use common::{Cell, Layout, full_marks, handmade_ods, handmade_xlsx, set};
use kaohe::render::template::{self, Unit};
use kaohe::runtime::LoadedRubric;
use kaohe::score::{Finding, Severity, UnitResult, score_files};

fn rubric() -> &'static LoadedRubric {
    common::changzhi()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn errors(r: &UnitResult) -> Vec<&Finding> {
    r.findings.iter().filter(|f| f.severity == Severity::Error).collect()
}

fn find<'a>(r: &'a UnitResult, code: &str) -> &'a Finding {
    r.findings.iter().find(|f| f.code == code).unwrap_or_else(|| panic!("no {code} finding in {:#?}", r.findings))
}

fn template_with(values: &[(&str, f64)]) -> Vec<u8> {
    let info = &rubric().info;
    let mut unit = Unit { center: "潞州区退役军人服务中心".into(), county: "潞州区".into(), ..Default::default() };
    for item in info.items.iter().filter(|i| i.required) {
        unit.values.insert(item.id.clone(), item.max_points);
    }
    for (k, v) in values {
        unit.values.insert(k.to_string(), *v);
    }
    template::build(rubric(), &unit).unwrap()
}

#[test]
fn template_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = template_with(&[
        ("4", 3.5),    // -0.5 in 组织领导
        ("16", 2.0),   // -2 in 机构建设
        ("61", 2.0),   // bonus
        ("65.1", 4.0), // 4 × 3 = 12, capped at 10
        ("65.8", 2.0), // discretionary 2
        ("66", 7.5),
        ("70.2", 1.0), // 2
    ]);
    let p = write(dir.path(), "潞州区.xlsx", &bytes);
    let r = common::score_one(rubric(), &p);
    assert!(r.ok(), "{:#?}", r.findings);
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    assert_eq!((r.center.as_str(), r.county.as_str()), ("潞州区退役军人服务中心", "潞州区"));
    let a = r.assessment.unwrap();
    let cats: Vec<f64> = a.categories.iter().map(|c| c.score).collect();
    assert_eq!(cats, [30.5, 21.0, 4.0, 13.0, 29.0]);
    assert_eq!((a.bonus, a.deduction, a.special, a.special_deduction), (2.0, 12.0, 7.5, 2.0));
    assert_eq!(a.adjustment, -4.5);
    assert_eq!(a.total, 97.5 - 4.5);
    assert_eq!(a.grade, "优秀");
    let sub: Vec<(String, f64)> = a.items.iter().find(|s| s.item == "65").unwrap().sub_rules.iter().map(|c| (c.rule.clone(), c.value)).collect();
    assert!(sub.contains(&("65.1".into(), 10.0)));
}

#[test]
fn template_without_a_county_takes_it_from_the_name() {
    let dir = tempfile::tempdir().unwrap();
    let unit = Unit { center: "黎城县退役军人服务中心".into(), ..Default::default() };
    let p = write(dir.path(), "t.xlsx", &template::build(rubric(), &unit).unwrap());
    let r = common::score_one(rubric(), &p);
    assert_eq!((r.center.as_str(), r.county.as_str()), ("黎城县退役军人服务中心", "黎城县"));
}

#[test]
fn template_is_validated_protected_and_marked() {
    let bytes = template_with(&[]);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut read = |name: &str| {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut s).unwrap();
        s
    };
    let sheet = read("xl/worksheets/sheet1.xml");
    // 60 base + 4 bonus + 4 special items + 9 + 2 sub-rules: one validated input cell each.
    assert!(sheet.contains(r#"<dataValidations count="79">"#), "validation count");
    assert!(sheet.contains("<sheetProtection"));
    assert!(sheet.contains("请填写 0～4 之间的得分"));
    assert!(sheet.contains("每人次扣3分，最多扣10分") || read("xl/sharedStrings.xml").contains("每人次扣3分，最多扣10分"));
    let book = read("xl/workbook.xml");
    assert!(book.contains(r#"name="kaohe" sheetId="2" state="hidden""#), "{book}");
}

#[test]
fn template_from_another_rubric_version_is_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = rust_xlsxwriter::Workbook::new();
    let info = &rubric().info;
    let ws = book.add_worksheet();
    ws.write(0, 0, "序号").unwrap();
    ws.write(0, 1, "得分").unwrap();
    for (k, item) in info.items.iter().filter(|i| i.required).enumerate() {
        ws.write(k as u32 + 1, 0, item.id.as_str()).unwrap();
        ws.write(k as u32 + 1, 1, item.max_points).unwrap();
    }
    let meta = book.add_worksheet();
    meta.set_name("kaohe").unwrap();
    meta.write(0, 0, "rubric-id").unwrap();
    meta.write(0, 1, "changzhi-2022").unwrap();
    meta.write(1, 0, "rubric-version").unwrap();
    meta.write(1, 1, "0.9.0").unwrap();
    let p = write(dir.path(), "old.xlsx", &book.save_to_buffer().unwrap());
    let r = common::score_one(rubric(), &p);
    let f = find(&r, "rubric-mismatch");
    assert!(f.message.contains("changzhi-2022 0.9.0") && f.message.contains("changzhi-2023 1.0.0"), "{}", f.message);
    assert_eq!(r.assessment.unwrap().total, 100.0);
}

#[test]
fn seed_layout_with_merged_categories_and_repeated_headers() {
    let dir = tempfile::tempdir().unwrap();
    let info = &rubric().info;
    let mut v = full_marks(info);
    set(&mut v, "5", 2.5);
    set(&mut v, "62", 3.0);
    set(&mut v, "65", -6.0); // a deduction written as a negative number
    set(&mut v, "70", 3.0); // and as a positive one
    set(&mut v, "68", 4.0);
    let mut layout = Layout::seed("县(区)退役军人服务中心考核评分表", &[("被考核单位：屯留区退役军人服务中心", None)]);
    layout.repeat_header_every = 13;
    let p = write(dir.path(), "屯留.xlsx", &handmade_xlsx(info, &layout, &v));
    let r = common::score_one(rubric(), &p);
    assert!(r.ok(), "{:#?}", r.findings);
    assert_eq!((r.center.as_str(), r.county.as_str()), ("屯留区退役军人服务中心", "屯留区"));
    let a = r.assessment.unwrap();
    // 100 − 1.5 + 3 − 6 + 4 − 3
    assert_eq!(a.total, 96.5);
    assert_eq!(a.adjustment, -2.0);
}

#[test]
fn reordered_columns_second_sheet_and_text_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let info = &rubric().info;
    let mut v = full_marks(info);
    set(&mut v, "4", " 3 ");
    set(&mut v, "12", "２");
    set(&mut v, "20", "1.5分");
    set(&mut v, "61", "１");
    let layout = Layout {
        columns: vec!["得分", "工作标准", "序号", "主要内容", "分值"],
        cover_sheet: true,
        merge_categories: true,
        repeat_header_every: 0,
        title: "评分表".into(),
        labels: vec![("县(市、区)".into(), Some("潞城区".into())), ("单位名称".into(), Some("潞城区退役军人服务中心".into()))],
        ..Layout::seed("", &[])
    };
    let p = write(dir.path(), "潞城.xlsx", &handmade_xlsx(info, &layout, &v));
    let r = common::score_one(rubric(), &p);
    assert!(r.ok(), "{:#?}", r.findings);
    assert_eq!((r.center.as_str(), r.county.as_str()), ("潞城区退役军人服务中心", "潞城区"));
    // Title on row 1, two label rows, header on row 4: item 4 is on row 8, 得分 is column A.
    let warned: Vec<(Option<&str>, Option<&str>)> =
        r.findings.iter().filter(|f| f.code == "text-number").map(|f| (f.item.as_deref(), f.cell.as_deref())).collect();
    assert_eq!(warned, [(Some("4"), Some("A8")), (Some("12"), Some("A16")), (Some("20"), Some("A24")), (Some("61"), Some("A65"))]);
    assert!(r.findings.iter().all(|f| f.sheet.as_deref() == Some("考核评分表") || f.sheet.is_none()));
    // 100 − 1 − 1 − 2.5 + 1
    assert_eq!(r.assessment.unwrap().total, 96.5);
}

#[test]
fn ods_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let info = &rubric().info;
    let mut v = full_marks(info);
    set(&mut v, "1", 1.0);
    set(&mut v, "65", 5.0);
    let p = write(dir.path(), "襄垣.ods", &handmade_ods(info, "评分表", &[("被考核单位：", "襄垣县退役军人服务中心")], &v));
    let r = common::score_one(rubric(), &p);
    assert!(r.ok(), "{:#?}", r.findings);
    assert_eq!((r.center.as_str(), r.county.as_str()), ("襄垣县退役军人服务中心", "襄垣县"));
    assert_eq!(r.assessment.unwrap().total, 94.0);
}

#[test]
fn unit_name_falls_back_to_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let info = &rubric().info;
    let p = write(dir.path(), "武乡县退役军人服务中心.xlsx", &handmade_xlsx(info, &Layout::seed("评分表", &[]), &full_marks(info)));
    let r = common::score_one(rubric(), &p);
    assert_eq!((r.center.as_str(), r.county.as_str()), ("武乡县退役军人服务中心", "武乡县"));
}

/// A seed-layout workbook with these changes; rows start on row 3 (title, header).
fn handmade_with(dir: &Path, name: &str, changes: &[(&str, Cell)]) -> UnitResult {
    let info = &rubric().info;
    let mut v = full_marks(info);
    for (k, c) in changes {
        set(&mut v, k, c.clone());
    }
    let p = write(dir, name, &handmade_xlsx(info, &Layout::seed("评分表", &[]), &v));
    common::score_one(rubric(), &p)
}

#[test]
fn text_in_a_score_cell_names_item_and_cell() {
    let dir = tempfile::tempdir().unwrap();
    let r = handmade_with(dir.path(), "a.xlsx", &[("7", Cell::from("好"))]);
    assert!(!r.ok() && r.assessment.is_none());
    let f = find(&r, "not-a-number");
    // header on row 2, item 1 on row 3, item 7 on row 9; 得分 is column E.
    assert_eq!((f.item.as_deref(), f.cell.as_deref(), f.sheet.as_deref()), (Some("7"), Some("E9"), Some("考核评分表")));
    assert!(f.message.contains("好"));
}

#[test]
fn out_of_range_names_item_cell_and_allowed_range() {
    let dir = tempfile::tempdir().unwrap();
    let r = handmade_with(dir.path(), "a.xlsx", &[("4", Cell::Num(5.0)), ("61", Cell::Num(2.5))]);
    let errs = errors(&r);
    assert_eq!(errs.len(), 2, "{errs:#?}");
    assert_eq!((errs[0].item.as_deref(), errs[0].cell.as_deref()), (Some("4"), Some("E6")));
    assert!(errs[0].message.contains("0～4"), "{}", errs[0].message);
    assert_eq!((errs[1].item.as_deref(), errs[1].cell.as_deref()), (Some("61"), Some("E63")));
    assert!(errs[1].message.contains("0、1、2、3"));
    assert!(errs.iter().all(|e| e.code == "out-of-range"));
}

#[test]
fn blank_base_item_is_an_error_blank_bonus_is_zero() {
    let dir = tempfile::tempdir().unwrap();
    let info = &rubric().info;
    let mut v = full_marks(info);
    v.retain(|(k, _)| k != "30");
    let p = write(dir.path(), "a.xlsx", &handmade_xlsx(info, &Layout::seed("评分表", &[]), &v));
    let r = common::score_one(rubric(), &p);
    let f = find(&r, "missing-score");
    assert_eq!((f.item.as_deref(), f.cell.as_deref()), (Some("30"), Some("E32")));
    assert_eq!(errors(&r).len(), 1, "blank 61–70 are not errors");
}

#[test]
fn missing_and_duplicate_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.write(0, 0, "序 号").unwrap(); // spaces inside a header are fine
    ws.write(0, 1, "得分").unwrap();
    let mut row = 1;
    for item in rubric().info.items.iter().filter(|i| i.required && i.id != "59") {
        ws.write(row, 0, item.id.parse::<f64>().unwrap()).unwrap();
        ws.write(row, 1, item.max_points).unwrap();
        row += 1;
    }
    ws.write(row, 0, 3).unwrap();
    ws.write(row, 1, 1).unwrap();
    let p = write(dir.path(), "a.xlsx", &book.save_to_buffer().unwrap());
    let r = common::score_one(rubric(), &p);
    let missing = find(&r, "missing-item");
    assert_eq!((missing.item.as_deref(), missing.cell.as_deref()), (Some("59"), None));
    let dup = find(&r, "duplicate-item");
    assert_eq!((dup.item.as_deref(), dup.cell.as_deref()), (Some("3"), Some("B61")));
    assert!(r.assessment.is_none());
}

#[test]
fn invalid_sub_rule_count_names_the_sub_rule_cell() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "a.xlsx", &template_with(&[("65.3", 1.5)]));
    let r = common::score_one(rubric(), &p);
    let f = find(&r, "out-of-range");
    assert_eq!(f.item.as_deref(), Some("65.3"));
    // Rows: title, names, header, then items 1–64 (rows 4–67), 65 on row 68, 65.1 on 69 → 65.3 on 71.
    assert_eq!(f.cell.as_deref(), Some("E71"));
}

#[test]
fn unreadable_files_get_one_clear_finding_each_and_the_batch_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = write(d, "good.xlsx", &template_with(&[]));
    let zip = template_with(&[]);
    let cases: Vec<(PathBuf, &str)> = vec![
        (write(d, "empty.xlsx", b""), "empty-file"),
        (write(d, "notes.xlsx", "这不是表格".as_bytes()), "not-a-workbook"),
        (write(d, "truncated.xlsx", &zip[..zip.len() / 2]), "unreadable"),
        (write(d, "cfb.xls", &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0]), "unreadable"),
        (
            write(d, "noheader.xlsx", &{
                let mut b = rust_xlsxwriter::Workbook::new();
                b.add_worksheet().write(0, 0, "会议纪要").unwrap();
                b.save_to_buffer().unwrap()
            }),
            "no-scorecard",
        ),
        (d.join("vanished.xlsx"), "unreadable"),
    ];
    let mut files: Vec<PathBuf> = cases.iter().map(|(p, _)| p.clone()).collect();
    files.push(good.clone());
    let results = score_files(rubric(), &files);
    assert_eq!(results.len(), files.len());
    for ((_, code), r) in cases.iter().zip(&results) {
        assert!(!r.ok());
        let errs = errors(r);
        assert_eq!(errs.len(), 1, "{}: {errs:#?}", r.file);
        assert_eq!(errs[0].code, *code, "{}", r.file);
        assert!(!errs[0].message.is_empty());
    }
    assert!(results.last().unwrap().ok(), "the good file after the bad ones is scored");
}
