//! The reader component's entry point (`kaohe_workbook::parse::parse`, what
//! `readers/calamine` runs) on the formats calamine reads: xls, xlsb and ods.
//! Any bytes give sheets or a finding, never a panic, and never more cells than
//! the limits allow. Seeded with `fuzz/seeds/reader` (see `fuzz/run.sh`).
//!
//! Hangs and memory blow-ups are calamine's and are contained by the sandbox in
//! the host (a deadline and a memory cap); here they show up as libFuzzer
//! timeouts and out-of-memory reports, so run.sh runs this target in fork mode
//! with those ignored and keeps the inputs as regression cases.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = kaohe_workbook::ReadLimits { max_cells: 20_000, max_area: 200_000, ..Default::default() };
    for ext in ["xls", "xlsb", "ods"] {
        if let Ok(parsed) = kaohe_workbook::parse::parse(data, ext, &limits) {
            for s in &parsed.sheets {
                assert!(s.cells.len() <= limits.max_cells, "{ext}: {} cells", s.cells.len());
            }
        }
    }
});
