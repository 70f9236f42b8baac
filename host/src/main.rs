//! `kaohe`: the command line. A thin layer over the `kaohe` library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use serde_json::json;

use kaohe::catalog::Catalog;
use kaohe::runtime::{Limits, LoadedRubric, Runtime};
use kaohe::score::{self, Status, UnitResult};
use kaohe::{output, report, template};

/// `println!` for results on stdout that does not panic when the reader has gone
/// (`kaohe score … | head`): once a write fails, further output is dropped and the
/// run finishes normally, its exit code still saying how scoring went.
macro_rules! out {
    () => { emit(format_args!("")) };
    ($($arg:tt)*) => { emit(format_args!($($arg)*)) };
}

static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn emit(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    use std::sync::atomic::Ordering;
    if !STDOUT_CLOSED.load(Ordering::Relaxed) && writeln!(std::io::stdout().lock(), "{args}").is_err() {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
    }
}

/// Score veterans' service center assessment workbooks (考核评分表) with rubric components.
///
/// Exit status: 0 when every unit scored cleanly, 1 when any unit had an error
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

    /// Time budget for parsing one workbook in the sandboxed reader (xls, xlsb,
    /// ods, and xlsx the fast path hands off), in milliseconds.
    #[arg(long, global = true, default_value_t = 10_000, value_name = "MS")]
    read_timeout: u64,

    /// Memory cap for parsing one workbook in the sandboxed reader, in MiB.
    #[arg(long, global = true, default_value_t = 256, value_name = "MIB")]
    read_memory: usize,

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
    /// Write a blank scorecard for one unit, or one per unit of a roster, to be filled in Excel or WPS.
    ///
    /// With --roster, OUTPUT is a folder (created if needed) that gets one
    /// template per roster unit, named after the unit; an existing file there is
    /// never overwritten (it may hold an inspector's scores) and is listed as kept.
    Template {
        #[command(flatten)]
        rubric: RubricArg,
        /// The unit's name (被考核单位), e.g. 潞州区退役军人服务中心.
        #[arg(long, value_name = "NAME", required_unless_present = "roster", conflicts_with = "roster")]
        center: Option<String>,
        /// The county (县(市、区)); defaults to the start of the unit's name.
        #[arg(long, value_name = "NAME", conflicts_with = "roster")]
        county: Option<String>,
        /// One template per unit of this roster (a workbook or CSV with 县(市、区) and 单位名称 columns).
        #[arg(long, value_name = "FILE")]
        roster: Option<PathBuf>,
        /// Where to write the workbook (.xlsx); with --roster, a folder.
        #[arg(short, long, value_name = "FILE.xlsx|DIR")]
        output: PathBuf,
        /// Overwrite FILE if it exists (not with --roster: existing templates are always kept).
        #[arg(long, conflicts_with = "roster")]
        force: bool,
    },
    /// Score filled scorecards and write the summary (附件2 统计表).
    ///
    /// Every sheet holding a scorecard is one unit. With several --rubric, each
    /// scorecard is scored by the rubric its template names (a county center and
    /// its township stations in one summary), else by the first; every row says
    /// which rubric scored it. The same unit handed in twice is an error on each
    /// copy; with --roster, each expected unit without a scorecard is 未提交.
    Score {
        /// Rubric ids or component paths [default: changzhi-2023]. Repeatable.
        #[arg(long = "rubric", value_name = "ID|PATH")]
        rubrics: Vec<String>,
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
        /// The units expected: a workbook or CSV with 县(市、区) and 单位名称 columns.
        #[arg(long, value_name = "FILE")]
        roster: Option<PathBuf>,
        /// Workbooks (.xlsx .xlsm .xls .xlsb .ods) or folders of them.
        #[arg(required = true, value_name = "INPUT")]
        inputs: Vec<PathBuf>,
    },
    /// Score the same workbooks under two rubric versions and show what changes.
    Compare {
        /// Rubric A then rubric B (ids or component paths).
        #[arg(long = "rubric", value_name = "ID|PATH", num_args = 1, required = true)]
        rubrics: Vec<String>,
        /// Write the comparison workbook here (.xlsx).
        #[arg(short, long, value_name = "COMPARE.xlsx")]
        output: Option<PathBuf>,
        /// Print the comparison as JSON on stdout.
        #[arg(long)]
        json: bool,
        /// Overwrite COMPARE.xlsx even if it exists and was not written by kaohe.
        #[arg(long)]
        force: bool,
        /// The units expected: a workbook or CSV with 县(市、区) and 单位名称 columns.
        #[arg(long, value_name = "FILE")]
        roster: Option<PathBuf>,
        /// Workbooks or folders of them.
        #[arg(required = true, value_name = "INPUT")]
        inputs: Vec<PathBuf>,
    },
    /// Score every city of a province, each with its own rubric components (a TOML manifest).
    Province {
        /// The manifest: cities, their rubric components (pinned SHA-256) and workbook folders.
        manifest: PathBuf,
        /// Write the provincial workbook here (.xlsx).
        #[arg(short, long, value_name = "PROVINCE.xlsx")]
        output: Option<PathBuf>,
        /// Print the roll-up as JSON on stdout.
        #[arg(long)]
        json: bool,
        /// Overwrite PROVINCE.xlsx even if it exists and was not written by kaohe.
        #[arg(long)]
        force: bool,
    },
    /// Inspect rubric components: `pin PATH`, `show ID|PATH`.
    #[command(subcommand)]
    Rubric(RubricCommand),
}

#[derive(Subcommand)]
enum RubricCommand {
    /// Print the manifest entry (path and SHA-256) for a component file.
    Pin {
        /// The component (.wasm).
        path: PathBuf,
    },
    /// Print a rubric's full description: items, sub-rules, caps, levels, bands, report.
    Show {
        /// Rubric id or component path.
        rubric: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
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
    let read = Limits { timeout: Duration::from_millis(cli.read_timeout), memory: cli.read_memory << 20 };
    kaohe::reader::configure(read, cache.as_deref());
    let jobs = match cli.jobs {
        Some(0) => return Err(usage("--jobs must be at least 1")),
        Some(n) => n,
        None => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
    };
    // compare and province use rayon's pool; only fails if one already exists, which it cannot here.
    let _ = rayon::ThreadPoolBuilder::new().num_threads(jobs).build_global();
    let catalog = Catalog::new(&rt, cli.rubric_dir.clone());
    let resolve = |arg: &RubricArg| catalog.resolve(arg.rubric.as_deref()).map_err(|e| usage(format!("{e:#}")));
    match cli.command {
        Command::Rubrics { files, json } => list_rubrics(&catalog, &files, json),
        Command::Template { rubric, center, county, roster, output, force } => {
            let rubric = resolve(&rubric)?;
            match (roster, center) {
                (Some(roster), _) => templates_for_roster(&rubric, &roster, &output),
                (None, Some(center)) => template_one(&rubric, &center, county, &output, force),
                (None, None) => Err(usage("template needs --center NAME or --roster FILE")),
            }
        }
        Command::Score { rubrics, output, json, issuer, date, force, roster, inputs } => {
            let loaded = resolve_all(&catalog, &rubrics)?;
            let refs: Vec<&LoadedRubric> = loaded.iter().collect();
            let roster = load_roster(roster.as_deref())?;
            let files = inputs_for(&inputs, output.as_deref(), roster.as_ref(), force)?;
            let progress = Progress::new(files.len(), !json);
            let options = score::Options { drop_trace: !json };
            // 评分明细 is written row by row while later workbooks are still being scored.
            let mut summary = match &output {
                Some(_) => Some(report::Writer::new(&refs, &report::Header { issuer, date })?),
                None => None,
            };
            let mut results = score::score_stream(&refs, &files, options, jobs, &mut |r| {
                progress.done(r);
                match &mut summary {
                    Some(w) => w.add(r),
                    None => Ok(()),
                }
            })?;
            progress.finish();
            // Duplicates and the roster need the whole batch; 统计表 and 问题清单 are written after them.
            kaohe::units::check(&mut results, &refs, roster.as_ref());
            if let (Some(out), Some(w)) = (&output, summary) {
                output::write_atomic(out, &w.finish(&results)?).with_context(|| format!("writing the summary {}", out.display()))?;
            }
            if json {
                out!("{}", serde_json::to_string_pretty(&kaohe::json::score_output(&refs, &results))?);
            } else {
                print_results(&results, files.len(), output.as_deref());
            }
            Ok(exit(results.iter().all(UnitResult::ok)))
        }
        Command::Compare { rubrics, output, json, force, roster, inputs } => {
            if rubrics.len() != 2 {
                return Err(usage("compare takes exactly two rubrics: --rubric A --rubric B"));
            }
            let loaded = resolve_all(&catalog, &rubrics)?;
            let (a, b) = (&loaded[0], &loaded[1]);
            let roster = load_roster(roster.as_deref())?;
            let files = inputs_for(&inputs, output.as_deref(), roster.as_ref(), force)?;
            let changes = kaohe::compare::diff(&a.info, &b.info);
            let pairs = kaohe::compare::score_both(a, b, &files, roster.as_ref());
            if let Some(out) = &output {
                let bytes = kaohe::compare::workbook(a, b, &changes, &pairs)?;
                output::write_atomic(out, &bytes).with_context(|| format!("writing {}", out.display()))?;
            }
            if json {
                out!("{}", serde_json::to_string_pretty(&kaohe::compare::json(a, b, &changes, &pairs))?);
            } else {
                print_comparison(a, b, &changes, &pairs, output.as_deref());
            }
            Ok(exit(pairs.iter().all(|p| p.a.ok() && p.b.ok())))
        }
        Command::Province { manifest, output, json, force } => {
            if let Some(out) = &output {
                check_output(out, std::slice::from_ref(&manifest), force)?;
            }
            let m = kaohe::province::Manifest::load(&manifest).map_err(|e| usage(format!("{e:#}")))?;
            let exclude: Vec<PathBuf> = output.iter().cloned().collect();
            let cities = kaohe::province::run(&catalog, &m, &manifest, &exclude);
            if let Some(out) = &output {
                let bytes = kaohe::province::workbook(&m, &cities, &report::Header::default())?;
                output::write_atomic(out, &bytes).with_context(|| format!("writing {}", out.display()))?;
            }
            if json {
                out!("{}", serde_json::to_string_pretty(&kaohe::province::json(&m, &cities))?);
            } else {
                print_province(&cities, output.as_deref());
            }
            Ok(exit(!cities.iter().any(|c| c.has_errors())))
        }
        Command::Rubric(RubricCommand::Pin { path }) => {
            let bytes = std::fs::read(&path).map_err(|e| usage(format!("cannot read {}: {e}", path.display())))?;
            let r = catalog.load_bytes(&bytes, &path.display().to_string())?;
            out!("# {} {} ({}), {}", r.info.id, r.info.version, r.info.title, kaohe::level_name(r.info.level));
            out!("{{ path = {:?}, sha256 = \"{}\" }}", path.display().to_string(), r.sha256);
            Ok(ExitCode::SUCCESS)
        }
        Command::Rubric(RubricCommand::Show { rubric, json }) => {
            let r = catalog.resolve(Some(&rubric)).map_err(|e| usage(format!("{e:#}")))?;
            if json {
                out!("{}", serde_json::to_string_pretty(&describe_json(&r))?);
            } else {
                print!("{}", describe_text(&r));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `kaohe template --center NAME -o FILE.xlsx`.
fn template_one(rubric: &LoadedRubric, center: &str, county: Option<String>, output: &Path, force: bool) -> Result<ExitCode> {
    if output.extension().is_none_or(|e| !e.eq_ignore_ascii_case("xlsx")) {
        return Err(usage(format!("{}: the template is an .xlsx workbook; name it FILE.xlsx", output.display())));
    }
    if output.exists() && !force {
        return Err(usage(format!("{} exists (it may hold an inspector's scores); choose another name or pass --force", output.display())));
    }
    let county = county.or_else(|| kaohe::workbook::county_from_name(center)).unwrap_or_default();
    let unit = template::Unit { center: center.to_string(), county, ..Default::default() };
    output::write_atomic(output, &template::build(rubric, &unit)?)?;
    eprintln!("wrote {} ({} {}, {})", output.display(), rubric.info.id, rubric.info.version, center);
    Ok(ExitCode::SUCCESS)
}

/// `kaohe template --roster FILE -o DIR`: one template per roster unit, never over an existing file.
fn templates_for_roster(rubric: &LoadedRubric, roster: &Path, dir: &Path) -> Result<ExitCode> {
    let roster = kaohe::units::Roster::load(roster).map_err(|e| usage(format!("{e:#}")))?;
    if dir.is_file() {
        return Err(usage(format!("{} is a file; with --roster, -o names a folder for the templates", dir.display())));
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create the folder {}", dir.display()))?;
    let (mut written, mut kept) = (0, 0);
    let mut names = std::collections::HashSet::new();
    for e in &roster.units {
        let mut stem = template::file_stem(&e.name);
        if !names.insert(stem.clone()) {
            // The same name twice in the roster (two counties' 东街街道): tell them apart by county.
            stem = template::file_stem(&format!("{}{}", e.county, e.name));
            names.insert(stem.clone());
        }
        let path = dir.join(format!("{stem}.xlsx"));
        if path.exists() {
            eprintln!("kept {} (it exists and may hold scores)", path.display());
            kept += 1;
            continue;
        }
        let county = if e.county.is_empty() { kaohe::workbook::county_from_name(&e.name).unwrap_or_default() } else { e.county.clone() };
        let unit = template::Unit { center: e.name.clone(), county, ..Default::default() };
        output::write_new(&path, &template::build(rubric, &unit)?)?;
        written += 1;
    }
    eprintln!("wrote {written} templates to {} ({} {}), kept {kept} existing", dir.display(), rubric.info.id, rubric.info.version);
    Ok(ExitCode::SUCCESS)
}

fn exit(clean: bool) -> ExitCode {
    if clean { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

/// Load every rubric named (the default when none is).
fn resolve_all(catalog: &Catalog, specs: &[String]) -> Result<Vec<LoadedRubric>> {
    if specs.is_empty() {
        return Ok(vec![catalog.resolve(None).map_err(|e| usage(format!("{e:#}")))?]);
    }
    specs.iter().map(|s| catalog.resolve(Some(s)).map_err(|e| usage(format!("{e:#}")))).collect()
}

/// Read the roster, if one was given; one that cannot be read is a usage error.
fn load_roster(path: Option<&Path>) -> Result<Option<kaohe::units::Roster>> {
    path.map(|p| kaohe::units::Roster::load(p).map_err(|e| usage(format!("{e:#}")))).transpose()
}

/// Check the output and expand the inputs (never reading the output or the roster as a scorecard).
fn inputs_for(inputs: &[PathBuf], output: Option<&Path>, roster: Option<&kaohe::units::Roster>, force: bool) -> Result<Vec<PathBuf>> {
    if let Some(out) = output {
        check_output(out, inputs, force)?;
        if let Some(r) = roster
            && std::path::absolute(out).ok() == std::path::absolute(&r.path).ok()
        {
            return Err(usage(format!("{} is the roster; write the summary somewhere else", out.display())));
        }
    }
    let mut exclude: Vec<PathBuf> = output.iter().map(|p| p.to_path_buf()).collect();
    exclude.extend(roster.map(|r| PathBuf::from(&r.path)));
    let files = score::collect_inputs(inputs, &exclude).map_err(|e| usage(format!("{e:#}")))?;
    if files.is_empty() {
        return Err(usage("no workbooks (.xlsx .xlsm .xls .xlsb .ods) found in the inputs"));
    }
    Ok(files)
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
    if out.exists() && !force {
        match output::summary_owner(out) {
            output::Owner::Kaohe => {}
            output::Owner::EditedSince => {
                return Err(usage(format!(
                    "{} is a summary kaohe wrote, but it has been edited or saved again since (a clerk's remarks?); it is kept: choose another name or pass --force to replace it",
                    out.display()
                )));
            }
            output::Owner::Other => {
                return Err(usage(format!(
                    "{} exists and is not a summary kaohe wrote; choose another name or pass --force to overwrite it",
                    out.display()
                )));
            }
        }
    }
    Ok(())
}

fn list_rubrics(catalog: &Catalog, files: &[PathBuf], json: bool) -> Result<ExitCode> {
    let (rubrics, errors) = catalog.list(files);
    let describe = |r: &LoadedRubric| {
        let i = &r.info;
        let level = kaohe::level_name(i.level);
        json!({
            "id": i.id, "version": i.version, "title": i.title, "issuer": i.issuer, "region": i.region,
            "year": i.year, "level": level, "items": i.items.len(), "min_total": i.min_total,
            "max_total": i.max_total, "sha256": r.sha256, "origin": r.origin,
        })
    };
    if json {
        let errs: Vec<_> = errors.iter().map(|e| json!({"origin": e.origin, "error": format!("{:#}", e.error)})).collect();
        let list: Vec<_> = rubrics.iter().map(describe).collect();
        out!("{}", serde_json::to_string_pretty(&json!({"rubrics": list, "errors": errs}))?);
    } else {
        out!("{:<24} {:<8} {:<16} {:>5} {:>12}  {:<64}  ORIGIN", "ID", "VERSION", "LEVEL", "ITEMS", "POINTS", "SHA-256");
        for r in &rubrics {
            let i = &r.info;
            out!(
                "{:<24} {:<8} {:<16} {:>5} {:>12}  {}  {}",
                i.id,
                i.version,
                kaohe::level_name(i.level),
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

/// A progress bar on a terminal for batches big enough to wait for; nothing
/// of it with `--json` (`allowed` false) or when stderr is not a terminal.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    units: std::cell::Cell<usize>,
    errors: std::cell::Cell<usize>,
    file: std::cell::RefCell<String>,
}

impl Progress {
    fn new(files: usize, allowed: bool) -> Self {
        use std::io::IsTerminal;
        const MIN_FILES: usize = 50;
        let bar = (allowed && files >= MIN_FILES && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(files as u64);
            let style = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} files, {msg} {per_sec} ETA {eta}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_message("0 units (0 with errors),");
            bar
        });
        Progress { bar, units: Default::default(), errors: Default::default(), file: Default::default() }
    }

    /// One unit done; the bar moves by files (a file may hold several units).
    fn done(&self, r: &UnitResult) {
        let Some(bar) = &self.bar else { return };
        self.units.set(self.units.get() + 1);
        self.errors.set(self.errors.get() + usize::from(!r.ok()));
        bar.set_message(format!("{} units ({} with errors),", self.units.get(), self.errors.get()));
        if self.file.replace(r.file.clone()) != r.file {
            bar.inc(1);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn print_results(results: &[UnitResult], files: usize, output: Option<&Path>) {
    for r in results {
        let sheet = r.sheet.as_deref().map(|s| format!("!{s}")).unwrap_or_default();
        match (&r.assessment, r.status()) {
            (Some(a), Status::Scored) => out!("{:<10} {:<28} {:>7.2}  {}", r.county, r.center, a.total, a.grade),
            (_, status) => out!("{:<10} {:<28} {:>7}  {} ({}{sheet})", r.county, r.center, "-", status.label(), r.file),
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
            let place = if place.is_empty() { String::new() } else { format!(" {place}") };
            let item = f.item.as_deref().map(|i| format!(" [序号 {i}]")).unwrap_or_default();
            eprintln!("{}:{}{} {} ({}): {}", r.file, place, item, f.severity.label(), f.code, f.message);
        }
        for (code, n) in shown.into_iter().filter(|(_, n)| *n > PER_CODE) {
            eprintln!("{}: … {} more `{code}` findings (all are in --json and the summary's 问题清单 sheet)", r.file, n - PER_CODE);
        }
    }
    let t = kaohe::units::tally(results);
    let mut extra = Vec::new();
    if t.duplicated > 0 {
        extra.push(format!("{} handed in more than once ({} copies)", t.duplicated, t.copies));
    }
    if t.not_submitted > 0 {
        extra.push(format!("{} on the roster not submitted", t.not_submitted));
    }
    let extra = if extra.is_empty() { String::new() } else { format!("; {}", extra.join(", ")) };
    eprintln!("scored {} of {} units cleanly, from {files} files{extra}", t.scored, t.units);
    if let Some(o) = output {
        eprintln!("summary written to {}", o.display());
    }
}


fn print_comparison(
    a: &LoadedRubric,
    b: &LoadedRubric,
    changes: &[kaohe::compare::Change],
    pairs: &[kaohe::compare::Pair],
    output: Option<&Path>,
) {
    out!("A: {} {}  B: {} {}", a.info.id, a.info.version, b.info.id, b.info.version);
    out!("{} changes between the rubrics:", changes.len());
    for c in changes {
        out!("  {:<8} {:<6} {} → {}", c.label, c.item, kaohe::clip(&c.a, 30), kaohe::clip(&c.b, 30));
    }
    out!();
    out!("{:<10} {:<28} {:>8} {:>8} {:>8}  GRADE A → GRADE B", "COUNTY", "CENTER", "TOTAL A", "TOTAL B", "CHANGE");
    for p in pairs {
        let total = |r: &UnitResult| r.assessment.as_ref().filter(|_| r.ok()).map(|x| (x.total, x.grade.clone()));
        match (total(&p.a), total(&p.b)) {
            (Some((x, gx)), Some((y, gy))) => {
                out!("{:<10} {:<28} {:>8.2} {:>8.2} {:>+8.2}  {gx} → {gy}", p.a.county, p.a.center, x, y, y - x)
            }
            _ => out!("{:<10} {:<28} {:>8} {:>8} {:>8}  (see findings)", p.a.county, p.a.center, "-", "-", "-"),
        }
    }
    for p in pairs {
        for (tag, r) in [("A", &p.a), ("B", &p.b)] {
            for f in r.findings.iter().filter(|f| f.severity == score::Severity::Error || f.code == "missing-item") {
                eprintln!("{} [{tag}]: {} ({}): {}", r.file, f.severity.label(), f.code, f.message);
            }
        }
    }
    if let Some(o) = output {
        eprintln!("comparison written to {}", o.display());
    }
}

fn print_province(cities: &[kaohe::province::CityReport], output: Option<&Path>) {
    let grades = kaohe::province::grade_labels(cities);
    out!("{:<14} {:<28} {:>6} {:>7} {:>7} {:>8}  {}", "CITY", "RUBRIC", "UNITS", "SCORED", "ERRORS", "MEAN", grades.join(" "));
    for c in cities {
        let groups: Vec<Option<usize>> = if c.rubrics.is_empty() { vec![None] } else { (0..c.rubrics.len()).map(Some).collect() };
        for k in groups {
            let s = kaohe::province::stats(c, k, &grades);
            let id = k.map(|k| format!("{} {}", c.rubrics[k].info.id, c.rubrics[k].info.version)).unwrap_or_else(|| "-".into());
            let mean = s.mean.map(|m| format!("{m:.2}")).unwrap_or_else(|| "-".into());
            let counts: Vec<String> = s.per_grade.iter().map(|n| n.to_string()).collect();
            out!("{:<14} {:<28} {:>6} {:>7} {:>7} {:>8}  {}", c.name, id, s.tally.units, s.tally.scored, s.tally.with_errors(), mean, counts.join(" "));
        }
        for p in &c.problems {
            for f in &p.findings {
                eprintln!("error: {}: {} ({}): {}", c.name, p.file, f.code, f.message);
            }
        }
    }
    if let Some(o) = output {
        eprintln!("provincial workbook written to {}", o.display());
    }
}

fn describe_json(r: &LoadedRubric) -> serde_json::Value {
    use kaohe::runtime::{ColumnSource, RuleMode, Scoring};
    let i = &r.info;
    let items: Vec<_> = i
        .items
        .iter()
        .map(|it| {
            let scoring = match &it.scoring {
                Scoring::Range => json!({"kind": "range"}),
                Scoring::Levels(ls) => json!({"kind": "levels", "levels": ls.iter().map(|l| json!({"points": l.points, "label": l.label})).collect::<Vec<_>>()}),
                Scoring::Rules(rs) => json!({"kind": "rules", "rules": rs.iter().map(|x| json!({
                    "id": x.id, "text": x.text, "mode": if matches!(x.mode, RuleMode::PerOccurrence) { "per-occurrence" } else { "discretionary" },
                    "points_each": x.points_each, "cap": x.cap, "unit": x.unit})).collect::<Vec<_>>()}),
            };
            json!({"id": it.id, "category": it.category, "part": format!("{:?}", it.part).to_lowercase(), "text": it.text,
                   "max": it.max_points, "required": it.required, "scoring": scoring})
        })
        .collect();
    let source = |s: &ColumnSource| match s {
        ColumnSource::Category(n) => format!("category:{n}"),
        other => format!("{other:?}").to_lowercase(),
    };
    json!({
        "id": i.id, "version": i.version, "title": i.title, "issuer": i.issuer, "region": i.region,
        "level": kaohe::level_name(i.level), "year": i.year, "description": i.description,
        "sha256": r.sha256, "origin": r.origin, "min_total": i.min_total, "max_total": i.max_total,
        "categories": i.categories.iter().map(|c| json!({"name": c.name, "max": c.max_points})).collect::<Vec<_>>(),
        "items": items,
        "bands": i.bands.iter().map(|b| json!({"label": b.label, "min": b.min_total})).collect::<Vec<_>>(),
        "report": {"title": i.report_title, "notes": i.report_notes,
                   "columns": i.report_columns.iter().map(|c| json!({"header": c.header, "source": source(&c.source)})).collect::<Vec<_>>()},
    })
}

fn describe_text(r: &LoadedRubric) -> String {
    use kaohe::runtime::{RuleMode, Scoring};
    use std::fmt::Write;
    let i = &r.info;
    let p = kaohe_engine::fmt_points;
    let mut s = String::new();
    let _ = writeln!(s, "{} {} — {}", i.id, i.version, i.title);
    let _ = writeln!(s, "issuer: {}  region: {}  level: {}  year: {}", i.issuer, i.region, kaohe::level_name(i.level), i.year);
    let _ = writeln!(s, "component: {} ({})", r.sha256, r.origin);
    let _ = writeln!(s, "totals from {} to {}", p(i.min_total), p(i.max_total));
    if !i.description.is_empty() {
        let _ = writeln!(s, "{}", i.description);
    }
    for c in &i.categories {
        let _ = writeln!(s, "\n{} (max {})", c.name, p(c.max_points));
        for it in i.items.iter().filter(|it| it.category == c.name) {
            let kind = match &it.scoring {
                Scoring::Range => format!("0..{}", p(it.max_points)),
                Scoring::Levels(ls) => format!("one of 0, {}", ls.iter().map(|l| p(l.points)).collect::<Vec<_>>().join(", ")),
                Scoring::Rules(_) => format!("deduction, at most {}", p(it.max_points)),
            };
            let _ = writeln!(s, "  {:>4}  [{kind}]{} {}", it.id, if it.required { " required" } else { "" }, kaohe::clip(&it.text, 60));
            match &it.scoring {
                Scoring::Levels(ls) => {
                    for l in ls {
                        let _ = writeln!(s, "          {} points: {}", p(l.points), l.label);
                    }
                }
                Scoring::Rules(rs) => {
                    for x in rs {
                        let rule = match x.mode {
                            RuleMode::PerOccurrence => format!("{} per {}, cap {}", p(x.points_each), x.unit, p(x.cap)),
                            RuleMode::Discretionary => format!("discretionary, cap {}", p(x.cap)),
                        };
                        let _ = writeln!(s, "        {:>5}  {rule}: {}", x.id, x.text);
                    }
                }
                Scoring::Range => {}
            }
        }
    }
    let _ = writeln!(s, "\ngrade bands:");
    for b in &i.bands {
        let _ = writeln!(s, "  {}  {}", b.min_total.map(|m| format!(">= {}", p(m))).unwrap_or_else(|| "otherwise".into()), b.label);
    }
    let _ = writeln!(s, "\nreport: {} — {}", i.report_title, i.report_columns.iter().map(|c| c.header.as_str()).collect::<Vec<_>>().join(" | "));
    s
}
