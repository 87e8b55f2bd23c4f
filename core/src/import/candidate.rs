//! One entry of an import file: a candidate account or why it cannot be one, built through
//! the otpauth parser so every format gets the same validation and warnings.

use zeroize::Zeroizing;

use crate::otpauth::{self, Algorithm, ManualEntry, OtpKind, OtpParams, ParsedUri, Warning};
use crate::secret::Secret;

/// An account read from a file, ready to add.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// The account.
    pub params: OtpParams,
    /// The note the file carried (empty when none).
    pub note: String,
    /// What the parser accepted but wants shown.
    pub warnings: Vec<Warning>,
}

/// One entry of a file, in file order (2FAS: in its list order, `order.position`).
#[derive(Clone, Debug)]
pub struct Entry {
    /// 1-based position in the file.
    pub position: usize,
    /// What to call it in a summary: "Issuer (name)", or "entry N" when the file names
    /// nothing. Never the secret.
    pub label: String,
    /// The account, or why this entry cannot be imported.
    pub result: Result<Candidate, String>,
}

impl Entry {
    /// A failed entry named by the issuer and name the file gave (if any).
    pub(super) fn failed(
        position: usize,
        issuer: &str,
        name: &str,
        reason: impl Into<String>,
    ) -> Entry {
        Entry { position, label: label(position, issuer, name), result: Err(reason.into()) }
    }

    /// An entry from a parsed `otpauth://` URI (the Nyckel backup's accounts).
    pub(crate) fn from_uri(
        position: usize,
        parsed: Result<ParsedUri, otpauth::ParseError>,
        note: &str,
    ) -> Entry {
        Entry::from_parsed(position, parsed, note, ("", ""))
    }

    /// An entry from a parser result.
    pub(super) fn from_parsed(
        position: usize,
        parsed: Result<ParsedUri, otpauth::ParseError>,
        note: &str,
        hint: (&str, &str),
    ) -> Entry {
        match parsed {
            Ok(p) => Entry {
                position,
                label: label(position, &p.params.issuer, &p.params.name),
                result: Ok(Candidate {
                    params: p.params,
                    note: note.to_owned(),
                    warnings: p.warnings,
                }),
            },
            Err(e) => Entry::failed(position, hint.0, hint.1, e.to_string()),
        }
    }
}

/// "Issuer (name)", "Issuer", "name" or "entry N".
pub(super) fn label(position: usize, issuer: &str, name: &str) -> String {
    let (issuer, name) = (clip(issuer.trim()), clip(name.trim()));
    match (issuer.is_empty(), name.is_empty()) {
        (false, false) => format!("{issuer} ({name})"),
        (false, true) => issuer,
        (true, false) => name,
        (true, true) => format!("entry {position}"),
    }
}

fn clip(s: &str) -> String {
    const MAX: usize = 64;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        s.chars().take(MAX).chain(std::iter::once('…')).collect()
    }
}

/// The secret as a file stores it.
pub(super) enum SecretField<'a> {
    /// Base32 text (spaces, dashes, lower case and padding tolerated).
    Base32(&'a str),
    /// Raw bytes.
    Bytes(Zeroizing<Vec<u8>>),
}

/// The fields of a structured entry, as the file gives them.
pub(super) struct Fields<'a> {
    pub kind: OtpKind,
    pub secret: SecretField<'a>,
    pub issuer: &'a str,
    pub name: &'a str,
    /// Algorithm name as written (`None`: SHA1).
    pub algorithm: Option<&'a str>,
    pub digits: Option<i64>,
    pub period: Option<i64>,
    pub counter: Option<i64>,
    pub note: &'a str,
}

impl<'a> Fields<'a> {
    /// A TOTP entry with only a secret, issuer and name (all else default).
    pub fn basic(kind: OtpKind, secret: SecretField<'a>, issuer: &'a str, name: &'a str) -> Self {
        Fields {
            kind,
            secret,
            issuer,
            name,
            algorithm: None,
            digits: None,
            period: None,
            counter: None,
            note: "",
        }
    }

    /// Validates the fields through the otpauth parser.
    pub fn into_entry(self, position: usize) -> Entry {
        let fail = |reason: String| Entry::failed(position, self.issuer, self.name, reason);
        let algorithm = match self.algorithm.map(parse_algorithm).transpose() {
            Ok(a) => a,
            Err(reason) => return fail(reason),
        };
        let secret_text = match &self.secret {
            SecretField::Base32(s) => Zeroizing::new((*s).to_owned()),
            SecretField::Bytes(b) if b.is_empty() => return fail("the secret is empty".into()),
            SecretField::Bytes(b) => Zeroizing::new(Secret::new(b.to_vec()).to_base32()),
        };
        let numbers = [self.digits, self.period, self.counter].map(|n| n.map(|n| n.to_string()));
        let steam = self.kind == OtpKind::Steam;
        // Steam codes are always SHA1, 5 characters, 30 s: files repeat that (or leave
        // defaults there), and the parser would take a stray value for a conflict.
        let entry = ManualEntry {
            kind: Some(self.kind),
            secret: &secret_text,
            issuer: self.issuer,
            name: self.name,
            algorithm: if steam { None } else { algorithm },
            digits: if steam { None } else { numbers[0].as_deref() },
            period: if steam || self.kind == OtpKind::Hotp { None } else { numbers[1].as_deref() },
            counter: if self.kind == OtpKind::Hotp { numbers[2].as_deref() } else { None },
        };
        let parsed = otpauth::parse_manual(&entry);
        Entry::from_parsed(position, parsed, self.note, (self.issuer, self.name))
    }
}

/// `SHA1`, `sha256`, `SHA-512`, … ; anything else is named in the reason.
/// The OTP kind an app calls `name` (any case), among the kinds that app can hold; an empty
/// name is TOTP where the app defaults to it. Err: the failure reason for the entry.
pub(super) fn parse_kind(
    app_field: &str,
    name: &str,
    holds: &[OtpKind],
    empty_is_totp: bool,
) -> Result<OtpKind, String> {
    let kind = match name.to_ascii_lowercase().as_str() {
        "" if empty_is_totp => Some(OtpKind::Totp),
        "totp" => Some(OtpKind::Totp),
        "hotp" => Some(OtpKind::Hotp),
        "steam" => Some(OtpKind::Steam),
        _ => None,
    };
    match kind {
        Some(kind) if holds.contains(&kind) => Ok(kind),
        _ => {
            let shown: String = name.chars().take(16).collect();
            let names: Vec<&str> = holds.iter().map(|k| k.as_str()).collect();
            Err(format!("{app_field} \"{shown}\" is not supported ({} are)", names.join(", ")))
        }
    }
}

pub(super) fn parse_algorithm(name: &str) -> Result<Algorithm, String> {
    match name.trim().to_ascii_uppercase().replace('-', "").as_str() {
        "" | "SHA1" => Ok(Algorithm::Sha1),
        "SHA256" => Ok(Algorithm::Sha256),
        "SHA512" => Ok(Algorithm::Sha512),
        other => Err(format!(
            "algorithm \"{}\" is not supported (SHA1, SHA256 or SHA512)",
            other.chars().take(16).collect::<String>()
        )),
    }
}

/// Parses what a file stores as "the TOTP field": an `otpauth://` URI, a `steam://SECRET`,
/// or (when `bare_secret_ok`) a bare base32 secret named by `fallback` issuer and name.
pub(super) fn uri_like(
    position: usize,
    text: &str,
    fallback: (&str, &str),
    note: &str,
    bare_secret_ok: bool,
) -> Entry {
    let text = text.trim();
    let lower = text.get(..10).unwrap_or(text).to_ascii_lowercase();
    if lower.starts_with("otpauth:") {
        let mut entry = Entry::from_parsed(position, otpauth::parse(text), note, fallback);
        if let Ok(c) = &mut entry.result {
            if c.params.issuer.is_empty() && c.params.name.is_empty() {
                c.params.issuer = fallback.0.trim().to_owned();
                c.params.name = fallback.1.trim().to_owned();
                entry.label = label(position, fallback.0, fallback.1);
            }
        }
        return entry;
    }
    if let Some(secret) = text.get(8..).filter(|_| lower.starts_with("steam://")) {
        let mut fields =
            Fields::basic(OtpKind::Steam, SecretField::Base32(secret), "Steam", fallback.1);
        fields.note = note;
        if !fallback.0.trim().is_empty() && fallback.1.trim().is_empty() {
            fields.name = fallback.0;
        }
        return fields.into_entry(position);
    }
    if bare_secret_ok && !text.contains("://") {
        let mut fields =
            Fields::basic(OtpKind::Totp, SecretField::Base32(text), fallback.0, fallback.1);
        fields.note = note;
        return fields.into_entry(position);
    }
    let scheme = text.split_once(':').map(|(s, _)| s).unwrap_or("");
    let scheme: String = scheme.chars().take(16).filter(|c| c.is_ascii_alphanumeric()).collect();
    Entry::failed(
        position,
        fallback.0,
        fallback.1,
        if scheme.is_empty() {
            "not an otpauth URI".to_owned()
        } else {
            format!("not an otpauth URI (scheme \"{scheme}\")")
        },
    )
}

/// The string at `v`, or "" when it is missing, null or not a string.
pub(super) fn str_of(v: Option<&serde_json::Value>) -> &str {
    v.and_then(serde_json::Value::as_str).unwrap_or("")
}
