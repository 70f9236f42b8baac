//! `kaohe`: the command line, a thin layer over the `kaohe` library in
//! ripgrep's style: parse the arguments, run one function per command, decide
//! the exit status in one place ([`main`]). Output goes through
//! `kaohe::render` (text, JSON, workbooks); where outputs may go is
//! `kaohe::output`'s policy.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};

use kaohe::catalog::Catalog;
use kaohe::render::{json, summary, template, text};
use kaohe::runtime::{Limits, LoadedRubric, Runtime};
use kaohe::score::{self, UnitResult};
use kaohe::{output, units};

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
    /// List the rubrics kaohe can load: id, version, level, items, points, the kaohe:rubric version it is called through, SHA-256, origin.
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
        /// Rubric ids or component paths [default: the default built-in rubric, first in `kaohe rubrics`]. Repeatable.
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
    /// Rubric components: `export ID -o FILE.xlsx`, `build FILE -o NAME.wasm`, `pin PATH`, `show ID|PATH`.
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
    /// Write a rubric as an authoring workbook (.xlsx) a clerk edits in Excel or
    /// WPS and builds again with `kaohe rubric build`.
    Export {
        /// Rubric id or component path.
        rubric: String,
        /// Where to write the workbook (.xlsx).
        #[arg(short, long, value_name = "FILE.xlsx")]
        output: PathBuf,
        /// Overwrite FILE.xlsx if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Build a rubric component from an authoring workbook or a rubric.toml, with no Rust toolchain.
    ///
    /// The rubric is validated (every problem reported at once; nothing is
    /// written while any remains), then written into kaohe's prebuilt
    /// evaluator: the same file always gives a byte-identical component. An id
    /// and version that another rubric kaohe knows already uses, with other
    /// content, are refused.
    Build {
        /// The rubric's source: an authoring workbook (.xlsx .xls .ods, see `rubric export`) or a rubric.toml.
        source: PathBuf,
        /// Where to write the component (.wasm).
        #[arg(short, long, value_name = "NAME.wasm")]
        output: PathBuf,
        /// Overwrite NAME.wasm if it exists.
        #[arg(long)]
        force: bool,
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
    /// Rubric id (see `kaohe rubrics`) or path to a component .wasm [default: the default built-in rubric, first in `kaohe rubrics`].
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

fn usage(msg: impl std::fmt::Display) -> anyhow::Error {
    Usage(msg.to_string()).into()
}

/// How a command went, before it becomes an exit status.
enum Outcome {
    /// Everything given was handled without an error.
    Clean,
    /// Some unit, file or component had an error (all others were still handled).
    SomeErrors,
}

impl Outcome {
    fn of(clean: bool) -> Self {
        if clean { Outcome::Clean } else { Outcome::SomeErrors }
    }
}

/// The exit status, decided here only: 0 clean, 1 some file had errors (or the
/// run failed), 2 usage.
fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::SomeErrors) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            let usage = e.downcast_ref::<Usage>().is_some() || e.downcast_ref::<output::Refused>().is_some();
            ExitCode::from(if usage { 2 } else { 1 })
        }
    }
}

/// Everything a command needs from the global options.
struct Ctx<'rt> {
    catalog: Catalog<'rt>,
    jobs: usize,
}

impl Ctx<'_> {
    fn rubric(&self, spec: Option<&str>) -> Result<LoadedRubric> {
        self.catalog.resolve(spec).map_err(|e| usage(format!("{e:#}")))
    }

    /// Every rubric named (the default when none is).
    fn rubrics(&self, specs: &[String]) -> Result<Vec<LoadedRubric>> {
        if specs.is_empty() {
            return Ok(vec![self.rubric(None)?]);
        }
        specs.iter().map(|s| self.rubric(Some(s))).collect()
    }
}

fn run(cli: Cli) -> Result<Outcome> {
    let limits = Limits { timeout: Duration::from_millis(cli.rubric_timeout), memory: cli.rubric_memory << 20 };
    let cache = if cli.no_cache { None } else { kaohe::runtime::default_cache_dir() };
    let rt = Runtime::with_cache(limits, cache.as_deref())?;
    let read = Limits { timeout: Duration::from_millis(cli.read_timeout), memory: cli.read_memory << 20 };
    kaohe::reader::configure(read, cache.as_deref());
    let jobs = match cli.jobs {
        Some(0) => return Err(usage("--jobs must be at least 1")),
        Some(n) => n,
        None => kaohe::batch::default_jobs(),
    };
    let ctx = Ctx { catalog: Catalog::new(&rt, cli.rubric_dir.clone()), jobs };
    match cli.command {
        Command::Rubrics { files, json } => rubrics(&ctx, &files, json),
        Command::Template { rubric, center, county, roster, output, force } => {
            let rubric = ctx.rubric(rubric.rubric.as_deref())?;
            match (roster, center) {
                (Some(roster), _) => templates_for_roster(&rubric, &roster, &output),
                (None, Some(center)) => template_one(&rubric, &center, county, &output, force),
                (None, None) => Err(usage("template needs --center NAME or --roster FILE")),
            }
        }
        Command::Score { rubrics, output, json, issuer, date, force, roster, inputs } => {
            score(&ctx, &rubrics, output.as_deref(), json, summary::Header { issuer, date }, force, roster.as_deref(), &inputs)
        }
        Command::Compare { rubrics, output, json, force, roster, inputs } => {
            compare(&ctx, &rubrics, output.as_deref(), json, force, roster.as_deref(), &inputs)
        }
        Command::Province { manifest, output, json, force } => province(&ctx, &manifest, output.as_deref(), json, force),
        Command::Rubric(RubricCommand::Pin { path }) => {
            let bytes = std::fs::read(&path).map_err(|e| usage(format!("cannot read {}: {e}", path.display())))?;
            text::pin(&ctx.catalog.load_bytes(&bytes, &path.display().to_string())?, &path);
            Ok(Outcome::Clean)
        }
        Command::Rubric(RubricCommand::Build { source, output, force }) => build_rubric(&ctx, &source, &output, force),
        Command::Rubric(RubricCommand::Export { rubric, output, force }) => {
            if output.extension().is_none_or(|e| !e.eq_ignore_ascii_case("xlsx")) {
                return Err(usage(format!("{}: the authoring workbook is an .xlsx; name it FILE.xlsx", output.display())));
            }
            if output.exists() && !force {
                return Err(usage(format!("{} exists (it may hold a clerk's edits); choose another name or pass --force", output.display())));
            }
            let r = ctx.rubric(Some(&rubric))?;
            let bytes = kaohe::render::authoring::workbook(&kaohe::authoring::model_of(&r.info))?;
            output::write_atomic(&output, &bytes)?;
            eprintln!("wrote {} ({} {}): edit it, then `kaohe rubric build {} -o NAME.wasm`", output.display(), r.info.id, r.info.version, output.display());
            Ok(Outcome::Clean)
        }
        Command::Rubric(RubricCommand::Show { rubric, json }) => {
            let r = ctx.rubric(Some(&rubric))?;
            if json {
                text::json(&json::RubricDescription::new(&r))?
            } else {
                text::rubric(&r)
            }
            Ok(Outcome::Clean)
        }
    }
}

/// `kaohe rubric build`.
fn build_rubric(ctx: &Ctx, source: &Path, output: &Path, force: bool) -> Result<Outcome> {
    if output.extension().is_none_or(|e| !e.eq_ignore_ascii_case("wasm")) {
        return Err(usage(format!("{}: a component is a .wasm file; name it NAME.wasm", output.display())));
    }
    let ext = source.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    if !["toml", "xlsx", "xlsm", "xls", "ods"].contains(&ext.as_str()) {
        return Err(usage(format!("{}: rubric build reads an authoring workbook (.xlsx .xls .ods) or a rubric.toml", source.display())));
    }
    if output.exists() && !force {
        return Err(usage(format!("{} exists; choose another name or pass --force", output.display())));
    }
    let input = std::fs::read(source).map_err(|e| usage(format!("cannot read {}: {e}", source.display())))?;
    let built = match ext.as_str() {
        "toml" => match String::from_utf8(input) {
            Ok(text) => kaohe::rubric_build::from_toml(&text),
            Err(_) => Err(vec![kaohe::rubric_build::Problem { place: String::new(), message: "rubric.toml is not UTF-8 text".into() }]),
        },
        _ => kaohe::rubric_build::from_workbook(&input, &ext),
    };
    let bytes = match built {
        Ok(bytes) => bytes,
        Err(problems) => {
            for p in &problems {
                eprintln!("error: {}: {p}", source.display());
            }
            let n = problems.len();
            eprintln!("{n} problem{}; no component written", if n == 1 { "" } else { "s" });
            return Ok(Outcome::SomeErrors);
        }
    };
    let built = ctx.catalog.load_bytes(&bytes, &output.display().to_string())?;
    let (known, _) = ctx.catalog.list(&[]);
    let same = |r: &LoadedRubric| {
        let mut a = serde_json::to_value(json::RubricDescription::new(r)).unwrap_or_default();
        let mut b = serde_json::to_value(json::RubricDescription::new(&built)).unwrap_or_default();
        for v in [&mut a, &mut b] {
            v["sha256"] = serde_json::Value::Null;
            v["origin"] = serde_json::Value::Null;
        }
        a == b
    };
    if let Some(other) = known.iter().find(|r| r.info.id == built.info.id && r.info.version == built.info.version && !same(r)) {
        eprintln!(
            "error: {}: {} {} is already the id and version of another rubric ({}); give this one a new version",
            source.display(),
            built.info.id,
            built.info.version,
            other.origin
        );
        return Ok(Outcome::SomeErrors);
    }
    output::write_atomic(output, &bytes)?;
    eprintln!(
        "built {} ({} {}, {} items, totals {}..{})",
        output.display(),
        built.info.id,
        built.info.version,
        built.info.items.len(),
        built.info.min_total,
        built.info.max_total
    );
    text::pin(&built, output);
    Ok(Outcome::Clean)
}

/// `kaohe rubrics`.
fn rubrics(ctx: &Ctx, files: &[PathBuf], as_json: bool) -> Result<Outcome> {
    let (rubrics, errors) = ctx.catalog.list(files);
    if as_json {
        text::json(&json::RubricList::new(&rubrics, &errors))?;
    } else {
        text::rubric_list(&rubrics, &errors);
    }
    Ok(Outcome::of(errors.is_empty()))
}

/// `kaohe score`.
#[allow(clippy::too_many_arguments)]
fn score(
    ctx: &Ctx,
    specs: &[String],
    output: Option<&Path>,
    as_json: bool,
    header: summary::Header,
    force: bool,
    roster: Option<&Path>,
    inputs: &[PathBuf],
) -> Result<Outcome> {
    let loaded = ctx.rubrics(specs)?;
    let refs: Vec<&LoadedRubric> = loaded.iter().collect();
    let roster = load_roster(roster)?;
    let files = output::inputs_for(inputs, output, roster.as_ref(), force)?;
    let progress = text::Progress::new(files.len(), !as_json);
    let options = score::Options { drop_trace: !as_json };
    let mut results = score::score_stream(&refs, &files, options, ctx.jobs, &mut |r| {
        progress.done(r);
        Ok(())
    })?;
    progress.finish();
    // Duplicates, the roster and the ranks need the whole batch; the summary is written after them.
    units::check(&mut results, &refs, roster.as_ref());
    // The results are printed while the summary is written (both only read them);
    // the line naming the summary comes once it is written.
    let print = || -> Result<()> {
        if as_json {
            text::json(&json::ScoreOutput::new(&refs, &results))?;
        } else {
            text::results(&results, files.len());
        }
        Ok(())
    };
    let written = match output {
        Some(out) => std::thread::scope(|s| {
            let printed = s.spawn(print);
            let written = summary::write(&refs, &results, &header, out).with_context(|| format!("writing the summary {}", out.display()));
            printed.join().map_err(|_| anyhow::anyhow!("printing the results failed"))??;
            written
        }),
        None => print(),
    };
    written?;
    if let (Some(out), false) = (output, as_json) {
        text::summary_written(out);
    }
    Ok(Outcome::of(results.iter().all(UnitResult::ok)))
}

/// `kaohe compare`.
fn compare(ctx: &Ctx, specs: &[String], output: Option<&Path>, as_json: bool, force: bool, roster: Option<&Path>, inputs: &[PathBuf]) -> Result<Outcome> {
    if specs.len() != 2 {
        return Err(usage("compare takes exactly two rubrics: --rubric A --rubric B"));
    }
    let loaded = ctx.rubrics(specs)?;
    let (a, b) = (&loaded[0], &loaded[1]);
    let roster = load_roster(roster)?;
    let files = output::inputs_for(inputs, output, roster.as_ref(), force)?;
    let changes = kaohe::compare::diff(&a.info, &b.info);
    let pairs = kaohe::compare::score_both(a, b, &files, roster.as_ref(), ctx.jobs);
    if let Some(out) = output {
        let bytes = kaohe::render::compare::workbook(a, b, &changes, &pairs)?;
        output::write_atomic(out, &bytes).with_context(|| format!("writing {}", out.display()))?;
    }
    if as_json {
        text::json(&json::CompareOutput::new(a, b, &changes, &pairs))?;
    } else {
        text::comparison(a, b, &changes, &pairs, output);
    }
    Ok(Outcome::of(pairs.iter().all(|p| p.a.ok() && p.b.ok())))
}

/// `kaohe province`.
fn province(ctx: &Ctx, manifest: &Path, output: Option<&Path>, as_json: bool, force: bool) -> Result<Outcome> {
    if let Some(out) = output {
        output::check_output(out, &[manifest.to_path_buf()], force)?;
    }
    let m = kaohe::province::Manifest::load(manifest).map_err(|e| usage(format!("{e:#}")))?;
    let exclude: Vec<PathBuf> = output.iter().map(|p| p.to_path_buf()).collect();
    let cities = kaohe::province::run(&ctx.catalog, &m, manifest, &exclude, ctx.jobs);
    if let Some(out) = output {
        let bytes = kaohe::render::province::workbook(&m, &cities, &summary::Header::default())?;
        output::write_atomic(out, &bytes).with_context(|| format!("writing {}", out.display()))?;
    }
    if as_json {
        text::json(&json::ProvinceOutput::new(&m, &cities))?;
    } else {
        text::province(&cities, output);
    }
    Ok(Outcome::of(!cities.iter().any(|c| c.has_errors())))
}

/// `kaohe template --center NAME -o FILE.xlsx`.
fn template_one(rubric: &LoadedRubric, center: &str, county: Option<String>, output: &Path, force: bool) -> Result<Outcome> {
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
    Ok(Outcome::Clean)
}

/// `kaohe template --roster FILE -o DIR`: one template per roster unit, never over an existing file.
fn templates_for_roster(rubric: &LoadedRubric, roster: &Path, dir: &Path) -> Result<Outcome> {
    let roster = units::Roster::load(roster).map_err(|e| usage(format!("{e:#}")))?;
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
    Ok(Outcome::Clean)
}

/// Read the roster, if one was given; one that cannot be read is a usage error.
fn load_roster(path: Option<&Path>) -> Result<Option<units::Roster>> {
    path.map(|p| units::Roster::load(p).map_err(|e| usage(format!("{e:#}")))).transpose()
}
