//! Exports `kaohe:rubric/scorer@0.9.0`, which this host does not support.
wit_bindgen::generate!({ world: "rubric", path: "wit" });

struct Old;

impl exports::kaohe::rubric::scorer::Guest for Old {
    fn describe() -> String {
        "old draft rubric".into()
    }
    fn score(values: Vec<f64>) -> f64 {
        values.iter().sum()
    }
}

export!(Old);
