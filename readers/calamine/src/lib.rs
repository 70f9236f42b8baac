//! The workbook reader component: kaohe-workbook's calamine path (format
//! sniffing, zip checks, encrypted and old-format diagnoses, cell caps), run by
//! the host inside a sandbox so that a file which hangs or exhausts memory costs
//! only itself.

use kaohe_workbook::parse::{Cell, RawSheet, ReadLimits, Value, parse};

wit_bindgen::generate!({ world: "reader", path: "../wit" });

use exports::kaohe::reader::sheets as wit;

struct Reader;

impl wit::Guest for Reader {
    fn read(bytes: Vec<u8>, extension: String, limits: wit::Limits) -> Result<wit::Workbook, wit::ReadError> {
        let limits = ReadLimits {
            max_zip_entries: limits.max_zip_entries as usize,
            max_unzipped_bytes: limits.max_unzipped_bytes,
            max_ratio: limits.max_ratio,
            max_cells: limits.max_cells as usize,
            max_area: limits.max_area,
            ..ReadLimits::default()
        };
        match parse(&bytes, &extension, &limits) {
            Ok(parsed) => Ok(wit::Workbook {
                sheets: parsed.sheets.into_iter().map(sheet).collect(),
                warnings: parsed.warnings.into_iter().map(|(c, m)| (c.as_str().to_string(), m)).collect(),
            }),
            Err(e) => Err(wit::ReadError { code: e.code.as_str().to_string(), message: e.message, detail: e.detail }),
        }
    }
}

fn sheet(s: RawSheet) -> wit::Sheet {
    let cells = s
        .cells
        .into_iter()
        .map(|Cell { row, col, value }| wit::Cell {
            row,
            col,
            value: match value {
                Value::Number(n) => wit::Value::Number(n),
                Value::Text(t) => wit::Value::Text(t),
                Value::Boolean(b) => wit::Value::Boolean(b),
                Value::Date(d) => wit::Value::Date(d),
                Value::IsoDate(t) => wit::Value::IsoDate(t),
                Value::Error(e) => wit::Value::Error(e),
            },
        })
        .collect();
    wit::Sheet { name: s.name, visible: s.visible, cells, uncached: s.uncached }
}

export!(Reader);
