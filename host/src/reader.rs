//! Parsing workbooks inside the sandbox: the calamine reader component
//! (`readers/calamine`, behind `kaohe:reader`, built into the binary).
//!
//! A workbook is as untrusted as a rubric component, and the third-party parser
//! that reads xls, xlsb, ods and every xlsx kaohe's fast path hands off has been
//! seen to loop forever and to exhaust memory on a 1 KB file. So it runs like a
//! rubric: in a component with no capabilities (see [`crate::runtime`]), a fresh
//! store per workbook, a memory cap (`--read-memory`, default 256 MiB) and a
//! deadline (`--read-timeout`, default 10 s). A read stopped by either is a
//! `read-timeout` or `read-memory` finding on that file, and the batch goes on;
//! peak memory of a batch stays within jobs × the cap plus the host's own. The
//! fast xlsx path (kaohe's own code, bounded and fuzzed) stays in the process.
//!
//! ```no_run
//! let bytes = std::fs::read("samples/长治市/襄垣县（WPS导出）.ods")?;
//! let book = kaohe::workbook::read_bytes_via(&bytes, "襄垣县.ods".as_ref(), &Default::default(), kaohe::reader::parser())?;
//! # anyhow::Ok(())
//! ```

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::{Context, Result};
use wasmtime::Engine;
use wasmtime::component::Linker;

use crate::runtime::{CallError, Limits, State, sandboxed_store, start_ticker};
use crate::workbook::parse::{Cell, Parsed, Parser, RawSheet, ReadLimits, Value};
use crate::workbook::{Code, ReadError};

/// Host bindings generated from `readers/wit/reader.wit`.
mod bindings {
    wasmtime::component::bindgen!({
        world: "reader",
        path: "../readers/wit",
    });
}

use bindings::ReaderPre;
use bindings::exports::kaohe::reader::sheets as wit;

/// The limits of one read unless told otherwise: 10 s and 256 MiB.
pub const DEFAULT_LIMITS: Limits = Limits { timeout: Duration::from_secs(10), memory: 256 << 20 };

static SETTINGS: OnceLock<(Limits, Option<std::path::PathBuf>)> = OnceLock::new();
static READER: OnceLock<Result<Sandboxed, String>> = OnceLock::new();

/// Set the limits of each read (its deadline and memory cap) and the
/// compiled-component cache for this process (once, before the first read;
/// later calls are ignored). Without it, reads use [`DEFAULT_LIMITS`] and no cache.
pub fn configure(limits: Limits, cache_dir: Option<&std::path::Path>) {
    let _ = SETTINGS.set((limits, cache_dir.map(|d| d.to_path_buf())));
}

/// The sandboxed parser. The component is compiled (or loaded from the cache)
/// on the first workbook that needs it, so a batch of plain xlsx never pays for it.
pub fn parser() -> &'static dyn Parser {
    static LAZY: Lazy = Lazy;
    &LAZY
}

/// The process's reader, set up on first use.
struct Lazy;

impl Parser for Lazy {
    fn parse(&self, bytes: &[u8], extension: &str, limits: &ReadLimits) -> Result<Parsed, ReadError> {
        let reader = READER.get_or_init(|| {
            let (budget, cache) = SETTINGS.get_or_init(|| (DEFAULT_LIMITS, None));
            Sandboxed::new(*budget, cache.as_deref()).map_err(|e| format!("{e:#}"))
        });
        match reader {
            Ok(r) => r.parse(bytes, extension, limits),
            Err(_) => Unavailable.parse(bytes, extension, limits),
        }
    }
}

/// The reader component, compiled and linked once, instantiated per workbook.
pub struct Sandboxed {
    engine: Engine,
    pre: ReaderPre<State>,
    budget: Limits,
    _ticker: Arc<()>,
}

impl Sandboxed {
    /// Compile the built-in reader component (or load it from the cache).
    pub fn new(budget: Limits, cache_dir: Option<&std::path::Path>) -> Result<Self> {
        // A read uses a few MiB of memory: kept resident in its pool slot for the next.
        let engine = crate::runtime::engine(&crate::runtime::Pool { limits: budget, stack: 1 << 20, keep_resident: 4 << 20 })?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        let sha256 = crate::runtime::hex(&<sha2::Sha256 as sha2::Digest>::digest(crate::READER_COMPONENT));
        let component = crate::runtime::compile(&engine, crate::READER_COMPONENT, &sha256, cache_dir)
            .map_err(anyhow::Error::from)
            .context("the built-in reader component does not compile")?;
        let pre = ReaderPre::new(linker.instantiate_pre(&component)?)?;
        let ticker = start_ticker(&engine)?;
        Ok(Sandboxed { engine, pre, budget, _ticker: ticker })
    }
}

impl Parser for Sandboxed {
    fn parse(&self, bytes: &[u8], extension: &str, limits: &ReadLimits) -> Result<Parsed, ReadError> {
        let limits_in = wit::Limits {
            max_zip_entries: limits.max_zip_entries.min(u32::MAX as usize) as u32,
            max_unzipped_bytes: limits.max_unzipped_bytes,
            max_ratio: limits.max_ratio,
            max_cells: limits.max_cells.min(u32::MAX as usize) as u32,
            max_area: limits.max_area,
        };
        let (mut store, stderr) = sandboxed_store(&self.engine, self.budget);
        let result = self.pre.instantiate(&mut store).and_then(|r| r.kaohe_reader_sheets().call_read(&mut store, bytes, extension, limits_in));
        match result {
            Ok(Ok(book)) => Ok(Parsed {
                sheets: book.sheets.into_iter().map(sheet).collect(),
                warnings: book.warnings.into_iter().filter_map(|(c, m)| Some((warning_code(&c)?, m))).collect(),
            }),
            Ok(Err(e)) => Err(ReadError { code: read_code(&e.code), message: e.message, detail: e.detail }),
            Err(trap) => {
                let error = CallError::of(&trap, &store, self.budget, &stderr);
                let detail = Some(crate::clip(&format!("{:?}; {error}", trap.root_cause()), 300));
                Err(match error {
                    CallError::Timeout { .. } => ReadError {
                        code: Code::ReadTimeout,
                        message: format!(
                            "读取此文件超过 {} 秒仍未完成（文件可能已损坏或被特意构造），已放弃读取；请用 Excel 或 WPS 打开后另存为 .xlsx 再试",
                            self.budget.timeout.as_secs_f64()
                        ),
                        detail,
                    },
                    CallError::Memory { .. } => ReadError {
                        code: Code::ReadMemory,
                        message: format!(
                            "读取此文件需要的内存超过 {} MB 上限（文件可能已损坏，或声称有极多的单元格），已放弃读取；请只保留评分表，另存为 .xlsx 再试",
                            self.budget.memory >> 20
                        ),
                        detail,
                    },
                    _ => ReadError {
                        code: Code::Unreadable,
                        message: "读取时工作簿解析器出错，文件可能已损坏；请用 Excel 或 WPS 打开后另存为 .xlsx 再试".into(),
                        detail,
                    },
                })
            }
        }
    }
}

/// A read error's code from the component, as one of the host's own: only the
/// codes a parser may give (anything else, from a component that is not ours
/// or has gone wrong, is `unreadable`).
fn read_code(code: &str) -> Code {
    const FROM_PARSER: &[Code] = &[Code::Encrypted, Code::OldFormat, Code::NotAWorkbook, Code::EmptyFile, Code::ZipBomb, Code::TooLarge, Code::Unreadable];
    code.parse().ok().filter(|c| FROM_PARSER.contains(c)).unwrap_or(Code::Unreadable)
}

/// A warning's code from the component; one the host does not know is dropped
/// with the warning (a warning never stops reading).
fn warning_code(code: &str) -> Option<Code> {
    code.parse().ok().filter(|c| *c == Code::FileTypeMismatch)
}

fn sheet(s: wit::Sheet) -> RawSheet {
    let cells = s
        .cells
        .into_iter()
        .map(|c| Cell {
            row: c.row,
            col: c.col,
            value: match c.value {
                wit::Value::Number(n) => Value::Number(n),
                wit::Value::Text(t) => Value::Text(t),
                wit::Value::Boolean(b) => Value::Boolean(b),
                wit::Value::Date(d) => Value::Date(d),
                wit::Value::IsoDate(t) => Value::IsoDate(t),
                wit::Value::Error(e) => Value::Error(e),
            },
        })
        .collect();
    RawSheet { name: s.name, visible: s.visible, cells, uncached: s.uncached }
}

/// What reads when the reader component cannot be set up: every such file is
/// a finding, never parsed natively behind the user's back.
struct Unavailable;

impl Parser for Unavailable {
    fn parse(&self, _: &[u8], _: &str, _: &ReadLimits) -> Result<Parsed, ReadError> {
        let why = match READER.get() {
            Some(Err(e)) => Some(crate::clip(e, 300)),
            _ => None,
        };
        Err(ReadError {
            code: Code::Unreadable, message: "kaohe 的工作簿读取组件无法启动，此文件未读取；请把此提示交给技术人员".into(), detail: why
        })
    }
}
