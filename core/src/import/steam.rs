//! Steam Guard mobile-authenticator files (Steam Desktop Authenticator's `.maFile`: one
//! object with a base64 `shared_secret`), or several of them under `accounts`.

use base64::Engine as _;
use serde_json::Value;
use zeroize::Zeroizing;

use super::candidate::{Entry, Fields, SecretField};
use super::ImportError;
use crate::otpauth::OtpKind;

const FORMAT: &str = "Steam Guard";

pub(super) fn read(text: &str) -> Result<Vec<Entry>, ImportError> {
    let file: Value = serde_json::from_str(text)
        .map_err(|e| ImportError::malformed(FORMAT, super::json_error(&e)))?;
    let accounts: Vec<&Value> = match file.get("accounts").and_then(Value::as_object) {
        Some(map) => map.values().collect(),
        None if file.get("shared_secret").is_some() => vec![&file],
        None => return Err(ImportError::malformed(FORMAT, "no shared_secret and no accounts")),
    };
    Ok(accounts.into_iter().enumerate().map(|(i, a)| account(i + 1, a)).collect())
}

fn account(position: usize, a: &Value) -> Entry {
    let name = a.get("account_name").and_then(Value::as_str).unwrap_or("");
    let secret = a
        .get("shared_secret")
        .and_then(Value::as_str)
        .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s.trim()).ok());
    match secret {
        Some(secret) => {
            Fields::basic(OtpKind::Steam, SecretField::Bytes(Zeroizing::new(secret)), "Steam", name)
                .into_entry(position)
        }
        None => Entry::failed(position, "Steam", name, "shared_secret is missing or not base64"),
    }
}
