//! A rubric component that misbehaves on demand, to prove the host's sandbox.
//!
//! It describes a two-item rubric. The points entered for item 1 choose the
//! misbehaviour; any other value scores normally:
//!
//! | item 1 | what the component does |
//! |---|---|
//! | 1 | loops forever |
//! | 2 | allocates without bound |
//! | 3 | recurses until the stack overflows |
//! | 4 | panics |
//! | 5 | tries to read /etc/passwd and the environment |
//! | 6 | returns a total that is not the sum of its parts |
//! | 7 | returns a score for an item it never described |
//! | 8 | returns NaN |
//! | 9 | returns an item score above the item's max |
//! | 10 | writes megabytes to stdout and stderr |
//! | 11 | reports the clock and a random number in its grade (`score`) or in a finding (`score-indexed`) |
//!
//! `score-indexed` (kaohe:rubric@1.1) is `score` with its answer put by position,
//! misbehaviours included.

use std::hint::black_box;
use std::sync::OnceLock;

use kaohe_engine::Rubric;
use kaohe_engine::guest::{Assessment, Entry, Finding, Guest, RubricInfo, wit_indexed};

const RUBRIC: &str = r#"{
  "id": "hostile-test", "version": "0.0.1", "title": "恶意组件测试", "issuer": "测试",
  "region": "测试", "level": "county-center", "year": 2026,
  "description": "Test component for kaohe's sandbox. Not a real rubric.",
  "categories": [{"name": "测试", "part": "base", "items": [
    {"id": "1", "max": 20, "text": "选择行为"},
    {"id": "2", "max": 5, "text": "普通项目"}]}],
  "bands": [{"label": "合格", "min": 5}, {"label": "不合格"}],
  "report": {"title": "测试统计表", "columns": [
    {"header": "服务(中心)站名称", "source": "center"},
    {"header": "测试", "source": "category:测试"},
    {"header": "总分", "source": "total"},
    {"header": "考核结果", "source": "grade"}]}
}"#;

fn rubric() -> &'static Rubric {
    static R: OnceLock<Rubric> = OnceLock::new();
    R.get_or_init(|| Rubric::from_json(RUBRIC).unwrap())
}

struct Hostile;

fn recurse(n: u64, pad: [u64; 64]) -> u64 {
    let pad = black_box(pad);
    if black_box(n) == u64::MAX { pad[0] } else { recurse(n + 1, pad).wrapping_add(pad[(n % 64) as usize]) }
}

impl Guest for Hostile {
    fn describe() -> RubricInfo {
        kaohe_engine::guest::describe(rubric())
    }

    fn score(entries: Vec<Entry>) -> Result<Assessment, Vec<Finding>> {
        use kaohe_engine::guest::EntryValue;
        let mode = entries
            .iter()
            .find(|e| e.item == "1")
            .and_then(|e| match e.value {
                EntryValue::Points(p) => Some(p as u32),
                _ => None,
            })
            .unwrap_or(0);
        let honest = || kaohe_engine::guest::score(rubric(), entries.clone());
        match mode {
            1 => {
                let mut x = 0u64;
                loop {
                    x = black_box(x.wrapping_add(1));
                }
            }
            2 => {
                let mut hoard = Vec::new();
                loop {
                    hoard.push(black_box(vec![1u8; 1 << 20]));
                }
            }
            3 => {
                black_box(recurse(0, [7; 64]));
                honest()
            }
            4 => panic!("deliberate panic in the hostile test component"),
            5 => {
                let env = std::env::vars().count();
                match std::fs::read_to_string("/etc/passwd") {
                    Ok(text) => {
                        let mut a = honest()?;
                        a.grade = text;
                        Ok(a)
                    }
                    Err(e) => panic!("cannot open /etc/passwd: {e}; {env} environment variables"),
                }
            }
            6 => {
                let mut a = honest()?;
                a.total += 1.0;
                Ok(a)
            }
            7 => {
                let mut a = honest()?;
                a.items.push(kaohe_engine::guest::ItemScore { item: "999".into(), points: 0.0, sub_rules: vec![] });
                Ok(a)
            }
            8 => {
                let mut a = honest()?;
                a.total = f64::NAN;
                Ok(a)
            }
            9 => {
                let mut a = honest()?;
                a.items[1].points = 50.0;
                a.categories[0].score += 45.0;
                a.total += 45.0;
                Ok(a)
            }
            10 => {
                let line = "x".repeat(1 << 16);
                for _ in 0..64 {
                    println!("{line}");
                    eprintln!("{line}");
                }
                honest()
            }
            11 => {
                let mut a = honest()?;
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
                let mut seed = [0u8; 8];
                let random = std::collections::hash_map::RandomState::new();
                use std::hash::BuildHasher;
                seed.copy_from_slice(&random.hash_one(1u8).to_le_bytes());
                a.grade = format!("{now}/{}", u64::from_le_bytes(seed));
                Ok(a)
            }
            _ => honest(),
        }
    }

    fn score_indexed(entries: wit_indexed::Entries, _trace: bool) -> Result<wit_indexed::Scores, Vec<wit_indexed::Finding>> {
        use kaohe_engine::guest::EntryValue;
        let named: Vec<Entry> = ["1", "2"]
            .iter()
            .zip(&entries.values)
            .map(|(id, v)| Entry { item: id.to_string(), value: v.map_or(EntryValue::Blank, EntryValue::Points) })
            .collect();
        let finding =
            |message: String| wit_indexed::Finding { item: String::new(), code: wit_indexed::FindingCode::Malformed, message, allowed: String::new() };
        let a = Self::score(named).map_err(|fs| fs.into_iter().map(|f| finding(f.message)).collect::<Vec<_>>())?;
        let band = rubric().bands.iter().position(|b| *b.label == *a.grade);
        let Some(band) = band else { return Err(vec![finding(format!("考核结果“{}”", a.grade))]) };
        Ok(wit_indexed::Scores {
            points: a.items.iter().map(|i| Some(i.points)).collect(),
            categories: a.categories.iter().map(|c| c.score).collect(),
            bonus: a.bonus,
            deduction: a.deduction,
            special: a.special,
            special_deduction: a.special_deduction,
            adjustment: a.adjustment,
            total: a.total,
            band: band as u32,
            trace: a.trace,
        })
    }
}

kaohe_engine::guest::export_rubric_component!(Hostile);
