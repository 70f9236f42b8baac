//! Every output kaohe writes, one module per output and medium. The domain
//! modules (`score`, `units`, `compare`, `province`) produce results; these
//! render them and decide nothing.
//!
//! | output | module |
//! |---|---|
//! | the summary workbook: 统计表 (attachment 2), 评分明细 | [`summary`] |
//! | 问题清单 (every finding), in every report workbook | [`findings`] |
//! | the blank scorecard | [`template`] |
//! | the rubric authoring workbook | [`authoring`] |
//! | the comparison workbook | [`compare`] |
//! | the provincial workbook | [`province`] |
//! | every `--json` shape, as `Serialize` types | [`json`] |
//! | the CLI's tables and texts | [`text`] |
//! | cell formats of all workbooks | `style` |

use anyhow::Result;
use rust_xlsxwriter::Worksheet;

pub mod authoring;
pub mod compare;
pub(crate) mod findings;
pub mod json;
pub mod province;
mod style;
pub mod summary;
pub mod template;
pub mod text;

/// What a report cell shows; `None` (at the call) leaves it blank.
pub(crate) enum Value {
    Text(String),
    Number(f64),
}

pub(crate) fn write_value(ws: &mut Worksheet, row: u32, col: u16, v: Option<Value>, f: &style::Report) -> Result<()> {
    match v {
        Some(Value::Text(t)) => ws.write_with_format(row, col, &t, &f.text)?,
        Some(Value::Number(n)) => ws.write_number_with_format(row, col, n, &f.number)?,
        None => ws.write_blank(row, col, &f.text)?,
    };
    Ok(())
}

/// A valid, unique-enough worksheet name: at most 31 characters, none of []:*?/\\.
pub(crate) fn sheet_name(s: &str) -> String {
    s.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect()
}
