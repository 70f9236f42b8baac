//! The sandboxed reader's entry point on .ods files; seeds in `fuzz/seeds/ods`.
#![no_main]

mod reader;

libfuzzer_sys::fuzz_target!(|data: &[u8]| reader::check(data, "ods"));
