//! The browser test (tests/browser/test.mjs): headless Chromium drives the nyckel-idp pages
//! while the `nyckel` CLI approves, and @simplewebauthn/server verifies core-made assertions;
//! axe-core checks every page and state in both languages and colour schemes (a11y.mjs).
//! Run with node's test runner; counted from its JUnit report.

use anyhow::Result;

use crate::cmd::Cmd;
use crate::report::{judge, read_junit, Counts};
use crate::toolchains::{provision, tool};
use crate::workspace::{remove, Workspace};

pub fn run(ws: &mut Workspace) -> Result<Counts> {
    let chromium = tool(provision(ws, "browser")?, "CHROMIUM_BIN")?;
    eprintln!("==> building nyckel-idp, its device example and the nyckel CLI");
    ws.cargo()
        .args([
            "build",
            "--quiet",
            "-p",
            "nyckel-idp",
            "--bin",
            "nyckel-idp",
            "--example",
            "device",
        ])
        .run()?;
    ws.cargo().args(["build", "--quiet", "-p", "nyckel-cli", "--bin", "nyckel"]).run()?;

    let report = ws.target_dir("browser-test/junit.xml");
    remove(&report)?;
    std::fs::create_dir_all(ws.target_dir("browser-test"))?;
    let debug = ws.target.join("debug");
    let ok = Cmd::new("node")
        .dir(ws.path("tests/browser"))
        .env("CHROMIUM_BIN", &chromium)
        .env("NYCKEL_IDP", debug.join("nyckel-idp"))
        .env("NYCKEL_DEVICE", debug.join("examples/device"))
        .env("NYCKEL_BIN", debug.join("nyckel"))
        .args(["--test-reporter=spec", "--test-reporter-destination=stdout"])
        .arg("--test-reporter=junit")
        .arg(format!("--test-reporter-destination={report}"))
        .arg("test.mjs")
        .status()?;
    judge(read_junit(&report)?, ok)
}
