//! A small, strict-but-forgiving RFC 4648 base32 decoder for OTP secrets.
//!
//! Forgiving about what people and QR generators do to secrets (lower case, spaces, dashes,
//! any amount of trailing `=` padding, non-zero trailing bits); strict about everything that
//! would change or hide the bytes (other characters, `=` in the middle, impossible lengths,
//! oversized secrets). No error ever contains the secret.

use zeroize::{Zeroize, Zeroizing};

use super::ParseError;

/// Largest decoded secret accepted, in bytes.
pub const MAX_SECRET_BYTES: usize = 1024;

/// Decodes a (percent-decoded) secret parameter into raw bytes.
///
/// Spaces, tabs and `-` are removed, letters upper-cased and trailing `=` stripped; what is
/// left must be RFC 4648 base32 whose length mod 8 is 0, 2, 4, 5 or 7. Bits left over after
/// the last whole byte are ignored even when they are not zero (see `docs/otpauth.md`).
pub fn decode_secret(raw: &[u8]) -> Result<Vec<u8>, ParseError> {
    let mut end = raw.len();
    while end > 0 && matches!(raw[end - 1], b'=' | b' ' | b'\t' | b'-') {
        end -= 1;
    }
    let raw = &raw[..end];
    // One pass: each byte is looked up once; eight symbols fill 40 bits of a register and
    // go out as five bytes. The output is wiped if anything below refuses the secret, the
    // register before returning.
    let mut out = Zeroizing::new(Vec::with_capacity(raw.len() * 5 / 8));
    let mut acc: u64 = 0;
    let mut pending = 0usize;
    let mut symbols = 0usize;
    for &c in raw {
        let v = SYMBOLS[usize::from(c)];
        if v >= SEPARATOR {
            if v == SEPARATOR {
                continue;
            }
            acc.zeroize();
            return Err(if c == b'=' {
                ParseError::InvalidSecret("'=' padding before the end")
            } else {
                ParseError::InvalidSecret("character outside the base32 alphabet (A–Z, 2–7)")
            });
        }
        acc = acc << 5 | u64::from(v);
        pending += 1;
        if pending == 8 {
            out.extend_from_slice(&acc.to_be_bytes()[3..]);
            acc = 0;
            pending = 0;
            symbols += 8;
        }
    }
    symbols += pending;
    // The last partial group: its whole bytes, left-aligned in the 40 bits of a group.
    let whole = pending * 5 / 8;
    if whole > 0 {
        let aligned = acc << (40 - pending * 5);
        out.extend_from_slice(&aligned.to_be_bytes()[3..3 + whole]);
    }
    acc.zeroize();
    if symbols == 0 {
        return Err(ParseError::EmptySecret);
    }
    if !matches!(symbols % 8, 0 | 2 | 4 | 5 | 7) {
        return Err(ParseError::InvalidSecret("impossible length for base32"));
    }
    if symbols * 5 / 8 > MAX_SECRET_BYTES {
        return Err(ParseError::InvalidSecret("longer than 1024 bytes"));
    }
    Ok(std::mem::take(&mut *out))
}

/// In [`SYMBOLS`]: a separator people type inside secrets (space, tab, `-`), skipped.
const SEPARATOR: u8 = 0xFE;
/// In [`SYMBOLS`]: a byte outside the alphabet.
const INVALID: u8 = 0xFF;

/// The 5-bit value of each byte as a base32 character (either case), or [`SEPARATOR`] or
/// [`INVALID`].
const SYMBOLS: [u8; 256] = {
    let mut t = [INVALID; 256];
    let mut i = 0;
    while i < 26 {
        t[b'A' as usize + i] = i as u8;
        t[b'a' as usize + i] = i as u8;
        i += 1;
    }
    let mut d = 0;
    while d < 6 {
        t[b'2' as usize + d] = 26 + d as u8;
        d += 1;
    }
    t[b' ' as usize] = SEPARATOR;
    t[b'\t' as usize] = SEPARATOR;
    t[b'-' as usize] = SEPARATOR;
    t
};
