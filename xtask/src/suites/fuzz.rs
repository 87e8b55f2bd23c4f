//! The short fuzz run: every cargo-fuzz target in `fuzz/` for a few seconds from its committed
//! seeds (`scripts/fuzz.sh TARGET SECONDS`, without AddressSanitizer to keep the build short;
//! longer runs, with it, by hand). One result per target: passed when it ran without a crash.

use anyhow::{Context, Result};

use crate::cmd::Cmd;
use crate::report::Counts;
use crate::toolchains::{provision, tool};
use crate::workspace::Workspace;

/// Seconds each target runs in the test command. Eleven targets (`cargo fuzz list`) at 10 s keep
/// the fuzzing itself near 110 s, inside the 3 minutes CI allows it; with more targets, lower
/// this (and say so in docs/security.md) rather than exceed that.
const SECONDS: &str = "10";

pub fn run(ws: &mut Workspace) -> Result<Counts> {
    let bin = tool(provision(ws, "fuzz")?, "CARGO_FUZZ_BIN")?;
    let path = format!("{bin}:{}", std::env::var("PATH").unwrap_or_default());
    let listed = Cmd::new("cargo")
        .dir(ws.path("fuzz"))
        .env("PATH", &path)
        .env("RUSTC_BOOTSTRAP", "1")
        .args(["fuzz", "list"])
        .stdout()
        .context("listing the fuzz targets")?;
    let targets: Vec<&str> = listed.lines().map(str::trim).filter(|t| !t.is_empty()).collect();
    anyhow::ensure!(!targets.is_empty(), "cargo fuzz list named no target");
    let mut counts = Counts::default();
    for target in targets {
        let ok = Cmd::new("bash")
            .arg(ws.path("scripts/fuzz.sh"))
            .args([target, SECONDS])
            .env("PATH", &path)
            .env("FUZZ_SANITIZER", "none")
            .status()?;
        if ok {
            counts.passed += 1;
        } else {
            println!("fuzz target {target} crashed; its input is in fuzz/artifacts/{target}/");
            counts.failed += 1;
        }
    }
    Ok(counts)
}
