//! Tolerant parser for otpauth URIs as real QR codes carry them.
//!
//! The accepted syntax, every error and every warning are described in `docs/otpauth.md`.
//! In short: `otpauth://TYPE/LABEL?PARAMS`, case-insensitive scheme, type, parameter names
//! and algorithm; `+` is a space everywhere (label included), a literal plus is `%2B`.

use std::borrow::Cow;
use std::ops::Range;

use zeroize::Zeroize;

use super::base32::decode_secret;
use super::{
    Algorithm, OtpKind, OtpParams, ParseError, ParsedUri, Warning, DEFAULT_DIGITS, DEFAULT_PERIOD,
    STEAM_DIGITS,
};
use crate::secret::Secret;

/// Largest URI accepted, in bytes.
pub const MAX_URI_LEN: usize = 4096;

/// Secrets shorter than this many bits get [`Warning::ShortSecret`] (RFC 4226 §4).
const MIN_SECRET_BITS: usize = 128;

/// Longest period accepted, in seconds (one day).
const MAX_PERIOD: u64 = 86_400;

/// The parameters this version interprets, lower case. Names are matched case-insensitively.
pub(super) const KNOWN_PARAMETERS: [&str; 6] =
    ["secret", "issuer", "algorithm", "digits", "period", "counter"];

/// Longest piece of user input echoed back in an error, in characters.
const MAX_SHOWN_CHARS: usize = 32;

/// Parses an `otpauth://` URI.
///
/// Never panics; every rejection is a [`ParseError`] that names the problem without ever
/// repeating the secret. Things accepted but worth telling the user come back as warnings.
pub fn parse(input: &str) -> Result<ParsedUri, ParseError> {
    if input.len() > MAX_URI_LEN {
        return Err(ParseError::TooLong { len: input.len(), max: MAX_URI_LEN });
    }
    let rest = strip_scheme(input.trim_ascii())?;
    let (kind, rest) = split_type(rest)?;
    let (label, query) = split_at_byte(rest, b'?')
        .ok_or(ParseError::Malformed("missing '?' before the parameters"))?;
    let label = decode_text(Part::scan(label), "the label", "the label")?;
    let query = Query::parse(query)?;
    let parsed = build(kind, label, query)?;
    // Written back, a text field is percent-encoded (at most 3 bytes per byte) and the issuer
    // may appear twice (label prefix and parameter): only long inputs can outgrow the limit.
    if input.len().saturating_mul(6).saturating_add(128) > MAX_URI_LEN {
        let len = parsed.params.to_uri().len();
        if len > MAX_URI_LEN {
            return Err(ParseError::CanonicalTooLong { len, max: MAX_URI_LEN });
        }
    }
    Ok(parsed)
}

/// Checks the scheme is `otpauth` (any case) followed by `//`; returns what follows.
fn strip_scheme(input: &str) -> Result<&str, ParseError> {
    const PREFIX: &str = "otpauth://";
    if input.len() >= PREFIX.len()
        && input.as_bytes()[..PREFIX.len()].eq_ignore_ascii_case(PREFIX.as_bytes())
    {
        return Ok(&input[PREFIX.len()..]);
    }
    let not_a_uri = ParseError::Malformed("not a URI (no scheme such as otpauth://)");
    let (scheme, rest) = split_at_byte(input, b':').ok_or(not_a_uri.clone())?;
    if !is_scheme(scheme) {
        return Err(not_a_uri);
    }
    if !scheme.eq_ignore_ascii_case("otpauth") {
        return Err(ParseError::WrongScheme(scheme.to_ascii_lowercase()));
    }
    rest.strip_prefix("//").ok_or(ParseError::Malformed("missing \"//\" after \"otpauth:\""))
}

/// RFC 3986 scheme syntax, short enough to echo in an error.
fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && s.len() <= MAX_SHOWN_CHARS
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Splits `TYPE/rest` and recognises the type (any case).
fn split_type(rest: &str) -> Result<(OtpKind, &str), ParseError> {
    let missing_slash = ParseError::Malformed("missing '/' after the type");
    let (kind, rest) = split_at_byte(rest, b'/').ok_or(missing_slash.clone())?;
    if kind.contains('?') {
        return Err(missing_slash);
    }
    let kind = match kind {
        _ if kind.eq_ignore_ascii_case("totp") => OtpKind::Totp,
        _ if kind.eq_ignore_ascii_case("hotp") => OtpKind::Hotp,
        _ if kind.eq_ignore_ascii_case("steam") => OtpKind::Steam,
        "" => return Err(ParseError::Malformed("missing type (totp, hotp or steam)")),
        _ => return Err(ParseError::UnknownType(shown(kind))),
    };
    Ok((kind, rest))
}

/// The query parameters, percent-decoded, sorted into the known ones and the rest.
/// Values without escapes are borrowed from the input rather than copied.
#[derive(Default)]
struct Query<'a> {
    /// Decoded bytes of `secret`; a decoded copy is wiped on drop.
    secret: Option<SecretParam<'a>>,
    issuer: Option<Cow<'a, str>>,
    algorithm: Option<Cow<'a, [u8]>>,
    digits: Option<Cow<'a, [u8]>>,
    period: Option<Cow<'a, [u8]>>,
    counter: Option<Cow<'a, [u8]>>,
    extra: Vec<(String, String)>,
}

/// The `secret` parameter as decoded: borrowed from the input when it had no escapes (no
/// copy to wipe), else a copy that is zeroized on drop.
struct SecretParam<'a>(Cow<'a, [u8]>);

impl Drop for SecretParam<'_> {
    fn drop(&mut self) {
        if let Cow::Owned(bytes) = &mut self.0 {
            bytes.zeroize();
        }
    }
}

impl<'a> Query<'a> {
    /// Splits on `&` (empty pieces skipped), then on the first `=`, and decodes each part.
    fn parse(query: &'a str) -> Result<Self, ParseError> {
        let mut q = Query::default();
        let mut rest = query;
        while !rest.is_empty() {
            let (piece, after) = split_at_byte(rest, b'&').unwrap_or((rest, ""));
            rest = after;
            if piece.is_empty() {
                continue;
            }
            let (name, value) = split_at_byte(piece, b'=').unwrap_or((piece, ""));
            q.add(Part::scan(name), Part::scan(value))?;
        }
        Ok(q)
    }

    /// Files one `name=value` pair.
    fn add(&mut self, raw_name: Part<'a>, raw_value: Part<'a>) -> Result<(), ParseError> {
        let name = decoded(raw_name)
            .ok_or_else(|| ParseError::InvalidEscape("a parameter name".into()))?;
        if name.is_empty() {
            return Err(ParseError::Malformed("a parameter has no name"));
        }
        let Some(known) = known_parameter(&name) else {
            return self.add_extra(name.into_owned(), raw_value);
        };
        if known == "issuer" {
            let issuer = decode_text(raw_value, "parameter \"issuer\"", "the issuer")?;
            if self.issuer.replace(issuer).is_some() {
                return Err(ParseError::DuplicateParameter(known.to_owned()));
            }
            return Ok(());
        }
        let value = decoded(raw_value)
            .map(SecretParam)
            .ok_or_else(|| ParseError::InvalidEscape(format!("parameter \"{known}\"")))?;
        // Only the secret stays wrapped for wiping; other values are not secret.
        let plain = |mut v: SecretParam<'a>| std::mem::replace(&mut v.0, Cow::Borrowed(&[]));
        let slot_taken = match known {
            "secret" => self.secret.replace(value).is_some(),
            "algorithm" => self.algorithm.replace(plain(value)).is_some(),
            "digits" => self.digits.replace(plain(value)).is_some(),
            "period" => self.period.replace(plain(value)).is_some(),
            _ => self.counter.replace(plain(value)).is_some(),
        };
        if slot_taken {
            return Err(ParseError::DuplicateParameter(known.to_owned()));
        }
        Ok(())
    }

    /// Keeps a parameter this version does not interpret, in order.
    fn add_extra(&mut self, name: Vec<u8>, raw_value: Part<'_>) -> Result<(), ParseError> {
        // The name is echoed only in an error, so made showable only then.
        let shown_name = |name: &[u8]| shown(&String::from_utf8_lossy(name));
        let name = match String::from_utf8(name) {
            Ok(text) if !text.contains('\0') => text,
            Ok(text) => return Err(ParseError::InvalidParameterText(shown(&text))),
            Err(e) => return Err(ParseError::InvalidParameterText(shown_name(e.as_bytes()))),
        };
        let value = decode_text(raw_value, "", "")
            .map_err(|e| match e {
                ParseError::InvalidEscape(_) => {
                    ParseError::InvalidEscape(format!("parameter \"{}\"", shown(&name)))
                }
                _ => ParseError::InvalidParameterText(shown(&name)),
            })?
            .into_owned();
        self.extra.push((name, value));
        Ok(())
    }
}

/// The canonical (lower-case) name of a known parameter, matched case-insensitively.
fn known_parameter(name: &[u8]) -> Option<&'static str> {
    KNOWN_PARAMETERS.into_iter().find(|k| k.as_bytes().eq_ignore_ascii_case(name))
}

/// Assembles the account from the decoded pieces, applying defaults and per-kind rules.
fn build(kind: OtpKind, label: Cow<'_, str>, mut q: Query<'_>) -> Result<ParsedUri, ParseError> {
    let mut warnings = Vec::new();
    let secret = decode_secret(&q.secret.as_ref().ok_or(ParseError::MissingSecret)?.0)?;
    if secret.len() * 8 < MIN_SECRET_BITS {
        warnings.push(Warning::ShortSecret { bits: secret.len() * 8 });
    }
    let algorithm = q.algorithm.as_deref().map(parse_algorithm).transpose()?;
    let digits = number(q.digits.as_deref(), "digits", 1, 10, "must be between 1 and 10")?;
    let period = number(
        q.period.as_deref(),
        "period",
        1,
        MAX_PERIOD,
        "must be between 1 and 86400 seconds",
    )?;
    let counter = number(q.counter.as_deref(), "counter", 0, u64::MAX, "")?;
    let (issuer, name, mismatch) = split_label(label, q.issuer.take());
    warnings.extend(mismatch);

    let mut params = OtpParams {
        kind,
        secret: Secret::new(secret),
        issuer,
        name,
        algorithm: algorithm.unwrap_or(Algorithm::Sha1),
        digits: digits.map_or(DEFAULT_DIGITS, |d| d as u8),
        period: period.map_or(DEFAULT_PERIOD, |p| p as u32),
        counter: 0,
        extra: std::mem::take(&mut q.extra),
    };
    match kind {
        OtpKind::Totp => {}
        OtpKind::Hotp => {
            params.period = DEFAULT_PERIOD;
            match counter {
                Some(c) => params.counter = c,
                None => warnings.push(Warning::MissingCounter),
            }
        }
        OtpKind::Steam => apply_steam_rules(&mut params, algorithm, period)?,
    }
    Ok(ParsedUri { params, warnings })
}

/// Steam Guard is always SHA1, 5 characters, 30 s: a stated digits count is ignored, a
/// different algorithm or period is rejected (codes computed either way would be wrong).
fn apply_steam_rules(
    params: &mut OtpParams,
    algorithm: Option<Algorithm>,
    period: Option<u64>,
) -> Result<(), ParseError> {
    if let Some(a) = algorithm.filter(|a| *a != Algorithm::Sha1) {
        return Err(ParseError::SteamConflict { name: "algorithm", value: a.as_str().into() });
    }
    if let Some(p) = period.filter(|p| *p != u64::from(DEFAULT_PERIOD)) {
        return Err(ParseError::SteamConflict { name: "period", value: p.to_string() });
    }
    params.digits = STEAM_DIGITS;
    params.algorithm = Algorithm::Sha1;
    params.period = DEFAULT_PERIOD;
    Ok(())
}

/// `SHA1`, `SHA256` or `SHA512` in any case; anything else (`SHA-1`, `MD5`) is an error.
fn parse_algorithm(raw: &[u8]) -> Result<Algorithm, ParseError> {
    const ALL: [Algorithm; 3] = [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512];
    if raw.is_empty() {
        return Err(ParseError::EmptyParameter("algorithm"));
    }
    ALL.into_iter()
        .find(|a| a.as_str().as_bytes().eq_ignore_ascii_case(raw))
        .ok_or_else(|| ParseError::UnknownAlgorithm(shown(&String::from_utf8_lossy(raw))))
}

/// An optional decimal parameter in `min..=max`: ASCII digits only (no sign, no spaces).
fn number(
    raw: Option<&[u8]>,
    name: &'static str,
    min: u64,
    max: u64,
    range: &'static str,
) -> Result<Option<u64>, ParseError> {
    let Some(raw) = raw else { return Ok(None) };
    if raw.is_empty() {
        return Err(ParseError::EmptyParameter(name));
    }
    let invalid = |reason| ParseError::InvalidNumber {
        name,
        value: shown(&String::from_utf8_lossy(raw)),
        reason,
    };
    let all_digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    if raw[0] == b'-' && all_digits(&raw[1..]) {
        return Err(invalid("must not be negative"));
    }
    if !all_digits(raw) {
        return Err(invalid("not a decimal number"));
    }
    let value = decimal(raw).ok_or_else(|| invalid("larger than 18446744073709551615"))?;
    if !(min..=max).contains(&value) {
        return Err(invalid(range));
    }
    Ok(Some(value))
}

/// Value of a string of ASCII digits, `None` on u64 overflow.
fn decimal(digits: &[u8]) -> Option<u64> {
    digits.iter().try_fold(0u64, |acc, d| acc.checked_mul(10)?.checked_add(u64::from(d - b'0')))
}

/// Splits the label into (issuer, name) and reconciles it with the `issuer` parameter.
///
/// The label prefix is what precedes the first `:`; both parts are trimmed. An `issuer`
/// parameter wins; if it differs (ignoring case) from a non-empty prefix, the whole label
/// becomes the name and a warning says so. A decoded label's buffer becomes the name.
fn split_label(
    label: Cow<'_, str>,
    parameter: Option<Cow<'_, str>>,
) -> (String, String, Option<Warning>) {
    let (prefix, rest) = match label.bytes().position(|b| b == b':') {
        Some(colon) => {
            (trimmed_range(&label, 0..colon), trimmed_range(&label, colon + 1..label.len()))
        }
        None => (0..0, trimmed_range(&label, 0..label.len())),
    };
    let parameter = parameter.map(trimmed).filter(|p| !p.is_empty());
    match parameter {
        None => (label[prefix].to_owned(), owned_part(label, rest), None),
        Some(p) if prefix.is_empty() || same_ignoring_case(&p, &label[prefix.clone()]) => {
            (p, owned_part(label, rest), None)
        }
        Some(p) => {
            let warning = Warning::IssuerMismatch {
                parameter: p.clone(),
                label_prefix: label[prefix].to_owned(),
            };
            let whole = trimmed_range(&label, 0..label.len());
            (p, owned_part(label, whole), Some(warning))
        }
    }
}

/// `range` of `s` without the part's leading and trailing whitespace.
fn trimmed_range(s: &str, range: Range<usize>) -> Range<usize> {
    let part = &s[range.clone()];
    let start = part.trim_start();
    let lead = part.len() - start.len();
    let trail = start.len() - start.trim_end().len();
    range.start + lead..range.end - trail
}

/// `text[range]` as a `String`, cut out of `text`'s own buffer when it has one.
fn owned_part(text: Cow<'_, str>, range: Range<usize>) -> String {
    match text {
        Cow::Owned(mut s) => {
            s.truncate(range.end);
            s.drain(..range.start);
            s
        }
        Cow::Borrowed(s) => s[range].to_owned(),
    }
}

/// `s` without leading and trailing whitespace, reusing its buffer when there is none.
fn trimmed(s: Cow<'_, str>) -> String {
    match s {
        Cow::Owned(s) if s.trim().len() == s.len() => s,
        s => s.trim().to_owned(),
    }
}

/// `a.to_lowercase() == b.to_lowercase()`, without allocating when both are ASCII.
fn same_ignoring_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

/// Percent-decodes `raw` (with `+` as a space) into text; `what` names it in errors.
fn decode_text<'a>(
    part: Part<'a>,
    escape_what: &str,
    what: &'static str,
) -> Result<Cow<'a, str>, ParseError> {
    if part.plain {
        return Ok(Cow::Borrowed(part.raw));
    }
    let bytes =
        percent_decode(part.raw).ok_or_else(|| ParseError::InvalidEscape(escape_what.into()))?;
    to_text(bytes, what).map(Cow::Owned)
}

/// A piece of the URI as written, and whether it is plain: without `%`, `+` or NUL, so that
/// it decodes to itself and is acceptable text.
#[derive(Clone, Copy)]
struct Part<'a> {
    raw: &'a str,
    plain: bool,
}

impl<'a> Part<'a> {
    /// `raw`, looked through for anything to decode or refuse.
    fn scan(raw: &'a str) -> Self {
        // Not `any`: without an early exit the loop is vectorised.
        let special = raw.bytes().fold(false, |seen, b| seen | matches!(b, b'%' | b'+' | b'\0'));
        Part { raw, plain: !special }
    }
}

/// [`percent_decode`], borrowing the part when it holds nothing to decode.
fn decoded(part: Part<'_>) -> Option<Cow<'_, [u8]>> {
    if part.plain {
        Some(Cow::Borrowed(part.raw.as_bytes()))
    } else {
        percent_decode(part.raw).map(Cow::Owned)
    }
}

/// Bytes to a `String`, rejecting invalid UTF-8 and NUL.
fn to_text(bytes: Vec<u8>, what: &'static str) -> Result<String, ParseError> {
    match String::from_utf8(bytes) {
        Ok(s) if !s.contains('\0') => Ok(s),
        _ => Err(ParseError::InvalidText(what)),
    }
}

/// Decodes `%XX` escapes and turns `+` into a space; `None` on a bad or truncated escape.
pub(super) fn percent_decode(raw: &str) -> Option<Vec<u8>> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hi = hex_value(*bytes.get(i + 1)?)?;
                let lo = hex_value(*bytes.get(i + 2)?)?;
                out.push(hi << 4 | lo);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Some(out)
}

/// `s` split around the first `byte` (ASCII), like `str::split_once`. The pieces of a URI
/// are short: a plain loop finds the byte sooner than `split_once`'s `memchr` call does.
fn split_at_byte(s: &str, byte: u8) -> Option<(&str, &str)> {
    let i = s.bytes().position(|b| b == byte)?;
    Some((&s[..i], &s[i + 1..]))
}

/// The value of one hex digit (either case).
fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// User input made safe to echo in a one-line error: control characters escaped,
/// at most [`MAX_SHOWN_CHARS`] characters.
fn shown(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(MAX_SHOWN_CHARS)
        .flat_map(|c| if c.is_control() { c.escape_default().collect() } else { vec![c] })
        .collect();
    if s.chars().nth(MAX_SHOWN_CHARS).is_some() {
        out.push('…');
    }
    out
}
