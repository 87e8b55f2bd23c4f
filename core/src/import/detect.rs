//! Recognising an export file by its content (never by its name).

use serde_json::Value;

use super::phone_db::{self, SQLITE_MAGIC};
use super::{Format, ImportError, MAX_IMPORT_BYTES};

/// Which format `data` is in; [`ImportError::UnknownFormat`] when none fits (pass a format
/// to [`super::read`] then).
pub fn detect(data: &[u8]) -> Result<Format, ImportError> {
    if data.len() > MAX_IMPORT_BYTES {
        return Err(ImportError::TooLarge { len: data.len(), max: MAX_IMPORT_BYTES });
    }
    if data.starts_with(SQLITE_MAGIC) {
        return detect_database(data);
    }
    let text = std::str::from_utf8(data)
        .map_err(|_| ImportError::UnknownFormat("neither text nor a SQLite database".into()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text).trim_start();
    if text.starts_with('{') || text.starts_with('[') {
        let value: Value = serde_json::from_str(text).map_err(|e| {
            ImportError::UnknownFormat(format!(
                "looks like JSON but is not: {}",
                super::json_error(&e)
            ))
        })?;
        return detect_json(&value);
    }
    detect_text(text)
}

fn detect_database(data: &[u8]) -> Result<Format, ImportError> {
    let conn = phone_db::open(data, "SQLite")
        .map_err(|_| ImportError::UnknownFormat("an unreadable SQLite database".into()))?;
    let columns = phone_db::columns(&conn, "accounts");
    let has = |c: &str| columns.iter().any(|x| x == c);
    if has("oath_secret_key") {
        Ok(Format::MicrosoftAuthenticatorDb)
    } else if has("email") && has("secret") {
        Ok(Format::GoogleAuthenticatorDb)
    } else {
        Err(ImportError::UnknownFormat(
            "a SQLite database, but neither Google's nor Microsoft's authenticator database".into(),
        ))
    }
}

fn detect_json(v: &Value) -> Result<Format, ImportError> {
    let has = |key: &str| v.get(key).is_some();
    if let Some(list) = v.as_array() {
        let first = list.first();
        if list.is_empty() || first.is_some_and(|e| e.get("secret").is_some()) {
            return Ok(Format::AndOtp);
        }
    } else if crate::export::backup::is_backup(v) {
        return Ok(Format::NyckelBackup);
    } else if has("header") && has("db") {
        return Ok(Format::Aegis);
    } else if has("schemaVersion") && (has("services") || has("servicesEncrypted")) {
        return Ok(Format::TwoFas);
    } else if has("tokens") && (has("tokenOrder") || v["tokens"].is_array()) {
        return Ok(Format::FreeOtpPlus);
    } else if has("items") && (has("encrypted") || has("folders") || has("collections")) {
        return Ok(Format::BitwardenJson);
    } else if has("entries") && v.get("version").is_some() && !has("db") {
        return Ok(Format::Proton);
    } else if has("salt") && has("content") && has("version") {
        return Ok(Format::Proton); // encrypted Proton: `read` explains it is not supported
    } else if has("shared_secret")
        || v.get("accounts")
            .and_then(Value::as_object)
            .is_some_and(|m| m.values().next().is_some_and(|a| a.get("shared_secret").is_some()))
    {
        return Ok(Format::Steam);
    } else if has("kdfParams") && has("encryptedData") {
        return Err(ImportError::Unsupported {
            format: "Ente Auth",
            detail: "encrypted Ente exports cannot be read; export as plain text".into(),
        });
    }
    Err(ImportError::UnknownFormat("JSON of no known authenticator export".into()))
}

fn detect_text(text: &str) -> Result<Format, ImportError> {
    // Blank lines and `#` comments before the first entry are what a hand-kept URI list
    // has; the readers skip them too.
    let first = super::content_lines(text).next().unwrap_or("");
    let starts = |s: &str, prefix: &str| {
        s.get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix))
    };
    if starts(first, "otpauth-migration:") {
        return Ok(Format::GoogleTransfer);
    }
    if first.split(',').any(|h| h.trim() == "login_totp") {
        return Ok(Format::BitwardenCsv);
    }
    if starts(first, "otpauth:") {
        let ente = text.lines().any(|l| l.contains("codeDisplay="));
        return Ok(if ente { Format::Ente } else { Format::UriList });
    }
    Err(ImportError::UnknownFormat(
        "not JSON, not a SQLite database, and the first line (after blank lines and # comments) is not an otpauth URI".into(),
    ))
}
