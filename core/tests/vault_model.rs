//! State-machine tests of the vault against a model, through its public API only.
//!
//! Random sequences of add / edit / delete / reorder / next HOTP / lock / unlock / reopen
//! run on a real vault and on a plain in-memory model; after every step the results (values
//! and error kinds) and the vault's whole content must equal the model's. Along the way every
//! sealed blob in the file is collected: no two different blobs may ever share a nonce
//! (AES-GCM with a repeated nonce under one key leaks the XOR of plaintexts and the
//! authentication key). TOTP codes read back from the vault equal `totp-rs` for the model's
//! parameters.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use nyckel_core::vault::{
    AccountEdit, DuplicatePolicy, KdfParams, UnwrappedKey, Vault, VaultError,
};
use nyckel_core::{Algorithm, OtpKind, OtpParams, Secret};
use proptest::prelude::*;

const PASSPHRASE: &str = "model passphrase";

/// Secrets the generated accounts draw from (few, so duplicates happen).
fn secret(i: u8) -> Vec<u8> {
    (0..20).map(|b| b ^ (i.wrapping_mul(37))).collect()
}

#[derive(Clone, Debug)]
struct ModelAccount {
    id: i64,
    kind: OtpKind,
    secret: u8,
    issuer: String,
    name: String,
    note: String,
    algorithm: Algorithm,
    digits: u8,
    period: u32,
    counter: u64,
}

impl ModelAccount {
    fn params(&self) -> OtpParams {
        OtpParams {
            kind: self.kind,
            secret: Secret::new(secret(self.secret)),
            issuer: self.issuer.clone(),
            name: self.name.clone(),
            algorithm: self.algorithm,
            digits: self.digits,
            period: self.period,
            counter: self.counter,
            extra: Vec::new(),
        }
    }
}

#[derive(Debug, Default)]
struct Model {
    /// In display order.
    accounts: Vec<ModelAccount>,
    /// Ids are never reused (AUTOINCREMENT): the last one handed out.
    last_id: i64,
    locked: bool,
}

#[derive(Clone, Debug)]
enum Op {
    Add {
        secret: u8,
        hotp: bool,
        issuer: String,
        name: String,
        algorithm: u8,
        digits: u8,
        period: u32,
        allow_duplicate: bool,
    },
    Edit {
        pick: usize,
        issuer: Option<String>,
        name: Option<String>,
        note: Option<String>,
    },
    Delete {
        pick: usize,
    },
    DeleteUnknown,
    Reorder {
        seed: u64,
    },
    ReorderIncomplete,
    NextHotp {
        pick: usize,
    },
    Lock,
    UnlockWithKey,
    UnlockWithPassphrase {
        right: bool,
    },
    Reopen,
}

fn label() -> impl Strategy<Value = String> {
    // Spaces at the ends (edits trim them), letters beyond ASCII, empty labels.
    "[ a-zA-Z0-9åäöé@.-]{0,12}"
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..5, any::<bool>(), label(), label(), 0u8..3, 6u8..=8, prop_oneof![Just(30u32), 1u32..=120], any::<bool>())
            .prop_map(|(secret, hotp, issuer, name, algorithm, digits, period, allow_duplicate)| Op::Add {
                secret, hotp, issuer, name, algorithm, digits, period, allow_duplicate
            }),
        3 => (any::<usize>(), proptest::option::of(label()), proptest::option::of(label()), proptest::option::of("[a-z ]{0,20}"))
            .prop_map(|(pick, issuer, name, note)| Op::Edit { pick, issuer, name, note }),
        2 => any::<usize>().prop_map(|pick| Op::Delete { pick }),
        1 => Just(Op::DeleteUnknown),
        2 => any::<u64>().prop_map(|seed| Op::Reorder { seed }),
        1 => Just(Op::ReorderIncomplete),
        2 => any::<usize>().prop_map(|pick| Op::NextHotp { pick }),
        1 => Just(Op::Lock),
        1 => Just(Op::UnlockWithKey),
        1 => any::<bool>().prop_map(|right| Op::UnlockWithPassphrase { right }),
        1 => Just(Op::Reopen),
    ]
}

fn algorithm(i: u8) -> Algorithm {
    [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512][usize::from(i % 3)]
}

/// What an operation answered, reduced to what the model can predict.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Ok,
    Added(i64),
    Code(String),
    Locked,
    NotFound(i64),
    Duplicate(i64),
    InvalidInput,
    WrongPassphrase,
    Other(String),
}

fn outcome<T>(r: Result<T, VaultError>, ok: impl FnOnce(T) -> Outcome) -> Outcome {
    match r {
        Ok(v) => ok(v),
        Err(VaultError::Locked) => Outcome::Locked,
        Err(VaultError::NotFound(id)) => Outcome::NotFound(id),
        Err(VaultError::Duplicate { existing_id }) => Outcome::Duplicate(existing_id),
        Err(VaultError::InvalidInput(_)) => Outcome::InvalidInput,
        Err(VaultError::WrongPassphrase) => Outcome::WrongPassphrase,
        Err(e) => Outcome::Other(e.to_string()),
    }
}

/// The HOTP code the model expects at `counter` (RFC 4226 via totp-rs: HOTP at counter c is
/// TOTP with a 1-second step at time c).
fn oracle_hotp(a: &ModelAccount) -> String {
    oracle(a, 1, a.counter)
}

fn oracle(a: &ModelAccount, step: u64, time: u64) -> String {
    let alg = match a.algorithm {
        Algorithm::Sha1 => totp_rs::Algorithm::SHA1,
        Algorithm::Sha256 => totp_rs::Algorithm::SHA256,
        Algorithm::Sha512 => totp_rs::Algorithm::SHA512,
    };
    totp_rs::TOTP::new_unchecked(alg, usize::from(a.digits), 0, step, secret(a.secret))
        .generate(time)
}

struct Harness {
    _dir: tempfile::TempDir,
    path: PathBuf,
    vault: Vault,
    key: Vec<u8>,
    nonces: NonceLedger,
}

impl Harness {
    fn new() -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.nyckel");
        let vault = Vault::create(&path, PASSPHRASE, KdfParams::FLOOR).unwrap();
        let key = vault.key_for_wrapping().unwrap().to_vec();
        Harness { _dir: dir, path, vault, key, nonces: NonceLedger::default() }
    }

    fn apply(&mut self, model: &mut Model, op: &Op) -> (Outcome, Outcome) {
        let pick = |model: &Model, i: usize| {
            if model.accounts.is_empty() {
                model.last_id + 1000 // an id that never existed
            } else {
                model.accounts[i % model.accounts.len()].id
            }
        };
        match op {
            Op::Add {
                secret: s,
                hotp,
                issuer,
                name,
                algorithm: alg,
                digits,
                period,
                allow_duplicate,
            } => {
                let new = ModelAccount {
                    id: model.last_id + 1,
                    kind: if *hotp { OtpKind::Hotp } else { OtpKind::Totp },
                    secret: *s,
                    issuer: issuer.clone(),
                    name: name.clone(),
                    note: String::new(),
                    algorithm: algorithm(*alg),
                    digits: *digits,
                    period: *period,
                    counter: 0,
                };
                let policy =
                    if *allow_duplicate { DuplicatePolicy::Allow } else { DuplicatePolicy::Reject };
                let got =
                    outcome(self.vault.add(new.params(), "", policy), |a| Outcome::Added(a.id));
                let expected = if model.locked {
                    Outcome::Locked
                } else if let Some(dup) = model
                    .accounts
                    .iter()
                    .find(|a| !*allow_duplicate && a.kind == new.kind && a.secret == new.secret)
                {
                    Outcome::Duplicate(dup.id)
                } else {
                    model.last_id += 1;
                    model.accounts.push(new);
                    Outcome::Added(model.last_id)
                };
                (got, expected)
            }
            Op::Edit { pick: i, issuer, name, note } => {
                let id = pick(model, *i);
                let edit =
                    AccountEdit { issuer: issuer.clone(), name: name.clone(), note: note.clone() };
                let got = outcome(self.vault.update(id, edit), |_| Outcome::Ok);
                let expected = match model.accounts.iter_mut().find(|a| a.id == id) {
                    _ if model.locked => Outcome::Locked,
                    None => Outcome::NotFound(id),
                    Some(a) => {
                        if let Some(v) = issuer {
                            a.issuer = v.trim().to_owned();
                        }
                        if let Some(v) = name {
                            a.name = v.trim().to_owned();
                        }
                        if let Some(v) = note {
                            a.note = v.clone();
                        }
                        Outcome::Ok
                    }
                };
                (got, expected)
            }
            Op::Delete { pick: i } => {
                let id = pick(model, *i);
                let got = outcome(self.vault.delete(id), |_| Outcome::Ok);
                let expected = if model.locked {
                    Outcome::Locked
                } else if let Some(at) = model.accounts.iter().position(|a| a.id == id) {
                    model.accounts.remove(at);
                    Outcome::Ok
                } else {
                    Outcome::NotFound(id)
                };
                (got, expected)
            }
            Op::DeleteUnknown => {
                let id = model.last_id + 1000;
                let got = outcome(self.vault.delete(id), |_| Outcome::Ok);
                (got, if model.locked { Outcome::Locked } else { Outcome::NotFound(id) })
            }
            Op::Reorder { seed } => {
                let mut order: Vec<usize> = (0..model.accounts.len()).collect();
                // A Fisher-Yates shuffle driven by the seed.
                let mut s = *seed | 1;
                for i in (1..order.len()).rev() {
                    s ^= s << 13;
                    s ^= s >> 7;
                    s ^= s << 17;
                    order.swap(i, (s % (i as u64 + 1)) as usize);
                }
                let ids: Vec<i64> = order.iter().map(|&i| model.accounts[i].id).collect();
                let got = outcome(self.vault.reorder(&ids), |_| Outcome::Ok);
                let expected = if model.locked {
                    Outcome::Locked
                } else {
                    model.accounts = order.iter().map(|&i| model.accounts[i].clone()).collect();
                    Outcome::Ok
                };
                (got, expected)
            }
            Op::ReorderIncomplete => {
                let ids: Vec<i64> = model.accounts.iter().skip(1).map(|a| a.id).collect();
                let mut with_stranger = ids.clone();
                with_stranger.push(model.last_id + 1000);
                let got = outcome(self.vault.reorder(&with_stranger), |_| Outcome::Ok);
                (got, if model.locked { Outcome::Locked } else { Outcome::InvalidInput })
            }
            Op::NextHotp { pick: i } => {
                // Only HOTP accounts (a TOTP one is refused, and that is tested elsewhere).
                let hotp: Vec<i64> = model
                    .accounts
                    .iter()
                    .filter(|a| a.kind == OtpKind::Hotp)
                    .map(|a| a.id)
                    .collect();
                let Some(&id) = hotp.get(i % hotp.len().max(1)) else {
                    return (Outcome::Ok, Outcome::Ok);
                };
                let got = outcome(self.vault.next_hotp(id), |c| Outcome::Code(c.value));
                let expected = if model.locked {
                    Outcome::Locked
                } else {
                    let a = model.accounts.iter_mut().find(|a| a.id == id).unwrap();
                    let code = oracle_hotp(a);
                    a.counter += 1;
                    Outcome::Code(code)
                };
                (got, expected)
            }
            Op::Lock => {
                self.vault.lock();
                model.locked = true;
                (Outcome::Ok, Outcome::Ok)
            }
            Op::UnlockWithKey => {
                let key = UnwrappedKey::new(self.key.clone());
                let got = outcome(self.vault.unlock_with_unwrapped_key(key), |_| Outcome::Ok);
                model.locked = false;
                (got, Outcome::Ok)
            }
            Op::UnlockWithPassphrase { right } => {
                let pass = if *right { PASSPHRASE } else { "not the passphrase" };
                let got = outcome(self.vault.unlock_with_passphrase(pass), |_| Outcome::Ok);
                let expected = if *right {
                    model.locked = false;
                    Outcome::Ok
                } else if model.locked {
                    Outcome::WrongPassphrase
                } else {
                    // Unlocking an unlocked vault with a wrong passphrase: refused, and the
                    // vault stays as it was (unlocked).
                    Outcome::WrongPassphrase
                };
                (got, expected)
            }
            Op::Reopen => {
                // Replace the handle: the old one is dropped (and with it the key).
                self.vault = Vault::open(&self.path).unwrap();
                model.locked = true;
                (Outcome::Ok, Outcome::Ok)
            }
        }
    }

    /// The vault's content equals the model's (when unlocked), and codes equal totp-rs.
    fn check(&mut self, model: &Model) -> Result<(), TestCaseError> {
        self.nonces.collect(&self.path)?;
        prop_assert_eq!(self.vault.is_locked(), model.locked);
        if model.locked {
            prop_assert!(matches!(self.vault.accounts(), Err(VaultError::Locked)));
            return Ok(());
        }
        let stored = self.vault.accounts().unwrap();
        let ids: Vec<i64> = stored.iter().map(|a| a.id).collect();
        let expected: Vec<i64> = model.accounts.iter().map(|a| a.id).collect();
        prop_assert_eq!(ids, expected);
        for (s, m) in stored.iter().zip(&model.accounts) {
            prop_assert_eq!(&s.params, &m.params());
            prop_assert_eq!(&s.note, &m.note);
        }
        let at = 1_700_000_000 + model.last_id as u64 * 7919;
        for c in self.vault.codes_at(at).unwrap() {
            let m = model.accounts.iter().find(|m| m.id == c.account.id).unwrap();
            prop_assert_eq!(c.code.value, oracle(m, u64::from(m.period), at));
        }
        Ok(())
    }
}

/// Every sealed blob seen in the file, by nonce: a nonce seen with two different blobs is
/// a reuse.
#[derive(Default)]
struct NonceLedger {
    by_nonce: HashMap<Vec<u8>, Vec<u8>>,
}

impl NonceLedger {
    fn collect(&mut self, path: &Path) -> Result<(), TestCaseError> {
        let conn =
            rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .unwrap();
        let queries = [
            "SELECT sealed FROM accounts",
            "SELECT sealed FROM activity",
            "SELECT sealed FROM enrollments",
            "SELECT sealed FROM key_store",
            "SELECT wrapped FROM key_slots",
            "SELECT key_check FROM vault_meta",
        ];
        for q in queries {
            let Ok(mut st) = conn.prepare(q) else { continue }; // a table of another schema
            let blobs: Vec<Vec<u8>> =
                st.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap();
            for blob in blobs.into_iter().filter(|b| b.len() >= 12) {
                let nonce = blob[..12].to_vec();
                if let Some(seen) = self.by_nonce.get(&nonce) {
                    prop_assert!(
                        seen == &blob,
                        "nonce {:02x?} sealed two different records",
                        nonce
                    );
                } else {
                    self.by_nonce.insert(nonce, blob);
                }
            }
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn vault_operations_match_the_model(ops in prop::collection::vec(op(), 1..40)) {
        let mut h = Harness::new();
        let mut model = Model::default();
        h.check(&model)?;
        for (step, op) in ops.iter().enumerate() {
            let (got, expected) = h.apply(&mut model, op);
            prop_assert_eq!(got, expected, "step {}: {:?}", step, op);
            h.check(&model)?;
        }
        // Whatever happened, a fresh handle with the passphrase sees the same accounts.
        h.vault = Vault::open(&h.path).unwrap();
        h.vault.unlock_with_passphrase(PASSPHRASE).unwrap();
        model.locked = false;
        h.check(&model)?;
    }
}

/// Hundreds of seals in one vault (adds, edits, HOTP steps, each also sealing an activity
/// entry): every blob ever written has its own nonce.
#[test]
fn no_nonce_is_ever_reused_across_many_seals() {
    let mut h = Harness::new();
    let totp = OtpParams::totp(Secret::new(secret(1)), "Bank", "anna");
    let id = h.vault.add(totp, "", DuplicatePolicy::Reject).unwrap().id;
    let mut hotp = OtpParams::totp(Secret::new(secret(2)), "Mail", "anna");
    hotp.kind = OtpKind::Hotp;
    let hotp_id = h.vault.add(hotp, "", DuplicatePolicy::Reject).unwrap().id;
    h.nonces.collect(&h.path).unwrap();
    for i in 0..150 {
        let edit = AccountEdit { note: Some(format!("note {i}")), ..AccountEdit::default() };
        h.vault.update(id, edit).unwrap();
        h.vault.next_hotp(hotp_id).unwrap();
        h.nonces.collect(&h.path).unwrap();
    }
    // Three seals per step (the edited record, its activity entry, the HOTP record), plus
    // the slot, key check and the two adds: all distinct.
    assert!(h.nonces.by_nonce.len() >= 3 * 150 + 4, "{} blobs seen", h.nonces.by_nonce.len());
}
