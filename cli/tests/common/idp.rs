//! The reference provider (`nyckel-idp`) started in the test process on loopback, and its
//! admin functions: add users, start sign-ins as the sign-in page would, read states.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use nyckel_idp::{Config, DeviceInfo, Provider, ServerHandle, SigninFrom, Started};
pub use nyckel_idp::{Error, ErrorCode, RequestKind};

/// What the sign-in page reports about the client in these tests.
pub const APP: &str = "Intranätet (Region Skåne)";
pub const IP: &str = "198.51.100.7";
pub const LOCATION: &str = "Malmö, Sverige";
/// Users' password.
pub const PASSWORD: &str = "hemligt lösen";

/// A provider on 127.0.0.1 with a temporary database.
pub struct Idp {
    pub handle: Option<ServerHandle>,
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    pub cfg: Config,
    /// How far the provider's clock is moved ahead of the configured one (shared with the server).
    pub offset: Arc<AtomicI64>,
    /// The provider's public API (what its admin CLI and sign-in page use).
    pub provider: Provider,
}

impl Idp {
    /// With the default policy.
    pub fn start() -> Idp {
        Idp::with(Config::default())
    }

    /// With a policy (request lifetime, clock …). The clock is shared with the server and
    /// can be moved ahead (`offset`).
    pub fn with(mut cfg: Config) -> Idp {
        let offset = Arc::new(AtomicI64::new(0));
        let (base, moved) = (cfg.clock.clone(), offset.clone());
        cfg.clock = Arc::new(move || base.now() + moved.load(Ordering::SeqCst));
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("idp.db");
        let provider = Provider::open(&db, cfg.clone()).expect("open the provider's database");
        let handle = provider.spawn("127.0.0.1:0").expect("start nyckel-idp");
        Idp { handle: Some(handle), dir, db, cfg, offset, provider }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.handle.as_ref().map(|h| h.base_url.clone()).unwrap_or_default()
    }

    /// The provider's clock (Unix seconds).
    pub fn now(&self) -> i64 {
        self.cfg.clock.now()
    }

    /// Stops the server (the database stays).
    pub fn stop(&mut self) {
        if let Some(h) = self.handle.take() {
            h.shutdown();
        }
    }

    /// Adds a user with a password (and a TOTP secret when `totp`) and returns the
    /// enrollment code.
    pub fn add_user(&self, name: &str, totp: bool) -> String {
        self.provider.add_user(name, Some(PASSWORD), totp).unwrap().enroll_uri
    }

    /// A fresh enrollment code for an existing user.
    pub fn enroll_code(&self, name: &str) -> String {
        self.provider.issue_enrollment(name).unwrap().enroll_uri
    }

    /// Starts a sign-in as the sign-in page would (after the password, or passwordless).
    pub fn try_signin(&self, name: &str, passwordless: bool) -> Result<Started, Error> {
        let kind = if passwordless { RequestKind::Passwordless } else { RequestKind::Push };
        let from = SigninFrom { app: APP.into(), ip: IP.into(), location: LOCATION.into() };
        self.provider.start_signin(name, kind, &from)
    }

    /// [`Idp::try_signin`] that must work.
    pub fn signin(&self, name: &str, passwordless: bool) -> Started {
        self.try_signin(name, passwordless).expect("start a sign-in")
    }

    /// The request's state: pending, approved, denied, reported, wrong_number, expired, …
    pub fn state(&self, id: &str) -> String {
        self.provider.signin_status(id).unwrap().state
    }

    /// What the sign-in page does once approved: completes the sign-in and opens a session.
    pub fn complete(&self, started: &Started) -> Result<String, Error> {
        self.provider.complete_signin(started)
    }

    /// The user's devices as the provider lists them.
    pub fn devices(&self, name: &str) -> Vec<DeviceInfo> {
        self.provider.devices(name).unwrap()
    }

    /// Revokes a device as the administrator does.
    pub fn revoke_device(&self, device_id: &str) {
        self.provider.revoke_device(device_id).unwrap()
    }
}

/// A number that is not `n` (10–99).
pub fn other_number(n: u8) -> u8 {
    if n == 99 {
        10
    } else {
        n + 1
    }
}
