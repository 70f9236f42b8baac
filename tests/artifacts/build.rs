//! Builds the test-only components (see `kaohe-guest-build`).

use std::path::PathBuf;

/// (crate name, folder): the constant in `src/lib.rs` is the name without `kaohe-test-`, upper case.
const TEST_ONLY: &[(&str, &str)] = &[
    ("kaohe-test-hostile", "tests/components/hostile"),
    ("kaohe-test-old-interface", "tests/components/old-interface"),
    ("kaohe-test-evaluator-1-0", "tests/components/evaluator-1.0"),
];

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest.parent().unwrap().parent().unwrap().to_path_buf();
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let files = kaohe_guest_build::build(&root, &out, TEST_ONLY);
    let mut generated = String::new();
    for ((name, _), path) in TEST_ONLY.iter().zip(files) {
        let constant = name.trim_start_matches("kaohe-test-").replace('-', "_").to_uppercase();
        generated.push_str(&format!("/// The `{name}` component (.wasm).\npub const {constant}: &str = {:?};\n", path.display().to_string()));
    }
    // changzhi-2023 as a kaohe:rubric@1.0.0 component: the 1.0 evaluator filled the way 1.0 builds were.
    let evaluator = std::fs::read(out.join("kaohe_test_evaluator_1_0.wasm")).unwrap();
    let (_, bytes) = kaohe_engine::build::component_from_file(&evaluator, &root.join("rubrics/changzhi-2023/rubric.toml"), "0.1.0");
    let path = out.join("changzhi-2023-wit-1.0.wasm");
    std::fs::write(&path, bytes).unwrap();
    generated.push_str(&format!(
        "/// changzhi-2023 built as a `kaohe:rubric@1.0.0` component (.wasm).\npub const CHANGZHI_2023_WIT_1_0: &str = {:?};\n",
        path.display().to_string()
    ));
    std::fs::write(out.join("paths.rs"), generated).unwrap();
}
