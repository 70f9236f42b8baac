//! Builds the evaluator (`engine/evaluator`) and the workbook reader component
//! (`readers/calamine`) for `wasm32-wasip2` (see `kaohe-guest-build`), then
//! makes each built-in rubric from its `rubrics/NAME/rubric.toml` the way
//! `kaohe rubric build` does (`kaohe_engine::codec::component`: the same code
//! path, so a built-in is byte-identical to `kaohe rubric build` of its file),
//! and embeds them all, so `cargo build` / `cargo test` need no manual step.
//! Components only the tests load are built by `tests/artifacts`, a
//! dev-dependency, never into the binary.

use std::path::PathBuf;

/// Built-in rubrics, by folder under `rubrics/` (the folder name is the id).
/// The first is the default rubric: the one place it is named.
const BUILTIN: &[&str] = &["changzhi-2023", "changzhi-2024-example", "township-example"];
/// The evaluator rubric components are built from data with (`EVALUATOR_COMPONENT`).
const EVALUATOR: (&str, &str) = ("kaohe-evaluator", "engine/evaluator");
/// The workbook reader component (calamine, run sandboxed): `READER_COMPONENT`.
const READER: (&str, &str) = ("kaohe-reader-calamine", "readers/calamine");

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).parent().unwrap().to_path_buf();
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let files = kaohe_guest_build::build(&root, &out, &[EVALUATOR, READER]);
    let (evaluator, reader) = (&files[0], &files[1]);
    let evaluator_bytes = std::fs::read(evaluator).unwrap();

    let mut generated = String::from(
        "/// Components built into the binary: (file name, bytes); the first is the default rubric.\npub const BUILTIN_COMPONENTS: &[(&str, &[u8])] = &[\n",
    );
    for id in BUILTIN {
        let source = root.join("rubrics").join(id).join("rubric.toml");
        let (rubric, bytes) = kaohe_engine::build::component_from_file(&evaluator_bytes, &source, env!("CARGO_PKG_VERSION"));
        assert_eq!(rubric.id, *id, "{}: the id must be the folder's name", source.display());
        let file = format!("rubric_{}.wasm", id.replace('-', "_"));
        std::fs::write(out.join(&file), bytes).unwrap();
        generated.push_str(&format!("    ({:?}, include_bytes!({:?})),\n", file, out.join(&file).display().to_string()));
    }
    generated.push_str("];\n");
    generated.push_str(&format!("/// The id of the built-in default rubric.\npub const DEFAULT_RUBRIC: &str = {:?};\n", BUILTIN[0]));
    generated.push_str(&format!(
        "/// The prebuilt evaluator (engine/evaluator) with an empty rubric slot, for `kaohe rubric build`.\npub const EVALUATOR_COMPONENT: &[u8] = include_bytes!({:?});\n",
        evaluator.display().to_string()
    ));
    generated.push_str(&format!(
        "/// The workbook reader component (calamine behind `kaohe:reader`), run sandboxed.\npub const READER_COMPONENT: &[u8] = include_bytes!({:?});\n",
        reader.display().to_string()
    ));
    std::fs::write(out.join("builtin.rs"), generated).unwrap();
}
