//! What every reader target checks: the reader component's entry point
//! (`kaohe_workbook::parse::parse`, what `readers/calamine` runs) on one format
//! gives sheets or a finding, never a panic of kaohe's own code, and never more
//! cells than the limits allow.
//!
//! calamine's own failures are contained by the sandbox in the host: a panic
//! there is a trap (one `unreadable` finding), a hang hits the deadline, a
//! blow-up the memory cap. So a panic raised inside a third-party crate (its
//! location under the cargo registry) is caught and counted here, letting the
//! fuzzer go on at full speed instead of restarting a job per known calamine
//! bug; a panic anywhere else (kaohe's code) is re-raised and is a crash.
//! Hangs and memory blow-ups show up as libFuzzer timeouts and out-of-memory
//! reports; run.sh runs in fork mode with those ignored and keeps the inputs.

use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};

/// Panics raised inside third-party crates so far (contained by the sandbox in the host).
pub static CONTAINED: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static THIRD_PARTY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let third = info.location().is_some_and(|l| l.file().contains("/.cargo/registry/"));
            THIRD_PARTY.with(|t| t.set(third));
            if !third {
                default(info);
            }
        }));
    });
}

pub fn check(data: &[u8], ext: &str) {
    hook();
    let limits = kaohe_workbook::ReadLimits { max_cells: 20_000, max_area: 200_000, ..Default::default() };
    let parsed = match std::panic::catch_unwind(|| kaohe_workbook::parse::parse(data, ext, &limits)) {
        Ok(p) => p,
        Err(payload) if THIRD_PARTY.with(|t| t.get()) => {
            let n = CONTAINED.fetch_add(1, Ordering::Relaxed) + 1;
            if n.is_power_of_two() {
                eprintln!("contained third-party panics so far: {n}");
            }
            drop(payload);
            return;
        }
        Err(payload) => std::panic::resume_unwind(payload),
    };
    if let Ok(parsed) = parsed {
        for s in &parsed.sheets {
            assert!(s.cells.len() <= limits.max_cells, "{ext}: {} cells", s.cells.len());
            let rows = s.cells.iter().map(|c| c.row as u64 + 1).max().unwrap_or(0);
            let cols = s.cells.iter().map(|c| c.col as u64 + 1).max().unwrap_or(0);
            assert!(rows * cols <= limits.max_area, "{ext}: {rows}×{cols}");
        }
    }
}
