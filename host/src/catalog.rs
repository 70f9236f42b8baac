//! Finding rubric components: built into the binary, `.wasm` files named on the
//! command line, and rubric folders (`--rubric-dir`, `KAOHE_RUBRIC_DIR`).
//!
//! ```no_run
//! let rt = kaohe::runtime::Runtime::new(Default::default())?;
//! let catalog = kaohe::catalog::Catalog::new(&rt, vec![]);
//! let rubric = catalog.resolve(Some("changzhi-2023"))?;
//! # anyhow::Ok(())
//! ```

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::runtime::{LoadedRubric, Runtime};

/// Where rubric components are looked for.
pub struct Catalog<'rt> {
    rt: &'rt Runtime,
    dirs: Vec<PathBuf>,
}

/// A component that could not be loaded, and why.
pub struct LoadFailure {
    pub origin: String,
    pub error: anyhow::Error,
}

impl<'rt> Catalog<'rt> {
    pub fn new(rt: &'rt Runtime, dirs: Vec<PathBuf>) -> Self {
        Catalog { rt, dirs }
    }

    /// Load a rubric by id, or from a `.wasm` path; `None` is the built-in default.
    pub fn resolve(&self, spec: Option<&str>) -> Result<LoadedRubric> {
        let spec = spec.unwrap_or(crate::DEFAULT_RUBRIC);
        let path = Path::new(spec);
        if path.is_file() || spec.ends_with(".wasm") {
            return self.load_file(path);
        }
        // Cheap first: a component whose file name is the id.
        let mut candidates: Vec<(String, Source)> = self.sources();
        candidates.sort_by_key(|(stem, _)| stem != spec);
        let mut errors = Vec::new();
        for (_, source) in candidates {
            match self.load(&source) {
                Ok(r) if r.info.id == spec => return Ok(r),
                Ok(_) => {}
                Err(e) => errors.push(format!("{e:#}")),
            }
        }
        let mut msg = format!("no rubric with id `{spec}`; `kaohe rubrics` lists the ones available");
        if !errors.is_empty() {
            msg.push_str(&format!(" (some components failed to load: {})", errors.join("; ")));
        }
        bail!(msg)
    }

    /// Load every rubric the catalog can see, plus the given files.
    pub fn list(&self, files: &[PathBuf]) -> (Vec<LoadedRubric>, Vec<LoadFailure>) {
        let mut ok = Vec::new();
        let mut bad = Vec::new();
        let sources = self.sources().into_iter().map(|(_, s)| s).chain(files.iter().cloned().map(Source::File));
        for s in sources {
            match self.load(&s) {
                Ok(r) => ok.push(r),
                Err(error) => bad.push(LoadFailure { origin: s.origin(), error }),
            }
        }
        (ok, bad)
    }

    /// A component built into kaohe, by rubric id.
    pub fn builtin(&self, id: &str) -> Result<LoadedRubric> {
        // The one whose file name is the id first, so usually only it is compiled.
        let mut builtins: Vec<&(&str, &[u8])> = crate::BUILTIN_COMPONENTS.iter().collect();
        builtins.sort_by_key(|(name, _)| stem_id(Path::new(name)) != id);
        for (name, bytes) in builtins {
            let r = self.load(&Source::Builtin(name, bytes))?;
            if r.info.id == id {
                return Ok(r);
            }
        }
        bail!("kaohe has no built-in rubric `{id}`; `kaohe rubrics` lists them")
    }

    /// Load a component from bytes already read (and, for a manifest, verified).
    pub fn load_bytes(&self, bytes: &[u8], origin: &str) -> Result<LoadedRubric> {
        Ok(self.rt.load(bytes, origin)?)
    }

    /// Load one component file.
    pub fn load_file(&self, path: &Path) -> Result<LoadedRubric> {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read rubric component {}", path.display()))?;
        Ok(self.rt.load(&bytes, &path.display().to_string())?)
    }

    fn load(&self, s: &Source) -> Result<LoadedRubric> {
        match s {
            Source::Builtin(name, bytes) => Ok(self.rt.load(bytes, &format!("built-in ({name})"))?),
            Source::File(p) => self.load_file(p),
        }
    }

    /// Every source with the id its file name suggests.
    fn sources(&self) -> Vec<(String, Source)> {
        let mut out: Vec<(String, Source)> =
            crate::BUILTIN_COMPONENTS.iter().map(|(name, bytes)| (stem_id(Path::new(name)), Source::Builtin(name, bytes))).collect();
        for dir in &self.dirs {
            let Ok(entries) = std::fs::read_dir(dir) else { continue };
            let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|e| e == "wasm")).collect();
            files.sort();
            out.extend(files.into_iter().map(|p| (stem_id(&p), Source::File(p))));
        }
        out
    }
}

enum Source {
    Builtin(&'static str, &'static [u8]),
    File(PathBuf),
}

impl Source {
    fn origin(&self) -> String {
        match self {
            Source::Builtin(name, _) => format!("built-in ({name})"),
            Source::File(p) => p.display().to_string(),
        }
    }
}

/// `rubric_changzhi_2023.wasm` → `changzhi-2023`.
fn stem_id(p: &Path) -> String {
    let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    stem.strip_prefix("rubric_").unwrap_or(stem).replace('_', "-")
}
