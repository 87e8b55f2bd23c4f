//! The internal SQLite databases of Google Authenticator (`databases`, table `accounts`) and
//! Microsoft Authenticator (`PhoneFactor`, table `accounts`), as rooted-phone users extract
//! them. The bytes are opened read-only in memory; nothing touches the disk.

use rusqlite::Connection;

use super::candidate::{Entry, Fields, SecretField};
use super::ImportError;
use crate::otpauth::OtpKind;

const GOOGLE: &str = "Google Authenticator database";
const MICROSOFT: &str = "Microsoft Authenticator database";
/// SQLite's file header.
pub(super) const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";

/// Opens database bytes read-only in memory.
pub(super) fn open(data: &[u8], format: &'static str) -> Result<Connection, ImportError> {
    if !data.starts_with(SQLITE_MAGIC) {
        return Err(ImportError::malformed(format, "not a SQLite database"));
    }
    let unreadable = |_| ImportError::malformed(format, "the database is unreadable");
    let mut conn = Connection::open_in_memory().map_err(unreadable)?;
    // `super::read` bounds the size far below SQLite's 2 GiB limit.
    conn.deserialize_read_exact(rusqlite::MAIN_DB, data, data.len(), true).map_err(unreadable)?;
    // Rejects a damaged file now, before any row is read.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))
        .map_err(unreadable)?;
    Ok(conn)
}

/// Column names of `table` (empty when there is no such table).
pub(super) fn columns(conn: &Connection, table: &str) -> Vec<String> {
    let Ok(mut st) = conn.prepare("SELECT name FROM pragma_table_info(?1)") else {
        return Vec::new();
    };
    st.query_map([table], |r| r.get(0)).map(|rows| rows.flatten().collect()).unwrap_or_default()
}

fn require(conn: &Connection, format: &'static str, wanted: &[&str]) -> Result<(), ImportError> {
    let have = columns(conn, "accounts");
    match wanted.iter().find(|c| !have.iter().any(|h| h == *c)) {
        None => Ok(()),
        Some(c) => Err(ImportError::malformed(format, format!("table accounts has no column {c}"))),
    }
}

/// A text column read leniently (NULL, numbers and blobs as text).
fn text(row: &rusqlite::Row<'_>, i: usize) -> String {
    use rusqlite::types::ValueRef;
    match row.get_ref(i) {
        Ok(ValueRef::Text(t)) | Ok(ValueRef::Blob(t)) => String::from_utf8_lossy(t).into_owned(),
        Ok(ValueRef::Integer(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn int(row: &rusqlite::Row<'_>, i: usize) -> Option<i64> {
    row.get::<_, Option<i64>>(i).ok().flatten()
}

pub(super) fn read_google(data: &[u8]) -> Result<Vec<Entry>, ImportError> {
    let conn = open(data, GOOGLE)?;
    require(&conn, GOOGLE, &["email", "secret", "counter", "type", "issuer"])?;
    let unreadable = |_| ImportError::malformed(GOOGLE, "the accounts table is unreadable");
    let mut st = conn
        .prepare("SELECT email, secret, counter, type, issuer FROM accounts ORDER BY _rowid_")
        .map_err(unreadable)?;
    let rows = st
        .query_map([], |r| Ok((text(r, 0), text(r, 1), int(r, 2), int(r, 3), text(r, 4))))
        .map_err(unreadable)?;
    let mut entries = Vec::new();
    for row in rows {
        let (email, secret, counter, kind, issuer) = row.map_err(unreadable)?;
        let secret = zeroize::Zeroizing::new(secret);
        let position = entries.len() + 1;
        // `email` is the label, often "Issuer:account".
        let name = match email.split_once(':') {
            Some((prefix, rest)) if issuer.is_empty() || prefix.trim() == issuer.trim() => {
                rest.trim()
            }
            _ => email.as_str(),
        };
        let issuer = match (issuer.is_empty(), email.split_once(':')) {
            (true, Some((prefix, _))) => prefix.trim().to_owned(),
            _ => issuer.clone(),
        };
        let kind = match kind {
            None | Some(0) => OtpKind::Totp,
            Some(1) => OtpKind::Hotp,
            Some(n) => {
                entries.push(Entry::failed(
                    position,
                    &issuer,
                    name,
                    format!("unknown account type {n}"),
                ));
                continue;
            }
        };
        let mut fields = Fields::basic(kind, SecretField::Base32(&secret), &issuer, name);
        fields.counter = counter;
        entries.push(fields.into_entry(position));
    }
    Ok(entries)
}

/// Microsoft Authenticator account types with a one-time-code secret.
const MS_TOTP: i64 = 0;
const MS_MICROSOFT_ACCOUNT: i64 = 1;

pub(super) fn read_microsoft(data: &[u8]) -> Result<Vec<Entry>, ImportError> {
    let conn = open(data, MICROSOFT)?;
    require(&conn, MICROSOFT, &["name", "username", "oath_secret_key", "account_type"])?;
    let unreadable = |_| ImportError::malformed(MICROSOFT, "the accounts table is unreadable");
    let mut st = conn
        .prepare(
            "SELECT name, username, oath_secret_key, account_type FROM accounts ORDER BY _rowid_",
        )
        .map_err(unreadable)?;
    let rows = st
        .query_map([], |r| Ok((text(r, 0), text(r, 1), text(r, 2), int(r, 3))))
        .map_err(unreadable)?;
    let mut entries = Vec::new();
    for row in rows {
        let (issuer, name, secret, kind) = row.map_err(unreadable)?;
        let secret = zeroize::Zeroizing::new(secret);
        let position = entries.len() + 1;
        let entry = if secret.trim().is_empty() {
            // Work or school accounts used only for push or phone sign-in: those keys are
            // bound to the phone and never leave Microsoft's app.
            Entry::failed(
                position,
                &issuer,
                &name,
                "no one-time-code secret (a push or phone sign-in account): enroll it again with its provider",
            )
        } else {
            match kind {
                Some(MS_TOTP) | None => {
                    Fields::basic(OtpKind::Totp, SecretField::Base32(&secret), &issuer, &name)
                        .into_entry(position)
                }
                Some(MS_MICROSOFT_ACCOUNT) => {
                    // Personal Microsoft accounts: a base64 secret and 8-digit codes.
                    use base64::Engine as _;
                    match base64::engine::general_purpose::STANDARD.decode(secret.trim()) {
                        Ok(bytes) => {
                            let mut fields = Fields::basic(
                                OtpKind::Totp,
                                SecretField::Bytes(zeroize::Zeroizing::new(bytes)),
                                &issuer,
                                &name,
                            );
                            fields.digits = Some(8);
                            fields.into_entry(position)
                        }
                        Err(_) => {
                            Entry::failed(position, &issuer, &name, "the secret is not base64")
                        }
                    }
                }
                Some(n) => Entry::failed(
                    position,
                    &issuer,
                    &name,
                    format!("account type {n} has no one-time codes Nyckel can compute"),
                ),
            }
        };
        entries.push(entry);
    }
    Ok(entries)
}
