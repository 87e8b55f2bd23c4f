//! Vault record decoding: what the vault does with the `sealed` column of an account, an
//! enrollment or an activity row it reads back. Raw bytes exercise the AES-GCM framing
//! (short, truncated, forged); bytes sealed with the vault's own key and record AAD (as
//! `docs/vault-format.md` defines it) reach the JSON decoding behind the tag — what a bug
//! in an older or newer writer could leave. Reading must give values or typed errors.

use std::path::PathBuf;

use nyckel_core::vault::{DuplicatePolicy, KdfParams, Vault};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use ring::rand::{SecureRandom, SystemRandom};

const NOW: u64 = 1_700_000_000;

/// A vault with one account, one enrollment and their activity, unlocked, and a second
/// connection to its file for writing rows underneath it.
struct Fixture {
    _dir: tempfile::TempDir,
    vault: Vault,
    sql: rusqlite::Connection,
    key: LessSafeKey,
    vault_id: Vec<u8>,
    ids: [(&'static str, i64); 3],
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let path: PathBuf = dir.path().join("fuzz.nyckel");
        let mut vault = Vault::create(&path, "fuzz passphrase", KdfParams::FLOOR).unwrap();
        let uri = "otpauth://totp/Bank:anna?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        let account = vault.add_uri(uri, DuplicatePolicy::Reject).unwrap().account.id;
        let enrollment = crate::provider_response::sample_enrollment();
        let (enrollment_id, _) = vault.add_enrollment(&enrollment, None).unwrap();
        let sql = rusqlite::Connection::open(&path).unwrap();
        let activity: i64 =
            sql.query_row("SELECT max(id) FROM activity", [], |r| r.get(0)).unwrap();
        let vault_id: Vec<u8> = sql
            .query_row("SELECT vault_id FROM vault_meta WHERE id = 1", [], |r| r.get(0))
            .unwrap();
        let raw_key = vault.key_for_wrapping().unwrap();
        let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &raw_key).unwrap());
        let ids = [("accounts", account), ("enrollments", enrollment_id), ("activity", activity)];
        Fixture { _dir: dir, vault, sql, key, vault_id, ids }
    }

    /// `nonce ‖ AES-256-GCM(plaintext) ‖ tag` under the record AAD of `table`, row `id`.
    fn seal(&self, table: &str, id: i64, plaintext: &[u8]) -> Vec<u8> {
        let mut aad = b"nyckel-vault\0".to_vec();
        aad.extend_from_slice(&self.vault_id);
        aad.extend_from_slice(table.as_bytes());
        aad.push(0);
        aad.extend_from_slice(&id.to_be_bytes());
        aad.extend_from_slice(&1u16.to_be_bytes());
        let mut nonce = [0u8; 12];
        SystemRandom::new().fill(&mut nonce).unwrap();
        let mut buf = plaintext.to_vec();
        let nonce_value = Nonce::assume_unique_for_key(nonce);
        self.key.seal_in_place_append_tag(nonce_value, Aad::from(aad), &mut buf).unwrap();
        [nonce.as_slice(), &buf].concat()
    }
}

thread_local! {
    static FIXTURE: std::cell::RefCell<Option<Fixture>> = const { std::cell::RefCell::new(None) };
}

/// Writes `data` (raw or sealed, into the row chosen by its first byte) and reads the
/// vault back through its public API.
pub fn check(data: &[u8]) {
    let (which, rest) = crate::selector(data);
    FIXTURE.with(|cell| {
        let mut cell = cell.borrow_mut();
        let f = cell.get_or_insert_with(Fixture::new);
        let (table, id) = f.ids[usize::from(which % 3)];
        let blob = if which & 0x80 == 0 { f.seal(table, id, rest) } else { rest.to_vec() };
        f.sql
            .execute(&format!("UPDATE {table} SET sealed = ?1 WHERE id = ?2"), (blob, id))
            .unwrap();
        let _ = f.vault.accounts();
        let _ = f.vault.account(f.ids[0].1);
        let _ = f.vault.codes_at(NOW);
        let _ = f.vault.enrollments();
        let _ = f.vault.enrollment(f.ids[1].1);
        let _ = f.vault.activity(100);
    });
}
