//! `kaohe`: the command line. A thin layer over the `kaohe` library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use serde_json::json;

use kaohe::catalog::Catalog;
use kaohe::runtime::{Limits, LoadedRubric, Runtime};
use kaohe::score::{self, FileResult};
use kaohe::{output, report, template};

/// Score veterans' service center assessment workbooks (考核评分表) with rubric components.
///
/// Exit status: 0 when every file scored cleanly, 1 when any file had an error
/// (all others are still scored and written), 2 for usage errors.
#[derive(Parser)]
#[command(name = "kaohe", version, about, long_about)]
struct Cli {
    /// Folder of rubric components (*.wasm) to load besides the built-in ones. Repeatable.
    #[arg(long, global = true, env = "KAOHE_RUBRIC_DIR", value_delimiter = ':', value_name = "DIR")]
    rubric_dir: Vec<PathBuf>,

    /// Time budget of one call into a rubric component, in milliseconds.
    #[arg(long, global = true, default_value_t = 1000, value_name = "MS")]
    rubric_timeout: u64,

    /// Memory cap of one rubric component instance, in MiB.
    #[arg(long, global = true, default_value_t = 64, value_name = "MIB")]
    rubric_memory: usize,

    /// Do not cache compiled rubric components on disk (the cache lives in
    /// $KAOHE_CACHE_DIR, else $XDG_CACHE_HOME/kaohe, else ~/.cache/kaohe).
    #[arg(long, global = true)]
    no_cache: bool,

    /// Workbooks scored at once [default: the number of cores].
    #[arg(short, long, global = true, value_name = "N")]
    jobs: Option<usize>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the rubrics kaohe can load: id, version, level, items, points, SHA-256, origin.
    Rubrics {
        /// Also load these component files.
        #[arg(long = "rubric", value_name = "PATH")]
        files: Vec<PathBuf>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Write a blank scorecard for one unit, to be filled in Excel or WPS.
    Template {
        #[command(flatten)]
        rubric: RubricArg,
        /// The unit's name (被考核单位), e.g. 潞州区退役军人服务中心.
        #[arg(long, value_name = "NAME")]
        center: String,
        /// The county (县(市、区)); defaults to the start of the unit's name.
        #[arg(long, value_name = "NAME")]
        county: Option<String>,
        /// Where to write the workbook (.xlsx).
        #[arg(short, long, value_name = "FILE.xlsx")]
        output: PathBuf,
        /// Overwrite FILE if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Score filled scorecards and write the summary (附件2 统计表).
    Score {
        #[command(flatten)]
        rubric: RubricArg,
        /// Write the summary workbook here (.xlsx).
        #[arg(short, long, value_name = "SUMMARY.xlsx")]
        output: Option<PathBuf>,
        /// Print results as JSON on stdout.
        #[arg(long)]
        json: bool,
        /// 填表单位 line of the summary; defaults to the rubric's issuing body.
        #[arg(long, value_name = "TEXT")]
        issuer: Option<String>,
        /// 时间 line of the summary, e.g. 2023年9月15日; blank by default.
        #[arg(long, value_name = "TEXT")]
        date: Option<String>,
        /// Overwrite SUMMARY.xlsx even if it exists and was not written by kaohe.
        #[arg(long)]
        force: bool,
        /// Workbooks (.xlsx .xlsm .xls .xlsb .ods) or folders of them.
        #[arg(required = true, value_name = "INPUT")]
        inputs: Vec<PathBuf>,
    },
}

#[derive(Args)]
struct RubricArg {
    /// Rubric id (see `kaohe rubrics`) or path to a component .wasm [default: changzhi-2023].
    #[arg(long, value_name = "ID|PATH")]
    rubric: Option<String>,
}

/// A failure of the invocation itself (exit 2), as opposed to a file's error (exit 1).
#[derive(Debug)]
struct Usage(String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

fn usage(msg: impl Into<String>) -> anyhow::Error {
    Usage(msg.into()).into()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.downcast_ref::<Usage>().is_some() { ExitCode::from(2) } else { ExitCode::from(1) }
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let limits = Limits { timeout: Duration::from_millis(cli.rubric_timeout), memory: cli.rubric_memory << 20 };
    let cache = if cli.no_cache { None } else { kaohe::runtime::default_cache_dir() };
    let rt = Runtime::with_cache(limits, cache.as_deref())?;
    if let Some(jobs) = cli.jobs {
        if jobs == 0 {
            return Err(usage("--jobs must be at least 1"));
        }
        // Only fails if a global pool already exists, which it cannot here.
        let _ = rayon::ThreadPoolBuilder::new().num_threads(jobs).build_global();
    }
    let catalog = Catalog::new(&rt, cli.rubric_dir.clone());
    let resolve = |arg: &RubricArg| catalog.resolve(arg.rubric.as_deref()).map_err(|e| usage(format!("{e:#}")));
    match cli.command {
        Command::Rubrics { files, json } => list_rubrics(&catalog, &files, json),
        Command::Template { rubric, center, county, output, force } => {
            let rubric = resolve(&rubric)?;
            if output.extension().is_none_or(|e| !e.eq_ignore_ascii_case("xlsx")) {
                return Err(usage(format!("{}: the template is an .xlsx workbook; name it FILE.xlsx", output.display())));
            }
            if output.exists() && !force {
                return Err(usage(format!(
                    "{} exists (it may hold an inspector's scores); choose another name or pass --force",
                    output.display()
                )));
            }
            let county = county.or_else(|| kaohe::workbook::county_from_name(&center)).unwrap_or_default();
            let unit = template::Unit { center: center.clone(), county, ..Default::default() };
            let bytes = template::build(&rubric, &unit)?;
            output::write_atomic(&output, &bytes)?;
            eprintln!("wrote {} ({} {}, {})", output.display(), rubric.info.id, rubric.info.version, center);
            Ok(ExitCode::SUCCESS)
        }
        Command::Score { rubric, output, json, issuer, date, force, inputs } => {
            let rubric = resolve(&rubric)?;
            if let Some(out) = &output {
                check_output(out, &inputs, force)?;
            }
            let exclude: Vec<PathBuf> = output.iter().cloned().collect();
            let files = score::collect_inputs(&inputs, &exclude).map_err(|e| usage(format!("{e:#}")))?;
            if files.is_empty() {
                return Err(usage("no workbooks (.xlsx .xlsm .xls .xlsb .ods) found in the inputs"));
            }
            let results = score_with_progress(&rubric, &files, !json);
            if let Some(out) = &output {
                let bytes = report::build(&rubric, &results, &report::Header { issuer, date })?;
                output::write_atomic(out, &bytes).with_context(|| format!("writing the summary {}", out.display()))?;
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&to_json(&rubric, &results))?);
            } else {
                print_results(&results, output.as_deref());
            }
            let clean = results.iter().all(FileResult::ok);
            Ok(if clean { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
    }
}

/// Refuse an output that is one of the inputs, is not an .xlsx, or exists and
/// was not written by kaohe (unless `force`).
fn check_output(out: &Path, inputs: &[PathBuf], force: bool) -> Result<()> {
    if out.extension().is_none_or(|e| !e.eq_ignore_ascii_case("xlsx")) {
        return Err(usage(format!("{}: the summary is an .xlsx workbook; name it SUMMARY.xlsx", out.display())));
    }
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => std::path::absolute(a).ok() == std::path::absolute(b).ok(),
    };
    if inputs.iter().any(|i| same(out, i)) {
        return Err(usage(format!("{} is one of the inputs; write the summary somewhere else", out.display())));
    }
    if out.exists() && !force && !output::is_kaohe_summary(out) {
        return Err(usage(format!(
            "{} exists and is not a summary kaohe wrote; choose another name or pass --force to overwrite it",
            out.display()
        )));
    }
    Ok(())
}

fn list_rubrics(catalog: &Catalog, files: &[PathBuf], json: bool) -> Result<ExitCode> {
    let (rubrics, errors) = catalog.list(files);
    let describe = |r: &LoadedRubric| {
        let i = &r.info;
        let level = level_name(i.level);
        json!({
            "id": i.id, "version": i.version, "title": i.title, "issuer": i.issuer, "region": i.region,
            "year": i.year, "level": level, "items": i.items.len(), "min_total": i.min_total,
            "max_total": i.max_total, "sha256": r.sha256, "origin": r.origin,
        })
    };
    if json {
        let errs: Vec<_> = errors.iter().map(|e| json!({"origin": e.origin, "error": format!("{:#}", e.error)})).collect();
        let list: Vec<_> = rubrics.iter().map(describe).collect();
        println!("{}", serde_json::to_string_pretty(&json!({"rubrics": list, "errors": errs}))?);
    } else {
        println!("{:<20} {:<8} {:<16} {:>5} {:>12}  {:<64}  ORIGIN", "ID", "VERSION", "LEVEL", "ITEMS", "POINTS", "SHA-256");
        for r in &rubrics {
            let i = &r.info;
            println!(
                "{:<20} {:<8} {:<16} {:>5} {:>12}  {}  {}",
                i.id,
                i.version,
                level_name(i.level),
                i.items.len(),
                format!("{}..{}", i.min_total, i.max_total),
                r.sha256,
                r.origin
            );
        }
        for e in &errors {
            eprintln!("error: {}: {:#}", e.origin, e.error);
        }
    }
    Ok(if errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn to_json(rubric: &LoadedRubric, results: &[FileResult]) -> serde_json::Value {
    let results: Vec<_> = results
        .iter()
        .map(|r| {
            let a = r.assessment.as_ref();
            let cats: Vec<_> = a
                .map(|a| a.categories.iter().map(|c| json!({"name": c.name, "score": c.score, "max": c.max_points})).collect())
                .unwrap_or_default();
            let items: Vec<_> = a
                .map(|a| a.items.iter().map(|s| json!({"item": s.item, "points": s.points})).collect())
                .unwrap_or_default();
            json!({
                "file": r.file,
                "ok": r.ok(),
                "county": r.county,
                "center": r.center,
                "input_sha256": r.input_sha256,
                "categories": cats,
                "items": items,
                "bonus": a.map(|a| a.bonus),
                "deduction": a.map(|a| a.deduction),
                "special": a.map(|a| a.special),
                "special_deduction": a.map(|a| a.special_deduction),
                "adjustment": a.map(|a| a.adjustment),
                "total": a.filter(|_| r.ok()).map(|a| a.total),
                "grade": a.filter(|_| r.ok()).map(|a| a.grade.clone()),
                "trace": a.map(|a| a.trace.iter().map(|t| json!({"rule": t.rule, "text": t.text, "points": t.points})).collect::<Vec<_>>()),
                "findings": r.findings,
            })
        })
        .collect();
    json!({
        "rubric": {"id": rubric.info.id, "version": rubric.info.version, "sha256": rubric.sha256},
        "results": results,
    })
}

/// Score the files, with a progress bar on a terminal for batches big enough to
/// wait for; nothing of it with `--json` (`allowed` false, which also keeps the
/// traces the JSON prints) or when stderr is not a terminal.
fn score_with_progress(rubric: &LoadedRubric, files: &[PathBuf], allowed: bool) -> Vec<FileResult> {
    use std::io::IsTerminal;
    use std::sync::atomic::{AtomicUsize, Ordering};
    const MIN_FILES: usize = 50;
    let options = score::Options { drop_trace: allowed };
    if !allowed || files.len() < MIN_FILES || !std::io::stderr().is_terminal() {
        return score::score_files_with(rubric, files, options, &|_| {});
    }
    let bar = indicatif::ProgressBar::new(files.len() as u64);
    let style = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} files, {msg} {per_sec} ETA {eta}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message("0 with errors,");
    let errors = AtomicUsize::new(0);
    let results = score::score_files_with(rubric, files, options, &|r| {
        if !r.ok() {
            let n = errors.fetch_add(1, Ordering::Relaxed) + 1;
            bar.set_message(format!("{n} with errors,"));
        }
        bar.inc(1);
    });
    bar.finish_and_clear();
    results
}

fn print_results(results: &[FileResult], output: Option<&Path>) {
    for r in results {
        match (&r.assessment, r.ok()) {
            (Some(a), true) => println!("{:<10} {:<28} {:>7.2}  {}", r.county, r.center, a.total, a.grade),
            _ => println!("{:<10} {:<28} {:>7}  未评分 ({})", r.county, r.center, "-", r.file),
        }
    }
    const PER_CODE: usize = 5;
    for r in results {
        let mut shown: std::collections::HashMap<&str, usize> = Default::default();
        for f in &r.findings {
            let n = shown.entry(f.code.as_str()).or_default();
            *n += 1;
            if *n > PER_CODE {
                continue;
            }
            let place = [f.sheet.clone(), f.cell.clone()].into_iter().flatten().collect::<Vec<_>>().join("!");
            let item = f.item.as_deref().map(|i| format!(" [序号 {i}]")).unwrap_or_default();
            eprintln!("{}: {}{} {} ({}): {}", r.file, place, item, f.severity.label(), f.code, f.message);
        }
        for (code, n) in shown.into_iter().filter(|(_, n)| *n > PER_CODE) {
            eprintln!("{}: … {} more `{code}` findings (all are in --json and the summary's 问题清单 sheet)", r.file, n - PER_CODE);
        }
    }
    let ok = results.iter().filter(|r| r.ok()).count();
    eprintln!("scored {ok} of {} files cleanly", results.len());
    if let Some(o) = output {
        eprintln!("summary written to {}", o.display());
    }
}

fn level_name(l: kaohe::runtime::Level) -> &'static str {
    use kaohe::runtime::Level;
    match l {
        Level::CountyCenter => "county-center",
        Level::TownshipStation => "township-station",
        Level::VillageStation => "village-station",
    }
}
