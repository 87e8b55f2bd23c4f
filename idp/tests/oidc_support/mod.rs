//! Shared by the OpenID Connect tests: an in-process provider on loopback with a user whose
//! phone (core's protocol code with a software key store) approves by the number read from the
//! page, a cookie-keeping "browser" that follows nothing by itself, and the relying party's
//! side of the code flow (PKCE, token requests, ID token verification against the JWKS).

#![allow(dead_code)] // each test file uses part of it

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use nyckel_core::clock::{Clock, SystemClock};
use nyckel_core::otpauth::OtpParams;
use nyckel_core::protocol::keys::FixedPin;
use nyckel_core::protocol::wire::{b64, sha256};
use nyckel_core::protocol::SoftwareKeyStore;
use nyckel_core::protocol::{
    self as p, Decision, EnrollUri, Enrollment, HttpRequest, HttpResponse,
};
use nyckel_core::random::SystemRandom;
use nyckel_idp::{ClientSpec, Config, Provider, ServerHandle, SigningAlg};
use serde_json::Value;

pub const PASSWORD: &str = "hemligt-lösen-4711";
pub const REDIRECT: &str = "http://127.0.0.1:9/cb";
pub const POST_LOGOUT: &str = "http://127.0.0.1:9/bye";

pub fn now() -> i64 {
    SystemClock.now()
}

pub fn send(req: &HttpRequest) -> HttpResponse {
    nyckel_http::execute(req).expect("loopback HTTP")
}

pub fn header<'a>(resp: &'a HttpResponse, name: &str) -> Option<&'a str> {
    resp.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

pub fn text(resp: &HttpResponse) -> String {
    String::from_utf8(resp.body.clone()).unwrap()
}

pub fn json(resp: &HttpResponse) -> Value {
    serde_json::from_slice(&resp.body).unwrap_or_else(|_| panic!("not JSON: {}", text(resp)))
}

/// The value of `name="…"`'s `value` in a page (hidden inputs).
pub fn hidden(body: &str, name: &str) -> Option<String> {
    let at = body.find(&format!("name=\"{name}\" value=\""))? + name.len() + 15;
    Some(unescape(body[at..].split('"').next()?))
}

/// An attribute's value in a page (`data-request="…"`).
pub fn attr(body: &str, name: &str) -> Option<String> {
    let at = body.find(&format!("{name}=\""))? + name.len() + 2;
    Some(unescape(body[at..].split('"').next()?))
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A query parameter of a URL.
pub fn param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

pub fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

/// A PKCE verifier and its S256 challenge.
pub fn pkce() -> (String, String) {
    let verifier = b64(&rand_bytes()) + &b64(&rand_bytes()); // 44 unreserved characters
    let challenge = b64(&sha256(verifier.as_bytes()));
    (verifier, challenge)
}

fn rand_bytes() -> [u8; 16] {
    use nyckel_core::random::Random;
    let mut b = [0u8; 16];
    SystemRandom.fill(&mut b).unwrap();
    b
}

/// A browser: keeps the session cookie, follows nothing by itself.
#[derive(Clone, Default)]
pub struct Browser {
    pub cookie: Option<String>,
    /// Extra headers on every request (e.g. a cross-site `Origin`).
    pub extra: Vec<(String, String)>,
}

impl Browser {
    fn headers(&self) -> Vec<(String, String)> {
        let mut h = self.extra.clone();
        if let Some(c) = &self.cookie {
            h.push(("Cookie".into(), format!("nyckel_session={c}")));
        }
        h
    }

    fn keep(&mut self, resp: &HttpResponse) {
        for (k, v) in &resp.headers {
            if k.eq_ignore_ascii_case("set-cookie") {
                let first = v.split(';').next().unwrap_or("");
                if let Some(value) = first.strip_prefix("nyckel_session=") {
                    self.cookie = (!value.is_empty()).then(|| value.to_owned());
                }
            }
        }
    }

    pub fn get(&mut self, url: &str) -> HttpResponse {
        let resp = send(&HttpRequest {
            method: "GET".into(),
            url: url.into(),
            headers: self.headers(),
            body: vec![],
        });
        self.keep(&resp);
        resp
    }

    pub fn post(&mut self, url: &str, body: &str) -> HttpResponse {
        let mut headers = self.headers();
        headers.push(("Content-Type".into(), "application/x-www-form-urlencoded".into()));
        let resp = send(&HttpRequest {
            method: "POST".into(),
            url: url.into(),
            headers,
            body: body.as_bytes().to_vec(),
        });
        self.keep(&resp);
        resp
    }
}

/// A user's phone: the enrollment and its keys.
pub struct Phone {
    pub enrollment: Enrollment,
    pub keys: SoftwareKeyStore,
}

impl Phone {
    pub fn enroll(provider: &Provider, name: &str) -> Phone {
        Phone::enroll_with(provider, name, false).0
    }

    /// Enrolls a new user `name`'s phone; with `one_time_code`, the user gets a TOTP secret,
    /// which the enrollment carries and the app keeps (returned: what the app computes codes
    /// from).
    pub fn enroll_with(
        provider: &Provider,
        name: &str,
        one_time_code: bool,
    ) -> (Phone, Option<OtpParams>) {
        let uri = provider.add_user(name, Some(PASSWORD), one_time_code).unwrap().enroll_uri;
        let uri = EnrollUri::parse(&uri).unwrap();
        let code = uri.otp.as_ref().map(|o| o.params.clone());
        let keys = SoftwareKeyStore::new();
        let (req, st) =
            p::enroll::begin(&uri, "Telefon", None, &keys, &SystemRandom, now()).unwrap();
        let enrollment = st.finish(&send(&req), now()).unwrap();
        (Phone { enrollment, keys }, code)
    }

    pub fn enable_phone_signin(&mut self) {
        self.keys.set_pin_source(Some(Arc::new(FixedPin::new("2468"))));
        let (req, fetch) =
            p::request_phone_signin_challenge(&self.enrollment, &self.keys, &SystemRandom, now())
                .unwrap();
        let challenge = fetch.finish(&mut self.enrollment, &send(&req), now()).unwrap();
        let (req, st) =
            p::enable_phone_signin(&self.enrollment, &challenge, &self.keys, &SystemRandom, now())
                .unwrap();
        st.finish(&mut self.enrollment, &self.keys, &send(&req), now()).unwrap();
    }

    /// Answers the pending request `id` with `decision`.
    pub fn decide(&mut self, id: &str, decision: Decision) {
        let (req, fetch) =
            p::fetch_pending(&self.enrollment, &self.keys, &SystemRandom, now()).unwrap();
        let list = p::parse_pending(&mut self.enrollment, &fetch, &send(&req), now()).unwrap();
        let request = list.into_iter().find(|r| r.id == id).expect("the request reaches the phone");
        let req = p::respond(&mut self.enrollment, &request, decision, &self.keys, now()).unwrap();
        let _ = p::parse_respond_result(&self.enrollment, &request, decision, &send(&req));
    }
}

/// How the user signs in on the pages.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Password, then number matching.
    Password,
    /// Passwordless phone sign-in.
    Phone,
}

/// What the phone does.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Approve,
    Deny,
    WrongNumber,
}

/// A provider on loopback with a user `anna` and her phone, and a movable clock.
pub struct Idp {
    pub provider: Provider,
    pub server: ServerHandle,
    pub phone: Phone,
    pub offset: Arc<AtomicI64>,
    _dir: tempfile::TempDir,
}

/// A registered client.
#[derive(Clone)]
pub struct Rp {
    pub id: String,
    pub secret: Option<String>,
}

impl Idp {
    pub fn start() -> Idp {
        Idp::start_with(false).0
    }

    /// [`Idp::start`]; with `one_time_code`, anna also has a one-time-code account in the app
    /// (returned), not yet confirmed on the provider.
    pub fn start_with(one_time_code: bool) -> (Idp, Option<OtpParams>) {
        Idp::start_configured(one_time_code, |_| {})
    }

    /// [`Idp::start_with`] with the provider's configuration changed by `tweak`.
    pub fn start_configured(
        one_time_code: bool,
        tweak: impl FnOnce(&mut Config),
    ) -> (Idp, Option<OtpParams>) {
        let dir = tempfile::tempdir().unwrap();
        let offset = Arc::new(AtomicI64::new(0));
        let o = offset.clone();
        let clock = Arc::new(move || SystemClock.now() + o.load(Ordering::SeqCst));
        let mut cfg = Config { clock, ..Config::default() };
        tweak(&mut cfg);
        let provider = Provider::open(dir.path().join("idp.db"), cfg).unwrap();
        let server = provider.spawn("127.0.0.1:0").unwrap();
        let (phone, code) = Phone::enroll_with(&provider, "anna", one_time_code);
        (Idp { provider, server, phone, offset, _dir: dir }, code)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url)
    }

    pub fn issuer(&self) -> String {
        self.server.base_url.clone()
    }

    pub fn advance(&self, secs: i64) {
        self.offset.fetch_add(secs, Ordering::SeqCst);
    }

    pub fn client(&self, public: bool, alg: Option<SigningAlg>) -> Rp {
        let new = self
            .provider
            .add_client(&ClientSpec {
                name: "Intranät".into(),
                redirect_uris: vec![REDIRECT.into()],
                post_logout_uris: vec![POST_LOGOUT.into()],
                public,
                id_token_alg: alg,
            })
            .unwrap();
        Rp { id: new.client.id, secret: new.secret }
    }

    /// The authorization URL for `rp` with `extra` parameters (state `st`, nonce `n`, and the
    /// PKCE challenge when given).
    pub fn authorize_url(
        &self,
        rp: &Rp,
        challenge: Option<&str>,
        extra: &[(&str, &str)],
    ) -> String {
        let mut pairs = vec![
            ("client_id", rp.id.as_str()),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "openid profile"),
            ("state", "st"),
            ("nonce", "n"),
        ];
        if let Some(c) = challenge {
            pairs.push(("code_challenge", c));
            pairs.push(("code_challenge_method", "S256"));
        }
        for (k, v) in extra {
            pairs.retain(|(pk, _)| pk != k);
            pairs.push((k, v));
        }
        format!("{}?{}", self.url("/oidc/authorize"), form(&pairs))
    }

    /// Signs in on the pages shown for an authorization request (`page` is the sign-in page
    /// it answered) and returns the provider's final answer (the redirect to the client).
    pub fn sign_in(
        &mut self,
        browser: &mut Browser,
        page: &HttpResponse,
        mode: Mode,
        answer: Answer,
    ) -> HttpResponse {
        self.sign_in_as("anna", browser, page, mode, answer)
    }

    /// [`Idp::sign_in`] with the user name typed as `typed`.
    pub fn sign_in_as(
        &mut self,
        typed: &str,
        browser: &mut Browser,
        page: &HttpResponse,
        mode: Mode,
        answer: Answer,
    ) -> HttpResponse {
        assert_eq!(page.status, 200, "{}", text(page));
        let authz = hidden(&text(page), "authz").expect("the sign-in page carries the request");
        let mode_name = if mode == Mode::Phone { "phone" } else { "password" };
        let mut fields = vec![("username", typed), ("mode", mode_name), ("authz", authz.as_str())];
        if mode == Mode::Password {
            fields.push(("password", PASSWORD));
        }
        let number_page = browser.post(&self.url("/signin"), &form(&fields));
        assert_eq!(number_page.status, 200, "{}", text(&number_page));
        let body = text(&number_page);
        let id = attr(&body, "data-request").unwrap();
        let token = attr(&body, "data-token").unwrap();
        let resume = attr(&body, "data-resume").expect("the number page continues the request");
        let number = number_on(&body);
        let decision = match answer {
            Answer::Approve => Decision::Approve { number },
            Answer::Deny => Decision::Deny,
            Answer::WrongNumber => {
                Decision::Approve { number: if number == 99 { 10 } else { number + 1 } }
            }
        };
        self.phone.decide(&id, decision);
        if answer == Answer::Approve {
            let done = browser.post(&self.url(&format!("/signin/complete/{id}?t={token}")), "");
            assert_eq!(done.status, 200, "{}", text(&done));
        }
        browser.get(&format!("{}{resume}&request={id}&t={token}", self.server.base_url))
    }

    /// Redeems a code at the token endpoint as `rp` (Basic for confidential clients).
    pub fn token(&self, rp: &Rp, code: &str, verifier: Option<&str>) -> HttpResponse {
        let mut fields =
            vec![("grant_type", "authorization_code"), ("code", code), ("redirect_uri", REDIRECT)];
        if let Some(v) = verifier {
            fields.push(("code_verifier", v));
        }
        let mut headers =
            vec![("Content-Type".to_owned(), "application/x-www-form-urlencoded".to_owned())];
        match &rp.secret {
            Some(secret) => {
                use base64::Engine;
                let basic = base64::engine::general_purpose::STANDARD
                    .encode(format!("{}:{}", rp.id, secret));
                headers.push(("Authorization".into(), format!("Basic {basic}")));
            }
            None => fields.push(("client_id", rp.id.as_str())),
        }
        send(&HttpRequest {
            method: "POST".into(),
            url: self.url("/oidc/token"),
            headers,
            body: form(&fields).into_bytes(),
        })
    }

    pub fn userinfo(&self, access_token: &str) -> HttpResponse {
        send(&HttpRequest {
            method: "GET".into(),
            url: self.url("/oidc/userinfo"),
            headers: vec![("Authorization".into(), format!("Bearer {access_token}"))],
            body: vec![],
        })
    }

    /// Verifies an ID token's signature with the published JWKS and its `iss`, `aud` and
    /// `exp`, as a relying party does; returns the claims.
    pub fn verify_id_token(&self, rp: &Rp, id_token: &str) -> Value {
        let jwks: jsonwebtoken::jwk::JwkSet = serde_json::from_slice(
            &send(&HttpRequest {
                method: "GET".into(),
                url: self.url("/oidc/jwks"),
                headers: vec![],
                body: vec![],
            })
            .body,
        )
        .unwrap();
        let header = jsonwebtoken::decode_header(id_token).unwrap();
        let kid = header.kid.expect("ID tokens name their key");
        let jwk = jwks.find(&kid).expect("the key is published");
        let mut v = jsonwebtoken::Validation::new(header.alg);
        v.set_audience(&[rp.id.as_str()]);
        v.set_issuer(&[self.issuer().as_str()]);
        v.leeway = 120; // the test's clock offset may be ahead
        jsonwebtoken::decode::<Value>(
            id_token,
            &jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap(),
            &v,
        )
        .expect("the ID token verifies")
        .claims
    }
}

/// The two-digit number a number page shows (`#number`).
pub fn number_on(body: &str) -> u8 {
    let shown = body.split("id=\"number\"").nth(1).and_then(|rest| rest.split_once('>'));
    shown.and_then(|(_, n)| n.get(..2)?.parse().ok()).expect("a number page shows a number")
}

/// The `Location` of a redirect answer.
pub fn location(resp: &HttpResponse) -> String {
    assert_eq!(resp.status, 303, "expected a redirect, got {}: {}", resp.status, text(resp));
    header(resp, "location").unwrap().to_owned()
}
