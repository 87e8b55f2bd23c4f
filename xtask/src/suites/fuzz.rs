//! The fuzz suite. First the **fuzz seed test**: every committed seed (`fuzz/corpus/TARGET/`)
//! through its target's check as an ordinary test (`cargo nextest run` in `fuzz/`, stable
//! Rust, the `seeds` tests of `fuzz/src/lib.rs`), counted from its JUnit report — so a
//! regression on a committed seed fails CI whatever the fuzzer finds in its short run. Then the
//! short fuzz run: every cargo-fuzz target for a few seconds from its committed seeds
//! (`scripts/fuzz.sh TARGET SECONDS`, without AddressSanitizer to keep the build short;
//! longer runs, with it, by hand). One result per target: passed when it ran without a crash.

use anyhow::{Context, Result};

use crate::cmd::Cmd;
use crate::report::{judge, read_junit, Counts};
use crate::toolchains::{provision, tool};
use crate::workspace::{remove, Workspace};

/// Seconds each target runs in the test command. Fifteen targets (`cargo fuzz list`) at 10 s
/// keep the fuzzing itself near 150 s, inside the 3 minutes CI allows it; with more targets,
/// lower this (and say so in docs/security.md) rather than exceed that.
const SECONDS: &str = "10";

/// The fuzz seed test, counted from nextest's JUnit report (the workspace's `ci` profile; the
/// fuzz crate is its own workspace, with its own target directory `fuzz/target`).
fn seeds(ws: &Workspace) -> Result<Counts> {
    let report = ws.path("fuzz/target/nextest/ci/junit.xml");
    remove(&report)?;
    let config = ws.path(".config/nextest.toml");
    let ok = Cmd::new("cargo")
        .dir(ws.path("fuzz"))
        .args(["nextest", "run", "--profile", "ci", "--config-file", config.as_str()])
        .status()?;
    judge(read_junit(&report)?, ok)
}

pub fn run(ws: &mut Workspace) -> Result<Counts> {
    let mut counts = seeds(ws).unwrap_or_else(|e| {
        println!("fuzz seed test: {e:#}; counted as failed");
        Counts::BROKEN
    });
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
