//! The `id_token_hint` Entra sends: who the user is (`tid`, `oid`, `sub`) in a token Entra
//! signed with RS256 for the method's app. It is issued already expired by design, so `exp`
//! is not checked; freshness is `iat`'s: at most [`MAX_AGE`] old and not in the future (beyond
//! [`FUTURE_LEEWAY`] of clock difference).

use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::eam_model::EamMethod;

/// How old a hint's `iat` may be (seconds).
pub const MAX_AGE: i64 = 600;
/// How far in the future a hint's `iat` may be (seconds): clock difference with Entra.
pub const FUTURE_LEEWAY: i64 = 60;
/// Longest `tid`, `oid` or `sub` accepted.
const MAX_ID: usize = 256;

/// Why a hint is refused. Never carries the hint or its claims' values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HintError {
    /// Not a compact JWS with the claims a hint has (`tid`, `oid`, `sub`, `iat`, `iss`,
    /// `aud`), or not RS256 with a `kid`.
    #[error("the hint is malformed")]
    Malformed,
    /// Its `tid` is not one of the method's tenants.
    #[error("the hint's tenant is not configured")]
    UnknownTenant,
    /// No key of the tenant's JWKS has its `kid` (even after a refresh).
    #[error("the hint's key is not in the tenant's JWKS")]
    UnknownKey,
    /// The signature does not verify.
    #[error("the hint's signature does not verify")]
    BadSignature,
    /// `iss` is not the method's issuer for the hint's tenant.
    #[error("the hint's issuer is not the tenant's")]
    WrongIssuer,
    /// `aud` is not the method's app id.
    #[error("the hint is not for the method's app")]
    WrongAudience,
    /// `iat` is older than [`MAX_AGE`].
    #[error("the hint is too old")]
    TooOld,
    /// `iat` is in the future.
    #[error("the hint is issued in the future")]
    FromTheFuture,
}

/// What a verified hint says.
#[derive(Clone, PartialEq, Eq)]
pub struct Hint {
    /// The tenant.
    pub tid: String,
    /// The user's object id in the tenant.
    pub oid: String,
    /// The subject, returned as the answer's `sub`.
    pub sub: String,
}

impl std::fmt::Debug for Hint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hint").field("tid", &self.tid).finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn is(&self, app_id: &str) -> bool {
        match self {
            Audience::One(a) => a == app_id,
            Audience::Many(list) => list.len() == 1 && list[0] == app_id,
        }
    }
}

#[derive(Deserialize)]
struct Claims {
    iss: String,
    aud: Audience,
    iat: i64,
    tid: String,
    oid: String,
    sub: String,
}

fn id_ok(s: &str) -> bool {
    !s.is_empty() && s.len() <= MAX_ID && !s.chars().any(char::is_control)
}

/// The hint's `tid` and `kid`, read before its signature can be checked (they name the JWKS
/// and the key to check it with; nothing else is believed until then).
pub fn unverified_tenant_and_kid(hint: &str) -> Result<(String, String), HintError> {
    let header = jsonwebtoken::decode_header(hint).map_err(|_| HintError::Malformed)?;
    if header.alg != Algorithm::RS256 {
        return Err(HintError::Malformed);
    }
    let kid = header.kid.filter(|k| id_ok(k)).ok_or(HintError::Malformed)?;
    let payload = hint.split('.').nth(1).ok_or(HintError::Malformed)?;
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| HintError::Malformed)?;
    // The claims are a JSON object (RFC 7519 §7.2): a derived `Deserialize` would also read
    // a struct from an array, by position.
    let claims: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|_| HintError::Malformed)?;
    let tid = claims
        .as_object()
        .and_then(|o| o.get("tid"))
        .and_then(serde_json::Value::as_str)
        .filter(|t| id_ok(t))
        .ok_or(HintError::Malformed)?;
    Ok((tid.to_owned(), kid))
}

/// Verifies `hint` with `key` (the tenant's JWKS key of its `kid`) for `method` at `now`:
/// the RS256 signature, `tid` one of the method's tenants, `iss` the method's issuer for that
/// tenant, `aud` its app id, and `iat` within [`MAX_AGE`] before `now` and at most
/// [`FUTURE_LEEWAY`] after. `exp` is not checked (Entra sends the hint already expired).
pub fn verify(hint: &str, key: &Jwk, method: &EamMethod, now: i64) -> Result<Hint, HintError> {
    let (tid, _) = unverified_tenant_and_kid(hint)?;
    if !method.has_tenant(&tid) {
        return Err(HintError::UnknownTenant);
    }
    let rsa = matches!(key.algorithm, AlgorithmParameters::RSA(_));
    let alg_ok = matches!(key.common.key_algorithm, None | Some(KeyAlgorithm::RS256));
    if !rsa || !alg_ok {
        return Err(HintError::BadSignature);
    }
    let decoding = DecodingKey::from_jwk(key).map_err(|_| HintError::BadSignature)?;
    let mut v = Validation::new(Algorithm::RS256);
    v.validate_exp = false;
    v.validate_nbf = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    let claims =
        jsonwebtoken::decode::<Claims>(hint, &decoding, &v).map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => HintError::BadSignature,
            jsonwebtoken::errors::ErrorKind::Json(_) => HintError::Malformed,
            _ => HintError::BadSignature,
        })?;
    let c = claims.claims;
    // The signed tid is the one the key and tenant were chosen by.
    if c.tid != tid || !id_ok(&c.oid) || !id_ok(&c.sub) {
        return Err(HintError::Malformed);
    }
    if c.iss != method.issuer_for(&tid) {
        return Err(HintError::WrongIssuer);
    }
    if !c.aud.is(&method.app_id) {
        return Err(HintError::WrongAudience);
    }
    if c.iat > now.saturating_add(FUTURE_LEEWAY) {
        return Err(HintError::FromTheFuture);
    }
    // `iat` is any i64 the signer chose: saturate, or an age near the bottom of the range
    // wraps to a negative one (fresh).
    if now.saturating_sub(c.iat) > MAX_AGE {
        return Err(HintError::TooOld);
    }
    Ok(Hint { tid, oid: c.oid, sub: c.sub })
}
