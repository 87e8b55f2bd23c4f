//! The authorization endpoint's rules (OpenID Connect Core §3.1.2, RFC 6749 §4.1, RFC 7636,
//! RFC 9207): parsing a request into a validated [`AuthorizeRequest`] or a typed refusal, the
//! decision whether a live session may be used, and the answer to the client (a redirect with
//! the query, or an auto-submitting form for `form_post`), always with `iss`.
//!
//! The one rule that protects users from open redirects: until the client is known and the
//! `redirect_uri` is one of its registered URIs (exact string match), every refusal is an
//! error page ([`Refusal::Page`]); only after that are errors sent to the client
//! ([`Refusal::Redirect`]).

use super::client::Client;
use super::error::{OAuthCode, OAuthError};
use crate::html::{esc, form_post_page};
use crate::i18n::Lang;

/// Longest accepted parameter value (bytes).
const MAX_PARAM: usize = 2048;

/// How the answer is returned to the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseMode {
    /// Parameters in the redirect URI's query (the default for `code`).
    Query,
    /// An auto-submitting HTML form that POSTs the parameters (OAuth 2.0 Form Post).
    FormPost,
}

/// `prompt` values the provider acts on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Prompt {
    /// `login`: sign in again even with a live session.
    pub login: bool,
    /// `none`: never show a page; without a usable session answer `login_required`.
    pub none: bool,
}

/// A validated authorization request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizeRequest {
    /// The client.
    pub client_id: String,
    /// The registered redirect URI the answer goes to.
    pub redirect_uri: String,
    /// How the answer goes.
    pub response_mode: ResponseMode,
    /// The requested scopes (contains `openid`).
    pub scope: Vec<String>,
    /// The client's `state`, returned unchanged.
    pub state: Option<String>,
    /// The `nonce`, copied into the ID token.
    pub nonce: Option<String>,
    /// The PKCE `code_challenge` (S256), if the client sent one (public clients must).
    pub code_challenge: Option<String>,
    /// `prompt`.
    pub prompt: Prompt,
    /// `max_age` (seconds): a session older than this signs in again.
    pub max_age: Option<i64>,
    /// `login_hint`: the user name to fill in.
    pub login_hint: Option<String>,
    /// The first language of `ui_locales` the pages are written in: it wins over the
    /// browser's for this sign-in.
    pub ui_lang: Option<Lang>,
}

/// Why an error page is shown instead of redirecting (the client or redirect URI cannot be
/// trusted).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    /// No `client_id`.
    #[error("the request names no client")]
    MissingClientId,
    /// No client has this id.
    #[error("the application is not registered with this provider")]
    UnknownClient,
    /// No `redirect_uri`.
    #[error("the request has no redirect address")]
    MissingRedirectUri,
    /// The `redirect_uri` is not one the client registered.
    #[error("the redirect address is not registered for this application")]
    UnregisteredRedirectUri,
    /// `client_id` or `redirect_uri` given twice (cannot tell which is meant).
    #[error("the request repeats a parameter")]
    Repeated,
    /// The sign-in took longer than the waiting request lives (or it was answered already).
    #[error("the sign-in took too long or was already answered")]
    Expired,
}

/// Where an error answer goes: the validated redirect URI, mode and the client's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplyTo {
    /// The registered redirect URI.
    pub redirect_uri: String,
    /// How to answer.
    pub response_mode: ResponseMode,
    /// The client's `state`.
    pub state: Option<String>,
}

/// A refused authorization request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Shown to the user on an error page; nothing is sent anywhere.
    Page(PageError),
    /// Sent to the client's registered redirect URI.
    Redirect(ReplyTo, OAuthError),
}

/// Parses and validates an authorization request's parameters (query for GET, form for POST)
/// against the client found by `find_client`.
pub fn parse(
    params: &[(String, String)],
    find_client: impl FnOnce(&str) -> Option<Client>,
) -> Result<(AuthorizeRequest, Client), Refusal> {
    let one = |name: &str| -> Result<Option<&str>, ()> {
        let mut values = params.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let first = values.next();
        if values.next().is_some() {
            return Err(());
        }
        // An empty value is the same as an absent one (RFC 6749 §3.1).
        Ok(first.filter(|v| !v.is_empty()))
    };
    let page = Refusal::Page;
    let client_id = one("client_id")
        .map_err(|_| page(PageError::Repeated))?
        .ok_or(page(PageError::MissingClientId))?;
    if client_id.len() > MAX_PARAM {
        return Err(page(PageError::UnknownClient));
    }
    let client = find_client(client_id).ok_or(page(PageError::UnknownClient))?;
    let redirect_uri = one("redirect_uri")
        .map_err(|_| page(PageError::Repeated))?
        .ok_or(page(PageError::MissingRedirectUri))?;
    if !client.has_redirect_uri(redirect_uri) {
        return Err(page(PageError::UnregisteredRedirectUri));
    }

    // From here on the redirect URI is trusted: errors go to the client.
    let state = one("state").ok().flatten().filter(|s| s.len() <= MAX_PARAM).map(str::to_owned);
    let response_mode = match one("response_mode") {
        Ok(None) | Ok(Some("query")) => Ok(ResponseMode::Query),
        Ok(Some("form_post")) => Ok(ResponseMode::FormPost),
        Ok(Some(_)) => Err("unsupported response_mode"),
        Err(()) => Err("response_mode is repeated"),
    };
    let reply = ReplyTo {
        redirect_uri: redirect_uri.to_owned(),
        response_mode: *response_mode.as_ref().unwrap_or(&ResponseMode::Query),
        state: state.clone(),
    };
    let refuse = |e: OAuthError| Refusal::Redirect(reply.clone(), e);
    let invalid = |d: &'static str| refuse(OAuthError::invalid_request(d));
    let response_mode = response_mode.map_err(invalid)?;

    for (name, _) in params {
        let known = [
            "client_id",
            "redirect_uri",
            "response_type",
            "response_mode",
            "scope",
            "state",
            "nonce",
            "code_challenge",
            "code_challenge_method",
            "prompt",
            "max_age",
            "login_hint",
            "ui_locales",
        ];
        if known.contains(&name.as_str()) && params.iter().filter(|(k, _)| k == name).count() > 1 {
            return Err(invalid("a parameter is repeated"));
        }
        if params.iter().any(|(k, v)| k == name && v.len() > MAX_PARAM) {
            return Err(invalid("a parameter is too long"));
        }
    }
    if one("request").ok().flatten().is_some() {
        return Err(refuse(OAuthError::new(
            OAuthCode::RequestNotSupported,
            "request objects are not supported",
        )));
    }
    if one("request_uri").ok().flatten().is_some() {
        return Err(refuse(OAuthError::new(
            OAuthCode::RequestUriNotSupported,
            "request_uri is not supported",
        )));
    }
    let get = |name: &str| one(name).ok().flatten();

    match get("response_type") {
        Some("code") => {}
        None => return Err(invalid("response_type is required")),
        Some(_) => {
            return Err(refuse(OAuthError::new(
                OAuthCode::UnsupportedResponseType,
                "only response_type=code is supported",
            )))
        }
    }
    let scope: Vec<String> = get("scope")
        .unwrap_or("")
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if !scope.iter().any(|s| s == "openid") {
        return Err(refuse(OAuthError::new(
            OAuthCode::InvalidScope,
            "the scope must include openid",
        )));
    }

    // PKCE (RFC 7636 §4.3): S256 only; a challenge without a method means `plain`, refused.
    let code_challenge = match (get("code_challenge"), get("code_challenge_method")) {
        (None, None) => None,
        (None, Some(_)) => return Err(invalid("code_challenge_method without code_challenge")),
        (Some(c), Some("S256")) => {
            if !is_s256_challenge(c) {
                return Err(invalid("code_challenge must be a base64url SHA-256 (43 characters)"));
            }
            Some(c.to_owned())
        }
        (Some(_), _) => return Err(invalid("only code_challenge_method=S256 is supported")),
    };
    if client.is_public() && code_challenge.is_none() {
        return Err(invalid("PKCE (code_challenge with S256) is required for this client"));
    }

    let mut prompt = Prompt::default();
    for p in get("prompt").unwrap_or("").split(' ').filter(|s| !s.is_empty()) {
        match p {
            "none" => prompt.none = true,
            "login" => prompt.login = true,
            // No consent or account choice screens: the user signs in as one user and the
            // administrator registered the client.
            "consent" | "select_account" => {}
            _ => return Err(invalid("unsupported prompt value")),
        }
    }
    if prompt.none
        && (prompt.login
            || get("prompt").is_some_and(|p| p.split(' ').filter(|s| !s.is_empty()).count() > 1))
    {
        return Err(invalid("prompt=none may not be combined with other values"));
    }
    let max_age = match get("max_age") {
        None => None,
        Some(v) => Some(
            v.parse::<u32>()
                .map(i64::from)
                .map_err(|_| invalid("max_age must be a non-negative integer"))?,
        ),
    };
    let login_hint =
        get("login_hint").filter(|h| h.len() <= 256 && !h.chars().any(char::is_control));

    Ok((
        AuthorizeRequest {
            client_id: client.id.clone(),
            redirect_uri: reply.redirect_uri.clone(),
            response_mode,
            scope,
            state,
            nonce: get("nonce").map(str::to_owned),
            code_challenge,
            prompt,
            max_age,
            login_hint: login_hint.map(str::to_owned),
            ui_lang: get("ui_locales").and_then(Lang::from_ui_locales),
        },
        client,
    ))
}

/// A PKCE S256 challenge: 43 base64url characters (32 bytes, unpadded).
fn is_s256_challenge(c: &str) -> bool {
    c.len() == 43 && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What to do about a request given the user's live session (its `auth_time`), if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionUse {
    /// Answer at once with the session's sign-in.
    UseSession,
    /// Show the sign-in pages.
    SignIn,
    /// `prompt=none` and no usable session: answer `login_required`.
    LoginRequired,
}

impl AuthorizeRequest {
    /// Whether a session signed in at `auth_time` may answer this request at `now`:
    /// not with `prompt=login`, nor when older than `max_age` (`max_age=0` is a fresh sign-in).
    pub fn session_use(&self, auth_time: Option<i64>, now: i64) -> SessionUse {
        let usable = auth_time.is_some_and(|t| {
            !self.prompt.login && self.max_age.is_none_or(|max| now - t <= max && max > 0)
        });
        match (usable, self.prompt.none) {
            (true, _) => SessionUse::UseSession,
            (false, true) => SessionUse::LoginRequired,
            (false, false) => SessionUse::SignIn,
        }
    }

    /// Where errors about this request go.
    pub fn reply_to(&self) -> ReplyTo {
        ReplyTo {
            redirect_uri: self.redirect_uri.clone(),
            response_mode: self.response_mode,
            state: self.state.clone(),
        }
    }
}

/// The answer to the client's browser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// A `303 See Other` to this URL.
    Redirect(String),
    /// This HTML page, which POSTs the parameters to the redirect URI.
    FormPost(String),
}

/// The successful answer: `code`, `state` and `iss`.
pub fn success(to: &ReplyTo, code: &str, issuer: &str) -> Answer {
    answer(to, &[("code", code)], issuer)
}

/// An error answer: `error`, `error_description`, `state` and `iss`.
pub fn failure(to: &ReplyTo, error: &OAuthError, issuer: &str) -> Answer {
    answer(to, &[("error", error.code.as_str()), ("error_description", error.description)], issuer)
}

fn answer(to: &ReplyTo, fields: &[(&str, &str)], issuer: &str) -> Answer {
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    if let Some(state) = &to.state {
        all.push(("state", state));
    }
    all.push(("iss", issuer));
    match to.response_mode {
        ResponseMode::Query => {
            // The registered URI may carry a query of its own: keep it, append ours.
            let mut url = to.redirect_uri.clone();
            let extra: String =
                url::form_urlencoded::Serializer::new(String::new()).extend_pairs(all).finish();
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&extra);
            Answer::Redirect(url)
        }
        ResponseMode::FormPost => {
            let inputs: String = all
                .iter()
                .map(|(k, v)| {
                    format!("<input type=\"hidden\" name=\"{}\" value=\"{}\">", esc(k), esc(v))
                })
                .collect();
            Answer::FormPost(form_post_page(&to.redirect_uri, &inputs))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oidc::client::{register, ClientSpec};

    const URI: &str = "https://app.example.se/cb";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn client(public: bool) -> Client {
        let spec = ClientSpec {
            name: "App".into(),
            redirect_uris: vec![URI.into(), "https://app.example.se/cb2?tenant=a".into()],
            public,
            ..ClientSpec::default()
        };
        let mut c = register(&spec, 0, crate::ids::random_bytes).unwrap().client;
        c.id = "app".into();
        c
    }

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn base() -> Vec<(&'static str, &'static str)> {
        vec![
            ("client_id", "app"),
            ("redirect_uri", URI),
            ("response_type", "code"),
            ("scope", "openid profile"),
            ("state", "st"),
            ("nonce", "n-0S6_WzA2Mj"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ]
    }

    fn run(pairs: &[(&str, &str)], public: bool) -> Result<AuthorizeRequest, Refusal> {
        let c = client(public);
        parse(&params(pairs), |id| (id == c.id).then(|| c.clone())).map(|(r, _)| r)
    }

    fn with(change: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        let mut p: Vec<_> =
            base().into_iter().filter(|(k, _)| !change.iter().any(|(c, _)| c == k)).collect();
        p.extend(change.iter().filter(|(_, v)| !v.is_empty()).copied());
        p
    }

    fn redirect_error(pairs: &[(&str, &str)], public: bool) -> OAuthCode {
        match run(pairs, public) {
            Err(Refusal::Redirect(to, e)) => {
                assert_eq!(to.redirect_uri, URI);
                assert_eq!(to.state.as_deref(), Some("st"));
                e.code
            }
            other => panic!("expected a redirect error, got {other:?}"),
        }
    }

    #[test]
    fn a_complete_request_parses() {
        let r = run(&base(), true).unwrap();
        assert_eq!(r.client_id, "app");
        assert_eq!(r.redirect_uri, URI);
        assert_eq!(r.response_mode, ResponseMode::Query);
        assert_eq!(r.scope, vec!["openid", "profile"]);
        assert_eq!(r.state.as_deref(), Some("st"));
        assert_eq!(r.nonce.as_deref(), Some("n-0S6_WzA2Mj"));
        assert_eq!(r.code_challenge.as_deref(), Some(CHALLENGE));
        assert_eq!(r.prompt, Prompt::default());
        let r = run(
            &with(&[("response_mode", "form_post"), ("max_age", "300"), ("login_hint", "anna")]),
            true,
        )
        .unwrap();
        assert_eq!(r.response_mode, ResponseMode::FormPost);
        assert_eq!(r.max_age, Some(300));
        assert_eq!(r.login_hint.as_deref(), Some("anna"));
    }

    #[test]
    fn an_unknown_client_or_unregistered_redirect_uri_is_a_page_never_a_redirect() {
        let cases: [(&[(&str, &str)], PageError); 6] = [
            (&[("client_id", "")], PageError::MissingClientId),
            (&[("client_id", "evil")], PageError::UnknownClient),
            (&[("redirect_uri", "")], PageError::MissingRedirectUri),
            (&[("redirect_uri", "https://evil.example/cb")], PageError::UnregisteredRedirectUri),
            (&[("redirect_uri", "https://app.example.se/cb/")], PageError::UnregisteredRedirectUri),
            (
                &[("redirect_uri", "https://app.example.se/cb?x=https://evil")],
                PageError::UnregisteredRedirectUri,
            ),
        ];
        for (change, want) in cases {
            // Even with other errors present (bad response_type), the page wins.
            let mut p = with(change);
            p.push(("response_type", "token"));
            assert_eq!(run(&p, false), Err(Refusal::Page(want)), "{change:?}");
        }
        let mut p = base();
        p.push(("redirect_uri", "https://evil.example/cb"));
        assert_eq!(run(&p, false), Err(Refusal::Page(PageError::Repeated)));
    }

    #[test]
    fn errors_after_the_redirect_uri_is_trusted_go_to_the_client() {
        assert_eq!(
            redirect_error(&with(&[("response_type", "token")]), false),
            OAuthCode::UnsupportedResponseType
        );
        assert_eq!(
            redirect_error(&with(&[("response_type", "")]), false),
            OAuthCode::InvalidRequest
        );
        assert_eq!(redirect_error(&with(&[("scope", "profile")]), false), OAuthCode::InvalidScope);
        assert_eq!(
            redirect_error(&with(&[("response_mode", "fragment")]), false),
            OAuthCode::InvalidRequest
        );
        assert_eq!(
            redirect_error(&with(&[("prompt", "none login")]), false),
            OAuthCode::InvalidRequest
        );
        assert_eq!(redirect_error(&with(&[("prompt", "bogus")]), false), OAuthCode::InvalidRequest);
        assert_eq!(redirect_error(&with(&[("max_age", "-1")]), false), OAuthCode::InvalidRequest);
        assert_eq!(
            redirect_error(&with(&[("request", "eyJ…")]), false),
            OAuthCode::RequestNotSupported
        );
        assert_eq!(
            redirect_error(&with(&[("request_uri", "https://x")]), false),
            OAuthCode::RequestUriNotSupported
        );
        let mut p = base();
        p.push(("nonce", "second"));
        assert_eq!(redirect_error(&p, false), OAuthCode::InvalidRequest);
    }

    #[test]
    fn pkce_is_s256_only_and_required_for_public_clients() {
        // PKCE downgrade: plain, or a challenge with no method (= plain), is refused.
        assert_eq!(
            redirect_error(&with(&[("code_challenge_method", "plain")]), true),
            OAuthCode::InvalidRequest
        );
        assert_eq!(
            redirect_error(&with(&[("code_challenge_method", "")]), false),
            OAuthCode::InvalidRequest
        );
        assert_eq!(
            redirect_error(&with(&[("code_challenge", "short")]), false),
            OAuthCode::InvalidRequest
        );
        // Public clients must use PKCE; confidential ones may.
        let none = with(&[("code_challenge", ""), ("code_challenge_method", "")]);
        assert_eq!(redirect_error(&none, true), OAuthCode::InvalidRequest);
        assert_eq!(run(&none, false).unwrap().code_challenge, None);
    }

    #[test]
    fn sessions_answer_unless_prompt_or_max_age_says_otherwise() {
        let mut r = run(&base(), false).unwrap();
        assert_eq!(r.session_use(Some(100), 200), SessionUse::UseSession);
        assert_eq!(r.session_use(None, 200), SessionUse::SignIn);
        r.prompt.login = true;
        assert_eq!(r.session_use(Some(100), 200), SessionUse::SignIn);
        r.prompt = Prompt { login: false, none: true };
        assert_eq!(r.session_use(None, 200), SessionUse::LoginRequired);
        assert_eq!(r.session_use(Some(100), 200), SessionUse::UseSession);
        r.max_age = Some(60);
        assert_eq!(r.session_use(Some(100), 200), SessionUse::LoginRequired);
        assert_eq!(r.session_use(Some(150), 200), SessionUse::UseSession);
        r.prompt.none = false;
        r.max_age = Some(0);
        assert_eq!(r.session_use(Some(200), 200), SessionUse::SignIn);
    }

    #[test]
    fn answers_carry_state_and_iss_in_query_or_form() {
        let r = run(&base(), false).unwrap();
        let iss = "https://login.example.se/auth";
        let Answer::Redirect(url) = success(&r.reply_to(), "c0de", iss) else { panic!() };
        assert_eq!(url, "https://app.example.se/cb?code=c0de&state=st&iss=https%3A%2F%2Flogin.example.se%2Fauth");
        let denied = OAuthError::new(OAuthCode::AccessDenied, "the sign-in was denied");
        let Answer::Redirect(url) = failure(&r.reply_to(), &denied, iss) else { panic!() };
        assert!(
            url.starts_with("https://app.example.se/cb?error=access_denied&error_description="),
            "{url}"
        );
        assert!(url.ends_with("&state=st&iss=https%3A%2F%2Flogin.example.se%2Fauth"));
        // A registered URI with a query keeps it.
        let mut to = r.reply_to();
        to.redirect_uri = "https://app.example.se/cb2?tenant=a".into();
        to.state = None;
        let Answer::Redirect(url) = success(&to, "c", iss) else { panic!() };
        assert_eq!(
            url,
            "https://app.example.se/cb2?tenant=a&code=c&iss=https%3A%2F%2Flogin.example.se%2Fauth"
        );
        // form_post: escaped hidden inputs posted to the redirect URI.
        to.response_mode = ResponseMode::FormPost;
        to.state = Some("\"><script>".into());
        let Answer::FormPost(html) = success(&to, "c", iss) else { panic!() };
        assert!(html.contains("action=\"https://app.example.se/cb2?tenant=a\""));
        assert!(html.contains("name=\"code\" value=\"c\""));
        assert!(html.contains("name=\"state\" value=\"&quot;&gt;&lt;script&gt;\""));
        assert!(html.contains(&format!("name=\"iss\" value=\"{iss}\"")));
        assert_eq!(html.matches("<script>").count(), 1, "only the page's own script");
        assert!(html.contains(&format!("<script>{}</script>", crate::html::AUTO_SUBMIT_JS)));
    }
}
