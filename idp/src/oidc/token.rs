//! The token endpoint's decisions (RFC 6749 §4.1.3, RFC 7636 §4.6, OpenID Connect Core §3.1.3)
//! and what it issues: an authorization code's record and its redemption rules (single use,
//! at most [`CODE_TTL`] seconds, bound to client, redirect URI and PKCE challenge), the ID
//! token's claims with `amr` per RFC 8176, opaque access tokens for `userinfo`.

use nyckel_core::protocol::wire::{b64, sha256};
use serde::Serialize;
use subtle::ConstantTimeEq;

use super::authorize::AuthorizeRequest;
use super::discovery::ACR_MFA;
use super::error::{OAuthCode, OAuthError};
pub use crate::oidc_model::{AccessTokenRecord, Authentication, CodeRecord};
#[cfg(test)]
use crate::oidc_model::{SignInMethod, UserVerification};

/// How long an authorization code may be redeemed (seconds).
pub const CODE_TTL: i64 = 60;
/// How long an access token is valid at `userinfo` (seconds).
pub const ACCESS_TOKEN_TTL: i64 = 600;
/// How long an ID token is valid (seconds).
pub const ID_TOKEN_TTL: i64 = 600;

/// SHA-256 of an opaque token (code, access token), base64url: what storage keeps.
pub fn token_hash(token: &str) -> String {
    b64(&sha256(token.as_bytes()))
}

/// A new code for an approved request: the code to send and the record to store.
pub fn issue_code(
    req: &AuthorizeRequest,
    auth: Authentication,
    now: i64,
    random: impl Fn(usize) -> Vec<u8>,
) -> (String, CodeRecord) {
    let code = b64(&random(32));
    let record = CodeRecord {
        code_hash: token_hash(&code),
        client_id: req.client_id.clone(),
        redirect_uri: req.redirect_uri.clone(),
        code_challenge: req.code_challenge.clone(),
        nonce: req.nonce.clone(),
        scope: req.scope.join(" "),
        auth,
        expires_at: now + CODE_TTL,
        used_at: None,
    };
    (code, record)
}

/// A token request's parameters (the form), before the client is authenticated.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenRequest {
    /// The code.
    pub code: String,
    /// The redirect URI (must equal the authorization request's).
    pub redirect_uri: String,
    /// The PKCE verifier.
    pub code_verifier: Option<String>,
}

impl std::fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRequest")
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

/// Parses the token request form (the client credentials are read by `client::presented`).
pub fn parse_request(params: &[(String, String)]) -> Result<TokenRequest, OAuthError> {
    let one = |name: &str| -> Result<Option<String>, OAuthError> {
        let mut it = params.iter().filter(|(k, _)| k == name);
        let v = it.next().map(|(_, v)| v.clone()).filter(|v| !v.is_empty());
        if it.next().is_some() {
            return Err(OAuthError::invalid_request("a parameter is repeated"));
        }
        Ok(v)
    };
    match one("grant_type")?.as_deref() {
        Some("authorization_code") => {}
        None => return Err(OAuthError::invalid_request("grant_type is required")),
        Some(_) => {
            return Err(OAuthError::new(
                OAuthCode::UnsupportedGrantType,
                "only authorization_code is supported",
            ))
        }
    }
    for name in ["client_id", "client_secret"] {
        one(name)?; // repeated credentials are refused too
    }
    Ok(TokenRequest {
        code: one("code")?.ok_or(OAuthError::invalid_request("code is required"))?,
        redirect_uri: one("redirect_uri")?
            .ok_or(OAuthError::invalid_request("redirect_uri is required"))?,
        code_verifier: one("code_verifier")?,
    })
}

/// Why a code was not redeemed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Redeem {
    /// Refused (expired, another client's, wrong redirect URI or verifier).
    Refused(OAuthError),
    /// The code was already used: refuse, and revoke what its first use issued (RFC 6749
    /// §4.1.2).
    Replayed,
}

impl Redeem {
    /// The answer to the client.
    pub fn error(self) -> OAuthError {
        match self {
            Redeem::Refused(e) => e,
            Redeem::Replayed => OAuthError::invalid_grant("the code was already used"),
        }
    }
}

/// Decides whether the authenticated `client_id` may redeem `record` with `req` at `now`.
/// The caller looked the record up by the code's hash, marks it used in the same transaction
/// when this passes, and on [`Redeem::Replayed`] revokes the tokens it issued.
pub fn redeem(
    record: &CodeRecord,
    req: &TokenRequest,
    client_id: &str,
    now: i64,
) -> Result<(), Redeem> {
    if record.used_at.is_some() {
        return Err(Redeem::Replayed);
    }
    let refuse = |d| Err(Redeem::Refused(OAuthError::invalid_grant(d)));
    if now >= record.expires_at {
        return refuse("the code has expired");
    }
    // Code injection: a code issued to another client is useless here.
    if record.client_id != client_id {
        return refuse("the code was issued to another client");
    }
    if record.redirect_uri != req.redirect_uri {
        return refuse("redirect_uri differs from the authorization request's");
    }
    match (&record.code_challenge, &req.code_verifier) {
        (Some(challenge), Some(verifier)) => {
            if !pkce_matches(challenge, verifier) {
                return refuse("code_verifier does not match the code_challenge");
            }
        }
        (Some(_), None) => return refuse("code_verifier is required"),
        // PKCE downgrade (RFC 9700 §2.1.1): a verifier for a request that had no challenge.
        (None, Some(_)) => {
            return refuse("code_verifier given but the request had no code_challenge")
        }
        (None, None) => {}
    }
    Ok(())
}

/// RFC 7636 §4.1/§4.6: the verifier is 43–128 unreserved characters and
/// `BASE64URL(SHA256(verifier)) == challenge`.
pub fn pkce_matches(challenge: &str, verifier: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    well_formed
        && bool::from(b64(&sha256(verifier.as_bytes())).as_bytes().ct_eq(challenge.as_bytes()))
}

/// The ID token's claims (OpenID Connect Core §2, §3.1.3.6).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct IdTokenClaims {
    /// The issuer.
    pub iss: String,
    /// The user's stable id.
    pub sub: String,
    /// The client id.
    pub aud: String,
    /// Expiry.
    pub exp: i64,
    /// Issued at.
    pub iat: i64,
    /// When the user signed in.
    pub auth_time: i64,
    /// The request's nonce.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub nonce: Option<String>,
    /// The provider session (for logout).
    pub sid: String,
    /// The authentication context class.
    pub acr: String,
    /// RFC 8176 methods.
    pub amr: Vec<String>,
    /// The authorized party (the client).
    pub azp: String,
    /// Half of the access token's SHA-256 (§3.1.3.8).
    pub at_hash: String,
    /// The user name (scope `profile`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub preferred_username: Option<String>,
    /// The display name (scope `profile`; the user name: the provider has no other).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name: Option<String>,
}

/// The ID token claims for a redeemed code and the access token issued with it.
pub fn id_token_claims(
    record: &CodeRecord,
    issuer: &str,
    access_token: &str,
    now: i64,
) -> IdTokenClaims {
    let profile = record.scope.split(' ').any(|s| s == "profile");
    let a = &record.auth;
    IdTokenClaims {
        iss: issuer.to_owned(),
        sub: a.sub.clone(),
        aud: record.client_id.clone(),
        exp: now + ID_TOKEN_TTL,
        iat: now,
        auth_time: a.auth_time,
        nonce: record.nonce.clone(),
        sid: a.sid.clone(),
        acr: ACR_MFA.to_owned(),
        amr: a.method.amr().into_iter().map(str::to_owned).collect(),
        azp: record.client_id.clone(),
        at_hash: at_hash(access_token),
        preferred_username: profile.then(|| a.username.clone()),
        name: profile.then(|| a.username.clone()),
    }
}

/// `at_hash`: the left half of SHA-256 of the access token, base64url (RS256 and ES256 both
/// hash with SHA-256).
pub fn at_hash(access_token: &str) -> String {
    b64(&sha256(access_token.as_bytes())[..16])
}

/// A new opaque access token for a redeemed code: the token and its record.
pub fn issue_access_token(
    record: &CodeRecord,
    now: i64,
    random: impl Fn(usize) -> Vec<u8>,
) -> (String, AccessTokenRecord) {
    let token = b64(&random(32));
    let rec = AccessTokenRecord {
        token_hash: token_hash(&token),
        code_hash: record.code_hash.clone(),
        client_id: record.client_id.clone(),
        scope: record.scope.clone(),
        sub: record.auth.sub.clone(),
        username: record.auth.username.clone(),
        expires_at: now + ACCESS_TOKEN_TTL,
    };
    (token, rec)
}

/// The token endpoint's JSON answer.
#[derive(Serialize)]
pub struct TokenResponse {
    /// The opaque access token.
    pub access_token: String,
    /// `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// The signed ID token.
    pub id_token: String,
    /// The granted scopes.
    pub scope: String,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse").field("scope", &self.scope).finish_non_exhaustive()
    }
}

/// The bearer token of a `userinfo` request's `Authorization` header (RFC 6750 §2.1).
pub fn bearer(authorization: Option<&str>) -> Result<&str, OAuthError> {
    authorization
        .and_then(|h| h.trim().split_once(' '))
        .filter(|(scheme, t)| scheme.eq_ignore_ascii_case("bearer") && !t.trim().is_empty())
        .map(|(_, t)| t.trim())
        .ok_or(OAuthError::new(OAuthCode::InvalidToken, "a bearer access token is required"))
}

/// The `userinfo` answer for a valid access token (`sub`, and the profile claims with scope
/// `profile`); `None` when the token is expired.
pub fn userinfo(token: &AccessTokenRecord, now: i64) -> Result<serde_json::Value, OAuthError> {
    if now >= token.expires_at {
        return Err(OAuthError::new(OAuthCode::InvalidToken, "the access token has expired"));
    }
    let mut v = serde_json::json!({ "sub": token.sub });
    if token.scope.split(' ').any(|s| s == "profile") {
        v["preferred_username"] = token.username.clone().into();
        v["name"] = token.username.clone().into();
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oidc::authorize::{Prompt, ResponseMode};

    const NOW: i64 = 1_780_000_000;
    // RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn request(challenge: Option<&str>) -> AuthorizeRequest {
        AuthorizeRequest {
            client_id: "app".into(),
            redirect_uri: "https://app.example.se/cb".into(),
            response_mode: ResponseMode::Query,
            scope: vec!["openid".into(), "profile".into()],
            state: Some("st".into()),
            nonce: Some("n1".into()),
            code_challenge: challenge.map(str::to_owned),
            prompt: Prompt::default(),
            max_age: None,
            login_hint: None,
            ui_lang: None,
        }
    }

    fn auth(method: SignInMethod) -> Authentication {
        Authentication {
            sub: "user-id-1".into(),
            username: "anna".into(),
            auth_time: NOW - 5,
            method,
            sid: "sid-1".into(),
        }
    }

    fn code(challenge: Option<&str>) -> (String, CodeRecord) {
        issue_code(
            &request(challenge),
            auth(SignInMethod::PasswordAndPush),
            NOW,
            crate::ids::random_bytes,
        )
    }

    fn token_req(verifier: Option<&str>) -> TokenRequest {
        TokenRequest {
            code: "x".into(),
            redirect_uri: "https://app.example.se/cb".into(),
            code_verifier: verifier.map(str::to_owned),
        }
    }

    #[test]
    fn pkce_follows_rfc7636_appendix_b() {
        assert!(pkce_matches(CHALLENGE, VERIFIER));
        assert!(!pkce_matches(CHALLENGE, &VERIFIER.replace('d', "e")));
        assert!(!pkce_matches(CHALLENGE, "short"));
        assert!(!pkce_matches(CHALLENGE, &format!("{VERIFIER} ")));
    }

    #[test]
    fn a_code_redeems_once_within_a_minute_for_its_client_uri_and_verifier() {
        let (c, rec) = code(Some(CHALLENGE));
        assert_eq!(rec.code_hash, token_hash(&c));
        assert_eq!(rec.expires_at, NOW + 60);
        redeem(&rec, &token_req(Some(VERIFIER)), "app", NOW + 59).unwrap();
        let refused = |r: Result<(), Redeem>| match r {
            Err(Redeem::Refused(e)) => e.code,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            refused(redeem(&rec, &token_req(Some(VERIFIER)), "app", NOW + 60)),
            OAuthCode::InvalidGrant
        );
        assert_eq!(
            refused(redeem(&rec, &token_req(Some(VERIFIER)), "other", NOW)),
            OAuthCode::InvalidGrant
        );
        assert_eq!(refused(redeem(&rec, &token_req(None), "app", NOW)), OAuthCode::InvalidGrant);
        let wrong = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        assert_eq!(
            refused(redeem(&rec, &token_req(Some(wrong)), "app", NOW)),
            OAuthCode::InvalidGrant
        );
        let mut other_uri = token_req(Some(VERIFIER));
        other_uri.redirect_uri.push('/');
        assert_eq!(refused(redeem(&rec, &other_uri, "app", NOW)), OAuthCode::InvalidGrant);
        let mut used = rec.clone();
        used.used_at = Some(NOW + 1);
        assert_eq!(
            redeem(&used, &token_req(Some(VERIFIER)), "app", NOW + 2),
            Err(Redeem::Replayed)
        );
        assert_eq!(Redeem::Replayed.error().code, OAuthCode::InvalidGrant);
    }

    #[test]
    fn a_verifier_without_a_challenge_is_a_downgrade_and_refused() {
        let (_, rec) = code(None);
        redeem(&rec, &token_req(None), "app", NOW).unwrap();
        assert!(matches!(
            redeem(&rec, &token_req(Some(VERIFIER)), "app", NOW),
            Err(Redeem::Refused(_))
        ));
    }

    #[test]
    fn amr_values_follow_rfc8176() {
        assert_eq!(SignInMethod::PasswordAndPush.amr(), ["pwd", "swk", "mfa"]);
        assert_eq!(SignInMethod::PasswordAndCode.amr(), ["pwd", "otp", "mfa"]);
        assert_eq!(SignInMethod::PhoneSignin(None).amr(), ["swk", "user", "mfa"]);
        assert_eq!(
            SignInMethod::PhoneSignin(Some(UserVerification::Pin)).amr(),
            ["swk", "user", "pin", "mfa"]
        );
        assert_eq!(
            SignInMethod::PhoneSignin(Some(UserVerification::Fingerprint)).amr(),
            ["swk", "user", "fpt", "mfa"]
        );
        assert_eq!(
            SignInMethod::PhoneSignin(Some(UserVerification::Face)).amr(),
            ["swk", "user", "face", "mfa"]
        );
        for m in [
            SignInMethod::PasswordAndPush,
            SignInMethod::PasswordAndCode,
            SignInMethod::PhoneSignin(None),
            SignInMethod::PhoneSignin(Some(UserVerification::Pin)),
            SignInMethod::PhoneSignin(Some(UserVerification::Fingerprint)),
            SignInMethod::PhoneSignin(Some(UserVerification::Face)),
        ] {
            assert_eq!(SignInMethod::from_stored(m.as_stored()), Some(m));
        }
        assert_eq!(SignInMethod::from_stored("sms"), None);
    }

    #[test]
    fn id_token_claims_carry_everything_core_requires() {
        let (_, mut rec) = code(Some(CHALLENGE));
        rec.auth = auth(SignInMethod::PhoneSignin(Some(UserVerification::Face)));
        let c = id_token_claims(&rec, "https://login.example.se/auth", "tok", NOW);
        assert_eq!(c.iss, "https://login.example.se/auth");
        assert_eq!((c.sub.as_str(), c.aud.as_str(), c.azp.as_str()), ("user-id-1", "app", "app"));
        assert_eq!((c.iat, c.exp, c.auth_time), (NOW, NOW + ID_TOKEN_TTL, NOW - 5));
        assert_eq!(c.nonce.as_deref(), Some("n1"));
        assert_eq!(c.sid, "sid-1");
        assert_eq!(c.acr, ACR_MFA);
        assert_eq!(c.amr, ["swk", "user", "face", "mfa"]);
        assert_eq!(c.preferred_username.as_deref(), Some("anna"));
        // RFC-style at_hash: 16 bytes → 22 base64url characters.
        assert_eq!(c.at_hash.len(), 22);
        rec.scope = "openid".into();
        rec.nonce = None;
        let c = id_token_claims(&rec, "https://i", "tok", NOW);
        let json = serde_json::to_value(&c).unwrap();
        assert!(json.get("nonce").is_none() && json.get("preferred_username").is_none());
    }

    #[test]
    fn token_requests_parse_strictly() {
        let p = |pairs: &[(&str, &str)]| {
            parse_request(
                &pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>(),
            )
        };
        let ok = p(&[
            ("grant_type", "authorization_code"),
            ("code", "c"),
            ("redirect_uri", "https://a/cb"),
            ("code_verifier", VERIFIER),
        ])
        .unwrap();
        assert_eq!(ok.code_verifier.as_deref(), Some(VERIFIER));
        assert!(!format!("{ok:?}").contains(VERIFIER));
        assert_eq!(
            p(&[("grant_type", "password")]).unwrap_err().code,
            OAuthCode::UnsupportedGrantType
        );
        assert_eq!(p(&[("code", "c")]).unwrap_err().code, OAuthCode::InvalidRequest);
        assert_eq!(
            p(&[("grant_type", "authorization_code"), ("redirect_uri", "x")]).unwrap_err().code,
            OAuthCode::InvalidRequest
        );
        assert_eq!(
            p(&[
                ("grant_type", "authorization_code"),
                ("code", "a"),
                ("code", "b"),
                ("redirect_uri", "x")
            ])
            .unwrap_err()
            .code,
            OAuthCode::InvalidRequest
        );
    }

    #[test]
    fn the_token_response_is_rfc6749s_and_its_debug_hides_the_tokens() {
        let r = TokenResponse {
            access_token: "at-secret".into(),
            token_type: "Bearer",
            expires_in: ACCESS_TOKEN_TTL,
            id_token: "id-secret".into(),
            scope: "openid".into(),
        };
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["token_type"], "Bearer");
        assert_eq!(v["expires_in"], 600);
        assert_eq!(v["access_token"], "at-secret");
        let dbg = format!("{r:?}");
        assert!(!dbg.contains("at-secret") && !dbg.contains("id-secret"));
    }

    #[test]
    fn access_tokens_are_opaque_and_expire() {
        let (_, rec) = code(None);
        let (tok, at) = issue_access_token(&rec, NOW, crate::ids::random_bytes);
        assert_eq!(at.token_hash, token_hash(&tok));
        assert_eq!(at.code_hash, rec.code_hash);
        assert_eq!(bearer(Some(&format!("Bearer {tok}"))).unwrap(), tok);
        assert_eq!(bearer(Some("Basic abc")).unwrap_err().code, OAuthCode::InvalidToken);
        assert_eq!(bearer(None).unwrap_err().code, OAuthCode::InvalidToken);
        let info = userinfo(&at, NOW + 10).unwrap();
        assert_eq!(info["sub"], "user-id-1");
        assert_eq!(info["preferred_username"], "anna");
        assert_eq!(
            userinfo(&at, NOW + ACCESS_TOKEN_TTL).unwrap_err().code,
            OAuthCode::InvalidToken
        );
    }
}
