//! `kaohe rubric build`: a rubric component from a rubric.toml with no Rust
//! toolchain, byte-identical to the built-in made from the same file, an
//! ordinary component to every command.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// kaohe with nothing on PATH: no cargo, no rustc, no wasm tools.
fn kaohe(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .env("PATH", "")
        .env("HOME", cwd)
        .env("KAOHE_CACHE_DIR", cwd.join("cache"))
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn seed_toml() -> String {
    std::fs::read_to_string(root().join("rubrics/changzhi-2023/rubric.toml")).unwrap()
}

#[test]
fn every_builtin_is_what_rubric_build_makes_of_its_file_with_no_toolchain() {
    let dir = tempfile::tempdir().unwrap();
    for (file, bytes) in kaohe::BUILTIN_COMPONENTS {
        let id = file.trim_start_matches("rubric_").trim_end_matches(".wasm").replace('_', "-");
        let source = root().join("rubrics").join(&id).join("rubric.toml");
        let out = dir.path().join(format!("{id}.wasm"));
        let o = kaohe(&["rubric", "build", source.to_str().unwrap(), "-o", out.to_str().unwrap()], dir.path());
        assert_eq!(o.status.code(), Some(0), "{id}: {}", stderr(&o));
        assert!(std::fs::read(&out).unwrap() == *bytes, "{id}: the built-in differs from `rubric build` of {}", source.display());
        // The pin line names the file and its SHA-256.
        let pin = String::from_utf8_lossy(&o.stdout);
        let sha = kaohe::runtime::hex(&<sha2::Sha256 as sha2::Digest>::digest(bytes));
        assert!(pin.contains(&sha), "{pin}");
    }
}

#[test]
fn the_same_file_gives_the_same_bytes_and_the_component_says_where_it_came_from() {
    let text = seed_toml();
    let a = kaohe::rubric_build::from_toml(&text).unwrap();
    let b = kaohe::rubric_build::from_toml(&text).unwrap();
    assert!(a == b);
    let note = kaohe::rubric_build::source_note(&a).unwrap();
    let v: Value = serde_json::from_str(&note).unwrap();
    let sha = kaohe::runtime::hex(&<sha2::Sha256 as sha2::Digest>::digest(text.as_bytes()));
    assert_eq!(v["source_sha256"], sha.as_str());
    assert_eq!(v["kaohe"], env!("CARGO_PKG_VERSION"));
    // The slot's unused room is not in the file: a built rubric is about the size of the evaluator's code.
    assert!(a.len() < kaohe::EVALUATOR_COMPONENT.len(), "{} vs {}", a.len(), kaohe::EVALUATOR_COMPONENT.len());
}

#[test]
fn every_problem_is_reported_at_once_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    // Three faults: item 2 twice, bands not from the highest down, a report column naming no category.
    let text = seed_toml()
        .replacen("{ id = \"3\", max = 2", "{ id = \"2\", max = 2", 1)
        .replacen("source = \"category:组织领导\"", "source = \"category:没有这一类\"", 1)
        .replacen("min = 90", "min = 10", 1);
    let src = dir.path().join("bad.toml");
    std::fs::write(&src, text).unwrap();
    let out = dir.path().join("bad.wasm");
    let o = kaohe(&["rubric", "build", src.to_str().unwrap(), "-o", out.to_str().unwrap()], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("item 2 appears twice"), "{err}");
    assert!(err.contains("没有这一类"), "{err}");
    assert!(err.contains("grade bands must be listed from the highest min down"), "{err}");
    assert!(err.contains("3 problems; no component written"), "{err}");
    assert!(!out.exists());

    // A TOML mistake names its line.
    std::fs::write(&src, "id = \"x\"\nversion = \n").unwrap();
    let o = kaohe(&["rubric", "build", src.to_str().unwrap(), "-o", out.to_str().unwrap()], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("line 2"), "{}", stderr(&o));
    assert!(!out.exists());
}

#[test]
fn next_years_rubric_from_last_years_file_scores_and_compares() {
    let dir = tempfile::tempdir().unwrap();
    // Item 4 re-weighted from 4 to 3 points: with the same id and version it collides with the built-in.
    let edited = seed_toml().replacen("{ id = \"4\", max = 4,", "{ id = \"4\", max = 3,", 1);
    assert_ne!(edited, seed_toml(), "the seed's item 4 is written as expected");
    let src = dir.path().join("next.toml");
    std::fs::write(&src, &edited).unwrap();
    let out = dir.path().join("next.wasm");
    let o = kaohe(&["rubric", "build", src.to_str().unwrap(), "-o", out.to_str().unwrap()], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("already the id and version of another rubric"), "{}", stderr(&o));
    assert!(!out.exists());

    std::fs::write(&src, edited.replacen("version = \"1.0.0\"", "version = \"2.0.0\"", 1)).unwrap();
    let o = kaohe(&["rubric", "build", src.to_str().unwrap(), "-o", out.to_str().unwrap()], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let samples = root().join("samples/长治市");
    let o = kaohe(&["compare", "--rubric", "changzhi-2023", "--rubric", out.to_str().unwrap(), "--json", samples.to_str().unwrap()], dir.path());
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)));
    let changes: Vec<(String, String)> =
        v["changes"].as_array().unwrap().iter().map(|c| (c["code"].as_str().unwrap().to_string(), c["item"].as_str().unwrap().to_string())).collect();
    // Exactly what was edited: item 4's points, and so its category's maximum.
    let expected = [("reweighted", "4"), ("category-max", "组织领导")].map(|(c, i)| (c.to_string(), i.to_string()));
    assert_eq!(changes, expected, "{changes:?}");
    assert_eq!(v["b"]["id"], "changzhi-2023");
    let o = kaohe(&["score", "--rubric", out.to_str().unwrap(), "--json", samples.to_str().unwrap()], dir.path());
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["results"].as_array().unwrap().iter().all(|r| r["rubric"]["version"] == "2.0.0"));
}
