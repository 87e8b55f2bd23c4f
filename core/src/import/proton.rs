//! Proton Authenticator's plain JSON export: `{version: 1, entries: [{content: {uri,
//! entry_type, name}, note}]}`. The encrypted variant is refused with a clear error.

use serde_json::Value;

use super::candidate::{uri_like, Entry};
use super::ImportError;

const FORMAT: &str = "Proton Authenticator";

pub(super) fn read(text: &str) -> Result<Vec<Entry>, ImportError> {
    let file: Value = serde_json::from_str(text)
        .map_err(|e| ImportError::malformed(FORMAT, super::json_error(&e)))?;
    if file.get("salt").is_some() && file.get("content").is_some() {
        return Err(ImportError::Unsupported {
            format: FORMAT,
            detail: "encrypted Proton exports cannot be read yet; export without a password".into(),
        });
    }
    let entries = file
        .get("entries")
        .and_then(Value::as_array)
        .ok_or_else(|| ImportError::malformed(FORMAT, "no entries list"))?;
    Ok(entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let text = super::candidate::str_of;
            let content = e.get("content");
            let uri = text(content.and_then(|c| c.get("uri")));
            let name = text(content.and_then(|c| c.get("name")));
            if uri.trim().is_empty() {
                return Entry::failed(i + 1, "", name, "the entry has no URI");
            }
            uri_like(i + 1, uri, ("", name), text(e.get("note")), false)
        })
        .collect())
}
