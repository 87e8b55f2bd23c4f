//! The provider's public API: one handle, [`Provider`], that the admin CLI, the `nyckel demo`
//! and the in-process test harnesses drive — as the administrator and the sign-in page would —
//! and that serves the device API and the pages ([`Provider::spawn`], [`Provider::serve`])
//! from the same database pool. Nothing outside this crate touches the provider's database.

use std::future::Future;
use std::path::Path;

use nyckel_core::protocol::wire::RequestKind;

use crate::admin::{self, DeviceInfo, Enrollment, EventInfo, PushTrigger};
use crate::config::Config;
use crate::db::{Db, DbError};
use crate::error::Error;
use crate::provider::Identity;
use crate::server::{self, ServerHandle};
use crate::signin::{self, SigninFrom, Started, Status};

/// The provider could not open its database.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct OpenError(#[from] DbError);

/// The reference provider over one database file: users, enrollment codes, sign-ins,
/// devices, events. Cheap to clone; clones share the connection pool and the clock.
#[derive(Clone, Debug)]
pub struct Provider {
    db: Db,
    cfg: Config,
}

impl Provider {
    /// Opens the database at `path` (created, migrated and given a provider key if needed)
    /// with a policy and clock.
    pub fn open(path: impl AsRef<Path>, config: Config) -> Result<Provider, OpenError> {
        let db = Db::init(path)?;
        crate::provider::ensure_key(&*db.conn().map_err(DbError::from)?).map_err(DbError::from)?;
        Ok(Provider { db, cfg: config })
    }

    /// The policy and clock.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Stores the public origin, rpId (default: the origin's host) and display name (default:
    /// the stored one, else the configuration's), which enrollment codes and payloads carry.
    pub fn configure(
        &self,
        origin: &str,
        rp_id: Option<&str>,
        issuer: Option<&str>,
    ) -> Result<(), Error> {
        let conn = self.db.conn()?;
        let issuer = match issuer {
            Some(i) => i.to_owned(),
            None => crate::db::setting(&conn, "issuer")?.unwrap_or_else(|| self.cfg.issuer.clone()),
        };
        Identity::configure(&conn, origin, rp_id, &issuer)?;
        Ok(())
    }

    /// Serves on `listener` until `shutdown` resolves (inside a tokio runtime). The origin
    /// is the configuration's, else `http://<bound address>`.
    pub async fn serve(
        &self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        server::serve_until(listener, self.db.clone(), self.cfg.clone(), shutdown).await
    }

    /// Starts serving on `addr` (e.g. `127.0.0.1:0`) on a runtime of its own, in a background
    /// thread; returns once the server is ready. Stopped when the handle is dropped.
    pub fn spawn(&self, addr: &str) -> std::io::Result<ServerHandle> {
        server::spawn_background(addr, self.db.clone(), self.cfg.clone())
    }

    /// Adds a user (optionally with a password and a TOTP secret) and issues an enrollment
    /// code.
    pub fn add_user(
        &self,
        name: &str,
        password: Option<&str>,
        totp: bool,
    ) -> Result<Enrollment, Error> {
        admin::add_user(&*self.db.conn()?, &self.cfg, name, password, totp)
    }

    /// A new single-use enrollment code for a user.
    pub fn issue_enrollment(&self, name: &str) -> Result<Enrollment, Error> {
        admin::issue_enrollment(&*self.db.conn()?, &self.cfg, name)
    }

    /// Whether `password` is the user's (unknown users cost the same hash).
    pub fn check_password(&self, name: &str, password: &str) -> Result<bool, Error> {
        Ok(admin::check_password(&*self.db.conn()?, name, password)?.is_some())
    }

    /// Starts a sign-in as the sign-in page does after the first factor (the password for
    /// [`RequestKind::Push`], the user name alone for [`RequestKind::Passwordless`]).
    pub fn start_signin(
        &self,
        name: &str,
        kind: RequestKind,
        from: &SigninFrom,
    ) -> Result<Started, Error> {
        signin::start(&mut *self.db.conn()?, &self.cfg, name, kind, from)
    }

    /// A request's state (`expired` once past its expiry while pending).
    pub fn signin_status(&self, id: &str) -> Result<Status, Error> {
        signin::status(&*self.db.conn()?, id, self.cfg.clock.now())
    }

    /// What the sign-in page does once approved: completes the request once and opens a
    /// browser session; returns the session token.
    pub fn complete_signin(&self, started: &Started) -> Result<String, Error> {
        signin::complete(&mut *self.db.conn()?, &self.cfg, &started.id, &started.status_token)
    }

    /// A user's devices.
    pub fn devices(&self, name: &str) -> Result<Vec<DeviceInfo>, Error> {
        admin::list_devices(&*self.db.conn()?, name)
    }

    /// Revokes a device and its credentials and ends the user's sessions (idempotent).
    pub fn revoke_device(&self, device_id: &str) -> Result<(), Error> {
        admin::revoke_device(&*self.db.conn()?, &self.cfg, device_id)
    }

    /// Recent events, newest first (optionally one user's).
    pub fn events(&self, user: Option<&str>, limit: u32) -> Result<Vec<EventInfo>, Error> {
        admin::events(&*self.db.conn()?, user, limit)
    }

    /// How many push triggers were recorded for a request.
    pub fn pushes_for(&self, request_id: &str) -> Result<i64, Error> {
        admin::pushes_for(&*self.db.conn()?, request_id)
    }

    /// The push triggers recorded for a request, oldest first.
    pub fn push_triggers(&self, request_id: &str) -> Result<Vec<PushTrigger>, Error> {
        admin::push_triggers(&*self.db.conn()?, request_id)
    }

    /// A credential's stored signature counter (`None`: no such credential).
    pub fn sign_count(&self, credential_id: &str) -> Result<Option<i64>, Error> {
        admin::sign_count(&*self.db.conn()?, credential_id)
    }

    /// The database file.
    pub fn db_path(&self) -> &Path {
        self.db.path()
    }
}
