//! Rubric data as Rust source, for a rubric crate's `build.rs`.
//!
//! A component starts fresh for every workbook; building its rubric from
//! compiled-in Rust values costs a few microseconds, where parsing JSON cost
//! about a hundred. The data stays in `rubric.toml`; this is only its
//! compiled form.
//!
//! ```
//! let rubric = kaohe_engine::Rubric::from_json(r#"{
//!   "id": "demo", "version": "1.0.0", "title": "评分表", "issuer": "某局",
//!   "region": "某市", "level": "county-center", "year": 2024,
//!   "categories": [{"name": "组织领导", "part": "base", "items": [{"id": "1", "max": 2, "text": "t"}]}],
//!   "bands": [{"label": "合格"}],
//!   "report": {"title": "统计表", "columns": []}
//! }"#).unwrap();
//! let src = kaohe_engine::codegen::rust_expr(&rubric);
//! assert!(src.starts_with("::kaohe_engine::Rubric {"));
//! ```

use std::fmt::Write;

use crate::model::{Band, Category, Column, Item, LevelOption, Rubric, SubRule};

/// A Rust expression that builds `rubric` (paths start at `::kaohe_engine`).
pub fn rust_expr(r: &Rubric) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "::kaohe_engine::Rubric {{ id: {}, version: {}, title: {}, issuer: {}, region: {}, level: ::kaohe_engine::Level::{:?}, year: {}, description: {}, categories: vec![{}], bands: vec![{}], report: ::kaohe_engine::Report {{ title: {}, columns: vec![{}], notes: vec![{}] }} }}",
        st(&r.id),
        st(&r.version),
        st(&r.title),
        st(&r.issuer),
        st(&r.region),
        r.level,
        r.year,
        st(&r.description),
        list(&r.categories, category),
        list(&r.bands, band),
        st(&r.report.title),
        list(&r.report.columns, column),
        list(&r.report.notes, |n| st(n)),
    );
    s
}

fn st(s: &str) -> String {
    format!("::std::borrow::Cow::Borrowed({s:?})")
}

fn num(x: f64) -> String {
    format!("{x:?}_f64")
}

fn opt<T>(o: &Option<T>, f: impl Fn(&T) -> String) -> String {
    match o {
        Some(v) => format!("Some({})", f(v)),
        None => "None".into(),
    }
}

fn list<T>(v: &[T], f: impl Fn(&T) -> String) -> String {
    v.iter().map(f).collect::<Vec<_>>().join(", ")
}

fn category(c: &Category) -> String {
    format!("::kaohe_engine::Category {{ name: {}, part: ::kaohe_engine::Part::{:?}, items: vec![{}] }}", st(&c.name), c.part, list(&c.items, item))
}

fn item(i: &Item) -> String {
    format!(
        "::kaohe_engine::Item {{ id: {}, text: {}, max: {}, part: {}, required: {}, levels: vec![{}], rules: vec![{}] }}",
        st(&i.id),
        st(&i.text),
        opt(&i.max, |m| num(*m)),
        opt(&i.part, |p| format!("::kaohe_engine::Part::{p:?}")),
        opt(&i.required, |b| b.to_string()),
        list(&i.levels, level),
        list(&i.rules, rule)
    )
}

fn level(l: &LevelOption) -> String {
    format!("::kaohe_engine::LevelOption {{ points: {}, label: {} }}", num(l.points), st(&l.label))
}

fn rule(r: &SubRule) -> String {
    format!(
        "::kaohe_engine::SubRule {{ id: {}, text: {}, mode: ::kaohe_engine::RuleMode::{:?}, each: {}, cap: {}, unit: {} }}",
        st(&r.id),
        st(&r.text),
        r.mode,
        num(r.each),
        num(r.cap),
        st(&r.unit)
    )
}

fn band(b: &Band) -> String {
    format!("::kaohe_engine::Band {{ label: {}, min: {} }}", st(&b.label), opt(&b.min, |m| num(*m)))
}

fn column(c: &Column) -> String {
    format!("::kaohe_engine::Column {{ header: {}, source: {} }}", st(&c.header), st(&c.source))
}
