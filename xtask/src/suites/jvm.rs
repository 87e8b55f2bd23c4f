//! The Kotlin suites on the JVM of this machine (no Android SDK): the library's tests against
//! the host `libnyckel_ffi` through JNA, and the Android app's plain-Kotlin logic. Compiled
//! with kotlinc, run with the JUnit 5 console launcher, counted from its XML reports.

use anyhow::{Context, Result};
use camino::{Utf8Path, Utf8PathBuf};

use super::{import_fixtures, provider_binary, RecordedPids, FROM_KOTLIN};
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
    let counts = tools.compile_and_run(ws, &out, &sources, "app.nyckel", &env)?;
    drop(pids);
    Ok(counts)
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
    tools.compile_and_run(ws, &out, &sources, "app.nyckel.app.logic", &[])
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

    /// Compiles every `.kt` file under `source_dirs` into `out/classes` and runs the tests in
    /// `package` (and below), with the JUnit XML reports in `out/reports`.
    fn compile_and_run(
        &self,
        ws: &mut Workspace,
        out: &Utf8Path,
        source_dirs: &[Utf8PathBuf],
        package: &str,
        env: &[(&str, String)],
    ) -> Result<Counts> {
        let library = bindings::host_library(ws)?;
        let library_dir = library.parent().context("library path has no directory")?;
        let classes = out.join("classes");
        let reports = out.join("reports");
        remove(&classes)?;
        remove(&reports)?;
        std::fs::create_dir_all(&classes)?;

        let mut sources = Vec::new();
        for dir in source_dirs {
            kotlin_files(dir, &mut sources)?;
        }
        sources.sort();
        eprintln!("==> compiling {} Kotlin files", sources.len());
        let compile_cp = classpath(&[
            self.jna.clone(),
            self.junit_console.clone(),
            self.kotlin_jar("kotlin-test.jar"),
            self.kotlin_jar("kotlin-test-junit5.jar"),
        ]);
        Cmd::new(self.kotlin_home.join("bin/kotlinc"))
            .env("JAVA_OPTS", std::env::var("JAVA_OPTS").unwrap_or_else(|_| "-Xmx1g".into()))
            .args(["-nowarn", "-jvm-target", "17", "-cp", &compile_cp, "-d", classes.as_str()])
            .args(&sources)
            .run()?;

        let run_cp = classpath(&[
            classes,
            self.kotlin_jar("kotlin-stdlib.jar"),
            self.kotlin_jar("kotlin-test.jar"),
            self.kotlin_jar("kotlin-test-junit5.jar"),
            self.jna.clone(),
        ]);
        let mut java = Cmd::new("java")
            .arg(format!("-Djna.library.path={library_dir}"))
            .arg("-Djna.nosys=false")
            .arg("-jar")
            .arg(&self.junit_console)
            .args(["--disable-banner", "--details=tree", "--fail-if-no-tests"])
            .args(["--class-path", &run_cp, "--select-package", package])
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
