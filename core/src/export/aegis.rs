//! Aegis-compatible vault JSON, plain or encrypted (one scrypt password slot with Aegis's
//! own parameters, N = 2^15, r = 8, p = 1; AES-256-GCM with the tag stored apart).

use base64::Engine as _;
use serde_json::{json, Value};
use zeroize::Zeroizing;

use super::ExportError;
use crate::import::kdf::{self, hex};
use crate::otpauth::{OtpKind, OtpParams};

/// Aegis's scrypt parameters.
const SCRYPT_N: u64 = 1 << 15;
const SCRYPT_R: u32 = 8;
const SCRYPT_P: u32 = 1;

/// Random inputs of an encrypted export.
pub struct AegisRandom {
    /// Master key.
    pub master_key: [u8; 32],
    /// Slot salt.
    pub salt: [u8; 32],
    /// Slot nonce.
    pub slot_nonce: [u8; 12],
    /// Content nonce.
    pub db_nonce: [u8; 12],
    /// Bytes for entry and slot UUIDs (16 per account, plus 16 for the slot).
    pub uuids: Vec<[u8; 16]>,
}

fn uuid(bytes: [u8; 16]) -> String {
    let mut b = bytes;
    b[6] = (b[6] & 0x0f) | 0x40; // version 4
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
    let h = hex(&b);
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

/// The `db` object: Aegis content version 2, one entry per account.
fn db(accounts: &[(&OtpParams, &str)], uuids: &[[u8; 16]]) -> Value {
    let entries: Vec<Value> = accounts
        .iter()
        .zip(uuids.iter().chain(std::iter::repeat(&[0u8; 16])))
        .map(|((p, note), id)| {
            let mut info = json!({
                "secret": p.secret.to_base32(),
                "algo": p.algorithm.as_str(),
                "digits": p.digits,
            });
            match p.kind {
                OtpKind::Hotp => info["counter"] = p.counter.into(),
                _ => info["period"] = p.period.into(),
            }
            if p.kind == OtpKind::Steam {
                info["digits"] = crate::otpauth::STEAM_DIGITS.into();
            }
            json!({
                "type": p.kind.as_str(),
                "uuid": uuid(*id),
                "name": p.name,
                "issuer": p.issuer,
                "note": note,
                "favorite": false,
                "icon": null,
                "info": info,
            })
        })
        .collect();
    json!({ "version": 2, "entries": entries })
}

/// A plain Aegis vault.
pub fn plain(accounts: &[(&OtpParams, &str)], uuids: &[[u8; 16]]) -> Zeroizing<Vec<u8>> {
    let file = json!({
        "version": 1,
        "header": { "slots": null, "params": null },
        "db": db(accounts, uuids),
    });
    Zeroizing::new(serde_json::to_vec_pretty(&file).expect("json serialises"))
}

/// An encrypted Aegis vault with one password slot.
pub fn encrypted(
    accounts: &[(&OtpParams, &str)],
    password: &str,
    random: &AegisRandom,
) -> Result<Zeroizing<Vec<u8>>, ExportError> {
    encrypted_with(accounts, password, random, SCRYPT_N)
}

pub(crate) fn encrypted_with(
    accounts: &[(&OtpParams, &str)],
    password: &str,
    random: &AegisRandom,
    n: u64,
) -> Result<Zeroizing<Vec<u8>>, ExportError> {
    if password.trim().is_empty() {
        return Err(ExportError::EmptyPassword);
    }
    let kek = kdf::scrypt(password, &random.salt, n, SCRYPT_R, SCRYPT_P)
        .map_err(|e| ExportError::KdfParameters(e.to_string()))?;
    let (key, key_tag) = kdf::aes_gcm_seal(&kek, &random.slot_nonce, &random.master_key, &[]);
    let content = Zeroizing::new(
        serde_json::to_vec(&db(accounts, random.uuids.get(1..).unwrap_or(&[])))
            .expect("json serialises"),
    );
    let (ct, tag) = kdf::aes_gcm_seal(&random.master_key, &random.db_nonce, &content, &[]);
    let slot_uuid = random.uuids.first().copied().unwrap_or([0; 16]);
    let file = json!({
        "version": 1,
        "header": {
            "slots": [{
                "type": 1,
                "uuid": uuid(slot_uuid),
                "key": hex(&key),
                "key_params": { "nonce": hex(&random.slot_nonce), "tag": hex(&key_tag) },
                "n": n, "r": SCRYPT_R, "p": SCRYPT_P,
                "salt": hex(&random.salt),
                "repaired": true,
                "is_backup": false,
            }],
            "params": { "nonce": hex(&random.db_nonce), "tag": hex(&tag) },
        },
        "db": base64::engine::general_purpose::STANDARD.encode(ct),
    });
    Ok(Zeroizing::new(serde_json::to_vec_pretty(&file).expect("json serialises")))
}
