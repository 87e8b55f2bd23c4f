//! Push approvals and phone sign-in for an app: the protocol steps of [`crate::protocol`]
//! bound to the vault, so every counter, clock offset and decision is persisted at the
//! right moment.
//!
//! The core still opens no sockets: the app passes an [`HttpTransport`] that executes the
//! plain [`HttpRequest`]s with its platform's HTTP stack (java.net.http, URLSession, ureq in
//! the CLI). Callbacks (transport, key store) run synchronously on the caller's thread and
//! must not call back into the same [`Approvals`]; call it off the UI thread, since a
//! phone sign-in signature waits for the biometric prompt.

mod error;

pub use error::ApprovalError;

use crate::otpauth::OtpParams;
use crate::protocol::{
    self, ActivityRecord, Decision, DeviceKeyStore, EnrollUri, Enrollment, HttpRequest, HttpResponse,
    PendingRequest, ProtocolError, RespondOutcome,
};
use crate::vault::{Account, ActivityEvent, StoredEnrollment, Vault};

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
    /// The enrollment.
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

/// The vault, the device-key store and the transport, used together.
pub struct Approvals<'a> {
    vault: &'a mut Vault,
    keys: &'a dyn DeviceKeyStore,
    http: &'a dyn HttpTransport,
}

impl<'a> Approvals<'a> {
    /// Binds the three.
    pub fn new(vault: &'a mut Vault, keys: &'a dyn DeviceKeyStore, http: &'a dyn HttpTransport) -> Self {
        Approvals { vault, keys, http }
    }

    fn send(&self, request: HttpRequest) -> Result<HttpResponse, ApprovalError> {
        self.http.execute(request).map_err(ApprovalError::Transport)
    }

    /// Enrolls this device from an enrollment QR code (`nyckel-enroll://…`): creates the
    /// device key, registers it, pins the provider key, and stores the enrollment (and the
    /// OTP account the code may carry) in one transaction.
    pub fn enroll(&mut self, uri: &str, device_name: &str, push_token: Option<&str>, now: i64) -> Result<Enrolled, ApprovalError> {
        self.vault.enrollments()?; // fail early (locked) before creating any key
        let parsed = EnrollUri::parse(uri).map_err(ProtocolError::from)?;
        let otp: Option<OtpParams> = parsed.otp.as_ref().map(|p| p.params.clone());
        let (request, state) = protocol::enroll::begin(&parsed, device_name, push_token, self.keys, now)?;
        let alias = state.key_alias().to_owned();
        let response = match self.send(request) {
            Ok(r) => r,
            Err(e) => {
                let _ = self.keys.delete_key(alias);
                return Err(e);
            }
        };
        let enrollment = state.finish(self.keys, &response, now)?;
        match self.vault.add_enrollment(&enrollment, otp) {
            Ok((enrollment_id, otp_account)) => {
                let enrollment = self.vault.enrollment(enrollment_id)?.enrollment;
                Ok(Enrolled { enrollment_id, enrollment, otp_account })
            }
            Err(e) => {
                let _ = self.keys.delete_key(alias);
                Err(e.into())
            }
        }
    }

    /// Every enrollment in the vault.
    pub fn enrollments(&self) -> Result<Vec<StoredEnrollment>, ApprovalError> {
        Ok(self.vault.enrollments()?)
    }

    /// Fetches the open sign-in requests of one enrollment, verifying the provider's
    /// signature; persists the clock offset learned from signed server time.
    pub fn pending_for(&mut self, enrollment_id: i64, now: i64) -> Result<Vec<PendingSignIn>, ApprovalError> {
        let mut e = self.vault.enrollment(enrollment_id)?.enrollment;
        let result = self.with_clock_retry(&mut e, |keys, e| {
            let (req, fetch) = protocol::fetch_pending(e, keys, now)?;
            Ok((req, move |e: &mut Enrollment, resp: &HttpResponse| protocol::parse_pending(e, &fetch, resp, now)))
        });
        self.vault.update_enrollment(enrollment_id, &e, None)?;
        let requests = result?;
        Ok(requests
            .into_iter()
            .map(|request| PendingSignIn {
                enrollment_id,
                issuer: e.issuer.clone(),
                seconds_left: request.seconds_left(&e, now),
                request,
            })
            .collect())
    }

    /// Fetches open requests across all enrollments. A provider that cannot be reached
    /// does not hide the others: its error is returned beside the requests.
    pub fn pending(&mut self, now: i64) -> Result<PendingAcrossEnrollments, ApprovalError> {
        let mut out = PendingAcrossEnrollments::default();
        for stored in self.vault.enrollments()? {
            match self.pending_for(stored.id, now) {
                Ok(list) => out.requests.extend(list),
                Err(e) => out.failures.push((stored.id, e)),
            }
        }
        Ok(out)
    }

    /// Approves (with the number the user typed from the sign-in screen), denies or reports
    /// a request. The signature counter is committed before the assertion is sent, and the
    /// decision is logged with the context the user saw, whatever the provider answers.
    pub fn decide(&mut self, enrollment_id: i64, request: &PendingRequest, decision: Decision, now: i64) -> Result<RespondOutcome, ApprovalError> {
        let mut e = self.vault.enrollment(enrollment_id)?.enrollment;
        let http_request = protocol::respond(&mut e, request, decision, self.keys, now)?;
        self.vault.update_enrollment(enrollment_id, &e, None)?; // counter first (synchronous=FULL)
        let outcome = match self.send(http_request) {
            Ok(resp) => protocol::parse_respond_result(&e, request, &resp).map_err(ApprovalError::from),
            Err(err) => Err(err),
        };
        let protocol_outcome = match &outcome {
            Ok(o) => Ok(*o),
            Err(ApprovalError::Protocol(p)) => Err(p.clone()),
            Err(_) => Err(ProtocolError::Malformed("not delivered")),
        };
        let mut record = ActivityRecord::new(&e, request, &decision, &protocol_outcome, now);
        if matches!(outcome, Err(ApprovalError::Transport(_))) {
            record.result = "not delivered".into();
        }
        self.vault.log(&ActivityEvent::SignIn { enrollment_id, record })?;
        outcome
    }

    /// Enables phone sign-in (passwordless) for an enrollment: creates a user-verification
    /// key (the platform asks for biometrics/PIN to sign its proof) and registers it.
    pub fn enable_phone_signin(&mut self, enrollment_id: i64, now: i64) -> Result<(), ApprovalError> {
        let mut e = self.vault.enrollment(enrollment_id)?.enrollment;
        let result = self.with_clock_retry(&mut e, |keys, e| {
            let (req, state) = protocol::enable_phone_signin(e, keys, now)?;
            Ok((req, move |e: &mut Enrollment, resp: &HttpResponse| state.finish(e, keys, resp, now)))
        });
        let event = result.is_ok().then(|| ActivityEvent::PhoneSignin {
            enrollment_id,
            account_name: e.account_name.clone(),
            enabled: true,
        });
        self.vault.update_enrollment(enrollment_id, &e, event.as_ref())?;
        result
    }

    /// Disables phone sign-in for an enrollment and deletes its key.
    pub fn disable_phone_signin(&mut self, enrollment_id: i64, now: i64) -> Result<(), ApprovalError> {
        let mut e = self.vault.enrollment(enrollment_id)?.enrollment;
        let result = self.with_clock_retry(&mut e, |keys, e| {
            let (req, state) = protocol::disable_phone_signin(e, keys, now)?;
            Ok((req, move |e: &mut Enrollment, resp: &HttpResponse| state.finish(e, keys, resp, now)))
        });
        let event = result.is_ok().then(|| ActivityEvent::PhoneSignin {
            enrollment_id,
            account_name: e.account_name.clone(),
            enabled: false,
        });
        self.vault.update_enrollment(enrollment_id, &e, event.as_ref())?;
        result
    }

    /// Learns the provider's clock from signed server time; returns the offset in seconds
    /// (provider minus device), which the app may also apply to this account's TOTP codes.
    pub fn sync_time(&mut self, enrollment_id: i64, now: i64) -> Result<i64, ApprovalError> {
        let mut e = self.vault.enrollment(enrollment_id)?.enrollment;
        let (req, sync) = protocol::sync_time(&e);
        let resp = self.send(req)?;
        let offset = sync.finish(&mut e, &resp, now)?;
        self.vault.update_enrollment(enrollment_id, &e, None)?;
        Ok(offset)
    }

    /// Removes an enrollment from this device and deletes its keys. (The provider still
    /// lists the device until an administrator revokes it.)
    pub fn remove(&mut self, enrollment_id: i64) -> Result<(), ApprovalError> {
        let e = self.vault.remove_enrollment(enrollment_id)?;
        let _ = self.keys.delete_key(e.device_key_alias);
        if let Some(alias) = e.phone_signin_key_alias {
            let _ = self.keys.delete_key(alias);
        }
        Ok(())
    }

    /// Runs build → send → parse, and once more if the provider reported clock skew (the
    /// parse step has then corrected the enrollment's clock offset from signed time).
    fn with_clock_retry<T, F, P>(&self, e: &mut Enrollment, build: F) -> Result<T, ApprovalError>
    where
        F: Fn(&'a dyn DeviceKeyStore, &Enrollment) -> Result<(HttpRequest, P), ProtocolError>,
        P: FnOnce(&mut Enrollment, &HttpResponse) -> Result<T, ProtocolError>,
    {
        let mut retried = false;
        loop {
            let (req, parse) = build(self.keys, e)?;
            let resp = self.send(req)?;
            match parse(e, &resp) {
                Err(ProtocolError::ClockSkew) if !retried => retried = true,
                other => return other.map_err(ApprovalError::from),
            }
        }
    }
}
