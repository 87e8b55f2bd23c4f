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
mod ffi;
mod fixture;
mod floor;
mod idp;
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
    let Args { only, idp } = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("nyckel-bench: {e}\n{USAGE}");
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

    let needs_vault = ["codes.batch", "vault.open_all_codes", "cli.code_json", "ffi.batch_codes"];
    if needs_vault.iter().any(|m| wanted(m)) {
        eprintln!("nyckel-bench: creating the 1,000-account fixture vault ...");
        match fixture::create(&target.join(OUT_DIR).join("tmp")) {
            Ok(f) => {
                run(&mut s, "codes.batch", &mut || {
                    unlocked(&f).map_or_else(Outcome::Missing, |v| codes::batch(&v))
                });
                run(&mut s, "vault.open_all_codes", &mut || vault::open_all_codes(&f));
                run(&mut s, "ffi.batch_codes", &mut || {
                    ffi::batch_codes(&root, &f, &target.join(OUT_DIR).join("tmp"))
                });
                run(&mut s, "cli.code_json", &mut || match build_cli(&root, &target) {
                    Ok(nyckel) => cli::code_json(&nyckel, &f, &target.join(OUT_DIR).join("tmp")),
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
    if wanted("idp.throughput") || wanted("idp.p99") {
        eprintln!("nyckel-bench: idp.throughput, idp.p99 ({} s of load) ...", idp.seconds);
        let (throughput, p99) = idp::measure(idp, &target.join(OUT_DIR).join("tmp"));
        s.set("idp.throughput", throughput);
        s.set("idp.p99", p99);
    }

    let dir = target.join(OUT_DIR);
    if let Err(e) = s.write(&dir) {
        eprintln!("nyckel-bench: cannot write {}: {e}", dir.display());
        std::process::exit(1);
    }
    print!("{}", s.to_table());
    println!("written: {}", dir.join("summary.json").display());
}

const USAGE: &str = "usage: nyckel-bench [--only METRIC,METRIC...] [--idp-seconds N]
  --idp-seconds N   how long the provider's load runs (default 20; 720 for the sustained run:
                    the replay nonces' 10-minute lifetime, then two minutes of a full table)";

/// The command line.
struct Args {
    /// `--only a,b`: measure just those metrics (the others are listed as not run).
    only: Option<Vec<String>>,
    /// `--idp-seconds N`: the provider load's length.
    idp: idp::Plan,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let mut only = None;
    let mut idp = idp::Plan::DEFAULT;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--idp-seconds" => {
                let n = args.next().ok_or("--idp-seconds needs a number")?;
                idp.seconds = match n.parse() {
                    Ok(n) if n >= 5 => n,
                    _ => return Err(format!("--idp-seconds: {n:?} is not a whole number ≥ 5")),
                };
            }
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
    Ok(Args { only, idp })
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
