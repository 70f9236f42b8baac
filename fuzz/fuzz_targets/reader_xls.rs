//! The sandboxed reader's entry point on .xls files; seeds in `fuzz/seeds/xls`.
#![no_main]

mod reader;

libfuzzer_sys::fuzz_target!(|data: &[u8]| reader::check(data, "xls"));
