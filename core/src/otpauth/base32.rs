//! A small, strict-but-forgiving RFC 4648 base32 decoder for OTP secrets.
//!
//! Forgiving about what people and QR generators do to secrets (lower case, spaces, dashes,
//! any amount of trailing `=` padding, non-zero trailing bits); strict about everything that
//! would change or hide the bytes (other characters, `=` in the middle, impossible lengths,
//! oversized secrets). No error ever contains the secret.

use zeroize::Zeroizing;

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
    // One pass: separators skipped, characters checked and packed as they come. The
    // output is wiped if anything below refuses the secret.
    let mut packer = Packer::with_capacity(raw.len() * 5 / 8);
    for &c in raw {
        match c {
            b' ' | b'\t' | b'-' => {}
            b'=' => return Err(ParseError::InvalidSecret("'=' padding before the end")),
            _ => packer.push(symbol_value(c)?),
        }
    }
    if packer.symbols == 0 {
        return Err(ParseError::EmptySecret);
    }
    if !matches!(packer.symbols % 8, 0 | 2 | 4 | 5 | 7) {
        return Err(ParseError::InvalidSecret("impossible length for base32"));
    }
    if packer.symbols * 5 / 8 > MAX_SECRET_BYTES {
        return Err(ParseError::InvalidSecret("longer than 1024 bytes"));
    }
    Ok(std::mem::take(&mut *packer.out))
}

/// The 5-bit value of one base32 character (either case).
fn symbol_value(c: u8) -> Result<u8, ParseError> {
    match c {
        b'A'..=b'Z' => Ok(c - b'A'),
        b'a'..=b'z' => Ok(c - b'a'),
        b'2'..=b'7' => Ok(c - b'2' + 26),
        _ => Err(ParseError::InvalidSecret("character outside the base32 alphabet (A–Z, 2–7)")),
    }
}

/// Packs 5-bit symbols into bytes as they come; incomplete trailing bits are dropped.
struct Packer {
    out: Zeroizing<Vec<u8>>,
    buffer: u16,
    bits: u32,
    symbols: usize,
}

impl Packer {
    fn with_capacity(bytes: usize) -> Self {
        Packer { out: Zeroizing::new(Vec::with_capacity(bytes)), buffer: 0, bits: 0, symbols: 0 }
    }

    fn push(&mut self, v: u8) {
        self.symbols += 1;
        self.buffer = (self.buffer << 5) | u16::from(v);
        self.bits += 5;
        if self.bits >= 8 {
            self.bits -= 8;
            self.out.push((self.buffer >> self.bits) as u8);
            self.buffer &= (1u16 << self.bits) - 1;
        }
    }
}

impl Drop for Packer {
    fn drop(&mut self) {
        // The last bits of the secret; `out` wipes itself.
        zeroize::Zeroize::zeroize(&mut self.buffer);
    }
}
