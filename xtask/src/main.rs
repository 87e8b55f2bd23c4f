//! `cargo xtask`: the project's task runner (the `xtask` pattern: a workspace binary that
//! `.cargo/config.toml` aliases, so it needs nothing but cargo).
//!
//! ```text
//! cargo xtask test [--no-lint] [SUITE...]   lint, then every test suite (or the SUITEs named)
//! cargo xtask lint                          cargo fmt --check and cargo clippy -D warnings
//! cargo xtask bindings kotlin|swift         generate the bindings into target/ (as the tests do)
//! ```
//!
//! Every suite's result is read from a structured report (JUnit or xUnit XML), never from the
//! text a tool prints; see [`report`]. Provisioning the toolchains (apt, npm, the Swift chroot)
//! stays in `scripts/provision.sh`, which [`toolchains`] calls.

mod bindings;
mod cmd;
mod report;
mod suites;
mod toolchains;
mod workspace;

use std::process::ExitCode;

use anyhow::{bail, Result};

use crate::suites::{Suite, LINT};
use crate::workspace::Workspace;

const USAGE: &str = "\
usage: cargo xtask test [--no-lint] [SUITE...]
       cargo xtask lint
       cargo xtask bindings kotlin|swift

`test` without SUITEs runs the lint checks and then every suite; naming SUITEs runs only
those (add `lint` to lint as well). Suites: lint, rust, kotlin, app-logic, swift,
ios-app-logic, browser.
Prints one \"<Suite>: N passed, N failed\" line per suite and a closing
\"all: N passed, N failed\" line; exits non-zero when any suite failed.";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Runs the command line; `Ok(false)` when a check or test failed.
fn run(args: Vec<String>) -> Result<bool> {
    let Some((command, rest)) = args.split_first() else {
        println!("{USAGE}");
        return Ok(true);
    };
    match command.as_str() {
        "test" => {
            let selection = parse_test_args(rest)?;
            let mut ws = Workspace::discover()?;
            Ok(suites::run_all(&mut ws, &selection))
        }
        "lint" => {
            let mut ws = Workspace::discover()?;
            Ok(suites::run_all(&mut ws, &[LINT]))
        }
        "bindings" => {
            let mut ws = Workspace::discover()?;
            match rest {
                [lang] if lang == "kotlin" => println!("{}", bindings::kotlin(&mut ws)?),
                [lang] if lang == "swift" => println!("{}", bindings::swift(&mut ws)?),
                _ => bail!("expected `bindings kotlin` or `bindings swift`\n\n{USAGE}"),
            }
            Ok(true)
        }
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(true)
        }
        other => bail!("unknown command `{other}`\n\n{USAGE}"),
    }
}

/// The suites `test` runs, in the order given by [`suites::ALL`].
fn parse_test_args(args: &[String]) -> Result<Vec<&'static Suite>> {
    let mut lint = true;
    let mut named = Vec::new();
    for arg in args {
        match arg.as_str() {
            "--no-lint" => lint = false,
            name => match suites::ALL.iter().find(|s| s.cli_name == name) {
                Some(suite) => named.push(suite.cli_name),
                None => bail!("unknown suite `{name}`\n\n{USAGE}"),
            },
        }
    }
    Ok(suites::ALL
        .iter()
        .filter(|s| {
            if named.is_empty() {
                s.cli_name != LINT.cli_name || lint
            } else {
                named.contains(&s.cli_name)
            }
        })
        .collect())
}
