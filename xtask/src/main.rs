//! `cargo xtask`: the project's task runner (the `xtask` pattern: a workspace binary that
//! `.cargo/config.toml` aliases, so it needs nothing but cargo).
//!
//! ```text
//! cargo xtask test [--no-lint] [SUITE...]   lint, then every test suite (or the SUITEs named)
//! cargo xtask lint                          cargo fmt --check and cargo clippy -D warnings
//! cargo xtask bindings kotlin|swift         generate the bindings into target/ (as the tests do)
//! cargo xtask bench [-- ARGS]               install the baselines' tools, run nyckel-bench
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
       cargo xtask bench [ARGS...]

`test` without SUITEs runs the lint checks and then every suite; naming SUITEs runs only
those (add `lint` to lint as well). Suites: lint, rust, fuzz, kotlin, app-logic, swift,
ios-app-logic, cross-platform (after swift: its backup restored on the JVM), browser.
`bench` installs the baselines' tools (libsodium, oathtool, wrk, GNU time; for
ffi.batch_codes the JVM tools and the Kotlin bindings, as `test kotlin`) and runs the
benchmark suite (`nyckel-bench`, release build) with ARGS (e.g. `--only codes.batch`,
`--idp-seconds 720`); it writes target/bench/summary.json and summary.txt.
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
        "bench" => {
            let mut ws = Workspace::discover()?;
            toolchains::provision(&mut ws, "bench")?;
            let args = rest.strip_prefix(&["--".to_string()][..]).unwrap_or(rest);
            let mut run = ws.cargo().args(["run", "--release", "--quiet", "-p", "nyckel-bench"]);
            if bench_wants(args, "ffi.batch_codes") {
                // The JVM side of ffi.batch_codes: kotlinc and JNA (as `test kotlin` has them),
                // the library and its generated Kotlin bindings.
                let jvm = toolchains::provision(&mut ws, "jvm")?.clone();
                let generated = bindings::kotlin(&mut ws)?;
                let library = bindings::host_library(&mut ws)?;
                let library_dir = library.parent().map(|d| d.to_string()).unwrap_or_default();
                run = run
                    .env("NYCKEL_BENCH_KOTLIN_HOME", toolchains::tool(&jvm, "KOTLIN_HOME")?)
                    .env("NYCKEL_BENCH_JNA_JAR", toolchains::tool(&jvm, "JNA_JAR")?)
                    .env("NYCKEL_BENCH_KOTLIN_GEN", generated)
                    .env("NYCKEL_BENCH_FFI_LIBRARY_DIR", library_dir);
            }
            run.arg("--").args(args).status()
        }
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(true)
        }
        other => bail!("unknown command `{other}`\n\n{USAGE}"),
    }
}

/// Whether a `bench` run with `args` measures `metric` (all do, unless `--only` leaves it out).
fn bench_wants(args: &[String], metric: &str) -> bool {
    match args.iter().position(|a| a == "--only") {
        Some(i) => args.get(i + 1).is_some_and(|list| list.split(',').any(|m| m == metric)),
        None => true,
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

#[cfg(test)]
mod bench_args_tests {
    use super::bench_wants;

    #[test]
    fn only_leaves_metrics_out() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(bench_wants(&args(&[]), "ffi.batch_codes"));
        assert!(bench_wants(&args(&["--idp-seconds", "600"]), "ffi.batch_codes"));
        assert!(bench_wants(&args(&["--only", "codes.batch,ffi.batch_codes"]), "ffi.batch_codes"));
        assert!(!bench_wants(&args(&["--only", "codes.batch"]), "ffi.batch_codes"));
    }
}
