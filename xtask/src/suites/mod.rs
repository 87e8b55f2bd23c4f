//! The suites `cargo xtask test` runs, in order, and the summary it prints.
//!
//! Each suite returns the [`Counts`] read from its runner's report; a suite that cannot run
//! (a build or provisioning step failed, no report, no test) counts as one failure, so the
//! run fails whatever the reason.

mod browser;
mod fuzz;
mod jvm;
mod lint;
mod rust;
mod swift;

use std::time::{Duration, Instant};

use anyhow::Result;

use crate::report::Counts;
use crate::workspace::Workspace;

/// One suite of checks or tests.
pub struct Suite {
    /// The name on the command line (`cargo xtask test kotlin`).
    pub cli_name: &'static str,
    /// The name on its summary line ("Kotlin: N passed, N failed").
    pub title: &'static str,
    run: fn(&mut Workspace) -> Result<Counts>,
}

/// The lint checks: `cargo fmt --check` and `cargo clippy -D warnings`.
pub const LINT: &Suite = &ALL[0];

/// Every suite, in the order they run: the cheap checks first, then Rust, then the suites
/// that reuse Rust build outputs (the Kotlin ones share the generated bindings, the Swift
/// ones the staged library and the chroot), the browser last.
pub static ALL: [Suite; 9] = [
    Suite { cli_name: "lint", title: "Lint", run: lint::run },
    Suite { cli_name: "rust", title: "Rust", run: rust::run },
    // A few seconds of each fuzz target (its own release build, in fuzz/target).
    Suite { cli_name: "fuzz", title: "Fuzz", run: fuzz::run },
    Suite { cli_name: "kotlin", title: "Kotlin", run: jvm::kotlin },
    // The Android app's plain-Kotlin logic, against the bindings the Kotlin suite generated.
    Suite { cli_name: "app-logic", title: "App logic", run: jvm::app_logic },
    Suite { cli_name: "swift", title: "Swift", run: swift::nyckel_kit },
    // The iOS app's Foundation-only logic, in the same chroot, against the staged library.
    Suite { cli_name: "ios-app-logic", title: "iOS app logic", run: swift::ios_app_logic },
    // iOS → Android: the Swift suite's automatic backup restored on the JVM (one test class).
    Suite { cli_name: "cross-platform", title: "Cross-platform", run: jvm::from_swift },
    Suite { cli_name: "browser", title: "Browser", run: browser::run },
];

/// Runs `suites` in order, prints one "<title>: N passed, N failed" line after each and a
/// summary closing with "all: N passed, N failed"; true when nothing failed.
pub fn run_all(ws: &mut Workspace, suites: &[&Suite]) -> bool {
    let start = Instant::now();
    let mut results = Vec::new();
    for suite in suites {
        println!("==> {}", suite.title);
        let began = Instant::now();
        let counts = (suite.run)(ws).unwrap_or_else(|e| {
            println!("{}: {e:#}; counted as failed", suite.title);
            Counts::BROKEN
        });
        println!("{}: {counts}", suite.title);
        results.push((suite.title, counts, began.elapsed()));
    }
    let mut total = Counts::default();
    println!();
    println!("==> Summary ({})", seconds(start.elapsed()));
    for (title, counts, _) in &results {
        println!("{title}: {counts}");
        total.add(*counts);
    }
    let times: Vec<String> =
        results.iter().map(|(t, _, d)| format!("{t} {}", seconds(*d))).collect();
    println!("(time per suite: {})", times.join(", "));
    println!("all: {total}");
    total.failed == 0
}

fn seconds(d: Duration) -> String {
    format!("{} s", d.as_secs())
}

/// Stops, when dropped, the helper processes the tests recorded (each `nyckel-idp` they start
/// writes a file named by its PID into `dir`) that still run under `name`, never anything else.
struct RecordedPids {
    dir: camino::Utf8PathBuf,
    name: &'static str,
}

impl RecordedPids {
    /// An empty record directory.
    fn new(dir: camino::Utf8PathBuf, name: &'static str) -> Result<Self> {
        crate::workspace::remove(&dir)?;
        std::fs::create_dir_all(&dir)?;
        Ok(RecordedPids { dir, name })
    }
}

impl Drop for RecordedPids {
    fn drop(&mut self) {
        let Ok(entries) = self.dir.read_dir_utf8() else { return };
        for entry in entries.flatten() {
            let pid = std::fs::read_to_string(entry.path()).unwrap_or_default();
            let pid = pid.trim();
            if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            if comm.trim() == self.name {
                // Best effort: the process may have ended meanwhile.
                let _ = crate::cmd::Cmd::new("kill").arg(pid).status();
            }
        }
        let _ = crate::workspace::remove(&self.dir);
    }
}

/// Where the Kotlin suite's `CrossPlatformBackupTest` writes an automatic backup (and its
/// manifest) for the Swift suite's `CrossPlatformBackupTests` to restore: below the
/// repository, which the Swift chroot mounts. Emptied when the Kotlin suite starts, so in a
/// full run the Swift suite reads this run's file; the Swift test skips visibly without it.
const FROM_KOTLIN: &str = "target/cross-platform/from-kotlin";

/// Where the Swift suite's `CrossPlatformBackupTests` writes an automatic backup (and its
/// manifest) for the cross-platform suite's `CrossPlatformRestoreTest` to restore on the JVM.
/// Emptied when the Swift suite starts.
const FROM_SWIFT: &str = "target/cross-platform/from-swift";

/// Marks that the Swift suite ran in this run (so its backup must be there).
const SWIFT_SUITE_RAN: &str = "swift-suite-ran";

/// `../shared/fixtures/import/aegis-testdata` beside the repository (real export files of
/// other apps, docs/import.md) when it exists; the tests that read it skip visibly otherwise.
fn import_fixtures(ws: &Workspace) -> Option<camino::Utf8PathBuf> {
    let dir = ws.root.join("../shared/fixtures/import/aegis-testdata");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("==> {dir} not found: the real-file import tests skip themselves");
        None
    }
}

/// Builds `nyckel-idp` (debug), the provider the approval tests start, and returns its path.
fn provider_binary(ws: &mut Workspace) -> Result<camino::Utf8PathBuf> {
    ws.once("nyckel-idp", |ws| {
        eprintln!("==> building nyckel-idp (the provider the approval tests run)");
        ws.cargo().args(["build", "--quiet", "-p", "nyckel-idp", "--bin", "nyckel-idp"]).run()
    })?;
    Ok(ws.target.join("debug/nyckel-idp"))
}
