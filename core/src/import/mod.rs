//! Import from other authenticators: read a file (or Google's transfer QR codes) into
//! candidate accounts with a per-entry result, then add them to the vault in one
//! transaction. Formats and their quirks are documented in `docs/import.md`.
//!
//! Reading ([`read`], [`read_google_transfer`]) is pure: bytes in, [`Parsed`] out. Applying
//! ([`apply`]) is the only step that touches the vault.

mod aegis;
mod andotp;
mod apply;
mod bitwarden;
mod candidate;
mod detect;
mod error;
mod freeotp;
pub(crate) mod google;
pub(crate) mod kdf;
mod phone_db;
mod proton;
mod steam;
mod twofas;
mod uri_list;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod twofas_tests;

pub use apply::{apply, EntryOutcome, ImportOptions, ImportReport, Outcome};
pub use candidate::{Candidate, Entry};
pub use detect::detect;
pub use error::ImportError;
pub use google::{
    google_transfer_progress, parse_google_transfer_payload, read_google_transfer, TransferBatch,
    TransferProgress,
};
pub use kdf::{Argon2Limits, PBKDF2_MAX_ITERATIONS, SCRYPT_MAX_LOG_N, SCRYPT_MAX_MEMORY};

/// "Issuer (name)", "Issuer" or "name" (empty when both are).
pub(crate) fn label_of(issuer: &str, name: &str) -> String {
    candidate::label(0, issuer, name).replace("entry 0", "")
}

/// Largest file accepted for an import, in bytes (an Aegis vault with icons stays far below).
pub const MAX_IMPORT_BYTES: usize = 32 * 1024 * 1024;

/// The file formats Nyckel imports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Nyckel's own backup (`docs/backup-format.md`), always encrypted.
    NyckelBackup,
    /// Aegis vault JSON, plain or encrypted.
    Aegis,
    /// 2FAS backup (schemas 1–4), plain or encrypted.
    TwoFas,
    /// Google Authenticator transfer (`otpauth-migration://offline?data=…`), one or more
    /// batches, one URI a line.
    GoogleTransfer,
    /// Bitwarden JSON export (login items with a TOTP field).
    BitwardenJson,
    /// Bitwarden CSV export.
    BitwardenCsv,
    /// Proton Authenticator JSON export (plain).
    Proton,
    /// Ente Auth plain-text export (otpauth URIs with `codeDisplay`).
    Ente,
    /// FreeOTP+ JSON export.
    FreeOtpPlus,
    /// andOTP plain JSON backup.
    AndOtp,
    /// Steam Guard mobile-authenticator file (Steam Desktop Authenticator `.maFile`, or a
    /// file of several under `accounts`).
    Steam,
    /// A plain list of `otpauth://` URIs, one a line.
    UriList,
    /// Google Authenticator's internal SQLite database (`databases`, rooted phone).
    GoogleAuthenticatorDb,
    /// Microsoft Authenticator's internal SQLite database (`PhoneFactor`, rooted phone).
    MicrosoftAuthenticatorDb,
}

impl Format {
    /// Every format, in the order `--format` lists them.
    pub const ALL: [Format; 14] = [
        Format::NyckelBackup,
        Format::Aegis,
        Format::TwoFas,
        Format::GoogleTransfer,
        Format::BitwardenJson,
        Format::BitwardenCsv,
        Format::Proton,
        Format::Ente,
        Format::FreeOtpPlus,
        Format::AndOtp,
        Format::Steam,
        Format::UriList,
        Format::GoogleAuthenticatorDb,
        Format::MicrosoftAuthenticatorDb,
    ];

    /// The name used by `--format` and in JSON output.
    pub fn name(self) -> &'static str {
        match self {
            Format::NyckelBackup => "nyckel",
            Format::Aegis => "aegis",
            Format::TwoFas => "2fas",
            Format::GoogleTransfer => "google-transfer",
            Format::BitwardenJson => "bitwarden-json",
            Format::BitwardenCsv => "bitwarden-csv",
            Format::Proton => "proton",
            Format::Ente => "ente",
            Format::FreeOtpPlus => "freeotp-plus",
            Format::AndOtp => "andotp",
            Format::Steam => "steam",
            Format::UriList => "otpauth",
            Format::GoogleAuthenticatorDb => "google-authenticator-db",
            Format::MicrosoftAuthenticatorDb => "microsoft-authenticator-db",
        }
    }

    /// The format called `name` (as [`Format::name`] spells it, any case).
    pub fn from_name(name: &str) -> Result<Format, ImportError> {
        Format::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| ImportError::UnknownFormatName(name.chars().take(32).collect()))
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A file read into entries, each a candidate account or the reason it cannot be one.
#[derive(Clone, Debug)]
pub struct Parsed {
    /// The format read.
    pub format: Format,
    /// Every entry of the file, in file order (2FAS: in its list order).
    pub entries: Vec<Entry>,
    /// Things in the file that are not accounts and were passed over on purpose (Bitwarden
    /// logins without a TOTP field, …), said so the summary can show them.
    pub notes: Vec<String>,
}

/// Reads an export file. `format` overrides detection; `password` opens encrypted files
/// (Nyckel backup, Aegis, 2FAS). Never panics: whatever the bytes, the answer is a [`Parsed`] or a typed
/// [`ImportError`].
pub fn read(
    data: &[u8],
    format: Option<Format>,
    password: Option<&str>,
) -> Result<Parsed, ImportError> {
    if data.len() > MAX_IMPORT_BYTES {
        return Err(ImportError::TooLarge { len: data.len(), max: MAX_IMPORT_BYTES });
    }
    let format = match format {
        Some(f) => f,
        None => detect(data)?,
    };
    let mut notes = Vec::new();
    let entries = match format {
        Format::NyckelBackup => crate::export::backup::open(text(data, format)?, password)?,
        Format::Aegis => aegis::read(text(data, format)?, password)?,
        Format::TwoFas => twofas::read(text(data, format)?, password)?,
        Format::GoogleTransfer => {
            let lines: Vec<&str> = content_lines(text(data, format)?).collect();
            return read_google_transfer(&lines);
        }
        Format::BitwardenJson => bitwarden::read_json(text(data, format)?, &mut notes)?,
        Format::BitwardenCsv => bitwarden::read_csv(text(data, format)?, &mut notes)?,
        Format::Proton => proton::read(text(data, format)?)?,
        Format::Ente => uri_list::read(text(data, format)?, format)?,
        Format::FreeOtpPlus => freeotp::read(text(data, format)?)?,
        Format::AndOtp => andotp::read(text(data, format)?)?,
        Format::Steam => steam::read(text(data, format)?)?,
        Format::UriList => uri_list::read(text(data, format)?, format)?,
        Format::GoogleAuthenticatorDb => phone_db::read_google(data)?,
        Format::MicrosoftAuthenticatorDb => phone_db::read_microsoft(data)?,
    };
    Ok(Parsed { format, entries, notes })
}

/// What an import file is, found without a password (so without running a KDF).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileInfo {
    /// The format (detected, or the one named).
    pub format: Format,
    /// True when the file needs a password to be read.
    pub encrypted: bool,
}

/// Recognises a file and tells whether it needs a password, so an app can ask for one only
/// when it is needed. Errors are those of [`read`] without a password (an unknown format, a
/// malformed file, …); no key derivation runs.
pub fn inspect(data: &[u8], format: Option<Format>) -> Result<FileInfo, ImportError> {
    let format = match format {
        Some(f) => f,
        None => detect(data)?,
    };
    match read(data, Some(format), None) {
        Ok(_) => Ok(FileInfo { format, encrypted: false }),
        Err(ImportError::PasswordRequired(_)) => Ok(FileInfo { format, encrypted: true }),
        Err(e) => Err(e),
    }
}

/// The file as UTF-8 text without a byte-order mark.
fn text(data: &[u8], format: Format) -> Result<&str, ImportError> {
    let s = std::str::from_utf8(data)
        .map_err(|_| ImportError::malformed(format.name(), "the file is not UTF-8 text"))?;
    Ok(s.strip_prefix('\u{feff}').unwrap_or(s))
}

/// The lines of a line-based text format that hold entries: trimmed, without blank lines and
/// `#` comments (a URI never starts with `#`).
fn content_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Describes a JSON error by kind and place only: serde's own messages can quote values,
/// and a value here may be a secret.
fn json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let at = format!("line {}, column {}", e.line(), e.column());
    match e.classify() {
        Category::Eof => "the file ends too early (truncated)".to_owned(),
        Category::Syntax => format!("not valid JSON ({at})"),
        Category::Data => format!("unexpected structure ({at})"),
        Category::Io => "could not be read".to_owned(),
    }
}
