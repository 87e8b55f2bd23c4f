//! The storage interface: everything the provider keeps, as one [`Store`] trait in domain
//! records (`crate::model`). It owns all SQL and the schema; nothing outside this module
//! names a table or a column (`tests::no_sql_outside_storage`).
//!
//! Each method is one atomic domain operation: where a decision depends on rows that may
//! change while a writer waits for the lock (a sign-in start, an assertion's decision), the
//! store reads them inside its write transaction, asks the domain's pure `decide`/`judge`
//! function, and applies the verdict in the same transaction. So a backend never lends out a
//! connection or a transaction, and a PostgreSQL backend (`SELECT … FOR UPDATE`) can implement
//! the same trait. SQLite ([`sqlite::SqliteStore`]) is the embedded default.
//!
//! Methods are synchronous (the SQLite pool); the HTTP layer runs them off the async threads
//! (`state.rs`).

pub(crate) mod sqlite;

use nyckel_core::clock::Clock;
use nyckel_core::protocol::wire::RequestKind;

use crate::eam_model::{EamLink, EamMethod, PendingEam};
use crate::error::Error;
use crate::model::{
    Activation, AttemptContext, AttemptOutcome, AttemptVerdict, CodeContext, CodeUse,
    CompletionContext, CompletionVerdict, Credential, CredentialId, DecideContext, DecideVerdict,
    DeletedUser, DeviceId, DeviceInfo, DeviceKey, DevicePresence, DeviceRef, Enrolled, EventInfo,
    EventKind, Familiarity, NewDevice, NewSession, NewTransfer, NewUser, OtherMethods, OtpVerdict,
    Purged, PushTrigger, RequestId, Revocation, SessionStart, Setting, SignInRequest, StartContext,
    StartVerdict, TransferIssued, User, UserId, UserInfo,
};
use crate::oidc_model::{
    AccessTokenRecord, Client, CodeRecord, CodeVerdict, OidcSession, PendingAuthorization,
    StoredKey,
};

/// A storage failure. The backend logs its own detail; the domain sees only these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum StoreError {
    /// The store is busy (lock timeout); retry.
    #[error("storage busy")]
    Busy,
    /// The store failed (detail logged by the backend, never shown).
    #[error("storage failed")]
    Failed,
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Busy => Error::Busy,
            StoreError::Failed => Error::Internal,
        }
    }
}

/// The store could not be opened.
#[derive(Debug, thiserror::Error)]
pub(crate) enum OpenError {
    /// The backend failed (its message names files and tables, never stored values).
    #[error("database: {0}")]
    Backend(String),
    /// The database file (or its `-wal`/`-shm` file) can be read or written by other users:
    /// it holds the provider's private key, password hashes and TOTP secrets.
    #[error(
        "{} can be read or written by other users (mode {mode:03o}); it holds the provider's \
         private key and password hashes: make it the owner's only (chmod 600) and consider \
         rotating the keys",
        path.display()
    )]
    Exposed {
        /// The file.
        path: std::path::PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The database was written by a newer version of the provider.
    #[error("database schema version {found} is newer than this program ({supported})")]
    FromTheFuture {
        /// The database's schema version.
        found: i64,
        /// The newest this program knows.
        supported: i64,
    },
}

/// Which attempt counters are stale: a name's after `name_idle` seconds without an attempt
/// (unless it reached `name_locked_at`), a source's once its window of `source_window` seconds
/// is over.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CounterPurge {
    /// Seconds without an attempt after which a name's count is forgotten.
    pub name_idle: i64,
    /// A count this high (a locked name) is never forgotten.
    pub name_locked_at: i64,
    /// The per-source window, seconds.
    pub source_window: i64,
}

/// How far back a sign-in start reads: the rate limit counts the user's requests of the kind
/// created in the last `seconds`, only those from `source` when it is given; the user's
/// recognised sources are those of their sign-ins completed in the last `recognised_for`
/// seconds, the `recognised_sources` most recent.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StartReads<'a> {
    /// The rate limit's window, seconds.
    pub seconds: i64,
    /// Count only requests from this source key (`guessing::source_key`).
    pub source: Option<&'a str>,
    /// How far back a completed sign-in makes its source recognised, seconds.
    pub recognised_for: i64,
    /// How many recognised sources to read at most.
    pub recognised_sources: u32,
}

/// What the retention purge may delete, by cutoff (Unix seconds): sign-in requests started
/// before `requests` that are no longer open (decided, completed, replaced, or expired by
/// `now`) and no live Entra continuation waits on, and push log entries sent before it;
/// browser sessions that expired before `sessions`, with the OpenID Connect sessions
/// opened on them; events before `events`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PurgeCutoffs {
    /// The provider's time.
    pub now: i64,
    /// Requests and the push log.
    pub requests: i64,
    /// Sessions, by their expiry.
    pub sessions: i64,
    /// Events.
    pub events: i64,
}

/// Result of a store operation.
pub(crate) type Stored<T> = Result<T, StoreError>;

/// Runs a pure domain function that looks one thing up by id (`run` gets a lookup that cannot
/// fail) over a store lookup that can: the function sees a failed lookup as "not found", and
/// the store's error is returned instead of its result.
pub(crate) fn with_lookup<V, T>(
    lookup: impl FnOnce(&str) -> Stored<Option<V>>,
    run: impl FnOnce(&mut dyn FnMut(&str) -> Option<V>) -> T,
) -> Stored<T> {
    let mut lookup = Some(lookup);
    let mut failed = None;
    let out = run(&mut |id| match lookup.take()?(id) {
        Ok(found) => found,
        Err(e) => {
            failed = Some(e);
            None
        }
    });
    match failed {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Everything the provider keeps. One method per atomic domain operation; see the module doc.
pub(crate) trait Store: Send + Sync + std::fmt::Debug {
    // --- settings ---

    /// Reads a setting.
    fn setting(&self, key: Setting) -> Stored<Option<String>>;
    /// Writes settings, all or none.
    fn set_settings(&self, values: &[(Setting, &str)]) -> Stored<()>;
    /// Writes a setting unless it exists (safe against concurrent writers).
    fn add_setting_if_absent(&self, key: Setting, value: &str) -> Stored<()>;

    // --- users and activation codes ---

    /// Adds a user and records `user_added`; `false` when the name is taken, in any case
    /// (its key, see `user_name`).
    fn add_user(&self, user: &NewUser) -> Stored<bool>;
    /// A user by name: the user of exactly that name, else the one whose name has the same
    /// key (in any case). Every operation below that takes a user name finds the user so.
    fn user_by_name(&self, name: &str) -> Stored<Option<User>>;
    /// Users whose name differs only in case from an older user's (from before schema v17:
    /// they have no key and sign in only by their exact name), each with that older user's
    /// name: `(name, holder)`.
    fn name_clashes(&self) -> Stored<Vec<(String, String)>>;
    /// Stores a single-use activation code.
    fn add_activation(&self, activation: &Activation) -> Stored<()>;
    /// Replaces the phones of `activation`'s user in one write (the administrator's `user
    /// replace-phone`, a lost phone): revokes each active device as [`Store::revoke_device`]
    /// does, ends whatever the user is signed in with or waiting for (pending and approved
    /// requests, unused enrollment and transfer codes, browser sessions, OpenID Connect
    /// sessions and tokens), stores `activation` — then the one way to a new phone — and
    /// records `phones_replaced`. Returns the devices revoked, oldest first.
    fn replace_phones(&self, activation: &Activation, now: i64) -> Stored<Vec<DeviceId>>;
    /// Every user, by name.
    fn users(&self) -> Stored<Vec<UserInfo>>;
    /// Disables (`true`) or enables a user and records `user_disabled`/`user_enabled`. A
    /// disable, in the same transaction, expires the user's pending and approved requests,
    /// spends their unused enrollment codes and ends their browser sessions, provider
    /// sessions and access tokens. `None`: no such user; otherwise whether it changed.
    fn set_user_disabled(&self, name: &str, disabled: bool, now: i64) -> Stored<Option<bool>>;
    /// Lifts the block and the mute of notifications a report set (records `user_unblocked`
    /// if either was in force). `None`: no such user; otherwise whether either was in force
    /// at `now`.
    fn unblock_user(&self, name: &str, now: i64) -> Stored<Option<bool>>;
    /// Sets (`None`: removes) a user's password hash; records `password_set`. `false`: no
    /// such user.
    fn set_password_hash(&self, name: &str, hash: Option<&str>, now: i64) -> Stored<bool>;
    /// Deletes a user with their devices, credentials, requests, enrollment codes, sessions,
    /// tokens, one-time-code failures, password failures and events; records `user_deleted`
    /// (naming the user, with no user id). `None`: no such user.
    fn delete_user(&self, name: &str, now: i64) -> Stored<Option<DeletedUser>>;

    // --- devices and credentials ---

    /// Enrolls a device atomically at the store's time (after the write lock): remembers the
    /// nonce (refused if seen), consumes the activation code (refused unless unused and
    /// unexpired), adds the device and its device credential, records `device_enrolled`.
    fn enroll_device(&self, device: &NewDevice, clock: &dyn Clock) -> Stored<Enrolled>;
    /// Stores a transfer code for a live device at the store's time and records
    /// `transfer_issued`. One transfer at a time: the device's earlier unused codes are spent
    /// and a device enrolled with one but not yet confirmed is revoked.
    fn add_transfer(&self, transfer: &NewTransfer, clock: &dyn Clock) -> Stored<TransferIssued>;
    /// The first authenticated call of a device enrolled with a transfer code: revokes the
    /// device it replaces (unless revoked already) and forgets the link, recording `device_revoked` and `device_transferred`. Returns the
    /// device revoked.
    fn confirm_transfer(&self, device: &DeviceRef, now: i64) -> Stored<Option<DeviceId>>;
    /// A device's own key and state.
    fn device_key(&self, device: &DeviceId) -> Stored<Option<DeviceKey>>;
    /// Remembers a request nonce of `owner` until `expires_at` (forgetting expired ones);
    /// `false` when it was seen before.
    fn use_nonce(&self, owner: &str, nonce: &str, now: i64, expires_at: i64) -> Stored<bool>;
    /// A credential and its device's state.
    fn credential(&self, id: &CredentialId) -> Stored<Option<Credential>>;
    /// Whether the device has a live phone sign-in credential.
    fn has_phone_signin(&self, device: &DeviceId) -> Stored<bool>;
    /// Revokes the device's phone sign-in credential, if any, and adds `credential` with
    /// `public_key` and the `attestation` format verified for it, if one was; records
    /// `phone_signin_enabled`.
    fn enable_phone_signin(
        &self,
        device: &DeviceRef,
        credential: &CredentialId,
        public_key: &[u8],
        attestation: Option<&str>,
        now: i64,
    ) -> Stored<()>;
    /// Revokes the device's phone sign-in credential; records `phone_signin_disabled`.
    fn disable_phone_signin(&self, device: &DeviceRef, now: i64) -> Stored<()>;
    /// Sets or clears the device's push token; records `push_token_updated`.
    fn set_push_token(&self, device: &DeviceRef, token: Option<&str>, now: i64) -> Stored<()>;
    /// Revokes a device and its credentials and ends its user's browser sessions; records
    /// `device_revoked` (and `device_unenrolled` when the device asked). A new device
    /// enrolled with one of its transfer codes but not yet confirmed is revoked too (an unused
    /// code is refused at enrollment). Idempotent. `None`: no such device.
    fn revoke_device(&self, device: &DeviceId, how: Revocation, now: i64)
        -> Stored<Option<UserId>>;
    /// Revokes `device` as [`Store::revoke_device`] does, atomically with a decision on the
    /// devices of user `user_name` read under the write lock: `decide` sees them and says
    /// whether to revoke (the account page's ownership and last-phone rules).
    fn revoke_device_if(
        &self,
        user_name: &str,
        device: &DeviceId,
        how: Revocation,
        ip: &str,
        now: i64,
        decide: &mut dyn FnMut(&[DeviceInfo]) -> bool,
    ) -> Stored<()>;
    /// Records an event about user `user` from client address `ip` (the account page's
    /// step-ups).
    fn record_event(
        &self,
        user: &UserId,
        kind: EventKind,
        detail: &str,
        ip: &str,
        now: i64,
    ) -> Stored<()>;
    /// Gives user `user` the one-time-code secret `secret` (unconfirmed) unless they have one,
    /// recording `otp_added` from `ip` when it does. Returns the secret in place and whether it
    /// is confirmed (`None`: no such user).
    fn add_otp_secret(
        &self,
        user: &UserId,
        secret: &str,
        ip: &str,
        now: i64,
    ) -> Stored<Option<(String, bool)>>;
    /// A user's devices, oldest first.
    fn devices_of(&self, user_name: &str) -> Stored<Vec<DeviceInfo>>;
    /// Removes the user's one-time-code secret and ends their browser sessions, recording
    /// `otp_removed` from `ip`; `false` if they had none.
    fn remove_otp_secret(&self, user: &UserId, ip: &str, now: i64) -> Stored<bool>;
    /// Whether a user has (had) devices.
    fn device_presence(&self, user: &UserId) -> Stored<DevicePresence>;
    /// What else the device's user can sign in with: their other active phones and whether
    /// they have a confirmed one-time code.
    fn other_methods(&self, device: &DeviceRef) -> Stored<OtherMethods>;

    // --- sign-in requests ---

    /// Starts a sign-in for `user_name` atomically: reads what [`StartContext`] names (the
    /// time after the write lock, the open requests, the rate limit's and the recognised
    /// sources' windows back from it as `reads` says, the notifications of the last hour),
    /// asks `decide`, and applies its [`StartVerdict`]. Returns the verdict and the number of
    /// devices notified (0 for a quiet request). `excluded` names a device the request must
    /// never reach: it is no target, gets no trigger, never lists the request and cannot
    /// decide it.
    fn start_request(
        &self,
        user_name: &str,
        kind: RequestKind,
        reads: &StartReads<'_>,
        excluded: Option<&DeviceId>,
        clock: &dyn Clock,
        decide: &mut dyn FnMut(&StartContext<'_>) -> StartVerdict,
    ) -> Stored<(StartVerdict, usize)>;
    /// A request with its user's name.
    fn request(&self, id: &RequestId) -> Stored<Option<SignInRequest>>;
    /// Marks request `id` of `user`, if still pending and unexpired at `now`, as waited for in
    /// a browser recognised as the user's (`requests.known_browser`); whether it changed.
    fn recognise_browser(&self, id: &RequestId, user: &UserId, now: i64) -> Stored<bool>;
    /// The user's pending, unexpired requests as `device` sees them (none that excludes it),
    /// newest first, at most `limit`; passwordless ones only when `with_passwordless`.
    fn pending_requests(
        &self,
        user: &UserId,
        device: &DeviceId,
        now: i64,
        with_passwordless: bool,
        limit: u32,
    ) -> Stored<Vec<SignInRequest>>;
    /// Decides request `id` with `credential` atomically: reads the [`DecideContext`] after the
    /// write lock, asks `judge`, and applies its [`DecideVerdict`] (a `Decide` only while the
    /// request is still pending; otherwise `Refuse(NotPending)` comes back). Returns the time
    /// and the verdict applied.
    fn decide_request(
        &self,
        id: &RequestId,
        credential: &CredentialId,
        clock: &dyn Clock,
        judge: &mut dyn FnMut(&DecideContext) -> DecideVerdict,
    ) -> Stored<(i64, DecideVerdict)>;
    /// Completes a request atomically: reads the [`CompletionContext`] after the write lock,
    /// asks `judge`, and applies its [`CompletionVerdict`] (`Complete`: `approved` →
    /// `completed` once, opens `session` for the user, records `signed_in`). Returns the
    /// context and the verdict applied; `None`: no such request.
    fn complete_request(
        &self,
        id: &RequestId,
        session: &NewSession,
        clock: &dyn Clock,
        judge: &mut dyn FnMut(&CompletionContext) -> CompletionVerdict,
    ) -> Stored<Option<(CompletionContext, CompletionVerdict)>>;
    /// Checks a one-time code atomically: reads the [`CodeContext`] after the write lock (the
    /// user's secret, last used step and wrong codes of the last `window` seconds; for a
    /// sign-in the request), asks `judge`, and applies its [`OtpVerdict`]: an accepted code
    /// remembers its step and confirms the secret or completes the request into the session
    /// (recording `signed_in`); a wrong or reused one is recorded as a failure. Returns the
    /// verdict and the user (`None`: no such user or request).
    fn check_one_time_code(
        &self,
        target: &CodeUse<'_>,
        window: i64,
        clock: &dyn Clock,
        judge: &mut dyn FnMut(&CodeContext<'_>) -> OtpVerdict,
    ) -> Stored<(OtpVerdict, Option<UserId>)>;
    /// The push triggers recorded for a request, oldest first.
    fn push_triggers(&self, id: &RequestId) -> Stored<Vec<PushTrigger>>;

    // --- password guessing limits ---

    /// The user's recognised sources, as a sign-in start reads them ([`StartReads`]): the
    /// distinct source keys of their sign-ins completed since `since`, by their latest, newest
    /// first, at most `most`.
    fn recognised_sources(&self, user: &UserId, since: i64, most: u32) -> Stored<Vec<String>>;
    /// Counts a password attempt for the user name `name` in context `familiarity` (its
    /// counter of the two) from the source address `source` atomically: forgets stale counters
    /// (`purge`), reads the name's counter in that context and the source's after the write
    /// lock, asks `judge`, and stores its counters on [`AttemptVerdict::Allow`]. Returns the
    /// verdict.
    fn begin_password_attempt(
        &self,
        name: &str,
        source: &str,
        familiarity: Familiarity,
        purge: &CounterPurge,
        clock: &dyn Clock,
        judge: &mut dyn FnMut(&AttemptContext) -> AttemptVerdict,
    ) -> Stored<AttemptVerdict>;
    /// Ends an attempt counted by [`Store::begin_password_attempt`] (see [`AttemptOutcome`]).
    fn end_password_attempt(
        &self,
        name: &str,
        source: &str,
        familiarity: Familiarity,
        outcome: AttemptOutcome,
        now: i64,
    ) -> Stored<()>;
    /// Forgets a user name's password failures in both contexts (the administrator's unlock)
    /// and records
    /// `password_unlocked` for a known user; `false` when there were none.
    fn reset_password_failures(&self, name: &str, now: i64) -> Stored<bool>;

    // --- browser sessions ---

    /// Opens a browser session for `user` at `now`.
    fn add_session(&self, user: &UserId, session: &NewSession, now: i64) -> Stored<()>;
    /// Ends a browser session (unknown: no error).
    fn end_session(&self, token_hash: &str) -> Stored<()>;
    /// The user (id, name) of a live session.
    fn session_user(&self, token_hash: &str, now: i64) -> Stored<Option<(UserId, String)>>;
    /// When a session was opened and the user's methods then, if it exists.
    fn session_started(&self, token_hash: &str) -> Stored<Option<SessionStart>>;

    // --- activity ---

    /// Recent events, newest first (optionally one user's).
    fn events(&self, user_name: Option<&str>, limit: u32) -> Stored<Vec<EventInfo>>;

    // --- retention ---

    /// Deletes one bounded batch of what `cutoffs` lets go, as one short write: in each
    /// table only among its oldest rows (a fixed number, in the order they were written), so
    /// the write lock is held briefly whatever the table's size; [`Purged::more`] when a
    /// table's batch was all deletable (run again).
    fn purge(&self, cutoffs: &PurgeCutoffs) -> Stored<Purged>;

    // --- the OpenID Connect provider ---

    /// Every signing key, retired ones included, oldest first.
    fn signing_keys(&self) -> Stored<Vec<StoredKey>>;
    /// Adds signing keys, all or none.
    fn add_signing_keys(&self, keys: &[StoredKey]) -> Stored<()>;
    /// Adds each key whose algorithm has no published key yet (safe against a concurrent
    /// first use).
    fn add_first_signing_keys(&self, keys: &[StoredKey]) -> Stored<()>;
    /// Retires a published key; `false` when no published key has that `kid`.
    fn retire_signing_key(&self, kid: &str, now: i64) -> Stored<bool>;
    /// Registers a client.
    fn add_client(&self, client: &Client) -> Stored<()>;
    /// A client by id.
    fn client(&self, id: &str) -> Stored<Option<Client>>;
    /// Every client, oldest first.
    fn clients(&self) -> Stored<Vec<Client>>;
    /// Removes a client with its codes and access tokens; `false` when unknown.
    fn remove_client(&self, id: &str) -> Stored<bool>;
    /// Stores an authorization request waiting for a sign-in (forgetting expired ones).
    fn add_pending_authorization(&self, pending: &PendingAuthorization, now: i64) -> Stored<()>;
    /// A waiting authorization request, while unexpired.
    fn pending_authorization(
        &self,
        id_hash: &str,
        now: i64,
    ) -> Stored<Option<PendingAuthorization>>;
    /// Forgets a waiting authorization request (answered).
    fn end_pending_authorization(&self, id_hash: &str) -> Stored<()>;
    /// Records how and when the user of a browser session signed in (replacing what was
    /// recorded for that session).
    fn add_oidc_session(&self, session: &OidcSession) -> Stored<()>;
    /// The provider session of a browser session, while the browser session is live.
    fn oidc_session(&self, session_hash: &str, now: i64) -> Stored<Option<OidcSession>>;
    /// Ends a provider session and its browser session (logout).
    fn end_oidc_session(&self, sid: &str) -> Stored<()>;
    /// Stores an authorization code (forgetting long-expired codes and expired tokens).
    fn add_code(&self, code: &CodeRecord, now: i64) -> Stored<()>;
    /// Redeems a code atomically: reads it after the write lock, asks `judge` (with the time),
    /// and applies its [`CodeVerdict`]. `None`: no such code.
    fn redeem_code(
        &self,
        code_hash: &str,
        clock: &dyn Clock,
        judge: &mut dyn FnMut(&CodeRecord, i64) -> CodeVerdict,
    ) -> Stored<Option<(CodeRecord, CodeVerdict)>>;
    /// An access token (revoked ones are gone).
    fn access_token(&self, token_hash: &str) -> Stored<Option<AccessTokenRecord>>;

    // --- Microsoft Entra ID external authentication methods ---

    /// Adds an external authentication method with its tenants; `false` when its client id
    /// is taken.
    fn add_eam_method(&self, method: &EamMethod) -> Stored<bool>;
    /// A method by the client id Entra presents.
    fn eam_method(&self, client_id: &str) -> Stored<Option<EamMethod>>;
    /// Every method, oldest first.
    fn eam_methods(&self) -> Stored<Vec<EamMethod>>;
    /// Removes a method (its tenants and waiting requests); `false` when unknown.
    fn remove_eam_method(&self, client_id: &str) -> Stored<bool>;
    /// Links an Entra user to a Nyckel user unless that Entra user is linked already;
    /// returns the user the Entra user is linked to now.
    fn link_eam_user(&self, link: &EamLink) -> Stored<UserId>;
    /// Removes a user's link (and the user's waiting requests); `false` when there was none.
    fn unlink_eam_user(&self, user: &UserId, tenant_id: &str, object_id: &str) -> Stored<bool>;
    /// The Nyckel user (id, name) an Entra user is linked to.
    fn eam_linked_user(&self, tenant_id: &str, object_id: &str)
        -> Stored<Option<(UserId, String)>>;
    /// A user's links, oldest first.
    fn eam_links_of(&self, user: &UserId) -> Stored<Vec<EamLink>>;
    /// Stores a request waiting for the user's approval (forgetting expired ones).
    fn add_eam_pending(&self, pending: &PendingEam, now: i64) -> Stored<()>;
    /// A waiting request, while unexpired.
    fn eam_pending(&self, id_hash: &str, now: i64) -> Stored<Option<PendingEam>>;
    /// Forgets a waiting request (answered).
    fn end_eam_pending(&self, id_hash: &str) -> Stored<()>;
    /// Ends a waiting request and completes its sign-in request in one write, at the store's
    /// time after the lock: reads the [`CompletionContext`], asks `judge`, and applies its
    /// [`CompletionVerdict`] (`Complete`: `approved` → `completed` once, records `signed_in`;
    /// no browser session). `None` (nothing written): the waiting request is gone or not for
    /// `request`.
    fn complete_eam(
        &self,
        id_hash: &str,
        request: &RequestId,
        clock: &dyn Clock,
        judge: &mut dyn FnMut(&CompletionContext) -> CompletionVerdict,
    ) -> Stored<Option<CompletionVerdict>>;

    // --- tests only ---

    /// Holds the store's write lock while `during` runs on another thread; once that thread
    /// has had time to do its reads and wait for the lock, lets `change` write inside the held
    /// lock, then releases it (what a concurrent writer — another process — does).
    #[cfg(feature = "testing")]
    fn hold_write_lock(
        &self,
        during: &mut (dyn FnMut() + Send),
        change: &mut dyn FnMut(&dyn LockedWrites),
    ) -> Stored<()>;
}

/// Writes a test makes while holding the store's write lock ([`Store::hold_write_lock`]).
#[cfg(feature = "testing")]
pub trait LockedWrites {
    /// Revokes a device and its credentials (what an administrator's revocation writes).
    fn revoke_device(&self, device_id: &str);
    /// Revokes one credential.
    fn revoke_credential(&self, credential_id: &str);
}

#[cfg(test)]
mod tests;
