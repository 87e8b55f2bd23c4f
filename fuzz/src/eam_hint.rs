//! The `id_token_hint` Microsoft Entra sends to an external authentication method, and the
//! tenant key set it is checked with (nyckel-idp's `eam::hint` and `eam::jwks`):
//!
//! - raw text: what is read before the signature (`unverified_tenant_and_kid`: the header's
//!   `alg` and `kid`, the payload's `tid`) gives bounded, printable ids or `Malformed`, and
//!   `verify` with the tenant's key refuses it (no forgery);
//! - claims the fuzzer chose, signed with the stand-in Entra key: `verify` accepts exactly the
//!   hints the rules allow (configured tenant, its issuer, the app as the only audience,
//!   `iat` at most ten minutes old and at most a minute ahead, bounded printable ids) — an
//!   independent model of the rules decides what the answer must be;
//! - a key set document (what the tenant's JWKS URL answers): a key found has the `kid`
//!   asked for, and a genuine hint verifies with no key but the genuine one.
//!
//! Input: a selector byte (0 raw hint, 1 signed claims JSON, 2 JWKS document, modulo 3),
//! then the text.

use jsonwebtoken::jwk::Jwk;
use nyckel_idp::fuzzing::hint::{self, HintError};
use nyckel_idp::fuzzing::jwks::JwksCache;
use nyckel_idp::fuzzing::keys::{self, KeyRing};
use nyckel_idp::{EamMethod, SigningAlg};
use serde_json::{json, Value};

const NOW: i64 = 1_800_000_000;

/// The stand-in Entra key, its JWK, the configured method and a genuine hint.
struct Fixture {
    entra: KeyRing,
    jwk: Jwk,
    method: EamMethod,
    genuine: String,
}

impl Fixture {
    fn new() -> Fixture {
        let key = keys::generate(SigningAlg::Rs256, NOW, "Entra stand-in").expect("a key");
        let entra = KeyRing::load(&[key]).expect("a fresh key loads");
        let jwk = entra.jwks().keys[0].clone();
        let method = EamMethod {
            client_id: "entra".into(),
            app_id: "app-1".into(),
            tenants: vec!["tenant-a".into(), "tenant-b".into()],
            redirect_uri: "https://login.example/cb".into(),
            issuer_template: "https://login.example/{tenantid}/v2.0".into(),
            jwks_uri_template: "https://login.example/{tenantid}/keys".into(),
            created_at: 0,
        };
        let claims = json!({
            "iss": "https://login.example/tenant-a/v2.0", "aud": "app-1", "tid": "tenant-a",
            "oid": "oid-1", "sub": "sub-1", "iat": NOW - 30, "exp": NOW - 20,
        });
        let genuine = entra.sign(SigningAlg::Rs256, &claims).expect("a hint is signed");
        Fixture { entra, jwk, method, genuine }
    }
}

thread_local! {
    static FIXTURE: Fixture = Fixture::new();
}

/// Feeds `data` to the hint or key set rules, chosen by its first byte.
pub fn check(data: &[u8]) {
    let (which, rest) = crate::selector(data);
    FIXTURE.with(|f| match which % 3 {
        0 => raw(f, &String::from_utf8_lossy(rest)),
        1 => {
            if let Ok(claims) = serde_json::from_slice::<Value>(rest) {
                signed(f, &claims);
            }
        }
        _ => key_set(f, rest),
    })
}

/// A bounded, printable id (what `tid`, `oid`, `sub` and `kid` must be).
fn id_ok(s: &str) -> bool {
    !s.is_empty() && s.len() <= 256 && !s.chars().any(char::is_control)
}

fn raw(f: &Fixture, text: &str) {
    if let Ok((tid, kid)) = hint::unverified_tenant_and_kid(text) {
        assert!(id_ok(&tid) && id_ok(&kid), "{tid:?} {kid:?}");
    }
    let verified = hint::verify(text, &f.jwk, &f.method, NOW);
    assert!(verified.is_err(), "a hint Entra did not sign verified");
}

fn signed(f: &Fixture, claims: &Value) {
    let token = f.entra.sign(SigningAlg::Rs256, claims).expect("any JSON is signed");
    let got = hint::verify(&token, &f.jwk, &f.method, NOW);
    let want = expected(f, claims);
    match (&got, &want) {
        (Ok(h), Ok(())) => {
            assert_eq!(Some(h.tid.as_str()), claims["tid"].as_str());
            assert_eq!(Some(h.oid.as_str()), claims["oid"].as_str());
            assert_eq!(Some(h.sub.as_str()), claims["sub"].as_str());
            let (tid, kid) = hint::unverified_tenant_and_kid(&token).expect("read before");
            assert_eq!(
                (Some(tid.as_str()), Some(kid)),
                (claims["tid"].as_str(), f.jwk.common.key_id.clone())
            );
        }
        (Err(e), Err(w)) => assert_eq!(e, w, "refused for another reason: {claims}"),
        _ => panic!("verify gave {got:?}, the rules say {want:?}: {claims}"),
    }
}

/// The hint rules, written out independently of `hint::verify`: the first rule a signed hint
/// with `claims` breaks, in the order the provider checks them.
fn expected(f: &Fixture, c: &Value) -> Result<(), HintError> {
    let text = |k: &str| c.get(k).and_then(Value::as_str);
    let Some(tid) = text("tid").filter(|t| id_ok(t)) else { return Err(HintError::Malformed) };
    if !f.method.has_tenant(tid) {
        return Err(HintError::UnknownTenant);
    }
    let aud = match c.get("aud") {
        Some(Value::String(a)) => Some(vec![a.as_str()]),
        Some(Value::Array(list)) => list.iter().map(Value::as_str).collect::<Option<Vec<_>>>(),
        _ => None,
    };
    let (Some(iss), Some(aud), Some(iat), Some(oid), Some(sub)) =
        (text("iss"), aud, c.get("iat").and_then(Value::as_i64), text("oid"), text("sub"))
    else {
        return Err(HintError::Malformed);
    };
    if !id_ok(oid) || !id_ok(sub) {
        return Err(HintError::Malformed);
    }
    if iss != f.method.issuer_for(tid) {
        return Err(HintError::WrongIssuer);
    }
    if aud != [f.method.app_id.as_str()] {
        return Err(HintError::WrongAudience);
    }
    if i128::from(iat) > i128::from(NOW + hint::FUTURE_LEEWAY) {
        return Err(HintError::FromTheFuture);
    }
    if i128::from(NOW) - i128::from(iat) > i128::from(hint::MAX_AGE) {
        return Err(HintError::TooOld);
    }
    Ok(())
}

fn key_set(f: &Fixture, document: &[u8]) {
    let body = document.to_vec();
    let cache = JwksCache::with_fetch(Box::new(move |_| Ok(body.clone())));
    let url = f.method.jwks_uri_for("tenant-a");
    // The genuine key's kid is random, so the documents name their own ("k1"); `verify`
    // takes the key it is given, whatever its kid.
    for (asked, at) in [("k1", NOW), ("other", NOW + 1), ("k1", NOW + 2)] {
        let Ok(key) = cache.key(&url, asked, at) else { continue };
        assert_eq!(key.common.key_id.as_deref(), Some(asked), "a key with another kid");
        if hint::verify(&f.genuine, &key, &f.method, NOW).is_ok() {
            let public = |k: &Jwk| {
                let v = serde_json::to_value(k).expect("a JWK serialises");
                (v["n"].clone(), v["e"].clone())
            };
            assert_eq!(public(&key), public(&f.jwk), "the hint verified with another key");
        }
    }
}
