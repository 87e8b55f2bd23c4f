//! Shared helpers for the protocol end-to-end tests: an in-process `nyckel-idp` on loopback
//! and a "phone" driving `nyckel-core`'s sans-I/O protocol over real HTTP.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use nyckel_core::protocol::assertion::{self, ClientDataFields};
use nyckel_core::protocol::keys::FixedPin;
use nyckel_core::protocol::wire::unb64;
use nyckel_core::protocol::{
    self as p, Decision, DeviceKeyStore, EnrollUri, Enrollment, HttpRequest, HttpResponse, PendingRequest,
    ProtocolError, RespondOutcome, SoftwareKeyStore,
};
use nyckel_idp::db::Db;
use nyckel_idp::signin::{Kind, Origin, Started};
use nyckel_idp::{admin, signin, ApiError, Clock, Config, ServerHandle};

/// Device clock (the real one).
pub fn device_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Sends a core request over loopback.
pub fn send(req: &HttpRequest) -> HttpResponse {
    assert!(req.url.starts_with("http://127.0.0.1:"), "tests only talk to loopback");
    nyckel_idp::client::execute(req).expect("loopback HTTP")
}

/// A provider running in-process on 127.0.0.1 with its own database and movable clock.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    pub cfg: Config,
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
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("idp.db");
        let mut cfg = Config { clock: Clock::system(), ..Config::default() };
        tweak(&mut cfg);
        let server = nyckel_idp::spawn_background_with("127.0.0.1:0", &db, cfg.clone()).unwrap();
        Env { dir, db, cfg, server: Some(server) }
    }

    pub fn base_url(&self) -> String {
        self.server.as_ref().unwrap().base_url.clone()
    }

    pub fn conn(&self) -> rusqlite::Connection {
        Db::init(&self.db).unwrap().open().unwrap()
    }

    /// Adds a user with a password; returns the enrollment URI.
    pub fn add_user(&self, name: &str) -> String {
        admin::add_user(&self.conn(), &self.cfg, name, Some("lösenord"), false).unwrap().enroll_uri
    }

    pub fn enroll_uri(&self, name: &str) -> String {
        admin::issue_enrollment(&self.conn(), &self.cfg, name).unwrap().enroll_uri
    }

    /// Starts a sign-in as the page would.
    pub fn start(&self, name: &str, kind: Kind) -> Result<Started, ApiError> {
        let from = Origin { app: "Webbmejl".into(), ip: "203.0.113.7".into(), location: "Malmö, SE".into() };
        signin::start(&mut self.conn(), &self.cfg, name, kind, &from)
    }

    pub fn push(&self, name: &str) -> Started {
        self.start(name, Kind::Push).unwrap()
    }

    pub fn state(&self, id: &str) -> String {
        signin::status(&self.conn(), id, self.cfg.clock.now()).unwrap().state
    }

    pub fn advance(&self, secs: i64) {
        self.cfg.clock.advance(secs);
    }

    pub fn sign_count(&self, credential_id: &str) -> i64 {
        self.conn().query_row("SELECT sign_count FROM credentials WHERE id = ?1", [credential_id], |r| r.get(0)).unwrap()
    }

    pub fn events(&self, kind: &str) -> usize {
        admin::events(&self.conn(), None, 1000).unwrap().iter().filter(|e| e.kind == kind).count()
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
    let (req, state) = p::enroll::begin(&parsed, "Annas telefon", Some("push-token-1"), keys.as_ref(), device_now())?;
    let resp = send(&req);
    state.finish(keys.as_ref(), &resp, device_now())
}

impl Phone {
    pub fn enroll(uri: &str) -> Phone {
        let keys = Arc::new(SoftwareKeyStore::new());
        let enrollment = try_enroll(uri, &keys).unwrap();
        Phone { keys, enrollment }
    }

    pub fn try_pending(&mut self) -> Result<Vec<PendingRequest>, ProtocolError> {
        let (req, f) = p::fetch_pending(&self.enrollment, self.keys.as_ref(), device_now())?;
        let resp = send(&req);
        p::parse_pending(&mut self.enrollment, &f, &resp, device_now())
    }

    pub fn pending(&mut self) -> Vec<PendingRequest> {
        self.try_pending().unwrap()
    }

    /// The one pending request with id `id`.
    pub fn pending_one(&mut self, id: &str) -> PendingRequest {
        self.pending().into_iter().find(|r| r.id == id).expect("request listed")
    }

    pub fn build(&mut self, req: &PendingRequest, d: Decision) -> HttpRequest {
        p::respond(&mut self.enrollment, req, d, self.keys.as_ref(), device_now()).unwrap()
    }

    pub fn respond(&mut self, req: &PendingRequest, d: Decision) -> Result<RespondOutcome, ProtocolError> {
        let http = p::respond(&mut self.enrollment, req, d, self.keys.as_ref(), device_now())?;
        p::parse_respond_result(&self.enrollment, req, &send(&http))
    }

    pub fn approve(&mut self, req: &PendingRequest, number: u8) -> Result<RespondOutcome, ProtocolError> {
        self.respond(req, Decision::Approve { number })
    }

    pub fn enable_phone_signin(&mut self, pin: &str) -> Result<(), ProtocolError> {
        self.keys.set_pin_source(Some(Arc::new(FixedPin::new(pin))));
        let (req, st) = p::enable_phone_signin(&self.enrollment, self.keys.as_ref(), device_now())?;
        let resp = send(&req);
        st.finish(&mut self.enrollment, self.keys.as_ref(), &resp, device_now())
    }

    pub fn disable_phone_signin(&mut self) -> Result<(), ProtocolError> {
        let (req, st) = p::disable_phone_signin(&self.enrollment, self.keys.as_ref(), device_now())?;
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
        let a = assertion::sign(self.keys.as_ref(), &f.alias, &f.public_key, &f.credential_id, auth, cd).unwrap();
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
    serde_json::from_slice::<serde_json::Value>(&resp.body).ok().and_then(|v| v["error"].as_str().map(str::to_owned)).unwrap_or_default()
}

/// A number other than `n`.
pub fn wrong(n: u8) -> u8 {
    if n == 99 { 10 } else { n + 1 }
}

pub fn keys_of(phone: &Phone) -> &dyn DeviceKeyStore {
    phone.keys.as_ref()
}
