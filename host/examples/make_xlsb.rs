//! Re-encode workbooks as .xlsb (no spreadsheet application here writes it), for
//! the reader fuzzer's seeds: `cargo run --example make-xlsb -- OUT_DIR FILE...`.
//! The writer is `tests/common/xlsb.rs`, shared with the tests.

#[allow(dead_code)]
#[path = "../../tests/common/xlsb.rs"]
mod xlsb;

fn main() {
    let mut args = std::env::args_os().skip(1);
    let Some(out) = args.next().map(std::path::PathBuf::from) else {
        eprintln!("usage: make-xlsb OUT_DIR FILE...");
        std::process::exit(2);
    };
    for f in args {
        let path = std::path::PathBuf::from(f);
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let target = out.join(path.with_extension("xlsb").file_name().unwrap());
        std::fs::write(&target, xlsb::from_workbook(&bytes, &ext)).unwrap();
        println!("{}", target.display());
    }
}
