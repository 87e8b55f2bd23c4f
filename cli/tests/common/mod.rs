//! Helpers for running the built `nyckel` binary against temporary vaults.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The RFC 4226/6238 SHA1 test secret ("12345678901234567890").
pub const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
/// The passphrase of test vaults.
pub const PASSPHRASE: &str = "correct horse battery";

/// The result of one run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The result of a finished `nyckel ARGS` (asserting it did not panic).
    pub fn of(out: Output, args: &[&str]) -> Run {
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        // Whatever happens, never Rust's panic report.
        assert!(
            !run.stderr.contains("panicked"),
            "panic in `nyckel {}`: {}",
            args.join(" "),
            run.stderr
        );
        assert!(
            !run.stderr.contains("RUST_BACKTRACE"),
            "panic in `nyckel {}`: {}",
            args.join(" "),
            run.stderr
        );
        run
    }

    /// Asserts success and returns stdout.
    pub fn ok(&self) -> &str {
        assert_eq!(
            self.code, 0,
            "expected success; stderr: {}\nstdout: {}",
            self.stderr, self.stdout
        );
        &self.stdout
    }

    /// Asserts exit code `code` with a single `nyckel: ` line on stderr containing `needle`.
    pub fn fails(&self, code: i32, needle: &str) {
        assert_eq!(
            self.code, code,
            "expected exit {code}; stderr: {}\nstdout: {}",
            self.stderr, self.stdout
        );
        let last = self.stderr.lines().last().unwrap_or("");
        assert!(
            last.starts_with("nyckel: "),
            "stderr should end with a `nyckel: ` line: {:?}",
            self.stderr
        );
        assert!(
            self.stderr.to_lowercase().contains(&needle.to_lowercase()),
            "stderr should mention {needle:?}: {:?}",
            self.stderr
        );
    }

    /// Parses stdout as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(self.ok())
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }
}

/// A bare command for the binary with a clean environment (no vault, passphrase or colour
/// settings leaking in from the developer's shell).
pub fn bare(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nyckel"));
    cmd.args(args)
        .env_remove("NYCKEL_VAULT")
        .env_remove("NYCKEL_PASSPHRASE")
        .env_remove("NO_COLOR")
        // Times are shown in the local time zone: UTC unless a test says otherwise.
        .env("TZ", "UTC")
        .env("CI", "true")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Runs a command, optionally writing `stdin` to it.
pub fn output(cmd: Command, args: &[&str], stdin: Option<&str>) -> Run {
    output_bytes(cmd, args, stdin.map(str::as_bytes))
}

/// Runs a command, optionally writing `stdin` (any bytes, UTF-8 or not) to it.
pub fn output_bytes(mut cmd: Command, args: &[&str], stdin: Option<&[u8]>) -> Run {
    if stdin.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let mut child = cmd.spawn().expect("start nyckel");
    if let Some(bytes) = stdin {
        child.stdin.take().unwrap().write_all(bytes).unwrap();
    }
    Run::of(child.wait_with_output().expect("wait for nyckel"), args)
}

/// Runs `nyckel ARGS` without any vault or passphrase.
pub fn run_bare(args: &[&str]) -> Run {
    output(bare(args), args, None)
}

/// A temporary vault at the KDF floor.
pub struct TestVault {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl TestVault {
    /// A path for a vault that does not exist yet.
    pub fn uncreated() -> TestVault {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vault.nyckel");
        TestVault { dir, path }
    }

    /// A new, empty vault.
    pub fn new() -> TestVault {
        let v = TestVault::uncreated();
        v.run(&["init", "--kdf-memory-mib", "19", "--kdf-iterations", "2"]).ok();
        v
    }

    /// A command with `--vault` and `NYCKEL_PASSPHRASE` set.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = bare(args);
        cmd.env("NYCKEL_VAULT", &self.path).env("NYCKEL_PASSPHRASE", PASSPHRASE);
        // `nyckel unlock` sessions of this vault live in its own directory.
        cmd.env("XDG_RUNTIME_DIR", self.dir.path());
        cmd
    }

    /// Runs `nyckel ARGS` on this vault.
    pub fn run(&self, args: &[&str]) -> Run {
        output(self.cmd(args), args, None)
    }

    /// Runs with `stdin`.
    pub fn run_stdin(&self, args: &[&str], stdin: &str) -> Run {
        output(self.cmd(args), args, Some(stdin))
    }

    /// Runs with `stdin` given as bytes (to send text that is not UTF-8).
    pub fn run_stdin_bytes(&self, args: &[&str], stdin: &[u8]) -> Run {
        output_bytes(self.cmd(args), args, Some(stdin))
    }

    /// Runs with a different passphrase (or none).
    pub fn run_with_passphrase(&self, args: &[&str], passphrase: Option<&str>) -> Run {
        let mut cmd = self.cmd(args);
        match passphrase {
            Some(p) => cmd.env("NYCKEL_PASSPHRASE", p),
            None => cmd.env_remove("NYCKEL_PASSPHRASE"),
        };
        output(cmd, args, None)
    }

    /// Adds a URI and returns the new account's id.
    pub fn add(&self, uri: &str) -> i64 {
        let v = self.run(&["add", uri, "--json"]).json();
        v["id"].as_i64().expect("id")
    }

    /// A file in the vault's temporary directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// The key names of a JSON object, sorted.
pub fn keys(v: &serde_json::Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().expect("a JSON object").keys().cloned().collect();
    k.sort();
    k
}

/// Sorted key list from literals.
pub fn expect_keys(names: &[&str]) -> Vec<String> {
    let mut k: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    k.sort();
    k
}

/// The keys of an added account's JSON (`add --json`, `scan --json`): `counter_or_period`
/// is `"counter"` for HOTP, `"period"` otherwise.
pub fn added_keys(counter_or_period: &str) -> Vec<String> {
    expect_keys(&[
        "id",
        "type",
        "issuer",
        "name",
        "algorithm",
        "digits",
        counter_or_period,
        "warnings",
    ])
}

mod images;
#[cfg(unix)]
pub mod kill;
#[cfg(target_os = "linux")]
pub mod tmpfs;
#[allow(unused_imports)]
pub use images::{finder_pattern_grid, qr_image, side_by_side};

/// Saves an image as PNG or JPEG, by extension.
pub fn save(img: &image::GrayImage, path: &Path) {
    img.save(path).unwrap();
}

// ---------------------------------------------------------------------------------------
// Pseudo-terminal sessions (util-linux `script`)

/// What to do next in a terminal session.
pub enum Step<'a> {
    /// Wait until the output so far contains this.
    WaitFor(&'a str),
    /// Type this.
    Type(&'a str),
    /// Do something in the test meanwhile (move the provider's clock, …).
    Run(Box<dyn Fn()>),
}

pub fn have_script() -> bool {
    let ok = Command::new("script")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: `script` (util-linux) not found; terminal tests not run"
        );
    }
    ok
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Runs `nyckel ARGS` on a pseudo-terminal, following `steps`; returns (exit code, output).
pub fn on_terminal(
    vault: &TestVault,
    args: &[&str],
    passphrase: Option<&str>,
    steps: &[Step],
) -> (i32, String) {
    on_terminal_with(vault, args, passphrase, &[], steps)
}

/// [`on_terminal`] with extra environment variables.
pub fn on_terminal_with(
    vault: &TestVault,
    args: &[&str],
    passphrase: Option<&str>,
    env: &[(&str, &str)],
    steps: &[Step],
) -> (i32, String) {
    // `exec`: script runs `$SHELL -c LINE` (dash when SHELL is unset, as in CI), and dash
    // stays as the parent in the terminal's process group; Ctrl-C would then kill the
    // shell too and script would report 130 whatever nyckel did.
    let mut line = format!("exec {}", shell_quote(env!("CARGO_BIN_EXE_nyckel")));
    for a in args {
        line.push(' ');
        line.push_str(&shell_quote(a));
    }
    let mut cmd = Command::new("script");
    cmd.args(["-qfec", &line, "/dev/null"])
        .env("NYCKEL_VAULT", &vault.path)
        .env("TERM", "xterm-256color")
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match passphrase {
        Some(p) => cmd.env("NYCKEL_PASSPHRASE", p),
        None => cmd.env_remove("NYCKEL_PASSPHRASE"),
    };
    cmd.env_remove("NYCKEL_PIN");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start script");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let seen = Arc::new(Mutex::new(String::new()));
    let reader = {
        let seen = Arc::clone(&seen);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                seen.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        })
    };
    for step in steps {
        match step {
            Step::WaitFor(needle) => {
                let deadline = Instant::now() + Duration::from_secs(30);
                while !seen.lock().unwrap().contains(needle) {
                    if Instant::now() > deadline {
                        // Never leave a `watch` running behind a failed test.
                        let _ = child.kill();
                        let _ = child.wait();
                        let out = seen.lock().unwrap().clone();
                        let tail: String = out
                            .chars()
                            .rev()
                            .take(600)
                            .collect::<Vec<_>>()
                            .into_iter()
                            .rev()
                            .collect();
                        panic!("timed out waiting for {needle:?}; output ends with {tail:?}");
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            Step::Type(text) => {
                stdin.write_all(text.as_bytes()).unwrap();
                stdin.flush().unwrap();
            }
            Step::Run(f) => f(),
        }
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`nyckel {}` did not exit", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    drop(stdin);
    reader.join().unwrap();
    let out = seen.lock().unwrap().clone();
    assert!(!out.contains("panicked"), "{out}");
    (status.code().unwrap_or(-1), out)
}
