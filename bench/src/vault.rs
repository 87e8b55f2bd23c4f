//! `vault.open_all_codes`: open the 1,000-account vault file, unlock it with the key the
//! platform key store hands back (no KDF), and compute every code, from nothing cached.

use std::hint::black_box;

use nyckel_core::vault::{UnwrappedKey, Vault};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};

use crate::data::{ACCOUNTS, UNIX_TIME};
use crate::fixture::Fixture;
use crate::floor::FloorKey;
use crate::measure::{paired, Plan};
use crate::summary::Outcome;

const PLAN: Plan = Plan { batches: 21, per_batch: 1 };

/// Nyckel: open, unlock, all codes.
fn ours(f: &Fixture) -> Result<usize, String> {
    let mut vault = Vault::open(&f.path).map_err(|e| e.to_string())?;
    vault.unlock_with_unwrapped_key(UnwrappedKey::new(f.key.clone())).map_err(|e| e.to_string())?;
    Ok(vault.codes_at(UNIX_TIME).map_err(|e| e.to_string())?.len())
}

/// The prototype a developer would write against the same file: one SQLite read of every
/// sealed row, one ring AES-256-GCM key, each record opened and its JSON parsed, the key
/// prepared and the code computed at the floor. Associated data as `docs/vault-format.md`
/// defines it.
fn prototype(f: &Fixture) -> Result<u64, String> {
    let err = |e: rusqlite::Error| e.to_string();
    // Read-write like the app (a read-only connection would rebuild the WAL index by
    // reading the whole WAL on every open).
    let conn = rusqlite::Connection::open_with_flags(
        &f.path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(err)?;
    let vault_id: Vec<u8> = conn
        .query_row("SELECT vault_id FROM vault_meta WHERE id = 1", [], |r| r.get(0))
        .map_err(err)?;
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &f.key).map_err(|_| "key length")?);
    let mut st =
        conn.prepare("SELECT id, sealed FROM accounts ORDER BY position, id").map_err(err)?;
    let mut rows = st.query([]).map_err(err)?;
    let mut sum = 0u64;
    let step = UNIX_TIME / 30;
    while let Some(row) = rows.next().map_err(err)? {
        let id: i64 = row.get(0).map_err(err)?;
        let sealed = row.get_ref(1).map_err(err)?.as_blob().map_err(|e| e.to_string())?;
        let mut aad = Vec::with_capacity(64);
        aad.extend_from_slice(b"nyckel-vault\0");
        aad.extend_from_slice(&vault_id);
        aad.extend_from_slice(b"accounts\0");
        aad.extend_from_slice(&id.to_be_bytes());
        aad.extend_from_slice(&1u16.to_be_bytes());
        let (nonce, ct) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| "nonce")?;
        let mut buf = ct.to_vec();
        let plain = key
            .open_in_place(nonce, Aad::from(aad), &mut buf)
            .map_err(|_| format!("account {id} does not open as docs/vault-format.md says"))?;
        let record: serde_json::Value = serde_json::from_slice(plain).map_err(|e| e.to_string())?;
        let secret = record["secret"].as_str().ok_or("record without a secret")?;
        let secret = base32::decode(base32::Alphabet::Rfc4648 { padding: false }, secret)
            .ok_or("secret is not base32")?;
        sum += u64::from(FloorKey::new(&secret).code6(step));
    }
    Ok(sum)
}

/// Measures both; a prototype that cannot read the file makes the metric missing.
pub fn open_all_codes(f: &Fixture) -> Outcome {
    match ours(f) {
        Ok(n) if n == ACCOUNTS => {}
        Ok(n) => return Outcome::Missing(format!("the vault gave {n} codes, not {ACCOUNTS}")),
        Err(e) => return Outcome::Missing(format!("Nyckel could not open the fixture: {e}")),
    }
    if let Err(e) = prototype(f) {
        return Outcome::Missing(format!("the baseline could not read the fixture: {e}"));
    }
    let (ours, base) = paired(
        PLAN,
        || {
            black_box(ours(f).expect("opened before"));
        },
        || {
            black_box(prototype(f).expect("read before"));
        },
    );
    Outcome::measured(
        ours * 1e3,
        "ms",
        "prototype: SQLite read + one ring AES-GCM key + serde_json + floor codes",
        base * 1e3,
        Some(2.0),
    )
}
