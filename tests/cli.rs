//! The `kaohe` binary end to end: the shipped samples, the summary workbook's
//! layout, `--json`, exit codes, rubric loading, and outputs that never
//! overwrite inputs.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use calamine::{Data, Reader};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn kaohe(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kaohe")).args(args).env_remove("KAOHE_RUBRIC_DIR").output().unwrap()
}

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/长治市")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn sheet(path: &Path, name: &str) -> calamine::Range<Data> {
    let mut book = calamine::open_workbook_auto(path).unwrap();
    book.worksheet_range(name).unwrap()
}

fn text(r: &calamine::Range<Data>, row: u32, col: u32) -> String {
    r.get_value((row, col)).map(|d| d.to_string()).unwrap_or_default()
}

#[test]
fn samples_give_the_attachment_2_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("summary.xlsx");
    let o = kaohe(&["score", s(&samples()), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));

    let book = calamine::open_workbook_auto(&out).unwrap();
    // 统计表 first as attachment 2 has it; the workbook opens on 图表 (its charts).
    assert_eq!(book.sheet_names(), ["统计表", "评分明细", "问题清单", "图表"]);
    let mut z = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
    let mut wb = String::new();
    std::io::Read::read_to_string(&mut z.by_name("xl/workbook.xml").unwrap(), &mut wb).unwrap();
    assert!(wb.contains("activeTab=\"3\""), "{wb}");
    let t = sheet(&out, "统计表");
    assert_eq!(text(&t, 1, 0), "基层服务中心量化考核情况统计表");
    assert_eq!(text(&t, 2, 0), "填表单位：长治市退役军人事务局");
    assert!(text(&t, 2, 5).starts_with("时间："));
    let headers: Vec<String> = (0..10).map(|c| text(&t, 3, c)).collect();
    assert_eq!(headers, ["县(市、区)", "服务(中心)站名称", "组织领导", "机构建设", "能力建设", "政治文化", "服务保障", "加分减分", "总分", "考核结果"]);
    let mut counties: Vec<String> = (4..16).map(|r| text(&t, r, 0)).collect();
    counties.sort();
    let mut expected = ["潞州区", "上党区", "屯留区", "潞城区", "襄垣县", "平顺县", "黎城县", "壶关县", "长子县", "武乡县", "沁县", "沁源县"];
    expected.sort();
    assert_eq!(counties, expected);
    assert_eq!(text(&t, 16, 0), "备注");
    assert!(text(&t, 16, 1).contains("考核结果仅限本系统内部使用"));
    // Every row: the categories plus 加分减分 make 总分, and the grade matches the bands.
    for r in 4..16 {
        let num = |c| match t.get_value((r, c)) {
            Some(Data::Float(f)) => *f,
            other => panic!("row {r} col {c}: {other:?}"),
        };
        let parts: f64 = (2..8).map(num).sum();
        assert!((parts - num(8)).abs() < 1e-9, "row {r}");
        let total = num(8);
        let grade = if total >= 90.0 {
            "优秀"
        } else if total >= 80.0 {
            "良好"
        } else if total >= 60.0 {
            "合格"
        } else {
            "不合格"
        };
        assert_eq!(text(&t, r, 9), grade);
    }
    let detail = sheet(&out, "评分明细");
    assert_eq!(text(&detail, 0, 1), "工作表");
    assert_eq!(text(&detail, 1, 1), "评分表", "the sheet each unit was read from");
    assert_eq!(text(&detail, 0, 5), "评分标准");
    assert_eq!(text(&detail, 1, 5), "changzhi-2023");
    assert_eq!(text(&detail, 1, 7).len(), 64, "component SHA-256 on each row");
    // Per-item points survive the compact result rows: 上党区 had four person-times of 65.1.
    let col = |h: &str| (0..detail.width() as u32).find(|c| text(&detail, 0, *c) == h).unwrap_or_else(|| panic!("{h}"));
    let row = (1..detail.height() as u32).find(|r| text(&detail, *r, 2) == "上党区").unwrap();
    assert_eq!(detail.get_value((row, col("分项65.1扣分"))), Some(&Data::Float(10.0)));
    assert_eq!(detail.get_value((row, col("序号65"))), Some(&Data::Float(-10.0)));
    assert_eq!(detail.get_value((row, col("序号1"))), Some(&Data::Float(2.0)));
}

/// The template-made samples, added up from their cells the way a person with
/// a calculator would: 得分 of items 1–64 and 66–69, minus each sub-rule's count
/// times its points, capped.
#[test]
fn sample_totals_match_a_hand_calculation() {
    let caps: &[(&str, f64, f64)] = &[
        ("65.1", 3.0, 10.0),
        ("65.2", 10.0, 10.0),
        ("65.3", 1.0, 5.0),
        ("65.4", 5.0, 5.0),
        ("65.5", 1.0, 5.0),
        ("65.6", 2.0, 5.0),
        ("65.7", 5.0, 10.0),
        ("65.8", 1.0, 5.0),
        ("65.9", 1.0, 5.0),
        ("70.1", 3.0, 10.0),
        ("70.2", 2.0, 10.0),
    ];
    let o = kaohe(&["score", s(&samples()), "--json"]);
    let json: Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut checked = 0;
    for entry in std::fs::read_dir(samples()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name.contains('（') {
            continue; // hand-made layouts are checked in tests/scoring.rs
        }
        let r = sheet(&path, "评分表");
        let mut total = 0.0;
        for row in 3..r.height() as u32 {
            let id = text(&r, row, 1);
            let v = match r.get_value((row, 4)) {
                Some(Data::Float(f)) => *f,
                _ => 0.0,
            };
            if let Some((_, each, cap)) = caps.iter().find(|(k, _, _)| *k == id) {
                total -= (v * each).min(*cap);
            } else if let Ok(n) = id.parse::<u32>()
                && n != 65
                && n != 70
            {
                total += v;
            }
        }
        let result = json["results"].as_array().unwrap().iter().find(|x| x["file"].as_str().unwrap().ends_with(&name)).unwrap();
        assert_eq!(result["total"].as_f64().unwrap(), total, "{name}");
        checked += 1;
    }
    assert_eq!(checked, 5, "the samples in kaohe's template");
}

#[test]
fn json_has_the_documented_shape() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("坏表.xlsx");
    std::fs::write(&bad, b"not a workbook").unwrap();
    let good = samples().join("潞州区.xlsx");
    let o = kaohe(&["score", "--json", s(&bad), s(&good)]);
    assert_eq!(o.status.code(), Some(1));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["rubric"]["id"], "changzhi-2023");
    assert_eq!(j["rubric"]["version"], "1.0.0");
    assert_eq!(j["rubric"]["sha256"].as_str().unwrap().len(), 64);
    let results = j["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    // Results are sorted by path; where the temp dir sorts against the samples depends on
    // the machine, so find each by name.
    let by_name = |n: &str| results.iter().find(|r| r["file"].as_str().unwrap().ends_with(n)).unwrap();
    let b = by_name("坏表.xlsx");
    assert_eq!(b["ok"], false);
    assert!(b["total"].is_null() && b["grade"].is_null());
    assert_eq!(b["findings"][0]["severity"], "error");
    assert_eq!(b["findings"][0]["code"], "not-a-workbook");
    let g = by_name("潞州区.xlsx");
    assert_eq!(g["ok"], true);
    assert_eq!(g["county"], "潞州区");
    assert_eq!(g["center"], "潞州区退役军人服务中心");
    let cats = g["categories"].as_array().unwrap();
    assert_eq!(cats.len(), 5);
    assert_eq!(cats[0]["name"], "组织领导");
    assert_eq!(cats[0]["max"], 31.0);
    for k in ["bonus", "deduction", "special", "special_deduction", "adjustment", "total"] {
        assert!(g[k].is_f64(), "{k}");
    }
    let cat_sum: f64 = cats.iter().map(|c| c["score"].as_f64().unwrap()).sum();
    let adj = g["bonus"].as_f64().unwrap() - g["deduction"].as_f64().unwrap() + g["special"].as_f64().unwrap() - g["special_deduction"].as_f64().unwrap();
    assert_eq!(g["adjustment"].as_f64().unwrap(), adj);
    assert_eq!(g["total"].as_f64().unwrap(), cat_sum + adj);
    assert!(g["grade"].is_string());

    // A finding on a cell: item as a string, cell like E12.
    let o = kaohe(&["score", "--json", s(&samples().join("潞城区（手工录入）.xlsx"))]);
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = &j["results"][0]["findings"][0];
    assert_eq!((f["item"].as_str(), f["cell"].as_str(), f["severity"].as_str()), (Some("4"), Some("B8"), Some("warning")));
}

#[test]
fn a_bad_file_exits_1_and_still_appears_in_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    std::fs::copy(samples().join("沁县.xlsx"), inputs.join("沁县.xlsx")).unwrap();
    std::fs::write(inputs.join("长子县.xlsx"), b"").unwrap();
    std::fs::write(inputs.join("~$沁县.xlsx"), b"lock file").unwrap(); // Office lock files are skipped
    let out = dir.path().join("summary.xlsx");
    let o = kaohe(&["score", s(&inputs), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("长子县.xlsx") && stderr.contains("empty-file"), "{stderr}");
    let t = sheet(&out, "统计表");
    assert_eq!(text(&t, 4, 1), "沁县退役军人服务中心");
    assert_eq!(text(&t, 5, 1), "长子县");
    assert_eq!(text(&t, 5, 9), "未评分");
    assert!(text(&t, 6, 1).contains("1 个单位未评分"), "{}", text(&t, 6, 1));
    let f = sheet(&out, "问题清单");
    assert!(text(&f, 1, 0).ends_with("长子县.xlsx"));
    assert_eq!(text(&f, 1, 5), "empty-file");
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let input = samples().join("沁县.xlsx");
    assert_eq!(kaohe(&[]).status.code(), Some(2));
    assert_eq!(kaohe(&["score"]).status.code(), Some(2));
    assert_eq!(kaohe(&["score", "--bogus", s(&input)]).status.code(), Some(2));
    let o = kaohe(&["score", "--rubric", "no-such-rubric", s(&input)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("kaohe rubrics"));
    assert_eq!(kaohe(&["score", s(&dir.path().join("missing.xlsx"))]).status.code(), Some(2));

    // The output may never be one of the inputs; the input is left untouched.
    let copy = dir.path().join("in.xlsx");
    std::fs::copy(&input, &copy).unwrap();
    let before = std::fs::read(&copy).unwrap();
    let o = kaohe(&["score", s(&copy), "-o", s(&copy)]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read(&copy).unwrap(), before);

    // Nor may it overwrite a file kaohe did not write, unless --force; its own summary it may.
    let other = dir.path().join("other.xlsx");
    std::fs::copy(&input, &other).unwrap();
    let o = kaohe(&["score", s(&input), "-o", s(&other)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    assert_eq!(std::fs::read(&other).unwrap(), before);
    assert_eq!(kaohe(&["score", s(&input), "-o", s(&other), "--force"]).status.code(), Some(0));
    assert_eq!(kaohe(&["score", s(&input), "-o", s(&other)]).status.code(), Some(0), "kaohe's own summary is replaced");

    // A template never overwrites a file (maybe a filled one) without --force.
    let o = kaohe(&["template", "--center", "沁县退役军人服务中心", "-o", s(&copy)]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read(&copy).unwrap(), before);
    let o = kaohe(&["template", "--center", "沁县退役军人服务中心", "-o", s(&copy), "--force"]);
    assert_eq!(o.status.code(), Some(0));
    assert_ne!(std::fs::read(&copy).unwrap(), before);
}

#[test]
fn template_then_score_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t.xlsx");
    let o = kaohe(&["template", "--rubric", "changzhi-2023", "--center", "长治市沁源县退役军人服务中心", "-o", s(&t)]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let r = sheet(&t, "评分表");
    assert_eq!(text(&r, 0, 0), "县(区)退役军人服务中心考核评分表");
    assert_eq!(text(&r, 1, 0), "县(市、区)：沁源县");
    assert_eq!(text(&r, 1, 3), "被考核单位：长治市沁源县退役军人服务中心");
    let headers: Vec<String> = (0..6).map(|c| text(&r, 2, c)).collect();
    assert_eq!(headers, ["主要内容", "序号", "工作标准", "分值", "得分", "备注"]);
    assert_eq!(text(&r, 3, 0), "组织领导");
    // A blank template scores as "not filled" (one finding, not 60 missing scores), naming the first cell to fill.
    let o = kaohe(&["score", "--json", s(&t)]);
    assert_eq!(o.status.code(), Some(1));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = &j["results"][0]["findings"][0];
    assert_eq!((f["item"].as_str(), f["cell"].as_str(), f["code"].as_str()), (Some("1"), Some("E4"), Some("not-filled")));
    assert_eq!(j["results"][0]["findings"].as_array().unwrap().len(), 1);
    assert_eq!(j["results"][0]["status"], "not-scored");
}

#[test]
fn rubrics_lists_the_builtin_and_loads_components_from_files_and_folders() {
    let sha = Sha256::digest(kaohe::BUILTIN_RUBRIC).iter().map(|b| format!("{b:02x}")).collect::<String>();
    let o = kaohe(&["rubrics", "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    let r = &j["rubrics"][0];
    assert_eq!((r["id"].as_str(), r["version"].as_str(), r["level"].as_str()), (Some("changzhi-2023"), Some("1.0.0"), Some("county-center")));
    assert_eq!((r["items"].as_u64(), r["max_total"].as_f64(), r["min_total"].as_f64()), (Some(70), Some(130.0), Some(-80.0)));
    assert_eq!(r["sha256"].as_str(), Some(sha.as_str()));

    // A component file, by path and from a rubric folder (flag or environment).
    let dir = tempfile::tempdir().unwrap();
    let wasm = dir.path().join("changzhi-2023.wasm");
    std::fs::write(&wasm, kaohe::BUILTIN_RUBRIC).unwrap();
    let input = samples().join("沁县.xlsx");
    let o = kaohe(&["score", "--json", "--rubric", s(&wasm), s(&input)]);
    assert_eq!(o.status.code(), Some(0));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["rubric"]["sha256"].as_str(), Some(sha.as_str()));
    let o = Command::new(env!("CARGO_BIN_EXE_kaohe")).args(["rubrics"]).env("KAOHE_RUBRIC_DIR", dir.path()).output().unwrap();
    let listing = String::from_utf8_lossy(&o.stdout);
    assert!(listing.contains(s(&wasm)), "{listing}");

    // Something that is not a component is a clear error, not a crash.
    let junk = dir.path().join("junk.wasm");
    std::fs::write(&junk, b"\0asm junk").unwrap();
    let o = kaohe(&["score", "--rubric", s(&junk), s(&input)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a valid WebAssembly component"));
}

#[test]
fn same_inputs_give_byte_identical_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.xlsx");
    let b = dir.path().join("b.xlsx");
    assert_eq!(kaohe(&["score", s(&samples()), "-o", s(&a)]).status.code(), Some(0));
    // The summary's sheets are written on two threads: whichever gets somewhere first,
    // and on however many cores it is scored, the bytes are the same (before the formats
    // were numbered up front, about one run in five differed).
    for jobs in ["1", "4", "2", "1", "3", "2", "4", "1"] {
        assert_eq!(kaohe(&["score", "-j", jobs, s(&samples()), "-o", s(&b), "--force"]).status.code(), Some(0));
        assert!(std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(), "-j {jobs} wrote other bytes");
    }
}

#[test]
fn results_keep_input_order_whatever_the_number_of_jobs() {
    let one = kaohe(&["score", "--json", "-j", "1", s(&samples())]);
    let many = kaohe(&["score", "--json", "-j", "4", s(&samples())]);
    assert_eq!(one.status.code(), Some(0));
    assert_eq!(one.stdout, many.stdout);
    let j: Value = serde_json::from_slice(&one.stdout).unwrap();
    let files: Vec<&str> = j["results"].as_array().unwrap().iter().map(|r| r["file"].as_str().unwrap()).collect();
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted);
    assert_eq!(kaohe(&["score", "-j", "0", s(&samples())]).status.code(), Some(2));

    // Files named on the command line come out sorted by path too, whatever order they
    // were given in; a file named twice (also through its folder) is scored once.
    let (z, a) = (samples().join("长子县.xlsx"), samples().join("潞州区.xlsx"));
    let o = kaohe(&["score", "--json", s(&z), s(&a), s(&z), s(&samples())]);
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    let again: Vec<&str> = j["results"].as_array().unwrap().iter().map(|r| r["file"].as_str().unwrap()).collect();
    assert_eq!(again, files);
}

#[test]
fn a_reader_that_stops_early_does_not_crash_kaohe() {
    // `kaohe score … --json | head -c 100`: the JSON (about 90 KB) outgrows the pipe,
    // the reader goes away, and kaohe still ends normally with the scoring's exit code.
    use std::io::Read;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .args(["score", "--json", s(&samples())])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 100];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    let o = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(String::from_utf8_lossy(&first).starts_with('{'));
}

#[test]
fn a_summary_edited_since_kaohe_wrote_it_is_kept_unless_forced() {
    use kaohe::output::{Owner, summary_owner};
    let dir = tempfile::tempdir().unwrap();
    let input = samples().join("沁县.xlsx");
    let out = dir.path().join("统计表.xlsx");
    assert_eq!(kaohe(&["score", s(&input), "-o", s(&out)]).status.code(), Some(0));
    assert_eq!(summary_owner(&out), Owner::Kaohe);
    // Unedited: the next run replaces it.
    assert_eq!(kaohe(&["score", s(&input), "-o", s(&out)]).status.code(), Some(0), "an unedited summary is replaced");
    assert_eq!(summary_owner(&out), Owner::Kaohe);

    // A clerk types a remark into 统计表 and saves: the file is theirs now.
    let mine = std::fs::read(&out).unwrap();
    let edited = common::with_part(&mine, "xl/worksheets/sheet1.xml", |xml| {
        let at = xml.find("</sheetData>").unwrap();
        format!("{}<row r=\"40\"><c r=\"A40\" t=\"inlineStr\"><is><t>已核对，张三</t></is></c></row>{}", &xml[..at], &xml[at..])
    });
    std::fs::write(&out, &edited).unwrap();
    assert_eq!(summary_owner(&out), Owner::EditedSince);
    let o = kaohe(&["score", s(&input), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("edited") && stderr.contains("--force"), "{stderr}");
    assert_eq!(std::fs::read(&out).unwrap(), edited, "the clerk's edit is kept");
    // A digest copied along with the category into another file does not make it kaohe's either.
    let forged = common::with_part(&mine, "xl/worksheets/sheet2.xml", |xml| xml.replace("沁县", "某县"));
    std::fs::write(&out, &forged).unwrap();
    assert_eq!(summary_owner(&out), Owner::EditedSince);
    // --force replaces it, and the new file is kaohe's again.
    assert_eq!(kaohe(&["score", s(&input), "-o", s(&out), "--force"]).status.code(), Some(0));
    assert_eq!(std::fs::read(&out).unwrap(), mine);
    assert_eq!(summary_owner(&out), Owner::Kaohe);

    // The comparison and the provincial workbook are sealed the same way.
    let cmp = dir.path().join("对比.xlsx");
    assert_eq!(kaohe(&["compare", "--rubric", "changzhi-2023", "--rubric", "changzhi-2024-example", s(&input), "-o", s(&cmp)]).status.code(), Some(0));
    assert_eq!(summary_owner(&cmp), Owner::Kaohe);
    let prov = dir.path().join("全省.xlsx");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/province/province.toml");
    assert_eq!(kaohe(&["province", s(&manifest), "-o", s(&prov)]).status.code(), Some(0));
    assert_eq!(summary_owner(&prov), Owner::Kaohe);
    // A template is never a summary kaohe may replace.
    let t = dir.path().join("t.xlsx");
    assert_eq!(kaohe(&["template", "--center", "沁县退役军人服务中心", "-o", s(&t)]).status.code(), Some(0));
    assert_eq!(summary_owner(&t), Owner::Other);
}

#[test]
fn rubric_show_json_spells_parts_and_sources_as_the_interface_does() {
    let out = kaohe(&["rubric", "show", "changzhi-2023", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let parts: std::collections::BTreeSet<&str> = v["items"].as_array().unwrap().iter().map(|i| i["part"].as_str().unwrap()).collect();
    assert_eq!(parts.into_iter().collect::<Vec<_>>(), ["base", "bonus", "deduction", "special", "special-deduction"]);
    let sources: Vec<&str> = v["report"]["columns"].as_array().unwrap().iter().map(|c| c["source"].as_str().unwrap()).collect();
    assert_eq!(sources.first(), Some(&"county"));
    assert!(sources.contains(&"category:组织领导") && sources.contains(&"total") && sources.contains(&"grade"), "{sources:?}");
    assert!(sources.iter().all(|s| !s.contains("::")), "{sources:?}");
    let item65 = v["items"].as_array().unwrap().iter().find(|i| i["id"] == "65").unwrap();
    assert_eq!(item65["scoring"]["kind"], "rules");
    assert_eq!(item65["scoring"]["rules"][0]["mode"], "per-occurrence");
}

#[test]
fn help_states_the_exit_status() {
    let out = kaohe(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("Exit status: 0 when every unit scored cleanly, 1 when any unit had an error"), "{help}");
    assert!(help.contains("2 for usage errors"), "{help}");
}

#[test]
fn cli_tables_line_up_by_display_width() {
    let out = kaohe(&["score", s(&samples())]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let columns: Vec<usize> = stdout
        .lines()
        .filter_map(|l| {
            // The total is the first number after the two name columns (right-aligned): where it ends, in terminal columns.
            let at = l.find(|c: char| c.is_ascii_digit())?;
            let end = at + l[at..].find(' ')?;
            Some(unicode_width::UnicodeWidthStr::width(&l[..end]))
        })
        .collect();
    assert!(columns.len() >= 10, "{stdout}");
    assert!(columns.windows(2).all(|w| w[0] == w[1]), "{columns:?}\n{stdout}");
}

/// The row numbers of every worksheet of an xlsx, in the order they appear.
fn worksheet_rows(path: &Path) -> Vec<(String, Vec<u32>)> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let names: Vec<String> = z.file_names().filter_map(|n| n.ok().map(|n| n.to_string())).filter(|n| n.starts_with("xl/worksheets/sheet")).collect();
    names
        .into_iter()
        .map(|name| {
            let mut xml = String::new();
            std::io::Read::read_to_string(&mut z.by_name(&name).unwrap(), &mut xml).unwrap();
            let rows = xml.match_indices("<row r=\"").map(|(i, _)| xml[i + 8..].split('"').next().unwrap().parse().unwrap()).collect();
            (name, rows)
        })
        .collect()
}

#[test]
fn every_sheet_of_every_report_has_each_row_once_in_order() {
    // rust_xlsxwriter 0.102 wrote the last row of a streamed sheet twice when it had a
    // height (统计表's 备注 row), which Excel may reject; kaohe leaves the repeat out.
    let dir = tempfile::tempdir().unwrap();
    let (summary, cmp, prov) = (dir.path().join("summary.xlsx"), dir.path().join("compare.xlsx"), dir.path().join("province.xlsx"));
    let roster = samples().with_file_name("长治市-名册.xlsx");
    assert_eq!(kaohe(&["score", s(&samples()), "--roster", s(&roster), "-o", s(&summary)]).status.code(), Some(0));
    assert_eq!(kaohe(&["compare", "--rubric", "changzhi-2023", "--rubric", "changzhi-2024-example", s(&samples()), "-o", s(&cmp)]).status.code(), Some(0));
    let manifest = samples().with_file_name("province").join("province.toml");
    assert_eq!(kaohe(&["province", s(&manifest), "-o", s(&prov)]).status.code(), Some(0));
    for out in [&summary, &cmp, &prov] {
        let sheets = worksheet_rows(out);
        assert!(sheets.len() >= 3, "{}: {sheets:?}", out.display());
        for (name, rows) in sheets {
            assert!(!rows.is_empty(), "{} {name}", out.display());
            assert!(rows.windows(2).all(|w| w[0] < w[1]), "{} {name}: rows {rows:?}", out.display());
        }
    }
    // The summary's 统计表: the units' rows (written as the workbook is sealed) between the head and 备注.
    let t = sheet(&summary, "统计表");
    assert_eq!(t.height(), 4 + 12 + 1);
    assert_eq!(text(&t, 16, 0), "备注");
}

#[test]
fn the_component_cache_forgets_files_unused_for_thirty_days() {
    let cache = tempfile::tempdir().unwrap();
    let dir = cache.path().join("components");
    std::fs::create_dir_all(&dir).unwrap();
    let day = std::time::Duration::from_secs(24 * 3600);
    let now = std::time::SystemTime::now();
    let made = |name: &str, age: std::time::Duration| {
        let p = dir.join(name);
        std::fs::write(&p, b"old").unwrap();
        std::fs::File::options().append(true).open(&p).unwrap().set_modified(now - age).unwrap();
        p
    };
    let (stale, recent, other) = (made("stale.cwasm", 40 * day), made("recent.cwasm", 2 * day), made("notes.txt", 40 * day));
    let one = samples().join("上党区.xlsx");
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_kaohe")).args(["score", s(&one)]).env("KAOHE_CACHE_DIR", cache.path()).env_remove("KAOHE_RUBRIC_DIR").output().unwrap()
    };
    // A miss compiles the rubric, caches it, and removes what was unused for 30 days.
    assert_eq!(run().status.code(), Some(0));
    assert!(!stale.exists() && recent.exists() && other.exists());
    let compiled: Vec<PathBuf> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "cwasm") && *p != recent).collect();
    assert_eq!(compiled.len(), 1, "{compiled:?}");
    // A hit marks the file used (at most once a day), so a rubric in use is never removed.
    std::fs::File::options().append(true).open(&compiled[0]).unwrap().set_modified(now - 10 * day).unwrap();
    assert_eq!(run().status.code(), Some(0));
    let age = now.duration_since(std::fs::metadata(&compiled[0]).unwrap().modified().unwrap()).unwrap_or_default();
    assert!(age < day, "{age:?}");
}
