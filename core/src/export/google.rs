//! Google Authenticator transfer URIs (one per QR code), batched so each code stays small
//! enough to scan.

use super::GoogleLimit;
use crate::import::google::{encode_uri, MigrationPayload, OtpParameters};
use crate::otpauth::{Algorithm, OtpKind, OtpParams};

/// Most accounts in one QR code (Google's own exports put about ten in each).
pub const ACCOUNTS_PER_CODE: usize = 8;

/// Why Google's format cannot carry an account (`None`: it can).
pub fn unsupported(p: &OtpParams) -> Option<GoogleLimit> {
    if p.kind == OtpKind::Steam {
        Some(GoogleLimit::Steam)
    } else if p.kind == OtpKind::Totp && p.period != 30 {
        Some(GoogleLimit::Period)
    } else if p.counter > i64::MAX as u64 {
        Some(GoogleLimit::Counter)
    } else if !matches!(p.digits, 6 | 8) {
        Some(GoogleLimit::Digits)
    } else {
        None
    }
}

/// The transfer URIs of `accounts` (each must pass [`unsupported`]), `batch_id` naming the
/// export.
pub fn uris(accounts: &[&OtpParams], batch_id: i32) -> Vec<String> {
    let chunks: Vec<&[&OtpParams]> = accounts.chunks(ACCOUNTS_PER_CODE).collect();
    let size = chunks.len().max(1) as i32;
    let chunks = if chunks.is_empty() { vec![&accounts[..0]] } else { chunks };
    chunks
        .iter()
        .enumerate()
        .map(|(index, chunk)| {
            let payload = MigrationPayload {
                otp_parameters: chunk.iter().map(|p| parameters(p)).collect(),
                version: 1,
                batch_size: size,
                batch_index: index as i32,
                batch_id,
            };
            encode_uri(&payload)
        })
        .collect()
}

fn parameters(p: &OtpParams) -> OtpParameters {
    OtpParameters {
        secret: p.secret.as_bytes().to_vec(),
        name: p.name.clone(),
        issuer: p.issuer.clone(),
        algorithm: match p.algorithm {
            Algorithm::Sha1 => 1,
            Algorithm::Sha256 => 2,
            Algorithm::Sha512 => 3,
        },
        digits: if p.digits == 8 { 2 } else { 1 },
        kind: if p.kind == OtpKind::Hotp { 1 } else { 2 },
        counter: p.counter.min(i64::MAX as u64) as i64,
    }
}
