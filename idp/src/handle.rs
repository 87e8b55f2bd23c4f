//! The provider's public API: one handle, [`Provider`], that the admin CLI, the `nyckel demo`
//! and the in-process test harnesses drive — as the administrator and the sign-in page would —
//! and that serves the device API and the pages ([`Provider::spawn`], [`Provider::serve`])
//! from the same store. Nothing outside this crate touches the provider's database.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use nyckel_core::protocol::wire::RequestKind;

use crate::admin::{self, Enrollment, PhoneReplacement};
use crate::config::Config;
use crate::eam;
use crate::eam::service::EamSpec;
use crate::eam_model::EamMethod;
use crate::error::Error;
use crate::guessing;
use crate::identity::{self, Identity};
use crate::model::{
    DeletedUser, DeviceId, DeviceInfo, EventInfo, Purged, PushTrigger, Revocation, UserInfo,
};
use crate::oidc;
use crate::oidc::client::{ClientSpec, NewClient};
use crate::oidc_model::{Client, SigningAlg};
use crate::server::{self, ServerHandle};
use crate::signin::{self, SigninFrom, Started, Status};
use crate::storage::sqlite::SqliteStore;
use crate::storage::{self, Store};

/// An ID token signing key, as the admin CLI lists it (never the private key).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SigningKeyInfo {
    /// Key id (`kid`).
    pub kid: String,
    /// Algorithm.
    #[serde(serialize_with = "alg_name")]
    pub alg: SigningAlg,
    /// Created (Unix seconds).
    #[serde(rename = "createdAt")]
    pub created_at: i64,
    /// Retired (Unix seconds), if it was.
    #[serde(rename = "retiredAt")]
    pub retired_at: Option<i64>,
}

fn alg_name<S: serde::Serializer>(alg: &SigningAlg, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(alg.as_str())
}

/// The provider could not open its database.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct OpenError(#[from] OpenFailure);

/// Why opening failed.
#[derive(Debug, thiserror::Error)]
enum OpenFailure {
    /// The store could not be opened or migrated.
    #[error(transparent)]
    Store(#[from] storage::OpenError),
    /// The provider key could not be created.
    #[error("creating the provider key: {0}")]
    Key(Error),
}

/// The reference provider over one database file: users, enrollment codes, sign-ins,
/// devices, events. Cheap to clone; clones share the store and the clock.
#[derive(Clone, Debug)]
pub struct Provider {
    store: Arc<dyn Store>,
    path: PathBuf,
    cfg: Config,
}

impl Provider {
    /// Opens the SQLite database at `path` (created, migrated and given a provider key if
    /// needed) with a policy and clock.
    pub fn open(path: impl AsRef<Path>, config: Config) -> Result<Provider, OpenError> {
        let store = SqliteStore::open(&path).map_err(OpenFailure::from)?;
        let path = store.path().to_owned();
        identity::ensure_key(&store).map_err(OpenFailure::Key)?;
        Ok(Provider { store: Arc::new(store), path, cfg: config })
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
        let issuer = match issuer {
            Some(i) => i.to_owned(),
            None => {
                Identity::stored_issuer(&*self.store)?.unwrap_or_else(|| self.cfg.issuer.clone())
            }
        };
        Identity::configure(&*self.store, origin, rp_id, &issuer)
    }

    /// Serves on `listener` until `shutdown` resolves (inside a tokio runtime). The origin
    /// is the configuration's, else `http://<bound address>`; `ready` runs once it is stored
    /// (announce the server there, not before: enrollment codes carry the origin).
    pub async fn serve(
        &self,
        listener: tokio::net::TcpListener,
        ready: impl FnOnce() + Send,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        server::serve_until(listener, self.store.clone(), self.cfg.clone(), ready, shutdown).await
    }

    /// Starts serving on `addr` (e.g. `127.0.0.1:0`) on a runtime of its own, in a background
    /// thread; returns once the server is ready. Stopped when the handle is dropped.
    pub fn spawn(&self, addr: &str) -> std::io::Result<ServerHandle> {
        server::spawn_background(addr, self.store.clone(), self.cfg.clone())
    }

    /// Adds a user (optionally with a password and a TOTP secret) and issues an enrollment
    /// code.
    pub fn add_user(
        &self,
        name: &str,
        password: Option<&str>,
        totp: bool,
    ) -> Result<Enrollment, Error> {
        admin::add_user(&*self.store, &self.cfg, name, password, totp)
    }

    /// A new single-use enrollment code for a user.
    pub fn issue_enrollment(&self, name: &str) -> Result<Enrollment, Error> {
        admin::issue_enrollment(&*self.store, &self.cfg, name)
    }

    /// A lost phone, no other: revokes every phone of the user (their pending requests end,
    /// their sessions end) and issues a new enrollment code, in one step; records
    /// `phones_replaced`.
    pub fn replace_phones(&self, name: &str) -> Result<PhoneReplacement, Error> {
        admin::replace_phones(&*self.store, &self.cfg, name)
    }

    /// Whether `password` is the user's (unknown users cost the same hash).
    pub fn check_password(&self, name: &str, password: &str) -> Result<bool, Error> {
        Ok(admin::check_password(&*self.store, name, password)?.is_some())
    }

    /// Unlocks password sign-in for a user name locked after too many wrong passwords (forgets
    /// its failures); `false` when it had none.
    pub fn unlock_password(&self, name: &str) -> Result<bool, Error> {
        guessing::unlock(&*self.store, &*self.cfg.clock, name)
    }

    /// Every user, by name.
    pub fn users(&self) -> Result<Vec<UserInfo>, Error> {
        admin::users(&*self.store)
    }

    /// Users whose name differs only in case from an older user's — left so by the upgrade
    /// to case-insensitive names (schema v17) — each with that older user's name: `(name,
    /// holder)`. Such a user signs in only with their name exactly as stored; any other
    /// spelling means the holder. Deleting one of the two resolves it.
    pub fn name_clashes(&self) -> Result<Vec<(String, String)>, Error> {
        admin::name_clashes(&*self.store)
    }

    /// Disables (`true`) or enables a user. A disabled user cannot sign in by any method;
    /// disabling ends their pending requests, enrollment codes, sessions and access tokens at
    /// once. Returns whether it changed.
    pub fn set_user_disabled(&self, name: &str, disabled: bool) -> Result<bool, Error> {
        admin::set_disabled(&*self.store, &self.cfg, name, disabled)
    }

    /// Lifts the block on new sign-ins and the mute of push notifications that a report set
    /// (not the password lockout: [`Provider::unlock_password`]). Returns whether either was
    /// in force.
    pub fn unblock_user(&self, name: &str) -> Result<bool, Error> {
        admin::unblock(&*self.store, &self.cfg, name)
    }

    /// Sets a user's password (`None`: removes it).
    pub fn set_password(&self, name: &str, password: Option<&str>) -> Result<(), Error> {
        admin::set_password(&*self.store, &self.cfg, name, password)
    }

    /// Deletes a user and everything that is theirs; returns what went with them.
    pub fn delete_user(&self, name: &str) -> Result<DeletedUser, Error> {
        admin::delete_user(&*self.store, &self.cfg, name)
    }

    /// Whom users contact when they are blocked or locked out, if configured.
    pub fn helpdesk(&self) -> Result<Option<String>, Error> {
        admin::helpdesk(&*self.store)
    }

    /// Stores whom users contact (shown when a report blocks sign-ins); empty removes it.
    pub fn set_helpdesk(&self, contact: &str) -> Result<(), Error> {
        admin::set_helpdesk(&*self.store, contact)
    }

    /// Tests only (feature `testing`): the most password hashes computed at once in this
    /// process so far.
    #[cfg(feature = "testing")]
    #[doc(hidden)]
    pub fn peak_password_hashes() -> usize {
        admin::HASHING.peak()
    }

    /// Starts a sign-in as the sign-in page does after the first factor (the password for
    /// [`RequestKind::Push`], the user name alone for [`RequestKind::Passwordless`]).
    pub fn start_signin(
        &self,
        name: &str,
        kind: RequestKind,
        from: &SigninFrom,
    ) -> Result<Started, Error> {
        signin::start(&*self.store, &self.cfg, name, kind, from)
    }

    /// A request's state (`expired` once past its expiry while pending).
    pub fn signin_status(&self, id: &str) -> Result<Status, Error> {
        signin::status(&*self.store, id, self.cfg.clock.now())
    }

    /// What the sign-in page does once approved: completes the request once and opens a
    /// browser session; returns the session token.
    pub fn complete_signin(&self, started: &Started) -> Result<String, Error> {
        signin::complete(&*self.store, &self.cfg, &started.id, &started.status_token)
    }

    /// A user's devices.
    pub fn devices(&self, name: &str) -> Result<Vec<DeviceInfo>, Error> {
        admin::list_devices(&*self.store, name)
    }

    /// Revokes a device and its credentials and ends the user's sessions (idempotent).
    pub fn revoke_device(&self, device_id: &str) -> Result<(), Error> {
        let device = DeviceId::new(device_id);
        admin::revoke_device(&*self.store, &self.cfg, &device, Revocation::ByAdmin).map(drop)
    }

    /// Recent events, newest first (optionally one user's).
    pub fn events(&self, user: Option<&str>, limit: u32) -> Result<Vec<EventInfo>, Error> {
        admin::events(&*self.store, user, limit)
    }

    /// How many push triggers were recorded for a request.
    pub fn pushes_for(&self, request_id: &str) -> Result<i64, Error> {
        Ok(self.push_triggers(request_id)?.len() as i64)
    }

    /// The push triggers recorded for a request, oldest first.
    pub fn push_triggers(&self, request_id: &str) -> Result<Vec<PushTrigger>, Error> {
        admin::push_triggers(&*self.store, request_id)
    }

    /// A credential's stored signature counter (`None`: no such credential).
    pub fn sign_count(&self, credential_id: &str) -> Result<Option<i64>, Error> {
        admin::sign_count(&*self.store, credential_id)
    }

    /// Registers an OpenID Connect client; the secret of a confidential client is in the
    /// answer only (stored as a hash).
    pub fn add_client(&self, spec: &ClientSpec) -> Result<NewClient, Error> {
        oidc::service::add_client(&*self.store, spec, self.cfg.clock.now())
    }

    /// The registered OpenID Connect clients, oldest first.
    pub fn clients(&self) -> Result<Vec<Client>, Error> {
        oidc::service::clients(&*self.store)
    }

    /// Removes a client with its codes and access tokens.
    pub fn remove_client(&self, client_id: &str) -> Result<(), Error> {
        oidc::service::remove_client(&*self.store, client_id)
    }

    /// The ID token signing keys (retired ones included), oldest first. Keys are created on
    /// first use; this creates them if needed.
    pub fn signing_keys(&self) -> Result<Vec<SigningKeyInfo>, Error> {
        oidc::service::key_ring(&*self.store, &self.cfg.issuer, self.cfg.clock.now())?;
        Ok(self
            .store
            .signing_keys()?
            .into_iter()
            .map(|k| SigningKeyInfo {
                kid: k.kid,
                alg: k.alg,
                created_at: k.created_at,
                retired_at: k.retired_at,
            })
            .collect())
    }

    /// Adds a new signing key of each algorithm: they sign from now on, and the old keys stay
    /// published until retired. Returns the new keys' ids.
    pub fn rotate_keys(&self) -> Result<Vec<String>, Error> {
        oidc::service::rotate_keys(&*self.store, &self.cfg.issuer, self.cfg.clock.now())
    }

    /// Retires a published signing key (refused for the only key of its algorithm).
    pub fn retire_key(&self, kid: &str) -> Result<(), Error> {
        oidc::service::retire_key(&*self.store, kid, self.cfg.clock.now())
    }

    /// Adds a Microsoft Entra external authentication method (Entra's global-cloud defaults
    /// for what `spec` leaves out).
    pub fn add_eam(&self, spec: &EamSpec) -> Result<EamMethod, Error> {
        eam::service::add_method(&*self.store, spec, self.cfg.clock.now())
    }

    /// The OpenID Connect discovery URL of the stored origin (what Entra is configured with).
    pub fn discovery_url(&self) -> Result<String, Error> {
        let origin = Identity::load(&*self.store)?.origin;
        let issuer = oidc::discovery::Issuer::parse(&origin)
            .map_err(|e| Error::BadRequest(e.to_string()))?;
        Ok(issuer.endpoint(oidc::discovery::DISCOVERY_PATH))
    }

    /// The external authentication methods, oldest first.
    pub fn eams(&self) -> Result<Vec<EamMethod>, Error> {
        eam::service::methods(&*self.store)
    }

    /// Removes an external authentication method (its waiting requests end).
    pub fn remove_eam(&self, client_id: &str) -> Result<(), Error> {
        eam::service::remove_method(&*self.store, client_id)
    }

    /// Links the Entra user (`tenant`, `oid`) to the user `name`; refused when that Entra user
    /// is linked to another user.
    pub fn link_user(&self, name: &str, tenant: &str, oid: &str) -> Result<(), Error> {
        eam::service::link(&*self.store, name, tenant, oid, self.cfg.clock.now()).map(drop)
    }

    /// Removes the link of the Entra user (`tenant`, `oid`) to `name`.
    pub fn unlink_user(&self, name: &str, tenant: &str, oid: &str) -> Result<(), Error> {
        eam::service::unlink(&*self.store, name, tenant, oid)
    }

    /// The Entra users (tenant, object id) linked to `name`.
    pub fn user_links(&self, name: &str) -> Result<Vec<(String, String)>, Error> {
        Ok(eam::service::links_of(&*self.store, name)?
            .into_iter()
            .map(|l| (l.tenant_id, l.object_id))
            .collect())
    }

    /// Runs one batch of the retention purge (`Config::retention`; `serve` runs it by
    /// itself): deletes, among each table's oldest rows, finished sign-in requests and their
    /// push log, expired sessions and old events. Call again while [`Purged::more`].
    pub fn purge(&self) -> Result<Purged, Error> {
        crate::retention::purge(&*self.store, &self.cfg)
    }

    /// The database file.
    pub fn db_path(&self) -> &Path {
        &self.path
    }

    /// Tests only (feature `testing`): holds the store's write lock, as another writer would,
    /// while `during` runs on another thread; once that thread has had time to do its reads
    /// and wait for the lock, `change` writes inside the held lock (or moves the clock), then
    /// the lock is released. Returns what `during` returned.
    #[cfg(feature = "testing")]
    #[doc(hidden)]
    pub fn while_write_locked<T: Send>(
        &self,
        during: impl FnOnce() -> T + Send,
        change: impl FnOnce(&dyn storage::LockedWrites),
    ) -> T {
        let mut during = Some(during);
        let mut change = Some(change);
        let mut out = None;
        let mut run = || out = during.take().map(|f| f());
        self.store
            .hold_write_lock(&mut run, &mut |w| {
                if let Some(f) = change.take() {
                    f(w)
                }
            })
            .expect("hold the store's write lock");
        out.expect("`during` ran")
    }
}
