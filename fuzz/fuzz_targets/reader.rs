//! What every reader target checks: the reader component's entry point
//! (`kaohe_workbook::parse::parse`, what `readers/calamine` runs) on one format
//! gives sheets or a finding, never a panic, and never more cells than the
//! limits allow.
//!
//! Hangs and memory blow-ups are calamine's and are contained by the sandbox in
//! the host (a deadline and a memory cap); here they show up as libFuzzer
//! timeouts and out-of-memory reports, and calamine's panics (traps in the
//! sandbox) as crashes, so run.sh runs these targets in fork mode with those
//! ignored and keeps the inputs in artifacts/.

pub fn check(data: &[u8], ext: &str) {
    let limits = kaohe_workbook::ReadLimits { max_cells: 20_000, max_area: 200_000, ..Default::default() };
    if let Ok(parsed) = kaohe_workbook::parse::parse(data, ext, &limits) {
        for s in &parsed.sheets {
            assert!(s.cells.len() <= limits.max_cells, "{ext}: {} cells", s.cells.len());
            let rows = s.cells.iter().map(|c| c.row as u64 + 1).max().unwrap_or(0);
            let cols = s.cells.iter().map(|c| c.col as u64 + 1).max().unwrap_or(0);
            assert!(rows * cols <= limits.max_area, "{ext}: {rows}×{cols}");
        }
    }
}
