//! A recovery code (`docs/recovery.md`, "First-run recovery"): a random secret the user writes
//! down at first run, used as the vault's recovery passphrase and as the password of its
//! automatic backups. 120 random bits in 6 groups of 5 characters; the fifth character of
//! each group checks the group, so a mistyped code is refused naming the group before any
//! Argon2id runs, instead of failing later as "wrong password".
//!
//! `K7PQA-MX3DE-…`: RFC 4648 base32 (no 0, 1, 8 or 9; a typed `0`/`1`/`8` is read as
//! `O`/`I`/`B`), in any case, with any spaces or dashes.

use zeroize::Zeroizing;

use crate::error::{Classify, ErrorKind};
use crate::random::Random;

#[cfg(test)]
mod tests;

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/// Groups in a code.
pub const GROUPS: usize = 6;
/// Random characters per group (the fifth is its check character).
const DATA: usize = 4;
const GROUP_LEN: usize = DATA + 1;
/// Characters of a whole code, separators left out.
pub const LEN: usize = GROUPS * GROUP_LEN;
/// Odd weights: a single changed character always changes the check (an odd weight is
/// invertible mod 32); distinct weights catch most swaps of neighbours.
const WEIGHTS: [u32; DATA] = [1, 3, 5, 7];

/// A recovery code. Never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct RecoveryCode {
    /// The 30 characters, no separators.
    chars: Zeroizing<String>,
}

impl std::fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryCode(<redacted>)")
    }
}

/// Why typed text is not a recovery code. Never contains the text.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RecoveryCodeError {
    /// Not 30 characters once spaces and dashes are left out.
    #[error("a recovery code has 30 letters and digits in 6 groups of 5; this has {found}")]
    Length { found: usize },
    /// A character that never appears in a recovery code.
    #[error("a recovery code has only the letters A-Z and the digits 2-7")]
    Character,
    /// The group's check character does not match: a character of it was mistyped.
    #[error(
        "group {group} of the recovery code looks mistyped; check it against what you wrote down"
    )]
    Mistyped {
        /// 1 to 6, from the left.
        group: u8,
    },
    /// The random source failed.
    #[error("the system random source failed")]
    Random,
}

impl Classify for RecoveryCodeError {
    fn kind(&self) -> ErrorKind {
        match self {
            RecoveryCodeError::Length { .. }
            | RecoveryCodeError::Character
            | RecoveryCodeError::Mistyped { .. } => ErrorKind::InvalidInput,
            RecoveryCodeError::Random => ErrorKind::Internal,
        }
    }
    fn by_user(&self) -> bool {
        match self {
            RecoveryCodeError::Length { .. }
            | RecoveryCodeError::Character
            | RecoveryCodeError::Mistyped { .. } => true,
            RecoveryCodeError::Random => false,
        }
    }
}

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// The check character of group `group` (0-based) with data values `data`. The group's
/// number is part of it, so two swapped groups do not pass.
fn check(group: usize, data: &[u32]) -> u8 {
    let sum = data.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum::<u32>() + 11 * group as u32 + 1;
    ALPHABET[(sum % 32) as usize]
}

impl RecoveryCode {
    /// A fresh code from `random` (15 bytes: 120 bits).
    pub fn generate(random: &dyn Random) -> Result<RecoveryCode, RecoveryCodeError> {
        let bytes: Zeroizing<[u8; 15]> =
            Zeroizing::new(crate::random::array(random).map_err(|_| RecoveryCodeError::Random)?);
        let mut values = Zeroizing::new(Vec::with_capacity(GROUPS * DATA));
        let (mut buf, mut bits) = (0u32, 0u32);
        for &b in bytes.iter() {
            buf = (buf << 8) | u32::from(b);
            bits += 8;
            while bits >= 5 {
                values.push((buf >> (bits - 5)) & 31);
                bits -= 5;
            }
            buf &= (1 << bits) - 1;
        }
        let mut chars = Zeroizing::new(String::with_capacity(LEN));
        for (g, data) in values.chunks(DATA).enumerate() {
            chars.extend(data.iter().map(|&v| ALPHABET[v as usize] as char));
            chars.push(check(g, data) as char);
        }
        Ok(RecoveryCode { chars })
    }

    /// Reads a typed code: any case, spaces and dashes anywhere, `0`/`1`/`8` as `O`/`I`/`B`.
    /// The first group whose check fails is named.
    pub fn parse(typed: &str) -> Result<RecoveryCode, RecoveryCodeError> {
        let chars: Zeroizing<String> = Zeroizing::new(
            typed
                .chars()
                .filter(|c| !matches!(c, ' ' | '-' | '\t' | '\n'))
                .map(|c| match c.to_ascii_uppercase() {
                    '0' => 'O',
                    '1' => 'I',
                    '8' => 'B',
                    c => c,
                })
                .collect(),
        );
        let found = chars.chars().count();
        if found != LEN {
            return Err(RecoveryCodeError::Length { found });
        }
        let values: Zeroizing<Vec<u32>> = Zeroizing::new(
            chars.bytes().map(value).collect::<Option<_>>().ok_or(RecoveryCodeError::Character)?,
        );
        for (g, group) in values.chunks(GROUP_LEN).enumerate() {
            if ALPHABET[group[DATA] as usize] != check(g, &group[..DATA]) {
                return Err(RecoveryCodeError::Mistyped { group: g as u8 + 1 });
            }
        }
        Ok(RecoveryCode { chars })
    }

    /// The code as written down and as used for the passphrase and backups:
    /// `K7PQA-MX3DE-…` (upper case, dashes between the groups).
    pub fn text(&self) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::with_capacity(LEN + GROUPS - 1));
        for (i, c) in self.chars.chars().enumerate() {
            if i > 0 && i % GROUP_LEN == 0 {
                out.push('-');
            }
            out.push(c);
        }
        out
    }
}
