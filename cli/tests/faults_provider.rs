//! SIGKILL at random points while `nyckel` talks to the provider and writes the vault:
//! enrolling, approving a sign-in, importing a transfer package. Whatever the moment, the
//! vault still opens, nothing acknowledged is lost, and the user is never locked out: a
//! killed enrollment can be done again, a killed approval is answered or still pending, and
//! after a killed transfer the old or the new vault approves. The spread of kills is seeded
//! (printed; `NYCKEL_FAULT_SEED` repeats it); faults.rs has the vault-only writes.

mod common;
#[path = "common/idp.rs"]
#[allow(unused_imports)]
mod idp;

use common::kill::{duration_of, kill_after, seed, Delays, KillCount};
use common::*;
use idp::*;

/// Kills per kind of write (each round talks to the provider, so fewer than faults.rs).
const KILLS: usize = 8;
/// Transfer rounds each set up an old phone (init, enroll, phone sign-in, export): fewer.
const TRANSFER_KILLS: usize = 6;

/// A provider that lets the tests start as many sign-ins for one user as they need.
fn provider() -> Idp {
    Idp::with(nyckel_idp::Config { push_limit: 1000, ..nyckel_idp::Config::default() })
}

fn json_list(v: &TestVault, what: &str) -> Vec<serde_json::Value> {
    v.run(&[what, "--json"]).json().as_array().unwrap().clone()
}

fn with_pin(mut cmd: std::process::Command) -> std::process::Command {
    cmd.env("NYCKEL_PIN", "1234");
    cmd
}

/// `user` signs in and `v` approves with the number: the sign-in is approved.
fn approves(idp: &Idp, v: &TestVault, user: &str) {
    let s = idp.signin(user, false);
    v.run(&["approve", "--number", &s.number.to_string(), "--yes"]).ok();
    assert_eq!(idp.state(&s.id), "approved", "{user}");
}

#[test]
fn sigkill_during_enroll_leaves_no_enrollment_or_a_working_one() {
    let idp = provider();
    let v = TestVault::new();
    let span = duration_of(v.cmd(&["enroll", &idp.add_user("warm-up", true)]));
    let mut killed = KillCount::default();
    let seed = seed("enroll");
    for (i, delay) in Delays::new(seed, span).take(KILLS).enumerate() {
        let user = format!("user{i}");
        let code = idp.add_user(&user, true);
        let acknowledged = killed.record(kill_after(v.cmd(&["enroll", &code]), delay)).is_some();
        let enrollments = json_list(&v, "enrollments");
        // Every enrollment came with its one-time-code account, in one transaction.
        assert_eq!(json_list(&v, "list").len(), enrollments.len(), "seed {seed}");
        if !enrollments.iter().any(|e| e["account"] == user.as_str()) {
            assert!(!acknowledged, "seed {seed}: acknowledged enrollment of {user} lost");
            // Nothing is in the way of enrolling again with a new code.
            v.run(&["enroll", &idp.enroll_code(&user)]).ok();
        }
        approves(&idp, &v, &user);
    }
    killed.assert_some();
}

#[test]
fn sigkill_during_approve_leaves_the_request_answered_or_pending() {
    let idp = provider();
    let v = TestVault::new();
    v.run(&["enroll", &idp.add_user("anna", false)]).ok();
    let warm_up = idp.signin("anna", false);
    let args = |n: u8| ["approve".to_owned(), "--number".into(), n.to_string(), "--yes".into()];
    let span = duration_of(v.cmd(&args(warm_up.number).each_ref().map(String::as_str)));
    let mut killed = KillCount::default();
    let seed = seed("approve");
    for delay in Delays::new(seed, span).take(KILLS) {
        let s = idp.signin("anna", false);
        let cmd = v.cmd(&args(s.number).each_ref().map(String::as_str));
        let acknowledged = killed.record(kill_after(cmd, delay)).is_some();
        let state = idp.state(&s.id);
        match state.as_str() {
            "approved" => {}
            // Not sent yet: approving again works (a signature counter used before the kill
            // is never used again, or the provider would refuse it). Or sent just before the
            // kill, and the provider was still applying it when the state was read: then
            // the request is no longer waiting when asked again, and it ends approved.
            "pending" if !acknowledged => {
                let again = v.cmd(&args(s.number).each_ref().map(String::as_str)).output().unwrap();
                let stderr = String::from_utf8_lossy(&again.stderr);
                assert!(
                    again.status.success() || stderr.contains("no sign-in requests waiting"),
                    "seed {seed}: {stderr}"
                );
                assert_eq!(idp.state(&s.id), "approved", "seed {seed}");
            }
            other => panic!("seed {seed}: request {other} (acknowledged: {acknowledged})"),
        }
        // The vault opens and its log is readable.
        v.run(&["activity", "--json"]).json();
    }
    killed.assert_some();
}

/// An old vault enrolled as `user` (with phone sign-in) and one account, and a transfer
/// package from it: (old vault, package path, key).
fn old_phone(idp: &Idp, user: &str) -> (TestVault, String, String) {
    let old = TestVault::new();
    old.run(&["enroll", &idp.add_user(user, false)]).ok();
    output(with_pin(old.cmd(&["phone-signin", "enable", user])), &[], None).ok();
    old.add(&format!("otpauth://totp/GitHub:{user}?secret={RFC_SECRET}&issuer=GitHub"));
    let (package, key) = export_package(&old);
    (old, package, key)
}

fn export_package(old: &TestVault) -> (String, String) {
    let package = old.file("flytt.nyckel").to_str().unwrap().to_owned();
    let out = old.run(&["transfer", "export", "--out", &package, "--force", "--json"]).json();
    (package, out["key"].as_str().unwrap().to_owned())
}

fn transfer_import(new: &TestVault, package: &str, key: &str) -> std::process::Command {
    with_pin(new.cmd(&["transfer", "import", package, "--key", key, "--json"]))
}

#[test]
fn sigkill_during_transfer_import_leaves_the_old_or_the_new_phone_approving() {
    let idp = provider();
    let (_warm_up, package, key) = old_phone(&idp, "warm-up");
    let span = duration_of(transfer_import(&TestVault::new(), &package, &key));
    let mut killed = KillCount::default();
    let seed = seed("transfer import");
    for (i, delay) in Delays::new(seed, span).take(TRANSFER_KILLS).enumerate() {
        let user = format!("user{i}");
        let (old, package, key) = old_phone(&idp, &user);
        let new = TestVault::new();
        let acknowledged = killed.record(kill_after(transfer_import(&new, &package, &key), delay));
        // The accounts come in one transaction.
        let accounts = json_list(&new, "list").len();
        assert!(accounts <= 1, "seed {seed}: {accounts}");
        let moved = !json_list(&new, "enrollments").is_empty();
        if acknowledged.is_some() {
            assert!(moved && accounts == 1, "seed {seed}: acknowledged transfer lost");
        }
        if moved {
            approves(&idp, &new, &user);
        } else {
            // The new phone has nothing: the old one still approves, and a new package
            // from it moves everything.
            approves(&idp, &old, &user);
            let (package, key) = export_package(&old);
            output(transfer_import(&new, &package, &key), &[], None).ok();
            approves(&idp, &new, &user);
        }
    }
    killed.assert_some();
}
