#!/usr/bin/env bash
# Run the fuzz targets for SECONDS each (default 120), seeding the workbook
# reader with the shipped samples. Needs cargo-fuzz (`cargo install cargo-fuzz`);
# on a stable toolchain RUSTC_BOOTSTRAP=1 lets it pass its -Z flags. -O builds as
# the shipped binary is (no overflow checks); drop it to hunt arithmetic overflows too.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-120}"
mkdir -p corpus/workbook_reader corpus/engine_input corpus/xlsx_xml
find ../samples -type f \( -name "*.xls*" -o -name "*.ods" \) -exec cp {} corpus/workbook_reader/ \;
cp seeds/xlsx_xml/* corpus/xlsx_xml/
# The reader targets, one per format: xls and ods made by LibreOffice from the samples,
# xlsb re-encoded from them by `cargo run --example make-xlsb` (nothing here writes xlsb),
# and each bug found kept as a regression-* seed.
for f in xls xlsb ods; do
  mkdir -p "corpus/reader_$f"
  cp seeds/$f/* "corpus/reader_$f/"
done
export RUSTC_BOOTSTRAP=1
for t in workbook_reader xlsx_xml engine_input; do
  cargo fuzz run -O --sanitizer none "$t" "corpus/$t" -- -max_total_time="$secs" -rss_limit_mb=4096 -max_len=200000 2>&1 \
    | tee "/tmp/kaohe-fuzz-$t.log" | grep -E "^#[0-9]+ +DONE|Done [0-9]+ runs|ERROR|panicked" || true
done
# calamine's own hangs and memory blow-ups (contained by the sandbox in the host) are
# expected here, and calamine's panics (traps there): fork mode keeps going past them and
# keeps each input in artifacts/. The total executions are on the last "#N" status line.
for f in xls xlsb ods; do
  cargo fuzz run -O --sanitizer none "reader_$f" "corpus/reader_$f" -- -fork=1 -ignore_timeouts=1 -ignore_ooms=1 -ignore_crashes=1 \
    -timeout=10 -max_total_time="$secs" -rss_limit_mb=2048 -max_len=200000 2>&1 \
    | tee "/tmp/kaohe-fuzz-reader_$f.log" | grep -E "DONE|Done|ERROR|panicked" || true
done
