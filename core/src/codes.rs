//! HOTP (RFC 4226), TOTP (RFC 6238) and Steam Guard codes.
//!
//! HMACs come from RustCrypto's `hmac`/`sha1`/`sha2`, which use the CPU's SHA instructions.

use hmac::{Hmac, Mac};

use crate::otpauth::{Algorithm, OtpKind, OtpParams, STEAM_DIGITS};

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
pub fn truncated_hmac(secret: &[u8], counter: u64, algorithm: Algorithm) -> u32 {
    let msg = counter.to_be_bytes();
    let digest = match algorithm {
        Algorithm::Sha1 => mac::<Hmac<sha1::Sha1>>(secret, &msg),
        Algorithm::Sha256 => mac::<Hmac<sha2::Sha256>>(secret, &msg),
        Algorithm::Sha512 => mac::<Hmac<sha2::Sha512>>(secret, &msg),
    };
    let offset = (digest[digest.len() - 1] & 0x0f) as usize;
    u32::from_be_bytes([digest[offset], digest[offset + 1], digest[offset + 2], digest[offset + 3]])
        & 0x7fff_ffff
}

fn mac<M: Mac + hmac::digest::KeyInit>(secret: &[u8], msg: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut m = <M as Mac>::new_from_slice(secret).expect("HMAC takes keys of any length");
    m.update(msg);
    m.finalize().into_bytes().to_vec()
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
    let value =
        u64::from(truncated_hmac(secret, counter, algorithm)) % 10u64.pow(u32::from(digits));
    Ok(format!("{value:0width$}", width = usize::from(digits)))
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
    let mut v = truncated_hmac(secret, time_step(unix_time, period)?, Algorithm::Sha1);
    let mut out = String::with_capacity(usize::from(STEAM_DIGITS));
    for _ in 0..STEAM_DIGITS {
        out.push(STEAM_ALPHABET[(v % 26) as usize] as char);
        v /= 26;
    }
    Ok(out)
}

impl OtpParams {
    /// The code at `unix_time`; for HOTP, the code at the stored counter (time is ignored).
    pub fn code_at(&self, unix_time: u64) -> Result<Code, CodeError> {
        let secret = self.secret.as_bytes();
        match self.kind {
            OtpKind::Hotp => Ok(Code {
                value: hotp(secret, self.counter, self.digits, self.algorithm)?,
                seconds_left: None,
                period: None,
            }),
            OtpKind::Totp => Ok(Code {
                value: totp(secret, unix_time, self.period, self.digits, self.algorithm)?,
                seconds_left: Some(seconds_left(unix_time, self.period)?),
                period: Some(self.period),
            }),
            OtpKind::Steam => Ok(Code {
                value: steam(secret, unix_time, self.period)?,
                seconds_left: Some(seconds_left(unix_time, self.period)?),
                period: Some(self.period),
            }),
        }
    }
}

#[cfg(test)]
mod tests;
