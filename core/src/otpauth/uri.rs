//! The canonical URI of an account.
//!
//! `otpauth://TYPE/LABEL?secret=…&issuer=…&algorithm=…&digits=…&period=…|counter=…&EXTRA…`
//! with everything outside RFC 3986's unreserved characters percent-encoded (see
//! `docs/otpauth.md`, "Canonical form").

use std::fmt::Write as _;

use super::parse::KNOWN_PARAMETERS;
use super::{Algorithm, OtpKind, OtpParams, STEAM_DIGITS};

impl OtpParams {
    /// The canonical `otpauth://` URI; `parse(to_uri(x))` gives back `x`.
    ///
    /// That holds for every valid account whose issuer and name carry no leading or trailing
    /// whitespace (parsing trims them), whose fields unused by its kind hold their defaults
    /// (period 30 for HOTP, counter 0 for TOTP/Steam) and whose extra parameters have
    /// non-empty names other than the known ones; such extras are left out here. And the URI
    /// must fit in [`super::MAX_URI_LEN`] bytes, or `parse` refuses it (the vault does not
    /// store an account whose URI would not).
    pub fn to_uri(&self) -> String {
        let mut uri = format!("otpauth://{}/{}", self.kind.as_str(), self.label());
        uri.push_str("?secret=");
        uri.push_str(&self.secret.to_base32());
        if !self.issuer.is_empty() {
            push_param(&mut uri, "issuer", &self.issuer);
        }
        let (algorithm, digits) = match self.kind {
            OtpKind::Steam => (Algorithm::Sha1, STEAM_DIGITS),
            _ => (self.algorithm, self.digits),
        };
        push_param(&mut uri, "algorithm", algorithm.as_str());
        push_param(&mut uri, "digits", &digits.to_string());
        match self.kind {
            OtpKind::Hotp => push_param(&mut uri, "counter", &self.counter.to_string()),
            OtpKind::Totp | OtpKind::Steam => {
                push_param(&mut uri, "period", &self.period.to_string())
            }
        }
        for (name, value) in self.extra.iter().filter(|(name, _)| is_extra_name(name)) {
            push_param(&mut uri, name, value);
        }
        uri
    }

    /// The encoded label: `Issuer:name`, or just the name when there is no issuer or the
    /// issuer itself holds a `:` (it then travels only in the `issuer` parameter). A name
    /// with a `:` and no prefix before it gets an empty prefix (`:a:b`), so that parsing
    /// does not mistake its first part for an issuer.
    fn label(&self) -> String {
        let name = encode(&self.name);
        if !self.issuer.is_empty() && !self.issuer.contains(':') {
            format!("{}:{name}", encode(&self.issuer))
        } else if self.name.contains(':') {
            format!(":{name}")
        } else {
            name
        }
    }
}

/// True for an extra parameter name that can round-trip (non-empty, not a known name).
fn is_extra_name(name: &str) -> bool {
    !name.is_empty() && !KNOWN_PARAMETERS.iter().any(|k| k.eq_ignore_ascii_case(name))
}

/// Appends `&name=value`, both percent-encoded.
fn push_param(uri: &mut String, name: &str, value: &str) {
    uri.push('&');
    uri.push_str(&encode(name));
    uri.push('=');
    uri.push_str(&encode(value));
}

/// Percent-encodes every byte outside RFC 3986's unreserved set (`A–Z a–z 0–9 - . _ ~`).
pub(super) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}
