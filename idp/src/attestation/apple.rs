//! Apple App Attest (`apple-appattest`): the attestation object `DCAppAttestService.attestKey`
//! returns, checked as Apple's "Validating apps that connect to your server" says — the
//! certificate chain up to Apple's App Attestation root, the nonce in the credential
//! certificate, the app id's hash, the counter, the environment and the key id.
//!
//! App Attest attests a key of its own, not the phone sign-in key: what it proves is that a
//! genuine instance of the app, on a genuine Apple device, asked for this attestation with
//! this `clientDataHash` — which names the provider's challenge and the phone sign-in key
//! (`wire::app_attest_client_data_hash`).

use ciborium::Value;
use nyckel_core::protocol::wire::sha256;
use x509_parser::asn1_rs::{Any, Class, FromDer, Tag};
use x509_parser::der_parser::oid;
use x509_parser::oid_registry::Oid;

use super::chain;
use super::{AppAttestPolicy, AttestationError as E};

/// The credential certificate's nonce extension.
const NONCE: Oid<'static> = oid!(1.2.840 .113635 .100 .8 .2);
/// The format's name in the attestation object.
const FMT: &str = "apple-appattest";
/// `aaguid` of the production environment: `appattest` and seven zero bytes.
const AAGUID_PRODUCTION: &[u8; 16] = b"appattest\0\0\0\0\0\0\0";
/// `aaguid` of the development environment.
const AAGUID_DEVELOPMENT: &[u8; 16] = b"appattestdevelop";
/// Bytes of `authData` up to the credential id: rpIdHash, flags, signCount, aaguid and the
/// credential id's length.
const AUTH_DATA_FIXED: usize = 32 + 1 + 4 + 16 + 2;

/// The parts of an attestation object the provider checks.
struct Object {
    x5c: Vec<Vec<u8>>,
    auth_data: Vec<u8>,
}

fn text_key<'a>(map: &'a [(Value, Value)], key: &str) -> Result<&'a Value, E> {
    let mut found = map.iter().filter(|(k, _)| k.as_text() == Some(key));
    match (found.next(), found.next()) {
        (Some((_, v)), None) => Ok(v),
        _ => Err(E::MalformedAppAttest), // absent, or given twice
    }
}

fn bytes(v: &Value) -> Result<Vec<u8>, E> {
    v.as_bytes().cloned().ok_or(E::MalformedAppAttest)
}

/// Reads the CBOR attestation object `{fmt, attStmt: {x5c, receipt}, authData}`; nothing may
/// follow it.
fn read(object: &[u8]) -> Result<Object, E> {
    let mut rest = object;
    let value: Value = ciborium::from_reader(&mut rest).map_err(|_| E::MalformedAppAttest)?;
    if !rest.is_empty() {
        return Err(E::MalformedAppAttest);
    }
    let map = value.as_map().ok_or(E::MalformedAppAttest)?;
    if text_key(map, "fmt")?.as_text() != Some(FMT) {
        return Err(E::MalformedAppAttest);
    }
    let statement = text_key(map, "attStmt")?.as_map().ok_or(E::MalformedAppAttest)?;
    let x5c = text_key(statement, "x5c")?
        .as_array()
        .ok_or(E::MalformedAppAttest)?
        .iter()
        .map(bytes)
        .collect::<Result<Vec<_>, _>>()?;
    let auth_data = bytes(text_key(map, "authData")?)?;
    if auth_data.len() < AUTH_DATA_FIXED {
        return Err(E::MalformedAppAttest);
    }
    Ok(Object { x5c, auth_data })
}

/// Verifies an App Attest attestation `object` for `client_data_hash` (what the app passed
/// to `attestKey`) at `now`, as `policy` requires.
pub fn verify(
    object: &[u8],
    policy: &AppAttestPolicy,
    client_data_hash: &[u8],
    now: i64,
) -> Result<(), E> {
    let o = read(object)?;
    // x5c: the credential certificate, then Apple's intermediate; the root is configured.
    if o.x5c.len() != 2 {
        return Err(E::ChainLength);
    }
    let certs = chain::parse_all(&o.x5c)?;
    chain::verify(&certs, &policy.roots, now)?;
    let cred_cert = &certs[0];
    // The nonce: SHA-256(authData ‖ clientDataHash), in the credential certificate.
    let ext = cred_cert
        .get_extension_unique(&NONCE)
        .map_err(|_| E::MalformedAppAttest)?
        .ok_or(E::MalformedAppAttest)?;
    let nonce = nonce_of(ext.value).ok_or(E::MalformedAppAttest)?;
    let expected = sha256(&[o.auth_data.as_slice(), client_data_hash].concat());
    if nonce != expected {
        return Err(E::NonceMismatch);
    }
    check_auth_data(&o.auth_data, policy, cred_cert.public_key().subject_public_key.data.as_ref())
}

/// The nonce extension's value: `SEQUENCE { [1] EXPLICIT OCTET STRING }`, nothing else.
fn nonce_of(der: &[u8]) -> Option<&[u8]> {
    let one = |bytes| match Any::from_der(bytes) {
        Ok(([], value)) => Some(value),
        _ => None,
    };
    let sequence =
        one(der).filter(|v| v.class() == Class::Universal && v.tag() == Tag::Sequence)?;
    let tagged =
        one(sequence.data).filter(|v| v.class() == Class::ContextSpecific && v.tag() == Tag(1))?;
    let octets = one(tagged.data)
        .filter(|v| v.class() == Class::Universal && v.tag() == Tag::OctetString)?;
    Some(octets.data)
}

/// `authData`: the app's id, a new key (counter 0), the environment, and the credential id
/// that names the credential certificate's key.
fn check_auth_data(auth_data: &[u8], policy: &AppAttestPolicy, cred_key: &[u8]) -> Result<(), E> {
    if auth_data.len() < AUTH_DATA_FIXED {
        return Err(E::MalformedAppAttest); // read() refused it already; split_at needs it
    }
    let (rp_id_hash, rest) = auth_data.split_at(32);
    let (_flags, rest) = rest.split_at(1);
    let (counter, rest) = rest.split_at(4);
    let (aaguid, rest) = rest.split_at(16);
    let (id_len, rest) = rest.split_at(2);
    let id_len = usize::from(u16::from_be_bytes([id_len[0], id_len[1]]));
    // What follows the credential id (its COSE key, extensions) is not checked.
    let credential_id = rest.get(..id_len).ok_or(E::MalformedAppAttest)?;
    if !policy.app_ids.iter().any(|app| sha256(app.as_bytes()) == rp_id_hash) {
        return Err(E::AppNotAllowed);
    }
    if counter != [0; 4] {
        return Err(E::CounterNotZero);
    }
    let production = aaguid == AAGUID_PRODUCTION;
    if !(production || (policy.development && aaguid == AAGUID_DEVELOPMENT)) {
        return Err(E::WrongEnvironment);
    }
    // The key id is the SHA-256 of the credential certificate's key (the X9.62 point).
    if credential_id != sha256(cred_key) {
        return Err(E::KeyIdMismatch);
    }
    Ok(())
}
