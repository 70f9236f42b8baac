//! `kaohe:rubric` 1.0 and 1.1 side by side: the host loads both, calls a 1.1
//! component through `score-indexed` and a 1.0 one through `score`, and every
//! sample scores the same either way. The 1.0 component is the built-in
//! changzhi-2023 made with the 1.0 evaluator (`tests/components/evaluator-1.0`),
//! as every component before 1.1 was.

use std::path::{Path, PathBuf};

use kaohe::Code;
use kaohe::runtime::{Answer, EntryKind, LoadedRubric, Runtime};
use kaohe::score::{score_files, score_workbook};

fn both(rt: &Runtime) -> (LoadedRubric, LoadedRubric) {
    let new = rt.load(kaohe::BUILTIN_RUBRIC, "built-in").unwrap();
    let bytes = std::fs::read(kaohe_test_artifacts::CHANGZHI_2023_WIT_1_0).unwrap();
    let old = rt.load(&bytes, "changzhi-2023 (kaohe:rubric@1.0.0)").unwrap();
    (new, old)
}

/// Every workbook under samples/, whatever rubric it was made for.
fn samples() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples");
    kaohe::score::collect_inputs(&[root], &[]).unwrap()
}

#[test]
fn each_component_is_called_through_the_newest_interface_it_exports() {
    let rt = Runtime::new(Default::default()).unwrap();
    let (new, old) = both(&rt);
    assert_eq!((new.interface(), old.interface()), ("1.1.0", "1.0.0"));
    // The same rubric, described the same way through either interface.
    assert_eq!(format!("{:?}", new.info), format!("{:?}", old.info));
}

#[test]
fn every_sample_scores_the_same_under_1_0_and_1_1() {
    let rt = Runtime::new(Default::default()).unwrap();
    let (new, old) = both(&rt);
    let files = samples();
    assert!(files.len() >= 15, "{files:?}");
    // A batch keeps totals only; one workbook at a time keeps every item's points and the trace.
    let (a, b) = (score_files(&new, &files), score_files(&old, &files));
    assert_eq!(a.len(), b.len());
    let mut scored = 0;
    let mut codes = std::collections::BTreeSet::new();
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(format!("{x:?}"), format!("{y:?}"), "{} {:?}", x.file, x.sheet);
        scored += x.ok() as usize;
        codes.extend(x.findings.iter().map(|f| f.code));
    }
    for f in &files {
        let read = kaohe::score::read_workbook(f);
        let (x, y) = (score_workbook(&[&new], &read), score_workbook(&[&old], &read));
        assert_eq!(format!("{x:?}"), format!("{y:?}"), "{}", f.display());
        assert!(x.iter().all(|r| r.assessment.as_ref().is_none_or(|a| !a.items.is_empty() && !a.trace.is_empty())));
    }
    // The samples hold scored units and rejected ones (township and village cards under the county rubric).
    assert!(scored >= 10, "{scored} scored");
    assert!(codes.contains(&Code::OutOfRange) || codes.contains(&Code::MissingScore) || codes.contains(&Code::MissingItem), "{codes:?}");
}

#[test]
fn a_rejection_has_the_same_code_and_words_either_way() {
    let rt = Runtime::new(Default::default()).unwrap();
    let (new, old) = both(&rt);
    let mut entries = new.blank_entries();
    let ids = new.point_ids();
    let at = |id: &str| ids.iter().position(|x| x == id).unwrap();
    // Item 1 above its max, item 2 not one of the halves the range allows... and counts for a rules item.
    entries.kinds[0] = EntryKind::Points;
    entries.values[at("1")] = Some(99.0);
    let rules_item = new.info.items.iter().position(|i| matches!(i.scoring, kaohe::runtime::Scoring::Rules(_))).unwrap();
    let first_rule = new.point_ids()[new.item_points()[rules_item] + 1].clone();
    entries.kinds[rules_item] = EntryKind::Counts;
    entries.values[at(&first_rule)] = Some(1.5);
    let rejected = |r: &LoadedRubric| match r.score_indexed(&entries, false).unwrap() {
        Answer::Rejected(found) => found,
        other => panic!("{other:?}"),
    };
    let (x, y) = (rejected(&new), rejected(&old));
    assert_eq!(x, y);
    let code = |item: &str| x.iter().find(|f| f.item == item).map(|f| f.code);
    assert_eq!(code("1"), Some(Code::OutOfRange));
    assert_eq!(code(&first_rule), Some(Code::OutOfRange), "a count of 1.5 {x:#?}");
    // Every other required base item was left blank.
    assert_eq!(code("2"), Some(Code::MissingScore));
    assert!(x.iter().filter(|f| f.code == Code::MissingScore).count() >= 50);
}

/// Full marks on every base item, two points off under the first sub-rule of
/// the first rules item (a count of 1), nothing else.
fn full_marks(r: &LoadedRubric) -> kaohe::runtime::Entries {
    let mut entries = r.blank_entries();
    let mut counted = false;
    for (k, (item, &at)) in r.info.items.iter().zip(r.item_points()).enumerate() {
        match &item.scoring {
            kaohe::runtime::Scoring::Range if item.part == kaohe::runtime::Part::Base => {
                entries.kinds[k] = EntryKind::Points;
                entries.values[at] = Some(item.max_points);
            }
            kaohe::runtime::Scoring::Rules(_) if !counted => {
                counted = true;
                entries.kinds[k] = EntryKind::Counts;
                entries.values[at + 1] = Some(1.0);
            }
            _ => {}
        }
    }
    entries
}

#[test]
fn the_indexed_answer_is_the_named_answer_by_position() {
    let rt = Runtime::new(Default::default()).unwrap();
    let (new, _) = both(&rt);
    let entries = full_marks(&new);
    let named = new.score(&new.named(&entries)).unwrap().expect("scored by name");
    let Answer::Scored(s) = new.score_indexed(&entries, true).unwrap() else { panic!("scored by position") };
    assert!(!s.trace.is_empty(), "the trace when asked");
    assert!(named.total < 100.0 && named.deduction > 0.0, "{named:?}");
    assert_eq!(format!("{:?}", new.assessment(s, true)), format!("{named:?}"));
    let Answer::Scored(s) = new.score_indexed(&entries, false).unwrap() else { panic!() };
    assert!(s.trace.is_empty(), "no trace unless asked");
    assert_eq!(s.total, named.total);
}

/// A host of 1.0 (bindings of the frozen `wit/1.0`, made here as any 1.0
/// host made them) loads the 1.1 built-in and scores with it: 1.1 components
/// keep serving hosts that predate them.
#[test]
fn a_1_0_host_loads_and_scores_with_a_1_1_component() {
    mod host_1_0 {
        wasmtime::component::bindgen!({ world: "rubric", path: "../wit/1.0" });
    }
    struct Ctx(wasmtime_wasi::WasiCtx, wasmtime::component::ResourceTable);
    impl wasmtime_wasi::WasiView for Ctx {
        fn ctx(&mut self) -> wasmtime_wasi::WasiCtxView<'_> {
            wasmtime_wasi::WasiCtxView { ctx: &mut self.0, table: &mut self.1 }
        }
    }
    let engine = wasmtime::Engine::default();
    let component = wasmtime::component::Component::new(&engine, kaohe::BUILTIN_RUBRIC).unwrap();
    let names: Vec<String> = component.component_type().exports(&engine).map(|(n, _)| n.to_string()).collect();
    assert!(names.contains(&"kaohe:rubric/scorer@1.1.0".to_string()), "{names:?}");
    let mut linker = wasmtime::component::Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
    let mut store = wasmtime::Store::new(&engine, Ctx(wasmtime_wasi::WasiCtx::builder().build(), Default::default()));
    let rubric = host_1_0::Rubric::instantiate(&mut store, &component, &linker).expect("1.0 bindings accept a 1.1 export");
    let info = rubric.kaohe_rubric_scorer().call_describe(&mut store).unwrap();
    assert_eq!(info.id, "changzhi-2023");
    // Full marks with one deduction, named as a 1.0 host names them; the 1.1 host's answer on the same entries.
    let rt = Runtime::new(Default::default()).unwrap();
    let (new, _) = both(&rt);
    let indexed = full_marks(&new);
    let Answer::Scored(a) = new.score_indexed(&indexed, false).unwrap() else { panic!() };
    let a = new.assessment(a, false);
    let entries: Vec<host_1_0::exports::kaohe::rubric::scorer::Entry> = new
        .named(&indexed)
        .into_iter()
        .map(|e| {
            use host_1_0::kaohe::rubric::types::{EntryValue, RuleCount};
            let value = match e.value {
                kaohe::runtime::EntryValue::Blank => EntryValue::Blank,
                kaohe::runtime::EntryValue::Points(p) => EntryValue::Points(p),
                kaohe::runtime::EntryValue::Counts(c) => EntryValue::Counts(c.into_iter().map(|c| RuleCount { rule: c.rule, value: c.value }).collect()),
            };
            host_1_0::exports::kaohe::rubric::scorer::Entry { item: e.item, value }
        })
        .collect();
    let old = rubric.kaohe_rubric_scorer().call_score(&mut store, &entries).unwrap().expect("scored");
    assert_eq!((old.total, old.grade.as_str()), (a.total, a.grade.as_str()));
}

/// What `wasm-tools component semver-check` would guard, for an interface a
/// component exports: every type of 1.0 is in 1.1, written the same, and
/// every function of 1.0 is in 1.1 with the same signature. (The tool itself
/// checks the other direction, that every old component satisfies the new
/// world, which an added export never does.)
#[test]
fn the_1_1_interface_only_adds_to_1_0() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut resolve = wit_parser::Resolve::default();
    let (old, _) = resolve.push_dir(root.join("wit/1.0")).unwrap();
    let (new, _) = resolve.push_dir(root.join("wit")).unwrap();
    let name = |p| resolve.packages[p].name.to_string();
    assert_eq!((name(old), name(new)), ("kaohe:rubric@1.0.0".to_string(), "kaohe:rubric@1.1.0".to_string()));
    let printed = |p| {
        let mut printer = wit_component::WitPrinter::default();
        printer.print(&resolve, p, &[]).unwrap();
        printer.output.to_string()
    };
    let (old_text, new_text) = (printed(old), printed(new));
    // Each interface's lines (docs left out): every 1.0 line is in the 1.1 interface of the same name.
    let blocks = |text: &str| {
        let mut out: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        let mut current = None;
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("//")) {
            if let Some(name) = line.strip_prefix("interface ").or_else(|| line.strip_prefix("world ")).and_then(|l| l.strip_suffix(" {")) {
                current = Some(name.to_string());
            } else if let Some(c) = &current {
                out.entry(c.clone()).or_default().push(line.to_string());
            }
        }
        out
    };
    let (was, now) = (blocks(&old_text), blocks(&new_text));
    assert!(was.contains_key("types") && was.contains_key("scorer") && was.contains_key("rubric"), "{was:?}");
    for (interface, lines) in &was {
        let Some(new_lines) = now.get(interface) else { panic!("1.1 dropped {interface}") };
        for line in lines {
            assert!(new_lines.contains(line), "1.1 changed {interface}: `{line}` is gone");
        }
    }
    assert_eq!(was["types"], now["types"], "the types did not change at all");
    assert!(now["scorer"].iter().any(|l| l.starts_with("score-indexed: func")), "1.1 adds score-indexed");
}

/// From the command line: `kaohe rubrics` says which interface each component
/// is called through, and `kaohe score` with the 1.0 build gives the built-in's totals.
#[test]
fn the_cli_lists_the_interface_and_scores_with_a_1_0_component() {
    let kaohe = |args: &[&str]| std::process::Command::new(env!("CARGO_BIN_EXE_kaohe")).args(args).env_remove("KAOHE_RUBRIC_DIR").output().unwrap();
    let old = kaohe_test_artifacts::CHANGZHI_2023_WIT_1_0;
    let o = kaohe(&["rubrics", "--json", "--rubric", old]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let interfaces: Vec<(&str, &str)> =
        j["rubrics"].as_array().unwrap().iter().map(|r| (r["origin"].as_str().unwrap(), r["interface"].as_str().unwrap())).collect();
    assert!(interfaces.iter().any(|(o, i)| o.contains("built-in") && *i == "1.1.0"), "{interfaces:?}");
    assert!(interfaces.iter().any(|(o, i)| *o == old && *i == "1.0.0"), "{interfaces:?}");
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/长治市");
    let totals = |rubric: &[&str]| {
        let mut args = vec!["score", "--json"];
        args.extend(rubric);
        args.push(samples.to_str().unwrap());
        let o = kaohe(&args);
        let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        // Every result whole (totals, items, the trace, findings) but the component's digest.
        let mut results = j["results"].as_array().unwrap().clone();
        for r in &mut results {
            r["rubric"]["sha256"] = serde_json::Value::Null;
        }
        (o.status.code(), results)
    };
    let (new, old) = (totals(&[]), totals(&["--rubric", old]));
    assert!(new == old, "1.0 and 1.1 differ on the samples");
    assert!(new.1.len() >= 8 && new.1.iter().all(|r| r["total"].is_number() && !r["trace"].as_array().unwrap().is_empty()));
}

/// Entries by position that do not fit the rubric (lists of the wrong length)
/// are the component's `malformed` finding, a rejection, never a trap.
#[test]
fn entries_of_the_wrong_shape_are_rejected() {
    let rt = Runtime::new(Default::default()).unwrap();
    let (new, _) = both(&rt);
    let mut short = new.blank_entries();
    short.values.pop();
    let mut long = new.blank_entries();
    long.kinds.push(EntryKind::Blank);
    for entries in [short, long] {
        let Answer::Rejected(found) = new.score_indexed(&entries, false).unwrap() else { panic!("rejected") };
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].code, found[0].item.as_str()), (Code::Rejected, ""));
        assert!(found[0].message.contains("评分标准有 70 项"), "{}", found[0].message);
    }
}

/// `LoadedRubric::assessment` of scores nobody checked (too few points, a band
/// that does not exist) gives an empty grade and no points, not a panic.
#[test]
fn unchecked_scores_make_an_assessment_without_panicking() {
    let rt = Runtime::new(Default::default()).unwrap();
    let (new, _) = both(&rt);
    let s = kaohe::runtime::Scores {
        points: vec![Some(1.0)],
        categories: vec![],
        bonus: 0.0,
        deduction: 0.0,
        special: 0.0,
        special_deduction: 0.0,
        adjustment: 0.0,
        total: 1.0,
        band: 99,
        trace: vec![],
    };
    let a = new.assessment(s, true);
    assert_eq!(a.grade, "");
    assert_eq!(a.items.len(), new.info.items.len());
    assert_eq!((a.items[0].points, a.items[1].points), (1.0, 0.0));
}
