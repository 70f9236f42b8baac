//! The sandboxed reader's entry point on .xlsb files; seeds in `fuzz/seeds/xlsb`.
#![no_main]

mod reader;

libfuzzer_sys::fuzz_target!(|data: &[u8]| reader::check(data, "xlsb"));
