//! Shared helpers for the protocol end-to-end tests: an in-process `nyckel-idp` on loopback
//! and a "phone" driving `nyckel-core`'s sans-I/O protocol over real HTTP.
#![allow(dead_code, unused_imports)]

use nyckel_core::random::SystemRandom;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use nyckel_core::clock::{Clock, SystemClock};

use nyckel_core::protocol::assertion::{self, ClientDataFields};
use nyckel_core::protocol::keys::FixedPin;
use nyckel_core::protocol::wire::{self, unb64};
use nyckel_core::protocol::{
    self as p, Decision, DeviceKeyStore, EnrollUri, Enrollment, HttpRequest, HttpResponse,
    PendingRequest, ProtocolError, RespondOutcome, SoftwareKeyStore,
};
use nyckel_idp::{Config, Provider, ServerHandle, SigninFrom, Started};
pub use nyckel_idp::{Error, ErrorCode, RequestKind as Kind};

/// Device clock (the real one: core's).
pub fn device_now() -> i64 {
    SystemClock.now()
}

/// Sends a core request over loopback.
pub fn send(req: &HttpRequest) -> HttpResponse {
    assert!(req.url.starts_with("http://127.0.0.1:"), "tests only talk to loopback");
    nyckel_http::execute(req).expect("loopback HTTP")
}

/// A provider running in-process on 127.0.0.1 with its own database and movable clock.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    pub cfg: Config,
    /// How far the provider's clock is moved ahead of the system clock ([`Env::advance`]).
    pub offset: Arc<AtomicI64>,
    /// The provider's public API (what its admin CLI and sign-in page use).
    pub provider: Provider,
    pub server: Option<ServerHandle>,
}

impl Default for Env {
    fn default() -> Self {
        Env::new()
    }
}

impl Env {
    pub fn new() -> Env {
        Env::with(|_| {})
    }

    pub fn with(tweak: impl FnOnce(&mut Config)) -> Env {
        Env::build(tweak, false)
    }

    /// Like [`Env::with`], but the provider's clock stands still except for [`Env::advance`]:
    /// for tests whose answers depend on whole seconds passing (a one-second back-off must not
    /// end because the system clock ticked between two requests).
    pub fn frozen_with(tweak: impl FnOnce(&mut Config)) -> Env {
        Env::build(tweak, true)
    }

    fn build(tweak: impl FnOnce(&mut Config), frozen: bool) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("idp.db");
        let offset = Arc::new(AtomicI64::new(0));
        let moved = offset.clone();
        let started = SystemClock.now();
        let clock = Arc::new(move || {
            let base = if frozen { started } else { SystemClock.now() };
            base + moved.load(Ordering::SeqCst)
        });
        let mut cfg = Config { clock, ..Config::default() };
        tweak(&mut cfg);
        let provider = Provider::open(&db, cfg.clone()).unwrap();
        let server = provider.spawn("127.0.0.1:0").unwrap();
        Env { dir, db, cfg, offset, provider, server: Some(server) }
    }

    pub fn base_url(&self) -> String {
        self.server.as_ref().unwrap().base_url.clone()
    }

    /// Adds a user with a password; returns the enrollment URI.
    pub fn add_user(&self, name: &str) -> String {
        self.provider.add_user(name, Some("lösenord"), false).unwrap().enroll_uri
    }

    pub fn enroll_uri(&self, name: &str) -> String {
        self.provider.issue_enrollment(name).unwrap().enroll_uri
    }

    /// Starts a sign-in as the page would, from the user's own address.
    pub fn start(&self, name: &str, kind: Kind) -> Result<Started, Error> {
        self.start_from(name, kind, "203.0.113.7")
    }

    /// Starts a sign-in as the page would, from client address `ip`.
    pub fn start_from(&self, name: &str, kind: Kind, ip: &str) -> Result<Started, Error> {
        let from =
            SigninFrom { app: "Webbmejl".into(), ip: ip.into(), location: "Malmö, SE".into() };
        self.provider.start_signin(name, kind, &from)
    }

    /// Events of `kind` with their details, oldest first.
    pub fn event_details(&self, kind: &str) -> Vec<String> {
        let mut events = self.provider.events(None, 1000).unwrap();
        events.reverse();
        events.into_iter().filter(|e| e.kind == kind).map(|e| e.detail).collect()
    }

    pub fn push(&self, name: &str) -> Started {
        self.start(name, Kind::Push).unwrap()
    }

    pub fn state(&self, id: &str) -> String {
        self.provider.signin_status(id).unwrap().state
    }

    pub fn advance(&self, secs: i64) {
        self.offset.fetch_add(secs, Ordering::SeqCst);
    }

    pub fn sign_count(&self, credential_id: &str) -> i64 {
        self.provider.sign_count(credential_id).unwrap().expect("a known credential")
    }

    pub fn events(&self, kind: &str) -> usize {
        self.provider.events(None, 1000).unwrap().iter().filter(|e| e.kind == kind).count()
    }
}

/// A phone: a software key store and one enrollment.
pub struct Phone {
    pub keys: Arc<SoftwareKeyStore>,
    pub enrollment: Enrollment,
}

/// Enrolls a phone with `uri`.
pub fn try_enroll(uri: &str, keys: &Arc<SoftwareKeyStore>) -> Result<Enrollment, ProtocolError> {
    let parsed = EnrollUri::parse(uri)?;
    let (req, state) = p::enroll::begin(
        &parsed,
        "Annas telefon",
        Some("push-token-1"),
        keys.as_ref(),
        &SystemRandom,
        device_now(),
    )?;
    let resp = send(&req);
    state.finish(&resp, device_now())
}

impl Phone {
    pub fn enroll(uri: &str) -> Phone {
        let keys = Arc::new(SoftwareKeyStore::new());
        let enrollment = try_enroll(uri, &keys).unwrap();
        Phone { keys, enrollment }
    }

    /// What else the user can sign in with, as the provider answers this phone (§4.11).
    pub fn standing(&mut self) -> Result<p::Standing, ProtocolError> {
        let (req, check) =
            p::standing(&self.enrollment, self.keys.as_ref(), &SystemRandom, device_now())?;
        check.finish(&mut self.enrollment, &send(&req), device_now())
    }

    pub fn try_pending(&mut self) -> Result<Vec<PendingRequest>, ProtocolError> {
        let (req, f) =
            p::fetch_pending(&self.enrollment, self.keys.as_ref(), &SystemRandom, device_now())?;
        let resp = send(&req);
        p::parse_pending(&mut self.enrollment, &f, &resp, device_now())
    }

    pub fn pending(&mut self) -> Vec<PendingRequest> {
        self.try_pending().unwrap()
    }

    /// The pending list as the app fetches it when the user opens it, however far the
    /// provider's clock moved (a clock-skew answer corrects the offset, then it retries, §8).
    pub fn open_app(&mut self) -> Vec<PendingRequest> {
        match self.try_pending() {
            Err(ProtocolError::ClockSkew) => self.pending(),
            other => other.unwrap(),
        }
    }

    /// The one pending request with id `id`.
    pub fn pending_one(&mut self, id: &str) -> PendingRequest {
        self.pending().into_iter().find(|r| r.id == id).expect("request listed")
    }

    pub fn build(&mut self, req: &PendingRequest, d: Decision) -> HttpRequest {
        p::respond(&mut self.enrollment, req, d, self.keys.as_ref(), device_now()).unwrap()
    }

    pub fn respond(
        &mut self,
        req: &PendingRequest,
        d: Decision,
    ) -> Result<RespondOutcome, ProtocolError> {
        let http = p::respond(&mut self.enrollment, req, d, self.keys.as_ref(), device_now())?;
        p::parse_respond_result(&self.enrollment, req, d, &send(&http))
    }

    pub fn approve(
        &mut self,
        req: &PendingRequest,
        number: u8,
    ) -> Result<RespondOutcome, ProtocolError> {
        self.respond(req, Decision::Approve { number })
    }

    pub fn enable_phone_signin(&mut self, pin: &str) -> Result<(), ProtocolError> {
        self.keys.set_pin_source(Some(Arc::new(FixedPin::new(pin))));
        let challenge = self.phone_signin_challenge()?;
        let (req, st) = p::enable_phone_signin(
            &self.enrollment,
            &challenge,
            self.keys.as_ref(),
            &SystemRandom,
            device_now(),
        )?;
        let resp = send(&req);
        st.finish(&mut self.enrollment, self.keys.as_ref(), &resp, device_now())
    }

    /// Asks the provider for a phone sign-in challenge (§4.4).
    pub fn phone_signin_challenge(&mut self) -> Result<wire::PhoneSigninChallenge, ProtocolError> {
        let (req, fetch) = p::request_phone_signin_challenge(
            &self.enrollment,
            self.keys.as_ref(),
            &SystemRandom,
            device_now(),
        )?;
        fetch.finish(&mut self.enrollment, &send(&req), device_now())
    }

    /// Asks the provider for a transfer enrollment code (§4.10).
    pub fn request_transfer(&mut self) -> Result<p::TransferOffer, ProtocolError> {
        let (req, st) =
            p::request_transfer(&self.enrollment, self.keys.as_ref(), &SystemRandom, device_now())?;
        st.finish(&mut self.enrollment, &send(&req), device_now())
    }

    pub fn disable_phone_signin(&mut self) -> Result<(), ProtocolError> {
        let (req, st) = p::disable_phone_signin(
            &self.enrollment,
            self.keys.as_ref(),
            &SystemRandom,
            device_now(),
        )?;
        let resp = send(&req);
        st.finish(&mut self.enrollment, self.keys.as_ref(), &resp, device_now())
    }
}

/// Knobs for a hand-made assertion (attack tests).
pub struct Forge<'a> {
    pub alias: String,
    pub public_key: Vec<u8>,
    pub credential_id: String,
    pub rp_id: String,
    pub uv: bool,
    pub count: u32,
    pub origin: String,
    pub challenge: String,
    pub request_id: String,
    pub decision: &'a str,
    pub number: Option<u8>,
    pub context_hash: String,
    pub typ: &'a str,
}

impl Phone {
    /// A forge template equal to what the core would sign with the device key.
    pub fn forge_template(&self, req: &PendingRequest, number: u8) -> Forge<'static> {
        Forge {
            alias: self.enrollment.device_key_alias.clone(),
            public_key: unb64(&self.enrollment.device_public_key).unwrap(),
            credential_id: self.enrollment.device_id.clone(),
            rp_id: self.enrollment.rp_id.clone(),
            uv: false,
            count: self.enrollment.sign_count + 1,
            origin: self.enrollment.origin.clone(),
            challenge: req.nonce.clone(),
            request_id: req.id.clone(),
            decision: "approve",
            number: Some(number),
            context_hash: req.context_hash(),
            typ: "webauthn.get",
        }
    }

    /// Builds and signs an assertion from `f`, posted to request `target`'s endpoint.
    pub fn forged(&self, f: &Forge<'_>, target: &str) -> HttpRequest {
        let auth = assertion::authenticator_data(&f.rp_id, f.uv, f.count);
        let mut cd = assertion::client_data_json(&ClientDataFields {
            challenge: &f.challenge,
            origin: &f.origin,
            request_id: &f.request_id,
            decision: f.decision,
            number: f.number,
            context_hash: &f.context_hash,
        });
        if f.typ != "webauthn.get" {
            cd = String::from_utf8(cd).unwrap().replace("webauthn.get", f.typ).into_bytes();
        }
        let a = assertion::sign(
            self.keys.as_ref(),
            &f.alias,
            &f.public_key,
            &f.credential_id,
            auth,
            cd,
        )
        .unwrap();
        HttpRequest {
            method: "POST".into(),
            url: format!("{}/nyckel/v1/requests/{target}/response", self.enrollment.base_url),
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: a.to_body(),
        }
    }
}

/// The provider error code of a response.
pub fn error_code(resp: &HttpResponse) -> String {
    serde_json::from_slice::<serde_json::Value>(&resp.body)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A number other than `n`.
pub fn wrong(n: u8) -> u8 {
    if n == 99 {
        10
    } else {
        n + 1
    }
}

pub fn keys_of(phone: &Phone) -> &dyn DeviceKeyStore {
    phone.keys.as_ref()
}

/// A response from the provider's web pages.
#[derive(Debug)]
pub struct WebResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl WebResponse {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The session cookie's value, when the response sets a non-empty one.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie")).find_map(
            |(_, v)| {
                v.split(';')
                    .next()?
                    .strip_prefix("nyckel_session=")
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
            },
        )
    }
}

/// Sends one raw HTTP/1.1 request to the provider's pages, as a browser or a script would:
/// no redirects followed, exactly the headers given (plus Host, Content-Length, Connection).
pub fn web(
    env: &Env,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> WebResponse {
    web_from(env, None, method, path, headers, body)
}

/// A TCP connection to the provider, from the loopback address `source` when given (the
/// provider limits per source address; Linux routes all of 127.0.0.0/8 to loopback).
pub fn connect_from(env: &Env, source: Option<std::net::Ipv4Addr>) -> std::net::TcpStream {
    let addr = env.server.as_ref().unwrap().addr;
    let Some(source) = source else { return std::net::TcpStream::connect(addr).unwrap() };
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.bind(&std::net::SocketAddr::from((source, 0)).into()).unwrap();
    socket.connect(&addr.into()).unwrap();
    socket.into()
}

/// [`web`] from the loopback address `source` (`None`: 127.0.0.1).
pub fn web_from(
    env: &Env,
    source: Option<std::net::Ipv4Addr>,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> WebResponse {
    use std::io::{Read, Write};
    let addr = env.server.as_ref().unwrap().addr;
    let mut s = connect_from(env, source);
    s.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    // The server may answer (413) and close before reading a big body: write errors are fine.
    let _ = s.write_all(head.as_bytes()).and_then(|_| s.write_all(body));
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("an HTTP response");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut rest = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    if headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    }) {
        let mut out = Vec::new();
        while let Some(nl) = rest.windows(2).position(|w| w == b"\r\n") {
            let len =
                usize::from_str_radix(String::from_utf8_lossy(&rest[..nl]).trim(), 16).unwrap_or(0);
            if len == 0 {
                break;
            }
            out.extend_from_slice(&rest[nl + 2..nl + 2 + len]);
            rest.drain(..nl + 2 + len + 2);
        }
        rest = out;
    }
    WebResponse { status, headers, body: String::from_utf8_lossy(&rest).into_owned() }
}

/// `application/x-www-form-urlencoded` encoding of `fields`.
pub fn form(fields: &[(&str, &str)]) -> Vec<u8> {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                b' ' => "+".to_owned(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

/// POSTs a form to a page with `headers` (e.g. the browser's `Origin`).
pub fn web_form(
    env: &Env,
    path: &str,
    fields: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> WebResponse {
    let mut h = vec![("Content-Type", "application/x-www-form-urlencoded")];
    h.extend_from_slice(headers);
    web(env, "POST", path, &h, &form(fields))
}

/// The sign-in page's request id and status token, from the number page.
pub fn page_request(resp: &WebResponse) -> (String, String) {
    let attr = |name: &str| -> String {
        let start = resp
            .body
            .find(&format!("{name}=\""))
            .unwrap_or_else(|| panic!("no {name} in {}", resp.body))
            + name.len()
            + 2;
        resp.body[start..].split('"').next().unwrap().to_owned()
    };
    (attr("data-request"), attr("data-token"))
}

/// The two-digit number the sign-in page shows.
pub fn page_number(resp: &WebResponse) -> u8 {
    let after = resp
        .body
        .split("id=\"number\"")
        .nth(1)
        .unwrap_or_else(|| panic!("no number in {}", resp.body));
    after.split_once('>').unwrap().1.split('<').next().unwrap().trim().parse().unwrap()
}
