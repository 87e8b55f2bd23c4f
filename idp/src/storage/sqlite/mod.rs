//! The embedded SQLite backend of [`Store`]: one file, WAL, a small connection pool for reads
//! and one writer with group commit (`pool.rs`, `writer.rs`), `user_version` migrations
//! (`schema_v*.sql`), and the queries by area (`accounts.rs`, `devices.rs`, `requests.rs`,
//! `oidc.rs`, `eam.rs`).

mod accounts;
mod attempts;
mod devices;
mod eam;
mod oidc;
mod one_time_codes;
mod pool;
mod requests;
mod retention;
#[cfg(feature = "testing")]
mod testing;
#[cfg(test)]
mod tests;
mod writer;

use std::path::Path;

use nyckel_core::clock::Clock;
use nyckel_core::protocol::wire::RequestKind;
use rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

use self::pool::Pool;
#[cfg(test)]
pub(in crate::storage) use self::pool::SCHEMA_VERSION;
use super::{CounterPurge, OpenError, PurgeCutoffs, StartReads, Store, Stored};
use crate::eam_model::{EamLink, EamMethod, PendingEam};
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

/// The provider's SQLite database and its connection pool. Cheap to clone (clones share the
/// pool).
#[derive(Clone, Debug)]
pub(crate) struct SqliteStore {
    pool: Pool,
}

impl SqliteStore {
    /// Opens (creating and migrating if needed) the database at `path`.
    pub(crate) fn open(path: impl AsRef<Path>) -> Result<SqliteStore, OpenError> {
        Ok(SqliteStore { pool: Pool::init(path)? })
    }

    /// The database file.
    pub(crate) fn path(&self) -> &Path {
        self.pool.path()
    }
}

macro_rules! sql_id {
    ($($name:ident),*) => {$(
        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                String::column_result(value).map($name::new)
            }
        }
    )*};
}

sql_id!(UserId, DeviceId, CredentialId, RequestId);

impl Store for SqliteStore {
    fn setting(&self, key: Setting) -> Stored<Option<String>> {
        accounts::setting(&*self.pool.conn()?, key)
    }

    fn set_settings(&self, values: &[(Setting, &str)]) -> Stored<()> {
        self.pool.write(|tx| values.iter().try_for_each(|(k, v)| accounts::set_setting(tx, *k, v)))
    }

    fn add_setting_if_absent(&self, key: Setting, value: &str) -> Stored<()> {
        self.pool.write(|c| accounts::add_setting_if_absent(c, key, value))
    }

    fn add_user(&self, user: &NewUser) -> Stored<bool> {
        self.pool.write(|tx| accounts::add_user(tx, user))
    }

    fn user_by_name(&self, name: &str) -> Stored<Option<User>> {
        accounts::user_by_name(&*self.pool.conn()?, name)
    }

    fn replace_phones(&self, activation: &Activation, now: i64) -> Stored<Vec<DeviceId>> {
        self.pool.write(|tx| devices::replace_phones(tx, activation, now))
    }

    fn name_clashes(&self) -> Stored<Vec<(String, String)>> {
        accounts::name_clashes(&*self.pool.conn()?)
    }

    fn add_activation(&self, activation: &Activation) -> Stored<()> {
        self.pool.write(|c| accounts::add_activation(c, activation))
    }

    fn users(&self) -> Stored<Vec<UserInfo>> {
        accounts::users(&*self.pool.conn()?)
    }

    fn set_user_disabled(&self, name: &str, disabled: bool, now: i64) -> Stored<Option<bool>> {
        self.pool.write(|tx| accounts::set_disabled(tx, name, disabled, now))
    }

    fn unblock_user(&self, name: &str, now: i64) -> Stored<Option<bool>> {
        self.pool.write(|tx| accounts::unblock(tx, name, now))
    }

    fn set_password_hash(&self, name: &str, hash: Option<&str>, now: i64) -> Stored<bool> {
        self.pool.write(|tx| accounts::set_password_hash(tx, name, hash, now))
    }

    fn delete_user(&self, name: &str, now: i64) -> Stored<Option<DeletedUser>> {
        self.pool.write(|tx| accounts::delete_user(tx, name, now))
    }

    fn enroll_device(&self, device: &NewDevice, clock: &dyn Clock) -> Stored<Enrolled> {
        self.pool.write_or_undo(|tx| {
            let outcome = devices::enroll(tx, device, clock.now())?;
            // A refused enrollment leaves no trace (not even its nonce), as before it began.
            let commit = outcome.commits();
            Ok((outcome, commit))
        })
    }

    fn add_transfer(&self, transfer: &NewTransfer, clock: &dyn Clock) -> Stored<TransferIssued> {
        self.pool.write(|tx| devices::add_transfer(tx, transfer, clock.now()))
    }

    fn confirm_transfer(&self, device: &DeviceRef, now: i64) -> Stored<Option<DeviceId>> {
        self.pool.write(|tx| devices::confirm_transfer(tx, device, now))
    }

    fn device_key(&self, device: &DeviceId) -> Stored<Option<DeviceKey>> {
        devices::device_key(&*self.pool.conn()?, device)
    }

    fn use_nonce(&self, owner: &str, nonce: &str, now: i64, expires_at: i64) -> Stored<bool> {
        self.pool.write(|c| devices::use_nonce(c, owner, nonce, now, expires_at))
    }

    fn credential(&self, id: &CredentialId) -> Stored<Option<Credential>> {
        devices::credential(&*self.pool.conn()?, id)
    }

    fn has_phone_signin(&self, device: &DeviceId) -> Stored<bool> {
        devices::has_phone_signin(&*self.pool.conn()?, device)
    }

    fn enable_phone_signin(
        &self,
        device: &DeviceRef,
        credential: &CredentialId,
        public_key: &[u8],
        attestation: Option<&str>,
        now: i64,
    ) -> Stored<()> {
        self.pool.write(|tx| {
            devices::enable_phone_signin(tx, device, credential, public_key, attestation, now)
        })
    }

    fn disable_phone_signin(&self, device: &DeviceRef, now: i64) -> Stored<()> {
        self.pool.write(|tx| devices::disable_phone_signin(tx, device, now))
    }

    fn set_push_token(&self, device: &DeviceRef, token: Option<&str>, now: i64) -> Stored<()> {
        self.pool.write(|tx| devices::set_push_token(tx, device, token, now))
    }

    fn revoke_device(
        &self,
        device: &DeviceId,
        how: Revocation,
        now: i64,
    ) -> Stored<Option<UserId>> {
        self.pool.write(|tx| devices::revoke(tx, device, how, "", now))
    }

    fn revoke_device_if(
        &self,
        user_name: &str,
        device: &DeviceId,
        how: Revocation,
        ip: &str,
        now: i64,
        decide: &mut dyn FnMut(&[DeviceInfo]) -> bool,
    ) -> Stored<()> {
        self.pool.write(|tx| {
            if decide(&devices::devices_of(tx, user_name)?) {
                devices::revoke(tx, device, how, ip, now)?;
            }
            Ok(())
        })
    }

    fn add_otp_secret(
        &self,
        user: &UserId,
        secret: &str,
        ip: &str,
        now: i64,
    ) -> Stored<Option<(String, bool)>> {
        self.pool.write(|tx| one_time_codes::add_secret(tx, user, secret, ip, now))
    }

    fn record_event(
        &self,
        user: &UserId,
        kind: EventKind,
        detail: &str,
        ip: &str,
        now: i64,
    ) -> Stored<()> {
        self.pool.write(|tx| accounts::add_event_from(tx, now, Some(user), kind, detail, ip))
    }

    fn devices_of(&self, user_name: &str) -> Stored<Vec<DeviceInfo>> {
        devices::devices_of(&*self.pool.conn()?, user_name)
    }

    fn remove_otp_secret(&self, user: &UserId, ip: &str, now: i64) -> Stored<bool> {
        self.pool.write(|tx| one_time_codes::remove_secret(tx, user, ip, now))
    }

    fn device_presence(&self, user: &UserId) -> Stored<DevicePresence> {
        devices::presence(&*self.pool.conn()?, user)
    }

    fn other_methods(&self, device: &DeviceRef) -> Stored<OtherMethods> {
        devices::other_methods(&*self.pool.conn()?, device)
    }

    fn start_request(
        &self,
        user_name: &str,
        kind: RequestKind,
        reads: &StartReads<'_>,
        excluded: Option<&DeviceId>,
        clock: &dyn Clock,
        decide: &mut dyn FnMut(&StartContext<'_>) -> StartVerdict,
    ) -> Stored<(StartVerdict, usize)> {
        self.pool
            .write(|tx| requests::start(tx, user_name, kind, reads, excluded, clock.now(), decide))
    }

    fn request(&self, id: &RequestId) -> Stored<Option<SignInRequest>> {
        requests::request(&*self.pool.conn()?, id)
    }

    fn recognise_browser(&self, id: &RequestId, user: &UserId, now: i64) -> Stored<bool> {
        self.pool.write(|tx| requests::recognise_browser(tx, id, user, now))
    }

    fn pending_requests(
        &self,
        user: &UserId,
        device: &DeviceId,
        now: i64,
        with_passwordless: bool,
        limit: u32,
    ) -> Stored<Vec<SignInRequest>> {
        requests::pending(&*self.pool.conn()?, user, device, now, with_passwordless, limit)
    }

    fn decide_request(
        &self,
        id: &RequestId,
        credential: &CredentialId,
        clock: &dyn Clock,
        judge: &mut dyn FnMut(&DecideContext) -> DecideVerdict,
    ) -> Stored<(i64, DecideVerdict)> {
        self.pool.write(|tx| {
            let now = clock.now(); // after the lock: the wait can be seconds
            requests::decide(tx, id, credential, now, judge).map(|v| (now, v))
        })
    }

    fn complete_request(
        &self,
        id: &RequestId,
        session: &NewSession,
        clock: &dyn Clock,
        judge: &mut dyn FnMut(&CompletionContext) -> CompletionVerdict,
    ) -> Stored<Option<(CompletionContext, CompletionVerdict)>> {
        self.pool.write(|tx| {
            let now = clock.now(); // after the lock
            requests::complete(tx, id, session, now, judge)
        })
    }

    fn check_one_time_code(
        &self,
        target: &CodeUse<'_>,
        window: i64,
        clock: &dyn Clock,
        judge: &mut dyn FnMut(&CodeContext<'_>) -> OtpVerdict,
    ) -> Stored<(OtpVerdict, Option<UserId>)> {
        self.pool.write(|tx| one_time_codes::check(tx, target, window, clock.now(), judge))
    }

    fn push_triggers(&self, id: &RequestId) -> Stored<Vec<PushTrigger>> {
        requests::push_triggers(&*self.pool.conn()?, id)
    }

    fn recognised_sources(&self, user: &UserId, since: i64, most: u32) -> Stored<Vec<String>> {
        requests::recognised(&*self.pool.conn()?, user, since, most)
    }

    fn begin_password_attempt(
        &self,
        name: &str,
        source: &str,
        familiarity: Familiarity,
        purge: &CounterPurge,
        clock: &dyn Clock,
        judge: &mut dyn FnMut(&AttemptContext) -> AttemptVerdict,
    ) -> Stored<AttemptVerdict> {
        self.pool.write(|tx| {
            let now = clock.now(); // after the lock
            attempts::begin(tx, (name, familiarity), source, purge, now, judge)
        })
    }

    fn end_password_attempt(
        &self,
        name: &str,
        source: &str,
        familiarity: Familiarity,
        outcome: AttemptOutcome,
        now: i64,
    ) -> Stored<()> {
        self.pool.write(|tx| attempts::end(tx, (name, familiarity), source, outcome, now))
    }

    fn reset_password_failures(&self, name: &str, now: i64) -> Stored<bool> {
        self.pool.write(|tx| attempts::reset(tx, name, now))
    }

    fn add_session(&self, user: &UserId, session: &NewSession, now: i64) -> Stored<()> {
        self.pool.write(|c| accounts::add_session(c, user, session, now))
    }

    fn end_session(&self, token_hash: &str) -> Stored<()> {
        self.pool.write(|c| accounts::end_session(c, token_hash))
    }

    fn session_user(&self, token_hash: &str, now: i64) -> Stored<Option<(UserId, String)>> {
        accounts::session_user(&*self.pool.conn()?, token_hash, now)
    }

    fn session_started(&self, token_hash: &str) -> Stored<Option<SessionStart>> {
        accounts::session_started(&*self.pool.conn()?, token_hash)
    }

    fn events(&self, user_name: Option<&str>, limit: u32) -> Stored<Vec<EventInfo>> {
        accounts::events(&*self.pool.conn()?, user_name, limit)
    }

    fn purge(&self, cutoffs: &PurgeCutoffs) -> Stored<Purged> {
        self.pool.write(|tx| retention::purge(tx, cutoffs))
    }

    fn signing_keys(&self) -> Stored<Vec<StoredKey>> {
        oidc::signing_keys(&*self.pool.conn()?)
    }

    fn add_signing_keys(&self, keys: &[StoredKey]) -> Stored<()> {
        self.pool.write(|tx| oidc::add_signing_keys(tx, keys))
    }

    fn add_first_signing_keys(&self, keys: &[StoredKey]) -> Stored<()> {
        self.pool.write(|tx| oidc::add_first_signing_keys(tx, keys))
    }

    fn retire_signing_key(&self, kid: &str, now: i64) -> Stored<bool> {
        self.pool.write(|c| oidc::retire_signing_key(c, kid, now))
    }

    fn add_client(&self, client: &Client) -> Stored<()> {
        self.pool.write(|c| oidc::add_client(c, client))
    }

    fn client(&self, id: &str) -> Stored<Option<Client>> {
        oidc::client(&*self.pool.conn()?, id)
    }

    fn clients(&self) -> Stored<Vec<Client>> {
        oidc::clients(&*self.pool.conn()?)
    }

    fn remove_client(&self, id: &str) -> Stored<bool> {
        self.pool.write(|tx| oidc::remove_client(tx, id))
    }

    fn add_pending_authorization(&self, pending: &PendingAuthorization, now: i64) -> Stored<()> {
        self.pool.write(|tx| oidc::add_pending(tx, pending, now))
    }

    fn pending_authorization(
        &self,
        id_hash: &str,
        now: i64,
    ) -> Stored<Option<PendingAuthorization>> {
        oidc::pending(&*self.pool.conn()?, id_hash, now)
    }

    fn end_pending_authorization(&self, id_hash: &str) -> Stored<()> {
        self.pool.write(|c| oidc::end_pending(c, id_hash))
    }

    fn add_oidc_session(&self, session: &OidcSession) -> Stored<()> {
        self.pool.write(|tx| oidc::add_session(tx, session))
    }

    fn oidc_session(&self, session_hash: &str, now: i64) -> Stored<Option<OidcSession>> {
        oidc::session(&*self.pool.conn()?, session_hash, now)
    }

    fn end_oidc_session(&self, sid: &str) -> Stored<()> {
        self.pool.write(|tx| oidc::end_session_by_sid(tx, sid))
    }

    fn add_code(&self, code: &CodeRecord, now: i64) -> Stored<()> {
        self.pool.write(|tx| oidc::add_code(tx, code, now))
    }

    fn redeem_code(
        &self,
        code_hash: &str,
        clock: &dyn Clock,
        judge: &mut dyn FnMut(&CodeRecord, i64) -> CodeVerdict,
    ) -> Stored<Option<(CodeRecord, CodeVerdict)>> {
        self.pool.write(|tx| {
            let now = clock.now(); // after the lock
            oidc::redeem(tx, code_hash, now, judge)
        })
    }

    fn access_token(&self, token_hash: &str) -> Stored<Option<AccessTokenRecord>> {
        oidc::access_token(&*self.pool.conn()?, token_hash)
    }

    fn add_eam_method(&self, method: &EamMethod) -> Stored<bool> {
        self.pool.write(|tx| eam::add_method(tx, method))
    }

    fn eam_method(&self, client_id: &str) -> Stored<Option<EamMethod>> {
        eam::method(&*self.pool.conn()?, client_id)
    }

    fn eam_methods(&self) -> Stored<Vec<EamMethod>> {
        eam::methods(&*self.pool.conn()?)
    }

    fn remove_eam_method(&self, client_id: &str) -> Stored<bool> {
        self.pool.write(|tx| eam::remove_method(tx, client_id))
    }

    fn link_eam_user(&self, link: &EamLink) -> Stored<UserId> {
        self.pool.write(|tx| eam::link(tx, link))
    }

    fn unlink_eam_user(&self, user: &UserId, tenant_id: &str, object_id: &str) -> Stored<bool> {
        self.pool.write(|tx| eam::unlink(tx, user, tenant_id, object_id))
    }

    fn eam_linked_user(
        &self,
        tenant_id: &str,
        object_id: &str,
    ) -> Stored<Option<(UserId, String)>> {
        eam::linked_user(&*self.pool.conn()?, tenant_id, object_id)
    }

    fn eam_links_of(&self, user: &UserId) -> Stored<Vec<EamLink>> {
        eam::links_of(&*self.pool.conn()?, user)
    }

    fn add_eam_pending(&self, pending: &PendingEam, now: i64) -> Stored<()> {
        self.pool.write(|tx| eam::add_pending(tx, pending, now))
    }

    fn eam_pending(&self, id_hash: &str, now: i64) -> Stored<Option<PendingEam>> {
        eam::pending(&*self.pool.conn()?, id_hash, now)
    }

    fn end_eam_pending(&self, id_hash: &str) -> Stored<()> {
        self.pool.write(|tx| eam::end_pending(tx, id_hash))
    }

    fn complete_eam(
        &self,
        id_hash: &str,
        request: &RequestId,
        clock: &dyn Clock,
        judge: &mut dyn FnMut(&CompletionContext) -> CompletionVerdict,
    ) -> Stored<Option<CompletionVerdict>> {
        self.pool.write_or_undo(|tx| {
            let now = clock.now(); // after the lock
            let verdict = eam::complete(tx, id_hash, request, now, judge)?;
            let keep = verdict.is_some();
            Ok((verdict, keep))
        })
    }

    #[cfg(feature = "testing")]
    fn hold_write_lock(
        &self,
        during: &mut (dyn FnMut() + Send),
        change: &mut dyn FnMut(&dyn super::LockedWrites),
    ) -> Stored<()> {
        testing::hold_write_lock(&self.pool, during, change)
    }
}
