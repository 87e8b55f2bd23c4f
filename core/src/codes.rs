//! HOTP (RFC 4226), TOTP (RFC 6238) and Steam Guard codes.
//!
//! HMACs are computed from RustCrypto's `sha1`/`sha2` compression functions (which use the
//! CPU's SHA instructions) with the key's HMAC states prepared once: see [`PreparedSecret`],
//! the form the vault keeps while unlocked.

mod prepared;

pub use prepared::{CodeText, PreparedParams, PreparedSecret};

use crate::otpauth::{Algorithm, OtpParams};

/// Steam Guard's code alphabet.
const STEAM_ALPHABET: &[u8; 26] = b"23456789BCDFGHJKMNPQRTVWXY";

/// A code ready to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Code {
    /// The code, leading zeros kept ("012345"), or 5 Steam characters.
    pub value: String,
    /// Seconds until the code changes (TOTP/Steam); `None` for HOTP.
    pub seconds_left: Option<u32>,
    /// The period the code belongs to (TOTP/Steam); `None` for HOTP.
    pub period: Option<u32>,
}

/// Parameters no code can be computed from.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// Digits outside 1–10.
    #[error("digits must be 1–10, not {0}")]
    Digits(u8),
    /// A period of 0 seconds.
    #[error("period must be at least 1 second")]
    ZeroPeriod,
}

/// The raw RFC 4226 dynamic-truncation value (31 bits) for `counter`.
///
/// Prepares the key for this one call; to compute many codes from one secret, keep a
/// [`PreparedSecret`].
pub fn truncated_hmac(secret: &[u8], counter: u64, algorithm: Algorithm) -> u32 {
    PreparedSecret::new(secret, algorithm).truncated(counter)
}

/// An RFC 4226 HOTP code with `digits` decimal digits (1–10), zero-padded.
pub fn hotp(
    secret: &[u8],
    counter: u64,
    digits: u8,
    algorithm: Algorithm,
) -> Result<String, CodeError> {
    if !(1..=10).contains(&digits) {
        return Err(CodeError::Digits(digits));
    }
    Ok(PreparedSecret::new(secret, algorithm).hotp(counter, digits)?.as_str().to_owned())
}

/// The RFC 6238 time step for `unix_time` (64-bit, so past 2038 is fine).
pub fn time_step(unix_time: u64, period: u32) -> Result<u64, CodeError> {
    if period == 0 {
        return Err(CodeError::ZeroPeriod);
    }
    Ok(unix_time / u64::from(period))
}

/// Seconds until the code for `unix_time` changes.
pub fn seconds_left(unix_time: u64, period: u32) -> Result<u32, CodeError> {
    if period == 0 {
        return Err(CodeError::ZeroPeriod);
    }
    Ok(period - (unix_time % u64::from(period)) as u32)
}

/// An RFC 6238 TOTP code.
pub fn totp(
    secret: &[u8],
    unix_time: u64,
    period: u32,
    digits: u8,
    algorithm: Algorithm,
) -> Result<String, CodeError> {
    hotp(secret, time_step(unix_time, period)?, digits, algorithm)
}

/// A Steam Guard code: 5 characters from Steam's alphabet (SHA1, 30 s).
pub fn steam(secret: &[u8], unix_time: u64, period: u32) -> Result<String, CodeError> {
    let step = time_step(unix_time, period)?;
    Ok(PreparedSecret::new(secret, Algorithm::Sha1).steam(step).as_str().to_owned())
}

impl OtpParams {
    /// The code at `unix_time`; for HOTP, the code at the stored counter (time is ignored).
    ///
    /// Prepares the key for this one code; [`OtpParams::prepare`] keeps it for many.
    pub fn code_at(&self, unix_time: u64) -> Result<Code, CodeError> {
        self.prepare().code_at(unix_time)
    }

    /// The parameters with the HMAC key prepared, for computing many codes (zeroized on drop).
    pub fn prepare(&self) -> PreparedParams {
        PreparedParams::new(self)
    }
}

#[cfg(test)]
mod tests;
