//! `cli.code_json`: `nyckel code --json` over the 1,000-account vault, the whole process
//! (start, unlock, codes, JSON out), against one `oathtool --totp` process from Debian.
//! Wall time is the median of repeated runs; peak memory is the child's maximum RSS.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::data::{b32, secret};
use crate::fixture::{Fixture, PASSPHRASE};
use crate::summary::Outcome;

const RUNS: usize = 11;

/// Runs `cmd` to completion; returns (seconds, peak RSS in KiB), or why it failed.
fn run_once(cmd: &mut Command) -> Result<(f64, i64), String> {
    let start = Instant::now();
    let child =
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().map_err(|e| e.to_string())?;
    let pid = child.id() as libc::pid_t;
    // Read the output first (a full pipe would block the child), then reap with wait4 to
    // get this child's own rusage.
    let mut child = child;
    let mut out = Vec::new();
    let mut err = Vec::new();
    use std::io::Read;
    child.stdout.take().expect("piped").read_to_end(&mut out).map_err(|e| e.to_string())?;
    child.stderr.take().expect("piped").read_to_end(&mut err).map_err(|e| e.to_string())?;
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid out-parameter; pid is our unreaped child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = start.elapsed().as_secs_f64();
    std::mem::forget(child); // reaped above
    if rc != pid || !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        return Err(format!(
            "exited with status {status}: {}",
            String::from_utf8_lossy(&err).trim()
        ));
    }
    if out.is_empty() {
        return Err("printed nothing".into());
    }
    Ok((elapsed, usage.ru_maxrss))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Measures both, alternating runs.
pub fn code_json(nyckel: &Path, f: &Fixture) -> Outcome {
    let oath_secret = b32(&secret(0));
    let nyckel_cmd = || {
        let mut c = Command::new(nyckel);
        c.args(["code", "--json"])
            .env("NYCKEL_VAULT", &f.path)
            .env("NYCKEL_PASSPHRASE", PASSPHRASE);
        c
    };
    let oath_cmd = || {
        let mut c = Command::new("oathtool");
        c.args(["--totp", "-b", &oath_secret]);
        c
    };
    if let Err(e) = run_once(&mut oath_cmd()) {
        return Outcome::Missing(format!("oathtool (Debian package oathtool) did not run: {e}"));
    }
    let first = match run_once(&mut nyckel_cmd()) {
        Ok(r) => r,
        Err(e) => return Outcome::Missing(format!("nyckel code --json failed: {e}")),
    };
    let (mut ours, mut base, mut peak) = (Vec::new(), Vec::new(), first.1);
    for _ in 0..RUNS {
        let (t, rss) = run_once(&mut nyckel_cmd()).expect("ran before");
        ours.push(t);
        peak = peak.max(rss);
        base.push(run_once(&mut oath_cmd()).expect("ran before").0);
    }
    Outcome::measured(
        median(ours) * 1e3,
        "ms",
        "oathtool --totp (one process, one code)",
        median(base) * 1e3,
        Some(5.0),
    )
    .with_note("peak_rss_kib", serde_json::json!(peak))
    .with_note("peak_rss_target_kib", serde_json::json!(10 * 1024))
}
