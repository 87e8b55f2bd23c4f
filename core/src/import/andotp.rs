//! andOTP's plain JSON backup: a list of `{secret (base32), issuer, label, digits, type
//! TOTP|HOTP|STEAM, algorithm, period | counter, tags}`. Encrypted andOTP backups are binary
//! and not read.

use serde_json::Value;

use super::candidate::{Entry, Fields, SecretField};
use super::ImportError;
use crate::otpauth::OtpKind;

const FORMAT: &str = "andOTP";

pub(super) fn read(text: &str) -> Result<Vec<Entry>, ImportError> {
    let file: Value = serde_json::from_str(text)
        .map_err(|e| ImportError::malformed(FORMAT, super::json_error(&e)))?;
    let list =
        file.as_array().ok_or_else(|| ImportError::malformed(FORMAT, "not a list of entries"))?;
    Ok(list.iter().enumerate().map(|(i, e)| entry(i + 1, e)).collect())
}

fn entry(position: usize, e: &Value) -> Entry {
    let text = |key: &str| e.get(key).and_then(Value::as_str).unwrap_or("");
    let (issuer, name) = (text("issuer"), text("label"));
    let kind = match super::candidate::parse_kind(
        "andOTP type",
        text("type"),
        &[OtpKind::Totp, OtpKind::Hotp, OtpKind::Steam],
        true,
    ) {
        Ok(kind) => kind,
        Err(why) => return Entry::failed(position, issuer, name, why),
    };
    let Some(secret) = e.get("secret").and_then(Value::as_str) else {
        return Entry::failed(position, issuer, name, "the entry has no secret");
    };
    let number = |key: &str| e.get(key).and_then(Value::as_i64);
    Fields {
        kind,
        secret: SecretField::Base32(secret),
        issuer,
        name,
        algorithm: e.get("algorithm").and_then(Value::as_str),
        digits: number("digits"),
        period: number("period"),
        counter: number("counter"),
        note: "",
    }
    .into_entry(position)
}
