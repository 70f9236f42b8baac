//! The data-built evaluator as it was before `kaohe:rubric@1.1.0`: it exports
//! only `kaohe:rubric/scorer@1.0.0` (the frozen `wit/1.0`). The tests fill its
//! slot with changzhi-2023, the way every 1.0 component out there was made, and
//! check the 1.1 host scores every sample with it exactly as with the 1.1 build.

wit_bindgen::generate!({
    world: "rubric",
    path: "../../../wit/1.0",
    // 1.1 did not change the types: the engine's glue serves both.
    with: { "kaohe:rubric/types@1.0.0": kaohe_engine::guest::types },
});

use kaohe_engine::guest::{Assessment, Entry, Finding, RubricInfo};

kaohe_engine::rubric_slot!();

fn rubric() -> &'static kaohe_engine::Rubric {
    static RUBRIC: std::sync::OnceLock<kaohe_engine::Rubric> = std::sync::OnceLock::new();
    RUBRIC.get_or_init(kaohe_slot_rubric)
}

struct Evaluator;

impl exports::kaohe::rubric::scorer::Guest for Evaluator {
    fn describe() -> RubricInfo {
        kaohe_engine::guest::describe(rubric())
    }
    fn score(entries: Vec<Entry>) -> Result<Assessment, Vec<Finding>> {
        kaohe_engine::guest::score(rubric(), entries)
    }
}

export!(Evaluator);
