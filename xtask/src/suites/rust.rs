//! Every Rust test of the workspace with nextest (unit, property, CLI, end-to-end), counted
//! from its JUnit report, then the doc tests (nextest does not run those).

use anyhow::{bail, Result};

use crate::report::{judge, read_junit, Counts};
use crate::workspace::{remove, Workspace};

/// The nextest profile with a JUnit report (.config/nextest.toml).
const PROFILE: &str = "ci";

pub fn run(ws: &mut Workspace) -> Result<Counts> {
    if !ws.cargo().args(["nextest", "--version"]).status()? {
        bail!("cargo-nextest is missing (cargo install cargo-nextest --locked)");
    }
    let report = ws.target.join("nextest").join(PROFILE).join("junit.xml");
    remove(&report)?;
    let mut nextest =
        ws.cargo().args(["nextest", "run", "--workspace", "--no-fail-fast", "--profile", PROFILE]);
    // As root the real full-disk test (core/tests/disk_full.rs) can mount its tmpfs: there it
    // must run, not skip (it skips, saying why, where mounting is not permitted).
    if running_as_root() {
        nextest = nextest.env("NYCKEL_REQUIRE_TMPFS", "1");
    }
    let ok = nextest.status()?;
    let mut counts = judge(read_junit(&report)?, ok)?;
    // Doc tests have no structured report on stable Rust: their exit status decides, and a
    // failure counts as one failed test.
    if !ws.cargo().args(["test", "--workspace", "--doc", "--quiet"]).status()? {
        println!("doc tests failed");
        counts.failed += 1;
    }
    Ok(counts)
}

/// Whether this process runs as root (Linux: the real user id in /proc/self/status).
fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status.lines().any(|l| {
            l.strip_prefix("Uid:").and_then(|ids| ids.split_whitespace().next()) == Some("0")
        })
    })
}
