//! The reference provider (`nyckel-idp`) started in the test process on loopback, and its
//! admin functions: add users, start sign-ins as the sign-in page would, read states.
#![allow(dead_code)]

use std::path::PathBuf;

pub use nyckel_core::protocol::wire::ErrorCode;
use nyckel_idp::db::Db;
use nyckel_idp::signin::{self, Kind, Origin, Started};
use nyckel_idp::{admin, ApiError, Config, ServerHandle};

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
}

impl Idp {
    /// With the default policy.
    pub fn start() -> Idp {
        Idp::with(Config::default())
    }

    /// With a policy (request lifetime, clock …). The clock is shared with the server.
    pub fn with(cfg: Config) -> Idp {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("idp.db");
        let handle = nyckel_idp::spawn_background_with("127.0.0.1:0", &db, cfg.clone())
            .expect("start nyckel-idp");
        Idp { handle: Some(handle), dir, db, cfg }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.handle.as_ref().map(|h| h.base_url.clone()).unwrap_or_default()
    }

    /// Stops the server (the database stays).
    pub fn stop(&mut self) {
        if let Some(h) = self.handle.take() {
            h.shutdown();
        }
    }

    fn db(&self) -> Db {
        Db::init(&self.db).unwrap()
    }

    /// Adds a user with a password (and a TOTP secret when `totp`) and returns the
    /// enrollment code.
    pub fn add_user(&self, name: &str, totp: bool) -> String {
        let conn = self.db().open().unwrap();
        admin::add_user(&conn, &self.cfg, name, Some(PASSWORD), totp).unwrap().enroll_uri
    }

    /// A fresh enrollment code for an existing user.
    pub fn enroll_code(&self, name: &str) -> String {
        let conn = self.db().open().unwrap();
        admin::issue_enrollment(&conn, &self.cfg, name).unwrap().enroll_uri
    }

    /// Starts a sign-in as the sign-in page would (after the password, or passwordless).
    pub fn try_signin(&self, name: &str, passwordless: bool) -> Result<Started, ApiError> {
        let mut conn = self.db().open().unwrap();
        let kind = if passwordless { Kind::Passwordless } else { Kind::Push };
        let from = Origin { app: APP.into(), ip: IP.into(), location: LOCATION.into() };
        signin::start(&mut conn, &self.cfg, name, kind, &from)
    }

    /// [`Idp::try_signin`] that must work.
    pub fn signin(&self, name: &str, passwordless: bool) -> Started {
        self.try_signin(name, passwordless).expect("start a sign-in")
    }

    /// The request's state: pending, approved, denied, reported, wrong_number, expired, …
    pub fn state(&self, id: &str) -> String {
        let conn = self.db().open().unwrap();
        signin::status(&conn, id, self.cfg.clock.now()).unwrap().state
    }

    /// What the sign-in page does once approved: completes the sign-in and opens a session.
    pub fn complete(&self, started: &Started) -> Result<String, ApiError> {
        let mut conn = self.db().open().unwrap();
        signin::complete(&mut conn, &self.cfg, &started.id, &started.status_token)
    }

    /// The user's devices as the provider lists them.
    pub fn devices(&self, name: &str) -> Vec<admin::DeviceInfo> {
        let conn = self.db().open().unwrap();
        admin::list_devices(&conn, name).unwrap()
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
