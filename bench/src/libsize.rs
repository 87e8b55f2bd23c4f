//! `lib.size`: the stripped `libnyckel_ffi.so` in the mobile profile, against a minimal
//! cdylib of the same heavy dependencies (ring, bundled SQLite, serde_json) built the same
//! way (`bench/minimal-lib`).

use std::path::Path;
use std::process::Command;

use crate::summary::Outcome;

/// The size-optimised release profile of the root Cargo.toml.
pub const PROFILE: &str = "mobile";

fn build(root: &Path, package: &str) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .args(["rustc", "--profile", PROFILE, "-p", package, "--lib", "--crate-type", "cdylib"])
        .status()
        .map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo rustc -p {package} failed ({status})"))
    }
}

/// Builds both libraries and compares their sizes.
pub fn size(root: &Path, target_dir: &Path) -> Outcome {
    for package in ["nyckel-ffi", "nyckel-bench-minimal-lib"] {
        if let Err(e) = build(root, package) {
            return Outcome::Missing(e);
        }
    }
    let dir = target_dir.join(PROFILE);
    let len = |name: &str| std::fs::metadata(dir.join(name)).map(|m| m.len() as f64);
    match (len("libnyckel_ffi.so"), len("libnyckel_bench_minimal_lib.so")) {
        (Ok(ours), Ok(base)) => Outcome::measured(
            ours,
            "bytes",
            "minimal cdylib: ring + bundled SQLite + serde_json, same profile",
            base,
            Some(1.15),
        )
        .with_note("profile", serde_json::json!(PROFILE)),
        (a, b) => Outcome::Missing(format!("built libraries not found: {a:?} {b:?}")),
    }
}
