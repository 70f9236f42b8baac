//! EXAMPLE rubric (not a real document): all of it is data, see `rubric.toml`.
kaohe_engine::rubric_component!(include!(concat!(env!("OUT_DIR"), "/rubric.rs")));
