//! Records and free functions for otpauth URIs and codes (no vault needed).

use nyckel_core::otpauth::{self, OtpParams};

use crate::error::NyckelError;

/// The OTP scheme of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum OtpKind {
    /// RFC 6238 time-based codes.
    Totp,
    /// RFC 4226 counter-based codes (a new code on request).
    Hotp,
    /// Steam Guard: 5 characters, 30 s.
    Steam,
}

impl From<nyckel_core::OtpKind> for OtpKind {
    fn from(k: nyckel_core::OtpKind) -> Self {
        match k {
            nyckel_core::OtpKind::Totp => OtpKind::Totp,
            nyckel_core::OtpKind::Hotp => OtpKind::Hotp,
            nyckel_core::OtpKind::Steam => OtpKind::Steam,
        }
    }
}

/// The HMAC hash of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum HashAlgorithm {
    Sha1,
    Sha256,
    Sha512,
}

impl From<nyckel_core::Algorithm> for HashAlgorithm {
    fn from(a: nyckel_core::Algorithm) -> Self {
        match a {
            nyckel_core::Algorithm::Sha1 => HashAlgorithm::Sha1,
            nyckel_core::Algorithm::Sha256 => HashAlgorithm::Sha256,
            nyckel_core::Algorithm::Sha512 => HashAlgorithm::Sha512,
        }
    }
}

/// What an otpauth URI describes, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OtpInfo {
    pub kind: OtpKind,
    /// "Region Skåne"; may be empty.
    pub issuer: String,
    /// "anna@example.se"; may be empty.
    pub name: String,
    pub algorithm: HashAlgorithm,
    /// Number of digits (Steam: 5 characters).
    pub digits: u32,
    /// TOTP/Steam period in seconds (meaningless for HOTP).
    pub period: u32,
    /// HOTP: the counter of the next code (0 for TOTP/Steam).
    pub counter: u64,
}

impl From<&OtpParams> for OtpInfo {
    fn from(p: &OtpParams) -> Self {
        OtpInfo {
            kind: p.kind.into(),
            issuer: p.issuer.clone(),
            name: p.name.clone(),
            algorithm: p.algorithm.into(),
            digits: u32::from(p.digits),
            period: p.period,
            counter: p.counter,
        }
    }
}

/// A parsed URI: what it describes and anything the user should be told.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ParseResult {
    pub info: OtpInfo,
    /// One human-readable line per warning (issuer mismatch, short secret, …); show them.
    pub warnings: Vec<String>,
}

/// A code ready to show.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CodeInfo {
    /// The code with its leading zeros ("012345"), or 5 Steam characters. Show it as text.
    pub code: String,
    /// Seconds until the code changes (TOTP/Steam); `None` for HOTP.
    pub seconds_left: Option<u32>,
    /// The code's period in seconds (TOTP/Steam); `None` for HOTP.
    pub period: Option<u32>,
}

impl From<nyckel_core::Code> for CodeInfo {
    fn from(c: nyckel_core::Code) -> Self {
        CodeInfo { code: c.value, seconds_left: c.seconds_left, period: c.period }
    }
}

/// Seconds since the Unix epoch by the core's system clock, as the codes need them.
pub(crate) fn now_unix() -> Result<u64, NyckelError> {
    nyckel_core::clock::system_unix_time()
        .and_then(|t| u64::try_from(t).ok())
        .ok_or_else(|| NyckelError::Internal { reason: "the system clock is before 1970".into() })
}

pub(crate) fn check_time(unix_time: i64) -> Result<u64, NyckelError> {
    u64::try_from(unix_time).map_err(|_| NyckelError::InvalidInput {
        reason: format!("time {unix_time} is before 1970"),
    })
}

/// Parses an `otpauth://` URI (e.g. from a QR code) without storing anything.
///
/// Use it to show the user what will be added (and the warnings) before `add_uri`.
#[uniffi::export]
pub fn parse_uri(uri: String) -> Result<ParseResult, NyckelError> {
    let parsed = otpauth::parse(&uri)?;
    Ok(ParseResult {
        info: OtpInfo::from(&parsed.params),
        warnings: parsed.warnings.iter().map(ToString::to_string).collect(),
    })
}

/// The code an otpauth URI gives at `unix_time` (seconds); for HOTP, the code at the
/// URI's counter. Computes without a vault (previews, test vectors).
#[uniffi::export]
pub fn code_for_uri(uri: String, unix_time: i64) -> Result<CodeInfo, NyckelError> {
    let parsed = otpauth::parse(&uri)?;
    Ok(parsed.params.code_at(check_time(unix_time)?)?.into())
}

/// The current Unix time in seconds, as Nyckel sees it (for tests and UI timers).
#[uniffi::export]
pub fn unix_time_now() -> Result<i64, NyckelError> {
    Ok(now_unix()? as i64)
}

/// The version of the Nyckel library ("0.1.0").
#[uniffi::export]
pub fn nyckel_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
