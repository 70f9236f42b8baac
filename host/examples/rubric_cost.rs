//! Scoring cost per workbook of two rubric components: `cargo run --release
//! --example rubric-cost -- A.wasm B.wasm`. Each call instantiates a fresh
//! component, as a batch does; the fastest of several rounds is reported.

use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rt = kaohe::runtime::Runtime::new(Default::default())?;
    let read = kaohe::score::read_workbook(std::path::Path::new("samples/长治市/沁县.xlsx"));
    let units = read.units();
    let (seed, card) = units.first().ok_or_else(|| anyhow::anyhow!("no unit"))?;
    let mut base = None;
    for path in &args {
        let r = rt.load(&std::fs::read(path)?, path)?;
        let mut best = f64::MAX;
        for _ in 0..7 {
            let n = 2000;
            let t = Instant::now();
            for _ in 0..n {
                assert!(kaohe::score::score_unit(&r, 0, seed.clone(), *card).ok());
            }
            best = best.min(t.elapsed().as_secs_f64() * 1e6 / n as f64);
        }
        let vs = base.map(|b: f64| format!(" ({:+.1}%)", (best / b - 1.0) * 100.0)).unwrap_or_default();
        base.get_or_insert(best);
        println!("{path}: {best:.1} µs per scorecard{vs}");
    }
    Ok(())
}
