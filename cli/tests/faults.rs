//! Faults through the built binary: `nyckel` killed with SIGKILL at random points while it
//! writes — adding, showing a HOTP code, importing, renaming and deleting, exporting.
//! Whatever the moment, the vault still opens with the passphrase, and holds either the
//! state before the command or the state after it: never a mix, never an acknowledged
//! change lost, never a HOTP code shown twice. The spread of kills is seeded (the seed is
//! printed; `NYCKEL_FAULT_SEED` repeats it). The provider's writes (enroll, approve,
//! transfer import) are in faults_provider.rs.

mod common;
use common::kill::{duration_of, kill_after, seed, Delays, KillCount};
use common::*;

/// Kills per kind of write: enough to land in every phase of a run, a few seconds in all.
const KILLS: usize = 10;

/// The RFC secret with its first two characters varied, so each account is new.
fn secret(i: usize) -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut s = RFC_SECRET.as_bytes().to_vec();
    s[0] = alphabet[i % 32];
    s[1] = alphabet[(i / 32) % 32];
    String::from_utf8(s).unwrap()
}

fn list(v: &TestVault) -> Vec<serde_json::Value> {
    v.run(&["list", "--json"]).json().as_array().unwrap().clone()
}

fn ids(v: &TestVault) -> Vec<i64> {
    list(v).iter().map(|a| a["id"].as_i64().unwrap()).collect()
}

/// Every account in the vault gives a code (TOTP; HOTP accounts are not shown by `code`
/// without a query, so nothing advances).
fn every_account_has_a_code(v: &TestVault) {
    let codes = v.run(&["code", "--json"]).json();
    let totp = list(v).iter().filter(|a| a["type"] != "hotp").count();
    assert_eq!(codes.as_array().unwrap().len(), totp, "{codes}");
}

#[test]
fn sigkill_during_add_leaves_the_old_or_the_new_vault() {
    let v = TestVault::new();
    let warm_up = format!("otpauth://totp/Warm:up?secret={}", secret(999));
    let span = duration_of(v.cmd(&["add", &warm_up]));
    let mut acknowledged: Vec<i64> = ids(&v);
    let mut killed = KillCount::default();
    let seed = seed("add");
    for (i, delay) in Delays::new(seed, span).take(KILLS).enumerate() {
        let uri = format!("otpauth://totp/Bank:user{i}?secret={}", secret(i));
        let before = acknowledged.len();
        if let Some(run) = killed.record(kill_after(v.cmd(&["add", &uri, "--json"]), delay)) {
            acknowledged.push(run.json()["id"].as_i64().unwrap());
        }
        // The vault opens; every acknowledged account is there; at most the one being added
        // appears besides them, and it is complete: it has a code.
        let now = ids(&v);
        assert!(
            acknowledged.iter().all(|id| now.contains(id)),
            "seed {seed}: acknowledged {acknowledged:?}, stored {now:?}"
        );
        assert!(now.len() <= before + 1 && now.len() >= acknowledged.len(), "{now:?}");
        every_account_has_a_code(&v);
        acknowledged = now;
    }
    killed.assert_some();
}

#[test]
fn sigkill_during_hotp_never_shows_a_code_twice() {
    let v = TestVault::new();
    let uri = format!("otpauth://hotp/Bank:anna?secret={RFC_SECRET}&counter=0");
    v.run(&["add", &uri]).ok();
    let mut shown: Vec<String> = Vec::new();
    let span = duration_of(v.cmd(&["list"]));
    let mut killed = KillCount::default();
    let seed = seed("hotp");
    for delay in Delays::new(seed, span).take(KILLS) {
        if let Some(run) = killed.record(kill_after(v.cmd(&["code", "Bank"]), delay)) {
            let code = run.stdout.trim().to_owned();
            assert!(!shown.contains(&code), "seed {seed}: HOTP code {code} shown twice: {shown:?}");
            shown.push(code);
        }
        // The vault still opens after every kill.
        v.run(&["list", "--json"]).json();
    }
    killed.assert_some();
}

/// An import adds all of a file's accounts in one transaction: after a kill, all or none.
#[test]
fn sigkill_during_import_adds_all_or_nothing() {
    const PER_FILE: usize = 12;
    let v = TestVault::new();
    let file = |round: usize| {
        let lines: Vec<String> = (0..PER_FILE)
            .map(|j| format!("otpauth://totp/Imp{round}:u{j}?secret={}", secret(round * 32 + j)))
            .collect();
        let path = v.file(&format!("list{round}.txt"));
        std::fs::write(&path, lines.join("\n")).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let warm_up = file(KILLS);
    let span = duration_of(v.cmd(&["import", &warm_up]));
    let mut killed = KillCount::default();
    let seed = seed("import");
    for (round, delay) in Delays::new(seed, span).take(KILLS).enumerate() {
        let before = ids(&v).len();
        let acknowledged = killed.record(kill_after(v.cmd(&["import", &file(round)]), delay));
        let after = ids(&v).len();
        match acknowledged {
            Some(_) => assert_eq!(after, before + PER_FILE, "seed {seed}"),
            None => assert!(after == before || after == before + PER_FILE, "seed {seed}: {after}"),
        }
        every_account_has_a_code(&v);
    }
    killed.assert_some();
}

/// Renaming and deleting, killed: each account is as it was or as the command made it;
/// the others are untouched.
#[test]
fn sigkill_during_rename_and_delete_leaves_each_account_old_or_new() {
    let v = TestVault::new();
    let accounts: Vec<i64> = (0..KILLS)
        .map(|i| v.add(&format!("otpauth://totp/Old:user{i}?secret={}", secret(i))))
        .collect();
    let spare = v.add(&format!("otpauth://totp/Spare:x?secret={}", secret(500)));
    let span = duration_of(v.cmd(&["rename", &spare.to_string(), "--name", "warm"]));
    let mut killed = KillCount::default();
    let seed = seed("rename/delete");
    for (i, delay) in Delays::new(seed, span).take(KILLS).enumerate() {
        let id = accounts[i].to_string();
        let rename = i % 2 == 0;
        let new_name = format!("renamed{i}");
        let args: Vec<&str> = if rename {
            vec!["rename", &id, "--issuer", "New", "--name", &new_name]
        } else {
            vec!["delete", &id, "--yes"]
        };
        let before: Vec<serde_json::Value> =
            list(&v).into_iter().filter(|a| a["id"] != accounts[i]).collect();
        let acknowledged = killed.record(kill_after(v.cmd(&args), delay)).is_some();
        let now = list(&v);
        let this = now.iter().find(|a| a["id"] == accounts[i]);
        let others: Vec<serde_json::Value> =
            now.iter().filter(|a| a["id"] != accounts[i]).cloned().collect();
        assert_eq!(others, before, "seed {seed}: another account changed");
        match (rename, this) {
            (true, Some(a)) => {
                let old = a["issuer"] == "Old" && a["name"] == format!("user{i}");
                let new = a["issuer"] == "New" && a["name"] == new_name;
                assert!(new || (old && !acknowledged), "seed {seed}: {a}");
            }
            (true, None) => panic!("seed {seed}: a rename lost account {id}"),
            (false, Some(a)) => assert!(!acknowledged, "seed {seed}: deleted yet listed: {a}"),
            (false, None) => {}
        }
        every_account_has_a_code(&v);
    }
    killed.assert_some();
}

/// An export killed mid-way leaves no file or the whole file (never half of one), its
/// activity entry is in the log whenever the file exists, and the vault is unchanged.
#[test]
fn sigkill_during_export_leaves_no_file_or_a_whole_one() {
    let v = TestVault::new();
    for i in 0..20 {
        v.add(&format!("otpauth://totp/Exp:user{i}?secret={}", secret(i)));
    }
    let content = list(&v);
    let exports = |v: &TestVault| {
        let log = v.run(&["activity", "--limit", "1000", "--json"]).json();
        log.as_array().unwrap().iter().filter(|e| e["event"] == "exported").count()
    };
    let out = |n: usize| v.file(&format!("export{n}.txt"));
    let warm_up = out(KILLS);
    let span =
        duration_of(v.cmd(&["export", "--format", "otpauth", "--out", warm_up.to_str().unwrap()]));
    let mut killed = KillCount::default();
    let seed = seed("export");
    for (i, delay) in Delays::new(seed, span).take(KILLS).enumerate() {
        let path = out(i);
        let logged = exports(&v);
        let args = ["export", "--format", "otpauth", "--out", path.to_str().unwrap()];
        let acknowledged = killed.record(kill_after(v.cmd(&args), delay)).is_some();
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
                assert_eq!(lines.len(), content.len(), "seed {seed}: a partial export");
                assert!(lines.iter().all(|l| l.starts_with("otpauth://totp/Exp:")));
                assert_eq!(
                    exports(&v),
                    logged + 1,
                    "seed {seed}: a file out without its log entry"
                );
            }
            Err(_) => assert!(!acknowledged, "seed {seed}: acknowledged but no file"),
        }
        assert_eq!(list(&v), content, "seed {seed}");
    }
    killed.assert_some();
}
