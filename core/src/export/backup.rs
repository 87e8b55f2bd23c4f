//! The Nyckel backup (`docs/backup-format.md`): a JSON header in clear (format, version,
//! Argon2id parameters and salt, cipher and nonce) and the accounts sealed with
//! AES-256-GCM under an Argon2id key of the password. The header is bound into the
//! associated data, so changing any parameter makes the file fail to open.

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::ExportError;
use crate::import::{kdf, Argon2Limits, ImportError};
use crate::otpauth::{self, OtpParams};
use crate::vault::KdfParams;

/// The `format` value of a backup file.
pub const FORMAT_NAME: &str = "nyckel-backup";
/// The backup format version this code writes and reads.
pub const VERSION: u32 = 1;
const FORMAT: &str = "Nyckel backup";
const CIPHER: &str = "aes-256-gcm";
const KDF: &str = "argon2id";

/// Argon2id for new backups: 64 MiB, 5 passes, 1 lane (≈ 0.5 s on a phone-class CPU; the
/// vault's 64 MiB / 3 passes takes ≈ 0.3 s there).
pub const BACKUP_KDF: KdfParams =
    KdfParams { memory_kib: 64 * 1024, iterations: 5, parallelism: 1 };

#[derive(Serialize, Deserialize)]
struct File {
    format: String,
    version: u32,
    kdf: Kdf,
    cipher: Cipher,
    ciphertext: String,
}

#[derive(Serialize, Deserialize)]
struct Kdf {
    name: String,
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
    salt: String,
}

#[derive(Serialize, Deserialize)]
struct Cipher {
    name: String,
    nonce: String,
}

/// The sealed content.
#[derive(Serialize, Deserialize)]
struct Content {
    version: u32,
    accounts: Vec<BackupAccount>,
    /// A transfer package's enrollments (`docs/backup-format.md`, "Transfer package");
    /// absent from a backup, whose bytes stay as they were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    transfer: Option<TransferContent>,
}

/// The enrollments a transfer package moves to a new phone.
#[derive(Serialize, Deserialize)]
struct TransferContent {
    enrollments: Vec<TransferEnrollment>,
}

/// One enrollment to move: the provider's transfer enrollment URI (a single-use code) and
/// whether the old phone had phone sign-in (the new phone enables it with a fresh key).
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct TransferEnrollment {
    /// The `nyckel-enroll://` URI with the transfer code.
    pub uri: String,
    /// Phone sign-in was enabled on the old phone.
    #[serde(rename = "phoneSignin", default)]
    pub phone_signin: bool,
}

impl Drop for TransferEnrollment {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.uri);
    }
}

#[derive(Serialize, Deserialize)]
struct BackupAccount {
    uri: String,
    #[serde(default)]
    note: String,
}

impl Drop for BackupAccount {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.uri);
    }
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// The associated data: every header field, in a fixed order, from the parsed values.
fn aad(file: &File) -> Vec<u8> {
    format!(
        "{}\0version={}\0kdf={}\0m={}\0t={}\0p={}\0salt={}\0cipher={}\0nonce={}",
        file.format,
        file.version,
        file.kdf.name,
        file.kdf.memory_kib,
        file.kdf.iterations,
        file.kdf.parallelism,
        file.kdf.salt,
        file.cipher.name,
        file.cipher.nonce
    )
    .into_bytes()
}

/// Seals accounts (with notes) into a backup file. `salt` and `nonce` must be fresh random
/// bytes (inputs, so the sealing itself is deterministic and testable).
pub fn seal(
    accounts: &[(&OtpParams, &str)],
    password: &str,
    params: KdfParams,
    salt: [u8; 16],
    nonce: [u8; 12],
) -> Result<Zeroizing<Vec<u8>>, ExportError> {
    seal_with(accounts, None, password, params, salt, nonce)
}

/// [`seal`] of a transfer package: the accounts and the enrollments to move.
pub(crate) fn seal_transfer(
    accounts: &[(&OtpParams, &str)],
    enrollments: Vec<TransferEnrollment>,
    password: &str,
    params: KdfParams,
    salt: [u8; 16],
    nonce: [u8; 12],
) -> Result<Zeroizing<Vec<u8>>, ExportError> {
    let transfer = TransferContent { enrollments };
    seal_with(accounts, Some(transfer), password, params, salt, nonce)
}

fn seal_with(
    accounts: &[(&OtpParams, &str)],
    transfer: Option<TransferContent>,
    password: &str,
    params: KdfParams,
    salt: [u8; 16],
    nonce: [u8; 12],
) -> Result<Zeroizing<Vec<u8>>, ExportError> {
    let key = BackupKey::derive(password, params, salt)?;
    seal_content(accounts, transfer, &key, nonce)
}

/// The key of a backup: Argon2id of the password with its parameters and salt. Derived once
/// for automatic backups (docs/backup-format.md, "Automatic backups"), so each of them is
/// sealed without running Argon2id again or keeping the password; every file it seals is an
/// ordinary backup that opens with the password. Never printed by `Debug`.
pub struct BackupKey {
    params: KdfParams,
    salt: [u8; 16],
    key: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for BackupKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BackupKey(<redacted>)")
    }
}

/// The layout version of [`BackupKey::to_bytes`].
const KEY_LAYOUT: u8 = 1;
const KEY_BYTES: usize = 1 + 12 + 16 + 32;

impl BackupKey {
    /// Derives the key of `password` (refused empty) with `params` (refused below the
    /// vault's floor) and a fresh random `salt`.
    pub fn derive(password: &str, params: KdfParams, salt: [u8; 16]) -> Result<Self, ExportError> {
        if password.trim().is_empty() {
            return Err(ExportError::EmptyPassword);
        }
        params.check().map_err(ExportError::KdfParameters)?;
        let derived = params.derive(password, &salt).map_err(ExportError::KdfParameters)?;
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(&derived[..]);
        Ok(BackupKey { params, salt, key })
    }

    /// The key with its parameters, to keep sealed (`Vault::seal_blob`).
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(KEY_BYTES));
        out.push(KEY_LAYOUT);
        for n in [self.params.memory_kib, self.params.iterations, self.params.parallelism] {
            out.extend_from_slice(&n.to_le_bytes());
        }
        out.extend_from_slice(&self.salt);
        out.extend_from_slice(&self.key[..]);
        out
    }

    /// Reads [`BackupKey::to_bytes`]; anything else is [`ExportError::BackupKey`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ExportError> {
        if bytes.len() != KEY_BYTES || bytes[0] != KEY_LAYOUT {
            return Err(ExportError::BackupKey);
        }
        let n =
            |i: usize| u32::from_le_bytes(bytes[1 + 4 * i..5 + 4 * i].try_into().expect("4 bytes"));
        let params = KdfParams { memory_kib: n(0), iterations: n(1), parallelism: n(2) };
        params.check().map_err(|_| ExportError::BackupKey)?;
        let salt: [u8; 16] = bytes[13..29].try_into().expect("16 bytes");
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(&bytes[29..]);
        Ok(BackupKey { params, salt, key })
    }
}

/// Seals accounts into a backup file under an already derived key; `nonce` must be fresh.
pub fn seal_with_key(
    accounts: &[(&OtpParams, &str)],
    key: &BackupKey,
    nonce: [u8; 12],
) -> Result<Zeroizing<Vec<u8>>, ExportError> {
    seal_content(accounts, None, key, nonce)
}

fn seal_content(
    accounts: &[(&OtpParams, &str)],
    transfer: Option<TransferContent>,
    backup_key: &BackupKey,
    nonce: [u8; 12],
) -> Result<Zeroizing<Vec<u8>>, ExportError> {
    let (params, salt) = (backup_key.params, backup_key.salt);
    let content = Content {
        version: VERSION,
        accounts: accounts
            .iter()
            .map(|(p, note)| BackupAccount { uri: p.to_uri(), note: (*note).to_owned() })
            .collect(),
        transfer,
    };
    let plain = Zeroizing::new(serde_json::to_vec(&content).expect("content serialises"));
    let mut file = File {
        format: FORMAT_NAME.into(),
        version: VERSION,
        kdf: Kdf {
            name: KDF.into(),
            memory_kib: params.memory_kib,
            iterations: params.iterations,
            parallelism: params.parallelism,
            salt: b64().encode(salt),
        },
        cipher: Cipher { name: CIPHER.into(), nonce: b64().encode(nonce) },
        ciphertext: String::new(),
    };
    let (mut ct, tag) = kdf::aes_gcm_seal(&backup_key.key, &nonce, &plain, &aad(&file));
    ct.extend_from_slice(&tag);
    file.ciphertext = b64().encode(ct);
    let mut out = serde_json::to_vec_pretty(&file).expect("backup serialises");
    out.push(b'\n');
    Ok(Zeroizing::new(out))
}

/// True when `value` looks like a Nyckel backup (for format detection).
pub fn is_backup(value: &serde_json::Value) -> bool {
    value.get("format").and_then(serde_json::Value::as_str) == Some(FORMAT_NAME)
}

fn malformed(detail: impl Into<String>) -> ImportError {
    ImportError::Malformed { format: FORMAT, detail: detail.into() }
}

/// Opens a backup into its entries (for the importer). Argon2id parameters are bounded by
/// [`Argon2Limits::PHONE`] before the KDF runs.
pub fn open(text: &str, password: Option<&str>) -> Result<Vec<crate::import::Entry>, ImportError> {
    Ok(entries(&open_content(text, password)?))
}

/// Opens a transfer package: its accounts as import entries and the enrollments to move
/// (`None` for a plain backup).
pub(crate) fn open_transfer(
    text: &str,
    password: &str,
) -> Result<(Vec<crate::import::Entry>, Option<Vec<TransferEnrollment>>), ImportError> {
    let content = open_content(text, Some(password))?;
    let enrollments = content.transfer.as_ref().map(|t| t.enrollments.clone());
    Ok((entries(&content), enrollments))
}

fn entries(content: &Content) -> Vec<crate::import::Entry> {
    content
        .accounts
        .iter()
        .enumerate()
        .map(|(i, a)| crate::import::Entry::from_uri(i + 1, otpauth::parse(&a.uri), &a.note))
        .collect()
}

fn open_content(text: &str, password: Option<&str>) -> Result<Content, ImportError> {
    let file: File = serde_json::from_str(text)
        .map_err(|_| malformed("not a Nyckel backup (unexpected structure or truncated)"))?;
    if file.format != FORMAT_NAME {
        return Err(malformed("the format field is not nyckel-backup"));
    }
    if file.version != VERSION {
        return Err(ImportError::Unsupported {
            format: FORMAT,
            detail: format!(
                "backup version {} (this version reads {VERSION}); update Nyckel",
                file.version
            ),
        });
    }
    if file.kdf.name != KDF || file.cipher.name != CIPHER {
        return Err(ImportError::Unsupported {
            format: FORMAT,
            detail: "an unknown KDF or cipher".into(),
        });
    }
    let password = password.ok_or(ImportError::PasswordRequired(FORMAT))?;
    let salt = b64().decode(&file.kdf.salt).map_err(|_| malformed("the salt is not base64"))?;
    let nonce =
        b64().decode(&file.cipher.nonce).map_err(|_| malformed("the nonce is not base64"))?;
    let mut ct =
        b64().decode(&file.ciphertext).map_err(|_| malformed("the ciphertext is not base64"))?;
    if ct.len() < 16 {
        return Err(malformed("the ciphertext is shorter than its tag"));
    }
    let tag = ct.split_off(ct.len() - 16);
    let key = kdf::argon2id(
        password,
        &salt,
        file.kdf.memory_kib,
        file.kdf.iterations,
        file.kdf.parallelism,
        Argon2Limits::PHONE,
    )?;
    // GCM cannot tell a wrong password from an altered file; the header is bound too, so a
    // changed parameter also lands here.
    let plain = kdf::aes_gcm_open(&key, &nonce, &ct, &tag, &aad(&file)).map_err(|e| match e {
        kdf::OpenError::BadLength(why) => malformed(why),
        kdf::OpenError::Auth => ImportError::WrongPassword(FORMAT),
    })?;
    serde_json::from_slice(&plain).map_err(|_| malformed("the sealed content is unreadable"))
}
