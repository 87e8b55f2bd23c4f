//! Where things are (the workspace root, cargo's target directory) and what this run has
//! already done (a build or a provisioning step is done once per run, whichever suite needs
//! it first).

use std::collections::{BTreeSet, HashMap};

use anyhow::{Context, Result};
use camino::{Utf8Path, Utf8PathBuf};

use crate::cmd::Cmd;

/// The workspace this xtask belongs to, and the steps already done in this run.
pub struct Workspace {
    /// The repository root (where the workspace Cargo.toml is).
    pub root: Utf8PathBuf,
    /// Cargo's target directory (honours CARGO_TARGET_DIR and build.target-dir).
    pub target: Utf8PathBuf,
    done: BTreeSet<&'static str>,
    /// What each provisioning step reported (see [`crate::toolchains`]).
    pub(crate) tools: HashMap<&'static str, HashMap<String, String>>,
}

impl Workspace {
    /// Asks cargo for the workspace root and target directory, and works from the root.
    pub fn discover() -> Result<Self> {
        let json =
            Cmd::new(cargo()).args(["metadata", "--no-deps", "--format-version", "1"]).stdout()?;
        let meta: serde_json::Value =
            serde_json::from_str(&json).context("cargo metadata printed no JSON")?;
        let path = |key: &str| -> Result<Utf8PathBuf> {
            meta[key]
                .as_str()
                .map(Utf8PathBuf::from)
                .with_context(|| format!("cargo metadata has no {key}"))
        };
        let root = path("workspace_root")?;
        std::env::set_current_dir(&root).with_context(|| format!("cannot enter {root}"))?;
        Ok(Workspace {
            target: path("target_directory")?,
            root,
            done: BTreeSet::new(),
            tools: HashMap::new(),
        })
    }

    /// `cargo` in the workspace root.
    pub fn cargo(&self) -> Cmd {
        Cmd::new(cargo()).dir(&self.root)
    }

    /// A directory under the target directory.
    pub fn target_dir(&self, name: &str) -> Utf8PathBuf {
        self.target.join(name)
    }

    /// A path in the repository.
    pub fn path(&self, relative: &str) -> Utf8PathBuf {
        self.root.join(relative)
    }

    /// Whether a step with this key already succeeded in this run.
    pub fn done(&self, key: &str) -> bool {
        self.done.contains(key)
    }

    /// Runs `step` unless a step with this key already succeeded in this run.
    pub fn once(
        &mut self,
        key: &'static str,
        step: impl FnOnce(&mut Self) -> Result<()>,
    ) -> Result<()> {
        if !self.done.contains(key) {
            step(self)?;
            self.done.insert(key);
        }
        Ok(())
    }
}

/// The cargo that runs this xtask (cargo sets CARGO for `cargo run`).
fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Removes a file or directory tree if it exists, so a stale report is never read.
pub fn remove(path: &Utf8Path) -> Result<()> {
    let result =
        if path.is_dir() { std::fs::remove_dir_all(path) } else { std::fs::remove_file(path) };
    match result {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot remove {path}"))
        }
        _ => Ok(()),
    }
}
