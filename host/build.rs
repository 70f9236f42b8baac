//! Builds the rubric components under `rubrics/` and the workbook reader
//! component under `readers/` for `wasm32-wasip2` and embeds them, so
//! `cargo build` / `cargo test` need no manual step (see `kaohe-guest-build`).
//! Components only the tests load are built by `tests/artifacts`, a
//! dev-dependency, never into the binary.

use std::path::PathBuf;

/// Rubric crates built into the binary: (crate name, folder). The first is
/// the default rubric: the one place it is named.
const BUILTIN: &[(&str, &str)] = &[
    ("rubric-changzhi-2023", "rubrics/changzhi-2023"),
    ("rubric-changzhi-2024-example", "rubrics/changzhi-2024-example"),
    ("rubric-township-example", "rubrics/township-example"),
];
/// The workbook reader component (calamine, run sandboxed): `READER_COMPONENT`.
const READER: (&str, &str) = ("kaohe-reader-calamine", "readers/calamine");

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).parent().unwrap().to_path_buf();
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let mut packages = BUILTIN.to_vec();
    packages.push(READER);
    let files = kaohe_guest_build::build(&root, &out, &packages);
    let (reader, builtin) = files.split_last().unwrap();

    let mut generated = String::from(
        "/// Components built into the binary: (file name, bytes); the first is the default rubric.\npub const BUILTIN_COMPONENTS: &[(&str, &[u8])] = &[\n",
    );
    for path in builtin {
        let file = path.file_name().unwrap().to_string_lossy();
        generated.push_str(&format!("    ({:?}, include_bytes!({:?})),\n", file, path.display().to_string()));
    }
    generated.push_str("];\n");
    let id = BUILTIN[0].0.trim_start_matches("rubric-");
    generated.push_str(&format!("/// The id of the built-in default rubric.\npub const DEFAULT_RUBRIC: &str = {id:?};\n"));
    generated.push_str(&format!(
        "/// The workbook reader component (calamine behind `kaohe:reader`), run sandboxed.\npub const READER_COMPONENT: &[u8] = include_bytes!({:?});\n",
        reader.display().to_string()
    ));
    std::fs::write(out.join("builtin.rs"), generated).unwrap();
}
