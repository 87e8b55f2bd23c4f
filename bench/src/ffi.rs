//! `ffi.batch_codes`: the app's once-a-second batch `codes()` call (at a fixed time:
//! `codesAt`) on the 1,000-account vault, from Kotlin on the JVM through the generated
//! bindings and JNA (`bench/kotlin/BatchCodes.kt`), against the same call on the same vault
//! in Rust (`nyckel_ffi::NyckelVault::codes_at`, no foreign boundary). Both report the
//! median batch per account; the Rust side runs before and after the JVM (its mean is the
//! baseline). `cargo xtask bench` provides kotlinc, JNA, the host library and its bindings
//! (as `cargo xtask test kotlin` builds them) through `NYCKEL_BENCH_*` variables.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use nyckel_ffi::NyckelVault;

use crate::fixture::{Fixture, PASSPHRASE};
use crate::summary::Outcome;

/// The time every code is computed at (fixed, so both sides compute the same codes).
const AT: i64 = 1_764_806_400;
/// Measured batches (calls) per side.
const BATCHES: usize = 101;

/// What the JVM side needs, from `cargo xtask bench`.
struct Jvm {
    kotlin_home: PathBuf,
    jna: PathBuf,
    generated: PathBuf,
    library_dir: PathBuf,
}

impl Jvm {
    fn from_env() -> Option<Jvm> {
        let var = |k: &str| std::env::var_os(k).map(PathBuf::from);
        Some(Jvm {
            kotlin_home: var("NYCKEL_BENCH_KOTLIN_HOME")?,
            jna: var("NYCKEL_BENCH_JNA_JAR")?,
            generated: var("NYCKEL_BENCH_KOTLIN_GEN")?,
            library_dir: var("NYCKEL_BENCH_FFI_LIBRARY_DIR")?,
        })
    }
}

/// Measures both.
pub fn batch_codes(root: &Path, f: &Fixture, scratch: &Path) -> Outcome {
    let Some(jvm) = Jvm::from_env() else {
        return Outcome::Missing(
            "needs the JVM side from `cargo xtask bench` (kotlinc, JNA, the generated bindings)"
                .into(),
        );
    };
    match measure(root, &jvm, f, scratch) {
        Ok(o) => o,
        Err(e) => Outcome::Missing(e),
    }
}

fn measure(root: &Path, jvm: &Jvm, f: &Fixture, scratch: &Path) -> Result<Outcome, String> {
    let classes = compile(root, jvm, scratch)?;
    let before = rust_side(f)?;
    let kotlin = kotlin_side(jvm, &classes, f);
    let _ = std::fs::remove_dir_all(&classes);
    let kotlin = kotlin?;
    let after = rust_side(f)?;
    if kotlin.count != before.count || kotlin.first != before.first {
        return Err(format!(
            "Kotlin computed other codes than Rust ({} codes, first {}; Rust {}, {})",
            kotlin.count, kotlin.first, before.count, before.first
        ));
    }
    let baseline = (before.ns_per_account + after.ns_per_account) / 2.0;
    Ok(Outcome::measured(
        kotlin.ns_per_account,
        "ns/account",
        "the same call in Rust (NyckelVault::codes_at)",
        baseline,
        Some(2.0),
    )
    .with_note(
        "rust_before_after",
        serde_json::json!([before.ns_per_account, after.ns_per_account]),
    ))
}

/// One side's result.
struct Side {
    ns_per_account: f64,
    count: usize,
    /// `id:code` of the first account (both sides must agree).
    first: String,
}

fn rust_side(f: &Fixture) -> Result<Side, String> {
    let path = f.path.display().to_string();
    let vault = NyckelVault::open(path).map_err(|e| e.to_string())?;
    vault.unlock_with_passphrase(PASSPHRASE.into()).map_err(|e| e.to_string())?;
    let mut codes = vault.codes_at(AT).map_err(|e| e.to_string())?;
    for _ in 0..20 {
        codes = vault.codes_at(AT).map_err(|e| e.to_string())?;
    }
    let mut times: Vec<f64> = (0..BATCHES)
        .map(|_| {
            let start = Instant::now();
            codes = vault.codes_at(AT).expect("worked above");
            start.elapsed().as_secs_f64() * 1e9
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let first = codes.first().ok_or("no codes")?;
    Ok(Side {
        ns_per_account: times[times.len() / 2] / codes.len() as f64,
        count: codes.len(),
        first: format!("{}:{}", first.account.id, first.code.code),
    })
}

/// Compiles the generated bindings and `bench/kotlin/BatchCodes.kt` into `scratch`.
fn compile(root: &Path, jvm: &Jvm, scratch: &Path) -> Result<PathBuf, String> {
    let classes = scratch.join("kotlin-classes");
    let _ = std::fs::remove_dir_all(&classes);
    std::fs::create_dir_all(&classes).map_err(|e| e.to_string())?;
    let mut sources = Vec::new();
    kotlin_files(&jvm.generated, &mut sources)?;
    sources.push(root.join("bench/kotlin/BatchCodes.kt"));
    let out = Command::new(jvm.kotlin_home.join("bin/kotlinc"))
        .env("JAVA_OPTS", "-Xmx1g")
        .args(["-nowarn", "-jvm-target", "17", "-cp"])
        .arg(&jvm.jna)
        .arg("-d")
        .arg(&classes)
        .args(&sources)
        .output()
        .map_err(|e| format!("kotlinc did not run: {e}"))?;
    if !out.status.success() {
        return Err(format!("kotlinc failed: {}", String::from_utf8_lossy(&out.stderr).trim()));
    }
    Ok(classes)
}

fn kotlin_files(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), String> {
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            kotlin_files(&path, found)?;
        } else if path.extension().is_some_and(|e| e == "kt") {
            found.push(path);
        }
    }
    Ok(())
}

fn kotlin_side(jvm: &Jvm, classes: &Path, f: &Fixture) -> Result<Side, String> {
    let sep = ":";
    let cp =
        [classes.to_path_buf(), jvm.kotlin_home.join("lib/kotlin-stdlib.jar"), jvm.jna.clone()]
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(sep);
    let out = Command::new("java")
        .arg(format!("-Djna.library.path={}", jvm.library_dir.display()))
        .args(["-cp", &cp, "app.nyckel.bench.BatchCodesKt"])
        .arg(&f.path)
        .arg(PASSPHRASE)
        .arg(AT.to_string())
        .arg(BATCHES.to_string())
        .output()
        .map_err(|e| format!("java did not run: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "the Kotlin side failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let mut fields = text.split_whitespace();
    let parsed = (|| {
        Some(Side {
            ns_per_account: fields.next()?.parse().ok()?,
            count: fields.next()?.parse().ok()?,
            first: fields.next()?.to_owned(),
        })
    })();
    parsed.ok_or_else(|| format!("the Kotlin side printed {text:?}"))
}
