//! Builds the rubric components under `rubrics/` and the workbook reader
//! component under `readers/` for `wasm32-wasip2` and embeds them, so
//! `cargo build` / `cargo test` need no manual step.
//!
//! As in wasmtime's `crates/test-programs/artifacts`, the guests are built by a
//! nested cargo with its own target dir (sharing ours would deadlock on its
//! lock) and with the outer build's flags removed from the environment.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Rubric crates built into the binary: (crate name, folder).
/// The first is the default.
const BUILTIN: &[(&str, &str)] = &[
    ("rubric-changzhi-2023", "rubrics/changzhi-2023"),
    ("rubric-changzhi-2024-example", "rubrics/changzhi-2024-example"),
    ("rubric-township-example", "rubrics/township-example"),
];
/// Components only the tests load; their paths are in `KAOHE_TEST_COMPONENT_<NAME>`.
const TEST_ONLY: &[(&str, &str)] = &[
    ("kaohe-test-hostile", "tests/components/hostile"),
    ("kaohe-test-old-interface", "tests/components/old-interface"),
];
/// The workbook reader component (calamine, run sandboxed): `READER_COMPONENT`.
const READER: (&str, &str) = ("kaohe-reader-calamine", "readers/calamine");
const TARGET: &str = "wasm32-wasip2";

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).parent().unwrap().to_path_buf();
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    for dir in ["engine/src", "engine/Cargo.toml", "wit", "readers/wit", "host/workbook/src", "host/workbook/Cargo.toml", "Cargo.lock", "Cargo.toml"] {
        println!("cargo::rerun-if-changed={}", root.join(dir).display());
    }
    ensure_target();
    // target/<profile>/build/kaohe-<hash>/out -> target/guest
    let target_dir = out.ancestors().nth(4).map(|t| t.join("guest")).unwrap_or_else(|| out.join("guest"));

    let mut cmd = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(&root).args(["build", "--profile", "guest", "--target", TARGET, "--target-dir"]).arg(&target_dir);
    for (name, dir) in BUILTIN.iter().chain(TEST_ONLY).chain([&READER]) {
        cmd.args(["-p", name]);
        println!("cargo::rerun-if-changed={}", root.join(dir).display());
    }
    for var in ["CARGO_ENCODED_RUSTFLAGS", "RUSTFLAGS", "CARGO_BUILD_RUSTFLAGS", "CARGO_TARGET_DIR", "CARGO_BUILD_TARGET", "RUSTC_WORKSPACE_WRAPPER"] {
        cmd.env_remove(var);
    }
    let status = cmd.status().expect("run cargo to build the rubric components");
    assert!(status.success(), "building the rubric components for {TARGET} failed (see the errors above)");

    let mut generated = String::from("/// Components built into the binary: (file name, bytes).\npub const BUILTIN_COMPONENTS: &[(&str, &[u8])] = &[\n");
    for (name, _) in BUILTIN {
        let file = format!("{}.wasm", name.replace('-', "_"));
        let src = target_dir.join(TARGET).join("guest").join(&file);
        let dst = out.join(&file);
        std::fs::copy(&src, &dst).unwrap_or_else(|e| panic!("copy {}: {e}", src.display()));
        generated.push_str(&format!("    ({:?}, include_bytes!({:?})),\n", file, dst.display().to_string()));
    }
    generated.push_str("];\n");
    let file = format!("{}.wasm", READER.0.replace('-', "_"));
    let src = target_dir.join(TARGET).join("guest").join(&file);
    let dst = out.join(&file);
    std::fs::copy(&src, &dst).unwrap_or_else(|e| panic!("copy {}: {e}", src.display()));
    generated.push_str(&format!(
        "/// The workbook reader component (calamine behind `kaohe:reader`), run sandboxed.\npub const READER_COMPONENT: &[u8] = include_bytes!({:?});\n",
        dst.display().to_string()
    ));
    for (name, _) in TEST_ONLY {
        let file = format!("{}.wasm", name.replace('-', "_"));
        let src = target_dir.join(TARGET).join("guest").join(&file);
        let dst = out.join(&file);
        std::fs::copy(&src, &dst).unwrap_or_else(|e| panic!("copy {}: {e}", src.display()));
        let var = name.trim_start_matches("kaohe-test-").replace('-', "_").to_uppercase();
        println!("cargo::rustc-env=KAOHE_TEST_COMPONENT_{var}={}", dst.display());
    }
    std::fs::write(out.join("builtin.rs"), generated).unwrap();
}

/// Install the wasm32-wasip2 standard library through rustup when it is missing.
fn ensure_target() {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(&rustc).args(["--print", "sysroot"]).output().expect("run rustc --print sysroot");
    let sysroot = String::from_utf8_lossy(&sysroot.stdout).trim().to_string();
    if Path::new(&sysroot).join("lib/rustlib").join(TARGET).exists() {
        return;
    }
    println!("cargo::warning=installing the {TARGET} target with rustup (one time)");
    let ok = Command::new("rustup").args(["target", "add", TARGET]).status().map(|s| s.success()).unwrap_or(false);
    assert!(ok, "the {TARGET} target is missing and `rustup target add {TARGET}` failed; install it and build again");
}
