//! Rubric versions side by side, mixed-rubric summaries and the provincial
//! roll-up, with the real built components (changzhi-2023, the example 2024
//! revision, the example township rubric, and test components with a tampered
//! digest and an older interface version).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use calamine::Reader;
use common::{Layout, full_marks, handmade_xlsx, set};
use kaohe::runtime::{LoadedRubric, Runtime};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn kaohe(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kaohe")).args(args).env_remove("KAOHE_RUBRIC_DIR").output().unwrap()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)))
}

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn builtin(id: &str) -> &'static [u8] {
    kaohe::BUILTIN_COMPONENTS.iter().find(|(n, _)| n.contains(&id.replace('-', "_"))).unwrap().1
}

fn changzhi() -> (Runtime, LoadedRubric) {
    let rt = Runtime::new(Default::default()).unwrap();
    let r = rt.load(kaohe::BUILTIN_RUBRIC, "built-in").unwrap();
    (rt, r)
}

#[test]
fn compare_reports_rubric_changes_and_unit_deltas_by_number() {
    let dir = tempfile::tempdir().unwrap();
    let (_rt, r) = changzhi();
    // Full marks, item 4 at 2 of 4, bonus 64 reached, four person-times of 65.1.
    let mut v = full_marks(&r.info);
    set(&mut v, "4", 2.0);
    set(&mut v, "64", 1.0);
    set(&mut v, "65", -10.0);
    let p = dir.path().join("unit.xlsx");
    std::fs::write(&p, handmade_xlsx(&r.info, &Layout::seed("评分表", &[("被考核单位：黎城县退役军人服务中心", None)]), &v)).unwrap();
    let o = kaohe(&["compare", "--json", "--rubric", "changzhi-2023", "--rubric", "changzhi-2024-example", s(&p)]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let j = json(&o);
    let changes: Vec<(String, String, String, String)> = j["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["code"].as_str().unwrap().into(), c["item"].as_str().unwrap().into(), c["a"].as_str().unwrap().into(), c["b"].as_str().unwrap().into()))
        .collect();
    let has = |code: &str, item: &str, a: &str, b: &str| changes.iter().any(|c| c.0 == code && c.1 == item && c.2 == a && c.3 == b);
    assert!(has("reweighted", "4", "4", "3"), "{changes:#?}");
    assert!(has("reweighted", "12", "3", "4"));
    assert!(has("moved", "22", "机构建设", "能力建设"));
    assert!(has("rule-changed", "65.1", "每人次扣3分，最多扣10分", "每人次扣3分，最多扣12分"));
    assert!(has("category-max", "机构建设", "23", "22"));
    assert!(has("bands-changed", "", "优秀≥90、良好≥80、合格≥60、不合格", "优秀≥92、良好≥82、合格≥65、不合格"));
    assert!(changes.iter().any(|c| c.0 == "reworded" && c.1 == "33"));
    assert!(changes.iter().any(|c| c.0 == "item-added" && c.1 == "71"));
    assert!(changes.iter().any(|c| c.0 == "levels-changed" && c.1 == "64"));

    // Under A: 100 − 2 + 1 − 10 = 89 (良好). (The hand-made sheet's 65 holds points,
    // so B's changed cap for 65.1 does not apply here.)
    let u = &j["units"][0];
    assert_eq!(u["a"]["total"].as_f64(), Some(89.0));
    assert_eq!(u["a"]["grade"], "良好");
    // B: 组织领导: items 4 (1.5 of 3) and 12 (3 of 3 → 4 of 4) → 31 − 1.5 = 29.5;
    // 机构建设 23 − 1 = 22 (item 22 moved out); 能力建设 4 + 1 = 5; others unchanged:
    // base 29.5 + 22 + 5 + 13 + 29 = 98.5; adjustment 2 − 10 = −8; total 90.5 (良好 under B's bands).
    let cat = |side: &str, name: &str| u[side]["categories"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap()["score"].as_f64().unwrap();
    assert_eq!(cat("b", "组织领导"), 29.5);
    assert_eq!(cat("b", "机构建设"), 22.0);
    assert_eq!(cat("b", "能力建设"), 5.0);
    assert_eq!(u["b"]["adjustment"].as_f64(), Some(-8.0));
    assert_eq!(u["b"]["total"].as_f64(), Some(90.5));
    assert_eq!(u["b"]["grade"], "良好");
    assert_eq!(u["delta"]["total"].as_f64(), Some(1.5));
    let conv: Vec<&Value> = u["b"]["findings"].as_array().unwrap().iter().filter(|f| f["code"] == "converted").collect();
    let conv_items: Vec<&str> = conv.iter().map(|f| f["item"].as_str().unwrap()).collect();
    assert_eq!(conv_items, ["4", "12", "64"]);
    // The item B added and the workbook lacks is a finding, never a silent zero.
    assert!(u["b"]["findings"].as_array().unwrap().iter().any(|f| f["code"] == "missing-item" && f["item"] == "71"));
}

#[test]
fn compare_on_the_samples_accounts_for_every_delta() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("compare.xlsx");
    let o = kaohe(&["compare", "--json", "--rubric", "changzhi-2023", "--rubric", "changzhi-2024-example", s(&samples().join("长治市")), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let j = json(&o);
    let units = j["units"].as_array().unwrap();
    assert_eq!(units.len(), 12);
    for u in units {
        let d = &u["delta"];
        let cats: f64 = d["categories"].as_array().unwrap().iter().map(|c| c["delta"].as_f64().unwrap()).sum();
        let total = d["total"].as_f64().unwrap();
        assert!((cats + d["adjustment"].as_f64().unwrap() - total).abs() < 1e-9, "{}", u["center"]);
        assert!((u["b"]["total"].as_f64().unwrap() - u["a"]["total"].as_f64().unwrap() - total).abs() < 1e-9);
    }
    // 上党区 had four person-times of 越级进京上访: 12 points under B's cap of 12, 10 under A's.
    let shangdang = units.iter().find(|u| u["county"] == "上党区").unwrap();
    assert_eq!(shangdang["delta"]["adjustment"].as_f64(), Some(-2.0));
    let mut book = calamine::open_workbook_auto(&out).unwrap();
    assert_eq!(book.sheet_names(), ["评分标准变化", "对比", "问题清单", "图表"]);
    let r = book.worksheet_range("对比").unwrap();
    assert_eq!(r.get_value((1, 2)).unwrap().to_string(), "组织领导(A)");
}

#[test]
fn one_summary_mixes_county_and_township_rubrics() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mixed.xlsx");
    let o = kaohe(&[
        "score",
        "--json",
        "--rubric",
        "changzhi-2023",
        "--rubric",
        "township-example",
        s(&samples().join("长治市")),
        s(&samples().join("长治市-乡镇（示例）")),
        "-o",
        s(&out),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let j = json(&o);
    let results = j["results"].as_array().unwrap();
    assert_eq!(results.len(), 15);
    let township: Vec<&Value> = results.iter().filter(|r| r["rubric"]["id"] == "township-example").collect();
    assert_eq!(township.len(), 3);
    assert!(township.iter().all(|r| r["file"].as_str().unwrap().contains("乡镇")));
    assert!(township.iter().all(|r| r["total"].as_f64().unwrap() <= 52.0));
    let mut book = calamine::open_workbook_auto(&out).unwrap();
    assert_eq!(book.sheet_names(), ["统计表", "评分明细", "评分明细-township-example", "问题清单", "图表"]);
    let t = book.worksheet_range("统计表").unwrap();
    let text = |r: u32, c: u32| t.get_value((r, c)).map(|d| d.to_string()).unwrap_or_default();
    let row = (4..19).find(|r| text(*r, 1) == "潞州区东街街道退役军人服务站").expect("township row");
    assert_eq!(text(row, 4), "", "能力建设 is not a township category");
    assert!(!text(row, 8).is_empty(), "总分");
    assert!(text(19, 1).contains("township-example 0.1.0") && text(19, 1).contains("3 个单位"), "{}", text(19, 1));
}

#[test]
fn province_sample_runs_out_of_the_box() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("province.xlsx");
    let o = kaohe(&["province", s(&samples().join("province/province.toml")), "-o", s(&out), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let j = json(&o);
    let names: Vec<&str> = j["cities"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["长治市", "晋城市（示例）", "阳泉市（示例）"]);
    assert_eq!(j["cities"][0]["units"], 15);
    assert_eq!(j["cities"][1]["rubrics"][0]["id"], "changzhi-2024-example");
    let mut book = calamine::open_workbook_auto(&out).unwrap();
    assert_eq!(book.sheet_names(), ["全省概览", "长治市", "晋城市（示例）", "阳泉市（示例）", "问题清单", "图表"]);
    let overview = book.worksheet_range("全省概览").unwrap();
    assert_eq!(overview.get_value((2, 1)).unwrap().to_string(), "changzhi-2023");
    assert_eq!(overview.get_value((3, 1)).unwrap().to_string(), "township-example");
}

#[test]
fn province_with_a_tampered_and_an_old_component_scores_the_other_cities() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = d.join("changzhi.wasm");
    std::fs::write(&good, builtin("changzhi-2023")).unwrap();
    let good_pin = kaohe(&["rubric", "pin", s(&good)]);
    assert_eq!(good_pin.status.code(), Some(0));
    let pin_line = String::from_utf8(good_pin.stdout).unwrap();
    let sha = pin_line.split("sha256 = \"").nth(1).unwrap().split('"').next().unwrap().to_string();
    assert_eq!(sha.len(), 64);
    // A component that was swapped after it was pinned.
    let tampered = d.join("tampered.wasm");
    let mut bytes = builtin("changzhi-2023").to_vec();
    let n = bytes.len();
    bytes[n - 10] ^= 0xff;
    std::fs::write(&tampered, &bytes).unwrap();
    // A component exporting an older interface version, correctly pinned.
    let old = d.join("old.wasm");
    std::fs::copy(kaohe_test_artifacts::OLD_INTERFACE, &old).unwrap();
    let old_sha = kaohe::runtime::hex(&Sha256::digest(std::fs::read(&old).unwrap()));
    for city in ["a", "b", "c"] {
        std::fs::create_dir(d.join(city)).unwrap();
        std::fs::copy(samples().join("长治市/沁县.xlsx"), d.join(city).join("沁县.xlsx")).unwrap();
    }
    let manifest = d.join("p.toml");
    std::fs::write(
        &manifest,
        format!(
            r#"province = "测试省"
[[cities]]
name = "甲市"
rubrics = [{{ path = "changzhi.wasm", sha256 = "{sha}" }}]
workbooks = ["a"]
[[cities]]
name = "乙市"
rubrics = [{{ path = "tampered.wasm", sha256 = "{sha}" }}]
workbooks = ["b"]
[[cities]]
name = "丙市"
rubrics = [{{ path = "old.wasm", sha256 = "{old_sha}" }}]
workbooks = ["c", "missing-folder"]
"#
        ),
    )
    .unwrap();
    let out = d.join("out.xlsx");
    let o = kaohe(&["province", s(&manifest), "--json", "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(1));
    let j = json(&o);
    let city = |k: usize| &j["cities"][k];
    assert_eq!(city(0)["scored"], 1);
    assert_eq!(city(0)["rubrics"][0]["sha256"].as_str(), Some(sha.as_str()));
    let problem = |k: usize, code: &str| {
        city(k)["problems"].as_array().unwrap().iter().find(|p| p["findings"][0]["code"] == code).cloned().unwrap_or_else(|| panic!("{code} in {}", city(k)))
    };
    let b = problem(1, "digest-mismatch");
    assert!(b["file"].as_str().unwrap().ends_with("tampered.wasm"));
    assert!(b["findings"][0]["message"].as_str().unwrap().starts_with("乙市"));
    let c = problem(2, "interface-version");
    assert!(c["file"].as_str().unwrap().ends_with("old.wasm"));
    assert!(c["findings"][0]["message"].as_str().unwrap().contains("kaohe:rubric/scorer@0.9.0"));
    assert!(problem(2, "missing-file")["file"].as_str().unwrap().ends_with("missing-folder"));
    // Their workbooks are still listed, as not scored.
    assert_eq!((city(1)["units"].as_u64(), city(1)["scored"].as_u64()), (Some(1), Some(0)));
    let mut book = calamine::open_workbook_auto(&out).unwrap();
    let f = book.worksheet_range("问题清单").unwrap();
    let rows: Vec<String> = (1..f.height() as u32).map(|r| f.get_value((r, 7)).unwrap().to_string()).collect();
    assert!(rows.contains(&"乙市".to_string()) && rows.contains(&"丙市".to_string()));
}

#[test]
fn rubric_show_describes_items_rules_and_bands() {
    let o = kaohe(&["rubric", "show", "changzhi-2023", "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let j = json(&o);
    assert_eq!(j["items"].as_array().unwrap().len(), 70);
    let item65 = j["items"].as_array().unwrap().iter().find(|i| i["id"] == "65").unwrap();
    let rule = &item65["scoring"]["rules"][0];
    assert_eq!((rule["id"].as_str(), rule["points_each"].as_f64(), rule["cap"].as_f64()), (Some("65.1"), Some(3.0), Some(10.0)));
    assert_eq!(j["bands"][0]["min"].as_f64(), Some(90.0));
    let text = String::from_utf8(kaohe(&["rubric", "show", "township-example"]).stdout).unwrap();
    assert!(text.contains("township-example 0.1.0") && text.contains("22.1") && text.contains("2 per 人次, cap 6"), "{text}");
}

#[test]
fn a_template_from_one_rubric_scored_under_another_is_matched_item_by_item() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t.xlsx");
    assert_eq!(kaohe(&["template", "--rubric", "township-example", "--center", "古韩镇退役军人服务站", "-o", s(&t)]).status.code(), Some(0));
    let o = kaohe(&["score", "--json", s(&t)]);
    assert_eq!(o.status.code(), Some(1));
    let j = json(&o);
    let f = j["results"][0]["findings"].as_array().unwrap();
    assert!(f.iter().any(|x| x["code"] == "rubric-mismatch"));
    assert!(f.iter().any(|x| x["code"] == "missing-item" && x["severity"] == "error" && x["item"] == "30"), "{f:#?}");
}
