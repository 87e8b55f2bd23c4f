//! The OpenID provider's signing keys: generation (ES256 on P-256, RS256 on RSA-2048), the
//! stored form handed to storage, the published JWKS (`kid` on every key, `x5c` with a
//! self-signed certificate on RSA keys, as Microsoft Entra requires), signing, and the rotation
//! model: a rotation adds a new key of each algorithm, the newest key of an algorithm signs,
//! and older keys stay published (so tokens they signed still verify) until retired.
//!
//! Signing is ring's (through `jsonwebtoken`); the `rsa` crate only generates RSA keys, which
//! ring cannot, and converts the stored PKCS#8 form to the PKCS#1 form `jsonwebtoken` reads.

use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, EllipticCurve, EllipticCurveKeyParameters,
    EllipticCurveKeyType, Jwk, JwkSet, KeyAlgorithm, PublicKeyUse, RSAKeyParameters, RSAKeyType,
};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use nyckel_core::protocol::wire::{b64, sha256};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use rsa::traits::PublicKeyParts;
use serde::Serialize;

pub use crate::oidc_model::{SigningAlg, StoredKey};

/// RSA modulus size for new keys (bits).
const RSA_BITS: usize = 2048;
/// How long the self-signed certificate of an RSA key is valid (seconds, 10 years): the
/// certificate only carries the key to relying parties that want `x5c`; rotation is by
/// `keys rotate`, not by expiry.
const CERT_VALIDITY: i64 = 10 * 365 * 24 * 3600;

/// The `jsonwebtoken` algorithm of a signing algorithm.
fn jose(alg: SigningAlg) -> Algorithm {
    match alg {
        SigningAlg::Rs256 => Algorithm::RS256,
        SigningAlg::Es256 => Algorithm::ES256,
    }
}

/// Why a key could not be made, read or used. Never carries key material.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The system random generator or the key generator failed.
    #[error("could not generate a {0} key")]
    Generate(&'static str),
    /// The self-signed certificate of an RSA key could not be made.
    #[error("could not make the key's certificate")]
    Certificate,
    /// A stored key does not parse (its `kid`).
    #[error("stored signing key {0} is malformed")]
    Malformed(String),
    /// No published key has this `kid`.
    #[error("no published signing key has kid {0}")]
    UnknownKid(String),
    /// Retiring this key would leave its algorithm without a key to sign with.
    #[error("{0} is the only {1} key: rotate first, then retire it")]
    LastKey(String, &'static str),
    /// No key of this algorithm exists (storage holds none: keys are made on first start).
    #[error("no {0} signing key")]
    NoKey(&'static str),
    /// Signing a token failed.
    #[error("could not sign the token")]
    Sign,
}

/// Generates a new key of `alg` at `now`; an RSA key gets a self-signed certificate whose
/// subject is `subject` (the provider's display name).
pub fn generate(alg: SigningAlg, now: i64, subject: &str) -> Result<StoredKey, KeyError> {
    match alg {
        SigningAlg::Es256 => {
            let rng = SystemRandom::new();
            let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
                .map_err(|_| KeyError::Generate("ES256"))?;
            let pkcs8 = doc.as_ref().to_vec();
            let public = ec_public(&pkcs8).ok_or(KeyError::Generate("ES256"))?;
            Ok(StoredKey {
                kid: public.thumbprint(),
                alg,
                private_pkcs8: pkcs8,
                cert_der: None,
                created_at: now,
                retired_at: None,
            })
        }
        SigningAlg::Rs256 => {
            let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, RSA_BITS)
                .map_err(|_| KeyError::Generate("RS256"))?;
            let pkcs8 =
                key.to_pkcs8_der().map_err(|_| KeyError::Generate("RS256"))?.as_bytes().to_vec();
            let public = Public::Rsa { n: key.n().to_bytes_be(), e: key.e().to_bytes_be() };
            let cert = self_signed_certificate(&pkcs8, now, subject)?;
            Ok(StoredKey {
                kid: public.thumbprint(),
                alg,
                private_pkcs8: pkcs8,
                cert_der: Some(cert),
                created_at: now,
                retired_at: None,
            })
        }
    }
}

/// A self-signed certificate for an RSA key (PKCS#8 DER), valid from `now` for
/// [`CERT_VALIDITY`], subject CN = `subject`.
fn self_signed_certificate(pkcs8: &[u8], now: i64, subject: &str) -> Result<Vec<u8>, KeyError> {
    let der = rustls_pki_types::PrivatePkcs8KeyDer::from(pkcs8);
    let pair = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(&der, &rcgen::PKCS_RSA_SHA256)
        .map_err(|_| KeyError::Certificate)?;
    let mut params =
        rcgen::CertificateParams::new(Vec::<String>::new()).map_err(|_| KeyError::Certificate)?;
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(rcgen::DnType::CommonName, subject);
    params.distinguished_name = dn;
    params.not_before =
        time::OffsetDateTime::from_unix_timestamp(now).map_err(|_| KeyError::Certificate)?;
    params.not_after = time::OffsetDateTime::from_unix_timestamp(now + CERT_VALIDITY)
        .map_err(|_| KeyError::Certificate)?;
    let cert = params.self_signed(&pair).map_err(|_| KeyError::Certificate)?;
    Ok(cert.der().to_vec())
}

/// The public half of a key, as a JWK carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Public {
    Rsa { n: Vec<u8>, e: Vec<u8> },
    Ec { x: Vec<u8>, y: Vec<u8> },
}

impl Public {
    /// RFC 7638 thumbprint: SHA-256 over the required members in lexicographic order, no
    /// whitespace; base64url.
    fn thumbprint(&self) -> String {
        let canonical = match self {
            Public::Rsa { n, e } => format!(r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#, b64(e), b64(n)),
            Public::Ec { x, y } => {
                format!(r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#, b64(x), b64(y))
            }
        };
        b64(&sha256(canonical.as_bytes()))
    }
}

/// The public point of a P-256 PKCS#8 key.
fn ec_public(pkcs8: &[u8]) -> Option<Public> {
    let pair =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8, &SystemRandom::new())
            .ok()?;
    let point = pair.public_key().as_ref();
    // Uncompressed SEC1 point: 0x04 || x || y.
    if point.len() != 65 || point[0] != 4 {
        return None;
    }
    Some(Public::Ec { x: point[1..33].to_vec(), y: point[33..].to_vec() })
}

/// A key ready to sign and to be published.
struct LoadedKey {
    kid: String,
    alg: SigningAlg,
    created_at: i64,
    encoding: EncodingKey,
    jwk: Jwk,
}

impl LoadedKey {
    fn load(k: &StoredKey) -> Result<LoadedKey, KeyError> {
        let malformed = || KeyError::Malformed(k.kid.clone());
        let (public, encoding) = match k.alg {
            SigningAlg::Es256 => {
                let public = ec_public(&k.private_pkcs8).ok_or_else(malformed)?;
                (public, EncodingKey::from_ec_der(&k.private_pkcs8))
            }
            SigningAlg::Rs256 => {
                let key = rsa::RsaPrivateKey::from_pkcs8_der(&k.private_pkcs8)
                    .map_err(|_| malformed())?;
                let pkcs1 = key.to_pkcs1_der().map_err(|_| malformed())?;
                let public = Public::Rsa { n: key.n().to_bytes_be(), e: key.e().to_bytes_be() };
                (public, EncodingKey::from_rsa_der(pkcs1.as_bytes()))
            }
        };
        if public.thumbprint() != k.kid {
            return Err(malformed());
        }
        let algorithm = match &public {
            Public::Rsa { n, e } => AlgorithmParameters::RSA(RSAKeyParameters {
                key_type: RSAKeyType::RSA,
                n: b64(n),
                e: b64(e),
            }),
            Public::Ec { x, y } => AlgorithmParameters::EllipticCurve(EllipticCurveKeyParameters {
                key_type: EllipticCurveKeyType::EC,
                curve: EllipticCurve::P256,
                x: b64(x),
                y: b64(y),
            }),
        };
        let common = CommonParameters {
            public_key_use: Some(PublicKeyUse::Signature),
            key_algorithm: Some(match k.alg {
                SigningAlg::Rs256 => KeyAlgorithm::RS256,
                SigningAlg::Es256 => KeyAlgorithm::ES256,
            }),
            key_id: Some(k.kid.clone()),
            // x5c is standard (padded) base64 of the DER, not base64url (RFC 7517 §4.7).
            x509_chain: k.cert_der.as_ref().map(|c| vec![std_b64(c)]),
            ..CommonParameters::default()
        };
        Ok(LoadedKey {
            kid: k.kid.clone(),
            alg: k.alg,
            created_at: k.created_at,
            encoding,
            jwk: Jwk { common, algorithm },
        })
    }
}

fn std_b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The published (not retired) keys: signs with the newest key of each algorithm and
/// publishes them all.
pub struct KeyRing {
    keys: Vec<LoadedKey>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.keys.iter().map(|k| (&k.kid, k.alg))).finish()
    }
}

impl KeyRing {
    /// Loads the keys that are not retired (retired ones are skipped, malformed ones refused);
    /// `stored` is in the order they were added.
    pub fn load(stored: &[StoredKey]) -> Result<KeyRing, KeyError> {
        let mut keys = stored
            .iter()
            .filter(|k| k.retired_at.is_none())
            .map(LoadedKey::load)
            .collect::<Result<Vec<_>, _>>()?;
        // Newest first: the first key of an algorithm signs. `stored` is oldest first, which
        // breaks ties within a second (the sort is stable).
        keys.reverse();
        keys.sort_by_key(|k| std::cmp::Reverse(k.created_at));
        Ok(KeyRing { keys })
    }

    /// The JWKS document (`jwks_uri`).
    pub fn jwks(&self) -> JwkSet {
        JwkSet { keys: self.keys.iter().map(|k| k.jwk.clone()).collect() }
    }

    /// The `kid` that signs with `alg` now.
    #[cfg(test)]
    pub fn signing_kid(&self, alg: SigningAlg) -> Option<&str> {
        self.keys.iter().find(|k| k.alg == alg).map(|k| k.kid.as_str())
    }

    /// Signs `claims` as a compact JWS with the newest key of `alg` (`typ: JWT`, `kid`).
    pub fn sign<T: Serialize>(&self, alg: SigningAlg, claims: &T) -> Result<String, KeyError> {
        let key = self.keys.iter().find(|k| k.alg == alg).ok_or(KeyError::NoKey(alg.as_str()))?;
        let mut header = Header::new(jose(alg));
        header.kid = Some(key.kid.clone());
        jsonwebtoken::encode(&header, claims, &key.encoding).map_err(|_| KeyError::Sign)
    }

    /// Verifies a token this provider signed with a published key (signature only; the
    /// caller checks the claims it needs) and returns its claims. `None`: not ours or forged.
    pub fn verify_own<T: serde::de::DeserializeOwned>(&self, token: &str) -> Option<T> {
        let header = jsonwebtoken::decode_header(token).ok()?;
        let kid = header.kid?;
        let key = self.keys.iter().find(|k| k.kid == kid)?;
        if header.alg != jose(key.alg) {
            return None;
        }
        let decoding = DecodingKey::from_jwk(&key.jwk).ok()?;
        let mut v = jsonwebtoken::Validation::new(jose(key.alg));
        // Signature only: expired hints are fine for logout; audience is checked by the caller.
        v.validate_exp = false;
        v.validate_aud = false;
        v.required_spec_claims.clear();
        jsonwebtoken::decode::<T>(token, &decoding, &v).ok().map(|d| d.claims)
    }
}

/// What a rotation adds: one new key of each algorithm.
pub fn rotation(now: i64, subject: &str) -> Result<Vec<StoredKey>, KeyError> {
    SigningAlg::ALL.iter().map(|alg| generate(*alg, now, subject)).collect()
}

/// The keys to create on first start: one of each algorithm that has no published key.
pub fn missing(stored: &[StoredKey], now: i64, subject: &str) -> Result<Vec<StoredKey>, KeyError> {
    SigningAlg::ALL
        .iter()
        .filter(|alg| !stored.iter().any(|k| k.alg == **alg && k.retired_at.is_none()))
        .map(|alg| generate(*alg, now, subject))
        .collect()
}

/// Checks that the published key `kid` may be retired: it exists and is not the only
/// published key of its algorithm (then nothing could sign).
pub fn check_retire(stored: &[StoredKey], kid: &str) -> Result<(), KeyError> {
    let key = stored
        .iter()
        .find(|k| k.kid == kid && k.retired_at.is_none())
        .ok_or_else(|| KeyError::UnknownKid(kid.to_owned()))?;
    let same_alg = stored.iter().filter(|k| k.alg == key.alg && k.retired_at.is_none()).count();
    if same_alg < 2 {
        return Err(KeyError::LastKey(kid.to_owned(), key.alg.as_str()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};
    use std::sync::OnceLock;

    const NOW: i64 = 1_780_000_000;

    /// RSA generation takes a moment: the tests share one generated pair of keys.
    fn keys() -> &'static Vec<StoredKey> {
        static KEYS: OnceLock<Vec<StoredKey>> = OnceLock::new();
        KEYS.get_or_init(|| rotation(NOW, "Region Test").unwrap())
    }

    #[test]
    fn jwks_has_a_kid_on_every_key_and_x5c_on_the_rsa_key() {
        let ring = KeyRing::load(keys()).unwrap();
        let jwks: Value = serde_json::to_value(ring.jwks()).unwrap();
        let list = jwks["keys"].as_array().unwrap();
        assert_eq!(list.len(), 2);
        for k in list {
            assert!(k["kid"].as_str().is_some_and(|s| s.len() == 43), "{k}");
            assert_eq!(k["use"], "sig");
            assert!(k.get("d").is_none() && k.get("p").is_none(), "no private member");
        }
        let rsa = list.iter().find(|k| k["kty"] == "RSA").unwrap();
        assert_eq!(rsa["alg"], "RS256");
        assert_eq!(rsa["e"], "AQAB");
        let x5c = rsa["x5c"].as_array().unwrap();
        assert_eq!(x5c.len(), 1);
        let ec = list.iter().find(|k| k["kty"] == "EC").unwrap();
        assert_eq!((ec["crv"].as_str(), ec["alg"].as_str()), (Some("P-256"), Some("ES256")));
        assert!(ec.get("x5c").is_none());
    }

    #[test]
    fn the_certificate_is_self_signed_for_the_published_rsa_key() {
        use base64::Engine;
        let ring = KeyRing::load(keys()).unwrap();
        let jwks: Value = serde_json::to_value(ring.jwks()).unwrap();
        let rsa = jwks["keys"].as_array().unwrap().iter().find(|k| k["kty"] == "RSA").unwrap();
        let der = base64::engine::general_purpose::STANDARD
            .decode(rsa["x5c"][0].as_str().unwrap())
            .unwrap();
        let n = nyckel_core::protocol::wire::unb64(rsa["n"].as_str().unwrap()).unwrap();
        // The certificate carries the same modulus as the JWK…
        assert!(der.windows(n.len()).any(|w| w == n.as_slice()), "certificate holds the key");
        // …names the provider, and its signature verifies with that key (self-signed):
        // the signature is the last BIT STRING, over the TBSCertificate (the first element).
        assert!(der.windows(b"Region Test".len()).any(|w| w == b"Region Test"));
        let (tbs, sig) = split_certificate(&der);
        let public = ring::signature::RsaPublicKeyComponents {
            n: &n,
            e: &nyckel_core::protocol::wire::unb64(rsa["e"].as_str().unwrap()).unwrap(),
        };
        public.verify(&ring::signature::RSA_PKCS1_2048_8192_SHA256, tbs, sig).unwrap();
    }

    /// Splits a DER certificate into its TBSCertificate (with header) and signature bytes.
    fn split_certificate(der: &[u8]) -> (&[u8], &[u8]) {
        fn header(b: &[u8]) -> (usize, usize) {
            // (header length, content length) of the DER element at the start of `b`.
            if b[1] < 0x80 {
                (2, b[1] as usize)
            } else {
                let n = (b[1] & 0x7f) as usize;
                let len = b[2..2 + n].iter().fold(0usize, |a, x| a << 8 | *x as usize);
                (2 + n, len)
            }
        }
        let (h, _) = header(der);
        let body = &der[h..];
        let (th, tl) = header(body);
        let tbs = &body[..th + tl];
        let rest = &body[th + tl..];
        let (ah, al) = header(rest); // AlgorithmIdentifier
        let bits = &rest[ah + al..];
        let (bh, bl) = header(bits);
        (tbs, &bits[bh + 1..bh + bl]) // skip the unused-bits byte
    }

    #[test]
    fn algorithm_names_round_trip() {
        for alg in SigningAlg::ALL {
            assert_eq!(SigningAlg::parse(alg.as_str()), Some(alg));
        }
        assert_eq!(SigningAlg::parse("HS256"), None);
        assert_eq!(SigningAlg::parse("none"), None);
    }

    #[test]
    fn kid_is_the_rfc7638_thumbprint() {
        // RFC 7638 §3.1's example key and thumbprint.
        let n = nyckel_core::protocol::wire::unb64("0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw").unwrap();
        let public = Public::Rsa { n, e: vec![1, 0, 1] };
        assert_eq!(public.thumbprint(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    }

    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct Claims {
        sub: String,
        n: u32,
    }

    #[test]
    fn signs_with_either_algorithm_and_verifies_its_own_tokens() {
        let ring = KeyRing::load(keys()).unwrap();
        let claims = Claims { sub: "u1".into(), n: 7 };
        for alg in SigningAlg::ALL {
            let jwt = ring.sign(alg, &claims).unwrap();
            let header = jsonwebtoken::decode_header(&jwt).unwrap();
            assert_eq!(header.alg, jose(alg));
            assert_eq!(header.kid.as_deref(), ring.signing_kid(alg));
            assert_eq!(header.typ.as_deref(), Some("JWT"));
            assert_eq!(ring.verify_own::<Claims>(&jwt), Some(Claims { sub: "u1".into(), n: 7 }));
            // A changed payload does not verify.
            let mut parts: Vec<String> = jwt.split('.').map(str::to_owned).collect();
            parts[1] = b64(br#"{"sub":"u2","n":7}"#);
            assert_eq!(ring.verify_own::<Claims>(&parts.join(".")), None);
        }
    }

    #[test]
    fn a_token_signed_with_the_other_algorithms_header_is_refused() {
        let ring = KeyRing::load(keys()).unwrap();
        let jwt = ring.sign(SigningAlg::Rs256, &json!({"sub": "u"})).unwrap();
        // Re-label the header as ES256 with the RSA kid: refused before any crypto.
        let kid = ring.signing_kid(SigningAlg::Rs256).unwrap();
        let header = b64(format!(r#"{{"alg":"ES256","kid":"{kid}"}}"#).as_bytes());
        let rest = jwt.split_once('.').unwrap().1;
        assert_eq!(ring.verify_own::<Value>(&format!("{header}.{rest}")), None);
    }

    #[test]
    fn rotation_signs_with_the_new_key_and_keeps_publishing_the_old_until_retired() {
        let old = keys().clone();
        let mut all = old.clone();
        let new = rotation(NOW + 100, "Region Test").unwrap();
        all.extend(new.clone());
        let ring = KeyRing::load(&all).unwrap();
        assert_eq!(ring.jwks().keys.len(), 4);
        for alg in SigningAlg::ALL {
            let newest = new.iter().find(|k| k.alg == alg).unwrap();
            assert_eq!(ring.signing_kid(alg), Some(newest.kid.as_str()));
        }
        // A token signed by the old key still verifies while it is published.
        let old_ring = KeyRing::load(&old).unwrap();
        let token = old_ring.sign(SigningAlg::Es256, &json!({"sub": "u"})).unwrap();
        assert!(ring.verify_own::<Value>(&token).is_some());
        // Retiring it is allowed (a newer ES256 key exists) and unpublishes it.
        let old_es = old.iter().find(|k| k.alg == SigningAlg::Es256).unwrap().kid.clone();
        check_retire(&all, &old_es).unwrap();
        for k in all.iter_mut().filter(|k| k.kid == old_es) {
            k.retired_at = Some(NOW + 200);
        }
        let ring = KeyRing::load(&all).unwrap();
        assert_eq!(ring.jwks().keys.len(), 3);
        assert!(ring.verify_own::<Value>(&token).is_none());
        // The remaining ES256 key is the last one: it may not be retired.
        let new_es = new.iter().find(|k| k.alg == SigningAlg::Es256).unwrap().kid.clone();
        assert_eq!(check_retire(&all, &new_es), Err(KeyError::LastKey(new_es, "ES256")));
        assert_eq!(check_retire(&all, "nope"), Err(KeyError::UnknownKid("nope".into())));
        assert_eq!(check_retire(&all, &old_es), Err(KeyError::UnknownKid(old_es)));
    }

    #[test]
    fn missing_creates_only_absent_algorithms() {
        let es: Vec<StoredKey> =
            keys().iter().filter(|k| k.alg == SigningAlg::Es256).cloned().collect();
        let made = missing(&es, NOW, "x").unwrap();
        assert_eq!(made.iter().map(|k| k.alg).collect::<Vec<_>>(), vec![SigningAlg::Rs256]);
        assert!(missing(keys(), NOW, "x").unwrap().is_empty());
    }

    #[test]
    fn a_tampered_stored_key_is_refused_by_kid() {
        let mut k = keys()[1].clone();
        k.private_pkcs8[40] ^= 1;
        let err = KeyRing::load(&[k.clone()]).unwrap_err();
        assert_eq!(err, KeyError::Malformed(k.kid.clone()));
        let mut other = keys()[0].clone();
        other.kid = "not-its-thumbprint".into();
        assert!(matches!(KeyRing::load(&[other]), Err(KeyError::Malformed(_))));
    }

    #[test]
    fn debug_never_shows_the_private_key() {
        let k = &keys()[0];
        let dbg = format!("{k:?}");
        assert!(dbg.contains(&k.kid));
        assert!(!dbg.contains("private"));
        assert!(!dbg.contains(&format!("{:?}", &k.private_pkcs8[..8])));
    }
}
