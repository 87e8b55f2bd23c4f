//! Manual entry: the fields a person types in when there is no QR code, validated by the
//! very parser a scanned URI goes through (same tolerance, same errors, same warnings).

use zeroize::Zeroizing;

use super::uri::encode;
use super::{parse, Algorithm, OtpKind, ParseError, ParsedUri};

/// What a person typed. Numbers are kept as typed so that "6x" gets the parser's message.
#[derive(Clone, Copy, Default)]
pub struct ManualEntry<'a> {
    /// The scheme (`None`: TOTP).
    pub kind: Option<OtpKind>,
    /// The secret as typed (base32; spaces, dashes, lower case and padding are fine).
    pub secret: &'a str,
    /// Issuer ("Region Skåne"), may be empty.
    pub issuer: &'a str,
    /// Account name, may be empty.
    pub name: &'a str,
    /// Hash (`None`: SHA1).
    pub algorithm: Option<Algorithm>,
    /// Digits as typed (`None`: 6).
    pub digits: Option<&'a str>,
    /// Period in seconds as typed (`None`: 30).
    pub period: Option<&'a str>,
    /// HOTP counter as typed (`None`: 0).
    pub counter: Option<&'a str>,
}

impl std::fmt::Debug for ManualEntry<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManualEntry")
            .field("kind", &self.kind)
            .field("issuer", &self.issuer)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Validates a manual entry and returns the account it describes, with warnings.
pub fn parse_manual(entry: &ManualEntry<'_>) -> Result<ParsedUri, ParseError> {
    let kind = entry.kind.unwrap_or(OtpKind::Totp);
    // An empty label prefix: the issuer travels only in the parameter, so a ':' typed in
    // the name or issuer cannot be taken for the separator.
    let mut uri = Zeroizing::new(format!(
        "otpauth://{}/:{}?secret={}",
        kind.as_str(),
        encode(entry.name),
        encode(entry.secret)
    ));
    if !entry.issuer.trim().is_empty() {
        uri.push_str(&format!("&issuer={}", encode(entry.issuer.trim())));
    }
    if let Some(a) = entry.algorithm {
        uri.push_str(&format!("&algorithm={}", a.as_str()));
    }
    for (key, value) in
        [("digits", entry.digits), ("period", entry.period), ("counter", entry.counter)]
    {
        if let Some(v) = value {
            uri.push_str(&format!("&{key}={}", encode(v)));
        }
    }
    parse(&uri)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_fields_become_the_account() {
        let p = parse_manual(&ManualEntry {
            secret: "gezd gnbv-gy3t qojq gezd gnbv gy3t qojq",
            issuer: " Region Skåne ",
            name: "anna: skane",
            digits: Some("8"),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(p.params.secret.as_bytes(), b"12345678901234567890");
        assert_eq!(
            (p.params.issuer.as_str(), p.params.name.as_str(), p.params.digits),
            ("Region Skåne", "anna: skane", 8)
        );
        assert_eq!(p.params.code_at(59).unwrap().value, "94287082");
    }

    #[test]
    fn typed_mistakes_get_the_parsers_errors() {
        let base = ManualEntry { secret: "GEZDGNBVGY3TQOJQ", name: "a", ..Default::default() };
        assert_eq!(
            parse_manual(&ManualEntry { secret: "", ..base }).unwrap_err(),
            ParseError::EmptySecret
        );
        assert!(matches!(
            parse_manual(&ManualEntry { secret: "01189", ..base }),
            Err(ParseError::InvalidSecret(_))
        ));
        assert!(matches!(
            parse_manual(&ManualEntry { digits: Some("6x"), ..base }),
            Err(ParseError::InvalidNumber { name: "digits", .. })
        ));
        assert!(matches!(
            parse_manual(&ManualEntry { period: Some("0"), ..base }),
            Err(ParseError::InvalidNumber { name: "period", .. })
        ));
        let hotp =
            parse_manual(&ManualEntry { kind: Some(OtpKind::Hotp), counter: Some("7"), ..base })
                .unwrap();
        assert_eq!(hotp.params.counter, 7);
        let short = parse_manual(&base).unwrap();
        assert_eq!(short.warnings.len(), 1, "an 80-bit secret is accepted with a warning");
    }
}
