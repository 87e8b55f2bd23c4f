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
    let ok = ws
        .cargo()
        .args(["nextest", "run", "--workspace", "--no-fail-fast", "--profile", PROFILE])
        .status()?;
    let mut counts = judge(read_junit(&report)?, ok)?;
    // Doc tests have no structured report on stable Rust: their exit status decides, and a
    // failure counts as one failed test.
    if !ws.cargo().args(["test", "--workspace", "--doc", "--quiet"]).status()? {
        println!("doc tests failed");
        counts.failed += 1;
    }
    Ok(counts)
}
