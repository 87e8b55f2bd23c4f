//! Aegis vault JSON (`docs/vault.md` of Aegis): plain, or encrypted with a random master key
//! wrapped by scrypt password slots (every password slot is tried) and AES-256-GCM.

use base64::Engine as _;
use serde::Deserialize;
use serde_json::Value;
use zeroize::Zeroizing;

use super::candidate::{Entry, Fields, SecretField};
use super::kdf::{self, unhex, OpenError};
use super::ImportError;
use crate::otpauth::OtpKind;

const FORMAT: &str = "Aegis";
/// Newest content (`db`) version understood.
const MAX_DB_VERSION: u64 = 3;

#[derive(Deserialize)]
struct File {
    version: u64,
    header: Header,
    db: Value,
}

#[derive(Deserialize)]
struct Header {
    slots: Option<Vec<Slot>>,
    params: Option<CipherParams>,
}

#[derive(Deserialize)]
struct Slot {
    #[serde(rename = "type")]
    kind: u8,
    key: String,
    key_params: CipherParams,
    n: Option<u64>,
    r: Option<u32>,
    p: Option<u32>,
    salt: Option<String>,
}

#[derive(Deserialize)]
struct CipherParams {
    nonce: String,
    tag: String,
}

/// Slot type of a password slot.
const PASSWORD_SLOT: u8 = 1;

fn malformed(detail: impl Into<String>) -> ImportError {
    ImportError::malformed(FORMAT, detail)
}

fn hex_field(text: &str, what: &str) -> Result<Vec<u8>, ImportError> {
    unhex(text).ok_or_else(|| malformed(format!("{what} is not hex")))
}

pub(super) fn read(text: &str, password: Option<&str>) -> Result<Vec<Entry>, ImportError> {
    let file: File = serde_json::from_str(text).map_err(|e| malformed(super::json_error(&e)))?;
    if file.version != 1 {
        return Err(ImportError::Unsupported {
            format: FORMAT,
            detail: format!("vault file version {} (this version reads 1)", file.version),
        });
    }
    let db = match (file.header.slots, file.header.params, file.db) {
        (None, None, db @ Value::Object(_)) => db,
        (slots, Some(params), Value::String(ciphertext)) => {
            let password = password.ok_or(ImportError::PasswordRequired(FORMAT))?;
            let plain = decrypt(&slots.unwrap_or_default(), &params, &ciphertext, password)?;
            serde_json::from_slice(&plain)
                .map_err(|_| malformed("the decrypted content is not JSON"))?
        }
        _ => return Err(malformed("the header does not match the content (plain or encrypted)")),
    };
    entries(&db)
}

fn decrypt(
    slots: &[Slot],
    params: &CipherParams,
    ciphertext: &str,
    password: &str,
) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    let master = unwrap_master_key(slots, password)?;
    let content = base64::engine::general_purpose::STANDARD
        .decode(ciphertext.trim())
        .map_err(|_| malformed("the encrypted content is not base64"))?;
    let nonce = hex_field(&params.nonce, "the content nonce")?;
    let tag = hex_field(&params.tag, "the content tag")?;
    kdf::aes_gcm_open(&master, &nonce, &content, &tag, &[]).map_err(|e| match e {
        OpenError::BadLength(why) => malformed(format!("content: {why}")),
        OpenError::Auth => ImportError::Tampered(FORMAT),
    })
}

/// Tries every password slot; the first that opens gives the master key.
fn unwrap_master_key(slots: &[Slot], password: &str) -> Result<Zeroizing<[u8; 32]>, ImportError> {
    let mut refused = None;
    let mut tried = 0;
    for slot in slots.iter().filter(|s| s.kind == PASSWORD_SLOT) {
        let (Some(n), Some(r), Some(p), Some(salt)) = (slot.n, slot.r, slot.p, &slot.salt) else {
            return Err(malformed("a password slot lacks its scrypt parameters"));
        };
        let salt = hex_field(salt, "a slot salt")?;
        let kek = match kdf::scrypt(password, &salt, n, r, p) {
            Ok(k) => k,
            // A slot we refuse to run may not be the only one: try the others first.
            Err(e @ ImportError::KdfTooExpensive { .. }) => {
                refused = Some(e);
                continue;
            }
            Err(e) => return Err(e),
        };
        tried += 1;
        let wrapped = hex_field(&slot.key, "a slot key")?;
        let nonce = hex_field(&slot.key_params.nonce, "a slot nonce")?;
        let tag = hex_field(&slot.key_params.tag, "a slot tag")?;
        match kdf::aes_gcm_open(&kek, &nonce, &wrapped, &tag, &[]) {
            Ok(key) if key.len() == 32 => {
                let mut out = Zeroizing::new([0u8; 32]);
                out.copy_from_slice(&key);
                return Ok(out);
            }
            Ok(_) => return Err(malformed("a slot holds a master key of the wrong length")),
            Err(OpenError::BadLength(why)) => return Err(malformed(format!("slot: {why}"))),
            Err(OpenError::Auth) => continue,
        }
    }
    match (tried, refused) {
        (0, Some(e)) => Err(e),
        (0, None) => Err(ImportError::NoPasswordSlot(FORMAT)),
        _ => Err(ImportError::WrongPassword(FORMAT)),
    }
}

fn entries(db: &Value) -> Result<Vec<Entry>, ImportError> {
    let version = db.get("version").and_then(Value::as_u64).unwrap_or(1);
    if version > MAX_DB_VERSION {
        return Err(ImportError::Unsupported {
            format: FORMAT,
            detail: format!(
                "content version {version} (this version reads up to {MAX_DB_VERSION})"
            ),
        });
    }
    let list = db
        .get("entries")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed("the content has no entries list"))?;
    Ok(list.iter().enumerate().map(|(i, e)| entry(i + 1, e)).collect())
}

fn entry(position: usize, e: &Value) -> Entry {
    let text = super::candidate::str_of;
    let issuer = text(e.get("issuer"));
    let name = text(e.get("name"));
    let info = e.get("info");
    let field = |key: &str| info.and_then(|i| i.get(key));
    let kind = match super::candidate::parse_kind(
        "Aegis entry type",
        text(e.get("type")),
        &[OtpKind::Totp, OtpKind::Hotp, OtpKind::Steam],
        false,
    ) {
        Ok(kind) => kind,
        Err(why) => return Entry::failed(position, issuer, name, why),
    };
    let Some(secret) = field("secret").and_then(Value::as_str) else {
        return Entry::failed(position, issuer, name, "the entry has no secret");
    };
    let number = |key: &str| field(key).and_then(Value::as_i64);
    Fields {
        kind,
        secret: SecretField::Base32(secret),
        issuer,
        name,
        algorithm: field("algo").and_then(Value::as_str),
        digits: number("digits"),
        period: number("period"),
        counter: number("counter"),
        note: text(e.get("note")),
    }
    .into_entry(position)
}
