//! Bitwarden exports (JSON and CSV): login items whose TOTP field holds an `otpauth://` URI,
//! a `steam://SECRET` or a bare base32 secret. Items without a TOTP field are not accounts:
//! they are counted in a note, not listed as failures.

use serde_json::Value;

use super::candidate::{uri_like, Entry};
use super::ImportError;

const JSON: &str = "Bitwarden JSON";
const CSV: &str = "Bitwarden CSV";

fn skipped_note(skipped: usize, notes: &mut Vec<String>) {
    if skipped > 0 {
        notes.push(format!("{skipped} Bitwarden item(s) without a TOTP field were passed over"));
    }
}

pub(super) fn read_json(text: &str, notes: &mut Vec<String>) -> Result<Vec<Entry>, ImportError> {
    let file: Value = serde_json::from_str(text)
        .map_err(|e| ImportError::malformed(JSON, super::json_error(&e)))?;
    if file.get("encrypted").and_then(Value::as_bool) == Some(true) {
        return Err(ImportError::Unsupported {
            format: JSON,
            detail: "encrypted Bitwarden exports cannot be read; export as unencrypted JSON".into(),
        });
    }
    let items = file
        .get("items")
        .and_then(Value::as_array)
        .ok_or_else(|| ImportError::malformed(JSON, "no items list"))?;
    let mut entries = Vec::new();
    let mut skipped = 0;
    for item in items {
        let text = super::candidate::str_of;
        let login = item.get("login");
        let totp = text(login.and_then(|l| l.get("totp")));
        if totp.trim().is_empty() {
            skipped += 1;
            continue;
        }
        let fallback = (text(item.get("name")), text(login.and_then(|l| l.get("username"))));
        entries.push(uri_like(entries.len() + 1, totp, fallback, text(item.get("notes")), true));
    }
    skipped_note(skipped, notes);
    Ok(entries)
}

pub(super) fn read_csv(text: &str, notes: &mut Vec<String>) -> Result<Vec<Entry>, ImportError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|_| ImportError::malformed(CSV, "the header line is unreadable"))?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.trim() == name);
    let totp_col =
        column("login_totp").ok_or_else(|| ImportError::malformed(CSV, "no login_totp column"))?;
    let (name_col, user_col, notes_col) =
        (column("name"), column("login_username"), column("notes"));
    let mut entries = Vec::new();
    let mut skipped = 0;
    for (row, record) in reader.records().enumerate() {
        let record = record
            .map_err(|_| ImportError::malformed(CSV, format!("row {} is unreadable", row + 2)))?;
        let get = |col: Option<usize>| col.and_then(|c| record.get(c)).unwrap_or("");
        let totp = get(Some(totp_col));
        if totp.trim().is_empty() {
            skipped += 1;
            continue;
        }
        entries.push(uri_like(
            entries.len() + 1,
            totp,
            (get(name_col), get(user_col)),
            get(notes_col),
            true,
        ));
    }
    skipped_note(skipped, notes);
    Ok(entries)
}
