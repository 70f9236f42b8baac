//! The command line's output for people: tables on stdout (aligned by display
//! width, so Chinese names, two columns wide on a terminal, line up), findings
//! and notes on stderr, the progress bar. Every stdout write goes through
//! [`line`], which never panics when the reader has gone (`kaohe score … | head`).

use std::path::Path;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::catalog::LoadFailure;
use crate::compare::{Change, Pair};
use crate::province::{CityReport, grade_labels, stats};
use crate::runtime::{LoadedRubric, RuleMode, Scoring};
use crate::score::{Severity, Status, UnitResult};

static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Write one line to stdout; once a write fails (the reader has gone), further
/// output is dropped and the run finishes normally, its exit status still
/// saying how scoring went.
pub fn line(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    use std::sync::atomic::Ordering;
    if !STDOUT_CLOSED.load(Ordering::Relaxed) && writeln!(std::io::stdout().lock(), "{args}").is_err() {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
    }
}

/// Stdout for many lines at once: buffered, and like [`line`] silent once
/// the reader has gone. Flushed when dropped.
pub struct Lines(std::io::BufWriter<std::io::StdoutLock<'static>>);

impl Lines {
    pub fn new() -> Self {
        Lines(std::io::BufWriter::with_capacity(64 << 10, std::io::stdout().lock()))
    }

    pub fn line(&mut self, args: std::fmt::Arguments<'_>) {
        use std::io::Write;
        use std::sync::atomic::Ordering;
        if !STDOUT_CLOSED.load(Ordering::Relaxed) && writeln!(self.0, "{args}").is_err() {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
        }
    }
}

impl Default for Lines {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Lines {
    fn drop(&mut self) {
        use std::io::Write;
        if self.0.flush().is_err() {
            STDOUT_CLOSED.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

/// Stderr for many notes at once: one write per buffer-full instead of one per piece.
fn notes() -> std::io::BufWriter<std::io::StderrLock<'static>> {
    std::io::BufWriter::with_capacity(64 << 10, std::io::stderr().lock())
}

/// `println!` through [`line`].
#[macro_export]
#[doc(hidden)]
macro_rules! out {
    () => { $crate::render::text::line(format_args!("")) };
    ($($arg:tt)*) => { $crate::render::text::line(format_args!($($arg)*)) };
}

/// `s` padded with spaces to `width` terminal columns, or clipped to them (with
/// `…`) when wider: a CJK character counts two columns.
///
/// ```
/// use kaohe::render::text::fit;
/// assert_eq!(fit("潞州区", 8), "潞州区  ");
/// assert_eq!(fit("ab", 4), "ab  ");
/// assert_eq!(fit("潞州区退役军人服务中心", 9), "潞州区退…");
/// ```
pub fn fit(s: &str, width: usize) -> String {
    if s.width() <= width {
        return format!("{s}{}", " ".repeat(width - s.width()));
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    used += 1;
    out.push_str(&" ".repeat(width.saturating_sub(used)));
    out
}

/// Print a value as pretty JSON on stdout.
pub fn json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    out!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// `kaohe rubrics`: one line per rubric; failures on stderr.
pub fn rubric_list(rubrics: &[LoadedRubric], errors: &[LoadFailure]) {
    out!("{} {} {} {:>5} {:>12} {}  {:<64}  ORIGIN", fit("ID", 24), fit("VERSION", 8), fit("LEVEL", 16), "ITEMS", "POINTS", fit("WIT", 6), "SHA-256");
    for r in rubrics {
        let i = &r.info;
        out!(
            "{} {} {} {:>5} {:>12} {}  {}  {}",
            fit(&i.id, 24),
            fit(&i.version, 8),
            fit(crate::level_name(i.level), 16),
            i.items.len(),
            format!("{}..{}", i.min_total, i.max_total),
            fit(r.interface(), 6),
            r.sha256,
            r.origin
        );
    }
    for e in errors {
        eprintln!("error: {}: {:#}", e.origin, e.error);
    }
}

/// `kaohe rubric pin`: the manifest line for a component.
pub fn pin(r: &LoadedRubric, path: &Path) {
    out!("# {} {} ({}), {}", r.info.id, r.info.version, r.info.title, crate::level_name(r.info.level));
    out!("{{ path = {:?}, sha256 = \"{}\" }}", path.display().to_string(), r.sha256);
}

/// `kaohe rubric show`: the description as text.
pub fn rubric(r: &LoadedRubric) {
    for l in describe(r).lines() {
        out!("{l}");
    }
}

/// A progress bar on a terminal for batches big enough to wait for; nothing
/// of it with `--json` (`allowed` false) or when stderr is not a terminal.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    units: std::cell::Cell<usize>,
    errors: std::cell::Cell<usize>,
    file: std::cell::RefCell<String>,
}

impl Progress {
    pub fn new(files: usize, allowed: bool) -> Self {
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
    pub fn done(&self, r: &UnitResult) {
        let Some(bar) = &self.bar else { return };
        self.units.set(self.units.get() + 1);
        self.errors.set(self.errors.get() + usize::from(!r.ok()));
        bar.set_message(format!("{} units ({} with errors),", self.units.get(), self.errors.get()));
        if self.file.replace(r.file.clone()) != r.file {
            bar.inc(1);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// `kaohe score`: one line per unit on stdout, findings and the count on stderr
/// (then [`summary_written`], once the summary is).
pub fn results(results: &[UnitResult], files: usize) {
    use std::io::Write;
    let mut out = Lines::new();
    for r in results {
        let sheet = r.sheet.as_deref().map(|s| format!("!{s}")).unwrap_or_default();
        match (&r.assessment, r.status()) {
            (Some(a), Status::Scored) => out.line(format_args!("{} {} {:>7.2}  {}", fit(&r.county, 10), fit(&r.center, 28), a.total, a.grade)),
            (_, status) => out.line(format_args!("{} {} {:>7}  {} ({}{sheet})", fit(&r.county, 10), fit(&r.center, 28), "-", status.label(), r.file)),
        }
    }
    drop(out);
    let mut err = notes();
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
            let _ = writeln!(err, "{}:{}{} {} ({}): {}", r.file, place, item, f.severity.label(), f.code, f.message);
        }
        for (code, n) in shown.into_iter().filter(|(_, n)| *n > PER_CODE) {
            let _ = writeln!(err, "{}: … {} more `{code}` findings (all are in --json and the summary's 问题清单 sheet)", r.file, n - PER_CODE);
        }
    }
    drop(err);
    let t = crate::units::tally(results);
    let mut extra = Vec::new();
    if t.duplicated > 0 {
        extra.push(format!("{} handed in more than once ({} copies)", t.duplicated, t.copies));
    }
    if t.not_submitted > 0 {
        extra.push(format!("{} on the roster not submitted", t.not_submitted));
    }
    let extra = if extra.is_empty() { String::new() } else { format!("; {}", extra.join(", ")) };
    eprintln!("scored {} of {} units cleanly, from {files} files{extra}", t.scored, t.units);
}

/// The line that names the summary, once it is written.
pub fn summary_written(path: &Path) {
    eprintln!("summary written to {}", path.display());
}

/// `kaohe compare`: the changes, then each unit's totals under A and B.
pub fn comparison(a: &LoadedRubric, b: &LoadedRubric, changes: &[Change], pairs: &[Pair], output: Option<&Path>) {
    out!("A: {} {}  B: {} {}", a.info.id, a.info.version, b.info.id, b.info.version);
    out!("{} changes between the rubrics:", changes.len());
    for c in changes {
        out!("  {} {} {} → {}", fit(c.label, 12), fit(&c.item, 6), crate::clip(&c.a, 30), crate::clip(&c.b, 30));
    }
    out!();
    out!("{} {} {:>8} {:>8} {:>8}  GRADE A → GRADE B", fit("COUNTY", 10), fit("CENTER", 28), "TOTAL A", "TOTAL B", "CHANGE");
    for p in pairs {
        let total = |r: &UnitResult| r.assessment.as_ref().filter(|_| r.ok()).map(|x| (x.total, x.grade.clone()));
        match (total(&p.a), total(&p.b)) {
            (Some((x, gx)), Some((y, gy))) => {
                out!("{} {} {:>8.2} {:>8.2} {:>+8.2}  {gx} → {gy}", fit(&p.a.county, 10), fit(&p.a.center, 28), x, y, y - x)
            }
            _ => out!("{} {} {:>8} {:>8} {:>8}  (see findings)", fit(&p.a.county, 10), fit(&p.a.center, 28), "-", "-", "-"),
        }
    }
    for p in pairs {
        for (tag, r) in [("A", &p.a), ("B", &p.b)] {
            for f in r.findings.iter().filter(|f| f.severity == Severity::Error || f.code == crate::workbook::Code::MissingItem) {
                eprintln!("{} [{tag}]: {} ({}): {}", r.file, f.severity.label(), f.code, f.message);
            }
        }
    }
    if let Some(o) = output {
        eprintln!("comparison written to {}", o.display());
    }
}

/// `kaohe province`: one line per city and rubric; manifest problems on stderr.
pub fn province(cities: &[CityReport], output: Option<&Path>) {
    let grades = grade_labels(cities);
    out!("{} {} {:>6} {:>7} {:>7} {:>8}  {}", fit("CITY", 14), fit("RUBRIC", 28), "UNITS", "SCORED", "ERRORS", "MEAN", grades.join(" "));
    for c in cities {
        let groups: Vec<Option<usize>> = if c.rubrics.is_empty() { vec![None] } else { (0..c.rubrics.len()).map(Some).collect() };
        for k in groups {
            let s = stats(c, k, &grades);
            let id = k.map(|k| format!("{} {}", c.rubrics[k].info.id, c.rubrics[k].info.version)).unwrap_or_else(|| "-".into());
            let mean = s.mean.map(|m| format!("{m:.2}")).unwrap_or_else(|| "-".into());
            let counts: Vec<String> = s.per_grade.iter().map(|n| n.to_string()).collect();
            out!(
                "{} {} {:>6} {:>7} {:>7} {:>8}  {}",
                fit(&c.name, 14),
                fit(&id, 28),
                s.tally.units,
                s.tally.scored,
                s.tally.with_errors(),
                mean,
                counts.join(" ")
            );
        }
        for p in &c.problems {
            eprintln!("error: {}: {} ({}): {}", c.name, p.file, p.code, p.message);
        }
    }
    if let Some(o) = output {
        eprintln!("provincial workbook written to {}", o.display());
    }
}

/// A rubric's description as text: items by category, sub-rules, bands, report columns.
pub fn describe(r: &LoadedRubric) -> String {
    use std::fmt::Write;
    let i = &r.info;
    let p = kaohe_engine::fmt_points;
    let mut s = String::new();
    let _ = writeln!(s, "{} {} — {}", i.id, i.version, i.title);
    let _ = writeln!(s, "issuer: {}  region: {}  level: {}  year: {}", i.issuer, i.region, crate::level_name(i.level), i.year);
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
            let _ = writeln!(s, "  {:>4}  [{kind}]{} {}", it.id, if it.required { " required" } else { "" }, crate::clip(&it.text, 60));
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
