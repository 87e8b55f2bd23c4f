//! Push approvals and phone sign-in for an app: the protocol steps of [`crate::protocol`]
//! bound to the vault, so every counter, clock offset and decision is persisted at the
//! right moment. The one implementation of these flows: the CLI and the FFI both use it.
//!
//! The core still opens no sockets: the app passes an [`HttpTransport`] that executes the
//! plain [`HttpRequest`]s with its platform's HTTP stack (java.net.http, URLSession, ureq in
//! the CLI). Callbacks (transport, key store) run synchronously on the caller's thread; call
//! off the UI thread, since a phone sign-in signature waits for the biometric prompt.
//!
//! The vault is reached through [`VaultAccess`] only around reads and writes, so the
//! transport and the device-key store run with no vault lock held and may use the vault
//! (or another [`Approvals`] over it) themselves. The rules:
//! - the signature counter is committed **before** the assertion is sent, as a
//!   compare-and-set against the stored enrollment: two concurrent decisions never reuse a
//!   counter value (the loser signs again with the next one);
//! - every decision that was signed is logged (`ActivityEvent::SignIn`) whatever the
//!   provider answered, "not delivered" when it could not be reached;
//! - a provider reporting clock skew is answered by one retry with the offset corrected from
//!   its signed time, and a learned offset is saved;
//! - a failed enrollment or phone sign-in activation deletes the key it created (whatever
//!   step failed: the key's [`NewKey`](crate::protocol::NewKey) guard deletes it unless the
//!   flow committed it after saving), and a locked vault creates no key;
//! - a new key can be persisted (see [`Approvals::persist_keys_with`]) before its public key
//!   leaves the device;
//! - a clock offset is learned against the device time at which the answer arrived (§8:
//!   `serverTime − t_recv`), read from the [`Approvals`] clock after the transport returns,
//!   never against the time the call started (a stalled provider or a biometric prompt
//!   before it would otherwise be added to the offset);
//! - a replaced or disabled phone sign-in key is deleted only after the vault commit that
//!   forgets it succeeded;
//! - transport error texts never carry the request's nonce, signature, query or the string
//!   values of its body (activation code, assertion, keys, push token).

mod access;
mod decide;
mod device;
mod enroll;
mod error;
mod phone_signin;
mod requests;
mod transfer;

pub use access::VaultAccess;
pub use error::ApprovalError;
pub use requests::SignInRequests;

use crate::clock::{Clock, SystemClock};
use crate::protocol::{
    wire, DeviceKeyStore, Enrollment, HttpRequest, HttpResponse, PendingRequest, ProtocolError,
};
use crate::random::{Random, SystemRandom};
use crate::vault::{Account, ActivityEvent, StoredEnrollment, Vault, VaultError};

/// Executes HTTP requests for the core, with the platform's HTTP stack.
pub trait HttpTransport: Send + Sync {
    /// Sends `request` and returns the response (any status). `Err` only when no response
    /// was received (network down, TLS failure, timeout), with a one-line reason.
    fn execute(&self, request: HttpRequest) -> Result<HttpResponse, String>;
}

/// A finished enrollment.
#[derive(Clone, Debug)]
pub struct Enrolled {
    /// The enrollment's id in the vault.
    pub enrollment_id: i64,
    /// The enrollment as stored (with `otp_account_id` set when an OTP account was added).
    pub enrollment: Enrollment,
    /// The OTP account added from the same QR code, if it carried one.
    pub otp_account: Option<Account>,
}

/// A sign-in request waiting for the user, with the enrollment it belongs to.
#[derive(Clone, Debug)]
pub struct PendingSignIn {
    /// The enrollment (account) the request is for.
    pub enrollment_id: i64,
    /// The provider's display name.
    pub issuer: String,
    /// The request and its context (app, IP, location, times). Never the number.
    pub request: PendingRequest,
    /// Seconds until it expires, by provider time.
    pub seconds_left: i64,
}

/// Open requests across enrollments, and the enrollments whose provider could not be asked.
#[derive(Debug, Default)]
pub struct PendingAcrossEnrollments {
    /// Requests waiting for the user, in enrollment order.
    pub requests: Vec<PendingSignIn>,
    /// Enrollments whose fetch failed, with the reason.
    pub failures: Vec<(i64, ApprovalError)>,
}

/// What [`Approvals::unenroll`] did.
#[derive(Debug)]
pub struct Unenrolled {
    /// The enrollment as it was stored (now removed, its keys deleted).
    pub enrollment: Enrollment,
    /// Whether the provider acknowledged revoking this device; on `Err` it still lists the
    /// device until an administrator (or the user's account page) revokes it.
    pub provider: Result<(), ApprovalError>,
}

/// Persists the device-key store into the vault; see [`Approvals::persist_keys_with`].
pub type PersistKeys<'a> = dyn Fn(&mut Vault) -> Result<(), VaultError> + 'a;

/// Shortest body string value hidden from transport error texts: shorter ones (a short
/// device name) carry no secret, and hiding them would only garble the text.
const MIN_HIDDEN_LEN: usize = 8;

/// The device time during one call: `now` (what the caller passed, the device clock when
/// the call started) advanced by how far the [`Approvals`] clock moved since.
struct CallTime<'c> {
    clock: &'c dyn Clock,
    now: i64,
    start: i64,
}

impl CallTime<'_> {
    /// The device time at this moment of the call.
    fn at(&self) -> i64 {
        self.now.saturating_add(self.clock.now().saturating_sub(self.start))
    }
}

/// The vault (through a [`VaultAccess`]), the device-key store and the transport, used
/// together. Cheap to build: an app may make one per call.
pub struct Approvals<'a, V: VaultAccess + ?Sized> {
    vault: &'a V,
    keys: &'a dyn DeviceKeyStore,
    http: &'a dyn HttpTransport,
    persist_keys: Option<&'a PersistKeys<'a>>,
    clock: &'a dyn Clock,
    random: &'a dyn Random,
}

impl<'a, V: VaultAccess + ?Sized> Approvals<'a, V> {
    /// Binds the three, with the system clock and random source (see
    /// [`Approvals::with_clock`], [`Approvals::with_random`]).
    ///
    /// Every flow takes `now`, the device clock (Unix seconds) when the call starts. Times
    /// needed later in the call — when an answer arrives, to learn the clock offset (§8), or
    /// after a prompt, to judge expiry — are `now` advanced by how far the clock moved since
    /// the call started. So `now` is normally just the clock's value; a caller simulating a
    /// device clock that is off passes a shifted `now` and keeps that shift for the call.
    pub fn new(vault: &'a V, keys: &'a dyn DeviceKeyStore, http: &'a dyn HttpTransport) -> Self {
        Approvals {
            vault,
            keys,
            http,
            persist_keys: None,
            clock: &SystemClock,
            random: &SystemRandom,
        }
    }

    /// Uses `clock` (Unix seconds) instead of the system clock to measure the time that
    /// passes during a call (the network, other providers, biometric prompts). Tests pass a
    /// fake one.
    pub fn with_clock(mut self, clock: &'a dyn Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Uses `random` instead of the system's generator for nonces and key aliases (tests
    /// pin the bytes of requests with it).
    pub fn with_random(mut self, random: &'a dyn Random) -> Self {
        self.random = random;
        self
    }

    /// For a key store kept inside the vault (the CLI's software store): `persist` runs
    /// under vault access right after a flow created a key, before its public key is sent
    /// anywhere. When it fails the new key is deleted and the flow fails with its error.
    /// (Deletions are not reported: save the store once the flow has returned.)
    pub fn persist_keys_with(mut self, persist: &'a PersistKeys<'a>) -> Self {
        self.persist_keys = Some(persist);
        self
    }

    /// Every enrollment in the vault, oldest first.
    pub fn enrollments(&self) -> Result<Vec<StoredEnrollment>, ApprovalError> {
        self.vault.with_vault(|v| v.enrollments())
    }

    /// Runs the persist hook after a key was created (the key's guard deletes it when this
    /// fails).
    fn key_created(&self) -> Result<(), ApprovalError> {
        let Some(persist) = self.persist_keys else { return Ok(()) };
        self.vault.with_vault(|v| persist(v))
    }

    /// Starts measuring the time of a call that began at device time `now`.
    fn time(&self, now: i64) -> CallTime<'a> {
        CallTime { clock: self.clock, now, start: self.clock.now() }
    }

    fn load(&self, id: i64) -> Result<Enrollment, ApprovalError> {
        self.vault.with_vault(|v| Ok(v.enrollment(id)?.enrollment))
    }

    /// Sends through the transport; an error text loses the request's nonce, signature,
    /// query and body values (a platform error may quote the URL, the headers or the body).
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, ApprovalError> {
        let hidden = hidden_values(&request);
        self.http
            .execute(request)
            .map_err(|reason| ApprovalError::Transport(redact(reason, &hidden)))
    }

    /// Re-reads the enrollment under vault access and the vault's write lock, lets `merge`
    /// apply this flow's changes to the stored version and saves it (with `event`, in the
    /// same transaction). `merge` returning `false` means "conflict: save nothing" (and
    /// gives `Ok(false)`).
    fn commit(
        &self,
        id: i64,
        event: Option<&ActivityEvent>,
        merge: impl FnOnce(&mut Enrollment) -> bool,
    ) -> Result<bool, ApprovalError> {
        self.vault.with_vault(|v| v.modify_enrollment(id, event, merge))
    }

    /// Saves a clock offset learned during a flow (when it changed).
    fn save_clock(&self, id: i64, before: i64, e: &Enrollment) -> Result<(), ApprovalError> {
        if e.clock_offset == before {
            return Ok(());
        }
        let offset = e.clock_offset;
        self.commit(id, None, |latest| {
            latest.clock_offset = offset;
            true
        })
        .map(drop)
    }

    /// build → send → finish, and once more when the provider reported clock skew (`finish`
    /// has then corrected the offset in `e` from signed server time). `build` gets the device
    /// time when it starts, `finish` the device time when the answer arrived (the time an
    /// offset is learned against, §8). When the request got no answer, `finish` still gets
    /// an empty response so the step releases what it holds.
    fn exchange<T, S>(
        &self,
        e: &mut Enrollment,
        time: &CallTime<'_>,
        build: impl Fn(&Enrollment, i64) -> Result<(HttpRequest, S), ProtocolError>,
        finish: impl Fn(S, &mut Enrollment, &HttpResponse, i64) -> Result<T, ProtocolError>,
    ) -> Result<T, ApprovalError> {
        let mut retried = false;
        loop {
            let (request, state) = build(e, time.at())?;
            let sent = self.send(request);
            let received = time.at();
            let response = match sent {
                Ok(r) => r,
                Err(err) => {
                    let _ = finish(state, e, &HttpResponse::default(), received);
                    return Err(err);
                }
            };
            match finish(state, e, &response, received) {
                Err(ProtocolError::ClockSkew) if !retried => retried = true,
                other => return other.map_err(ApprovalError::from),
            }
        }
    }

    /// Learns the provider's clock from signed server time and saves it; returns the offset
    /// in seconds (provider minus device), which the app may also apply to this account's
    /// TOTP codes.
    pub fn sync_time(&self, enrollment_id: i64, now: i64) -> Result<i64, ApprovalError> {
        let time = self.time(now);
        let mut e = self.load(enrollment_id)?;
        let (request, sync) = crate::protocol::sync_time(&e, self.random)?;
        let response = self.send(request)?;
        let offset = sync.finish(&mut e, &response, time.at())?;
        self.commit(enrollment_id, None, |latest| {
            latest.clock_offset = offset;
            true
        })?;
        Ok(offset)
    }
}

/// What a transport error text must not repeat: the nonce and signature headers, the
/// query, and every string value of a JSON body (or a whole non-JSON body) of at least
/// [`MIN_HIDDEN_LEN`] bytes: activation code, assertion parts, public keys, key proof,
/// push token. Longest first, so a value inside another is not left half-hidden.
fn hidden_values(request: &HttpRequest) -> Vec<String> {
    fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(items) => items.iter().for_each(|i| strings(i, out)),
            serde_json::Value::Object(map) => map.values().for_each(|i| strings(i, out)),
            _ => {}
        }
    }
    let mut hidden: Vec<String> = request
        .headers
        .iter()
        .filter(|(name, _)| {
            name.eq_ignore_ascii_case(wire::H_NONCE) || name.eq_ignore_ascii_case(wire::H_SIGNATURE)
        })
        .map(|(_, value)| value.clone())
        .collect();
    hidden.extend(request.url.split_once('?').map(|(_, query)| query.to_owned()));
    hidden.retain(|v| !v.is_empty());
    let mut body = Vec::new();
    if !request.body.is_empty() {
        match serde_json::from_slice::<serde_json::Value>(&request.body) {
            Ok(json) => strings(&json, &mut body),
            Err(_) => body.push(String::from_utf8_lossy(&request.body).into_owned()),
        }
    }
    hidden.extend(body.into_iter().filter(|v| v.len() >= MIN_HIDDEN_LEN));
    hidden.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    hidden.dedup();
    hidden
}

/// `reason` with every `hidden` value replaced by "…".
fn redact(reason: String, hidden: &[String]) -> String {
    hidden.iter().fold(reason, |r, v| r.replace(v.as_str(), "…"))
}

#[cfg(test)]
mod tests;
