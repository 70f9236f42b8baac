//! Untrusted rubric components: a test component (tests/components/hostile,
//! built from source by the build) loops, hoards memory, overflows its stack,
//! panics, reaches for files, floods its output and lies about its results.
//! Each is a finding on that workbook naming the rubric, and the next workbook
//! is still scored.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kaohe::runtime::{Limits, LoadedRubric, Runtime};
use kaohe::score::{UnitResult, score_files};

const HOSTILE: &str = kaohe_test_artifacts::HOSTILE;

fn load(limits: Limits) -> (Runtime, LoadedRubric) {
    let rt = Runtime::new(limits).unwrap();
    let bytes = std::fs::read(HOSTILE).unwrap();
    let r = rt.load(&bytes, HOSTILE).unwrap();
    (rt, r)
}

fn limits() -> Limits {
    Limits { timeout: Duration::from_millis(300), memory: 16 << 20 }
}

/// A workbook with item 1 = `mode` (the misbehaviour) and item 2 = 5.
fn workbook(dir: &Path, mode: f64) -> PathBuf {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.write(0, 0, format!("被考核单位：测试单位{mode}")).unwrap();
    for (r, row) in [("序号", "得分"), ("1", ""), ("2", "")].iter().enumerate() {
        ws.write(r as u32 + 1, 0, row.0).unwrap();
        ws.write(r as u32 + 1, 1, row.1).unwrap();
    }
    ws.write(2, 1, mode).unwrap();
    ws.write(3, 1, 5.0).unwrap();
    let p = dir.join(format!("mode-{mode}.xlsx"));
    std::fs::write(&p, book.save_to_buffer().unwrap()).unwrap();
    p
}

/// Score the misbehaving workbook then a good one in one batch; return the bad result.
fn misbehave(rubric: &LoadedRubric, mode: f64) -> UnitResult {
    let dir = tempfile::tempdir().unwrap();
    let files = [workbook(dir.path(), mode), workbook(dir.path(), 0.0)];
    let mut results = score_files(rubric, &files);
    let good = results.pop().unwrap();
    assert!(good.ok(), "the next workbook is still scored: {:#?}", good.findings);
    assert_eq!(good.assessment.as_ref().unwrap().total, 5.0);
    let bad = results.pop().unwrap();
    assert!(!bad.ok() && bad.assessment.is_none(), "mode {mode} must not be scored");
    assert_eq!(bad.findings.len(), 1, "{:#?}", bad.findings);
    bad
}

fn message(r: &UnitResult) -> &str {
    &r.findings[0].message
}

#[test]
fn the_component_scores_normally_when_it_behaves() {
    let (_rt, r) = load(limits());
    assert_eq!(r.info.id, "hostile-test");
    let dir = tempfile::tempdir().unwrap();
    let res = score_files(&r, &[workbook(dir.path(), 0.5)]);
    assert_eq!(res[0].assessment.as_ref().unwrap().total, 5.5);
}

#[test]
fn an_endless_loop_is_stopped_by_the_deadline() {
    let (_rt, r) = load(limits());
    let start = Instant::now();
    let bad = misbehave(&r, 1.0);
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(bad.findings[0].code, "rubric-failed");
    assert!(message(&bad).contains("hostile-test") && message(&bad).contains("time budget"), "{}", message(&bad));
}

#[test]
fn unbounded_allocation_hits_the_memory_cap() {
    let (_rt, r) = load(limits());
    let bad = misbehave(&r, 2.0);
    assert!(message(&bad).contains("memory cap of 16 MiB"), "{}", message(&bad));
}

#[test]
fn runaway_recursion_traps() {
    let (_rt, r) = load(limits());
    let bad = misbehave(&r, 3.0);
    assert_eq!(bad.findings[0].code, "rubric-failed");
    assert!(message(&bad).contains("stack") || message(&bad).contains("out of bounds"), "{}", message(&bad));
}

#[test]
fn a_panic_is_a_finding_with_the_components_stderr() {
    let (_rt, r) = load(limits());
    let bad = misbehave(&r, 4.0);
    assert!(message(&bad).contains("deliberate panic"), "{}", message(&bad));
}

#[test]
fn the_component_cannot_read_files_or_the_environment() {
    // SAFETY-free check that the host process does have variables to leak.
    assert!(std::env::vars().count() > 0);
    let (_rt, r) = load(limits());
    let bad = misbehave(&r, 5.0);
    let m = message(&bad);
    assert!(m.contains("cannot open /etc/passwd") && m.contains("; 0 environment variables"), "{m}");
    assert!(!m.contains("root:"), "file contents must never reach the component");
}

#[test]
fn inconsistent_results_are_refused() {
    let (_rt, r) = load(limits());
    for (mode, says) in [(6.0, "总分不等于"), (7.0, "返回了 3 个得分，评分标准描述了 2 个"), (8.0, "非数字"), (9.0, "超出该项分值")]
    {
        let bad = misbehave(&r, mode);
        assert_eq!(bad.findings[0].code, "rubric-inconsistent", "mode {mode}");
        assert!(message(&bad).contains(says) && message(&bad).contains("hostile-test"), "mode {mode}: {}", message(&bad));
    }
}

#[test]
fn flooding_stdout_is_captured_not_printed() {
    let dir = tempfile::tempdir().unwrap();
    let input = workbook(dir.path(), 10.0);
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_kaohe")).args(["score", "--json", "--rubric", HOSTILE, input.to_str().unwrap()]).output().unwrap();
    // stdout is exactly our JSON; none of the component's megabytes reached it or stderr.
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stdout is only kaohe's JSON");
    assert_eq!(j["rubric"]["id"], "hostile-test");
    assert!(o.stderr.len() < 10_000, "stderr: {} bytes", o.stderr.len());
    assert!(!String::from_utf8_lossy(&o.stdout).contains("xxxxxxxxxxxxxxxx"));
}

#[test]
fn clock_and_randomness_are_fixed_so_runs_repeat() {
    let dir = tempfile::tempdir().unwrap();
    let grades: Vec<String> = (0..2)
        .map(|_| {
            let (_rt, r) = load(limits());
            let res = score_files(&r, &[workbook(dir.path(), 11.0)]);
            // The grade is not a band label, so the host refuses the result; the message quotes it.
            res[0].findings[0].message.clone()
        })
        .collect();
    assert!(grades[0].contains("“946684800/"), "{}", grades[0]);
    assert_eq!(grades[0], grades[1]);
}

/// Where the address space is limited (a `ulimit -v`, some shared servers) the
/// pooling allocator cannot reserve its slots; kaohe falls back to mapping memory
/// per instance, and the limits still hold.
#[cfg(target_os = "linux")]
#[test]
fn a_limited_address_space_still_scores_and_still_caps_memory() {
    let dir = tempfile::tempdir().unwrap();
    let (good, hoard) = (workbook(dir.path(), 0.0), workbook(dir.path(), 2.0));
    let o = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -v 1500000 && exec "$0" "$@""#)
        .arg(env!("CARGO_BIN_EXE_kaohe"))
        .args(["score", "--json", "--rubric-memory", "16", "--rubric", HOSTILE])
        .args([&good, &hoard])
        .output()
        .unwrap();
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&o.stderr)));
    let by_name = |n: &str| j["results"].as_array().unwrap().iter().find(|r| r["file"].as_str().unwrap().ends_with(n)).unwrap().clone();
    assert_eq!(by_name("mode-0.xlsx")["total"].as_f64(), Some(5.0));
    let bad = by_name("mode-2.xlsx");
    assert!(bad["findings"][0]["message"].as_str().unwrap().contains("memory cap of 16 MiB"), "{bad}");
    assert_eq!(o.status.code(), Some(1));
}

/// Only kaohe's own evaluator holding a valid rubric (rebuilt byte for byte
/// at load) serves call after call from one instance; a component that is not
/// exactly that (the hostile one, a 1.0 build, the evaluator with its rubric
/// bytes added) gets a fresh instance per call, and all score the same.
#[test]
fn only_kaohes_own_evaluator_keeps_its_instances() {
    let rt = Runtime::new(Limits::default()).unwrap();
    let builtin = rt.load(kaohe::BUILTIN_RUBRIC, "built-in").unwrap();
    assert!(builtin.reuses_instances());
    let toml = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../rubrics/township-example/rubric.toml")).unwrap();
    let built = kaohe::rubric_build::from_toml(&toml).unwrap();
    assert!(rt.load(&built, "built").unwrap().reuses_instances(), "what `kaohe rubric build` makes");
    assert!(!load(limits()).1.reuses_instances(), "the hostile component");
    let old = std::fs::read(kaohe_test_artifacts::CHANGZHI_2023_WIT_1_0).unwrap();
    assert!(!rt.load(&old, "1.0").unwrap().reuses_instances(), "a 1.0 component");
    // A custom section added at the end: still a working component, no longer exactly one kaohe made.
    let mut altered = kaohe::BUILTIN_RUBRIC.to_vec();
    altered.extend([0, 6, 5]);
    altered.extend(b"extra");
    let altered = rt.load(&altered, "altered").unwrap();
    assert!(!altered.reuses_instances());
    // Kept or fresh, the same answers, many times over.
    let dir = tempfile::tempdir().unwrap();
    let card = Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/长治市/潞州区.xlsx");
    let files: Vec<PathBuf> = (0..40)
        .map(|i| {
            let p = dir.path().join(format!("{i}.xlsx"));
            std::fs::copy(&card, &p).unwrap();
            p
        })
        .collect();
    let kept = score_files(&builtin, &files);
    let fresh = score_files(&altered, &files);
    assert!(kept.iter().all(|r| r.ok() && r.assessment.as_ref().unwrap().total == kept[0].assessment.as_ref().unwrap().total));
    for (k, f) in kept.iter().zip(&fresh) {
        assert_eq!(k.points, f.points);
    }
}

/// A compiled component is cached as a file per component and engine: the
/// next run maps it instead of compiling; a damaged file is compiled again.
#[test]
fn compiled_components_are_cached_and_a_damaged_entry_is_rebuilt() {
    let cache = tempfile::tempdir().unwrap();
    let first = Runtime::with_cache(Limits::default(), Some(cache.path())).unwrap();
    first.load(kaohe::BUILTIN_RUBRIC, "built-in").unwrap();
    let entries: Vec<PathBuf> = std::fs::read_dir(cache.path().join("components")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let written = std::fs::metadata(&entries[0]).unwrap().modified().unwrap();
    std::thread::sleep(Duration::from_millis(20));
    let second = Runtime::with_cache(Limits::default(), Some(cache.path())).unwrap();
    let t = Instant::now();
    assert_eq!(second.load(kaohe::BUILTIN_RUBRIC, "built-in").unwrap().info.id, "changzhi-2023");
    let loaded = t.elapsed();
    assert_eq!(std::fs::metadata(&entries[0]).unwrap().modified().unwrap(), written, "read, not rewritten ({loaded:?})");
    std::fs::write(&entries[0], b"not a compiled component").unwrap();
    let third = Runtime::with_cache(Limits::default(), Some(cache.path())).unwrap();
    assert_eq!(third.load(kaohe::BUILTIN_RUBRIC, "built-in").unwrap().info.id, "changzhi-2023");
    assert!(std::fs::metadata(&entries[0]).unwrap().len() > 100_000, "compiled again and replaced");
}
