//! Every unit in every workbook a clerk hands in is scored or named: several
//! scorecards per workbook, the wording real sheets use, points written as
//! text, the inspector's own totals, the same unit twice, and the roster of
//! units expected. With the real built component and real workbooks.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use calamine::{Data, Reader};
use common::{Cell, Layout, full_marks, handmade_book, handmade_ods_sheets, handmade_xlsx, set};
use kaohe::runtime::LoadedRubric;
use kaohe::score::{Severity, Status, UnitResult, score_file};
use kaohe::units::{Roster, check, tally};
use kaohe::workbook::words::{CENTER_LABELS, HEADER_WORDS, Role};
use serde_json::Value;

fn rubric() -> &'static LoadedRubric {
    common::changzhi()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn kaohe(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kaohe")).args(args).env_remove("KAOHE_RUBRIC_DIR").output().unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn codes(r: &UnitResult) -> Vec<&str> {
    r.findings.iter().map(|f| f.code.as_str()).collect()
}

fn total(r: &UnitResult) -> f64 {
    assert!(r.ok(), "{} {:?}: {:#?}", r.center, r.sheet, r.findings);
    r.assessment.as_ref().unwrap().total
}

/// A layout for one county's sheet: labelled, on a sheet named after it.
fn county_sheet(county: &str) -> Layout {
    let mut l = Layout::seed("县(区)退役军人服务中心考核评分表", &[]);
    l.labels = vec![(format!("被考核单位：{county}退役军人服务中心"), None)];
    l.sheet = county.to_string();
    l
}

/// Full marks with `off` points less on item 4 (max 4).
fn values(off: f64) -> Vec<(String, Cell)> {
    let mut v = full_marks(&rubric().info);
    set(&mut v, "4", 4.0 - off);
    v
}

#[test]
fn a_three_sheet_workbook_gives_three_units_with_their_own_totals() {
    let dir = tempfile::tempdir().unwrap();
    let sheets: Vec<(Layout, Vec<(String, Cell)>)> =
        [("潞州区", 0.0), ("上党区", 1.0), ("屯留区", 2.5)].iter().map(|(c, off)| (county_sheet(c), values(*off))).collect();
    let mut with_cover = sheets.clone();
    with_cover[0].0.cover_sheet = true; // a 填表说明 sheet first, skipped
    let p = write(dir.path(), "一周.xlsx", &handmade_book(&rubric().info, &with_cover));
    let units = score_file(rubric(), &p);
    let got: Vec<(&str, &str, Option<&str>, f64)> = units.iter().map(|r| (r.county.as_str(), r.center.as_str(), r.sheet.as_deref(), total(r))).collect();
    assert_eq!(
        got,
        [
            ("潞州区", "潞州区退役军人服务中心", Some("潞州区"), 100.0),
            ("上党区", "上党区退役军人服务中心", Some("上党区"), 99.0),
            ("屯留区", "屯留区退役军人服务中心", Some("屯留区"), 97.5),
        ]
    );
    for r in &units {
        assert!(r.findings.is_empty(), "{:#?}", r.findings);
    }

    // The same as ODS.
    let ods_values: Vec<Vec<(String, Cell)>> = [0.0, 1.0, 2.5].iter().map(|off| values(*off)).collect();
    let labels = [[("被考核单位：", "潞州区退役军人服务中心")], [("被考核单位：", "上党区退役军人服务中心")], [("被考核单位：", "屯留区退役军人服务中心")]];
    let sheets: Vec<common::OdsSheet<'_>> = vec![
        ("潞州区", "评分表", &labels[0][..], &ods_values[0][..]),
        ("上党区", "评分表", &labels[1][..], &ods_values[1][..]),
        ("屯留区", "评分表", &labels[2][..], &ods_values[2][..]),
    ];
    let p = write(dir.path(), "一周.ods", &handmade_ods_sheets(&rubric().info, &sheets));
    let units = score_file(rubric(), &p);
    let got: Vec<(&str, f64)> = units.iter().map(|r| (r.center.as_str(), total(r))).collect();
    assert_eq!(got, [("潞州区退役军人服务中心", 100.0), ("上党区退役军人服务中心", 99.0), ("屯留区退役军人服务中心", 97.5)]);
}

#[test]
fn a_wrong_score_on_sheet_2_makes_the_run_exit_1_naming_that_cell() {
    let dir = tempfile::tempdir().unwrap();
    let mut bad = values(0.0);
    set(&mut bad, "12", 5.0); // max 3
    let sheets = vec![(county_sheet("潞州区"), values(0.0)), (county_sheet("上党区"), bad), (county_sheet("屯留区"), values(1.0))];
    let p = write(dir.path(), "一周.xlsx", &handmade_book(&rubric().info, &sheets));
    let o = kaohe(&["score", "--json", s(&p)]);
    assert_eq!(o.status.code(), Some(1));
    let json: Value = serde_json::from_slice(&o.stdout).unwrap();
    let results = json["results"].as_array().unwrap();
    assert_eq!(results.len(), 3, "one result per unit");
    assert_eq!(results.iter().map(|r| r["ok"].as_bool().unwrap()).collect::<Vec<_>>(), [true, false, true]);
    let r = &results[1];
    assert_eq!(r["sheet"], "上党区");
    assert_eq!(r["status"], "not-scored");
    let f = &r["findings"][0];
    assert_eq!((f["code"].as_str(), f["sheet"].as_str(), f["item"].as_str()), (Some("out-of-range"), Some("上党区"), Some("12")));
    // Row of item 12 on the sheet: title, label, header, then items 1.. (E = 得分).
    assert_eq!(f["cell"], "E15");
    assert_eq!(results[2]["total"], 99.0);
    // And the text report counts units.
    let o = kaohe(&["score", s(&p)]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("上党区!E15") && stderr.contains("scored 2 of 3 units cleanly, from 1 files"), "{stderr}");
}

#[test]
fn a_blank_copy_before_the_filled_sheet_is_an_error_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let blank = county_sheet("上党区");
    let sheets = vec![(blank, vec![]), (county_sheet("潞州区"), values(0.5))];
    let p = write(dir.path(), "两张.xlsx", &handmade_book(&rubric().info, &sheets));
    let units = score_file(rubric(), &p);
    assert_eq!(units.len(), 2);
    let (b, f) = (&units[0], &units[1]);
    assert_eq!((b.center.as_str(), b.sheet.as_deref()), ("上党区退役军人服务中心", Some("上党区")));
    assert!(!b.ok() && b.assessment.is_none());
    assert_eq!(codes(b), ["not-filled"], "one finding, not 60 missing scores");
    assert_eq!(b.findings[0].severity, Severity::Error);
    assert_eq!((f.center.as_str(), total(f)), ("潞州区退役军人服务中心", 99.5));

    // A workbook of blank copies only is not clean either; one with no scorecard at all stays no-scorecard.
    let p = write(dir.path(), "空白.xlsx", &handmade_book(&rubric().info, &[(county_sheet("上党区"), vec![])]));
    assert_eq!(codes(&common::score_one(rubric(), &p)), ["not-filled"]);
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet().set_name("说明").unwrap().write(0, 0, "本文件没有评分表").unwrap();
    book.add_worksheet().set_name("汇总").unwrap().write(0, 0, "合计").unwrap();
    let p = write(dir.path(), "无表.xlsx", &book.save_to_buffer().unwrap());
    assert_eq!(codes(&common::score_one(rubric(), &p)), ["no-scorecard"]);
}

#[test]
fn every_header_word_is_read_as_its_role() {
    let dir = tempfile::tempdir().unwrap();
    let info = &rubric().info;
    let canonical = |role: Role| match role {
        Role::Id => "序号",
        Role::Score => "得分",
        Role::Max => "分值",
        Role::Content => "主要内容",
        Role::Standard => "工作标准",
        Role::Remark | Role::SelfScore | Role::Deducted => "",
    };
    for (role, words) in HEADER_WORDS {
        let name = canonical(*role);
        if name.is_empty() {
            continue;
        }
        for word in *words {
            let mut l = county_sheet("潞州区");
            l.rename = vec![(name, word)];
            let p = write(dir.path(), "w.xlsx", &handmade_xlsx(info, &l, &values(1.0)));
            let r = common::score_one(rubric(), &p);
            assert_eq!(total(&r), 99.0, "header word {word} for {name}");
        }
    }
    // 备注 / 扣分说明 / 说明 columns beside the table change nothing.
    for word in ["备注", "扣分说明", "说明"] {
        let mut l = county_sheet("潞州区");
        l.columns.push("备注");
        l.rename = vec![("备注", word)];
        let p = write(dir.path(), "w.xlsx", &handmade_xlsx(info, &l, &values(1.0)));
        assert_eq!(total(&common::score_one(rubric(), &p)), 99.0, "{word}");
    }
}

#[test]
fn self_assessed_and_deducted_columns() {
    let dir = tempfile::tempdir().unwrap();
    let info = &rubric().info;
    // Both: the inspector's column is scored, and a warning says so.
    let mut l = county_sheet("潞州区");
    l.columns = vec!["主要内容", "序号", "工作标准", "分值", "自评得分", "得分"];
    l.self_scores = values(0.0);
    let p = write(dir.path(), "both.xlsx", &handmade_xlsx(info, &l, &values(2.0)));
    let r = common::score_one(rubric(), &p);
    assert_eq!(total(&r), 98.0);
    let f = r.findings.iter().find(|f| f.code == "score-column").expect("a warning naming the column");
    assert!(f.message.contains("F列") && f.message.contains("E列"), "{}", f.message);
    // Only 自评: scored from it, with a warning that it is self-assessed.
    for word in ["自评得分", "自评分"] {
        let mut l = county_sheet("潞州区");
        l.columns = vec!["主要内容", "序号", "工作标准", "分值", "自评得分"];
        l.rename = vec![("自评得分", word)];
        l.self_scores = values(0.5);
        let p = write(dir.path(), "self.xlsx", &handmade_xlsx(info, &l, &[]));
        let r = common::score_one(rubric(), &p);
        assert_eq!(total(&r), 99.5, "{word}");
        assert!(codes(&r).contains(&"self-assessed"), "{word}: {:?}", codes(&r));
    }
    // A 扣分 column is never read as 得分: with 得分 beside it, 得分 is scored; alone, there is no scorecard.
    let mut l = county_sheet("潞州区");
    l.columns = vec!["序号", "工作标准", "分值", "扣分", "得分"];
    let p = write(dir.path(), "deducted.xlsx", &handmade_xlsx(info, &l, &values(1.0)));
    assert_eq!(total(&common::score_one(rubric(), &p)), 99.0);
    for word in ["扣分", "扣分情况"] {
        let mut l = county_sheet("潞州区");
        l.columns = vec!["序号", "工作标准", "分值", "得分"];
        l.rename = vec![("得分", word)];
        let p = write(dir.path(), "deducted-only.xlsx", &handmade_xlsx(info, &l, &values(1.0)));
        let r = common::score_one(rubric(), &p);
        assert_eq!(codes(&r), ["no-scorecard"], "{word}");
        assert!(r.findings[0].message.contains("扣分"), "{}", r.findings[0].message);
    }
}

#[test]
fn every_unit_label_names_the_unit_and_fallbacks_say_what_was_used() {
    let dir = tempfile::tempdir().unwrap();
    let info = &rubric().info;
    for label in CENTER_LABELS {
        for (text, value) in [(format!("{label}：沁县退役军人服务中心"), None), (label.to_string(), Some("沁县退役军人服务中心".to_string()))]
        {
            let mut l = county_sheet("评分表");
            l.labels = vec![(text.clone(), value)];
            let p = write(dir.path(), "某文件.xlsx", &handmade_xlsx(info, &l, &values(0.0)));
            let r = common::score_one(rubric(), &p);
            assert_eq!((r.center.as_str(), r.county.as_str()), ("沁县退役军人服务中心", "沁县"), "{text}");
            assert!(r.findings.is_empty(), "{text}: {:#?}", r.findings);
        }
    }
    // The most specific label wins wherever it is.
    let mut l = county_sheet("评分表");
    l.labels = vec![("单位：长治市退役军人事务局".into(), None), ("被考核单位：沁县退役军人服务中心".into(), None)];
    let p = write(dir.path(), "某文件.xlsx", &handmade_xlsx(info, &l, &values(0.0)));
    assert_eq!(common::score_one(rubric(), &p).center, "沁县退役军人服务中心");
    // No label: the sheet's name where it names a unit, else the file's; each a warning.
    let mut l = county_sheet("黎城县");
    l.labels = vec![];
    let p = write(dir.path(), "某文件.xlsx", &handmade_xlsx(info, &l, &values(0.0)));
    let r = common::score_one(rubric(), &p);
    assert_eq!((r.center.as_str(), r.county.as_str(), codes(&r)), ("黎城县", "黎城县", vec!["name-from-sheet"]));
    assert!(r.findings[0].message.contains("黎城县"));
    l.sheet = "Sheet1".into();
    let p = write(dir.path(), "襄垣县退役军人服务中心.xlsx", &handmade_xlsx(info, &l, &values(0.0)));
    let r = common::score_one(rubric(), &p);
    assert_eq!((r.center.as_str(), r.county.as_str(), codes(&r)), ("襄垣县退役军人服务中心", "襄垣县", vec!["name-from-file"]));
    assert!(r.ok(), "a fallback is a warning");
}

/// Score a sheet with `id` set to `v`; the result.
fn with_value(dir: &Path, id: &str, v: Cell) -> UnitResult {
    let mut vals = values(0.0);
    set(&mut vals, id, v);
    let p = write(dir, "v.xlsx", &handmade_xlsx(&rubric().info, &county_sheet("潞州区"), &vals));
    common::score_one(rubric(), &p)
}

#[test]
fn points_written_with_words_follow_one_rule() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Agreeing with the item's part: read, with a text-number warning.
    for (id, typed, expected) in [
        ("61", "加2分", 102.0),
        ("61", "+2", 102.0),
        ("66", "加 ５ 分", 105.0),
        ("65", "扣3分", 97.0),
        ("65", "减3分", 97.0),
        ("65", "-3", 97.0),
        ("65", "3分", 97.0),
        ("70", "扣2分", 98.0),
        ("4", "3.5分", 99.5),
        ("4", "３", 99.0),
    ] {
        let r = with_value(d, id, Cell::Text(typed.into()));
        assert_eq!(total(&r), expected, "{id} = {typed}");
        assert_eq!(codes(&r), ["text-number"], "{id} = {typed}");
    }
    // Contradicting it, or not a number at all: an error naming the cell and what was expected.
    for (id, typed, code, wanted) in [
        ("61", "扣2分", "contradicts-item", "加分项"),
        ("61", "-2", "contradicts-item", "加分项"),
        ("65", "加3分", "contradicts-item", "减分项"),
        ("65", "+3", "contradicts-item", "减分项"),
        ("4", "扣1分", "contradicts-item", "基础项"),
        ("4", "良好", "not-a-number", "基础项"),
        ("61", "是", "not-a-number", "加分项"),
        ("65", "√", "not-a-number", "减分项"),
    ] {
        let r = with_value(d, id, Cell::Text(typed.into()));
        assert!(!r.ok(), "{id} = {typed}");
        let f = r.findings.iter().find(|f| f.severity == Severity::Error).unwrap();
        assert_eq!((f.code.as_str(), f.item.as_deref()), (code, Some(id)), "{id} = {typed}");
        assert!(f.cell.is_some() && f.message.contains(wanted) && f.message.contains(typed.trim()), "{id} = {typed}: {}", f.message);
    }
}

#[test]
fn counts_in_a_template_take_a_unit_but_never_points() {
    let dir = tempfile::tempdir().unwrap();
    let info = &rubric().info;
    let mut unit = kaohe::render::template::Unit { center: "潞州区退役军人服务中心".into(), county: "潞州区".into(), ..Default::default() };
    for item in info.items.iter().filter(|i| i.required) {
        unit.values.insert(item.id.clone(), item.max_points);
    }
    let bytes = kaohe::render::template::build(rubric(), &unit).unwrap();
    // Put text into the 65.1 count cell (row of 65.1 in the template: the one after 65).
    let p = write(dir.path(), "t.xlsx", &bytes);
    let card = kaohe::workbook::read(&p).unwrap().cards.remove(0);
    let cell = card.rows["65.1"].cell();
    for (typed, ok) in [("2人次", true), ("2", true), ("扣3分", false), ("3分", false)] {
        let xml_bytes = common_set_cell(&bytes, &cell, typed);
        let p = write(dir.path(), "t.xlsx", &xml_bytes);
        let r = common::score_one(rubric(), &p);
        assert_eq!(r.ok(), ok, "65.1 = {typed}: {:#?}", r.findings);
        if ok {
            assert_eq!(total(&r), 100.0 - 6.0, "two person-times of 3 points");
        } else {
            assert!(r.findings.iter().any(|f| f.code == "contradicts-item" && f.message.contains("人次")), "{:#?}", r.findings);
        }
    }
}

/// The template's bytes with the cell at `cell` of its scorecard set to an inline string.
fn common_set_cell(bytes: &[u8], cell: &str, text: &str) -> Vec<u8> {
    common::with_part(bytes, "xl/worksheets/sheet1.xml", |xml| {
        let at = xml.find(&format!("<c r=\"{cell}\"")).unwrap();
        let open_end = at + xml[at..].find('>').unwrap() + 1;
        let end = if xml[..open_end].ends_with("/>") { open_end } else { open_end + xml[open_end..].find("</c>").unwrap() + 4 };
        let s_attr = xml[at..open_end].split(" s=\"").nth(1).map(|s| format!(" s=\"{}\"", s.split('"').next().unwrap())).unwrap_or_default();
        format!("{}<c r=\"{cell}\"{s_attr} t=\"inlineStr\"><is><t>{text}</t></is></c>{}", &xml[..at], &xml[end..])
    })
}

#[test]
fn typed_totals_are_checked_never_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let info = &rubric().info;
    let score = |l: &Layout| {
        let p = write(dir.path(), "t.xlsx", &handmade_xlsx(info, l, &values(1.0)));
        common::score_one(rubric(), &p)
    };
    // Right 总分 and 小计: no finding.
    let mut l = county_sheet("潞州区");
    l.total = Some(Cell::Num(99.0));
    l.subtotals = vec![("组织领导".into(), Cell::Num(30.0)), ("机构建设".into(), Cell::Num(23.0))];
    let r = score(&l);
    assert_eq!(total(&r), 99.0);
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    // A 总分 typed 2.5 points off: a warning naming the cell and both numbers; the computed total is reported.
    l.total = Some(Cell::Num(101.5));
    let r = score(&l);
    assert_eq!(total(&r), 99.0);
    let f = r.findings.iter().find(|f| f.code == "typed-total-differs").expect("typed-total-differs");
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.message.contains("101.5") && f.message.contains("99") && f.message.contains("2.5"), "{}", f.message);
    let cell = f.cell.clone().unwrap();
    assert!(f.message.contains(&cell), "{}", f.message);
    // Typed as text that agrees: still no finding about it.
    l.total = Some(Cell::Text("99分".into()));
    assert!(score(&l).findings.is_empty());
    // The right number with the wrong sign is wrong (only points taken off may be typed either way).
    l.total = Some(Cell::Num(-99.0));
    assert!(score(&l).findings.iter().any(|f| f.code == "typed-total-differs"), "-99 is not 99");
    // A wrong 小计 of 组织领导 (31 − 1 = 30).
    l.total = None;
    l.subtotals = vec![("组织领导".into(), Cell::Num(31.0))];
    let r = score(&l);
    let f: Vec<_> = r.findings.iter().filter(|f| f.code == "typed-total-differs").collect();
    assert_eq!(f.len(), 1, "{:#?}", r.findings);
    assert!(f[0].message.contains("小计") && f[0].message.contains("31") && f[0].message.contains("30"), "{}", f[0].message);
    // A row naming a category with a number in the 得分 column is its subtotal too.
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.write(0, 0, "被考核单位：潞州区退役军人服务中心").unwrap();
    for (c, h) in ["序号", "工作标准", "得分"].iter().enumerate() {
        ws.write(1, c as u16, *h).unwrap();
    }
    let mut row = 2;
    for item in info.items.iter().filter(|i| i.required) {
        ws.write(row, 0, item.id.parse::<f64>().unwrap()).unwrap();
        ws.write(row, 2, if item.id == "4" { 3.0 } else { item.max_points }).unwrap();
        row += 1;
        if item.id == "13" {
            ws.write(row, 1, "组织领导").unwrap();
            ws.write(row, 2, 29.0).unwrap(); // should be 30
            row += 1;
        }
    }
    let p = write(dir.path(), "named.xlsx", &book.save_to_buffer().unwrap());
    let r = common::score_one(rubric(), &p);
    assert_eq!(total(&r), 99.0);
    let f = r.findings.iter().find(|f| f.code == "typed-total-differs").expect("a category row is checked");
    assert!(f.message.contains("组织领导") && f.message.contains("29") && f.message.contains("30"), "{}", f.message);
}

#[test]
fn the_same_unit_twice_is_an_error_on_each_copy_and_counted_once() {
    let dir = tempfile::tempdir().unwrap();
    let info = &rubric().info;
    // Across files: two workbooks for 潞州区, one for 上党区.
    let a = write(dir.path(), "a.xlsx", &handmade_xlsx(info, &county_sheet("潞州区"), &values(0.0)));
    let b = write(dir.path(), "b.xlsx", &handmade_xlsx(info, &county_sheet("潞州区"), &values(1.0)));
    // Across sheets: 上党区 twice in one workbook.
    let c = write(
        dir.path(),
        "c.xlsx",
        &handmade_book(
            info,
            &[
                (county_sheet("上党区"), values(0.0)),
                (
                    {
                        let mut l = county_sheet("上党区");
                        l.sheet = "上党区(2)".into();
                        l
                    },
                    values(0.0),
                ),
            ],
        ),
    );
    // 屯留区 once, beside a blank copy of its form: a blank copy is not a second scorecard.
    let d = write(
        dir.path(),
        "d.xlsx",
        &handmade_book(
            info,
            &[
                (county_sheet("屯留区"), vec![]),
                (
                    {
                        let mut l = county_sheet("屯留区");
                        l.sheet = "填好的".into();
                        l
                    },
                    values(0.0),
                ),
            ],
        ),
    );
    let files = vec![a.clone(), b.clone(), c.clone(), d];
    let mut results = kaohe::score::score_files(rubric(), &files);
    check(&mut results, &[rubric()], None);
    let status: Vec<(&str, Status)> = results.iter().map(|r| (r.center.as_str(), r.status())).collect();
    assert_eq!(
        status,
        [
            ("潞州区退役军人服务中心", Status::Duplicate),
            ("潞州区退役军人服务中心", Status::Duplicate),
            ("上党区退役军人服务中心", Status::Duplicate),
            ("上党区退役军人服务中心", Status::Duplicate),
            ("屯留区退役军人服务中心", Status::NotScored),
            ("屯留区退役军人服务中心", Status::Scored),
        ]
    );
    assert_eq!(codes(&results[4]), ["not-filled"]);
    let dup = |r: &UnitResult| r.findings.iter().find(|f| f.code == "duplicate-unit").unwrap().message.clone();
    assert!(dup(&results[0]).contains(s(&b)), "names the other copy: {}", dup(&results[0]));
    assert!(dup(&results[1]).contains(s(&a)));
    assert!(dup(&results[2]).contains("上党区(2)") && dup(&results[3]).contains("“上党区”"), "{}", dup(&results[2]));
    assert!(results.iter().take(4).all(|r| !r.ok()));
    let t = tally(&results);
    assert_eq!((t.units, t.scored, t.duplicated, t.copies), (4, 1, 2, 4), "each unit counted once (the blank copy is a unit of its own)");

    // In the summary: the copies marked 重复; the run exits 1.
    let out = dir.path().join("summary.xlsx");
    let o = kaohe(&["score", s(&a), s(&b), s(&c), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("scored 0 of 2 units cleanly") && stderr.contains("2 handed in more than once (4 copies)"), "{stderr}");
    let t: calamine::Range<Data> = calamine::open_workbook_auto(&out).unwrap().worksheet_range("统计表").unwrap();
    let grades: Vec<String> = (4..8).map(|r| t.get_value((r, 9)).unwrap().to_string()).collect();
    assert_eq!(grades, ["重复"; 4]);
    assert!(t.get_value((8, 1)).unwrap().to_string().contains("2 个单位重复提交（共 4 份，均未计入）"));
}

#[test]
fn a_roster_names_the_missing_and_the_extra_units() {
    let dir = tempfile::tempdir().unwrap();
    let info = &rubric().info;
    let mut l = county_sheet("沁源县");
    l.labels = vec![("被考核单位：沁源县退役军人服务中心（示例）".into(), None)];
    let files = vec![
        write(dir.path(), "潞州区.xlsx", &handmade_xlsx(info, &county_sheet("潞州区"), &values(0.0))),
        write(dir.path(), "沁源县.xlsx", &handmade_xlsx(info, &l, &values(0.0))),
        write(dir.path(), "黎城县.xlsx", &handmade_xlsx(info, &county_sheet("黎城县"), &values(0.0))),
    ];
    // 沁源县 in the roster with half-width brackets and a space; 上党区 expected but missing; 黎城县 not listed.
    let roster_path = write(
        dir.path(),
        "名册.csv",
        "县(市、区),单位名称\n潞州区,潞州区退役军人服务中心\n上党区,上党区退役军人服务中心\n沁源县,沁源县退役军人服务中心 (示例)\n".as_bytes(),
    );
    let roster = Roster::load(&roster_path).unwrap();
    let mut results = kaohe::score::score_files(rubric(), &files);
    check(&mut results, &[rubric()], Some(&roster));
    let status: Vec<(&str, Status, Vec<&str>)> = results.iter().map(|r| (r.center.as_str(), r.status(), codes(r))).collect();
    assert_eq!(
        status,
        [
            ("潞州区退役军人服务中心", Status::Scored, vec![]),
            ("沁源县退役军人服务中心(示例)", Status::Scored, vec![]),
            ("黎城县退役军人服务中心", Status::Scored, vec!["not-on-roster"]),
            ("上党区退役军人服务中心", Status::NotSubmitted, vec!["not-submitted"]),
        ]
    );
    let missing = &results[3];
    assert_eq!((missing.file.as_str(), missing.findings[0].cell.as_deref()), (s(&roster_path), Some("B3")));
    assert_eq!(missing.findings[0].severity, Severity::Error);
    assert_eq!(results[2].findings[0].severity, Severity::Warning);

    // The CLI: 未提交 in 统计表, exit 1; an xlsx roster beside the inputs is never read as a scorecard.
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    for (r, (county, name)) in
        [("县（市、区）", "服务（中心）站名称"), ("潞州区", "潞州区退役军人服务中心"), ("上党区", "上党区退役军人服务中心")].iter().enumerate()
    {
        ws.write(r as u32, 0, *county).unwrap();
        ws.write(r as u32, 1, *name).unwrap();
    }
    let xlsx_roster = write(dir.path(), "名册.xlsx", &book.save_to_buffer().unwrap());
    let out = dir.path().join("out").join("summary.xlsx");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let o = kaohe(&["score", s(dir.path()), "--roster", s(&xlsx_roster), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("1 on the roster not submitted") && stderr.contains("not-on-roster"), "{stderr}");
    let t: calamine::Range<Data> = calamine::open_workbook_auto(&out).unwrap().worksheet_range("统计表").unwrap();
    let rows: Vec<(String, String)> =
        (4..t.height() as u32 - 1).map(|r| (t.get_value((r, 1)).unwrap().to_string(), t.get_value((r, 9)).unwrap().to_string())).collect();
    assert_eq!(
        rows,
        [
            ("沁源县退役军人服务中心(示例)".to_string(), "优秀".to_string()),
            ("潞州区退役军人服务中心".into(), "优秀".into()),
            ("黎城县退役军人服务中心".into(), "优秀".into()),
            ("上党区退役军人服务中心".into(), "未提交".into()),
        ]
    );
    // A roster that cannot be read is a usage error.
    let o = kaohe(&["score", s(dir.path()), "--roster", s(&dir.path().join("none.csv"))]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_template_per_roster_unit_never_over_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let roster = write(dir.path(), "名册.csv", "县(市、区),单位名称\n潞州区,潞州区退役军人服务中心\n沁县,沁县退役军人服务中心\n".as_bytes());
    let out = dir.path().join("模板");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("沁县退役军人服务中心.xlsx"), b"an inspector's work").unwrap();
    let o = kaohe(&["template", "--roster", s(&roster), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read(out.join("沁县退役军人服务中心.xlsx")).unwrap(), b"an inspector's work");
    let r = common::score_one(rubric(), &out.join("潞州区退役军人服务中心.xlsx"));
    assert_eq!((r.center.as_str(), r.county.as_str()), ("潞州区退役军人服务中心", "潞州区"));
    assert_eq!(codes(&r), ["not-filled"], "a blank template is not a score of 0");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("wrote 1 templates") && stderr.contains("kept 1"), "{stderr}");
    assert_eq!(kaohe(&["template", "--roster", s(&roster), "-o", s(&out), "--force"]).status.code(), Some(2));
}

/// Shuffling the order of sheets in a workbook never changes any unit's result.
mod shuffled {
    use super::*;
    use proptest::prelude::*;

    type Key = (String, String, Option<String>, Option<f64>, Vec<(kaohe::Code, Option<String>, Option<String>)>);

    fn result_key(r: &UnitResult) -> Key {
        let mut f: Vec<_> = r.findings.iter().map(|f| (f.code, f.cell.clone(), f.item.clone())).collect();
        f.sort();
        (r.center.clone(), r.county.clone(), r.sheet.clone(), r.assessment.as_ref().map(|a| a.total), f)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]
        #[test]
        fn sheet_order_never_changes_a_unit(order in Just((0..5usize).collect::<Vec<_>>()).prop_shuffle(), offs in proptest::collection::vec(0u8..5, 5)) {
            let dir = tempfile::tempdir().unwrap();
            let counties = ["潞州区", "上党区", "屯留区", "黎城县", "沁县"];
            let sheet = |k: usize| -> (Layout, Vec<(String, Cell)>) {
                let mut l = county_sheet(counties[k]);
                match k {
                    // A blank copy, a sheet named only by its name, a wrong typed total, a wrong score.
                    1 => return (l, vec![]),
                    2 => l.labels = vec![],
                    3 => l.total = Some(Cell::Num(50.0)),
                    _ => {}
                }
                let mut v = values(offs[k] as f64 * 0.5);
                if k == 4 {
                    set(&mut v, "12", 9.0);
                }
                (l, v)
            };
            let natural: Vec<_> = (0..5).map(sheet).collect();
            let shuffled: Vec<_> = order.iter().map(|&k| sheet(k)).collect();
            let a = write(dir.path(), "a.xlsx", &handmade_book(&rubric().info, &natural));
            let b = write(dir.path(), "b.xlsx", &handmade_book(&rubric().info, &shuffled));
            let mut ra: Vec<_> = score_file(rubric(), &a).iter().map(result_key).collect();
            let mut rb: Vec<_> = score_file(rubric(), &b).iter().map(result_key).collect();
            prop_assert_eq!(ra.len(), 5);
            ra.sort_by(|x, y| x.2.cmp(&y.2));
            rb.sort_by(|x, y| x.2.cmp(&y.2));
            prop_assert_eq!(ra, rb);
        }
    }
}

#[test]
fn a_summary_sheet_beside_the_scorecards_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let info = &rubric().info;
    // A 汇总 sheet numbered 1, 2 with totals under 得分: a summary, not a scorecard.
    let summary = |book: &mut rust_xlsxwriter::Workbook| {
        let ws = book.add_worksheet().set_name("汇总").unwrap();
        for (r, row) in
            [["序号", "县(市、区)", "单位名称", "得分"], ["1", "潞州区", "潞州区退役军人服务中心", "100"], ["2", "上党区", "上党区退役军人服务中心", "99"]]
                .iter()
                .enumerate()
        {
            for (c, v) in row.iter().enumerate() {
                match v.parse::<f64>() {
                    Ok(n) => ws.write(r as u32, c as u16, n).unwrap(),
                    Err(_) => ws.write(r as u32, c as u16, *v).unwrap(),
                };
            }
        }
    };
    let sheets = vec![(county_sheet("潞州区"), values(0.0)), (county_sheet("上党区"), values(1.0))];
    let p = write(dir.path(), "两县.xlsx", &common::handmade_book_with(info, &sheets, summary));
    let units = score_file(rubric(), &p);
    assert_eq!(units.iter().map(|r| (r.sheet.as_deref(), total(r))).collect::<Vec<_>>(), [(Some("潞州区"), 100.0), (Some("上党区"), 99.0)]);
    let p = write(dir.path(), "汇总.xlsx", &common::handmade_book_with(info, &[], summary));
    assert_eq!(codes(&common::score_one(rubric(), &p)), ["no-scorecard"], "a summary alone is no scorecard");
}

#[test]
fn compare_and_province_take_a_roster_and_count_units() {
    let dir = tempfile::tempdir().unwrap();
    let info = &rubric().info;
    let city = dir.path().join("长治市");
    std::fs::create_dir_all(&city).unwrap();
    // One workbook with two counties; 上党区 on the roster never came.
    let sheets = vec![(county_sheet("潞州区"), values(0.0)), (county_sheet("屯留区"), values(1.0))];
    write(&city, "两县.xlsx", &handmade_book(info, &sheets));
    let roster = write(
        dir.path(),
        "名册.csv",
        "县(市、区),单位名称\n潞州区,潞州区退役军人服务中心\n上党区,上党区退役军人服务中心\n屯留区,屯留区退役军人服务中心\n".as_bytes(),
    );

    let o = kaohe(&["compare", "--rubric", "changzhi-2023", "--rubric", "changzhi-2024-example", "--roster", s(&roster), "--json", s(&city)]);
    assert_eq!(o.status.code(), Some(1));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    let units = j["units"].as_array().unwrap();
    assert_eq!(units.len(), 3);
    assert_eq!(
        (units[2]["center"].as_str(), units[2]["a"]["ok"].as_bool(), units[2]["b"]["ok"].as_bool()),
        (Some("上党区退役军人服务中心"), Some(false), Some(false))
    );
    assert_eq!(units[2]["a"]["findings"][0]["code"], "not-submitted");
    assert_eq!(units[1]["sheet"], "屯留区");

    let manifest = write(
        dir.path(),
        "province.toml",
        "province = \"测试省\"\n[[cities]]\nname = \"长治市\"\nrubrics = [\"builtin:changzhi-2023\"]\nworkbooks = [\"长治市\"]\nroster = \"名册.csv\"\n"
            .as_bytes(),
    );
    let out = dir.path().join("province.xlsx");
    let o = kaohe(&["province", s(&manifest), "--json", "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(1), "a roster unit not submitted is an error");
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    let c = &j["cities"][0];
    assert_eq!((c["units"].as_u64(), c["scored"].as_u64(), c["not_submitted"].as_u64()), (Some(3), Some(2), Some(1)), "{c:#}");
    let overview: calamine::Range<Data> = calamine::open_workbook_auto(&out).unwrap().worksheet_range("全省概览").unwrap();
    let header: Vec<String> = (4..9).map(|col| overview.get_value((1, col)).unwrap().to_string()).collect();
    assert_eq!(header, ["单位数", "已评分", "未评分", "重复", "未提交"]);
    let row: Vec<String> = (4..9).map(|col| overview.get_value((2, col)).unwrap().to_string()).collect();
    assert_eq!(row, ["3", "2", "0", "0", "1"]);
}

#[test]
fn tables_of_several_units_stacked_on_one_sheet_are_each_a_unit() {
    let dir = tempfile::tempdir().unwrap();
    let info = &rubric().info;
    for repeat_header in [true, false] {
        let mut book = rust_xlsxwriter::Workbook::new();
        let ws = book.add_worksheet();
        let mut r = 0;
        ws.write(r, 0, "县(区)退役军人服务中心考核评分表").unwrap();
        r += 1;
        for (k, (county, off)) in [("潞州区", 0.0), ("上党区", 1.5)].iter().enumerate() {
            ws.write(r, 0, format!("被考核单位：{county}退役军人服务中心")).unwrap();
            r += 1;
            if k == 0 || repeat_header {
                for (c, h) in ["序号", "工作标准", "分值", "得分"].iter().enumerate() {
                    ws.write(r, c as u16, *h).unwrap();
                }
                r += 1;
            }
            for item in info.items.iter().filter(|i| i.required) {
                ws.write(r, 0, item.id.parse::<f64>().unwrap()).unwrap();
                ws.write(r, 2, item.max_points).unwrap();
                ws.write(r, 3, if item.id == "4" { 4.0 - off } else { item.max_points }).unwrap();
                r += 1;
            }
            ws.write(r, 0, "总分").unwrap();
            ws.write(r, 3, 100.0 - off).unwrap();
            r += 1;
        }
        ws.write(r, 0, "检查单位：长治市退役军人事务局").unwrap();
        let p = write(dir.path(), "叠放.xlsx", &book.save_to_buffer().unwrap());
        let units = score_file(rubric(), &p);
        let got: Vec<(&str, f64)> = units.iter().map(|u| (u.center.as_str(), total(u))).collect();
        assert_eq!(got, [("潞州区退役军人服务中心", 100.0), ("上党区退役军人服务中心", 98.5)], "header repeated: {repeat_header}");
        // Only 1–60 are written: 61–70 are missing-item warnings, nothing else (the typed 总分 agree).
        assert!(units.iter().all(|u| u.findings.iter().all(|f| f.code == "missing-item")), "{:#?}", units.iter().map(|u| &u.findings).collect::<Vec<_>>());
    }
}

#[test]
fn a_score_header_merged_over_self_and_inspector_columns_scores_the_inspectors() {
    let dir = tempfile::tempdir().unwrap();
    let info = &rubric().info;
    for (subs, expected, code) in
        [(["自评", "检查组"], 99.0, "score-column"), (["自评得分", "考核得分"], 99.0, "score-column"), (["自评", ""], 100.0, "self-assessed")]
    {
        let mut book = rust_xlsxwriter::Workbook::new();
        let ws = book.add_worksheet();
        ws.write(0, 0, "被考核单位：潞州区退役军人服务中心").unwrap();
        for (c, h) in ["序号", "工作标准", "分值", "得分"].iter().enumerate() {
            ws.write(1, c as u16, *h).unwrap();
        }
        ws.merge_range(1, 3, 1, 4, "得分", &rust_xlsxwriter::Format::new()).unwrap();
        ws.write(2, 3, subs[0]).unwrap();
        if !subs[1].is_empty() {
            ws.write(2, 4, subs[1]).unwrap();
        }
        for (k, item) in info.items.iter().filter(|i| i.required).enumerate() {
            let r = 3 + k as u32;
            ws.write(r, 0, item.id.parse::<f64>().unwrap()).unwrap();
            ws.write(r, 2, item.max_points).unwrap();
            ws.write(r, 3, item.max_points).unwrap(); // the unit's own: full marks
            if !subs[1].is_empty() {
                ws.write(r, 4, if item.id == "4" { 3.0 } else { item.max_points }).unwrap(); // the inspectors': 1 off
            }
        }
        let p = write(dir.path(), "merged.xlsx", &book.save_to_buffer().unwrap());
        let r = common::score_one(rubric(), &p);
        assert_eq!(total(&r), expected, "{subs:?}");
        assert!(codes(&r).contains(&code), "{subs:?}: {:?}", codes(&r));
    }
}
