//! Any entries for the changzhi-2023 rubric: either findings, or an assessment
//! whose total is its parts and within the rubric's range. Never a panic.
#![no_main]

use kaohe_engine::{Entry, EntryValue, Rubric};
use libfuzzer_sys::fuzz_target;

fn rubric() -> &'static Rubric {
    static R: std::sync::OnceLock<Rubric> = std::sync::OnceLock::new();
    R.get_or_init(|| toml::from_str(include_str!("../../rubrics/changzhi-2023/rubric.toml")).unwrap())
}

/// 10 bytes an entry: item selector, kind, and an f64.
fn entries(data: &[u8]) -> Vec<Entry> {
    let ids: Vec<String> = rubric()
        .items()
        .flat_map(|r| std::iter::once(r.item.id.to_string()).chain(r.item.rules.iter().map(|x| x.id.to_string())))
        .chain(["71".to_string(), String::new(), "65.10".into()])
        .collect();
    data.chunks_exact(10)
        .map(|c| {
            let id = ids[c[0] as usize % ids.len()].clone();
            let v = f64::from_le_bytes(c[2..10].try_into().unwrap());
            let small = (c[2] % 40) as f64 / 2.0;
            let value = match c[1] % 5 {
                0 => EntryValue::Blank,
                1 => EntryValue::Points(v),
                2 => EntryValue::Points(small),
                3 => EntryValue::Counts(vec![(ids[c[3] as usize % ids.len()].clone(), small)]),
                _ => EntryValue::Counts(vec![(ids[c[3] as usize % ids.len()].clone(), v)]),
            };
            Entry { item: id, value }
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let r = rubric();
    match r.score(&entries(data)) {
        Ok(a) => {
            let cats: f64 = a.categories.iter().map(|c| c.score).sum();
            assert!((a.total - cats - a.adjustment).abs() < 1e-6);
            assert!(a.total >= r.min_total() && a.total <= r.max_total());
        }
        Err(findings) => assert!(!findings.is_empty()),
    }
});
