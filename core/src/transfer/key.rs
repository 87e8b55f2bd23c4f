//! The one-time key of a transfer package: 100 random bits the new phone scans as a QR code
//! and a 6-digit code the user types (as Okta's transfer does), together the package's
//! password. The whole key can also be typed: `ABCDE-FGHIJ-KLMNO-PQRST-123456`.

use zeroize::Zeroizing;

use super::TransferError;
use crate::random::Random;

/// RFC 4648 base32: no 0, 1, 8 or 9, so a typed `0`/`1`/`8` can only mean `O`/`I`/`B`.
const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/// Base32 characters of the scanned part (100 bits).
const SCANNED_LEN: usize = 20;
/// Digits of the typed code.
const CODE_LEN: usize = 6;
/// The QR payload's prefix.
const QR_PREFIX: &str = "nyckel-transfer://v1?key=";

/// A transfer package's one-time key. Never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct TransferKey {
    scanned: Zeroizing<String>,
    code: Zeroizing<String>,
}

impl std::fmt::Debug for TransferKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TransferKey(<redacted>)")
    }
}

impl TransferKey {
    /// A fresh key from `random`.
    pub fn generate(random: &dyn Random) -> Result<TransferKey, TransferError> {
        let bytes: Zeroizing<[u8; 13]> =
            Zeroizing::new(crate::random::array(random).map_err(|_| TransferError::Random)?);
        let mut scanned = Zeroizing::new(String::with_capacity(SCANNED_LEN));
        let (mut buf, mut bits) = (0u16, 0u32);
        for &b in bytes.iter() {
            buf = (buf << 8) | u16::from(b);
            bits += 8;
            while bits >= 5 && scanned.len() < SCANNED_LEN {
                scanned.push(ALPHABET[usize::from((buf >> (bits - 5)) & 31)] as char);
                bits -= 5;
            }
            buf &= (1 << bits) - 1;
        }
        // Six uniform digits: reject the top of the u32 range that would bias the modulus.
        let code = loop {
            let n = u32::from_le_bytes(
                crate::random::array(random).map_err(|_| TransferError::Random)?,
            );
            if n < u32::MAX - u32::MAX % 1_000_000 {
                break n % 1_000_000;
            }
        };
        Ok(TransferKey { scanned, code: Zeroizing::new(format!("{code:06}")) })
    }

    /// Reads the whole key as typed: the 20 base32 characters, then the 6 digits, in any
    /// case, with any spaces or dashes (`0`, `1` and `8` in the base32 part are read as
    /// `O`, `I` and `B`).
    pub fn parse(typed: &str) -> Result<TransferKey, TransferError> {
        let chars: Zeroizing<String> =
            Zeroizing::new(typed.chars().filter(|c| !matches!(c, ' ' | '-' | '\t')).collect());
        if chars.chars().count() != SCANNED_LEN + CODE_LEN {
            return Err(TransferError::InvalidKey);
        }
        let (scanned, code) = chars.split_at(SCANNED_LEN);
        TransferKey::from_parts(scanned, code)
    }

    /// The key from a scanned QR payload ([`TransferKey::qr_payload`]) and the typed
    /// 6-digit code.
    pub fn from_scan(qr_payload: &str, code: &str) -> Result<TransferKey, TransferError> {
        let scanned = qr_payload.trim().strip_prefix(QR_PREFIX).ok_or(TransferError::InvalidKey)?;
        let code: Zeroizing<String> =
            Zeroizing::new(code.chars().filter(|c| !matches!(c, ' ' | '-')).collect());
        TransferKey::from_parts(scanned, &code)
    }

    /// Whether scanned text is a transfer key's QR code (the scanner routes it to the
    /// transfer import; the code is typed next). Checks the whole scanned part, not only
    /// the prefix.
    pub fn is_qr_payload(text: &str) -> bool {
        TransferKey::from_scan(text, "000000").is_ok()
    }

    fn from_parts(scanned: &str, code: &str) -> Result<TransferKey, TransferError> {
        let scanned: Zeroizing<String> = Zeroizing::new(
            scanned
                .chars()
                .map(|c| match c.to_ascii_uppercase() {
                    '0' => 'O',
                    '1' => 'I',
                    '8' => 'B',
                    c => c,
                })
                .collect(),
        );
        let base32 = |c: u8| ALPHABET.contains(&c);
        if scanned.len() != SCANNED_LEN || !scanned.bytes().all(base32) {
            return Err(TransferError::InvalidKey);
        }
        if code.len() != CODE_LEN || !code.bytes().all(|c| c.is_ascii_digit()) {
            return Err(TransferError::InvalidKey);
        }
        Ok(TransferKey { scanned, code: Zeroizing::new(code.to_owned()) })
    }

    /// The whole key to type: `ABCDE-FGHIJ-KLMNO-PQRST-123456`.
    pub fn text(&self) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::with_capacity(SCANNED_LEN + CODE_LEN + 4));
        for (i, c) in self.scanned.chars().enumerate() {
            if i > 0 && i % 5 == 0 {
                out.push('-');
            }
            out.push(c);
        }
        out.push('-');
        out.push_str(&self.code);
        out
    }

    /// What the QR code holds (the scanned part only; the code is typed).
    pub fn qr_payload(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("{QR_PREFIX}{}", self.scanned.as_str()))
    }

    /// The 6-digit code the user types on the new phone after scanning.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The package's password (the backup format's): both parts, no separators.
    pub(crate) fn password(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("{}{}", self.scanned.as_str(), self.code.as_str()))
    }
}
