//! Tolerant parser for otpauth URIs as real QR codes carry them.

use super::{ParseError, ParsedUri};

/// Largest URI accepted, in bytes.
pub const MAX_URI_LEN: usize = 4096;

/// Parses an `otpauth://` URI.
pub fn parse(input: &str) -> Result<ParsedUri, ParseError> {
    if input.len() > MAX_URI_LEN {
        return Err(ParseError::TooLong { len: input.len(), max: MAX_URI_LEN });
    }
    Err(ParseError::Malformed("parser not written yet"))
}
