//! The answer to Entra: which `acr` and `amr` a Nyckel approval satisfies, the ID token's
//! claims, and the page that form-posts the answer (`id_token` and `state`, or `error` and
//! `state`) to the method's redirect URI.

use serde::Serialize;

use crate::html::{esc, form_post_page};
use crate::oidc_model::{SignInMethod, UserVerification};

/// How long the ID token is valid (seconds): Entra checks it at once.
pub const ID_TOKEN_TTL: i64 = 300;

/// The authentication method classes of Entra's `acr` values that a method of Nyckel's
/// satisfies: an approval on the enrolled phone is possession; one verified by the app with
/// a fingerprint or the face is inherence as well (a PIN, knowledge).
fn classes(method: SignInMethod) -> (bool, bool, bool) {
    // (knowledge, possession, inherence)
    match method {
        SignInMethod::PasswordAndPush
        | SignInMethod::PasswordAndCode
        | SignInMethod::PhoneSignin(None) => (false, true, false),
        SignInMethod::PhoneSignin(Some(UserVerification::Pin)) => (true, true, false),
        SignInMethod::PhoneSignin(Some(UserVerification::Fingerprint | UserVerification::Face)) => {
            (false, true, true)
        }
    }
}

/// Whether `method` satisfies the `acr` value `acr` (Entra's values; unknown ones never).
pub fn satisfies(method: SignInMethod, acr: &str) -> bool {
    let (knowledge, possession, inherence) = classes(method);
    match acr {
        "possessionorinherence" => possession || inherence,
        "knowledgeorpossession" => knowledge || possession,
        "knowledgeorinherence" => knowledge || inherence,
        "possession" => possession,
        "inherence" => inherence,
        "knowledge" => knowledge,
        _ => false,
    }
}

/// The one `amr` value (from Entra's list) for `method`: `swk` for an approval with the app's
/// device key, `fpt`/`face` when the app reports it verified the user biometrically, `otp`
/// for a one-time code (not offered to Entra's users today).
pub fn amr(method: SignInMethod) -> &'static str {
    match method {
        SignInMethod::PhoneSignin(Some(UserVerification::Fingerprint)) => "fpt",
        SignInMethod::PhoneSignin(Some(UserVerification::Face)) => "face",
        SignInMethod::PasswordAndCode => "otp",
        SignInMethod::PasswordAndPush
        | SignInMethod::PhoneSignin(None | Some(UserVerification::Pin)) => "swk",
    }
}

/// The first of the request's `acr` values `method` satisfies (`Some(None)`: the request
/// named none, so none is asserted), and whether its `amr` values allow the method's;
/// `None`: the request asks for what this method is not.
pub fn fit(
    method: SignInMethod,
    acr_values: &[String],
    amr_values: Option<&[String]>,
) -> Option<Option<String>> {
    if amr_values.is_some_and(|list| !list.iter().any(|a| a == amr(method))) {
        return None;
    }
    if acr_values.is_empty() {
        return Some(None);
    }
    acr_values.iter().find(|a| satisfies(method, a)).cloned().map(Some)
}

/// The ID token posted to Entra.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IdTokenClaims {
    /// The provider's issuer.
    pub iss: String,
    /// The hint's `sub`.
    pub sub: String,
    /// The request's `client_id`.
    pub aud: String,
    /// Issued at.
    pub iat: i64,
    /// Expiry.
    pub exp: i64,
    /// The request's `nonce`.
    pub nonce: String,
    /// The satisfied `acr` value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acr: Option<String>,
    /// Exactly one method.
    pub amr: [&'static str; 1],
}

/// The ID token's claims.
pub fn id_token_claims(
    issuer: &str,
    sub: &str,
    client_id: &str,
    nonce: &str,
    acr: Option<String>,
    method: SignInMethod,
    now: i64,
) -> IdTokenClaims {
    IdTokenClaims {
        iss: issuer.to_owned(),
        sub: sub.to_owned(),
        aud: client_id.to_owned(),
        iat: now,
        exp: now + ID_TOKEN_TTL,
        nonce: nonce.to_owned(),
        acr,
        amr: [amr(method)],
    }
}

/// What is posted to Entra when the user was not authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Denied, reported, a wrong number, expired, or the method cannot satisfy the request.
    AccessDenied,
    /// The provider could not do it now (keys unreachable, busy, rate limited).
    TemporarilyUnavailable,
}

impl Failure {
    /// The OAuth `error` code.
    pub fn code(self) -> &'static str {
        match self {
            Failure::AccessDenied => "access_denied",
            Failure::TemporarilyUnavailable => "temporarily_unavailable",
        }
    }
}

/// The page that form-posts `fields` and `state` to `redirect_uri` as soon as it loads (with
/// the script the CSP allows by its hash, not an `onload` attribute).
pub fn form_post(redirect_uri: &str, fields: &[(&str, &str)], state: Option<&str>) -> String {
    let inputs: String = fields
        .iter()
        .copied()
        .chain(state.map(|s| ("state", s)))
        .map(|(k, v)| format!("<input type=\"hidden\" name=\"{}\" value=\"{}\">", esc(k), esc(v)))
        .collect();
    form_post_page(redirect_uri, &inputs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    const ENTRA_AMR: [&str; 13] = [
        "face", "fido", "fpt", "hwk", "iris", "otp", "pop", "retina", "sc", "sms", "swk", "tel",
        "vbm",
    ];

    #[test]
    fn a_push_approval_is_possession_with_amr_swk() {
        let push = SignInMethod::PasswordAndPush;
        assert_eq!(
            fit(push, &v(&["possessionorinherence"]), Some(&v(&ENTRA_AMR))),
            Some(Some("possessionorinherence".into()))
        );
        assert_eq!(
            fit(push, &v(&["inherence", "knowledgeorpossession"]), None),
            Some(Some("knowledgeorpossession".into())),
            "the first value it satisfies"
        );
        assert_eq!(fit(push, &v(&["inherence", "knowledge"]), None), None);
        assert_eq!(fit(push, &v(&["possession"]), Some(&v(&["fpt"]))), None, "swk not allowed");
        assert_eq!(fit(push, &[], None), Some(None));
        assert_eq!(amr(push), "swk");
    }

    #[test]
    fn biometric_phone_signin_is_inherence_too_with_its_amr() {
        let face = SignInMethod::PhoneSignin(Some(UserVerification::Face));
        assert!(satisfies(face, "inherence") && satisfies(face, "knowledgeorinherence"));
        assert_eq!(amr(face), "face");
        assert_eq!(amr(SignInMethod::PhoneSignin(Some(UserVerification::Fingerprint))), "fpt");
        let pin = SignInMethod::PhoneSignin(Some(UserVerification::Pin));
        assert!(satisfies(pin, "knowledge") && !satisfies(pin, "inherence"));
        assert_eq!(amr(pin), "swk");
        assert!(!satisfies(SignInMethod::PhoneSignin(None), "made-up"));
    }

    #[test]
    fn claims_and_the_form_post() {
        let c = id_token_claims(
            "https://idp",
            "sub-1",
            "entra",
            "n",
            Some("possession".into()),
            SignInMethod::PasswordAndPush,
            100,
        );
        let j = serde_json::to_value(&c).unwrap();
        assert_eq!(j["amr"], serde_json::json!(["swk"]));
        assert_eq!((j["aud"].as_str(), j["exp"].as_i64()), (Some("entra"), Some(400)));
        let no_acr = IdTokenClaims { acr: None, ..c };
        assert!(serde_json::to_value(no_acr).unwrap().get("acr").is_none());
        let page = form_post("https://x/cb?a=1&b=\"", &[("error", "access_denied")], Some("s<1"));
        assert!(page.contains(r#"action="https://x/cb?a=1&amp;b=&quot;""#));
        assert!(page.contains(r#"name="state" value="s&lt;1""#));
        assert!(page.contains(r#"name="error" value="access_denied""#));
    }
}
