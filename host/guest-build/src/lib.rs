//! Building WebAssembly guests from a build script, as wasmtime's
//! `crates/test-programs/artifacts` does: a nested cargo with its own target
//! dir (sharing the outer one would deadlock on its lock) and with the outer
//! build's flags removed from the environment, for `wasm32-wasip2`, installing
//! the target with rustup the first time. Used by `host/build.rs` (the
//! components embedded in kaohe) and `tests/artifacts/build.rs` (the
//! components only tests load).
//!
//! ```no_run
//! // In a build script:
//! let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
//! let out = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap());
//! let files = kaohe_guest_build::build(root, &out, &[("kaohe-reader-calamine", "readers/calamine")]);
//! assert!(files[0].ends_with("kaohe_reader_calamine.wasm"));
//! ```

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The guests' target.
pub const TARGET: &str = "wasm32-wasip2";

/// Build the workspace packages `packages` (name, folder relative to `root`)
/// for [`TARGET`] with the `guest` profile, copy each component into `out`
/// (the build script's OUT_DIR) and return their paths, in order. Tells cargo
/// to rerun when a package's folder or the shared sources change.
pub fn build(root: &Path, out: &Path, packages: &[(&str, &str)]) -> Vec<PathBuf> {
    for dir in ["engine/src", "engine/Cargo.toml", "wit", "readers/wit", "host/workbook/src", "host/workbook/Cargo.toml", "Cargo.lock", "Cargo.toml"] {
        println!("cargo::rerun-if-changed={}", root.join(dir).display());
    }
    ensure_target();
    // target/<profile>/build/<crate>-<hash>/out -> target/guest, shared by every build script.
    let target_dir = out.ancestors().nth(4).map(|t| t.join("guest")).unwrap_or_else(|| out.join("guest"));
    let mut cmd = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root).args(["build", "--profile", "guest", "--target", TARGET, "--target-dir"]).arg(&target_dir);
    for (name, dir) in packages {
        cmd.args(["-p", name]);
        println!("cargo::rerun-if-changed={}", root.join(dir).display());
    }
    for var in ["CARGO_ENCODED_RUSTFLAGS", "RUSTFLAGS", "CARGO_BUILD_RUSTFLAGS", "CARGO_TARGET_DIR", "CARGO_BUILD_TARGET", "RUSTC_WORKSPACE_WRAPPER"] {
        cmd.env_remove(var);
    }
    let status = cmd.status().expect("run cargo to build the WebAssembly components");
    assert!(status.success(), "building the components for {TARGET} failed (see the errors above)");
    packages
        .iter()
        .map(|(name, _)| {
            let file = format!("{}.wasm", name.replace('-', "_"));
            let src = target_dir.join(TARGET).join("guest").join(&file);
            let dst = out.join(&file);
            std::fs::copy(&src, &dst).unwrap_or_else(|e| panic!("copy {}: {e}", src.display()));
            dst
        })
        .collect()
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
