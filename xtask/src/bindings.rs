//! The library the Kotlin and Swift suites test, and their bindings, generated in-process with
//! `uniffi_bindgen` from that library's uniffi metadata (build outputs, never committed).

use anyhow::{Context, Result};
use camino::{Utf8Path, Utf8PathBuf};
use uniffi_bindgen::bindings::{generate, GenerateOptions, TargetLanguage};

use crate::workspace::{remove, Workspace};

/// Builds `nyckel-ffi` as the suites test it (release, so with `panic = "unwind"` as the apps
/// ship it, plus the `test-hooks` feature) and returns the host library. It is unstripped:
/// bindgen reads the uniffi metadata from it.
pub fn host_library(ws: &mut Workspace) -> Result<Utf8PathBuf> {
    ws.once("nyckel-ffi", |ws| {
        eprintln!("==> building nyckel-ffi (release, test-hooks)");
        // Built on its own: in one cargo invocation with other packages, their features of
        // shared dependencies would be unified into the library.
        ws.cargo()
            .args(["build", "--quiet", "--release", "-p", "nyckel-ffi", "--features", "test-hooks"])
            .run()
    })?;
    let name =
        format!("{}nyckel_ffi{}", std::env::consts::DLL_PREFIX, std::env::consts::DLL_SUFFIX);
    Ok(ws.target.join("release").join(name))
}

/// The Kotlin bindings, generated into `target/kotlin-test/gen`; returns that directory.
pub fn kotlin(ws: &mut Workspace) -> Result<Utf8PathBuf> {
    let out = ws.target_dir("kotlin-test/gen");
    let library = host_library(ws)?;
    let dir = out.clone();
    ws.once("kotlin-bindings", move |_| generate_into(&library, &dir, TargetLanguage::Kotlin))?;
    Ok(out)
}

/// The Swift bindings, generated into `target/swift-test/gen` and installed where the
/// `ios/NyckelKit` package expects them (the C header and module map in
/// `Sources/NyckelFFI/include`, the Swift in `Sources/Nyckel/Generated`, all gitignored);
/// returns the generation directory.
pub fn swift(ws: &mut Workspace) -> Result<Utf8PathBuf> {
    let out = ws.target_dir("swift-test/gen");
    let library = host_library(ws)?;
    let dir = out.clone();
    ws.once("swift-bindings", move |ws| {
        generate_into(&library, &dir, TargetLanguage::Swift)?;
        let package = ws.path("ios/NyckelKit/Sources");
        install(&dir.join("NyckelFFI.h"), &package.join("NyckelFFI/include/NyckelFFI.h"))?;
        install(
            &dir.join("NyckelFFI.modulemap"),
            &package.join("NyckelFFI/include/module.modulemap"),
        )?;
        install(&dir.join("Nyckel.swift"), &package.join("Nyckel/Generated/Nyckel.swift"))
    })?;
    Ok(out)
}

fn generate_into(library: &Utf8Path, out: &Utf8Path, language: TargetLanguage) -> Result<()> {
    eprintln!("==> generating {language:?} bindings from {library} into {out}");
    remove(out)?;
    generate(GenerateOptions {
        languages: vec![language],
        source: library.to_owned(),
        out_dir: out.to_owned(),
        ..GenerateOptions::default()
    })
    .with_context(|| format!("generating bindings from {library}"))
}

/// Copies `from` to `to`, creating `to`'s directory.
pub fn install(from: &Utf8Path, to: &Utf8Path) -> Result<()> {
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {dir}"))?;
    }
    std::fs::copy(from, to).with_context(|| format!("cannot copy {from} to {to}"))?;
    Ok(())
}
