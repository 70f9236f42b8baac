//! Throughput benchmark: how close `kaohe score` comes to the floor of merely
//! reading the workbooks. Run with
//!
//! ```sh
//! cargo bench --bench throughput            # 1,000 and 10,000 scorecards
//! cargo bench --bench throughput -- 2000    # other sizes
//! ```
//!
//! Everything is measured in one run on the same generated workbooks (written
//! once to a temporary folder), alternating the measurements over five rounds
//! and keeping the fastest of each (noise on a shared machine only adds time),
//! and reported as ratios against the floor:
//!
//! - (a) floor: read every workbook's cells with calamine and nothing else, on all cores;
//! - (b) `kaohe score DIR -o summary.xlsx` end to end, as a user runs it (compiled component cached);
//! - (c) per-workbook cost of the component call (fresh store, instantiate, score)
//!   against the same evaluator called natively (fastest of several batches);
//! - (d) peak RSS of (b);
//! - (e) one workbook from the CLI, compiled component cached;
//! - (f) per format the sandbox parses (xlsx the fast path hands off, ods, xls),
//!   one workbook read by calamine in the sandboxed reader component against
//!   calamine in this process (fastest of several batches, one thread).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use calamine::Reader;
use kaohe::render::template::Unit;
use kaohe::runtime::{Entry, EntryValue, Limits, LoadedRubric, RuleCount, Runtime, Scoring};
use rayon::prelude::*;

const KAOHE: &str = env!("CARGO_BIN_EXE_kaohe");

/// A small deterministic generator (xorshift), so every run scores the same files.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Values of a plausible filled scorecard: half points off here and there,
/// occasional bonus, deduction counts and special items.
fn values(rubric: &LoadedRubric, seed: u64) -> Unit {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut unit = Unit { center: format!("第{seed}号服务中心"), county: "示例县".into(), ..Default::default() };
    for item in &rubric.info.items {
        match &item.scoring {
            Scoring::Range if item.required => {
                let halves = (item.max_points * 2.0) as u64;
                let off = if rng.below(4) == 0 { rng.below(halves + 1) } else { 0 };
                unit.values.insert(item.id.clone(), (halves - off) as f64 / 2.0);
            }
            Scoring::Range => {
                unit.values.insert(item.id.clone(), rng.below(item.max_points as u64 + 1) as f64);
            }
            Scoring::Levels(levels) => {
                if rng.below(3) == 0 {
                    unit.values.insert(item.id.clone(), levels[rng.below(levels.len() as u64) as usize].points);
                }
            }
            Scoring::Rules(rules) => {
                for r in rules {
                    if rng.below(8) == 0 {
                        unit.values.insert(r.id.clone(), (1 + rng.below(3)) as f64);
                    }
                }
            }
        }
    }
    unit
}

fn generate(rubric: &LoadedRubric, dir: &Path, n: usize) -> Vec<PathBuf> {
    let files: Vec<PathBuf> = (0..n).map(|i| dir.join(format!("{i:06}.xlsx"))).collect();
    files.par_iter().enumerate().for_each(|(i, p)| {
        let bytes = kaohe::render::template::build(rubric, &values(rubric, i as u64 + 1)).expect("template");
        std::fs::write(p, bytes).expect("write workbook");
    });
    files
}

/// (a) The floor: open each workbook and read every sheet's cells, nothing else.
fn floor(files: &[PathBuf]) -> (Duration, usize) {
    let start = Instant::now();
    let cells: usize = files
        .par_iter()
        .map(|p| {
            let mut book = calamine::open_workbook_auto(p).expect("open");
            let names = book.sheet_names();
            names.iter().map(|n| book.worksheet_range(n).map(|r| r.used_cells().count()).unwrap_or(0)).sum::<usize>()
        })
        .sum();
    (start.elapsed(), cells)
}

/// Breakdown of (b) in this process, on all cores: kaohe's reader alone, then
/// reading and scoring (no summary, no process start).
fn breakdown(rubric: &LoadedRubric, files: &[PathBuf]) -> (Duration, Duration) {
    let start = Instant::now();
    let n: usize = files.par_iter().map(|p| kaohe::score::read_workbook(p).cards.iter().map(|c| c.rows.len()).sum::<usize>()).sum();
    assert!(n > 0);
    let read = start.elapsed();
    let start = Instant::now();
    let ok = kaohe::score::score_files(rubric, files).iter().filter(|r| r.ok()).count();
    assert_eq!(ok, files.len());
    (read, start.elapsed())
}

/// (b) `kaohe score` end to end; returns wall time and the child's peak RSS in KiB.
///
/// The peak is the child's own `VmHWM`, sampled every few milliseconds until it
/// exits: `getrusage`/`wait4` would also count the benchmark's own memory, which
/// the child shares between spawning and exec.
fn kaohe_score(dir: &Path, out: &Path) -> (Duration, i64) {
    let start = Instant::now();
    let mut child = Command::new(KAOHE)
        .arg("score")
        .arg(dir)
        .arg("-o")
        .arg(out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run kaohe");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file)
            && let Some(kib) = text.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<i64>().ok())
        {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait().expect("wait for kaohe") {
            break status;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let took = start.elapsed();
    assert!(status.success(), "kaohe score failed");
    (took, peak)
}

/// Rounds of each measurement; the fastest is reported.
const ROUNDS: usize = 5;

fn fastest(v: Vec<Duration>) -> Duration {
    v.into_iter().min().expect("at least one round")
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// The entries a typical workbook gives the component.
fn entries(rubric: &LoadedRubric) -> (Vec<Entry>, Vec<kaohe_engine::Entry>) {
    let unit = values(rubric, 7);
    let mut wit = Vec::new();
    let mut native = Vec::new();
    for item in &rubric.info.items {
        let (w, n) = match &item.scoring {
            Scoring::Rules(rules) => {
                let counts: Vec<(String, f64)> = rules.iter().filter_map(|r| unit.values.get(&r.id).map(|v| (r.id.clone(), *v))).collect();
                (EntryValue::Counts(counts.iter().map(|(k, v)| RuleCount { rule: k.clone(), value: *v }).collect()), kaohe_engine::EntryValue::Counts(counts))
            }
            _ => match unit.values.get(&item.id) {
                Some(v) => (EntryValue::Points(*v), kaohe_engine::EntryValue::Points(*v)),
                None => (EntryValue::Blank, kaohe_engine::EntryValue::Blank),
            },
        };
        wit.push(Entry { item: item.id.clone(), value: w });
        native.push(kaohe_engine::Entry { item: item.id.clone(), value: n });
    }
    (wit, native)
}

/// (c) Per-call cost of the component against the native evaluator, in µs.
fn call_costs(rubric: &LoadedRubric) -> (f64, f64) {
    let toml_text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../rubrics/changzhi-2023/rubric.toml")).unwrap();
    let native_rubric: kaohe_engine::Rubric = toml::from_str(&toml_text).unwrap();
    let (wit, native) = entries(rubric);
    let a = rubric.score(&wit).unwrap().unwrap();
    let b = native_rubric.score(&native).unwrap();
    assert_eq!(a.total, b.total, "component and native evaluator agree");
    // The fastest of several batches: this machine's noise only ever adds time.
    const BATCHES: u32 = 9;
    const N: u32 = 600;
    let batch = |f: &dyn Fn()| {
        (0..BATCHES)
            .map(|_| {
                let t = Instant::now();
                for _ in 0..N {
                    f();
                }
                t.elapsed().as_secs_f64() * 1e6 / N as f64
            })
            .fold(f64::INFINITY, f64::min)
    };
    let component = batch(&|| {
        std::hint::black_box(rubric.score(std::hint::black_box(&wit)).unwrap().unwrap());
    });
    let native = batch(&|| {
        std::hint::black_box(native_rubric.score(std::hint::black_box(&native)).unwrap());
    });
    (component, native)
}

/// (f) Reading one workbook of each format through the sandboxed reader against
/// calamine in this process: (format, sandboxed µs, in-process µs).
fn reader_costs(dir: &Path) -> Vec<(&'static str, f64, f64)> {
    let mut books: Vec<(&'static str, PathBuf)> = Vec::new();
    // An xlsx with a date cell, which the fast path hands to calamine.
    let xlsx = dir.join("dated.xlsx");
    {
        let mut book = rust_xlsxwriter::Workbook::new();
        let ws = book.add_worksheet();
        ws.write(0, 0, "被考核单位：示例县退役军人服务中心").unwrap();
        ws.write(1, 0, "序号").unwrap();
        ws.write(1, 1, "得分").unwrap();
        for i in 0..70u32 {
            ws.write(i + 2, 0, i + 1).unwrap();
            ws.write(i + 2, 1, 1.0).unwrap();
        }
        let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        ws.write_with_format(0, 3, 45_180.0, &date).unwrap();
        std::fs::write(&xlsx, book.save_to_buffer().unwrap()).unwrap();
    }
    books.push(("xlsx (handed off)", xlsx));
    let ods = Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/长治市/襄垣县（WPS导出）.ods");
    books.push(("ods", ods.clone()));
    // An xls, where LibreOffice is there to write one.
    let converted = Command::new("soffice")
        .args(["-env:UserInstallation=file:///tmp/kaohe-bench-lo", "--headless", "--convert-to", "xls", "--outdir"])
        .arg(dir)
        .arg(&ods)
        .output()
        .is_ok_and(|o| o.status.success());
    let xls = dir.join("襄垣县（WPS导出）.xls");
    if converted && xls.exists() {
        books.push(("xls", xls));
    } else {
        eprintln!("(f) no soffice: xls not measured");
    }
    let limits = kaohe::workbook::ReadLimits::default();
    let parser = kaohe::reader::parser();
    let mut out = Vec::new();
    for (format, path) in books {
        let bytes = std::fs::read(&path).unwrap();
        let sandboxed = || kaohe::workbook::read_bytes_via(&bytes, &path, &limits, parser).expect("read in the sandbox");
        let native = || kaohe::workbook::read_bytes_with(&bytes, &path, &limits).expect("read in process");
        assert_eq!(sandboxed(), native(), "{format}: the same scorecards either way");
        let per = |f: &dyn Fn()| {
            (0..5)
                .map(|_| {
                    let t = Instant::now();
                    for _ in 0..100 {
                        f();
                    }
                    t.elapsed().as_secs_f64() * 1e6 / 100.0
                })
                .fold(f64::INFINITY, f64::min)
        };
        out.push((format, per(&|| drop(sandboxed())), per(&|| drop(native()))));
    }
    out
}

fn main() {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![1_000, 10_000] } else { sizes };
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!("kaohe throughput benchmark: {cores} cores, sizes {sizes:?}");

    let rt = Runtime::new(Limits::default()).expect("runtime");
    let rubric = rt.load(kaohe::BUILTIN_RUBRIC, "built-in").expect("built-in rubric");
    // KAOHE_BENCH_DIR keeps the generated workbooks there (for profiling); else a temp dir.
    let keep = std::env::var_os("KAOHE_BENCH_DIR").map(PathBuf::from);
    let tmp_dir = tempfile::tempdir().expect("temp dir");
    let tmp = keep.as_deref().unwrap_or(tmp_dir.path());
    std::fs::create_dir_all(tmp).expect("bench dir");

    // (e) one workbook from the CLI, compiled component cached (first run warms the cache).
    let one_dir = tmp.join("one");
    std::fs::create_dir_all(&one_dir).unwrap();
    let one = generate(&rubric, &one_dir, 1);
    let run_one = || {
        let t = Instant::now();
        let o = Command::new(KAOHE).args(["score", "--json"]).arg(&one[0]).output().unwrap();
        assert!(o.status.success());
        t.elapsed()
    };
    run_one();
    let single = median((0..10).map(|_| run_one()).collect());

    let (component_us, native_us) = call_costs(&rubric);

    let mut rows = Vec::new();
    for &n in &sizes {
        let dir = tmp.join(format!("n{n}"));
        std::fs::create_dir_all(&dir).unwrap();
        let t = Instant::now();
        let files = generate(&rubric, &dir, n);
        eprintln!("generated {n} workbooks in {:.1} s", t.elapsed().as_secs_f64());
        let out = tmp.join(format!("summary-{n}.xlsx"));
        // Warm the page cache once, then alternate the measurements, keeping the
        // fastest of each: on a shared machine noise only ever adds time.
        floor(&files);
        let mut floors = Vec::new();
        let mut scores = Vec::new();
        let mut reads = Vec::new();
        let mut scored = Vec::new();
        let mut rss = 0;
        for _ in 0..ROUNDS {
            let (f, cells) = floor(&files);
            assert!(cells > 0);
            floors.push(f);
            let (s, r) = kaohe_score(&dir, &out);
            scores.push(s);
            rss = rss.max(r);
            let (rd, sc) = breakdown(&rubric, &files);
            reads.push(rd);
            scored.push(sc);
        }
        let (f, rd, sc) = (fastest(floors), fastest(reads), fastest(scored));
        eprintln!(
            "breakdown at {n}: kaohe's reader {:.3} s ({:.2}× floor), read + score in process {:.3} s ({:.2}× floor)",
            rd.as_secs_f64(),
            rd.as_secs_f64() / f.as_secs_f64(),
            sc.as_secs_f64(),
            sc.as_secs_f64() / f.as_secs_f64()
        );
        rows.push((n, f, fastest(scores), rss));
    }

    println!();
    println!("{:>8} {:>12} {:>14} {:>9} {:>12} {:>14}", "files", "(a) floor", "(b) kaohe", "(b)/(a)", "per file", "(d) peak RSS");
    for (n, f, s, rss) in &rows {
        println!(
            "{:>8} {:>10.3} s {:>12.3} s {:>9.2} {:>9.0} µs {:>11.1} MB",
            n,
            f.as_secs_f64(),
            s.as_secs_f64(),
            s.as_secs_f64() / f.as_secs_f64(),
            s.as_secs_f64() * 1e6 / *n as f64,
            *rss as f64 / 1024.0
        );
    }
    println!();
    println!("(c) component call {component_us:.1} µs, native evaluator {native_us:.1} µs: the component adds {:.1} µs per workbook", component_us - native_us);
    println!("(e) one workbook from the CLI (cached component): {:.1} ms", single.as_secs_f64() * 1e3);
    for (format, sandboxed, native) in reader_costs(tmp) {
        println!("(f) {format}: sandboxed reader {sandboxed:.0} µs, calamine in process {native:.0} µs: the sandbox adds {:.0} µs", sandboxed - native);
    }
    println!();
    if let Some((n, f, s, rss)) = rows.iter().max_by_key(|r| r.0) {
        let ratio = s.as_secs_f64() / f.as_secs_f64();
        let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
        println!("targets at {n} files:");
        println!("  (b)/(a) = {ratio:.2} (target <= 1.3): {}", verdict(ratio <= 1.3));
        println!("  component overhead {:.1} µs (target <= 50): {}", component_us - native_us, verdict(component_us - native_us <= 50.0));
        println!("  single workbook {:.1} ms (target < 50): {}", single.as_secs_f64() * 1e3, verdict(single < Duration::from_millis(50)));
        println!("  peak RSS {:.1} MB (target < 150): {}", *rss as f64 / 1024.0, verdict((*rss as f64 / 1024.0) < 150.0));
        let per_file = s.as_secs_f64() / *n as f64;
        let country = 2_800.0 + 40_000.0 + 600_000.0;
        println!();
        println!("projection: {country:.0} stations at {:.0} µs each on this machine ≈ {:.1} minutes", per_file * 1e6, country * per_file / 60.0);
    }
}
