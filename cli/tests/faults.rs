//! Faults through the built binary: `nyckel` killed with SIGKILL at arbitrary points while
//! it writes the vault. Whatever the moment, the vault still opens with the passphrase, and
//! holds either the state before the command or the state after it — never a mix, never an
//! acknowledged account lost.

mod common;
use common::*;

use std::time::{Duration, Instant};

/// A deterministic spread (xorshift) of delays over 0–120 % of `span`, the time one whole
/// run takes on this machine now, so most kills land inside the run, wherever its writes are.
struct Delays {
    state: u64,
    span: Duration,
}

impl Delays {
    fn new(seed: u64, span: Duration) -> Delays {
        Delays { state: seed, span }
    }
}

impl Iterator for Delays {
    type Item = Duration;
    fn next(&mut self) -> Option<Duration> {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        Some(self.span.mul_f64((self.state % 1200) as f64 / 1000.0))
    }
}

/// How long one run of `args` takes, start to exit.
fn duration_of(v: &TestVault, args: &[&str]) -> Duration {
    let start = Instant::now();
    v.run(args).ok();
    start.elapsed()
}

/// The RFC secret with its first character varied, so each account is new.
fn secret(i: usize) -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut s = RFC_SECRET.as_bytes().to_vec();
    s[0] = alphabet[i % 32];
    s[1] = alphabet[(i / 32) % 32];
    String::from_utf8(s).unwrap()
}

fn ids(v: &TestVault) -> Vec<i64> {
    let list = v.run(&["list", "--json"]).json();
    list.as_array().unwrap().iter().map(|a| a["id"].as_i64().unwrap()).collect()
}

#[test]
fn sigkill_during_add_leaves_the_old_or_the_new_vault() {
    let v = TestVault::new();
    let span = duration_of(&v, &["add", &format!("otpauth://totp/Warm:up?secret={}", secret(99))]);
    let mut acknowledged: Vec<i64> = ids(&v);
    let mut killed_mid_way = 0;
    for (i, delay) in Delays::new(0x9E37_79B9_7F4A_7C15, span).take(12).enumerate() {
        let uri = format!("otpauth://totp/Bank:user{i}?secret={}", secret(i));
        let mut child = v.cmd(&["add", &uri, "--json"]).spawn().unwrap();
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL; a no-op when it already exited
        let out = child.wait_with_output().unwrap();
        let before = acknowledged.len();
        if out.status.success() {
            let added: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            acknowledged.push(added["id"].as_i64().unwrap());
        } else {
            killed_mid_way += 1;
        }
        // The vault opens; every acknowledged account is there; at most the one being added
        // appears besides them.
        let now = ids(&v);
        assert!(
            acknowledged.iter().all(|id| now.contains(id)),
            "acknowledged {acknowledged:?}, stored {now:?}"
        );
        assert!(now.len() <= before + 1 && now.len() >= acknowledged.len(), "{now:?}");
        // An account added without an acknowledgement is complete: it has a code.
        for id in &now {
            v.run(&["code", &id.to_string()]).ok();
        }
        acknowledged = now;
    }
    assert!(killed_mid_way > 0, "no run was killed before it finished; the test proves nothing");
}

#[test]
fn sigkill_during_hotp_never_shows_a_code_twice() {
    let v = TestVault::new();
    let uri = format!("otpauth://hotp/Bank:anna?secret={RFC_SECRET}&counter=0");
    v.run(&["add", &uri]).ok();
    let mut shown: Vec<String> = Vec::new();
    let span = duration_of(&v, &["list"]);
    for delay in Delays::new(0x2545_F491_4F6C_DD1D, span).take(12) {
        let mut child = v.cmd(&["code", "Bank"]).spawn().unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        if out.status.success() {
            let code = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            assert!(!shown.contains(&code), "HOTP code {code} shown twice after a kill: {shown:?}");
            shown.push(code);
        }
        // The vault still opens after every kill.
        v.run(&["list", "--json"]).json();
    }
}
