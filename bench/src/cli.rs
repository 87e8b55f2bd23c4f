//! `cli.code_json`: `nyckel code --json` over the 1,000-account vault, the whole process,
//! within an unlocked session (`nyckel unlock --for`, in a private `XDG_RUNTIME_DIR`), so no
//! call runs the passphrase KDF — against one `oathtool --totp` process from Debian. Wall
//! time is the median of repeated runs (alternating with oathtool); the first call (cold
//! page cache for the vault file) is reported on its own. Peak memory is each process's own
//! maximum RSS from GNU time (`/usr/bin/time -f %M`): `getrusage` of a child measured from
//! this process would report the bench's own size, which a forked child inherits until exec.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::data::{b32, secret};
use crate::fixture::{Fixture, PASSPHRASE};
use crate::summary::Outcome;

const RUNS: usize = 15;

/// GNU time (Debian package `time`).
const GNU_TIME: &str = "/usr/bin/time";

/// Runs `cmd` to completion with its output captured; returns the seconds it took.
fn run_once(cmd: &mut Command) -> Result<f64, String> {
    let start = Instant::now();
    let out = cmd.stdin(Stdio::null()).output().map_err(|e| e.to_string())?;
    let elapsed = start.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err(format!(
            "exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    if out.stdout.is_empty() {
        return Err("printed nothing".into());
    }
    Ok(elapsed)
}

/// The peak RSS of `cmd`'s own process, in KiB, from GNU time.
fn peak_rss_kib(cmd: &Command, scratch: &Path) -> Result<i64, String> {
    let report = scratch.join("time.out");
    let mut timed = Command::new(GNU_TIME);
    timed.args(["-f", "%M", "-o"]).arg(&report).arg(cmd.get_program()).args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => timed.env(k, v),
            None => timed.env_remove(k),
        };
    }
    let ran = run_once(&mut timed);
    let text = std::fs::read_to_string(&report).map_err(|e| e.to_string());
    let _ = std::fs::remove_file(&report);
    ran?;
    let text = text?;
    text.trim().parse().map_err(|_| format!("GNU time wrote {text:?}"))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// A session of the `nyckel` CLI over the fixture, in its own runtime directory; locked and
/// removed when dropped.
struct Session<'a> {
    nyckel: &'a Path,
    vault: &'a Path,
    runtime: tempfile::TempDir,
}

impl<'a> Session<'a> {
    fn start(nyckel: &'a Path, f: &'a Fixture, parent: &Path) -> Result<Self, String> {
        let runtime = tempfile::tempdir_in(parent).map_err(|e| e.to_string())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(runtime.path(), std::fs::Permissions::from_mode(0o700))
                .map_err(|e| e.to_string())?;
        }
        let s = Session { nyckel, vault: &f.path, runtime };
        // The agent keeps running after `unlock` exits: no captured output it could hold.
        let status = s
            .command()
            .args(["unlock", "--for", "30m"])
            .env("NYCKEL_PASSPHRASE", PASSPHRASE)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|e| e.to_string())?;
        if !status.success() {
            return Err(format!("nyckel unlock --for failed ({status})"));
        }
        Ok(s)
    }

    /// `nyckel` in this session: the vault, the runtime directory, and no passphrase (a
    /// call that could not use the session fails instead of running the KDF).
    fn command(&self) -> Command {
        let mut c = Command::new(self.nyckel);
        c.env("NYCKEL_VAULT", self.vault)
            .env("XDG_RUNTIME_DIR", self.runtime.path())
            .env_remove("NYCKEL_PASSPHRASE");
        c
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        let _ = self.command().arg("lock").output();
    }
}

/// Measures both, alternating runs.
pub fn code_json(nyckel: &Path, f: &Fixture, scratch: &Path) -> Outcome {
    match measure(nyckel, f, scratch) {
        Ok(o) => o,
        Err(e) => Outcome::Missing(e),
    }
}

fn measure(nyckel: &Path, f: &Fixture, scratch: &Path) -> Result<Outcome, String> {
    let oath_secret = b32(&secret(0));
    let oath_cmd = || {
        let mut c = Command::new("oathtool");
        c.args(["--totp", "-b", &oath_secret]);
        c
    };
    run_once(&mut oath_cmd())
        .map_err(|e| format!("oathtool (Debian package oathtool) did not run: {e}"))?;
    let session = Session::start(nyckel, f, scratch)?;
    let code_cmd = || {
        let mut c = session.command();
        c.args(["code", "--json"]);
        c
    };
    let first = run_once(&mut code_cmd()).map_err(|e| format!("nyckel code --json: {e}"))?;
    let (mut ours, mut base) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        ours.push(run_once(&mut code_cmd())?);
        base.push(run_once(&mut oath_cmd())?);
    }
    let no_time = |e: String| format!("GNU time (Debian package time) did not run: {e}");
    let peak = peak_rss_kib(&code_cmd(), scratch).map_err(no_time)?;
    let oath_peak = peak_rss_kib(&oath_cmd(), scratch).map_err(no_time)?;
    Ok(Outcome::measured(
        median(ours) * 1e3,
        "ms",
        "oathtool --totp (one process, one code)",
        median(base) * 1e3,
        Some(5.0),
    )
    .with_note("first_call_ms", serde_json::json!((first * 1e4).round() / 10.0))
    .with_note("peak_rss_kib", serde_json::json!(peak))
    .with_note("peak_rss_target_kib", serde_json::json!(10 * 1024))
    .with_note("peak_rss_target_met", serde_json::json!(peak <= 10 * 1024))
    .with_note("oathtool_peak_rss_kib", serde_json::json!(oath_peak)))
}
