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
        let time = self.time(now);
        let parsed = EnrollUri::parse(uri).map_err(ProtocolError::from)?;
        self.vault.with_vault(|v| if v.is_locked() { Err(VaultError::Locked) } else { Ok(()) })?;
        let otp: Option<OtpParams> = parsed.otp.as_ref().map(|p| p.params.clone());
        // `begin` deletes its key itself when it fails after creating it.
        let (request, state) =
            protocol::enroll::begin(&parsed, device_name, push_token, self.keys, time.at())?;
        let alias = state.key_alias().to_owned();
        let delete_key = || {
            let _ = self.keys.delete_key(alias.clone());
        };
        self.key_created(&alias)?;
        let response = self.send(request).inspect_err(|_| delete_key())?;
        // The offset is learned against the time the answer arrived (§8).
        let enrollment = state.finish(self.keys, &response, time.at())?; // deletes the key on error
        match self.vault.with_vault(|v| v.add_enrollment(&enrollment, otp)) {
            Ok((enrollment_id, otp_account)) => {
                let mut enrollment = enrollment;
                enrollment.otp_account_id = otp_account.as_ref().map(|a| a.id);
                Ok(Enrolled { enrollment_id, enrollment, otp_account })
            }
            Err(e) => {
                delete_key();
                Err(e)
            }
        }
    }
}
