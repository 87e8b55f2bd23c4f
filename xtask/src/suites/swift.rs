//! The Swift suites, run on Linux in a Debian trixie chroot with Debian's Swift 6 (Debian
//! bookworm has none): the NyckelKit package's XCTests against the host-built library, and
//! the iOS app's Foundation-only logic. Counted from `swift test --xunit-output`.
//!
//! Everything the chroot needs sits below `target/swift-test` and `target/ios-app-logic` in
//! the repository, which is mounted inside the chroot (so those paths stay in the repository
//! even when CARGO_TARGET_DIR points elsewhere).

use anyhow::{Context, Result};
use camino::{Utf8Path, Utf8PathBuf};

use super::{
    import_fixtures, provider_binary, RecordedPids, FROM_KOTLIN, FROM_SWIFT, SWIFT_SUITE_RAN,
};
use crate::bindings::{self, install};
use crate::report::{judge, read_junit, Counts};
use crate::toolchains::{chroot_mount_point, in_swift_chroot, provision};
use crate::workspace::{remove, Workspace};

/// ios/NyckelKit's tests (with the `test-hooks` exports), including approvals against a
/// `nyckel-idp` the tests start (the host binary runs in the chroot; loopback is shared).
pub fn nyckel_kit(ws: &mut Workspace) -> Result<Counts> {
    let staged = stage(ws)?;
    let idp = provider_binary(ws)?;
    install(&idp, &staged.host.join("bin/nyckel-idp"))?;
    let pids = RecordedPids::new(staged.host.join("idp-pids"), "nyckel-idp")?;
    let mut env = vec![
        ("NYCKEL_IDP", format!("{}/bin/nyckel-idp", staged.chroot)),
        ("NYCKEL_IDP_PIDS", format!("{}/idp-pids", staged.chroot)),
    ];
    // The chroot sees only the repository: the real export files are staged beside the
    // library for the run (read in place, never committed) and removed afterwards.
    let fixtures = staged.host.join("import-fixtures");
    remove(&fixtures)?;
    if let Some(dir) = import_fixtures(ws) {
        copy_dir(&dir, &fixtures)?;
        env.push(("NYCKEL_IMPORT_FIXTURES", format!("{}/import-fixtures", staged.chroot)));
    }
    // The backup the Kotlin suite wrote in this run (or an earlier one when `swift` runs alone).
    if ws.path(FROM_KOTLIN).join("manifest.txt").is_file() {
        env.push(("NYCKEL_FROM_KOTLIN", format!("{}/{FROM_KOTLIN}", chroot_mount_point(ws))));
    }
    // Where this suite leaves an automatic backup for the cross-platform suite (JVM) to restore.
    remove(&ws.path(FROM_SWIFT))?;
    env.push(("NYCKEL_CROSS_PLATFORM_OUT", format!("{}/{FROM_SWIFT}", chroot_mount_point(ws))));
    ws.once(SWIFT_SUITE_RAN, |_| Ok(()))?;
    let package = format!("{}/ios/NyckelKit", chroot_mount_point(ws));
    let counts = swift_test(
        ws,
        &staged,
        &package,
        &staged.chroot,
        &env,
        &["-Xswiftc", "-DNYCKEL_TEST_HOOKS"],
    );
    drop(pids);
    remove(&fixtures)?;
    counts
}

/// Copies the files of `from` (no subdirectories) into a new directory `to`.
fn copy_dir(from: &Utf8Path, to: &Utf8Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in from.read_dir_utf8().with_context(|| format!("cannot read {from}"))? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name()))
                .with_context(|| format!("cannot copy {}", entry.path()))?;
        }
    }
    Ok(())
}

/// The iOS app's Logic/ (ios/App/Nyckel/Logic) and its XCTest file, without Xcode: a
/// throw-away SwiftPM package in target/ios-app-logic whose target `Nyckel_App` (the app's
/// module name, so the tests' `@testable import Nyckel_App` is unchanged) links those files
/// and depends on ios/NyckelKit; its tests are every file of ios/App/NyckelTests. The rest of the app (SwiftUI, UIKit, Security) cannot be
/// compiled here.
pub fn ios_app_logic(ws: &mut Workspace) -> Result<Counts> {
    let staged = stage(ws)?;
    let work = ws.path("target/ios-app-logic");
    write_app_logic_package(ws, &work.join("pkg"))?;
    let chroot_work = format!("{}/target/ios-app-logic", chroot_mount_point(ws));
    swift_test(ws, &staged, &format!("{chroot_work}/pkg"), &chroot_work, &[], &[])
}

/// The library and bindings staged for the chroot.
struct Staged {
    /// target/swift-test on the host.
    host: Utf8PathBuf,
    /// The same directory inside the chroot.
    chroot: String,
}

/// Provisions the chroot, generates the Swift bindings into ios/NyckelKit and stages the
/// library in target/swift-test/lib (once per run).
fn stage(ws: &mut Workspace) -> Result<Staged> {
    provision(ws, "swift")?;
    bindings::swift(ws)?;
    let library = bindings::host_library(ws)?;
    let host = ws.path("target/swift-test");
    let file = library.file_name().context("library path has no file name")?.to_owned();
    install(&library, &host.join("lib").join(file))?;
    Ok(Staged { chroot: format!("{}/target/swift-test", chroot_mount_point(ws)), host })
}

/// `swift test` of the package at `package` (a path inside the chroot) with its scratch
/// directory and xUnit report in `work` (inside the chroot), linking the staged library.
fn swift_test(
    ws: &Workspace,
    staged: &Staged,
    package: &str,
    work: &str,
    env: &[(&str, String)],
    extra: &[&str],
) -> Result<Counts> {
    let report_in_chroot = format!("{work}/xunit.xml");
    let report = host_path(ws, &report_in_chroot)?;
    remove(&report)?;
    let lib = format!("{}/lib", staged.chroot);
    let mut command: Vec<String> = ["swift", "test", "--package-path", package, "--scratch-path"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    command.push(format!("{work}/build"));
    command.extend(extra.iter().map(|s| s.to_string()));
    for arg in ["-Xlinker", &format!("-L{lib}"), "-Xlinker", "-rpath", "-Xlinker", &lib] {
        command.push(arg.to_string());
    }
    // SwiftPM writes XCTest's xUnit report only when it runs the tests itself, one process
    // per test (`--parallel`); one worker keeps them in order and the machine's load low.
    command.extend(["--parallel", "--num-workers", "1", "--xunit-output"].map(String::from));
    command.push(report_in_chroot);
    let ok = in_swift_chroot(ws, env, &command).status()?;
    judge(read_junit(&report)?, ok)
}

/// The host path of a path inside the chroot's repository mount.
fn host_path(ws: &Workspace, in_chroot: &str) -> Result<Utf8PathBuf> {
    let mount = chroot_mount_point(ws);
    let relative = in_chroot.strip_prefix(&mount).context("not below the repository mount")?;
    Ok(ws.root.join(relative.trim_start_matches('/')))
}

/// Linux Foundation has no String(localized:) (String Catalogs are Apple's); the English key
/// is the English text.
const LINUX_LOCALIZED: &str = "\
#if os(Linux)
extension String {
    init(localized key: String) { self = key }
}
#endif
";

const APP_LOGIC_MANIFEST: &str = r#"// swift-tools-version:5.9
// Generated by `cargo xtask test ios-app-logic`: the app's Logic/ as module Nyckel_App, and its tests.
import PackageDescription

let package = Package(
    name: "NyckelAppLogic",
    dependencies: [.package(name: "NyckelKit", path: "../../../ios/NyckelKit")],
    targets: [
        .target(name: "Nyckel_App", dependencies: [.product(name: "Nyckel", package: "NyckelKit")], path: "Sources/Nyckel_App"),
        .testTarget(name: "LogicTests", dependencies: ["Nyckel_App", .product(name: "Nyckel", package: "NyckelKit")], path: "Tests/LogicTests"),
    ]
)
"#;

/// Writes the package: relative symlinks to the app's files, so they resolve inside the
/// chroot's mount too.
fn write_app_logic_package(ws: &Workspace, pkg: &Utf8Path) -> Result<()> {
    remove(pkg)?;
    let sources = pkg.join("Sources/Nyckel_App");
    let tests = pkg.join("Tests/LogicTests");
    std::fs::create_dir_all(&sources)?;
    std::fs::create_dir_all(&tests)?;
    // From pkg/Sources/Nyckel_App (or pkg/Tests/LogicTests) up to the repository root.
    let up = "../../../../..";
    let logic = ws.path("ios/App/Nyckel/Logic");
    let mut linked = 0;
    for entry in logic.read_dir_utf8().with_context(|| format!("cannot read {logic}"))? {
        let name = entry?.file_name().to_owned();
        if name.ends_with(".swift") {
            symlink(&format!("{up}/ios/App/Nyckel/Logic/{name}"), &sources.join(&name))?;
            linked += 1;
        }
    }
    anyhow::ensure!(linked > 0, "no Swift files in {logic}");
    std::fs::write(sources.join("LinuxLocalized.swift"), LINUX_LOCALIZED)?;
    let test_dir = ws.path("ios/App/NyckelTests");
    for entry in test_dir.read_dir_utf8().with_context(|| format!("cannot read {test_dir}"))? {
        let name = entry?.file_name().to_owned();
        if name.ends_with(".swift") {
            symlink(&format!("{up}/ios/App/NyckelTests/{name}"), &tests.join(&name))?;
        }
    }
    std::fs::write(pkg.join("Package.swift"), APP_LOGIC_MANIFEST)?;
    Ok(())
}

fn symlink(target: &str, link: &Utf8Path) -> Result<()> {
    std::os::unix::fs::symlink(target, link)
        .with_context(|| format!("cannot link {link} to {target}"))
}
