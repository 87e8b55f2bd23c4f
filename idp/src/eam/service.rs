//! The external authentication method's operations over the store: configuration (methods,
//! links), the authorization request Entra sends (hint verified, user found, approval
//! started), and its continuation once the phone decided (the answer posted to Entra).

use nyckel_core::protocol::wire::b64;

use super::answer::{self, Failure};
use super::hint::{self, HintError};
use super::jwks::{JwksCache, KeyLookup};
use super::request::{self, RequestError};
use crate::config::Config;
use crate::eam_model::{
    EamLink, EamMethod, PendingEam, DEFAULT_ISSUER_TEMPLATE, DEFAULT_JWKS_URI_TEMPLATE,
    DEFAULT_REDIRECT_URI, TENANT_PLACEHOLDER,
};
use crate::error::Error;
use crate::ids::{random_bytes, token_hash};
use crate::known_browser;
use crate::model::{CompletionVerdict, RequestId};
use crate::oidc::discovery::Issuer;
use crate::oidc::service::key_ring;
use crate::oidc_model::{SignInMethod, SigningAlg};
use crate::signin::{self, BrowserStart, Kind, SigninFrom, Started};
use crate::storage::{with_lookup, Store};

/// Where the number page continues an Entra request (`?authz=…&request=…&t=…`).
pub const RESUME_PATH: &str = "/eam/resume";
/// How long a request may wait for the approval (seconds).
const PENDING_TTL: i64 = 600;
/// Longest id (tenant, object, client, app) accepted in the configuration.
const MAX_ID: usize = 128;

/// What `nyckel-idp eam add` configures; `None` takes Entra's global-cloud default.
#[derive(Clone, Debug, Default)]
pub struct EamSpec {
    /// The tenants whose users may sign in.
    pub tenants: Vec<String>,
    /// The Entra app id (the hints' `aud`).
    pub app_id: String,
    /// The client id Entra is configured with.
    pub client_id: String,
    /// Where answers are posted.
    pub redirect_uri: Option<String>,
    /// The hints' issuer, with `{tenantid}`.
    pub issuer_template: Option<String>,
    /// The tenants' JWKS, with `{tenantid}`.
    pub jwks_uri: Option<String>,
}

fn id_ok(s: &str) -> bool {
    !s.is_empty() && s.len() <= MAX_ID && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// An absolute https URL (http only on loopback) once `{tenantid}` is filled in.
fn url_ok(template: &str) -> bool {
    let Ok(url) = url::Url::parse(&template.replace(TENANT_PLACEHOLDER, "tenant")) else {
        return false;
    };
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        None => return false,
    };
    url.scheme() == "https" || (url.scheme() == "http" && loopback)
}

/// Adds a method (validated; defaults filled in).
pub(crate) fn add_method(store: &dyn Store, spec: &EamSpec, now: i64) -> Result<EamMethod, Error> {
    let bad = |what: &str| Error::BadRequest(format!("invalid {what}"));
    if !id_ok(&spec.client_id) {
        return Err(bad("client id"));
    }
    if !id_ok(&spec.app_id) {
        return Err(bad("app id"));
    }
    if spec.tenants.is_empty() || !spec.tenants.iter().all(|t| id_ok(t)) {
        return Err(bad("tenant id"));
    }
    let method = EamMethod {
        client_id: spec.client_id.clone(),
        app_id: spec.app_id.clone(),
        tenants: spec.tenants.clone(),
        redirect_uri: spec.redirect_uri.clone().unwrap_or_else(|| DEFAULT_REDIRECT_URI.into()),
        issuer_template: spec
            .issuer_template
            .clone()
            .unwrap_or_else(|| DEFAULT_ISSUER_TEMPLATE.into()),
        jwks_uri_template: spec
            .jwks_uri
            .clone()
            .unwrap_or_else(|| DEFAULT_JWKS_URI_TEMPLATE.into()),
        created_at: now,
    };
    if !url_ok(&method.redirect_uri) || method.redirect_uri.contains(TENANT_PLACEHOLDER) {
        return Err(bad("redirect URI"));
    }
    if !url_ok(&method.jwks_uri_template) {
        return Err(bad("JWKS URI"));
    }
    if method.issuer_template.is_empty() || method.issuer_template.chars().any(char::is_control) {
        return Err(bad("issuer template"));
    }
    if !store.add_eam_method(&method)? {
        return Err(Error::BadRequest(
            "an external authentication method has that client id".into(),
        ));
    }
    tracing::info!(client = %method.client_id, tenants = method.tenants.len(), "external authentication method added");
    Ok(method)
}

/// Every method.
pub(crate) fn methods(store: &dyn Store) -> Result<Vec<EamMethod>, Error> {
    Ok(store.eam_methods()?)
}

/// Removes a method.
pub(crate) fn remove_method(store: &dyn Store, client_id: &str) -> Result<(), Error> {
    if !store.remove_eam_method(client_id)? {
        return Err(Error::NotFound("external authentication method"));
    }
    tracing::info!(client = %client_id, "external authentication method removed");
    Ok(())
}

/// Links the Entra user (`tenant`, `oid`) to the Nyckel user `name`. Refused when that Entra
/// user is linked to someone else; linking again to the same user is no error.
pub(crate) fn link(
    store: &dyn Store,
    name: &str,
    tenant: &str,
    oid: &str,
    now: i64,
) -> Result<EamLink, Error> {
    if !id_ok(tenant) || !id_ok(oid) {
        return Err(Error::BadRequest("invalid tenant or object id".into()));
    }
    let user = store.user_by_name(name)?.ok_or(Error::UnknownUser)?;
    let link = EamLink {
        tenant_id: tenant.to_owned(),
        object_id: oid.to_owned(),
        user: user.id.clone(),
        created_at: now,
    };
    if store.link_eam_user(&link)? != user.id {
        return Err(Error::BadRequest("that Entra user is linked to another user".into()));
    }
    tracing::info!(user = %user.id, "Entra user linked");
    Ok(link)
}

/// Removes the link of the Entra user (`tenant`, `oid`) to `name`.
pub(crate) fn unlink(store: &dyn Store, name: &str, tenant: &str, oid: &str) -> Result<(), Error> {
    let user = store.user_by_name(name)?.ok_or(Error::UnknownUser)?;
    if !store.unlink_eam_user(&user.id, tenant, oid)? {
        return Err(Error::NotFound("link"));
    }
    tracing::info!(user = %user.id, "Entra user unlinked");
    Ok(())
}

/// A user's links.
pub(crate) fn links_of(store: &dyn Store, name: &str) -> Result<Vec<EamLink>, Error> {
    let user = store.user_by_name(name)?.ok_or(Error::UnknownUser)?;
    Ok(store.eam_links_of(&user.id)?)
}

/// Why a request gets an error page (nothing is posted to Entra).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PageError {
    /// The request is malformed or not a configured method's.
    Request(RequestError),
    /// The hint is refused.
    Hint(HintError),
    /// No Nyckel user is linked to the hint's Entra user.
    Unlinked,
    /// The request's nonce was used before.
    Replayed,
    /// The waiting request is unknown, answered or expired.
    Expired,
    /// The phone has not decided yet.
    NotDecided,
}

/// What the browser gets.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// An error page.
    Page(PageError),
    /// The page that posts the answer to Entra.
    Post(String),
    /// The page that posts an approval's ID token to Entra, and the `nyckel_known` cookie for
    /// the browser it was approved in (`known_browser.rs`), as a completed sign-in leaves.
    Answered {
        /// The form-post page.
        html: String,
        /// The recognised-browser cookie's value.
        known: String,
    },
    /// The number page, continuing at `resume` once decided.
    Number {
        /// The started sign-in.
        started: Started,
        /// Where the page continues.
        resume: String,
    },
}

fn post_failure(redirect_uri: &str, f: Failure, state: Option<&str>) -> Outcome {
    tracing::info!(error = f.code(), "external authentication failed");
    Outcome::Post(answer::form_post(redirect_uri, &[("error", f.code())], state))
}

/// The method of a sign-in request kind (the app does not report how it verified the user).
fn method_of(kind: &str) -> SignInMethod {
    if kind == Kind::Passwordless.as_str() {
        SignInMethod::PhoneSignin(None)
    } else {
        SignInMethod::PasswordAndPush
    }
}

/// The authorization request Entra sends: checks the request and its hint, finds the linked
/// user and starts the approval on the phone (phone sign-in when the user has it enabled,
/// else a push with number matching; no password: Entra checked the first factor).
pub(crate) fn authorize(
    store: &dyn Store,
    cfg: &Config,
    keys: &JwksCache,
    params: &[(String, String)],
    from: &SigninFrom,
    browser: &BrowserStart,
) -> Result<Outcome, Error> {
    let now = cfg.clock.now();
    let parsed = with_lookup(|id| store.eam_method(id), |find| request::parse(params, find))?;
    let (req, method) = match parsed {
        Ok(ok) => ok,
        Err(e) => return Ok(Outcome::Page(PageError::Request(e))),
    };
    let hint_page = |e| Ok(Outcome::Page(PageError::Hint(e)));
    let (tid, kid) = match hint::unverified_tenant_and_kid(&req.id_token_hint) {
        Ok(x) => x,
        Err(e) => return hint_page(e),
    };
    if !method.has_tenant(&tid) {
        return hint_page(HintError::UnknownTenant);
    }
    let key = match keys.key(&method.jwks_uri_for(&tid), &kid, now) {
        Ok(k) => k,
        Err(KeyLookup::Unknown) => return hint_page(HintError::UnknownKey),
        Err(KeyLookup::Unavailable) => {
            return Ok(post_failure(
                &req.redirect_uri,
                Failure::TemporarilyUnavailable,
                req.state.as_deref(),
            ))
        }
    };
    let hint = match hint::verify(&req.id_token_hint, &key, &method, now) {
        Ok(h) => h,
        Err(e) => return hint_page(e),
    };
    let Some((user, name)) = store.eam_linked_user(&hint.tid, &hint.oid)? else {
        return Ok(Outcome::Page(PageError::Unlinked));
    };
    // A request (hint and nonce) is answered once: a replay of it gets an error page.
    let owner = format!("eam:{}", req.client_id);
    let expires = now + hint::MAX_AGE + hint::FUTURE_LEEWAY;
    if !store.use_nonce(&owner, &token_hash(&req.nonce), now, expires)? {
        return Ok(Outcome::Page(PageError::Replayed));
    }
    let post = |f| Ok(post_failure(&req.redirect_uri, f, req.state.as_deref()));
    // Both kinds are an approval with the app's key: what the request asks must fit that.
    if answer::fit(SignInMethod::PasswordAndPush, &req.acr_values, req.amr_values.as_deref())
        .is_none()
    {
        return post(Failure::AccessDenied);
    }
    // In the user's browser, as the sign-in page: its recognised-browser cookie keeps the
    // request when open requests are bounded (when the browser sent it: a cross-site POST
    // withholds it, and the number page's first poll recognises the browser instead).
    let started =
        match signin::start_in_browser(store, cfg, &name, Kind::Passwordless, from, browser) {
            Err(Error::NoPhoneSignin) => {
                signin::start_in_browser(store, cfg, &name, Kind::Push, from, browser)
            }
            other => other,
        };
    let started = match started {
        Ok(s) => s,
        Err(Error::RateLimited | Error::Busy) => return post(Failure::TemporarilyUnavailable),
        Err(
            Error::NoDevice
            | Error::Blocked { .. }
            | Error::UserDisabled
            | Error::PushPending
            | Error::DevicesRevoked
            | Error::UnknownUser,
        ) => return post(Failure::AccessDenied),
        Err(e) => return Err(e),
    };
    let authz = b64(&random_bytes(32));
    store.add_eam_pending(
        &PendingEam {
            id_hash: token_hash(&authz),
            client_id: req.client_id.clone(),
            redirect_uri: req.redirect_uri.clone(),
            state: req.state.clone(),
            nonce: req.nonce.clone(),
            sub: hint.sub,
            acr_values: req.acr_values.clone(),
            amr_values: req.amr_values.clone(),
            request_id: started.id.clone(),
            user,
            expires_at: now + PENDING_TTL,
        },
        now,
    )?;
    tracing::info!(request = %started.id, client = %req.client_id, "external authentication started");
    Ok(Outcome::Number { started, resume: format!("{RESUME_PATH}?authz={authz}") })
}

/// Continues a waiting request once the phone decided: an approval (completed once, here)
/// posts the ID token; a denial, report, wrong number or expiry posts `access_denied`.
pub(crate) fn resume(
    store: &dyn Store,
    cfg: &Config,
    issuer: &Issuer,
    authz: &str,
    request_id: &str,
    status_token: &str,
) -> Result<Outcome, Error> {
    let now = cfg.clock.now();
    let id_hash = token_hash(authz);
    let Some(pending) = store.eam_pending(&id_hash, now)? else {
        return Ok(Outcome::Page(PageError::Expired));
    };
    if pending.request_id != request_id
        || signin::check_token(store, request_id, status_token).is_err()
    {
        return Ok(Outcome::Page(PageError::Expired));
    }
    let status = signin::status(store, request_id, now)?;
    let denied = |store: &dyn Store| -> Result<Outcome, Error> {
        store.end_eam_pending(&id_hash)?;
        Ok(post_failure(&pending.redirect_uri, Failure::AccessDenied, pending.state.as_deref()))
    };
    match status.state.as_str() {
        "pending" => return Ok(Outcome::Page(PageError::NotDecided)),
        "approved" => {}
        _ => return denied(store),
    }
    let completed = store.complete_eam(
        &id_hash,
        &RequestId::new(request_id),
        &*cfg.clock,
        &mut signin::judge_completion,
    )?;
    if !matches!(completed, Some(CompletionVerdict::Complete)) {
        // Approved too late, revoked since, or answered already.
        return denied(store);
    }
    let method = method_of(&status.kind);
    let Some(acr) = answer::fit(method, &pending.acr_values, pending.amr_values.as_deref()) else {
        return Ok(post_failure(
            &pending.redirect_uri,
            Failure::AccessDenied,
            pending.state.as_deref(),
        ));
    };
    let claims = answer::id_token_claims(
        issuer.as_str(),
        &pending.sub,
        &pending.client_id,
        &pending.nonce,
        acr,
        method,
        now,
    );
    let ring = key_ring(store, &cfg.issuer, now)?;
    let id_token = ring.sign(SigningAlg::Rs256, &claims).map_err(|e| {
        tracing::error!(error = %e, "signing the ID token");
        Error::Internal
    })?;
    tracing::info!(request = %request_id, client = %pending.client_id, "external authentication answered");
    let html = answer::form_post(
        &pending.redirect_uri,
        &[("id_token", &id_token)],
        pending.state.as_deref(),
    );
    Ok(Outcome::Answered { html, known: known_browser::issue(store, cfg, &pending.user)? })
}
