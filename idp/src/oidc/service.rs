//! The OpenID Connect provider's domain operations over the store: keys, clients, the
//! authorization endpoint (with a live session, or after the sign-in pages), the token and
//! userinfo endpoints and logout. Each returns the protocol's answer, or a provider
//! [`Error`] when the provider itself failed (storage, keys).

use nyckel_core::protocol::wire::b64;

use super::authorize::{self, Answer, AuthorizeRequest, PageError, Refusal, SessionUse};
use super::client::{self, ClientSpec, NewClient};
use super::discovery::Issuer;
use super::error::{OAuthCode, OAuthError};
use super::keys::{self, KeyError, KeyRing};
use super::logout::{self, Logout, LogoutError, LogoutRequest};
use super::token::{self, Redeem, TokenResponse};
use crate::config::Config;
use crate::decoys;
use crate::error::Error;
use crate::i18n::Lang;
use crate::ids::random_bytes;
use crate::oidc_model::{
    Authentication, Client, CodeVerdict, OidcSession, PendingAuthorization, SignInMethod,
};
use crate::signin;
use crate::storage::{with_lookup, Store};

/// How long an authorization request may wait for the user to sign in (seconds).
pub(crate) const PENDING_TTL: i64 = 600;

fn key_failure(e: KeyError) -> Error {
    tracing::error!(error = %e, "signing keys");
    Error::Internal
}

/// The published keys, ready to sign. On first use, a key of each algorithm is created
/// (generating RSA keys takes a moment, so a provider that never serves OpenID Connect never
/// pays for it).
pub(crate) fn key_ring(store: &dyn Store, subject: &str, now: i64) -> Result<KeyRing, Error> {
    let mut stored = store.signing_keys()?;
    let new = keys::missing(&stored, now, subject).map_err(key_failure)?;
    if !new.is_empty() {
        store.add_first_signing_keys(&new)?;
        tracing::info!(keys = new.len(), "signing keys created");
        stored = store.signing_keys()?;
    }
    KeyRing::load(&stored).map_err(key_failure)
}

/// Adds a new key of each algorithm (they sign from now on; the old ones stay published).
/// Returns the new keys' ids.
pub(crate) fn rotate_keys(
    store: &dyn Store,
    subject: &str,
    now: i64,
) -> Result<Vec<String>, Error> {
    let new = keys::rotation(now, subject).map_err(key_failure)?;
    store.add_signing_keys(&new)?;
    tracing::info!("signing keys rotated");
    Ok(new.into_iter().map(|k| k.kid).collect())
}

/// Retires a published key (no longer published nor used).
pub(crate) fn retire_key(store: &dyn Store, kid: &str, now: i64) -> Result<(), Error> {
    keys::check_retire(&store.signing_keys()?, kid).map_err(|e| match e {
        KeyError::UnknownKid(_) => Error::NotFound("signing key"),
        other => Error::BadRequest(other.to_string()),
    })?;
    if !store.retire_signing_key(kid, now)? {
        return Err(Error::NotFound("signing key"));
    }
    tracing::info!(kid, "signing key retired");
    Ok(())
}

/// Registers a client; the secret (confidential clients) is returned once.
pub(crate) fn add_client(
    store: &dyn Store,
    spec: &ClientSpec,
    now: i64,
) -> Result<NewClient, Error> {
    let new =
        client::register(spec, now, random_bytes).map_err(|e| Error::BadRequest(e.to_string()))?;
    store.add_client(&new.client)?;
    tracing::info!(client = %new.client.id, "client registered");
    Ok(new)
}

/// Every registered client.
pub(crate) fn clients(store: &dyn Store) -> Result<Vec<Client>, Error> {
    Ok(store.clients()?)
}

/// Removes a client with its codes and tokens.
pub(crate) fn remove_client(store: &dyn Store, id: &str) -> Result<(), Error> {
    if !store.remove_client(id)? {
        return Err(Error::NotFound("client"));
    }
    tracing::info!(client = %id, "client removed");
    Ok(())
}

/// The sign-in pages to show for an authorization request.
#[derive(Clone, Debug)]
pub(crate) struct SignInFor {
    /// The random id of the waiting request (carried by the pages).
    pub authz: String,
    /// The user name to fill in.
    pub login_hint: Option<String>,
    /// The client's name.
    pub client_name: String,
    /// The language `ui_locales` asked for, over the browser's.
    pub lang: Option<Lang>,
}

/// What the authorization endpoint answers.
#[derive(Clone, Debug)]
pub(crate) enum Authorized {
    /// An error page (nothing is sent to the client).
    Page(PageError),
    /// The answer to the client (code or error).
    Answer(Answer),
    /// The sign-in pages.
    SignIn(SignInFor),
}

/// Parses a request; a store failure while looking the client up is the provider's error.
fn parse(
    store: &dyn Store,
    params: &[(String, String)],
    issuer: &Issuer,
) -> Result<Result<(AuthorizeRequest, Client), Authorized>, Error> {
    let parsed = with_lookup(|id| store.client(id), |find| authorize::parse(params, find))?;
    Ok(parsed.map_err(|refusal| match refusal {
        Refusal::Page(p) => Authorized::Page(p),
        Refusal::Redirect(to, e) => {
            Authorized::Answer(authorize::failure(&to, &e, issuer.as_str()))
        }
    }))
}

fn answer_with_code(
    store: &dyn Store,
    req: &AuthorizeRequest,
    auth: Authentication,
    issuer: &Issuer,
    now: i64,
) -> Result<Answer, Error> {
    let (code, record) = token::issue_code(req, auth, now, random_bytes);
    store.add_code(&record, now)?;
    tracing::info!(client = %req.client_id, "authorization code issued");
    Ok(authorize::success(&req.reply_to(), &code, issuer.as_str()))
}

fn authentication(s: &OidcSession) -> Authentication {
    Authentication {
        sub: s.sub.clone(),
        username: s.username.clone(),
        auth_time: s.auth_time,
        method: s.method,
        sid: s.sid.clone(),
    }
}

/// The authorization endpoint: validates the request, answers at once from a live provider
/// session (unless `prompt`/`max_age` say otherwise, or `use_session` is false: a cross-site
/// POST), or stores it and shows the sign-in pages.
pub(crate) fn authorize(
    store: &dyn Store,
    cfg: &Config,
    issuer: &Issuer,
    params: &[(String, String)],
    session_token: Option<&str>,
    use_session: bool,
) -> Result<Authorized, Error> {
    let (req, client) = match parse(store, params, issuer)? {
        Ok(ok) => ok,
        Err(refused) => return Ok(refused),
    };
    let now = cfg.clock.now();
    let session = match session_token.filter(|_| use_session) {
        Some(t) => store.oidc_session(&token::token_hash(t), now)?,
        None => None,
    };
    match req.session_use(session.as_ref().map(|s| s.auth_time), now) {
        SessionUse::UseSession => {
            let auth = authentication(session.as_ref().ok_or(Error::Internal)?);
            Ok(Authorized::Answer(answer_with_code(store, &req, auth, issuer, now)?))
        }
        SessionUse::LoginRequired => Ok(Authorized::Answer(authorize::failure(
            &req.reply_to(),
            &OAuthError::new(OAuthCode::LoginRequired, "the user is not signed in"),
            issuer.as_str(),
        ))),
        SessionUse::SignIn => {
            let authz = b64(&random_bytes(32));
            let encoded = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(params.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .finish();
            let pending = PendingAuthorization {
                id_hash: token::token_hash(&authz),
                params: encoded,
                expires_at: now + PENDING_TTL,
            };
            store.add_pending_authorization(&pending, now)?;
            Ok(Authorized::SignIn(SignInFor {
                authz,
                login_hint: req.login_hint.clone(),
                client_name: client.name,
                lang: req.ui_lang,
            }))
        }
    }
}

/// The language a waiting authorization request's `ui_locales` asked for (its pages are in
/// it, over the browser's); `None` for none, or an unknown or expired request.
pub(crate) fn ui_lang(store: &dyn Store, cfg: &Config, authz: &str) -> Result<Option<Lang>, Error> {
    let pending = store.pending_authorization(&token::token_hash(authz), cfg.clock.now())?;
    Ok(pending.and_then(|p| {
        url::form_urlencoded::parse(p.params.as_bytes())
            .find(|(k, _)| k == "ui_locales")
            .and_then(|(_, v)| Lang::from_ui_locales(&v))
    }))
}

/// A sign-in request the page watched: its id and the page's status token.
#[derive(Clone)]
pub(crate) struct Watched {
    /// Request id.
    pub id: String,
    /// The page's status token.
    pub token: String,
}

/// Continues a waiting authorization request after the sign-in pages: a sign-in completed in
/// this browser (the session cookie is the request's user's) answers with a code; a denied,
/// reported, wrong-number, expired or superseded one with `access_denied`; otherwise the
/// sign-in pages again.
pub(crate) fn resume(
    store: &dyn Store,
    cfg: &Config,
    issuer: &Issuer,
    authz: &str,
    watched: Option<&Watched>,
    session_token: Option<&str>,
) -> Result<Authorized, Error> {
    let now = cfg.clock.now();
    let id_hash = token::token_hash(authz);
    let Some(pending) = store.pending_authorization(&id_hash, now)? else {
        return Ok(Authorized::Page(PageError::Expired));
    };
    let params: Vec<(String, String)> = url::form_urlencoded::parse(pending.params.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let (req, client) = match parse(store, &params, issuer)? {
        Ok(ok) => ok,
        Err(refused) => {
            store.end_pending_authorization(&id_hash)?;
            return Ok(refused);
        }
    };
    let sign_in_again = || {
        Authorized::SignIn(SignInFor {
            authz: authz.to_owned(),
            login_hint: req.login_hint.clone(),
            client_name: client.name.clone(),
            lang: req.ui_lang,
        })
    };
    let Some(w) = watched else {
        return Ok(sign_in_again());
    };
    // A decoy (a username-only sign-in for a name without phone sign-in) ends like a real
    // request that expired, so this answer reveals no account either.
    let Ok(status) = decoys::page_status(store, &w.id, &w.token, now) else {
        return Ok(sign_in_again());
    };
    let denied = |description| {
        Authorized::Answer(authorize::failure(
            &req.reply_to(),
            &OAuthError::new(OAuthCode::AccessDenied, description),
            issuer.as_str(),
        ))
    };
    let answer = match status.state.as_str() {
        "completed" => {
            let session_user = match session_token {
                Some(t) => signin::session_user(store, t, now)?.map(|u| (t, u)),
                None => None,
            };
            match session_user {
                Some((t, (user_id, name))) if name == status.user => {
                    let method = match (status.kind.as_str(), status.by_code) {
                        (_, true) => SignInMethod::PasswordAndCode,
                        ("push", false) => SignInMethod::PasswordAndPush,
                        _ => SignInMethod::PhoneSignin(None),
                    };
                    let session = OidcSession {
                        sid: b64(&random_bytes(16)),
                        session_hash: token::token_hash(t),
                        sub: user_id.as_str().to_owned(),
                        username: name,
                        method,
                        auth_time: now,
                    };
                    store.add_oidc_session(&session)?;
                    Authorized::Answer(answer_with_code(
                        store,
                        &req,
                        authentication(&session),
                        issuer,
                        now,
                    )?)
                }
                // Completed, but this browser holds no session of that user.
                _ => denied("the sign-in was not completed in this browser"),
            }
        }
        "denied" | "reported" | "wrong_number" | "expired" | "superseded" => {
            denied("the sign-in was not approved")
        }
        _ => return Ok(sign_in_again()),
    };
    store.end_pending_authorization(&id_hash)?;
    Ok(answer)
}

/// The token endpoint: authenticates the client, redeems the code once, and issues the ID
/// token and an access token. A replayed code revokes the tokens its first use issued.
pub(crate) fn token(
    store: &dyn Store,
    cfg: &Config,
    issuer: &Issuer,
    params: &[(String, String)],
    authorization: Option<&str>,
) -> Result<Result<TokenResponse, OAuthError>, Error> {
    let req = match token::parse_request(params) {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    let form = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let presented = match client::presented(authorization, form("client_id"), form("client_secret"))
    {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    let bad_client = OAuthError::new(OAuthCode::InvalidClient, "client authentication failed");
    let Some(client) = store.client(presented.client_id())? else {
        return Ok(Err(bad_client));
    };
    if let Err(e) = client::authenticate(&client, &presented) {
        return Ok(Err(e));
    }
    let keys = key_ring(store, &cfg.issuer, cfg.clock.now())?;
    let mut issued: Option<(String, i64)> = None;
    let mut refusal = None;
    let outcome =
        store.redeem_code(&token::token_hash(&req.code), &*cfg.clock, &mut |record, now| {
            match token::redeem(record, &req, &client.id, now) {
                Ok(()) => {
                    let (access, rec) = token::issue_access_token(record, now, random_bytes);
                    issued = Some((access, now));
                    CodeVerdict::Issue(rec)
                }
                Err(Redeem::Replayed) => CodeVerdict::Replayed,
                Err(Redeem::Refused(e)) => {
                    refusal = Some(e);
                    CodeVerdict::Refuse
                }
            }
        })?;
    let unknown = OAuthError::invalid_grant("unknown authorization code");
    let (record, verdict) = match outcome {
        None => return Ok(Err(unknown)),
        Some(o) => o,
    };
    match verdict {
        CodeVerdict::Issue(_) => {
            let (access, now) = issued.ok_or(Error::Internal)?;
            let claims = token::id_token_claims(&record, issuer.as_str(), &access, now);
            let id_token = keys.sign(client.id_token_alg, &claims).map_err(key_failure)?;
            tracing::info!(client = %client.id, "tokens issued");
            Ok(Ok(TokenResponse {
                access_token: access,
                token_type: "Bearer",
                expires_in: token::ACCESS_TOKEN_TTL,
                id_token,
                scope: record.scope,
            }))
        }
        CodeVerdict::Replayed => {
            tracing::warn!(client = %client.id, "authorization code replayed: its tokens are revoked");
            Ok(Err(Redeem::Replayed.error()))
        }
        CodeVerdict::Refuse => Ok(Err(refusal.unwrap_or(unknown))),
    }
}

/// The userinfo endpoint: the claims for a live access token.
pub(crate) fn userinfo(
    store: &dyn Store,
    cfg: &Config,
    authorization: Option<&str>,
) -> Result<Result<serde_json::Value, OAuthError>, Error> {
    let bearer = match token::bearer(authorization) {
        Ok(b) => b,
        Err(e) => return Ok(Err(e)),
    };
    let Some(record) = store.access_token(&token::token_hash(bearer))? else {
        return Ok(Err(OAuthError::new(
            OAuthCode::InvalidToken,
            "unknown or revoked access token",
        )));
    };
    Ok(token::userinfo(&record, cfg.clock.now()))
}

/// RP-initiated logout: ends the hint's provider session and this browser's session.
pub(crate) fn logout(
    store: &dyn Store,
    cfg: &Config,
    issuer: &Issuer,
    req: &LogoutRequest,
    session_token: Option<&str>,
) -> Result<Result<Logout, LogoutError>, Error> {
    let keys = key_ring(store, &cfg.issuer, cfg.clock.now())?;
    let decided = with_lookup(
        |id| store.client(id),
        |find| logout::decide(req, &keys, issuer.as_str(), find),
    )?;
    let out = match decided {
        Ok(out) => out,
        Err(e) => return Ok(Err(e)),
    };
    if let Some(sid) = &out.sid {
        store.end_oidc_session(sid)?;
    }
    if let Some(t) = session_token {
        signin::end_session(store, t)?;
    }
    tracing::info!("signed out");
    Ok(Ok(out))
}
