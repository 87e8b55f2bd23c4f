//! The Kotlin suites on the JVM of this machine (no Android SDK): the library's tests against
//! the host `libnyckel_ffi` through JNA, and the Android app's plain-Kotlin logic. Compiled
//! with kotlinc, run with the JUnit 5 console launcher, counted from its XML reports.

use anyhow::{Context, Result};
use camino::{Utf8Path, Utf8PathBuf};

use super::{
    import_fixtures, provider_binary, RecordedPids, FROM_KOTLIN, FROM_SWIFT, SWIFT_SUITE_RAN,
};
use crate::bindings;
use crate::cmd::Cmd;
use crate::report::{judge, read_junit_dir, Counts};
use crate::toolchains::{provision, tool};
use crate::workspace::{remove, Workspace};

/// The Kotlin library (android/nyckel): its unit tests plus `src/testHooks` (tests of the
/// `test-hooks` exports, which the Gradle build leaves out) and `src/testLoopback` (tests that
/// start a `nyckel-idp` process and use java.net.http, not on Android's unit-test classpath).
pub fn kotlin(ws: &mut Workspace) -> Result<Counts> {
    let tools = Jvm::provision(ws)?;
    let generated = bindings::kotlin(ws)?;
    let idp = provider_binary(ws)?;
    let sources = [
        generated,
        ws.path("android/nyckel/src/main/kotlin"),
        ws.path("android/nyckel/src/test/kotlin"),
        ws.path("android/nyckel/src/testHooks/kotlin"),
        ws.path("android/nyckel/src/testLoopback/kotlin"),
    ];
    let out = ws.target_dir("kotlin-test");
    let pids = RecordedPids::new(out.join("idp-pids"), "nyckel-idp")?;
    let mut env = vec![("NYCKEL_IDP", idp.to_string()), ("NYCKEL_IDP_PIDS", pids.dir.to_string())];
    if let Some(fixtures) = import_fixtures(ws) {
        env.push(("NYCKEL_IMPORT_FIXTURES", fixtures.to_string()));
    }
    let cross_platform = ws.path(FROM_KOTLIN);
    remove(&cross_platform)?;
    env.push(("NYCKEL_CROSS_PLATFORM_OUT", cross_platform.to_string()));
    tools.compile(&out, &sources)?;
    ws.once(KOTLIN_CLASSES, |_| Ok(()))?;
    let counts = tools.run(ws, &out, Select::Package("app.nyckel"), &env)?;
    drop(pids);
    Ok(counts)
}

/// Marks that `target/kotlin-test/classes` holds this run's compiled library and tests.
const KOTLIN_CLASSES: &str = "kotlin-classes";

/// The class that restores the Swift suite's automatic backup on the JVM.
const RESTORE_TEST: &str = "app.nyckel.CrossPlatformRestoreTest";

/// iOS → Android: the Kotlin library restores, on the JVM, the automatic backup NyckelKit
/// wrote in the Swift suite (`CrossPlatformBackupTests`, into `target/cross-platform/from-swift`).
/// One test class, run after the Swift suite with the classes the Kotlin suite compiled in
/// this run (a small compile of the library, `TestSupport` and that class otherwise). When
/// the Swift suite ran in this run, or left a file earlier, the test is told where it is and
/// fails if the file is missing; with neither there is nothing to restore, which fails too.
pub fn from_swift(ws: &mut Workspace) -> Result<Counts> {
    let from_swift = ws.path(FROM_SWIFT);
    anyhow::ensure!(
        ws.done(SWIFT_SUITE_RAN) || from_swift.exists(),
        "no backup from the Swift suite in {from_swift}: run `cargo xtask test swift cross-platform`"
    );
    let tools = Jvm::provision(ws)?;
    let env = [("NYCKEL_FROM_SWIFT", from_swift.to_string())];
    if ws.done(KOTLIN_CLASSES) {
        return tools.run(ws, &ws.target_dir("kotlin-test"), Select::Class(RESTORE_TEST), &env);
    }
    let generated = bindings::kotlin(ws)?;
    let test = ws.path("android/nyckel/src/test/kotlin/app/nyckel");
    let sources = [
        generated,
        ws.path("android/nyckel/src/main/kotlin"),
        test.join("TestSupport.kt"),
        test.join("CrossPlatformRestoreTest.kt"),
    ];
    let out = ws.target_dir("cross-platform-test");
    tools.compile(&out, &sources)?;
    tools.run(ws, &out, Select::Class(RESTORE_TEST), &env)
}

/// The Android app's logic (android/app/src/main/kotlin/app/nyckel/app/logic): it uses the
/// generated records and enums but never loads the native library.
/// `NYCKEL_KOTLIN_GEN=<dir>` tests it against bindings generated elsewhere.
pub fn app_logic(ws: &mut Workspace) -> Result<Counts> {
    let tools = Jvm::provision(ws)?;
    let generated = match std::env::var("NYCKEL_KOTLIN_GEN") {
        Ok(dir) => Utf8PathBuf::from(dir),
        Err(_) => bindings::kotlin(ws)?,
    };
    let sources = [
        generated,
        ws.path("android/nyckel/src/main/kotlin"),
        ws.path("android/app/src/main/kotlin/app/nyckel/app/logic"),
        ws.path("android/app/src/test/kotlin"),
    ];
    let out = ws.target_dir("app-logic-test");
    tools.compile(&out, &sources)?;
    tools.run(ws, &out, Select::Package("app.nyckel.app.logic"), &[])
}

/// Which tests the JUnit launcher runs.
enum Select<'a> {
    /// Every test class in the package and below.
    Package(&'a str),
    /// One class.
    Class(&'a str),
}

/// kotlinc, its standard library jars, JNA and the JUnit 5 console launcher.
struct Jvm {
    kotlin_home: Utf8PathBuf,
    jna: Utf8PathBuf,
    junit_console: Utf8PathBuf,
}

impl Jvm {
    fn provision(ws: &mut Workspace) -> Result<Jvm> {
        let tools = provision(ws, "jvm")?;
        Ok(Jvm {
            kotlin_home: tool(tools, "KOTLIN_HOME")?,
            jna: tool(tools, "JNA_JAR")?,
            junit_console: tool(tools, "JUNIT_CONSOLE_JAR")?,
        })
    }

    fn kotlin_jar(&self, name: &str) -> Utf8PathBuf {
        self.kotlin_home.join("lib").join(name)
    }

    /// Compiles every `.kt` file under `sources` (directories or files) into `out/classes`.
    fn compile(&self, out: &Utf8Path, sources: &[Utf8PathBuf]) -> Result<()> {
        let classes = out.join("classes");
        remove(&classes)?;
        std::fs::create_dir_all(&classes)?;

        let mut files = Vec::new();
        for path in sources {
            if path.is_file() {
                files.push(path.clone());
            } else {
                kotlin_files(path, &mut files)?;
            }
        }
        files.sort();
        eprintln!("==> compiling {} Kotlin files", files.len());
        let compile_cp = classpath(&[
            self.jna.clone(),
            self.junit_console.clone(),
            self.kotlin_jar("kotlin-test.jar"),
            self.kotlin_jar("kotlin-test-junit5.jar"),
        ]);
        Cmd::new(self.kotlin_home.join("bin/kotlinc"))
            .env("JAVA_OPTS", std::env::var("JAVA_OPTS").unwrap_or_else(|_| "-Xmx1g".into()))
            .args(["-nowarn", "-jvm-target", "17", "-cp", &compile_cp, "-d", classes.as_str()])
            .args(&files)
            .run()
    }

    /// Runs the `select`ed tests of `out/classes` with the JUnit XML reports in `out/reports`.
    fn run(
        &self,
        ws: &mut Workspace,
        out: &Utf8Path,
        select: Select<'_>,
        env: &[(&str, String)],
    ) -> Result<Counts> {
        let library = bindings::host_library(ws)?;
        let library_dir = library.parent().context("library path has no directory")?;
        let reports = out.join("reports");
        remove(&reports)?;
        let run_cp = classpath(&[
            out.join("classes"),
            self.kotlin_jar("kotlin-stdlib.jar"),
            self.kotlin_jar("kotlin-test.jar"),
            self.kotlin_jar("kotlin-test-junit5.jar"),
            self.jna.clone(),
        ]);
        let selector = match select {
            Select::Package(package) => ["--select-package", package],
            Select::Class(class) => ["--select-class", class],
        };
        let mut java = Cmd::new("java")
            .arg(format!("-Djna.library.path={library_dir}"))
            .arg("-Djna.nosys=false")
            .arg("-jar")
            .arg(&self.junit_console)
            .args(["--disable-banner", "--details=tree", "--fail-if-no-tests"])
            .args(["--class-path", &run_cp])
            .args(selector)
            .arg("--reports-dir")
            .arg(&reports);
        for (key, value) in env {
            java = java.env(key, value);
        }
        let ok = java.status()?;
        judge(read_junit_dir(&reports)?, ok)
    }
}

fn classpath(entries: &[Utf8PathBuf]) -> String {
    entries.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(":")
}

/// Every `.kt` file below `dir`.
fn kotlin_files(dir: &Utf8Path, found: &mut Vec<Utf8PathBuf>) -> Result<()> {
    for entry in dir.read_dir_utf8().with_context(|| format!("cannot read {dir}"))? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            kotlin_files(path, found)?;
        } else if path.extension() == Some("kt") {
            found.push(path.to_owned());
        }
    }
    Ok(())
}
