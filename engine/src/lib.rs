//! Kaohe's rubric engine: the rubric model ([`Rubric`]) and its evaluator
//! ([`Rubric::score`]).
//!
//! The engine is compiled into every rubric component (target
//! `wasm32-wasip2`); with the `guest` feature it also carries the WIT glue, so a
//! rubric crate is its data plus one macro call:
//!
//! ```ignore
//! kaohe_engine::rubric_component!(include!(concat!(env!("OUT_DIR"), "/rubric.rs")));
//! ```
//!
//! The same evaluator runs natively in tests and benchmarks.

pub mod codec;
pub mod codegen;
mod eval;
mod model;
pub mod wording;

pub use eval::{Assessment, CategoryScore, Entry, EntryValue, Finding, FindingCode, Given, ItemScore, Scores, TraceStep, fmt_points, tidy};
pub use model::{Band, Category, Column, ColumnSource, Item, ItemRef, Level, LevelOption, Part, Report, Rubric, RuleMode, Scoring, SubRule, Text};

#[cfg(feature = "guest")]
pub mod guest;

#[cfg(feature = "build")]
pub mod build;
