//! `kaohe rubric build`: a rubric component from a rubric.toml with no Rust
//! toolchain, byte-identical to the built-in made from the same file, an
//! ordinary component to every command.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// kaohe with nothing on PATH: no cargo, no rustc, no wasm tools.
fn kaohe(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .env("PATH", "")
        .env("HOME", cwd)
        .env("KAOHE_CACHE_DIR", cwd.join("cache"))
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn seed_toml() -> String {
    std::fs::read_to_string(root().join("rubrics/changzhi-2023/rubric.toml")).unwrap()
}

#[test]
fn every_builtin_is_what_rubric_build_makes_of_its_file_with_no_toolchain() {
    let dir = tempfile::tempdir().unwrap();
    for (file, bytes) in kaohe::BUILTIN_COMPONENTS {
        let id = file.trim_start_matches("rubric_").trim_end_matches(".wasm").replace('_', "-");
        let source = root().join("rubrics").join(&id).join("rubric.toml");
        let out = dir.path().join(format!("{id}.wasm"));
        let o = kaohe(&["rubric", "build", source.to_str().unwrap(), "-o", out.to_str().unwrap()], dir.path());
        assert_eq!(o.status.code(), Some(0), "{id}: {}", stderr(&o));
        assert!(std::fs::read(&out).unwrap() == *bytes, "{id}: the built-in differs from `rubric build` of {}", source.display());
        // The pin line names the file and its SHA-256.
        let pin = String::from_utf8_lossy(&o.stdout);
        let sha = kaohe::runtime::hex(&<sha2::Sha256 as sha2::Digest>::digest(bytes));
        assert!(pin.contains(&sha), "{pin}");
    }
}

#[test]
fn the_same_file_gives_the_same_bytes_and_the_component_says_where_it_came_from() {
    let text = seed_toml();
    let a = kaohe::rubric_build::from_toml(&text).unwrap();
    let b = kaohe::rubric_build::from_toml(&text).unwrap();
    assert!(a == b);
    let note = kaohe::rubric_build::source_note(&a).unwrap();
    let v: Value = serde_json::from_str(&note).unwrap();
    let sha = kaohe::runtime::hex(&<sha2::Sha256 as sha2::Digest>::digest(text.as_bytes()));
    assert_eq!(v["source_sha256"], sha.as_str());
    assert_eq!(v["kaohe"], env!("CARGO_PKG_VERSION"));
    // The slot's unused room is not in the file: a built rubric is about the size of the evaluator's code.
    assert!(a.len() < kaohe::EVALUATOR_COMPONENT.len(), "{} vs {}", a.len(), kaohe::EVALUATOR_COMPONENT.len());
}

#[test]
fn every_problem_is_reported_at_once_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    // Three faults: item 2 twice, bands not from the highest down, a report column naming no category.
    let text = seed_toml()
        .replacen("{ id = \"3\", max = 2", "{ id = \"2\", max = 2", 1)
        .replacen("source = \"category:组织领导\"", "source = \"category:没有这一类\"", 1)
        .replacen("min = 90", "min = 10", 1);
    let src = dir.path().join("bad.toml");
    std::fs::write(&src, text).unwrap();
    let out = dir.path().join("bad.wasm");
    let o = kaohe(&["rubric", "build", src.to_str().unwrap(), "-o", out.to_str().unwrap()], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("item 2 appears twice"), "{err}");
    assert!(err.contains("没有这一类"), "{err}");
    assert!(err.contains("grade bands must be listed from the highest min down"), "{err}");
    assert!(err.contains("3 problems; no component written"), "{err}");
    assert!(!out.exists());

    // A TOML mistake names its line.
    std::fs::write(&src, "id = \"x\"\nversion = \n").unwrap();
    let o = kaohe(&["rubric", "build", src.to_str().unwrap(), "-o", out.to_str().unwrap()], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("line 2"), "{}", stderr(&o));
    assert!(!out.exists());
}

#[test]
fn next_years_rubric_from_last_years_file_scores_and_compares() {
    let dir = tempfile::tempdir().unwrap();
    // Item 4 re-weighted from 4 to 3 points: with the same id and version it collides with the built-in.
    let edited = seed_toml().replacen("{ id = \"4\", max = 4,", "{ id = \"4\", max = 3,", 1);
    assert_ne!(edited, seed_toml(), "the seed's item 4 is written as expected");
    let src = dir.path().join("next.toml");
    std::fs::write(&src, &edited).unwrap();
    let out = dir.path().join("next.wasm");
    let o = kaohe(&["rubric", "build", src.to_str().unwrap(), "-o", out.to_str().unwrap()], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("already the id and version of another rubric"), "{}", stderr(&o));
    assert!(!out.exists());

    std::fs::write(&src, edited.replacen("version = \"1.0.0\"", "version = \"2.0.0\"", 1)).unwrap();
    let o = kaohe(&["rubric", "build", src.to_str().unwrap(), "-o", out.to_str().unwrap()], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let samples = root().join("samples/长治市");
    let o = kaohe(&["compare", "--rubric", "changzhi-2023", "--rubric", out.to_str().unwrap(), "--json", samples.to_str().unwrap()], dir.path());
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)));
    let changes: Vec<(String, String)> =
        v["changes"].as_array().unwrap().iter().map(|c| (c["code"].as_str().unwrap().to_string(), c["item"].as_str().unwrap().to_string())).collect();
    // Exactly what was edited: item 4's points, and so its category's maximum.
    let expected = [("reweighted", "4"), ("category-max", "组织领导")].map(|(c, i)| (c.to_string(), i.to_string()));
    assert_eq!(changes, expected, "{changes:?}");
    assert_eq!(v["b"]["id"], "changzhi-2023");
    let o = kaohe(&["score", "--rubric", out.to_str().unwrap(), "--json", samples.to_str().unwrap()], dir.path());
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["results"].as_array().unwrap().iter().all(|r| r["rubric"]["version"] == "2.0.0"));
}

/// The authoring workbook's sheets, as xl/worksheets/sheetN.xml (in the order `rubric export` writes them).
const GUIDE: &str = "xl/worksheets/sheet1.xml";
const INFO: &str = "xl/worksheets/sheet2.xml";
const ITEMS: &str = "xl/worksheets/sheet3.xml";
const BANDS: &str = "xl/worksheets/sheet4.xml";
const REPORT: &str = "xl/worksheets/sheet5.xml";

/// Replace cell `at` (e.g. "E5") of a sheet's XML with `value` (a number, or text), as a clerk typing it would.
fn set_cell(xml: String, at: &str, value: &str) -> String {
    let open = format!("<c r=\"{at}\"");
    let start = xml.find(&open).unwrap_or_else(|| panic!("no cell {at}"));
    let end = match xml[start..].find("/>") {
        Some(e) if !xml[start..start + e].contains('>') => start + e + 2,
        _ => start + xml[start..].find("</c>").unwrap() + 4,
    };
    let cell = if value.is_empty() {
        format!("<c r=\"{at}\"/>")
    } else if value.parse::<f64>().is_ok() {
        format!("<c r=\"{at}\"><v>{value}</v></c>")
    } else {
        format!("<c r=\"{at}\" t=\"inlineStr\"><is><t>{value}</t></is></c>")
    };
    format!("{}{cell}{}", &xml[..start], &xml[end..])
}

/// Append a row of text/number cells (columns A…) after the sheet's last row.
fn add_row(xml: String, row: u32, cells: &[&str]) -> String {
    let mut r = format!("<row r=\"{row}\">");
    for (c, v) in cells.iter().enumerate().filter(|(_, v)| !v.is_empty()) {
        let at = format!("{}{row}", (b'A' + c as u8) as char);
        r.push_str(&set_cell(format!("<c r=\"{at}\"/>"), &at, v));
    }
    r.push_str("</row>");
    xml.replacen("</sheetData>", &format!("{r}</sheetData>"), 1)
}

/// The 1-based row of 评分表 whose 序号 (column C) is `id`, and the number of rows.
fn row_of(xlsx: &[u8], id: &str) -> (u32, u32) {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.to_vec())).unwrap();
    let range = book.worksheet_range("评分表").unwrap();
    let row = range.rows().position(|r| r.get(2).map(|c| c.to_string()) == Some(id.to_string())).unwrap_or_else(|| panic!("no 序号 {id}"));
    (row as u32 + 1, range.height() as u32)
}

fn export(dir: &Path) -> Vec<u8> {
    let out = dir.join("export.xlsx");
    let o = kaohe(&["rubric", "export", "changzhi-2023", "-o", out.to_str().unwrap()], dir);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    std::fs::read(out).unwrap()
}

fn description(path: &str, cwd: &Path) -> Value {
    let o = kaohe(&["rubric", "show", path, "--json"], cwd);
    let mut v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)));
    v["sha256"] = Value::Null;
    v["origin"] = Value::Null;
    v
}

#[test]
fn export_then_build_describes_and_scores_exactly_as_the_builtin() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = export(dir.path());
    for sheet in [GUIDE, INFO, ITEMS, BANDS, REPORT] {
        assert!(zip::ZipArchive::new(std::io::Cursor::new(&xlsx)).unwrap().by_name(sheet).is_ok(), "{sheet}");
    }
    let src = dir.path().join("export.xlsx");
    let out = dir.path().join("again.wasm");
    let o = kaohe(&["rubric", "build", src.to_str().unwrap(), "-o", out.to_str().unwrap()], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(description(out.to_str().unwrap(), dir.path()), description("changzhi-2023", dir.path()));
    let samples = root().join("samples/长治市");
    let scores = |rubric: &str| {
        let o = kaohe(&["score", "--rubric", rubric, "--json", samples.to_str().unwrap()], dir.path());
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["center"].clone(), r["total"].clone(), r["items"].clone(), r["findings"].as_array().unwrap().len()))
            .collect::<Vec<_>>()
    };
    let (a, b) = (scores("changzhi-2023"), scores(out.to_str().unwrap()));
    assert_eq!(a.len(), 12);
    assert_eq!(a, b);
    // Two builds of the same workbook: the same bytes.
    let again = dir.path().join("again2.wasm");
    kaohe(&["rubric", "build", src.to_str().unwrap(), "-o", again.to_str().unwrap()], dir.path());
    assert!(std::fs::read(&out).unwrap() == std::fs::read(&again).unwrap());
}

#[test]
fn a_clerks_edits_to_the_export_are_exactly_the_changes_compare_lists() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = export(dir.path());
    let (r4, _) = row_of(&xlsx, "4");
    let (r651, _) = row_of(&xlsx, "65.1");
    let (r70, rows) = row_of(&xlsx, "70");
    assert!(r70 < rows);
    let edited = common::with_part(&xlsx, ITEMS, |x| {
        let x = set_cell(x, &format!("E{r4}"), "3"); // item 4: 4 → 3 points
        let x = set_cell(x, &format!("H{r651}"), "12"); // 65.1 capped at 12 instead of 10
        add_row(x, rows + 1, &["特别考核项", "特别考核加分", "71", "获得省级以上表彰的，加2分。", "2", "得分", "", "", "", "否"])
    });
    let edited = common::with_part(&edited, BANDS, |x| set_cell(x, "B3", "85")); // 良好 from 80 to 85
    let edited = common::with_part(&edited, INFO, |x| set_cell(x, "B2", "1.1.0"));
    let src = dir.path().join("2024.xlsx");
    std::fs::write(&src, edited).unwrap();
    let out = dir.path().join("2024.wasm");
    let o = kaohe(&["rubric", "build", src.to_str().unwrap(), "-o", out.to_str().unwrap()], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let samples = root().join("samples/长治市");
    let o = kaohe(&["compare", "--rubric", "changzhi-2023", "--rubric", out.to_str().unwrap(), "--json", samples.to_str().unwrap()], dir.path());
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)));
    let mut changes: Vec<String> =
        v["changes"].as_array().unwrap().iter().map(|c| format!("{} {}", c["code"].as_str().unwrap(), c["item"].as_str().unwrap())).collect();
    changes.sort();
    // Each edit, and what follows from it: item 4 and item 71 change their categories' maxima.
    let expected = ["bands-changed ", "category-max 特别考核项", "category-max 组织领导", "item-added 71", "reweighted 4", "rule-changed 65.1"];
    assert_eq!(changes, expected, "{changes:?}");
    assert_eq!(v["b"]["version"], "1.1.0");
}

#[test]
fn every_problem_in_the_workbook_is_named_by_sheet_and_cell_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = export(dir.path());
    let (r3, _) = row_of(&xlsx, "3");
    let (r61, _) = row_of(&xlsx, "61");
    let (r651, _) = row_of(&xlsx, "65.1");
    let (r12, _) = row_of(&xlsx, "12");
    let bad = common::with_part(&xlsx, ITEMS, |x| {
        let x = set_cell(x, &format!("C{r3}"), "2"); // 序号 2 twice
        let x = set_cell(x, &format!("E{}", r61 + 1), ""); // item 61's first level has no points
        let x = set_cell(x, &format!("H{r651}"), "99"); // a cap above item 65's 分值
        set_cell(x, &format!("F{r12}"), "按人头") // an unknown 计分方式
    });
    let bad = common::with_part(&bad, BANDS, |x| set_cell(x, "B3", "95")); // 良好 above 优秀
    let bad = common::with_part(&bad, REPORT, |x| set_cell(x, "B4", "分类：没有这一类"));
    let bad = common::with_part(&bad, INFO, |x| set_cell(x, "B1", "")); // 编号 empty
    let src = dir.path().join("bad.xlsx");
    std::fs::write(&src, bad).unwrap();
    let out = dir.path().join("bad.wasm");
    let o = kaohe(&["rubric", "build", src.to_str().unwrap(), "-o", out.to_str().unwrap()], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    for (place, words) in [
        (format!("评分表!C{r3}"), "序号 2 重复"),
        (format!("评分表!E{}", r61 + 1), "没有分值"),
        (format!("评分表!H{r651}"), "超过该项分值"),
        (format!("评分表!F{r12}"), "按人头"),
        ("考核档次!B3".to_string(), "从高到低"),
        ("统计表!B4".to_string(), "没有这一类"),
        ("基本信息!B1".to_string(), "“编号”不能为空"),
    ] {
        assert!(err.lines().any(|l| l.contains(&format!("{place}: ")) && l.contains(words)), "{place} {words}:\n{err}");
    }
    assert!(err.contains("7 problems; no component written"), "{err}");
    assert!(!out.exists());
}

#[test]
fn county_township_and_village_stations_go_into_one_summary() {
    let dir = tempfile::tempdir().unwrap();
    let samples = root().join("samples");
    let authoring = samples.join("村级服务站评分标准（示例）.xlsx");
    let village = dir.path().join("village.wasm");
    let o = kaohe(&["rubric", "build", authoring.to_str().unwrap(), "-o", village.to_str().unwrap()], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let summary = dir.path().join("summary.xlsx");
    let folders = ["长治市", "长治市-乡镇（示例）", "长治市-村（示例）"].map(|f| samples.join(f));
    let mut args = vec![
        "score",
        "--rubric",
        "changzhi-2023",
        "--rubric",
        "township-example",
        "--rubric",
        village.to_str().unwrap(),
        "--json",
        "-o",
        summary.to_str().unwrap(),
    ];
    args.extend(folders.iter().map(|p| p.to_str().unwrap()));
    let o = kaohe(&args, dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 12 + 3 + 3);
    let by = |id: &str| results.iter().filter(|r| r["rubric"]["id"] == id).count();
    assert_eq!((by("changzhi-2023"), by("township-example"), by("village-example")), (12, 3, 3));
    assert!(results.iter().all(|r| r["ok"] == true));
    let villages: Vec<&str> = results.iter().filter(|r| r["rubric"]["id"] == "village-example").map(|r| r["center"].as_str().unwrap()).collect();
    assert!(villages.iter().all(|c| c.ends_with("村退役军人服务站") || c.ends_with("社区退役军人服务站")), "{villages:?}");
    // 统计表 lists all of them, and its 备注 names each rubric used.
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto(&summary).unwrap();
    let sheet = book.worksheet_range("统计表").unwrap();
    let text: Vec<String> = sheet.rows().flat_map(|r| r.iter().map(|c| c.to_string())).collect();
    assert!(villages.iter().all(|c| text.iter().any(|t| t == c)), "{villages:?}");
    assert!(text.iter().any(|t| t.contains("village-example 0.1.0")), "{text:?}");
}

#[test]
fn a_scorecard_handed_to_rubric_build_is_told_apart_from_an_authoring_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.wasm");
    let card = root().join("samples/长治市/沁县.xlsx");
    let o = kaohe(&["rubric", "build", card.to_str().unwrap(), "-o", out.to_str().unwrap()], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("这不是评分标准编辑表") && stderr(&o).contains("1 problem; no component written"), "{}", stderr(&o));
    assert!(!out.exists());
}
