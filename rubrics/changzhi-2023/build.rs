//! Reads `rubric.toml`, validates it with the engine, and writes the JSON the
//! component embeds. A rubric that does not validate fails the build here.
use std::{env, fs, path::PathBuf};

fn main() {
    println!("cargo::rerun-if-changed=rubric.toml");
    let text = fs::read_to_string("rubric.toml").expect("read rubric.toml");
    let rubric: kaohe_engine::Rubric = toml::from_str(&text).unwrap_or_else(|e| panic!("rubric.toml: {e}"));
    if let Err(errs) = rubric.validate() {
        panic!("rubric.toml is not a valid rubric:\n  {}", errs.join("\n  "));
    }
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("rubric.json");
    fs::write(out, serde_json::to_string(&rubric).unwrap()).expect("write rubric.json");
}
