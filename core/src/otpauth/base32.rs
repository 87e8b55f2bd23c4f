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
    let symbols = normalise(raw)?;
    if symbols.is_empty() {
        return Err(ParseError::EmptySecret);
    }
    if !matches!(symbols.len() % 8, 0 | 2 | 4 | 5 | 7) {
        return Err(ParseError::InvalidSecret("impossible length for base32"));
    }
    if symbols.len() * 5 / 8 > MAX_SECRET_BYTES {
        return Err(ParseError::InvalidSecret("longer than 1024 bytes"));
    }
    Ok(pack(&symbols))
}

/// Strips separators and padding and maps every character to its 5-bit value.
fn normalise(raw: &[u8]) -> Result<Zeroizing<Vec<u8>>, ParseError> {
    let mut end = raw.len();
    while end > 0 && matches!(raw[end - 1], b'=' | b' ' | b'\t' | b'-') {
        end -= 1;
    }
    let mut out = Zeroizing::new(Vec::with_capacity(end));
    for &c in &raw[..end] {
        match c {
            b' ' | b'\t' | b'-' => {}
            b'=' => return Err(ParseError::InvalidSecret("'=' padding before the end")),
            _ => out.push(symbol_value(c)?),
        }
    }
    Ok(out)
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

/// Packs 5-bit symbols into bytes, dropping the incomplete trailing bits.
fn pack(symbols: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(symbols.len() * 5 / 8);
    let mut buffer: u16 = 0;
    let mut bits = 0u32;
    for &v in symbols {
        buffer = (buffer << 5) | u16::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1u16 << bits) - 1;
        }
    }
    out
}
