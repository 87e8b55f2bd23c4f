//! The authorization endpoint of nyckel-idp: a query string or form body, split into pairs as
//! the handler does, goes where the handler sends it — an Entra external authentication
//! method request (`response_type=id_token`) to `eam::request::parse`, anything else to the
//! OpenID Connect rules (`oidc::authorize::parse`). Every answer is a value or a typed
//! refusal, and the promises that protect users hold:
//!
//! - nothing is ever sent to a redirect URI the client did not register (no open redirect);
//! - an accepted request has `openid`, a well-formed S256 challenge when it has one (always
//!   for a public client), and its answer (query or `form_post`) carries `state` and `iss`
//!   back unchanged and injects no markup;
//! - an accepted EAM request answers only to the method's redirect URI, with `acr`/`amr`
//!   values free of spaces and control characters.

use nyckel_idp::fuzzing::authorize::{self, Answer, Refusal, ReplyTo, ResponseMode, SessionUse};
use nyckel_idp::fuzzing::client::{register, ClientSpec};
use nyckel_idp::fuzzing::error::OAuthError;
use nyckel_idp::fuzzing::{eam_answer, eam_request, SignInMethod};
use nyckel_idp::{Client, EamMethod};

/// The issuer the answers carry.
pub const ISSUER: &str = "https://login.example.se/auth";
const NOW: i64 = 1_800_000_000;

/// The registered clients: `app` (confidential) and `native` (public), and the EAM method
/// `entra`.
struct Fixture {
    clients: Vec<Client>,
    method: EamMethod,
}

fn client(id: &str, public: bool, redirect_uris: &[&str]) -> Client {
    let spec = ClientSpec {
        name: id.into(),
        redirect_uris: redirect_uris.iter().map(|u| u.to_string()).collect(),
        public,
        ..ClientSpec::default()
    };
    let mut c = register(&spec, 0, |n| vec![7; n]).expect("the fixture's client registers").client;
    c.id = id.into();
    c
}

impl Fixture {
    fn new() -> Fixture {
        Fixture {
            clients: vec![
                client(
                    "app",
                    false,
                    &["https://app.example.se/cb", "https://app.example.se/cb2?tenant=a"],
                ),
                client("native", true, &["se.example.app:/cb", "http://127.0.0.1:8080/cb"]),
            ],
            method: EamMethod {
                client_id: "entra".into(),
                app_id: "app-1".into(),
                tenants: vec!["tenant-a".into()],
                redirect_uri: "https://login.example/common/federation/externalauthprovider".into(),
                issuer_template: "https://login.example/{tenantid}/v2.0".into(),
                jwks_uri_template: "https://login.example/{tenantid}/keys".into(),
                created_at: 0,
            },
        }
    }

    fn find(&self, id: &str) -> Option<Client> {
        self.clients.iter().find(|c| c.id == id).cloned()
    }
}

thread_local! {
    static FIXTURE: Fixture = Fixture::new();
}

/// Parameters of a query string or form body, in order, repeats kept (as the handler reads
/// them).
pub fn pairs(data: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(data).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

/// Feeds `data`, as the endpoint's parameters, to the rule the endpoint would use.
pub fn check(data: &[u8]) {
    let params = pairs(data);
    FIXTURE.with(|f| {
        if eam_request::is_eam_request(&params) {
            eam(f, &params);
        } else {
            oidc(f, &params);
        }
    })
}

fn oidc(f: &Fixture, params: &[(String, String)]) {
    let named: Vec<&str> =
        params.iter().filter(|(k, _)| k == "client_id").map(|(_, v)| v.as_str()).collect();
    match authorize::parse(params, |id| f.find(id)) {
        Err(Refusal::Page(_)) => {}
        Err(Refusal::Redirect(to, error)) => {
            // Only after the client and its redirect URI are known may an error go there.
            let client = f.find(named[0]).expect("a redirect for an unknown client");
            assert!(client.has_redirect_uri(&to.redirect_uri), "open redirect: {to:?}");
            answers(&to, Some(&error));
        }
        Ok((req, client)) => {
            assert_eq!(named, [client.id.as_str()], "the client the request named");
            assert_eq!(req.client_id, client.id);
            assert!(client.has_redirect_uri(&req.redirect_uri), "open redirect: {req:?}");
            assert!(req.scope.iter().any(|s| s == "openid"), "accepted without openid");
            if let Some(c) = &req.code_challenge {
                assert_eq!(c.len(), 43, "a challenge that is not S256's");
            }
            assert!(
                !client.is_public() || req.code_challenge.is_some(),
                "public client without PKCE"
            );
            assert!(!(req.prompt.none && req.prompt.login), "prompt=none with login");
            for auth_time in [None, Some(0), Some(NOW - 3600), Some(NOW), Some(NOW + 60)] {
                let used = req.session_use(auth_time, NOW);
                if req.prompt.login || auth_time.is_none() {
                    assert_ne!(used, SessionUse::UseSession, "a session used against prompt");
                }
            }
            answers(&req.reply_to(), None);
        }
    }
}

/// The answers to `to` (the code, or `error`) go to its redirect URI and carry `state` and
/// `iss` back unchanged.
fn answers(to: &ReplyTo, error: Option<&OAuthError>) {
    let (expected, answer) = match error {
        Some(e) => (vec![("error", e.code.as_str())], authorize::failure(to, e, ISSUER)),
        None => (vec![("code", "c0de")], authorize::success(to, "c0de", ISSUER)),
    };
    match (to.response_mode, answer) {
        (ResponseMode::Query, Answer::Redirect(url)) => {
            let rest = url.strip_prefix(to.redirect_uri.as_str()).expect("the answer's address");
            let query = rest.strip_prefix(['?', '&']).expect("the answer's own query");
            let got = pairs(query.as_bytes());
            for (k, v) in &expected {
                assert_eq!(value(&got, k), Some(*v), "{k} in {url}");
            }
            assert_eq!(value(&got, "state"), to.state.as_deref(), "state in {url}");
            assert_eq!(got.last().map(|(k, v)| (k.as_str(), v.as_str())), Some(("iss", ISSUER)));
        }
        (ResponseMode::FormPost, Answer::FormPost(html)) => {
            assert_eq!(html.matches("<script").count(), 1, "markup injected: {html}");
            // The fields, `error_description` with an error, `state`, `iss`.
            let fields = expected.len() + usize::from(error.is_some());
            let inputs = fields + usize::from(to.state.is_some()) + 1;
            assert_eq!(html.matches("<input").count(), inputs, "markup injected: {html}");
        }
        (mode, answer) => panic!("{mode:?} answered with {answer:?}"),
    }
}

fn value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn eam(f: &Fixture, params: &[(String, String)]) {
    let Ok((req, method)) =
        eam_request::parse(params, |id| (id == f.method.client_id).then(|| f.method.clone()))
    else {
        return;
    };
    assert_eq!(method, f.method);
    assert_eq!(req.redirect_uri, f.method.redirect_uri, "answers go to the method's address only");
    assert!(!req.nonce.is_empty() && !req.id_token_hint.is_empty());
    let plain = |v: &String| !v.is_empty() && !v.chars().any(|c| c == ' ' || c.is_control());
    assert!(req.acr_values.iter().all(plain), "{:?}", req.acr_values);
    assert!(req.amr_values.iter().flatten().all(plain), "{:?}", req.amr_values);
    // Debug shows none of the hint, nonce or state.
    let blank = eam_request::EamRequest {
        id_token_hint: String::new(),
        nonce: String::new(),
        state: None,
        ..req.clone()
    };
    assert_eq!(format!("{req:?}"), format!("{blank:?}"), "Debug depends on the hint");
    for method in [SignInMethod::PasswordAndPush, SignInMethod::PhoneSignin(None)] {
        if let Some(Some(acr)) = eam_answer::fit(method, &req.acr_values, req.amr_values.as_deref())
        {
            assert!(req.acr_values.contains(&acr), "an acr value the request did not name");
        }
    }
    let page = eam_answer::form_post(
        &req.redirect_uri,
        &[("error", "access_denied")],
        req.state.as_deref(),
    );
    assert_eq!(page.matches("<script").count(), 1, "markup injected: {page}");
}
