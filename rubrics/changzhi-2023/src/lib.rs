//! The 长治市 2023 county service center rubric as a component. All of it is
//! data: see `rubric.toml` (item 65's sub-rules and caps are there too).
kaohe_engine::rubric_component!(include!(concat!(env!("OUT_DIR"), "/rubric.rs")));
