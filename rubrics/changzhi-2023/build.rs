//! Validates `rubric.toml` and compiles it into the component (see `kaohe_engine::build`).
fn main() {
    kaohe_engine::build::rubric_crate()
}
