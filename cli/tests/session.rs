//! `nyckel unlock --for`, `nyckel lock`: the unlocked session and its agent.

mod common;
use common::*;

use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::PathBuf;
use std::time::{Duration, Instant};

const URI: &str = "otpauth://totp/Region%20Sk%C3%A5ne:anna?secret=JBSWY3DPEHPK3PXP";

/// `nyckel ARGS` on `v` without a passphrase in the environment (stdin is not a terminal,
/// so only a session can unlock).
fn without_passphrase(v: &TestVault, args: &[&str]) -> Run {
    v.run_with_passphrase(args, None)
}

/// The session directory of `v` and the sockets in it.
fn sockets(v: &TestVault) -> (PathBuf, Vec<PathBuf>) {
    let dir = v.dir.path().join("nyckel");
    let found = std::fs::read_dir(&dir)
        .map(|entries| entries.filter_map(|e| Some(e.ok()?.path())).collect())
        .unwrap_or_default();
    (dir, found)
}

/// Whether `v`'s agent, started with `--for SECONDS`s, runs. Only agents whose runtime
/// directory is `v`'s count: other tests (and other checkouts on the machine) run agents too.
fn agent_runs(v: &TestVault, seconds: u64) -> bool {
    let marker = format!("agent\0--seconds\0{seconds}\0");
    let own = format!("XDG_RUNTIME_DIR={}\0", v.dir.path().display());
    let holds =
        |bytes: Vec<u8>, needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    std::fs::read_dir("/proc").unwrap().filter_map(Result::ok).any(|e| {
        std::fs::read(e.path().join("cmdline")).is_ok_and(|c| holds(c, &marker))
            && std::fs::read(e.path().join("environ")).is_ok_and(|c| holds(c, &own))
    })
}

/// Waits up to `limit` for `done`.
fn eventually(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    done()
}

#[test]
fn unlock_then_commands_need_no_passphrase_until_lock() {
    let v = TestVault::new();
    v.add(URI);
    without_passphrase(&v, &["code", "--json"]).fails(2, "no passphrase");

    let out = v.run(&["unlock", "--for", "5m"]);
    assert!(agent_runs(&v, 300));
    let text = out.ok();
    assert!(text.contains("Unlocked") && text.contains("for 5 min, until"), "{text}");
    assert!(text.contains("UTC"), "the end time is shown in the local zone: {text}");

    let codes = without_passphrase(&v, &["code", "--json"]).json();
    assert_eq!(codes[0]["issuer"], "Region Skåne", "{codes}");
    assert_eq!(without_passphrase(&v, &["list", "--json"]).json().as_array().unwrap().len(), 1);
    // Writing works too (the key is the vault's own).
    without_passphrase(&v, &["rename", "anna", "--note", "jobbet"]).ok();

    // The socket: 0600, in a 0700 directory of this user's.
    let (dir, found) = sockets(&v);
    let meta = std::fs::symlink_metadata(&dir).unwrap();
    assert!(meta.is_dir() && meta.mode() & 0o777 == 0o700, "{:o}", meta.mode());
    assert_eq!(found.len(), 1, "{found:?}");
    let sock = std::fs::symlink_metadata(&found[0]).unwrap();
    assert!(sock.file_type().is_socket());
    assert_eq!(sock.permissions().mode() & 0o777, 0o600);

    assert!(without_passphrase(&v, &["lock"]).ok().contains("Locked"));
    without_passphrase(&v, &["code", "--json"]).fails(2, "no passphrase");
    assert!(eventually(Duration::from_secs(5), || sockets(&v).1.is_empty()), "socket removed");
    assert!(eventually(Duration::from_secs(5), || !agent_runs(&v, 300)), "the agent ended");
    assert!(without_passphrase(&v, &["lock"]).ok().contains("was not unlocked; nothing to lock"));
}

#[test]
fn a_session_ends_by_itself() {
    let v = TestVault::new();
    v.add(URI);
    v.run(&["unlock", "--for", "2s"]).ok();
    assert!(agent_runs(&v, 2));
    without_passphrase(&v, &["list"]).ok();
    assert!(
        eventually(Duration::from_secs(10), || without_passphrase(&v, &["list"]).code == 2),
        "locked after its time"
    );
    without_passphrase(&v, &["list"]).fails(2, "no passphrase");
    assert!(sockets(&v).1.is_empty(), "the agent removed its socket");
    assert!(eventually(Duration::from_secs(5), || !agent_runs(&v, 2)), "the agent ended");
}

#[test]
fn unlock_needs_the_right_passphrase_and_a_valid_duration() {
    let v = TestVault::new();
    v.run_with_passphrase(&["unlock"], Some("fel lösen")).fails(2, "wrong passphrase");
    without_passphrase(&v, &["unlock"]).fails(2, "no passphrase");
    v.run(&["unlock", "--for", "13h"]).fails(2, "at most 12 h");
    v.run(&["unlock", "--for", "soon"]).fails(2, "not a duration");
    v.run(&["unlock", "--for", "0s"]).fails(2, "at least 1 s");
    assert!(sockets(&v).1.is_empty(), "no session was started");
    without_passphrase(&v, &["list"]).fails(2, "no passphrase");
}

#[test]
fn a_session_unlocks_only_its_own_vault() {
    let a = TestVault::new();
    let b = TestVault::new();
    a.run(&["unlock", "--for", "1m"]).ok();
    // Vault b, with a's session directory: a's key is never offered for b.
    let mut cmd = b.cmd(&["list"]);
    cmd.env_remove("NYCKEL_PASSPHRASE").env("XDG_RUNTIME_DIR", a.dir.path());
    output(cmd, &["list"], None).fails(2, "no passphrase");
    without_passphrase(&a, &["lock"]).ok();
}

#[test]
fn unlocking_again_replaces_the_session() {
    let v = TestVault::new();
    v.run(&["unlock", "--for", "1m"]).ok();
    v.run(&["unlock", "--for", "2m"]).ok();
    assert_eq!(sockets(&v).1.len(), 1, "one session per vault");
    without_passphrase(&v, &["list"]).ok();
    without_passphrase(&v, &["lock"]).ok();
    without_passphrase(&v, &["list"]).fails(2, "no passphrase");
}

#[test]
fn removing_the_session_directory_ends_the_session() {
    // As at logout, when the runtime directory goes.
    let v = TestVault::new();
    v.run(&["unlock", "--for", "3117s"]).ok();
    assert!(agent_runs(&v, 3117));
    let (dir, found) = sockets(&v);
    assert_eq!(found.len(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(eventually(Duration::from_secs(5), || !agent_runs(&v, 3117)), "the agent ended");
    without_passphrase(&v, &["list"]).fails(2, "no passphrase");
}

/// The agent's answer to `REQUEST` (one line each way), as a command would get it.
fn ask_agent(v: &TestVault, request: &str) -> String {
    use std::io::{BufRead, BufReader, Write};
    let (_, found) = sockets(v);
    assert_eq!(found.len(), 1, "{found:?}");
    let mut stream = std::os::unix::net::UnixStream::connect(&found[0]).unwrap();
    stream.write_all(format!("{request}\n").as_bytes()).unwrap();
    let mut answer = String::new();
    BufReader::new(stream).read_line(&mut answer).unwrap();
    answer.trim_end().to_owned()
}

#[test]
fn a_session_checks_the_vault_again_only_after_it_changed() {
    let v = TestVault::new();
    v.add(URI);
    // File times must be older than the settling time before a stamp is kept.
    std::thread::sleep(Duration::from_millis(2_500));
    v.run(&["unlock", "--for", "5m"]).ok();
    let canonical = std::fs::canonicalize(&v.path).unwrap();
    let key = format!("key {}", canonical.display());
    // `unlock` checked the file and handed the agent its stamp: ok KEY SECONDS STAMP.
    let answer = ask_agent(&v, &key);
    let words: Vec<&str> = answer.split(' ').collect();
    assert_eq!(words.len(), 4, "ok, key, seconds left, stamp");
    let stamp = words[3].to_owned();
    // Reading leaves the file unchanged: the same stamp.
    let codes = without_passphrase(&v, &["code", "--json"]).json();
    assert_eq!(codes[0]["issuer"], "Region Skåne", "{codes}");
    assert_eq!(ask_agent(&v, &key).split(' ').nth(3), Some(stamp.as_str()));
    // A stamp for another path, or not a stamp, is refused.
    assert_eq!(ask_agent(&v, &format!("checked {stamp} /elsewhere")), "no");
    assert_eq!(ask_agent(&v, &format!("checked not-a-stamp {}", canonical.display())), "no");

    // Damaged within the session: the file changed, so the next command checks it again.
    let original = std::fs::read(&v.path).unwrap();
    std::fs::write(&v.path, &original[..original.len() / 3]).unwrap();
    without_passphrase(&v, &["code", "--json"]).fails(1, "damaged");
    without_passphrase(&v, &["list"]).fails(1, "damaged");
    // Put back, it passes again (and, written just now, its stamp is not kept yet).
    std::fs::write(&v.path, &original).unwrap();
    without_passphrase(&v, &["list", "--json"]).json();
    assert_eq!(ask_agent(&v, &key).split(' ').nth(3), Some(stamp.as_str()));
    without_passphrase(&v, &["lock"]).ok();
}

/// The agent's whole answer to `REQUEST`.
fn ask_agent_all(v: &TestVault, request: &str) -> String {
    use std::io::{Read, Write};
    let (_, found) = sockets(v);
    let mut stream = std::os::unix::net::UnixStream::connect(&found[0]).unwrap();
    stream.write_all(format!("{request}\n").as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

/// The modification time of the vault's directory: SQLite creates and removes the `-wal`
/// and `-shm` files there whenever a process opens the vault.
fn dir_mtime(v: &TestVault) -> (i64, i64) {
    let m = std::fs::metadata(v.path.parent().unwrap()).unwrap();
    (m.mtime(), m.mtime_nsec())
}

#[test]
fn within_a_session_the_agent_serves_code_json_and_sees_every_change() {
    const AT: &str = "1764806400";
    const OTHER: &str = "otpauth://totp/Kommun:bo?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    let v = TestVault::new();
    v.add(URI);
    let alone = v.run(&["code", "--json", "--at", AT]).ok().to_owned();
    std::thread::sleep(Duration::from_millis(2_500));
    v.run(&["unlock", "--for", "5m"]).ok();
    let canonical = std::fs::canonicalize(&v.path).unwrap();
    let codes = format!("codes {AT} {}", canonical.display());

    // The agent answers with exactly what the command prints without a session.
    assert_eq!(ask_agent_all(&v, &codes), format!("ok\n{alone}"));
    assert_eq!(without_passphrase(&v, &["code", "--json", "--at", AT]).ok(), alone);
    // ...and the command then opens no vault: SQLite makes no -wal/-shm in the directory.
    let before = dir_mtime(&v);
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(without_passphrase(&v, &["code", "--json", "--at", AT]).ok(), alone);
    assert_eq!(dir_mtime(&v), before, "served by the agent");
    // A query, or text output, is still computed by the command itself.
    std::thread::sleep(Duration::from_millis(50));
    without_passphrase(&v, &["code", "--at", AT]).ok();
    assert_ne!(dir_mtime(&v), before, "the command read the vault");

    // A write in the session: the next answer has it.
    let original = std::fs::read(&v.path).unwrap();
    without_passphrase(&v, &["add", OTHER]).ok();
    let both = without_passphrase(&v, &["code", "--json", "--at", AT]).json();
    assert_eq!(both.as_array().unwrap().len(), 2, "{both}");
    assert_eq!(both, v.run(&["code", "--json", "--at", AT]).json());
    // The file put back as it was (same key): the agent reads it again.
    std::fs::write(&v.path, &original).unwrap();
    std::fs::remove_file(format!("{}-wal", v.path.display())).ok();
    assert_eq!(without_passphrase(&v, &["code", "--json", "--at", AT]).ok(), alone);
    // Damaged: the agent cannot answer and the command reports it.
    std::fs::write(&v.path, &original[..original.len() / 3]).unwrap();
    assert_eq!(ask_agent_all(&v, &codes), "no\n");
    without_passphrase(&v, &["code", "--json"]).fails(1, "damaged");
    // Asked about another vault or a bad time: no.
    assert_eq!(ask_agent_all(&v, &format!("codes {AT} /elsewhere")), "no\n");
    assert_eq!(ask_agent_all(&v, &format!("codes soon {}", canonical.display())), "no\n");
    std::fs::write(&v.path, &original).unwrap();
    without_passphrase(&v, &["lock"]).ok();
    without_passphrase(&v, &["code", "--json"]).fails(2, "no passphrase");
}
