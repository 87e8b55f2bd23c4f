//! Why a URI was rejected. Each variant renders as one line naming what is wrong;
//! none ever contains the secret.

/// A rejected `otpauth://` URI.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Input longer than [`super::MAX_URI_LEN`] bytes.
    #[error("URI is {len} bytes; at most {max} are accepted")]
    TooLong { len: usize, max: usize },
    /// The account parses, but written back as a URI (what Nyckel stores, exports and shows as
    /// a QR code) it would be longer than [`super::MAX_URI_LEN`] bytes: its labels are too
    /// long to ever be exported again.
    #[error("the account's labels are too long: written back as a URI it would be {len} bytes; at most {max} fit")]
    CanonicalTooLong { len: usize, max: usize },
    /// Not an `otpauth://` URI (an https link, a migration payload, …).
    #[error("not an otpauth URI (scheme \"{0}\")")]
    WrongScheme(String),
    /// Malformed structure (no type, no label separator, …).
    #[error("malformed otpauth URI: {0}")]
    Malformed(&'static str),
    /// A type other than totp, hotp or steam.
    #[error("unknown OTP type \"{0}\" (expected totp, hotp or steam)")]
    UnknownType(String),
    /// No `secret` parameter.
    #[error("missing secret parameter")]
    MissingSecret,
    /// `secret=` with nothing in it.
    #[error("secret is empty")]
    EmptySecret,
    /// The secret is not valid base32 (the secret itself is never echoed).
    #[error("secret is not valid base32: {0}")]
    InvalidSecret(&'static str),
    /// A numeric parameter that is not a number, or out of range.
    #[error("invalid {name} \"{value}\": {reason}")]
    InvalidNumber { name: &'static str, value: String, reason: &'static str },
    /// An algorithm other than SHA1, SHA256, SHA512.
    #[error("unknown algorithm \"{0}\" (expected SHA1, SHA256 or SHA512)")]
    UnknownAlgorithm(String),
    /// The same parameter appears twice.
    #[error("parameter \"{0}\" appears more than once")]
    DuplicateParameter(String),
    /// Percent-decoding produced invalid UTF-8, or a NUL, in a text field.
    #[error("{0} is not valid text (invalid UTF-8 or NUL)")]
    InvalidText(&'static str),
    /// A `%` not followed by two hex digits (`%G1`, a truncated `%4`).
    #[error("invalid percent escape in {0} (a '%' must be followed by two hex digits)")]
    InvalidEscape(String),
    /// An optional parameter given with no value (`digits=`).
    #[error("parameter \"{0}\" is empty")]
    EmptyParameter(&'static str),
    /// An unknown parameter whose name or value is invalid UTF-8 or holds a NUL.
    #[error("parameter \"{0}\" is not valid text (invalid UTF-8 or NUL)")]
    InvalidParameterText(String),
    /// A `steam` URI asking for something Steam Guard never uses (an algorithm other
    /// than SHA1, a period other than 30 s).
    #[error("steam codes always use SHA1 and a 30 s period; {name}={value} is not supported")]
    SteamConflict { name: &'static str, value: String },
}
