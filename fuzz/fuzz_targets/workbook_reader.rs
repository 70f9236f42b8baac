//! Any bytes, read as a workbook: an answer (its scorecards or a finding), never a
//! panic; and wherever calamine reads the workbook, the fast xlsx path reads
//! every cell of it the same. The same bytes read as a roster (CSV and workbook)
//! give units or a finding, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = kaohe_workbook::ReadLimits { max_cells: 20_000, max_area: 200_000, ..Default::default() };
    // The reader sniffs the real format (zip, compound file, ODS) from the bytes.
    for name in ["fuzz.xlsx", "fuzz.xlsb"] {
        if let Ok(book) = kaohe_workbook::read_bytes_with(data, std::path::Path::new(name), &limits) {
            assert!(!book.cards.is_empty());
            for card in &book.cards {
                assert!(!card.rows.is_empty() && !card.center.is_empty());
                for row in card.rows.values() {
                    let _ = row.cell();
                }
            }
        }
    }
    for name in ["roster.csv", "roster.xlsx"] {
        if let Ok(units) = kaohe_workbook::roster::read_bytes(data, std::path::Path::new(name)) {
            assert!(!units.is_empty() && units.iter().all(|u| !u.name.is_empty()));
        }
    }
    let path = std::path::Path::new("fuzz.xlsx");
    if let Ok(reference) = kaohe_workbook::sheet_cells(data, path, &limits, false) {
        assert_eq!(kaohe_workbook::sheet_cells(data, path, &limits, true), Ok(reference));
    }
});
