//! Moving to a new phone (`crate::transfer`): the old phone's export and the new phone's
//! import, bound to the vault and the providers.

use super::{ApprovalError, Approvals, VaultAccess};
use crate::export::{self, backup::TransferEnrollment, ExportFormat, LeftOut, LeftOutCause};
use crate::import::{self, Format, ImportOptions, Parsed};
use crate::otpauth::OtpParams;
use crate::protocol::{self, EnrollUri, TransferOffer};
use crate::transfer::{
    package, EnrollmentMove, EnrollmentOffer, ManagedOtp, MovedEnrollment, TransferError,
    TransferExport, TransferImport, TransferKey,
};
use crate::vault::ActivityEvent;

/// The activity log's name of a transfer export.
const EXPORT_FORMAT: &str = "transfer";

impl<V: VaultAccess + ?Sized> Approvals<'_, V> {
    /// Asks an enrollment's provider for a transfer code for a new phone (§4.10); a learned
    /// clock offset is saved. The device stays enrolled until the new phone's first call.
    pub fn request_transfer(
        &self,
        enrollment_id: i64,
        now: i64,
    ) -> Result<TransferOffer, ApprovalError> {
        let time = self.time(now);
        let mut e = self.load(enrollment_id)?;
        let before = e.clock_offset;
        let result = self.exchange(
            &mut e,
            &time,
            |e, now| protocol::request_transfer(e, self.keys, self.random, now),
            |tr, e, resp, received| tr.finish(e, resp, received),
        );
        let saved = self.save_clock(enrollment_id, before, &e);
        let offer = result?;
        saved?;
        Ok(offer)
    }

    /// Writes a transfer package: a transfer code from each enrollment's provider (one that
    /// fails is reported and left out) and the accounts an export may hold, sealed under a
    /// fresh one-time key; records the export in the activity log. Refused when there is
    /// nothing to move, or when no provider gave a code and there is no account.
    pub fn export_transfer(&self, now: i64) -> Result<TransferExport, TransferError> {
        let plan = self.vault.with_vault(|v| Ok(export::plan(v, ExportFormat::Nyckel)))??;
        let stored = self.enrollments()?;
        if stored.is_empty() && plan.accounts.is_empty() {
            return Err(TransferError::Nothing);
        }
        let mut enrollments = Vec::with_capacity(stored.len());
        let mut moving = Vec::new();
        let mut moved_labels = Vec::new();
        // Managed one-time-code accounts: re-delivered by their provider, or to re-enroll.
        let mut redelivered = Vec::new();
        let mut re_enroll = Vec::new();
        for s in &stored {
            let e = &s.enrollment;
            let phone_signin = e.phone_signin_enabled();
            let offer = self.request_transfer(s.id, now);
            if let (true, Some(id)) = (e.otp_managed, e.otp_account_id) {
                match &offer {
                    Ok(o) if o.managed_otp => redelivered.push(id),
                    _ => re_enroll.push((id, provider_name(e))),
                }
            }
            let outcome = offer.map(|offer| {
                moving.push(TransferEnrollment { uri: offer.enroll_uri.to_string(), phone_signin });
                moved_labels.push(enrollment_label(e));
                offer.expires_at
            });
            enrollments.push(EnrollmentOffer {
                enrollment_id: s.id,
                label: format!("{} at {}", e.account_name, e.base_url),
                phone_signin,
                outcome,
            });
        }
        if moving.is_empty() && plan.accounts.is_empty() {
            return Err(TransferError::NoCodes);
        }
        // The enrollments with a code move, and the managed accounts their providers
        // re-deliver; what else an export leaves out stays behind.
        let left_out: Vec<LeftOut> = plan
            .left_out
            .into_iter()
            .filter(|l| match l.account_id {
                Some(id) => !redelivered.contains(&id),
                None => !moved_labels.contains(&l.label),
            })
            .map(|mut l| {
                if let Some((_, issuer)) =
                    re_enroll.iter().find(|(id, _)| Some(*id) == l.account_id)
                {
                    l.cause = LeftOutCause::ManagedOtpNotSent { issuer: issuer.clone() };
                }
                l
            })
            .collect();
        let key = TransferKey::generate(self.random)?;
        let pairs: Vec<(&OtpParams, &str)> =
            plan.accounts.iter().map(|a| (&a.params, a.note.as_str())).collect();
        let bytes = package::seal(&pairs, moving, &key, self.random)?;
        let accounts: Vec<i64> = plan.accounts.iter().map(|a| a.id).collect();
        let event =
            ActivityEvent::Exported { account_ids: accounts.clone(), format: EXPORT_FORMAT.into() };
        self.vault.with_vault(|v| v.log(&event))?;
        Ok(TransferExport { key, bytes, accounts, enrollments, left_out })
    }

    /// Reads a transfer package with its one-time key and moves it into this vault: adds
    /// the accounts (each reported as an import reports it), then for each enrollment enrolls
    /// with new device keys, makes the first authenticated call to the provider (which
    /// revokes the old phone's device) and, where the old phone had phone sign-in, enables
    /// it with a fresh user-verification key. One enrollment failing does not stop the
    /// others. A wrong key or an altered file changes nothing.
    pub fn import_transfer(
        &self,
        data: &[u8],
        key: &TransferKey,
        device_name: &str,
        now: i64,
    ) -> Result<TransferImport, TransferError> {
        let (entries, moving) = package::open(data, key)?;
        let parsed = Parsed { format: Format::NyckelBackup, entries, notes: Vec::new() };
        let options = ImportOptions { dry_run: false, keep_good: true };
        let accounts = self.vault.with_vault(|v| Ok(import::apply(v, parsed, options)))??;
        let enrollments = moving
            .iter()
            .enumerate()
            .map(|(i, m)| EnrollmentMove {
                position: i + 1,
                label: uri_label(&m.uri),
                outcome: self.move_enrollment(m, device_name, now),
            })
            .collect();
        Ok(TransferImport { accounts, enrollments })
    }

    fn move_enrollment(
        &self,
        m: &TransferEnrollment,
        device_name: &str,
        now: i64,
    ) -> Result<MovedEnrollment, ApprovalError> {
        let (enrolled, added) = self.enroll_with(&m.uri, device_name, None, now, true)?;
        let managed_otp = match (&enrolled.otp_account, enrolled.enrollment.otp_managed) {
            (Some(a), true) => Some(ManagedOtp {
                account_id: a.id,
                label: crate::import::label_of(&a.params.issuer, &a.params.name),
                added,
            }),
            _ => None,
        };
        // Any authenticated call confirms the move at the provider; fetching the pending
        // requests is one that changes nothing else.
        let confirmed = self.pending_for(enrolled.enrollment_id, now).map(drop);
        let phone_signin =
            m.phone_signin.then(|| self.enable_phone_signin(enrolled.enrollment_id, now));
        Ok(MovedEnrollment { enrolled, confirmed, phone_signin, managed_otp })
    }
}

/// How an export names an enrollment it leaves out (`export::plan`).
fn enrollment_label(e: &protocol::Enrollment) -> String {
    format!("{} at {}", e.account_name, e.base_url)
}

/// The provider's display name, or its URL when it has none.
fn provider_name(e: &protocol::Enrollment) -> String {
    if e.issuer.trim().is_empty() {
        e.base_url.clone()
    } else {
        e.issuer.clone()
    }
}

/// "anna at https://idp.example.se" from an enrollment URI, or "an enrollment" when it does
/// not parse (enrolling then reports why).
fn uri_label(uri: &str) -> String {
    EnrollUri::parse(uri)
        .map(|u| format!("{} at {}", u.account, u.base_url))
        .unwrap_or_else(|_| "an enrollment".into())
}
