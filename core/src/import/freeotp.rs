//! FreeOTP+ JSON export: `{tokens: [{algo, counter, digits, issuerExt, issuerInt, label,
//! period, secret: [signed bytes], type}], tokenOrder}`. Counters are taken as stored.

use serde_json::Value;
use zeroize::Zeroizing;

use super::candidate::{Entry, Fields, SecretField};
use super::ImportError;
use crate::otpauth::OtpKind;

const FORMAT: &str = "FreeOTP+";

pub(super) fn read(text: &str) -> Result<Vec<Entry>, ImportError> {
    let file: Value = serde_json::from_str(text)
        .map_err(|e| ImportError::malformed(FORMAT, super::json_error(&e)))?;
    let tokens = file
        .get("tokens")
        .and_then(Value::as_array)
        .ok_or_else(|| ImportError::malformed(FORMAT, "no tokens list"))?;
    Ok(tokens.iter().enumerate().map(|(i, t)| token(i + 1, t)).collect())
}

fn token(position: usize, t: &Value) -> Entry {
    let text = |key: &str| t.get(key).and_then(Value::as_str).unwrap_or("");
    let issuer = match text("issuerExt") {
        "" => text("issuerInt"),
        issuer => issuer,
    };
    let name = text("label");
    let kind = match super::candidate::parse_kind(
        "FreeOTP type",
        text("type"),
        &[OtpKind::Totp, OtpKind::Hotp],
        false,
    ) {
        Ok(kind) => kind,
        Err(why) => return Entry::failed(position, issuer, name, why),
    };
    // Java bytes: -128..=127 each.
    let secret: Option<Vec<u8>> = t.get("secret").and_then(Value::as_array).and_then(|bytes| {
        bytes
            .iter()
            .map(|b| b.as_i64().and_then(|b| i8::try_from(b).ok()).map(|b| b as u8))
            .collect()
    });
    let Some(secret) = secret else {
        return Entry::failed(position, issuer, name, "the secret is not a list of bytes");
    };
    let number = |key: &str| t.get(key).and_then(Value::as_i64);
    Fields {
        kind,
        secret: SecretField::Bytes(Zeroizing::new(secret)),
        issuer,
        name,
        algorithm: t.get("algo").and_then(Value::as_str),
        digits: number("digits"),
        period: number("period"),
        counter: number("counter"),
        note: "",
    }
    .into_entry(position)
}
