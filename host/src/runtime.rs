//! Loading rubric components and calling them, sandboxed.
//!
//! One [`Runtime`] per process holds the wasmtime engine and a thread that
//! advances its epoch. Each rubric is compiled once into a [`LoadedRubric`]
//! (an `InstancePre`); every call gets a fresh, small `Store` with a memory cap
//! and a deadline, and a WASI context that grants nothing.
//!
//! A rubric component is untrusted code. What `WasiCtxBuilder` grants by
//! default, and what kaohe does about it:
//! - files: no preopened directory (default) — the component cannot open any file;
//! - environment and arguments: none (default);
//! - stdin: empty (default); stdout and stderr: captured in memory, capped at
//!   4 KiB each, and quoted in a finding only when a call fails;
//! - network: TCP, UDP and name lookup switched off (the defaults allow TCP and
//!   UDP, limited only by an address check);
//! - clocks and randomness: a frozen wall clock and a fixed random sequence, so
//!   a component cannot make its answer depend on when or how often it runs;
//! - CPU: an epoch deadline per call (`Limits::timeout`); memory: `StoreLimits`
//!   per instance (`Limits::memory`), growth beyond it traps; stack: 512 KiB.
//!
//! ```no_run
//! let rt = kaohe::runtime::Runtime::new(Default::default())?;
//! let rubric = rt.load(kaohe::BUILTIN_RUBRIC, "built-in")?;
//! assert_eq!(rubric.info.id, "changzhi-2023");
//! # anyhow::Ok(())
//! ```

use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use sha2::{Digest, Sha256};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::random::Deterministic;
use wasmtime_wasi::{HostWallClock, WasiCtx, WasiCtxView, WasiView};

use crate::workbook::Code;

/// One set of host bindings per supported version of `kaohe:rubric`, chosen
/// from what a component exports (see [`Runtime::load`]). 1.1 only added to
/// 1.0 (the tests check it with `wit-component`'s semver check), so its
/// `types` are 1.0's Rust types.
mod v1_0 {
    wasmtime::component::bindgen!({ world: "rubric", path: "../wit/1.0" });
}
mod v1_1 {
    wasmtime::component::bindgen!({
        world: "rubric",
        path: "../wit",
        with: { "kaohe:rubric/types@1.1.0": super::v1_0::kaohe::rubric::types },
    });
}

pub use v1_0::exports::kaohe::rubric::scorer::{Assessment, Entry, Finding};
pub use v1_0::kaohe::rubric::types::{
    Band, Category, CategoryScore, Column, ColumnSource, EntryValue, Item, ItemScore, Level, LevelOption, Part, RubricInfo, RuleCount, RuleMode, Scoring,
    SubRule, TraceStep,
};
use v1_1::kaohe::rubric::indexed::FindingCode;
pub use v1_1::kaohe::rubric::indexed::{Entries, EntryKind, Scores};

/// How long one epoch tick lasts; deadlines are counted in ticks.
const TICK: Duration = Duration::from_millis(10);
/// The newest rubric interface (WIT package and version) this host supports.
pub const INTERFACE: &str = "kaohe:rubric/scorer@1.1.0";
/// Every version of the rubric interface this host loads, newest first.
pub const INTERFACES: &[&str] = &["kaohe:rubric/scorer@1.1.0", "kaohe:rubric/scorer@1.0.0"];

/// Instances that may be alive at once (one per thread scoring a workbook).
const POOL_SLOTS: u32 = 128;
/// Most bytes of a component's stdout/stderr kept for a finding.
const OUTPUT_CAP: usize = 4096;

/// Limits applied to every call into a component.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Wall-clock budget of one call.
    pub timeout: Duration,
    /// Most linear memory one instance may grow to, in bytes.
    pub memory: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { timeout: Duration::from_secs(1), memory: 64 << 20 }
    }
}

/// Per-call state: a WASI context granting nothing, and the store's limits.
pub(crate) struct State {
    wasi: WasiCtx,
    table: ResourceTable,
    limits: Limiter,
}

/// The store's limits, remembering whether memory growth was refused: how a
/// trap is known to be the memory cap (not read from the trap's text).
struct Limiter {
    inner: StoreLimits,
    memory_refused: bool,
}

impl wasmtime::ResourceLimiter for Limiter {
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        let r = self.inner.memory_growing(current, desired, maximum);
        if !matches!(r, Ok(true)) {
            self.memory_refused = true;
        }
        r
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.memory_refused = true;
        self.inner.memory_grow_failed(error)
    }

    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        self.inner.table_growing(current, desired, maximum)
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.inner.table_grow_failed(error)
    }

    fn instances(&self) -> usize {
        self.inner.instances()
    }

    fn tables(&self) -> usize {
        self.inner.tables()
    }

    fn memories(&self) -> usize {
        self.inner.memories()
    }
}

/// Why loading a rubric component failed.
#[derive(Debug)]
pub enum LoadError {
    /// The bytes are not a WebAssembly component wasmtime compiles.
    NotAComponent { origin: String, detail: String },
    /// The component imports something the host does not grant.
    DisallowedImports { origin: String, detail: String },
    /// The component exports no `kaohe:rubric` interface.
    NotARubric { origin: String },
    /// The component exports another version of the rubric interface.
    WrongInterface { origin: String, exported: Vec<String> },
    /// The component's `describe()` failed.
    DescribeFailed { origin: String, error: CallError },
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::NotAComponent { origin, detail } => write!(
                f,
                "{origin} is not a valid WebAssembly component ({detail}); a rubric is a .wasm file, made from a rubric.toml or an authoring workbook with `kaohe rubric build`"
            ),
            LoadError::DisallowedImports { origin, detail } => write!(f, "{origin} needs imports the host does not grant: {detail}"),
            LoadError::NotARubric { origin } => {
                write!(f, "{origin} is not a kaohe rubric component: it exports none of {}", INTERFACES.join(", "))
            }
            LoadError::WrongInterface { origin, exported } => write!(
                f,
                "{origin} exports {}, an interface version this host does not support; it needs one of {}. \
                 Ask its authors for a component built against {INTERFACE}",
                exported.join(", "),
                INTERFACES.join(", ")
            ),
            LoadError::DescribeFailed { origin, error } => write!(f, "{origin}: describe() failed: {error}"),
        }
    }
}

impl std::error::Error for LoadError {}

/// Why a call into a component (a rubric or the reader) failed. The text of
/// each is what findings quote; the component's stderr, when it wrote any, follows.
#[derive(Debug, Clone, PartialEq)]
pub enum CallError {
    /// The epoch deadline passed.
    Timeout { budget: Duration, stderr: String },
    /// Memory growth past the cap was refused.
    Memory { cap_mib: usize, stderr: String },
    /// The component overflowed its stack.
    StackOverflow { stderr: String },
    /// The component panicked (reached `unreachable`).
    Panic { stderr: String },
    /// Any other trap or failure, in wasmtime's words.
    Trap { what: String, stderr: String },
}

impl CallError {
    /// Classify a failed call from wasmtime's typed trap and what the limiter recorded.
    pub(crate) fn of(e: &wasmtime::Error, store: &Store<State>, limits: Limits, stderr: &MemoryOutputPipe) -> Self {
        let stderr = crate::clip(String::from_utf8_lossy(&stderr.contents()).trim(), 400);
        match e.downcast_ref::<wasmtime::Trap>() {
            Some(wasmtime::Trap::Interrupt) => CallError::Timeout { budget: limits.timeout, stderr },
            _ if store.data().limits.memory_refused => CallError::Memory { cap_mib: limits.memory >> 20, stderr },
            Some(wasmtime::Trap::StackOverflow) => CallError::StackOverflow { stderr },
            Some(wasmtime::Trap::UnreachableCodeReached) => CallError::Panic { stderr },
            Some(other) => CallError::Trap { what: other.to_string(), stderr },
            None => CallError::Trap { what: crate::clip(&format!("{:?}", e.root_cause()), 600), stderr },
        }
    }

    fn stderr(&self) -> &str {
        match self {
            CallError::Timeout { stderr, .. }
            | CallError::Memory { stderr, .. }
            | CallError::StackOverflow { stderr }
            | CallError::Panic { stderr }
            | CallError::Trap { stderr, .. } => stderr,
        }
    }
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Timeout { budget, .. } => write!(f, "exceeded its time budget of {budget:?}")?,
            CallError::Memory { cap_mib, .. } => write!(f, "exceeded its memory cap of {cap_mib} MiB")?,
            CallError::StackOverflow { .. } => f.write_str("overflowed its stack")?,
            CallError::Panic { .. } => f.write_str("trapped (unreachable code: a panic inside the component)")?,
            CallError::Trap { what, .. } => write!(f, "trapped: {what}")?,
        }
        if !self.stderr().is_empty() {
            write!(f, "; component stderr: {}", self.stderr())?;
        }
        Ok(())
    }
}

impl std::error::Error for CallError {}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

/// The wasmtime engine, shared by every rubric of a run.
pub struct Runtime {
    engine: Engine,
    linker: Linker<State>,
    limits: Limits,
    cache_dir: Option<std::path::PathBuf>,
    _ticker: Arc<()>,
}

impl Runtime {
    /// Create the engine (no compilation cache) and start its epoch ticker.
    pub fn new(limits: Limits) -> Result<Self> {
        Self::with_cache(limits, None)
    }

    /// Like [`Runtime::new`], caching compiled components in `cache_dir`.
    ///
    /// wasmtime's cache keys each entry by a hash of the component's bytes and
    /// of the engine's version and compiler settings, and only ever reads back
    /// what this engine wrote, so a second run skips compilation (1–2 ms
    /// instead of 50–80). A cache that cannot be set up is skipped, not fatal.
    ///
    /// The pooling allocator reserves a large range of address space up front;
    /// where that is refused (a `ulimit -v`, valgrind), the engine falls back to
    /// mapping memory per instance, slower but otherwise the same.
    pub fn with_cache(limits: Limits, cache_dir: Option<&std::path::Path>) -> Result<Self> {
        let engine = engine(&Pool { limits, stack: 512 << 10, keep_resident: 4 << 20 })?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        let ticker = start_ticker(&engine)?;
        Ok(Runtime { engine, linker, limits, cache_dir: cache_dir.map(Into::into), _ticker: ticker })
    }

    /// Compile a component, check it exports the rubric interface, and read its description.
    ///
    /// `origin` says where the bytes came from (a path, or "built-in").
    pub fn load(&self, bytes: &[u8], origin: &str) -> std::result::Result<LoadedRubric, LoadError> {
        let sha256 = hex(&Sha256::digest(bytes));
        let origin_s = || origin.to_string();
        let component = compile(&self.engine, bytes, &sha256, self.cache_dir.as_deref())
            .map_err(|e| LoadError::NotAComponent { origin: origin_s(), detail: crate::clip(&one_line(&format!("{:#}", e)), 400) })?;
        let pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(|e| LoadError::DisallowedImports { origin: origin_s(), detail: crate::clip(&format!("{:#}", e), 400) })?;
        // The newest bindings the component's exports satisfy: 1.1, else 1.0.
        let api = match v1_1::RubricPre::new(pre.clone()) {
            Ok(pre) => Api::V1_1(pre),
            Err(_) => Api::V1_0(v1_0::RubricPre::new(pre).map_err(|_| {
                let exported: Vec<String> = component
                    .component_type()
                    .exports(&self.engine)
                    .map(|(name, _)| name.to_string())
                    .filter(|name| name.starts_with("kaohe:rubric/"))
                    .collect();
                match exported.is_empty() {
                    true => LoadError::NotARubric { origin: origin_s() },
                    false => LoadError::WrongInterface { origin: origin_s(), exported },
                }
            })?),
        };
        // kaohe's own evaluator holding a valid rubric (rebuilt here byte for byte) is pure:
        // its instances may serve call after call. Any other component gets a fresh one per call.
        let own = matches!(api, Api::V1_1(_)) && kaohe_engine::codec::built_from(crate::EVALUATOR_COMPONENT, bytes).is_some();
        let warm = own.then(Default::default);
        let sandbox = Sandbox { api, limits: self.limits, engine: self.engine.clone(), warm };
        let info = sandbox.describe().map_err(|error| LoadError::DescribeFailed { origin: origin_s(), error })?;
        let index = info.items.iter().enumerate().map(|(i, item)| (item.id.clone(), i)).collect();
        let mut point_ids = Vec::new();
        for item in &info.items {
            point_ids.push(item.id.clone());
            if let Scoring::Rules(rules) = &item.scoring {
                point_ids.extend(rules.iter().map(|r| r.id.clone()));
            }
        }
        let point_index = point_ids.iter().enumerate().map(|(i, id)| (id.clone(), i)).collect();
        let mut item_points = Vec::with_capacity(info.items.len());
        let mut at = 0;
        for item in &info.items {
            item_points.push(at);
            at += 1 + rules(item).len();
        }
        Ok(LoadedRubric { info, sha256, origin: origin.to_string(), sandbox, index, point_ids, point_index, item_points })
    }
}

/// A compiled rubric component, ready to score many units.
pub struct LoadedRubric {
    /// What the component says about itself.
    pub info: RubricInfo,
    /// SHA-256 of the component's bytes, lowercase hex.
    pub sha256: String,
    /// Where the component came from.
    pub origin: String,
    sandbox: Sandbox,
    index: std::collections::HashMap<String, usize>,
    point_ids: Vec<String>,
    point_index: std::collections::HashMap<String, usize>,
    item_points: Vec<usize>,
}

impl LoadedRubric {
    /// An item the rubric describes, by id.
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.index.get(id).map(|&i| &self.info.items[i])
    }

    /// Every item id, each followed by its sub-rule ids: the order of
    /// [`crate::score::UnitResult::points`] and of the detail sheet's columns.
    pub fn point_ids(&self) -> &[String] {
        &self.point_ids
    }

    /// Where an item or sub-rule id is in [`point_ids`](Self::point_ids);
    /// `None` for an id the rubric does not describe.
    pub fn point_index(&self, id: &str) -> Option<usize> {
        self.point_index.get(id).copied()
    }

    /// Where each item is in [`point_ids`](Self::point_ids), in item order.
    pub fn item_points(&self) -> &[usize] {
        &self.item_points
    }

    /// Whether calls reuse instances: only for kaohe's own evaluator holding a
    /// valid rubric (a built-in, or what `kaohe rubric build` made), which
    /// kaohe rebuilt byte for byte at load and knows to be pure. Every other
    /// component gets a fresh instance per call.
    pub fn reuses_instances(&self) -> bool {
        self.sandbox.warm.is_some()
    }

    /// The version of `kaohe:rubric` the component is called through, e.g. "1.1.0".
    pub fn interface(&self) -> &'static str {
        match self.sandbox.api {
            Api::V1_0(_) => "1.0.0",
            Api::V1_1(_) => "1.1.0",
        }
    }

    /// Score one unit through the `score` call every version has. The outer
    /// error is the component failing (trap, timeout, memory); the inner one
    /// is the rubric rejecting the entries.
    pub fn score(&self, entries: &[Entry]) -> std::result::Result<std::result::Result<Assessment, Vec<Finding>>, CallError> {
        self.sandbox.score(entries)
    }

    /// Score one unit from entries by position, and check the answer is
    /// coherent before anyone relies on it. A 1.1 component is called through
    /// `score-indexed`; a 1.0 one through `score`, its answer put by position
    /// and its findings given the code of what kaohe sent for the item.
    /// `trace`: ask for the account of how the numbers were produced.
    ///
    /// ```no_run
    /// # let rt = kaohe::runtime::Runtime::new(Default::default())?;
    /// let rubric = rt.load(kaohe::BUILTIN_RUBRIC, "built-in")?;
    /// let entries = rubric.blank_entries();
    /// let answer = rubric.score_indexed(&entries, false)?;
    /// assert!(matches!(answer, kaohe::runtime::Answer::Rejected(_)), "required items are blank");
    /// # anyhow::Ok(())
    /// ```
    pub fn score_indexed(&self, entries: &Entries, trace: bool) -> std::result::Result<Answer, CallError> {
        let answer = match &self.sandbox.api {
            Api::V1_1(pre) => match self.sandbox.score_indexed(pre, entries, trace)? {
                Ok(scores) => Ok(scores),
                Err(found) => Err(Answer::Rejected(
                    found
                        .into_iter()
                        .map(|f| Rejection {
                            code: match f.code {
                                FindingCode::MissingScore => Code::MissingScore,
                                FindingCode::OutOfRange => Code::OutOfRange,
                                FindingCode::UnknownItem | FindingCode::Duplicate | FindingCode::Malformed => Code::Rejected,
                            },
                            item: f.item,
                            message: f.message,
                            allowed: f.allowed,
                        })
                        .collect(),
                )),
            },
            Api::V1_0(_) => {
                let named = self.named(entries);
                match self.sandbox.score(&named)? {
                    Ok(a) => self.by_position(a, trace).map_err(Answer::Inconsistent),
                    Err(found) => Err(Answer::Rejected(
                        found
                            .into_iter()
                            .map(|f| Rejection { code: rejection_code(&named, &f.item), item: f.item, message: f.message, allowed: f.allowed })
                            .collect(),
                    )),
                }
            }
        };
        Ok(match answer {
            Ok(scores) => match check(self, &scores) {
                Ok(()) => Answer::Scored(scores),
                Err(why) => Answer::Inconsistent(why),
            },
            Err(answer) => answer,
        })
    }

    /// Entries with every item blank: what [`score_indexed`](Self::score_indexed) is given, to fill in.
    pub fn blank_entries(&self) -> Entries {
        Entries { kinds: vec![EntryKind::Blank; self.info.items.len()], values: vec![None; self.point_ids.len()] }
    }

    /// The named form of entries by position (what `score` takes).
    pub fn named(&self, entries: &Entries) -> Vec<Entry> {
        let value = |at: usize| entries.values.get(at).copied().flatten();
        self.info
            .items
            .iter()
            .zip(&self.item_points)
            .zip(&entries.kinds)
            .map(|((item, &at), kind)| Entry {
                item: item.id.clone(),
                value: match kind {
                    EntryKind::Blank => EntryValue::Blank,
                    EntryKind::Points => value(at).map_or(EntryValue::Blank, EntryValue::Points),
                    EntryKind::Counts => EntryValue::Counts(
                        rules(item).iter().enumerate().filter_map(|(k, r)| value(at + 1 + k).map(|v| RuleCount { rule: r.id.clone(), value: v })).collect(),
                    ),
                },
            })
            .collect()
    }

    /// A 1.0 answer by position: `Err` says what does not fit the description.
    fn by_position(&self, a: Assessment, trace: bool) -> std::result::Result<Scores, String> {
        let mut points = vec![None; self.point_ids.len()];
        // Results come in the rubric's order, so the next id is tried before a lookup.
        let mut next = 0;
        let mut put = |id: &str, v: f64| {
            let at = if self.point_ids.get(next).is_some_and(|x| x == id) { Some(next) } else { self.point_index(id) };
            match at {
                Some(i) => {
                    points[i] = Some(v);
                    next = i + 1;
                    Ok(())
                }
                None => Err(format!("返回了未描述的序号 {id}")),
            }
        };
        for s in &a.items {
            put(&s.item, s.points)?;
            for c in &s.sub_rules {
                put(&c.rule, c.value)?;
            }
        }
        let Some(band) = self.info.bands.iter().position(|b| b.label == a.grade) else {
            return Err(format!("考核结果“{}”与总分 {} 对应的档次不符", a.grade, a.total));
        };
        Ok(Scores {
            points,
            categories: a.categories.iter().map(|c| c.score).collect(),
            bonus: a.bonus,
            deduction: a.deduction,
            special: a.special,
            special_deduction: a.special_deduction,
            adjustment: a.adjustment,
            total: a.total,
            band: band as u32,
            trace: if trace { a.trace } else { Vec::new() },
        })
    }

    /// The assessment of checked scores: with every item's points when
    /// `items` (the `--json` view), else only the totals (what a batch keeps).
    pub fn assessment(&self, s: Scores, items: bool) -> Assessment {
        let base = self.info.categories.iter().filter(|c| c.part == Part::Base);
        let categories = base.zip(&s.categories).map(|(c, &score)| CategoryScore { name: c.name.clone(), score, max_points: c.max_points }).collect();
        // Checked scores have every position; unchecked ones read as absent, never a panic.
        let point = |at: usize| s.points.get(at).copied().flatten();
        let items = match items {
            false => Vec::new(),
            true => self
                .info
                .items
                .iter()
                .zip(&self.item_points)
                .map(|(item, &at)| ItemScore {
                    item: item.id.clone(),
                    points: point(at).unwrap_or(0.0),
                    sub_rules: rules(item)
                        .iter()
                        .enumerate()
                        .filter_map(|(k, r)| point(at + 1 + k).map(|v| RuleCount { rule: r.id.clone(), value: v }))
                        .collect(),
                })
                .collect(),
        };
        Assessment {
            items,
            categories,
            bonus: s.bonus,
            deduction: s.deduction,
            special: s.special,
            special_deduction: s.special_deduction,
            adjustment: s.adjustment,
            total: s.total,
            grade: self.info.bands.get(s.band as usize).map(|b| b.label.clone()).unwrap_or_default(),
            trace: s.trace,
        }
    }
}

/// A component's answer to [`LoadedRubric::score_indexed`].
#[derive(Debug, Clone)]
pub enum Answer {
    /// Scored, and the numbers agree with each other and the description.
    Scored(Scores),
    /// The rubric refused the entries.
    Rejected(Vec<Rejection>),
    /// The answer contradicts itself or the rubric's description: why, in the findings' words.
    Inconsistent(String),
}

/// Why a rubric refused an entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    /// Item or sub-rule id; empty when about the whole input.
    pub item: String,
    pub code: Code,
    /// The component's own words.
    pub message: String,
    /// The allowed values, e.g. "0～4".
    pub allowed: String,
}

/// An item's sub-rules (none unless it is scored by rules).
fn rules(item: &Item) -> &[SubRule] {
    match &item.scoring {
        Scoring::Rules(rules) => rules,
        _ => &[],
    }
}

/// The kind of a 1.0 component's rejection, from what kaohe itself sent for
/// the item (a 1.0 finding carries no code, and its message is the
/// component's own words, never parsed): nothing entered is `missing-score`;
/// a value entered for the item (or a count for one of its sub-rules) that the
/// rubric refused is `out-of-range`; anything else is `rejected`.
fn rejection_code(entries: &[Entry], item: &str) -> Code {
    let entered = entries.iter().find_map(|e| match &e.value {
        _ if e.item == item => Some(&e.value),
        EntryValue::Counts(counts) if counts.iter().any(|c| c.rule == item) => Some(&e.value),
        _ => None,
    });
    match entered {
        None | Some(EntryValue::Blank) => Code::MissingScore,
        Some(EntryValue::Points(_)) => Code::OutOfRange,
        Some(EntryValue::Counts(counts)) if counts.iter().any(|c| c.rule == item) => Code::OutOfRange,
        Some(EntryValue::Counts(_)) => Code::Rejected,
    }
}

/// Check that a component's answer is coherent before anyone relies on it.
fn check(rubric: &LoadedRubric, a: &Scores) -> std::result::Result<(), String> {
    let info = &rubric.info;
    let close = |x: f64, y: f64| (x - y).abs() < 1e-6;
    if a.points.len() != rubric.point_ids.len() {
        return Err(format!("返回了 {} 个得分，评分标准描述了 {} 个序号与分项", a.points.len(), rubric.point_ids.len()));
    }
    let base_categories = info.categories.iter().filter(|c| c.part == Part::Base).count();
    if a.categories.len() != base_categories {
        return Err(format!("返回了 {} 个分类小计，评分标准有 {base_categories} 个基础分类", a.categories.len()));
    }
    let nums = [a.bonus, a.deduction, a.special, a.special_deduction, a.adjustment, a.total];
    if nums.iter().chain(a.points.iter().flatten()).chain(&a.categories).any(|v| !v.is_finite()) {
        return Err("结果中有非数字（NaN 或无穷大）".into());
    }
    let mut sums = [0.0f64; 5];
    for (item, &at) in info.items.iter().zip(&rubric.item_points) {
        let Some(points) = a.points[at] else {
            return Err(format!("序号 {} 没有得分", item.id));
        };
        sums[item.part as usize] += points;
        let deduction = matches!(item.part, Part::Deduction | Part::SpecialDeduction);
        let (lo, hi) = if deduction { (-item.max_points, 0.0) } else { (0.0, item.max_points) };
        if points < lo - 1e-9 || points > hi + 1e-9 {
            return Err(format!("序号 {} 的得分 {} 超出该项分值", item.id, points));
        }
    }
    let sum = |part: Part| sums[part as usize];
    let base: f64 = a.categories.iter().sum();
    if !close(base, sum(Part::Base)) || !close(a.bonus, sum(Part::Bonus)) || !close(-a.deduction, sum(Part::Deduction)) {
        return Err("分类小计与各项得分之和不符".into());
    }
    if !close(a.special, sum(Part::Special)) || !close(-a.special_deduction, sum(Part::SpecialDeduction)) {
        return Err("特别考核项合计与各项得分之和不符".into());
    }
    if !close(a.adjustment, a.bonus - a.deduction + a.special - a.special_deduction) {
        return Err("加分减分不等于 加分 − 减分 + 特别加分 − 特别减分".into());
    }
    if !close(a.total, base + a.adjustment) {
        return Err("总分不等于各分类小计加上加分减分".into());
    }
    if a.total < info.min_total - 1e-6 || a.total > info.max_total + 1e-6 {
        return Err(format!("总分 {} 超出评分标准的范围", a.total));
    }
    let expected = info.bands.iter().position(|b| b.min_total.is_none_or(|m| a.total >= m));
    if expected != Some(a.band as usize) {
        let given = info.bands.get(a.band as usize).map_or_else(|| format!("第 {} 档（没有这一档）", a.band + 1), |b| format!("“{}”", b.label));
        return Err(format!("考核结果{given}与总分 {} 对应的档次不符", a.total));
    }
    Ok(())
}

/// A pre-linked component, by the interface version it is called through.
enum Api {
    V1_0(v1_0::RubricPre<State>),
    V1_1(v1_1::RubricPre<State>),
}

/// A pre-linked component and the limits each of its calls runs under.
struct Sandbox {
    api: Api,
    limits: Limits,
    engine: Engine,
    /// Instances kept between calls, for kaohe's own evaluator only (`None` otherwise).
    warm: Option<std::sync::Mutex<Vec<Warm>>>,
}

/// An instance of kaohe's own evaluator kept for the next call: its store (the
/// same limits, a new deadline per call) and how many calls it has served.
struct Warm {
    store: Store<State>,
    rubric: v1_1::Rubric,
    stderr: MemoryOutputPipe,
    calls: u32,
}

/// Calls one kept instance serves before it is dropped for a fresh one.
const WARM_CALLS: u32 = 4096;

impl Sandbox {
    /// Run `f` in a fresh store; a failure is classified as a [`CallError`].
    fn run<R>(&self, f: impl FnOnce(&mut Store<State>) -> wasmtime::Result<R>) -> std::result::Result<R, CallError> {
        let (mut store, stderr) = sandboxed_store(&self.engine, self.limits);
        let result = f(&mut store);
        result.map_err(|e| CallError::of(&e, &store, self.limits, &stderr))
    }

    /// `score-indexed`: on a kept instance where the component is kaohe's own
    /// evaluator (one that traps is dropped), else on a fresh one.
    fn score_indexed(
        &self,
        pre: &v1_1::RubricPre<State>,
        entries: &Entries,
        trace: bool,
    ) -> std::result::Result<std::result::Result<Scores, Vec<v1_1::kaohe::rubric::indexed::Finding>>, CallError> {
        let Some(warm) = &self.warm else {
            return self.run(|s| pre.instantiate(&mut *s)?.kaohe_rubric_scorer().call_score_indexed(s, entries, trace));
        };
        let kept = warm.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut w = match kept {
            Some(w) => w,
            None => {
                let (mut store, stderr) = sandboxed_store(&self.engine, self.limits);
                let rubric = pre.instantiate(&mut store).map_err(|e| CallError::of(&e, &store, self.limits, &stderr))?;
                Warm { store, rubric, stderr, calls: 0 }
            }
        };
        w.store.set_epoch_deadline(deadline_ticks(self.limits));
        match w.rubric.kaohe_rubric_scorer().call_score_indexed(&mut w.store, entries, trace) {
            Ok(answer) => {
                w.calls += 1;
                if w.calls < WARM_CALLS {
                    warm.lock().unwrap_or_else(|e| e.into_inner()).push(w);
                }
                Ok(answer)
            }
            Err(e) => Err(CallError::of(&e, &w.store, self.limits, &w.stderr)),
        }
    }

    fn describe(&self) -> std::result::Result<RubricInfo, CallError> {
        match &self.api {
            Api::V1_0(pre) => self.run(|s| pre.instantiate(&mut *s)?.kaohe_rubric_scorer().call_describe(s)),
            Api::V1_1(pre) => self.run(|s| pre.instantiate(&mut *s)?.kaohe_rubric_scorer().call_describe(s)),
        }
    }

    fn score(&self, entries: &[Entry]) -> std::result::Result<std::result::Result<Assessment, Vec<Finding>>, CallError> {
        match &self.api {
            Api::V1_0(pre) => self.run(|s| pre.instantiate(&mut *s)?.kaohe_rubric_scorer().call_score(s, entries)),
            Api::V1_1(pre) => self.run(|s| pre.instantiate(&mut *s)?.kaohe_rubric_scorer().call_score(s, entries)),
        }
    }
}

/// How a [`Runtime`]'s (or the reader's) instances are allocated: their limits,
/// wasm stack, and how much of a memory slot is kept resident between them.
pub(crate) struct Pool {
    pub limits: Limits,
    pub stack: usize,
    pub keep_resident: usize,
}

/// An engine for sandboxed calls: epoch deadlines, the pooling allocator, and
/// the compilation cache in `cache_dir`. The pooling allocator reserves a
/// large range of address space up front; where that is refused (a `ulimit
/// -v`, valgrind), the engine falls back to mapping memory per instance,
/// slower but otherwise the same.
pub(crate) fn engine(pool: &Pool) -> Result<Engine> {
    match Engine::new(&config(pool, true)) {
        Ok(engine) => Ok(engine),
        Err(_) => Ok(Engine::new(&config(pool, false))?),
    }
}

/// Compile `bytes` (whose SHA-256 in hex is `sha256`), or load what an earlier
/// run compiled from `cache_dir`.
///
/// The cache holds one file per component and engine: wasmtime's own
/// serialisation, named by the SHA-256 of the component's bytes and a hash of
/// the engine's version and settings, mapped straight from disk when loaded
/// (wasmtime's built-in cache decompresses each entry and rewrites its usage
/// statistics on every run: about 1 ms of a single workbook's 7). The folder
/// is the user's own (mode 0700); like wasmtime's cache, it is trusted to
/// hold only what kaohe wrote there. A file that does not load is compiled
/// again and replaced; a cache that cannot be written is skipped; a file
/// unused for 30 days is removed when something new is compiled.
pub(crate) fn compile(engine: &Engine, bytes: &[u8], sha256: &str, cache_dir: Option<&std::path::Path>) -> wasmtime::Result<Component> {
    use std::hash::{Hash, Hasher};
    let Some(dir) = cache_dir else { return Component::new(engine, bytes) };
    let mut compat = std::hash::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut compat);
    let dir = dir.join("components");
    let path = dir.join(format!("{sha256}-{:016x}.cwasm", compat.finish()));
    if path.is_file() {
        // SAFETY: the file is one this function wrote from `Component::serialize` (see above);
        // wasmtime checks its header and that it was compiled for this engine.
        if let Ok(component) = unsafe { Component::deserialize_file(engine, &path) } {
            mark_used(&path);
            return Ok(component);
        }
    }
    let component = Component::new(engine, bytes)?;
    let private = std::fs::create_dir_all(&dir).is_ok() && {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = dir.parent().map(|d| std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o700)));
        }
        true
    };
    if private && let Ok(serialized) = component.serialize() {
        let _ = crate::output::write_atomic(&path, &serialized);
        prune_cache(&dir, std::time::SystemTime::now());
    }
    Ok(component)
}

/// A compiled file not used for this long is removed the next time anything is
/// compiled: every kaohe build with a changed reader, and every rubric tried once,
/// leaves one behind (a few MB each), which nothing would ever load again.
pub(crate) const CACHE_UNUSED: Duration = Duration::from_secs(30 * 24 * 3600);

/// Record that a cached file was used (its modification time, at most once a day).
fn mark_used(path: &std::path::Path) {
    let day = Duration::from_secs(24 * 3600);
    let now = std::time::SystemTime::now();
    let stale = std::fs::metadata(path).and_then(|m| m.modified()).is_ok_and(|t| now.duration_since(t).is_ok_and(|age| age > day));
    if stale && let Ok(file) = std::fs::File::options().append(true).open(path) {
        let _ = file.set_modified(now);
    }
}

/// Remove the compiled files in `dir` unused for [`CACHE_UNUSED`] (only kaohe's
/// own `*.cwasm`; anything that cannot be read or removed is left).
fn prune_cache(dir: &std::path::Path, now: std::time::SystemTime) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let path = e.path();
        let old = e.metadata().and_then(|m| m.modified()).is_ok_and(|t| now.duration_since(t).is_ok_and(|age| age > CACHE_UNUSED));
        if old && path.extension().is_some_and(|x| x == "cwasm") && e.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::remove_file(&path);
        }
    }
}

fn config(pool_of: &Pool, pooling: bool) -> Config {
    let limits = pool_of.limits;
    let mut config = Config::new();
    config.epoch_interruption(true);
    config.max_wasm_stack(pool_of.stack);
    // A fresh instance per workbook: the pooling allocator reuses memory
    // slots instead of mapping and unmapping memory for every call.
    let mut pool = wasmtime::PoolingAllocationConfig::new();
    pool.total_component_instances(POOL_SLOTS)
        .total_core_instances(POOL_SLOTS * 4)
        .total_memories(POOL_SLOTS * 2)
        .total_tables(POOL_SLOTS * 4)
        .max_memory_size(limits.memory)
        // Reset what a call used of a reused slot (up to `keep_resident`) with memset
        // rather than madvise: fewer system calls, and no TLB shootdowns stalling the
        // other threads (through the sandboxed reader an xls reads in 217 µs, not 323).
        .linear_memory_keep_resident(pool_of.keep_resident)
        .table_keep_resident(64 << 10)
        // wasmtime-wasi brings wasmtime's `async` feature, whose pool reserves 1,000 fiber
        // stacks (a guard page each) by default: 4 ms of every start. kaohe never calls
        // a component asynchronously, so one stack slot is enough.
        .total_stacks(1);
    if pooling {
        config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
    } else {
        // Reserve only what the memory cap allows (compiled code then checks bounds
        // itself instead of relying on guard pages).
        config.memory_reservation(limits.memory as u64).memory_guard_size(0).memory_reservation_for_growth(0);
    }
    // Copy the small data segments into the resident slot instead of mapping them
    // copy-on-write: CoW faults flush TLBs on every core, which stalled the other threads.
    config.memory_init_cow(false);
    // `KAOHE_PERFMAP=1` writes /tmp/perf-PID.map so `perf report` names the
    // component's functions (build them with `strip = false` to see names).
    if std::env::var_os("KAOHE_PERFMAP").is_some() {
        config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    config
}

/// Start the thread that advances `engine`'s epoch every tick; it ends once the
/// returned handle (kept by the engine's owner) is dropped.
pub(crate) fn start_ticker(engine: &Engine) -> Result<Arc<()>> {
    let alive = Arc::new(());
    let weak = Arc::downgrade(&alive);
    let ticking = engine.clone();
    std::thread::Builder::new().name("kaohe-epoch".into()).spawn(move || {
        while weak.upgrade().is_some() {
            std::thread::sleep(TICK);
            ticking.increment_epoch();
        }
    })?;
    Ok(alive)
}

/// A fresh store that grants nothing (see the module's notes), capped at
/// `limits.memory` and due at `limits.timeout`; and the pipe its stderr goes to.
pub(crate) fn sandboxed_store(engine: &Engine, limits: Limits) -> (Store<State>, MemoryOutputPipe) {
    {
        let stdout = MemoryOutputPipe::new(OUTPUT_CAP);
        let stderr = MemoryOutputPipe::new(OUTPUT_CAP);
        let wasi = WasiCtx::builder()
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .wall_clock(FrozenClock)
            .secure_random(Deterministic::new(FIXED_RANDOM.to_vec()))
            .insecure_random(Deterministic::new(FIXED_RANDOM.to_vec()))
            .insecure_random_seed(0x6b616f6865)
            .build();
        let store_limits = StoreLimitsBuilder::new().memory_size(limits.memory).instances(4).tables(16).memories(4).trap_on_grow_failure(true).build();
        let limits_state = Limiter { inner: store_limits, memory_refused: false };
        let mut store = Store::new(engine, State { wasi, table: ResourceTable::new(), limits: limits_state });
        store.limiter(|s| &mut s.limits);
        store.set_epoch_deadline(deadline_ticks(limits));
        (store, stderr)
    }
}

/// wasmtime's multi-line error text on one line (a byte array it pretty-prints, say).
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A call's deadline in epoch ticks from now.
fn deadline_ticks(limits: Limits) -> u64 {
    (limits.timeout.as_millis() / TICK.as_millis()).max(1) as u64 + 1
}

/// Where compiled components are cached unless told otherwise:
/// `$KAOHE_CACHE_DIR`, else `$XDG_CACHE_HOME/kaohe`, else `~/.cache/kaohe`.
pub fn default_cache_dir() -> Option<std::path::PathBuf> {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(std::path::PathBuf::from);
    env("KAOHE_CACHE_DIR").or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("kaohe"))).or_else(|| env("HOME").map(|h| h.join(".cache").join("kaohe")))
}

/// The bytes a component gets as "random": fixed, so every run is the same.
const FIXED_RANDOM: &[u8] = b"kaohe: the same inputs always give the same results";

/// A wall clock stopped at 2000-01-01T00:00:00Z.
struct FrozenClock;

impl HostWallClock for FrozenClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn now(&self) -> Duration {
        Duration::from_secs(946_684_800)
    }
}

/// Lowercase hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
