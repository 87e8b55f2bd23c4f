//! Google Authenticator's transfer QR codes: `otpauth-migration://offline?data=…`, the data a
//! base64 protobuf `MigrationPayload`. One export may span several codes (batches).
//!
//! The protobuf is decoded with `prost` (derived messages, no code generation step): it is
//! made for exactly this, never panics on hostile input and also encodes, which the Google
//! export needs.

use base64::Engine as _;
use zeroize::Zeroizing;

use super::candidate::{label, Entry, Fields, SecretField};
use super::{Format, ImportError, Parsed};
use crate::otpauth::OtpKind;

const FORMAT: &str = "Google Authenticator transfer";
/// Longest transfer URI accepted (a QR code holds at most about 3 KB).
const MAX_URI_LEN: usize = 64 * 1024;
/// Most QR codes one export may claim to span (Google puts about ten accounts in each);
/// bounds the memory a hostile `batch_size` can ask for.
const MAX_BATCHES: u32 = 1000;
/// The URI prefix (scheme and host; scheme compared case-insensitively).
pub(crate) const PREFIX: &str = "otpauth-migration://offline?";

/// The protobuf of one transfer QR code.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct MigrationPayload {
    #[prost(message, repeated, tag = "1")]
    pub otp_parameters: Vec<OtpParameters>,
    #[prost(int32, tag = "2")]
    pub version: i32,
    #[prost(int32, tag = "3")]
    pub batch_size: i32,
    #[prost(int32, tag = "4")]
    pub batch_index: i32,
    #[prost(int32, tag = "5")]
    pub batch_id: i32,
}

/// One account in a transfer payload. Enums are kept as numbers so an unknown value is an
/// entry's failure, not the whole payload's.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct OtpParameters {
    #[prost(bytes = "vec", tag = "1")]
    pub secret: Vec<u8>,
    #[prost(string, tag = "2")]
    pub name: String,
    #[prost(string, tag = "3")]
    pub issuer: String,
    /// 0 unspecified (SHA1), 1 SHA1, 2 SHA256, 3 SHA512, 4 MD5.
    #[prost(int32, tag = "4")]
    pub algorithm: i32,
    /// 0 unspecified (6), 1 six, 2 eight.
    #[prost(int32, tag = "5")]
    pub digits: i32,
    /// 0 unspecified (TOTP), 1 HOTP, 2 TOTP.
    #[prost(int32, tag = "6")]
    pub kind: i32,
    #[prost(int64, tag = "7")]
    pub counter: i64,
}

impl Drop for OtpParameters {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.secret);
    }
}

/// One decoded transfer QR code.
#[derive(Clone, Debug)]
pub struct TransferBatch {
    /// How many codes the export has (at least 1).
    pub batch_size: u32,
    /// This code's 0-based index.
    pub batch_index: u32,
    /// Identifies the export the code belongs to.
    pub batch_id: i32,
    /// The accounts of this code (positions count from 1 within the code).
    pub entries: Vec<Entry>,
}

fn malformed(detail: impl Into<String>) -> ImportError {
    ImportError::malformed(FORMAT, detail)
}

/// Decodes one `otpauth-migration://offline?data=…` URI.
pub fn parse_google_transfer_payload(uri: &str) -> Result<TransferBatch, ImportError> {
    let uri = uri.trim();
    if uri.len() > MAX_URI_LEN {
        return Err(ImportError::TooLarge { len: uri.len(), max: MAX_URI_LEN });
    }
    let query = uri
        .get(..PREFIX.len())
        .filter(|p| p.eq_ignore_ascii_case(PREFIX))
        .map(|_| &uri[PREFIX.len()..])
        .ok_or_else(|| malformed("not an otpauth-migration://offline URI"))?;
    let data = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("data="))
        .ok_or_else(|| malformed("no data parameter"))?;
    let data = percent_decode(data).ok_or_else(|| malformed("invalid percent escape in data"))?;
    let bytes =
        Zeroizing::new(decode_base64(&data).ok_or_else(|| malformed("data is not base64"))?);
    let payload = <MigrationPayload as prost::Message>::decode(&bytes[..])
        .map_err(|_| malformed("data is not a transfer payload (protobuf does not decode)"))?;
    let batch_size = payload.batch_size.max(1) as u32;
    if batch_size > MAX_BATCHES {
        return Err(ImportError::BatchMismatch(format!(
            "an export of {batch_size} QR codes is more than the {MAX_BATCHES} accepted"
        )));
    }
    let batch_index =
        u32::try_from(payload.batch_index).ok().filter(|i| *i < batch_size).ok_or_else(|| {
            ImportError::BatchMismatch(format!(
                "batch index {} is outside a batch of {batch_size}",
                payload.batch_index
            ))
        })?;
    let entries = payload.otp_parameters.iter().enumerate().map(|(i, p)| entry(i + 1, p)).collect();
    Ok(TransferBatch { batch_size, batch_index, batch_id: payload.batch_id, entries })
}

/// How far the scanning of one export's QR codes has come: which codes are in and which are
/// still missing (numbers count from 1, as "code 2 of 3").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferProgress {
    /// How many codes the export has.
    pub total: u32,
    /// The codes scanned so far (each once, ascending).
    pub scanned: Vec<u32>,
    /// The codes still to scan (ascending); empty when the export is complete.
    pub missing: Vec<u32>,
    /// Accounts in the codes scanned so far.
    pub accounts: usize,
}

/// Checks the QR codes scanned so far of one export, for a scanner that asks for the next
/// code: every payload must decode and all must belong to the same export (else the error
/// [`read_google_transfer`] would give); missing codes are not an error here.
pub fn google_transfer_progress(uris: &[&str]) -> Result<TransferProgress, ImportError> {
    let slots = collect(uris)?;
    let numbered = |present: bool| -> Vec<u32> {
        (1..=slots.len() as u32).filter(|n| slots[*n as usize - 1].is_some() == present).collect()
    };
    Ok(TransferProgress {
        total: slots.len() as u32,
        scanned: numbered(true),
        missing: numbered(false),
        accounts: slots.iter().flatten().map(|b| b.entries.len()).sum(),
    })
}

/// The decoded codes of one export by batch index (`None`: not scanned); a code scanned twice
/// counts once. Refuses an empty list and codes of different exports.
fn collect(uris: &[&str]) -> Result<Vec<Option<TransferBatch>>, ImportError> {
    if uris.is_empty() {
        return Err(malformed("no transfer QR code given"));
    }
    let batches =
        uris.iter().map(|u| parse_google_transfer_payload(u)).collect::<Result<Vec<_>, _>>()?;
    let first = &batches[0];
    let (size, id) = (first.batch_size, first.batch_id);
    if batches.iter().any(|b| b.batch_size != size || b.batch_id != id) {
        return Err(ImportError::BatchMismatch(
            "the QR codes belong to different exports; scan the codes of one export".into(),
        ));
    }
    let mut slots: Vec<Option<TransferBatch>> = (0..size).map(|_| None).collect();
    for batch in batches {
        let index = batch.batch_index as usize;
        // `parse_google_transfer_payload` checked index < size.
        if slots[index].is_none() {
            slots[index] = Some(batch);
        }
    }
    Ok(slots)
}

/// Reads every QR code of one export (any order; a code scanned twice counts once). A
/// missing code is reported by number; codes of different exports are refused.
pub fn read_google_transfer(uris: &[&str]) -> Result<Parsed, ImportError> {
    let slots = collect(uris)?;
    let size = slots.len() as u32;
    let missing: Vec<u32> = (1..=size).filter(|n| slots[*n as usize - 1].is_none()).collect();
    if !missing.is_empty() {
        return Err(ImportError::MissingBatches { missing, total: size });
    }
    let mut entries = Vec::new();
    for batch in slots.into_iter().flatten() {
        for mut e in batch.entries {
            e.position = entries.len() + 1;
            if e.label.starts_with("entry ") {
                e.label = format!("entry {}", e.position);
            }
            entries.push(e);
        }
    }
    Ok(Parsed { format: Format::GoogleTransfer, entries, notes: Vec::new() })
}

fn entry(position: usize, p: &OtpParameters) -> Entry {
    let (issuer, name) = split_name(&p.issuer, &p.name);
    let fail = |reason: String| Entry {
        position,
        label: label(position, issuer, name),
        result: Err(reason),
    };
    let algorithm = match p.algorithm {
        0 | 1 => "SHA1",
        2 => "SHA256",
        3 => "SHA512",
        4 => return fail("MD5 accounts are not supported".into()),
        n => return fail(format!("unknown algorithm {n}")),
    };
    let digits = match p.digits {
        0 | 1 => 6,
        2 => 8,
        n => return fail(format!("unknown digit count {n}")),
    };
    let kind = match p.kind {
        0 | 2 => OtpKind::Totp,
        1 => OtpKind::Hotp,
        n => return fail(format!("unknown OTP type {n}")),
    };
    Fields {
        kind,
        secret: SecretField::Bytes(Zeroizing::new(p.secret.clone())),
        issuer,
        name,
        algorithm: Some(algorithm),
        digits: Some(digits),
        period: None,
        counter: Some(p.counter),
        note: "",
    }
    .into_entry(position)
}

/// Google puts "Issuer:account" in `name`; the issuer field may repeat the prefix or be empty.
fn split_name<'a>(issuer: &'a str, name: &'a str) -> (&'a str, &'a str) {
    match name.split_once(':') {
        Some((prefix, rest)) if issuer.is_empty() => (prefix.trim(), rest.trim()),
        Some((prefix, rest)) if prefix.trim() == issuer.trim() => (issuer, rest.trim()),
        _ => (issuer, name),
    }
}

/// `%XX` decoding; `+` stays `+` (it is base64 here, not a space).
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Standard or URL-safe base64, padded or not (exporters differ).
fn decode_base64(s: &str) -> Option<Vec<u8>> {
    use base64::engine::{
        general_purpose::GeneralPurposeConfig, DecodePaddingMode, GeneralPurpose,
    };
    let normal: String = s
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    let config =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    GeneralPurpose::new(&base64::alphabet::STANDARD, config).decode(normal).ok()
}

/// Encodes one payload as a transfer URI (for the export).
pub(crate) fn encode_uri(payload: &MigrationPayload) -> String {
    let bytes = Zeroizing::new(prost::Message::encode_to_vec(payload));
    let b64 = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(&bytes[..]));
    let mut uri = String::from("otpauth-migration://offline?data=");
    for c in b64.chars() {
        match c {
            '+' => uri.push_str("%2B"),
            '/' => uri.push_str("%2F"),
            '=' => uri.push_str("%3D"),
            c => uri.push(c),
        }
    }
    uri
}
