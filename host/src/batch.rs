//! The one executor every batch runs on (score, compare, province): files are
//! taken in input order by `jobs` threads, and each file's output is handed to
//! a sink on the calling thread in input order, as soon as it and every file
//! before it are done. Outputs therefore never depend on scheduling, and a run
//! holds at most one workbook per thread plus the outputs not yet in order.
//!
//! ```
//! let files: Vec<std::path::PathBuf> = ["b", "a", "c"].iter().map(Into::into).collect();
//! let mut seen = Vec::new();
//! kaohe::batch::ordered(&files, 2, |f| f.display().to_string(), |_| unreachable!(), &mut |s| {
//!     seen.push(s);
//!     Ok(())
//! })?;
//! assert_eq!(seen, ["b", "a", "c"]);
//! # anyhow::Ok(())
//! ```

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Result;

/// Run `work` on every file on `jobs` threads; hand each output to `sink` in
/// input order. A panic in `work` (a bug) costs one file: `on_panic` gives its
/// output instead and the batch goes on. A sink error stops the workers and is
/// returned.
pub fn ordered<T: Send>(
    files: &[PathBuf],
    jobs: usize,
    work: impl Fn(&Path) -> T + Sync,
    on_panic: impl Fn(&Path) -> T + Sync,
    sink: &mut dyn FnMut(T) -> Result<()>,
) -> Result<()> {
    let next = AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::channel::<(usize, T)>();
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, files.len().max(1)) {
            let tx = tx.clone();
            let (next, work, on_panic) = (&next, &work, &on_panic);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(f) = files.get(i) else { break };
                    // Each call has its own store; nothing half-updated is shared across the unwind.
                    let once = std::panic::AssertUnwindSafe(|| work(f));
                    let out = std::panic::catch_unwind(once).unwrap_or_else(|_| on_panic(f));
                    if tx.send((i, out)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut pending = std::collections::BTreeMap::new();
        let mut done = 0;
        loop {
            // While files are still being handed out, collect what has arrived and nap:
            // a receiver blocked in `recv` makes every send a wake-up (a system call and
            // a context switch on a worker's core, thousands a second), a receiver that
            // polls costs the workers nothing. The last files are waited for, so the
            // batch ends the moment they are done (one workbook takes a few ms).
            let got = if next.load(Ordering::Relaxed) < files.len() {
                match rx.try_recv() {
                    Ok(got) => Some(got),
                    Err(std::sync::mpsc::TryRecvError::Empty) => {
                        std::thread::sleep(POLL);
                        continue;
                    }
                    Err(std::sync::mpsc::TryRecvError::Disconnected) => None,
                }
            } else {
                rx.recv().ok()
            };
            let Some((i, out)) = got else { break };
            pending.insert(i, out);
            while let Some(out) = pending.remove(&done) {
                done += 1;
                if let Err(e) = sink(out) {
                    next.store(files.len(), Ordering::Relaxed);
                    return Err(e);
                }
            }
        }
        Ok(())
    })
}

/// How long the collecting thread naps when no output is waiting.
const POLL: std::time::Duration = std::time::Duration::from_millis(2);

/// The number of threads a batch uses unless told: the machine's cores.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}
