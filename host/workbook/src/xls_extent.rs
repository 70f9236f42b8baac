//! The size of an Excel 97–2003 (.xls) workbook's sheets, measured from its
//! BIFF8 records before calamine reads it.
//!
//! calamine parses every sheet when it opens an .xls: it reserves room for
//! the cells a sheet's DIMENSIONS record claims, then lays the cells out as a
//! dense range from the first cell to the farthest one. A 1 KB file claiming
//! 65,536 × 256 cells, or holding two cells a million apart, asks for
//! gigabytes. This scan walks the same records with a bounded stream read
//! (the `cfb` crate for the container; the reader component runs it inside the
//! sandbox too) and refuses a sheet past the cell or area caps before any cell
//! is allocated. A container or stream this scan cannot follow is left for
//! calamine to report.

use std::io::{Cursor, Read};

use crate::{ReadError, ReadLimits, too_big};

/// Check every sheet of the .xls `bytes` against `limits`.
pub(crate) fn check(bytes: &[u8], limits: &ReadLimits) -> Result<(), ReadError> {
    let Ok(mut file) = cfb::CompoundFile::open(Cursor::new(bytes)) else { return Ok(()) };
    let Some(name) = ["/Workbook", "/Book"].into_iter().find(|n| file.is_stream(n)) else { return Ok(()) };
    let Ok(stream) = file.open_stream(name) else { return Ok(()) };
    let mut data = Vec::new();
    if stream.take(limits.max_unzipped_bytes).read_to_end(&mut data).is_err() {
        return Ok(());
    }
    for (pos, sheet) in sheets(&data) {
        if let Some(extent) = data.get(pos..).map(extent) {
            extent.check(&sheet, limits)?;
        }
    }
    Ok(())
}

/// BIFF records: (type, body).
fn records(mut s: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        let (head, rest) = s.split_at_checked(4)?;
        let typ = u16::from_le_bytes([head[0], head[1]]);
        let len = u16::from_le_bytes([head[2], head[3]]) as usize;
        let (body, rest) = rest.split_at_checked(len)?;
        s = rest;
        Some((typ, body))
    })
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Each worksheet's stream offset and name, from the BOUNDSHEET8 records of
/// the workbook globals (names read loosely: they only label a finding).
fn sheets(data: &[u8]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (typ, body) in records(data) {
        match typ {
            0x0085 => {
                let Some(pos) = u32_at(body, 0) else { continue };
                let cch = body.get(6).copied().unwrap_or(0) as usize;
                let high = body.get(7).is_some_and(|f| f & 1 == 1);
                let chars = body.get(8..).unwrap_or(&[]);
                let name = if high {
                    let units: Vec<u16> = chars.chunks_exact(2).take(cch).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
                    String::from_utf16_lossy(&units)
                } else {
                    chars.iter().take(cch).map(|&b| b as char).collect()
                };
                out.push((pos as usize, name));
            }
            // FILEPASS: the rest is encrypted; calamine says so.
            0x002F => return Vec::new(),
            0x000A => break,
            _ => {}
        }
    }
    out
}

/// What calamine would allocate for one sheet.
#[derive(Default)]
struct Extent {
    /// Cells reserved from the DIMENSIONS record.
    reserved: u64,
    cells: u64,
    rows: u64,
    cols: u64,
}

impl Extent {
    fn at(&mut self, row: u16, col: u16, n: u64) {
        self.cells = self.cells.saturating_add(n);
        self.rows = self.rows.max(row as u64 + 1);
        self.cols = self.cols.max(col as u64 + n);
    }

    fn check(&self, sheet: &str, limits: &ReadLimits) -> Result<(), ReadError> {
        let area = self.rows.saturating_mul(self.cols);
        if self.cells > limits.max_cells as u64 || area > limits.max_area || self.reserved > limits.max_area {
            return Err(too_big(sheet, limits));
        }
        Ok(())
    }
}

/// One sheet's extent: its records up to its EOF, nested substreams (charts) skipped, as calamine reads them.
fn extent(sheet: &[u8]) -> Extent {
    let mut e = Extent::default();
    let (mut seen_bof, mut depth) = (false, 0usize);
    for (typ, body) in records(sheet) {
        if depth > 0 {
            match typ {
                0x0809 => depth += 1,
                0x000A => depth -= 1,
                _ => {}
            }
            continue;
        }
        let cell = |e: &mut Extent| {
            if let (Some(r), Some(c)) = (u16_at(body, 0), u16_at(body, 2)) {
                e.at(r, c, 1);
            }
        };
        match typ {
            0x0809 if seen_bof => depth += 1,
            0x0809 => seen_bof = true,
            // DIMENSIONS: first row, last row + 1, first column, last column + 1 (u16s in BIFF5, rows u32 in BIFF8).
            0x0200 => {
                let dims = match body.len() {
                    10 => (u16_at(body, 0).map(u32::from), u16_at(body, 2).map(u32::from), u16_at(body, 4), u16_at(body, 6)),
                    14 | 16 => (u32_at(body, 0), u32_at(body, 4), u16_at(body, 8), u16_at(body, 10)),
                    _ => (None, None, None, None),
                };
                if let (Some(r0), Some(r1), Some(c0), Some(c1)) = dims {
                    // As calamine reads it: a first column past 255 or after the last is 0.
                    let c0 = if c0 > 0xFF || c1 < c0 { 0 } else { c0 };
                    if r1 >= 1 && c1 >= 1 {
                        let rows = (r1 as u64).saturating_sub(r0 as u64).max(1);
                        let cols = (c1 as u64).saturating_sub(c0 as u64).max(1);
                        e.reserved = e.reserved.max(rows.saturating_mul(cols));
                    }
                }
            }
            // NUMBER, LABEL, RSTRING, BOOLERR, RK, LABELSST, FORMULA: one cell at (row, col).
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => cell(&mut e),
            // MULRK: a row, the first column, 6 bytes per cell, the last column.
            0x00BD => {
                if let (Some(r), Some(c0), Some(c1)) = (u16_at(body, 0), u16_at(body, 2), body.len().checked_sub(2).and_then(|at| u16_at(body, at))) {
                    e.at(r, c0, (c1 as u64).saturating_sub(c0 as u64) + 1);
                }
            }
            0x000A => break,
            _ => {}
        }
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(typ: u16, body: &[u8]) -> Vec<u8> {
        let mut v = typ.to_le_bytes().to_vec();
        v.extend((body.len() as u16).to_le_bytes());
        v.extend(body);
        v
    }

    fn number(row: u16, col: u16) -> Vec<u8> {
        let mut b = row.to_le_bytes().to_vec();
        b.extend(col.to_le_bytes());
        b.extend([0u8; 10]);
        rec(0x0203, &b)
    }

    #[test]
    fn claimed_dimensions_and_far_cells_are_measured() {
        let limits = ReadLimits { max_cells: 100, max_area: 10_000, ..Default::default() };
        let mut dims = 0u32.to_le_bytes().to_vec();
        dims.extend(65_536u32.to_le_bytes());
        dims.extend(0u16.to_le_bytes());
        dims.extend(256u16.to_le_bytes());
        dims.extend([0, 0]);
        let sheet = [rec(0x0809, &[0; 16]), rec(0x0200, &dims), number(0, 0), rec(0x000A, &[])].concat();
        assert!(extent(&sheet).check("表", &limits).is_err());
        let far = [rec(0x0809, &[0; 16]), number(0, 0), number(5_000, 200), rec(0x000A, &[])].concat();
        assert_eq!(extent(&far).check("表", &limits).unwrap_err().code, crate::Code::TooLarge);
        let small = [rec(0x0809, &[0; 16]), number(0, 0), number(20, 5), rec(0x000A, &[])].concat();
        assert!(extent(&small).check("表", &limits).is_ok());
        // A chart's cells (a nested substream) are not the sheet's.
        let chart = [rec(0x0809, &[0; 16]), rec(0x0809, &[0; 16]), number(5_000, 200), rec(0x000A, &[]), number(1, 1), rec(0x000A, &[])].concat();
        assert!(extent(&chart).check("表", &limits).is_ok());
    }
}
