//! The `otpauth://` Key URI format: parsing real-world QR payloads, and the canonical URI.
//!
//! Semantics are documented in `docs/otpauth.md`.

mod base32;
mod error;
mod manual;
mod parse;
mod uri;

#[cfg(test)]
mod tests;

pub use base32::decode_secret;
pub use error::ParseError;
pub use manual::{parse_manual, ManualEntry};
pub use parse::{parse, MAX_URI_LEN};

use crate::secret::Secret;

/// Which one-time-password scheme an account uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OtpKind {
    /// RFC 6238 time-based codes.
    Totp,
    /// RFC 4226 counter-based codes.
    Hotp,
    /// Steam Guard: TOTP rendered as 5 characters from Steam's alphabet.
    Steam,
}

impl OtpKind {
    /// Lower-case name as used in URIs and JSON (`totp`, `hotp`, `steam`).
    pub fn as_str(self) -> &'static str {
        match self {
            OtpKind::Totp => "totp",
            OtpKind::Hotp => "hotp",
            OtpKind::Steam => "steam",
        }
    }
}

/// HMAC hash function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Algorithm {
    /// HMAC-SHA1 (the default).
    #[serde(rename = "SHA1")]
    Sha1,
    /// HMAC-SHA256.
    #[serde(rename = "SHA256")]
    Sha256,
    /// HMAC-SHA512.
    #[serde(rename = "SHA512")]
    Sha512,
}

impl Algorithm {
    /// Upper-case name as used in URIs and JSON (`SHA1`, `SHA256`, `SHA512`).
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
            Algorithm::Sha512 => "SHA512",
        }
    }
}

/// Everything needed to compute an account's codes and to show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OtpParams {
    /// The scheme.
    pub kind: OtpKind,
    /// The shared secret (raw bytes, decoded from base32).
    pub secret: Secret,
    /// Who issued the account ("Region Skåne"); may be empty.
    pub issuer: String,
    /// The account name ("anna@example.se"); may be empty.
    pub name: String,
    /// HMAC hash.
    pub algorithm: Algorithm,
    /// Number of digits, 1–10 (Steam: 5 characters).
    pub digits: u8,
    /// TOTP/Steam period in seconds, 1–86400 (unused for HOTP).
    pub period: u32,
    /// HOTP counter: the counter of the next code (unused for TOTP/Steam).
    pub counter: u64,
    /// Parameters this version does not interpret (`image`, `codeDisplay`, …), kept in order.
    pub extra: Vec<(String, String)>,
}

impl OtpParams {
    /// A TOTP account with the usual defaults (SHA1, 6 digits, 30 s).
    pub fn totp(secret: Secret, issuer: &str, name: &str) -> Self {
        OtpParams {
            kind: OtpKind::Totp,
            secret,
            issuer: issuer.to_owned(),
            name: name.to_owned(),
            algorithm: Algorithm::Sha1,
            digits: DEFAULT_DIGITS,
            period: DEFAULT_PERIOD,
            counter: 0,
            extra: Vec::new(),
        }
    }
}

/// Default number of digits.
pub const DEFAULT_DIGITS: u8 = 6;
/// Default TOTP period in seconds.
pub const DEFAULT_PERIOD: u32 = 30;
/// Number of characters in a Steam Guard code.
pub const STEAM_DIGITS: u8 = 5;

/// Something accepted but worth telling the user about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Warning {
    /// The `issuer` parameter and the label prefix differ; the parameter won and the
    /// whole label became the name.
    IssuerMismatch {
        /// The `issuer=` parameter.
        parameter: String,
        /// The prefix found in the label.
        label_prefix: String,
    },
    /// A HOTP URI without `counter`; 0 was assumed.
    MissingCounter,
    /// The secret is shorter than the 128 bits RFC 4226 requires.
    ShortSecret {
        /// Secret length in bits.
        bits: usize,
    },
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Warning::IssuerMismatch { parameter, label_prefix } => write!(
                f,
                "issuer parameter \"{parameter}\" differs from label prefix \"{label_prefix}\"; kept the parameter as issuer and the whole label as name"
            ),
            Warning::MissingCounter => write!(f, "hotp URI has no counter; assumed 0"),
            Warning::ShortSecret { bits } => {
                write!(f, "secret is only {bits} bits; at least 128 are recommended")
            }
        }
    }
}

/// The result of parsing a URI: the account and any warnings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedUri {
    /// The account parameters.
    pub params: OtpParams,
    /// Things accepted but worth showing.
    pub warnings: Vec<Warning>,
}
