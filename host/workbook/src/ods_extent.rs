//! The size of an OpenDocument spreadsheet's tables, measured from its
//! `content.xml` before calamine reads it.
//!
//! ODS compresses repetition: one `<table:table-cell table:number-columns-repeated="1000">`
//! in a row with `table:number-rows-repeated="99000"` stands for 99 million
//! cells in a few hundred bytes, and calamine materialises every one. This
//! scan streams the XML (memory bounded by one element), multiplies the
//! repeats of cells that hold something, and refuses a table past the cell or
//! area caps before a single cell is allocated. Empty repeated cells (the
//! 1,024-column, million-row padding LibreOffice writes) cost nothing.

use std::io::{BufReader, Read};

use quick_xml::events::{BytesStart, Event};

use crate::{ReadError, ReadLimits, too_big};

/// Check every table of `content` (the package's content.xml) against `limits`:
/// `Err(too-large)` naming the first table past them. XML this scan cannot
/// follow is left for calamine to report.
pub(crate) fn check(content: impl Read, limits: &ReadLimits) -> Result<(), ReadError> {
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(content));
    xml.config_mut().check_end_names = false;
    let mut buf = Vec::new();
    let mut table: Option<Table> = None;
    // Depth of tables inside a table's cells (subtables): only the outer one counts.
    let mut nested = 0usize;
    loop {
        let (e, empty) = match xml.read_event_into(&mut buf) {
            Err(_) | Ok(Event::Eof) => return Ok(()),
            Ok(Event::Start(e)) => (e, false),
            Ok(Event::Empty(e)) => (e, true),
            Ok(Event::End(e)) => {
                match e.local_name().as_ref() {
                    "table" if nested > 0 => nested -= 1,
                    "table" => {
                        if let Some(t) = table.take() {
                            t.check(limits)?;
                        }
                    }
                    "table-row" if nested == 0 => {
                        if let Some(t) = table.as_mut() {
                            t.end_row();
                        }
                    }
                    _ => {}
                }
                buf.clear();
                continue;
            }
            Ok(_) => {
                buf.clear();
                continue;
            }
        };
        match (e.local_name().as_ref(), table.as_mut()) {
            ("table", None) if !empty => table = Some(Table { name: attr(&e, "name").unwrap_or_default(), ..Table::default() }),
            ("table", Some(_)) if !empty => nested += 1,
            ("table-row", Some(t)) if nested == 0 => {
                t.row_repeat = repeat(&e, "number-rows-repeated");
                t.col = 0;
                if empty {
                    t.end_row();
                }
            }
            ("table-cell" | "covered-table-cell", Some(t)) if nested == 0 => {
                let holds = !empty || attr(&e, "value-type").is_some();
                t.cell(repeat(&e, "number-columns-repeated"), holds);
                t.check(limits)?;
            }
            _ => {}
        }
        buf.clear();
    }
}

#[derive(Default)]
struct Table {
    name: String,
    row: u64,
    row_repeat: u64,
    col: u64,
    cells: u64,
    rows: u64,
    cols: u64,
}

impl Table {
    fn cell(&mut self, repeat: u64, holds: bool) {
        if holds {
            self.cells = self.cells.saturating_add(repeat.saturating_mul(self.row_repeat.max(1)));
            self.cols = self.cols.max(self.col.saturating_add(repeat));
            self.rows = self.rows.max(self.row.saturating_add(self.row_repeat.max(1)));
        }
        self.col = self.col.saturating_add(repeat);
    }

    fn end_row(&mut self) {
        self.row = self.row.saturating_add(self.row_repeat.max(1));
        self.row_repeat = 1;
    }

    fn check(&self, limits: &ReadLimits) -> Result<(), ReadError> {
        if self.cells > limits.max_cells as u64 || self.rows.saturating_mul(self.cols) > limits.max_area {
            return Err(too_big(&self.name, limits));
        }
        Ok(())
    }
}

fn attr(e: &BytesStart<'_>, local: &str) -> Option<String> {
    e.attributes().flatten().find(|a| a.key.local_name().as_ref() == local).map(|a| a.value.to_string())
}

/// A repeat count: at least 1, and a value that does not parse is 1 (as calamine reads it).
fn repeat(e: &BytesStart<'_>, local: &str) -> u64 {
    attr(e, local).and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(1).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(body: &str) -> String {
        format!(
            r#"<?xml version="1.0"?><office:document-content xmlns:office="o" xmlns:table="t" xmlns:text="x"><office:body><office:spreadsheet>{body}</office:spreadsheet></office:body></office:document-content>"#
        )
    }

    #[test]
    fn repeated_filled_cells_count_and_padding_does_not() {
        let limits = ReadLimits { max_cells: 1000, max_area: 1_000_000, ..Default::default() };
        let padded = content(
            r#"<table:table table:name="表"><table:table-row><table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell><table:table-cell table:number-columns-repeated="1023"/></table:table-row><table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="1024"/></table:table-row></table:table>"#,
        );
        assert!(check(padded.as_bytes(), &limits).is_ok());
        let huge = content(
            r#"<table:table table:name="表"><table:table-row table:number-rows-repeated="100"><table:table-cell table:number-columns-repeated="11" office:value-type="float" office:value="1"/></table:table-row></table:table>"#,
        );
        let err = check(huge.as_bytes(), &limits).unwrap_err();
        assert_eq!(err.code, "too-large");
        assert!(err.message.contains("表"), "{}", err.message);
        // 100 × 10 = 1000 cells: at the cap, not past it.
        let at_cap = huge.replace("\"11\"", "\"10\"");
        assert!(check(at_cap.as_bytes(), &limits).is_ok());
    }

    #[test]
    fn a_far_away_cell_is_past_the_area_cap() {
        let limits = ReadLimits { max_cells: 1000, max_area: 10_000, ..Default::default() };
        let far = content(
            r#"<table:table table:name="远"><table:table-row table:number-rows-repeated="200"><table:table-cell table:number-columns-repeated="5"/></table:table-row><table:table-row><table:table-cell table:number-columns-repeated="60"/><table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row></table:table>"#,
        );
        assert_eq!(check(far.as_bytes(), &limits).unwrap_err().code, "too-large");
    }
}
