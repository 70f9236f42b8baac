//! The `--json` shape of results, shared by `score`, `compare` and `province`.
//!
//! ```no_run
//! # let (rubric, results): (kaohe::runtime::LoadedRubric, Vec<kaohe::score::UnitResult>) = todo!();
//! let value = kaohe::json::score_output(&[&rubric], &results);
//! println!("{}", serde_json::to_string_pretty(&value)?);
//! # anyhow::Ok(())
//! ```

use serde_json::{Value, json};

use crate::runtime::LoadedRubric;
use crate::score::UnitResult;

fn rubric(r: &LoadedRubric) -> Value {
    json!({"id": r.info.id, "version": r.info.version, "sha256": r.sha256})
}

/// `{"rubric": …, "rubrics": […], "results": […]}`: `rubric` is the first (the default).
pub fn score_output(rubrics: &[&LoadedRubric], results: &[UnitResult]) -> Value {
    json!({
        "rubric": rubric(rubrics[0]),
        "rubrics": rubrics.iter().map(|r| rubric(r)).collect::<Vec<_>>(),
        "results": self::results(rubrics, results),
    })
}

/// One object per unit; `rubric` names the rubric that scored it, `sheet` the
/// sheet its scorecard is on (null for a file that could not be read), `status`
/// is `scored`, `not-scored`, `duplicate` or `not-submitted`.
pub fn results(rubrics: &[&LoadedRubric], results: &[UnitResult]) -> Vec<Value> {
    results
        .iter()
        .map(|r| {
            let a = r.assessment.as_ref();
            let cats: Vec<_> = a
                .map(|a| a.categories.iter().map(|c| json!({"name": c.name, "score": c.score, "max": c.max_points})).collect())
                .unwrap_or_default();
            let items: Vec<_> = a
                .map(|a| a.items.iter().map(|s| json!({"item": s.item, "points": s.points})).collect())
                .unwrap_or_default();
            json!({
                "file": r.file,
                "sheet": r.sheet,
                "ok": r.ok(),
                "status": r.status(),
                "rubric": rubrics.get(r.rubric).map(|x| rubric(x)),
                "county": r.county,
                "center": r.center,
                "input_sha256": r.input_sha256,
                "categories": cats,
                "items": items,
                "bonus": a.map(|a| a.bonus),
                "deduction": a.map(|a| a.deduction),
                "special": a.map(|a| a.special),
                "special_deduction": a.map(|a| a.special_deduction),
                "adjustment": a.map(|a| a.adjustment),
                "total": a.filter(|_| r.ok()).map(|a| a.total),
                "grade": a.filter(|_| r.ok()).map(|a| a.grade.clone()),
                "trace": a.filter(|a| !a.trace.is_empty()).map(|a| a.trace.iter().map(|t| json!({"rule": t.rule, "text": t.text, "points": t.points})).collect::<Vec<_>>()),
                "findings": r.findings,
            })
        })
        .collect()
}
