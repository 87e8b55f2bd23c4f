//! The hint's rules, each refused alone, with RSA keys made here (as Entra's would be).

use jsonwebtoken::jwk::Jwk;
use serde_json::{json, Value};

use super::hint::{self, HintError};
use crate::eam_model::EamMethod;
use crate::oidc::keys::{generate, KeyRing};
use crate::oidc_model::SigningAlg;

const NOW: i64 = 1_800_000_000;

fn ring() -> KeyRing {
    KeyRing::load(&[generate(SigningAlg::Rs256, NOW, "Entra stand-in").unwrap()]).unwrap()
}

fn jwk(r: &KeyRing) -> Jwk {
    r.jwks().keys[0].clone()
}

fn method() -> EamMethod {
    EamMethod {
        client_id: "entra".into(),
        app_id: "app-1".into(),
        tenants: vec!["tenant-a".into(), "tenant-b".into()],
        redirect_uri: "https://login.example/cb".into(),
        issuer_template: "https://login.example/{tenantid}/v2.0".into(),
        jwks_uri_template: "https://login.example/{tenantid}/keys".into(),
        created_at: 0,
    }
}

fn claims() -> Value {
    json!({
        "iss": "https://login.example/tenant-a/v2.0",
        "aud": "app-1",
        "tid": "tenant-a",
        "oid": "oid-1",
        "sub": "sub-1",
        "iat": NOW - 30,
        "exp": NOW - 20,
        "preferred_username": "anna@example.se",
    })
}

fn with(change: &[(&str, Value)]) -> Value {
    let mut c = claims();
    for (k, v) in change {
        if v.is_null() {
            c.as_object_mut().unwrap().remove(*k);
        } else {
            c[*k] = v.clone();
        }
    }
    c
}

fn check(r: &KeyRing, c: &Value) -> Result<hint::Hint, HintError> {
    hint::verify(&r.sign(SigningAlg::Rs256, c).unwrap(), &jwk(r), &method(), NOW)
}

#[test]
fn a_hint_entra_signed_verifies_though_expired() {
    let r = ring();
    let h = check(&r, &claims()).unwrap();
    assert_eq!((h.tid.as_str(), h.oid.as_str(), h.sub.as_str()), ("tenant-a", "oid-1", "sub-1"));
    let token = r.sign(SigningAlg::Rs256, &claims()).unwrap();
    let (tid, kid) = hint::unverified_tenant_and_kid(&token).unwrap();
    assert_eq!((tid.as_str(), Some(kid.as_str())), ("tenant-a", jwk(&r).common.key_id.as_deref()));
    assert!(!format!("{h:?}").contains("oid-1"), "Debug names the tenant only");
    let aud_list = with(&[("aud", json!(["app-1"]))]);
    assert!(check(&r, &aud_list).is_ok());
}

#[test]
fn every_claim_rule_refuses_alone() {
    let r = ring();
    let other_tenant =
        with(&[("tid", json!("tenant-c")), ("iss", json!("https://login.example/tenant-c/v2.0"))]);
    assert_eq!(check(&r, &other_tenant).unwrap_err(), HintError::UnknownTenant);
    // Tenant b's issuer on tenant a's hint.
    let iss = with(&[("iss", json!("https://login.example/tenant-b/v2.0"))]);
    assert_eq!(check(&r, &iss).unwrap_err(), HintError::WrongIssuer);
    assert_eq!(check(&r, &with(&[("aud", json!("app-2"))])).unwrap_err(), HintError::WrongAudience);
    assert_eq!(
        check(&r, &with(&[("aud", json!(["app-1", "app-2"]))])).unwrap_err(),
        HintError::WrongAudience
    );
    let old = with(&[("iat", json!(NOW - hint::MAX_AGE - 1))]);
    assert_eq!(check(&r, &old).unwrap_err(), HintError::TooOld);
    assert!(check(&r, &with(&[("iat", json!(NOW - hint::MAX_AGE))])).is_ok(), "ten minutes");
    let future = with(&[("iat", json!(NOW + hint::FUTURE_LEEWAY + 1))]);
    assert_eq!(check(&r, &future).unwrap_err(), HintError::FromTheFuture);
    assert!(check(&r, &with(&[("iat", json!(NOW + 5))])).is_ok(), "clock difference");
    for missing in ["oid", "sub", "iat", "iss", "aud"] {
        let c = with(&[(missing, Value::Null)]);
        assert_eq!(check(&r, &c).unwrap_err(), HintError::Malformed, "{missing}");
    }
}

#[test]
fn a_forged_or_foreign_signature_is_refused() {
    let entra = ring();
    let attacker = ring();
    // Signed by another key, presented under Entra's kid.
    let forged = attacker.sign(SigningAlg::Rs256, &claims()).unwrap();
    assert_eq!(
        hint::verify(&forged, &jwk(&entra), &method(), NOW).unwrap_err(),
        HintError::BadSignature
    );
    // A changed payload under Entra's signature.
    let token = entra.sign(SigningAlg::Rs256, &claims()).unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let payload = b64.encode(serde_json::to_vec(&with(&[("oid", json!("oid-2"))])).unwrap());
    let tampered = format!("{}.{payload}.{}", parts[0], parts[2]);
    assert_eq!(
        hint::verify(&tampered, &jwk(&entra), &method(), NOW).unwrap_err(),
        HintError::BadSignature
    );
    // alg none / HS256 and garbage.
    let header = |h: Value| b64.encode(serde_json::to_vec(&h).unwrap());
    let none = format!("{}.{}.", header(json!({"alg": "none", "kid": "k"})), parts[1]);
    assert_eq!(hint::unverified_tenant_and_kid(&none).unwrap_err(), HintError::Malformed);
    let hs = format!("{}.{}.{}", header(json!({"alg": "HS256", "kid": "k"})), parts[1], parts[2]);
    assert_eq!(hint::unverified_tenant_and_kid(&hs).unwrap_err(), HintError::Malformed);
    let no_kid = format!("{}.{}.{}", header(json!({"alg": "RS256"})), parts[1], parts[2]);
    assert_eq!(hint::unverified_tenant_and_kid(&no_kid).unwrap_err(), HintError::Malformed);
    assert_eq!(hint::unverified_tenant_and_kid("a.b.c").unwrap_err(), HintError::Malformed);
    // An EC key can't verify an RS256 hint.
    let ec = KeyRing::load(&[generate(SigningAlg::Es256, NOW, "x").unwrap()]).unwrap();
    assert_eq!(
        hint::verify(&token, &ec.jwks().keys[0], &method(), NOW).unwrap_err(),
        HintError::BadSignature
    );
}

/// Found by the `eam_hint` fuzz target (its model of the rules computes ages without
/// overflow): an `iat` near the bottom of the range overflowed `now - iat` — a panic with
/// debug assertions, and in a release build a wrapped, negative age that let the hint pass
/// as fresh. Such a hint is too old; one near the top is from the future.
#[test]
fn an_iat_at_either_end_of_the_range_is_refused_without_overflow() {
    let r = ring();
    for iat in [i64::MIN, i64::MIN + 1, -NOW] {
        let c = with(&[("iat", json!(iat))]);
        assert_eq!(check(&r, &c).unwrap_err(), HintError::TooOld, "{iat}");
    }
    for iat in [i64::MAX, i64::MAX - 1] {
        let c = with(&[("iat", json!(iat))]);
        assert_eq!(check(&r, &c).unwrap_err(), HintError::FromTheFuture, "{iat}");
    }
}

/// Found by the `eam_hint` fuzz target: claims that are a JSON array were read by position
/// before the signature check (serde reads a struct from a sequence), so `["tenant-a"]` gave a
/// tenant and `["tenant-c"]` was refused as an unknown tenant rather than malformed. Claims
/// are a JSON object (RFC 7519 §7.2).
#[test]
fn claims_that_are_not_a_json_object_are_malformed() {
    let r = ring();
    let token = r.sign(SigningAlg::Rs256, &json!(["tenant-a"])).unwrap();
    assert_eq!(hint::unverified_tenant_and_kid(&token).unwrap_err(), HintError::Malformed);
    for claims in [json!(["tenant-a"]), json!(["tenant-c"]), json!("tenant-a"), json!(null)] {
        assert_eq!(check(&r, &claims).unwrap_err(), HintError::Malformed, "{claims}");
    }
}
