//! `nyckel-bench`: runs Nyckel's benchmark suite and writes `target/bench/summary.json` and
//! `target/bench/summary.txt`. Every metric is a ratio against a baseline measured in the
//! same run on the same data; see `docs/performance.md` for what each one means.
//!
//! ```text
//! cargo run --release -p nyckel-bench [-- --only codes.batch,unlock.kdf]
//! ```

mod approval;
mod cli;
mod codes;
mod data;
mod fixture;
mod floor;
mod kdf;
mod libsize;
mod measure;
mod otpauth;
mod sodium;
mod summary;
mod vault;

use std::path::{Path, PathBuf};
use std::process::Command;

use summary::{Outcome, Summary, METRICS};

/// Where the suite writes, relative to the target directory.
const OUT_DIR: &str = "bench";

fn main() {
    let only = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("nyckel-bench: {e}\nusage: nyckel-bench [--only METRIC,METRIC...]");
            std::process::exit(2);
        }
    };
    let root = workspace_root();
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let wanted = |m: &str| only.as_ref().is_none_or(|o| o.iter().any(|x| x == m));
    let mut s = Summary::new();

    let run = |s: &mut Summary, name: &'static str, f: &mut dyn FnMut() -> Outcome| {
        if wanted(name) {
            eprintln!("nyckel-bench: {name} ...");
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(&mut *f))
                .unwrap_or_else(|_| Outcome::Missing("the measurement panicked".into()));
            s.set(name, outcome);
        }
    };

    run(&mut s, "codes.single", &mut codes::single);
    run(&mut s, "otpauth.parse", &mut otpauth::parse);
    run(&mut s, "approval.process", &mut approval::process);
    run(&mut s, "unlock.kdf", &mut kdf::unlock);

    let needs_vault = ["codes.batch", "vault.open_all_codes", "cli.code_json"];
    if needs_vault.iter().any(|m| wanted(m)) {
        eprintln!("nyckel-bench: creating the 1,000-account fixture vault ...");
        match fixture::create(&target.join(OUT_DIR).join("tmp")) {
            Ok(f) => {
                run(&mut s, "codes.batch", &mut || {
                    unlocked(&f).map_or_else(Outcome::Missing, |v| codes::batch(&v))
                });
                run(&mut s, "vault.open_all_codes", &mut || vault::open_all_codes(&f));
                run(&mut s, "cli.code_json", &mut || match build_cli(&root, &target) {
                    Ok(nyckel) => cli::code_json(&nyckel, &f),
                    Err(e) => Outcome::Missing(e),
                });
            }
            Err(e) => {
                for m in needs_vault {
                    s.set(m, Outcome::Missing(format!("the fixture vault could not be made: {e}")));
                }
            }
        }
    }
    run(&mut s, "lib.size", &mut || libsize::size(&root, &target));
    for m in ["idp.throughput", "idp.p99"] {
        if wanted(m) {
            s.set(m, Outcome::Missing("not built: the load generator (64 devices; wrk for the plain GET) waits for the provider's connection pool, which is not in main yet".into()));
        }
    }
    if wanted("ffi.batch_codes") {
        s.set(
            "ffi.batch_codes",
            Outcome::Missing(
                "not built: needs a JVM harness calling the Kotlin bindings' batch codes() (toolchain of scripts/test-kotlin.sh)".into(),
            ),
        );
    }

    let dir = target.join(OUT_DIR);
    if let Err(e) = s.write(&dir) {
        eprintln!("nyckel-bench: cannot write {}: {e}", dir.display());
        std::process::exit(1);
    }
    print!("{}", s.to_table());
    println!("written: {}", dir.join("summary.json").display());
}

/// `--only a,b`: measure just those metrics (the others are listed as not run).
fn parse_args() -> Result<Option<Vec<String>>, String> {
    let mut args = std::env::args().skip(1);
    let mut only = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--only" => {
                let list = args.next().ok_or("--only needs a list of metrics")?;
                let names: Vec<String> = list.split(',').map(str::to_owned).collect();
                if let Some(bad) = names.iter().find(|n| !METRICS.contains(&n.as_str())) {
                    return Err(format!("unknown metric {bad:?}; known: {}", METRICS.join(", ")));
                }
                only = Some(names);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(only)
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bench/ is in the workspace")
        .to_path_buf()
}

/// The fixture vault, unlocked with its key (no KDF).
fn unlocked(f: &fixture::Fixture) -> Result<nyckel_core::vault::Vault, String> {
    let mut v = nyckel_core::vault::Vault::open(&f.path).map_err(|e| e.to_string())?;
    v.unlock_with_unwrapped_key(nyckel_core::vault::UnwrappedKey::new(f.key.clone()))
        .map_err(|e| e.to_string())?;
    Ok(v)
}

/// Builds the `nyckel` CLI in release mode; returns its path.
fn build_cli(root: &Path, target: &Path) -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .args(["build", "--release", "-p", "nyckel-cli", "--bin", "nyckel"])
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("building the nyckel CLI failed ({status})"));
    }
    Ok(target.join("release").join("nyckel"))
}
