//! Hostile input and process hardening, through the built binary: bounded stdin lines and
//! image reads, a QR image crowded with finder patterns, and no core dumps.

mod common;
use common::*;

use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Runs `cmd` with `stdin` written to it; the write may fail once `nyckel` stops reading
/// (that is the point of a bound), so its error is ignored.
fn run_with_stdin(mut cmd: std::process::Command, stdin: &[u8]) -> Run {
    cmd.stdin(Stdio::piped());
    let mut child = cmd.spawn().expect("start nyckel");
    let mut pipe = child.stdin.take().unwrap();
    let _ = pipe.write_all(stdin);
    drop(pipe);
    Run::of(child.wait_with_output().expect("wait for nyckel"), &[])
}

#[test]
fn a_huge_stdin_line_is_refused_after_the_bound_and_nothing_is_added() {
    let v = TestVault::new();
    // 8 MiB without a newline: read whole, this took memory in proportion.
    let line = vec![b'a'; 8 << 20];
    let run = run_with_stdin(v.cmd(&["add", "-"]), &line);
    run.fails(2, "cannot read URI from stdin: it is longer than 64 KiB");
    assert!(!run.stderr.contains("aaaa"), "the input is not echoed: {}", run.stderr);
    let args = ["add", "--secret", "-", "--issuer", "X", "--name", "y"];
    let run = run_with_stdin(v.cmd(&args), &line);
    run.fails(2, "cannot read secret from stdin: it is longer than 64 KiB");
    assert_eq!(v.run(&["list", "--json"]).json(), serde_json::json!([]));
    // A URI within the bound still works.
    let uri = format!("otpauth://totp/Bank:anna?secret={RFC_SECRET}\n");
    v.run_stdin(&["add", "-"], &uri).ok();
}

#[test]
fn scanning_dev_zero_is_refused_after_the_bound() {
    let v = TestVault::new();
    v.run(&["scan", "/dev/zero"]).fails(2, "/dev/zero is too large to scan (more than 32 MiB)");
}

#[test]
fn a_qr_image_made_of_finder_patterns_is_refused_not_searched_for_minutes() {
    let v = TestVault::new();
    let png = v.file("finders.png");
    save(&finder_pattern_grid(16, 2), &png);
    assert!(std::fs::metadata(&png).unwrap().len() < 8 * 1024, "a small file");
    v.run(&["scan", png.to_str().unwrap()]).fails(2, "has too many QR-like patterns to search");
    assert_eq!(v.run(&["list", "--json"]).json(), serde_json::json!([]));
}

/// The soft and hard core-file limits in a `/proc/PID/limits` text.
fn core_limits(limits: &str) -> Option<(String, String)> {
    let line = limits.lines().find(|l| l.starts_with("Max core file size"))?;
    let fields: Vec<&str> = line.split_whitespace().collect();
    Some((fields.get(4)?.to_string(), fields.get(5)?.to_string()))
}

/// Core dumps are off and the process is not dumpable from the start of `main`: checked
/// from outside on a `nyckel inspect -` that waits for its stdin. `/proc/PID/limits` shows
/// the core limit; a process that is not dumpable has its `/proc/PID` files owned by root,
/// so the child runs as `nobody` when the test runs as root.
#[cfg(target_os = "linux")]
#[test]
fn nyckel_runs_without_core_dumps_and_not_dumpable() {
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::process::CommandExt;

    let mut cmd = bare(&["inspect", "-"]);
    cmd.stdin(Stdio::piped());
    if rustix::process::geteuid().is_root() {
        cmd.uid(65534).gid(65534);
    }
    let mut child = cmd.spawn().expect("start nyckel");
    let proc_dir = format!("/proc/{}", child.id());
    let zero = Some(("0".to_owned(), "0".to_owned()));
    let read = || {
        let limits = std::fs::read_to_string(format!("{proc_dir}/limits")).unwrap_or_default();
        let owner = std::fs::metadata(format!("{proc_dir}/status")).map(|m| m.uid()).ok();
        let status = std::fs::read_to_string(format!("{proc_dir}/status")).unwrap_or_default();
        (core_limits(&limits), owner, status)
    };
    // Wait (at most 30 s, never in a passing run) until main has hardened the process.
    let start = Instant::now();
    let (mut core, mut owner, mut status) = read();
    while (core != zero || owner != Some(0))
        && start.elapsed() < Duration::from_secs(30)
        && child.try_wait().unwrap().is_none()
    {
        std::thread::sleep(Duration::from_millis(20));
        (core, owner, status) = read();
    }
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(core, zero, "core file limits (soft, hard); nyckel said: {stderr}");
    let uid =
        status.lines().find(|l| l.starts_with("Uid:")).and_then(|l| l.split_whitespace().nth(1));
    assert!(uid.is_some_and(|u| u != "0"), "the child is not root: {uid:?}");
    assert_eq!(owner, Some(0), "/proc/PID/status of a process that is not dumpable is root's");
}
