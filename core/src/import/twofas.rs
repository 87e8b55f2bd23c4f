//! 2FAS backups, schemas 1–4, plain or encrypted (`servicesEncrypted` =
//! `b64(ciphertext‖tag):b64(salt):b64(iv)`, PBKDF2-HMAC-SHA256 with 10,000 iterations,
//! AES-256-GCM; `reference` is a known text under the same password, the password check).
//!
//! What differs between schemas (2FAS's own readers: iOS `ExchangeData` for 1–2,
//! `ExchangeData2` for 3–4; Android's `BackupContent`) is only what Nyckel does not keep:
//! schemas 1–2 name a service by a legacy `type` and `icon.brand`, 3–4 by `serviceTypeID`,
//! `icon.iconCollection` and carry `otp.link` and `otp.source`. The one-time-code fields
//! (`secret`, `otp.issuer/account/label/digits/period/algorithm/counter/tokenType`) and the
//! encryption are the same in all four; schema 4 added the `STEAM` token type. A field left
//! out means 2FAS's default (TOTP, SHA1, 6 digits, 30 s). Services are imported in 2FAS's
//! list order (`order.position`), as 2FAS itself restores them.

use base64::Engine as _;
use serde_json::Value;
use zeroize::Zeroizing;

use super::candidate::{Entry, Fields, SecretField};
use super::kdf::{self, OpenError};
use super::ImportError;
use crate::otpauth::OtpKind;

const FORMAT: &str = "2FAS";
/// 2FAS's fixed PBKDF2 iteration count.
const ITERATIONS: u32 = 10_000;
/// Newest schema understood.
const MAX_SCHEMA: u64 = 4;

fn malformed(detail: impl Into<String>) -> ImportError {
    ImportError::malformed(FORMAT, detail)
}

pub(super) fn read(text: &str, password: Option<&str>) -> Result<Vec<Entry>, ImportError> {
    let file: Value = serde_json::from_str(text).map_err(|e| malformed(super::json_error(&e)))?;
    let schema = file.get("schemaVersion").and_then(Value::as_u64).unwrap_or(1);
    if schema > MAX_SCHEMA {
        return Err(ImportError::Unsupported {
            format: FORMAT,
            detail: format!("schema {schema} (this version reads 1–{MAX_SCHEMA})"),
        });
    }
    let encrypted = file.get("servicesEncrypted").and_then(Value::as_str);
    let services: Value = match encrypted {
        Some(sealed) => {
            let password = password.ok_or(ImportError::PasswordRequired(FORMAT))?;
            let reference = file.get("reference").and_then(Value::as_str);
            let plain = decrypt(sealed, reference, password)?;
            serde_json::from_slice(&plain)
                .map_err(|_| malformed("the decrypted services are not JSON"))?
        }
        None => file.get("services").cloned().ok_or_else(|| malformed("no services list"))?,
    };
    let list = services.as_array().ok_or_else(|| malformed("services is not a list"))?;
    let mut entries: Vec<(i64, Entry)> =
        list.iter().enumerate().map(|(i, s)| (list_position(s), service(i + 1, s))).collect();
    // Stable: services without a position keep their file order, after the others.
    entries.sort_by_key(|(position, _)| *position);
    Ok(entries.into_iter().map(|(_, entry)| entry).collect())
}

/// Where 2FAS listed a service (`order.position`); `i64::MAX` when the file does not say.
fn list_position(service: &Value) -> i64 {
    service.get("order").and_then(|o| o.get("position")).and_then(Value::as_i64).unwrap_or(i64::MAX)
}

/// One `ciphertext‖tag:salt:iv` triple.
struct Sealed {
    ciphertext: Vec<u8>,
    tag: Vec<u8>,
    salt: Vec<u8>,
    iv: Vec<u8>,
}

fn split(text: &str, what: &str) -> Result<Sealed, ImportError> {
    let parts: Vec<&str> = text.trim().split(':').collect();
    let [data, salt, iv] = parts[..] else {
        return Err(malformed(format!("{what} is not ciphertext:salt:iv")));
    };
    let b64 = |s: &str| {
        base64::engine::general_purpose::STANDARD
            .decode(s)
            .map_err(|_| malformed(format!("{what} is not base64")))
    };
    let mut ciphertext = b64(data)?;
    if ciphertext.len() < 16 {
        return Err(malformed(format!("{what} is shorter than its authentication tag")));
    }
    let tag = ciphertext.split_off(ciphertext.len() - 16);
    Ok(Sealed { ciphertext, tag, salt: b64(salt)?, iv: b64(iv)? })
}

fn decrypt(
    services: &str,
    reference: Option<&str>,
    password: &str,
) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    let services = split(services, "servicesEncrypted")?;
    let key = kdf::pbkdf2_sha256(password, &services.salt, ITERATIONS)?;
    let open =
        |key: &[u8; 32], s: &Sealed| kdf::aes_gcm_open(key, &s.iv, &s.ciphertext, &s.tag, &[]);
    let bad_length = |why: &str| malformed(why.to_owned());
    // The reference tells a wrong password from altered services.
    let mut password_checked = false;
    if let Some(reference) = reference {
        let reference = split(reference, "reference")?;
        let ref_key = if reference.salt == services.salt {
            key.clone()
        } else {
            kdf::pbkdf2_sha256(password, &reference.salt, ITERATIONS)?
        };
        match open(&ref_key, &reference) {
            Ok(_) => password_checked = true,
            Err(OpenError::Auth) => return Err(ImportError::WrongPassword(FORMAT)),
            Err(OpenError::BadLength(why)) => return Err(bad_length(why)),
        }
    }
    open(&key, &services).map_err(|e| match e {
        OpenError::BadLength(why) => bad_length(why),
        OpenError::Auth if password_checked => ImportError::Tampered(FORMAT),
        OpenError::Auth => ImportError::WrongPassword(FORMAT),
    })
}

fn service(position: usize, s: &Value) -> Entry {
    let text = super::candidate::str_of;
    let otp = s.get("otp");
    let field = |key: &str| otp.and_then(|o| o.get(key));
    let number = |key: &str| field(key).and_then(Value::as_i64);
    let issuer = match text(field("issuer")) {
        "" => text(s.get("name")),
        issuer => issuer,
    };
    let name = match text(field("account")) {
        "" => {
            // Older schemas keep "Issuer:account" in the label.
            let label = text(field("label"));
            label.split_once(':').map(|(_, n)| n.trim()).unwrap_or(label)
        }
        account => account,
    };
    let kind = match super::candidate::parse_kind(
        "2FAS token type",
        text(field("tokenType")),
        &[OtpKind::Totp, OtpKind::Hotp, OtpKind::Steam],
        true,
    ) {
        Ok(kind) => kind,
        Err(why) => return Entry::failed(position, issuer, name, why),
    };
    let Some(secret) = s.get("secret").and_then(Value::as_str) else {
        return Entry::failed(position, issuer, name, "the entry has no secret");
    };
    Fields {
        kind,
        secret: SecretField::Base32(secret),
        issuer,
        name,
        algorithm: field("algorithm").and_then(Value::as_str),
        digits: number("digits"),
        period: number("period"),
        counter: number("counter"),
        note: "",
    }
    .into_entry(position)
}
