//! Android Key Attestation: the certificate chain up to a configured root, then the leaf's
//! key description against what a phone sign-in key must be.

use x509_parser::certificate::X509Certificate;
use x509_parser::der_parser::oid;
use x509_parser::oid_registry::Oid;
use x509_parser::prelude::FromDer;
use x509_parser::time::ASN1Time;

use super::key_description::{
    self, KeyDescription, ALGORITHM_EC, CURVE_P256, ORIGIN_GENERATED, PURPOSE_SIGN,
    SECURITY_SOFTWARE,
};
use super::AttestationError as E;

/// The key description extension.
const KEY_DESCRIPTION: Oid<'static> = oid!(1.3.6 .1 .4 .1 .11129 .2 .1 .17);

fn parse(i: usize, der: &[u8]) -> Result<X509Certificate<'_>, E> {
    match X509Certificate::from_der(der) {
        Ok(([], cert)) => Ok(cert),
        _ => Err(E::MalformedCertificate(i)),
    }
}

/// Verifies `chain` (DER, leaf first) up to one of `roots` at `now`, then that its leaf
/// attests `public_key` (SEC1) for `challenge` as a phone sign-in key.
pub fn verify(
    chain: &[Vec<u8>],
    roots: &[Vec<u8>],
    public_key: &[u8],
    challenge: &[u8],
    now: i64,
) -> Result<(), E> {
    let certs =
        chain.iter().enumerate().map(|(i, der)| parse(i, der)).collect::<Result<Vec<_>, _>>()?;
    let at = ASN1Time::from_timestamp(now).map_err(|_| E::NotValidNow(0))?;
    for (i, cert) in certs.iter().enumerate() {
        if !cert.validity().is_valid_at(at) {
            return Err(E::NotValidNow(i));
        }
        if let Some(issuer) = certs.get(i + 1) {
            cert.verify_signature(Some(issuer.public_key())).map_err(|_| E::ChainBroken(i))?;
        }
    }
    let last = certs.last().ok_or(E::ChainLength)?;
    if !ends_at_a_root(last, roots) {
        return Err(E::UntrustedRoot);
    }
    let leaf = &certs[0];
    let description = key_description_of(&certs)?;
    if leaf.public_key().subject_public_key.data.as_ref() != public_key {
        return Err(E::WrongKey);
    }
    check_description(&description, challenge)
}

/// The last certificate is a configured root, or is signed by one.
fn ends_at_a_root(last: &X509Certificate<'_>, roots: &[Vec<u8>]) -> bool {
    roots.iter().any(|der| match X509Certificate::from_der(der) {
        Ok((_, root)) => {
            last.as_raw() == root.as_raw() || last.verify_signature(Some(root.public_key())).is_ok()
        }
        Err(_) => false,
    })
}

/// The leaf's key description; no other certificate may carry one (an intermediate with
/// one would be a key that attests itself).
fn key_description_of(certs: &[X509Certificate<'_>]) -> Result<KeyDescription, E> {
    if certs[1..].iter().any(|c| !matches!(c.get_extension_unique(&KEY_DESCRIPTION), Ok(None))) {
        return Err(E::NoKeyDescription);
    }
    let ext = certs[0]
        .get_extension_unique(&KEY_DESCRIPTION)
        .map_err(|_| E::MalformedKeyDescription)?
        .ok_or(E::NoKeyDescription)?;
    key_description::parse(ext.value).map_err(|_| E::MalformedKeyDescription)
}

fn check_description(d: &KeyDescription, challenge: &[u8]) -> Result<(), E> {
    // Constant time is not needed: the challenge is public to the phone that sent it.
    if d.challenge != challenge {
        return Err(E::ChallengeMismatch);
    }
    if d.attestation_security_level == SECURITY_SOFTWARE
        || d.key_mint_security_level == SECURITY_SOFTWARE
    {
        return Err(E::NotHardware);
    }
    let hw = &d.hardware;
    let signs = hw.purpose.as_ref().is_some_and(|p| p.contains(&PURPOSE_SIGN));
    if !signs
        || hw.algorithm != Some(ALGORITHM_EC)
        || hw.ec_curve != Some(CURVE_P256)
        || hw.origin != Some(ORIGIN_GENERATED)
    {
        return Err(E::WrongKeyProperties);
    }
    if hw.no_auth_required || d.software.no_auth_required {
        return Err(E::NoAuthRequired);
    }
    if hw.user_auth_type.unwrap_or(0) == 0 {
        return Err(E::UserAuthNotEnforced);
    }
    if hw.auth_timeout.unwrap_or(0) != 0 || d.software.auth_timeout.unwrap_or(0) != 0 {
        return Err(E::AuthValidityWindow);
    }
    Ok(())
}
