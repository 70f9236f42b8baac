//! The seam between finding scorecards and parsing workbooks: what a parser
//! returns (every worksheet's non-empty cells), and who parses.
//!
//! kaohe's own fast xlsx path runs in the process; everything else is parsed by
//! calamine, which the `kaohe` host runs inside a sandboxed WebAssembly
//! component (`readers/calamine`, behind `kaohe:reader`) through a [`Parser`].
//! [`parse`] is that calamine path itself: what the component runs, and what
//! tests and fuzzers call directly.
//!
//! ```
//! use kaohe_workbook::parse::{Parser, InProcess, ReadLimits};
//! let err = InProcess.parse(b"not a workbook", "xlsx", &ReadLimits::default()).unwrap_err();
//! assert_eq!(err.code, "not-a-workbook");
//! ```

use std::path::Path;

use calamine::{CellErrorType, Data, ExcelDateTime, ExcelDateTimeType};

pub use crate::ReadLimits;
use crate::{Code, ReadError, SheetData, check_area, read_sheets};

/// A cell's value as a parser read it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Number(f64),
    Text(String),
    Boolean(bool),
    /// A number in a date or time format.
    Date(f64),
    /// An ISO 8601 date, time or duration.
    IsoDate(String),
    /// An error value (`#DIV/0!`).
    Error(String),
}

/// One non-empty cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub row: u32,
    pub col: u32,
    pub value: Value,
}

/// One worksheet as parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct RawSheet {
    pub name: String,
    pub visible: bool,
    pub cells: Vec<Cell>,
    /// Cells holding a formula saved without its result.
    pub uncached: Vec<(u32, u32)>,
}

/// Every worksheet of a workbook, and what is worth a look.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parsed {
    pub sheets: Vec<RawSheet>,
    /// (code, message), e.g. a wrong extension.
    pub warnings: Vec<(Code, String)>,
}

/// Who parses the workbooks the fast xlsx path does not read.
pub trait Parser: Sync {
    /// Parse `bytes` (a file with this lowercase `extension`), within `limits`.
    fn parse(&self, bytes: &[u8], extension: &str, limits: &ReadLimits) -> Result<Parsed, ReadError>;
}

/// calamine in this process: for the reader component itself, tests and fuzzing.
pub struct InProcess;

impl Parser for InProcess {
    fn parse(&self, bytes: &[u8], extension: &str, limits: &ReadLimits) -> Result<Parsed, ReadError> {
        parse(bytes, extension, limits)
    }
}

/// The calamine path: sniff the real format from the bytes, check the
/// container, diagnose encrypted and old files, read every worksheet with the
/// cell caps.
pub fn parse(bytes: &[u8], extension: &str, limits: &ReadLimits) -> Result<Parsed, ReadError> {
    let mut warnings = Vec::new();
    let path = format!("workbook.{extension}");
    let sheets = read_sheets(bytes, Path::new(&path), limits, &mut warnings, false)?;
    Ok(Parsed { sheets: sheets.into_iter().map(raw_sheet).collect(), warnings })
}

fn raw_sheet(s: SheetData) -> RawSheet {
    let cells = s
        .range
        .used_cells()
        .filter_map(|(r, c, d)| {
            let value = match d {
                Data::Empty => return None,
                Data::Int(i) => Value::Number(*i as f64),
                Data::Float(f) => Value::Number(*f),
                Data::String(t) => Value::Text(t.clone()),
                Data::Bool(b) => Value::Boolean(*b),
                Data::DateTime(d) => Value::Date(d.as_f64()),
                Data::DateTimeIso(t) | Data::DurationIso(t) => Value::IsoDate(t.clone()),
                Data::Error(e) => Value::Error(e.to_string()),
            };
            Some(Cell { row: r as u32, col: c as u32, value })
        })
        .collect();
    let mut uncached: Vec<(u32, u32)> = s.uncached.into_iter().collect();
    uncached.sort_unstable();
    RawSheet { name: s.name, visible: s.visible, cells, uncached }
}

/// The sheets a parser returned, laid out for the scorecard finder: the cell
/// caps checked again here (a parser is not trusted to have kept them) before
/// any range is allocated.
pub(crate) fn into_sheets(parsed: Parsed, limits: &ReadLimits) -> Result<Vec<SheetData>, ReadError> {
    parsed
        .sheets
        .into_iter()
        .map(|s| {
            check_area(s.cells.iter().map(|c| (c.row, c.col)), &s.name, limits)?;
            let cells = s.cells.into_iter().map(|c| calamine::Cell::new((c.row, c.col), data(c.value))).collect();
            Ok(SheetData { name: s.name, visible: s.visible, range: calamine::Range::from_sparse(cells), uncached: s.uncached.into_iter().collect() })
        })
        .collect()
}

fn data(v: Value) -> Data {
    match v {
        Value::Number(n) => Data::Float(n),
        Value::Text(t) => Data::String(t),
        Value::Boolean(b) => Data::Bool(b),
        Value::Date(d) => Data::DateTime(ExcelDateTime::new(d, ExcelDateTimeType::DateTime, false)),
        Value::IsoDate(t) => Data::DateTimeIso(t),
        Value::Error(e) => {
            let kinds = [
                CellErrorType::Div0,
                CellErrorType::NA,
                CellErrorType::Name,
                CellErrorType::Null,
                CellErrorType::Num,
                CellErrorType::Ref,
                CellErrorType::Value,
                CellErrorType::GettingData,
            ];
            kinds.into_iter().find(|k| k.to_string() == e).map(Data::Error).unwrap_or(Data::Error(CellErrorType::Value))
        }
    }
}
