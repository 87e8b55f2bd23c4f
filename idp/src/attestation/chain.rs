//! The certificate chain of an attestation: each DER certificate whole, valid now, signed by
//! the next, and the last one a configured root or signed by one.

use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;
use x509_parser::time::ASN1Time;

use super::AttestationError as E;

/// Parses each certificate (DER, nothing after it); a malformed one by its index.
pub fn parse_all(chain: &[Vec<u8>]) -> Result<Vec<X509Certificate<'_>>, E> {
    chain
        .iter()
        .enumerate()
        .map(|(i, der)| match X509Certificate::from_der(der) {
            Ok(([], cert)) => Ok(cert),
            _ => Err(E::MalformedCertificate(i)),
        })
        .collect()
}

/// Verifies `certs` (leaf first) up to one of `roots` (DER) at `now`.
pub fn verify(certs: &[X509Certificate<'_>], roots: &[Vec<u8>], now: i64) -> Result<(), E> {
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
    Ok(())
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
