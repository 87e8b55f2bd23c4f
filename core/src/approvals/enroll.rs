//! Enrollment: a new device key, registered with the provider, stored with the enrollment.

use super::{ApprovalError, Approvals, Enrolled, VaultAccess};
use crate::otpauth::OtpParams;
use crate::protocol::{self, EnrollUri, ProtocolError};
use crate::vault::VaultError;

impl<V: VaultAccess + ?Sized> Approvals<'_, V> {
    /// Enrolls this device from an enrollment QR code (`nyckel-enroll://…`): creates the
    /// device key, registers it, pins the provider key, and stores the enrollment (and the
    /// OTP account the code may carry) in one transaction.
    ///
    /// The code is checked first, then the vault: a locked vault creates no key. On any
    /// later error the new key is deleted and nothing is stored.
    pub fn enroll(
        &self,
        uri: &str,
        device_name: &str,
        push_token: Option<&str>,
        now: i64,
    ) -> Result<Enrolled, ApprovalError> {
        self.enroll_with(uri, device_name, push_token, now, false).map(|(e, _)| e)
    }

    /// [`Approvals::enroll`]; with `moving` (a phone move), an OTP account the code carries
    /// that the vault already holds is linked, not added twice. Also returns whether the
    /// code's OTP account was added (`false`: none, or already here).
    pub(super) fn enroll_with(
        &self,
        uri: &str,
        device_name: &str,
        push_token: Option<&str>,
        now: i64,
        moving: bool,
    ) -> Result<(Enrolled, bool), ApprovalError> {
        let time = self.time(now);
        let parsed = EnrollUri::parse(uri).map_err(ProtocolError::from)?;
        self.vault.with_vault(|v| if v.is_locked() { Err(VaultError::Locked) } else { Ok(()) })?;
        let otp: Option<OtpParams> = parsed.otp.as_ref().map(|p| p.params.clone());
        // The state owns the new key (`NewKey`): any `?` below drops it, deleting the key.
        let (request, state) = protocol::enroll::begin(
            &parsed,
            device_name,
            push_token,
            self.keys,
            self.random,
            time.at(),
        )?;
        self.key_created()?;
        let response = self.send(request)?;
        // The offset is learned against the time the answer arrived (§8).
        let (mut enrollment, key) = state.finish_pending(&response, time.at())?;
        let (enrollment_id, otp_account) = self.vault.with_vault(|v| match moving {
            true => v.add_moved_enrollment(&enrollment, otp),
            false => v.add_enrollment(&enrollment, otp).map(|(id, a)| (id, a.map(|a| (a, true)))),
        })?;
        key.commit();
        let added = otp_account.as_ref().is_some_and(|(_, added)| *added);
        let otp_account = otp_account.map(|(a, _)| a);
        enrollment.otp_account_id = otp_account.as_ref().map(|a| a.id);
        Ok((Enrolled { enrollment_id, enrollment, otp_account }, added))
    }
}
