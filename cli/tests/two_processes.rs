//! Two real `nyckel` processes on one vault (issue 11, "two processes and many threads on
//! one vault"): two workers each run a stream of `add`, `rename`, `delete` and `code`
//! processes against the same file at the same time, for a bounded time (not a timed
//! assertion). Every acknowledged write must be there afterwards, every refused one absent,
//! the vault must open, and a refusal may only be the typed "in use by another process"
//! error — never corruption, a panic or an internal error.

mod common;
use common::*;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// How long both workers keep writing.
const SPAN: Duration = Duration::from_secs(3);

/// The accounts one worker believes the vault holds: id → name.
type Model = BTreeMap<i64, String>;

/// Rounds each worker runs however long they take (each round adds one account).
const MIN_ROUNDS: u64 = 5;

/// What a worker saw.
struct Outcome {
    model: Model,
    writes: usize,
    busy: usize,
}

/// A refused command: it must be the typed busy error (exit 2 is bad input, 1 a failure;
/// either way the sentence is the core's), never a panic.
fn refused(run: &Run, what: &str) {
    assert!(
        !run.stderr.contains("internal error") && !run.stderr.contains("panicked"),
        "{what}: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains("the vault is in use by another process"),
        "{what} failed with something else than the busy error (code {}): {}",
        run.code,
        run.stderr
    );
}

/// A secret of its own for each account (the vault refuses duplicates): 13 base32 digits
/// of the worker and the number, then a fixed tail, 160 bits in all.
fn secret(tag: &str, i: u64) -> String {
    const DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut n = u64::from(tag.as_bytes()[0]) << 40 | i;
    let mut s = String::new();
    for _ in 0..13 {
        s.push(DIGITS[(n % 32) as usize] as char);
        n /= 32;
    }
    s + "GEZDGNBVGY3TQOJQGEZ"
}

/// One worker: adds `tag-N` accounts, renames every third, deletes every fifth and reads
/// all codes in between, for at least
/// `MIN_ROUNDS` rounds and until `SPAN` has passed. Each touches only its own accounts, so its
/// model is exact.
fn worker(v: &TestVault, tag: &str, session: bool) -> Outcome {
    // In a session, without a passphrase: the key comes from the agent only.
    let run = |args: &[&str]| v.run_with_passphrase(args, (!session).then_some(PASSPHRASE));
    let mut model = Model::new();
    let (mut writes, mut busy) = (0, 0);
    let start = Instant::now();
    let mut i: u64 = 0;
    // At least a few rounds even on a loaded machine, then until `SPAN` has passed.
    while i < MIN_ROUNDS || start.elapsed() < SPAN {
        i += 1;
        let name = format!("{tag}-{i}");
        let uri = format!("otpauth://totp/Two:{name}?secret={}", secret(tag, i));
        let add = run(&["add", &uri, "--json"]);
        writes += 1;
        if add.code != 0 {
            refused(&add, "add");
            busy += 1;
            continue;
        }
        let id = add.json()["id"].as_i64().expect("id");
        model.insert(id, name.clone());
        let sid = id.to_string();
        if i.is_multiple_of(3) {
            let renamed = format!("{name}-r");
            let run = run(&["rename", &sid, "--name", &renamed]);
            writes += 1;
            if run.code == 0 {
                model.insert(id, renamed);
            } else {
                refused(&run, "rename");
                busy += 1;
            }
        }
        if i.is_multiple_of(5) {
            let run = run(&["delete", &sid, "--yes"]);
            writes += 1;
            if run.code == 0 {
                model.remove(&id);
            } else {
                refused(&run, "delete");
                busy += 1;
            }
        }
        let codes = run(&["code", "--json"]);
        if codes.code == 0 {
            // Every account of this worker's that is acknowledged has a code.
            let names: Vec<String> = codes
                .json()
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["name"].as_str().unwrap().to_owned())
                .collect();
            for n in model.values() {
                assert!(names.contains(n), "{n} is acknowledged but has no code: {names:?}");
            }
        } else {
            refused(&codes, "code");
        }
    }
    Outcome { model, writes, busy }
}

/// Both workers at once on a new vault, then the vault checked against their models.
fn two_workers(session: bool) {
    let v = TestVault::new();
    if session {
        v.run(&["unlock", "--for", "2m"]).ok();
    }
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| worker(&v, "a", session));
        let b = s.spawn(|| worker(&v, "b", session));
        (a.join().unwrap(), b.join().unwrap())
    });
    assert!(a.writes >= 5 && b.writes >= 5, "both wrote: {} and {}", a.writes, b.writes);
    eprintln!("writes: {} + {}, refused as busy: {} + {}", a.writes, b.writes, a.busy, b.busy);

    // The vault opens, passes its checks, and holds exactly what was acknowledged.
    let listed = v.run(&["list", "--json"]).json();
    let got: Model = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["id"].as_i64().unwrap(), e["name"].as_str().unwrap().to_owned()))
        .collect();
    let mut want = a.model;
    for (id, name) in b.model {
        assert!(want.insert(id, name).is_none(), "two workers were given id {id}");
    }
    assert_eq!(got, want);
    assert_eq!(v.run(&["code", "--json"]).json().as_array().unwrap().len(), want.len());
    if session {
        assert!(v.run(&["lock"]).ok().contains("Locked"));
    }
}

#[test]
fn two_processes_writing_one_vault_lose_nothing() {
    two_workers(false);
}

/// The same within an unlocked session: the commands take the key from the agent and skip
/// the integrity checks of a file whose stamp the agent saw checked, and the agent serves
/// `code --json` from its copy — which must see every acknowledged write of the other
/// process.
#[test]
fn two_processes_in_a_session_lose_nothing_and_read_every_write() {
    two_workers(true);
}

#[test]
fn a_vault_held_by_another_writer_gives_the_busy_error_and_changes_nothing() {
    let v = TestVault::new();
    let id = v.add("otpauth://totp/Two:kept?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    // Another process's write transaction, held past the vault's busy timeout (5 s).
    let holder = rusqlite::Connection::open(&v.path).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let started = Instant::now();
    let sid = id.to_string();
    let (add, rename) = std::thread::scope(|s| {
        let uri = "otpauth://totp/Two:lost?secret=JBSWY3DPEHPK3PXPJBSWY3DP";
        let add = s.spawn(|| v.run(&["add", uri, "--json"]));
        let rename = s.spawn(|| v.run(&["rename", &sid, "--name", "renamed"]));
        (add.join().unwrap(), rename.join().unwrap())
    });
    assert!(started.elapsed() < Duration::from_secs(30), "bounded by the busy timeout");
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    for (what, run) in [("add", &add), ("rename", &rename)] {
        assert_eq!(run.code, 1, "{what}: {}", run.stderr);
        refused(run, what);
        assert!(run.stderr.contains("nothing was changed"), "{what}: {}", run.stderr);
    }
    let listed = v.run(&["list", "--json"]).json();
    let names: Vec<&str> =
        listed.as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["kept"]);
}
