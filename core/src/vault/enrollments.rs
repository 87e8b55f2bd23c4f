//! Push-approval enrollments and the software device-key store, sealed like accounts.

use rusqlite::{params, OptionalExtension};
use zeroize::Zeroizing;

use super::accounts::Account;
use super::activity::ActivityEvent;
use super::error::VaultError;
use super::records::{self, EnrollmentRecord};
use super::store::{now, Vault};
use crate::otpauth::OtpParams;
use crate::protocol::Enrollment;

const TABLE: &str = "enrollments";
const KEY_STORE_TABLE: &str = "key_store";

/// An enrollment as stored, with its vault id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEnrollment {
    /// Stable id (never reused).
    pub id: i64,
    /// The enrollment.
    pub enrollment: Enrollment,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
}

impl Vault {
    /// Stores a new enrollment and, when the enrollment QR carried one, its OTP account —
    /// both in one transaction, logged. Returns the enrollment id and the account.
    pub fn add_enrollment(
        &mut self,
        enrollment: &Enrollment,
        otp: Option<OtpParams>,
    ) -> Result<(i64, Option<Account>), VaultError> {
        // A duplicate OTP account is fine here: re-enrolling the same account is normal.
        let (id, account) = self.add_enrollment_with(enrollment, otp, false)?;
        Ok((id, account.map(|(a, _)| a)))
    }

    /// [`Vault::add_enrollment`] for a phone move (`crate::transfer`): an OTP account with
    /// the same secret already in the vault (the package's copy, an earlier import) is linked
    /// to the enrollment instead of added twice. The account comes with `true` when it was
    /// added, `false` when it was already here.
    pub fn add_moved_enrollment(
        &mut self,
        enrollment: &Enrollment,
        otp: Option<OtpParams>,
    ) -> Result<(i64, Option<(Account, bool)>), VaultError> {
        self.add_enrollment_with(enrollment, otp, true)
    }

    fn add_enrollment_with(
        &mut self,
        enrollment: &Enrollment,
        otp: Option<OtpParams>,
        reuse_duplicate: bool,
    ) -> Result<(i64, Option<(Account, bool)>), VaultError> {
        if let Some(p) = &otp {
            self.check_new_account(p, "")?;
        }
        self.key()?;
        let existing = match &otp {
            Some(p) if reuse_duplicate => self.find_duplicate(p)?.map(|id| self.account(id)),
            _ => None,
        }
        .transpose()?;
        let at = now();
        let tx = self.begin()?;
        let account = match (otp, existing) {
            (Some(_), Some(a)) => Some((a, false)),
            (Some(p), None) => Some((self.insert_account_in(&tx, p, "", at)?, true)),
            (None, _) => None,
        };
        let account_id = account.as_ref().map(|(a, _)| a.id);
        let mut enrollment = enrollment.clone();
        enrollment.otp_account_id = account_id;
        tx.execute(
            "INSERT INTO enrollments (created_at, updated_at, sealed) VALUES (?1, ?1, x'')",
            [at],
        )?;
        let id = tx.last_insert_rowid();
        let sealed =
            self.seal(TABLE, id, &records::to_json(&EnrollmentRecord::new(&enrollment)))?;
        tx.execute("UPDATE enrollments SET sealed = ?1 WHERE id = ?2", params![sealed, id])?;
        let event = ActivityEvent::Enrolled {
            enrollment_id: id,
            provider: enrollment.base_url.clone(),
            account_name: enrollment.account_name.clone(),
        };
        self.log_in(&tx, &event, at)?;
        tx.commit()?;
        Ok((id, account))
    }

    /// All enrollments, oldest first.
    pub fn enrollments(&self) -> Result<Vec<StoredEnrollment>, VaultError> {
        self.key()?;
        let mut st = self
            .conn
            .prepare("SELECT id, created_at, updated_at, sealed FROM enrollments ORDER BY id")?;
        let rows =
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, Vec<u8>>(3)?)))?;
        rows.map(|row| {
            let (id, created_at, updated_at, sealed) = row?;
            self.decode_enrollment(id, created_at, updated_at, &sealed)
        })
        .collect()
    }

    /// One enrollment.
    pub fn enrollment(&self, id: i64) -> Result<StoredEnrollment, VaultError> {
        self.key()?;
        let (created_at, updated_at, sealed) = self
            .conn
            .query_row(
                "SELECT created_at, updated_at, sealed FROM enrollments WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, Vec<u8>>(2)?)),
            )
            .optional()?
            .ok_or(VaultError::EnrollmentNotFound(id))?;
        self.decode_enrollment(id, created_at, updated_at, &sealed)
    }

    fn decode_enrollment(
        &self,
        id: i64,
        created_at: i64,
        updated_at: i64,
        sealed: &[u8],
    ) -> Result<StoredEnrollment, VaultError> {
        let plain = self.open_sealed(TABLE, id, sealed)?;
        let record: EnrollmentRecord = serde_json::from_slice(&plain)
            .map_err(|_| VaultError::Corrupt(format!("enrollment {id} is unreadable")))?;
        let enrollment = record
            .into_enrollment()
            .map_err(|why| VaultError::Corrupt(format!("enrollment {id} {why}")))?;
        Ok(StoredEnrollment { id, enrollment, created_at, updated_at })
    }

    /// Changes a stored enrollment (signature counters, clock offset, phone sign-in): reads
    /// it, lets `merge` apply the change to what is stored *now*, and saves it with an
    /// optional activity entry, all in one IMMEDIATE transaction, so a second process
    /// committing the same counter waits and then sees the first one's value. `merge`
    /// returning `false` means "conflict: save nothing" (and gives `Ok(false)`). Committed
    /// with synchronous=FULL before returning, so a counter is persisted before the
    /// assertion using it leaves.
    pub fn modify_enrollment(
        &mut self,
        id: i64,
        event: Option<&ActivityEvent>,
        merge: impl FnOnce(&mut Enrollment) -> bool,
    ) -> Result<bool, VaultError> {
        self.key()?;
        let tx = self.begin()?;
        let mut latest = self.enrollment(id)?.enrollment;
        if !merge(&mut latest) {
            return Ok(false);
        }
        let sealed = self.seal(TABLE, id, &records::to_json(&EnrollmentRecord::new(&latest)))?;
        let at = now();
        tx.execute(
            "UPDATE enrollments SET sealed = ?1, updated_at = ?2 WHERE id = ?3",
            params![sealed, at, id],
        )?;
        if let Some(event) = event {
            self.log_in(&tx, event, at)?;
        }
        tx.commit()?;
        Ok(true)
    }

    /// Removes an enrollment (its keys are the caller's to delete from the key store).
    pub fn remove_enrollment(&mut self, id: i64) -> Result<Enrollment, VaultError> {
        self.key()?;
        let tx = self.begin()?;
        let stored = self.enrollment(id)?;
        tx.execute("DELETE FROM enrollments WHERE id = ?1", [id])?;
        let event = ActivityEvent::EnrollmentRemoved {
            enrollment_id: id,
            provider: stored.enrollment.base_url.clone(),
            account_name: stored.enrollment.account_name.clone(),
        };
        self.log_in(&tx, &event, now())?;
        tx.commit()?;
        Ok(stored.enrollment)
    }

    /// The sealed bytes of the software device-key store, if one was saved.
    pub fn software_key_store(&self) -> Result<Option<Zeroizing<Vec<u8>>>, VaultError> {
        self.key()?;
        let sealed: Option<Vec<u8>> = self
            .conn
            .query_row("SELECT sealed FROM key_store WHERE id = 1", [], |r| r.get(0))
            .optional()?;
        sealed.map(|s| self.open_sealed(KEY_STORE_TABLE, 1, &s)).transpose()
    }

    /// Reads the saved device-key store and writes `merge(saved)` back in one IMMEDIATE
    /// transaction, so another process's save cannot slip in between the read and the write
    /// (it waits for the lock instead). An error from `merge` leaves the saved store as it was.
    pub fn update_software_key_store<E: From<VaultError>>(
        &mut self,
        merge: impl FnOnce(Option<&[u8]>) -> Result<Zeroizing<Vec<u8>>, E>,
    ) -> Result<(), E> {
        self.key()?;
        let tx = self.begin()?;
        let sealed: Option<Vec<u8>> = tx
            .query_row("SELECT sealed FROM key_store WHERE id = 1", [], |r| r.get(0))
            .optional()
            .map_err(VaultError::from)?;
        let saved = sealed.map(|s| self.open_sealed(KEY_STORE_TABLE, 1, &s)).transpose()?;
        let bytes = merge(saved.as_deref().map(|b| &b[..]))?;
        let sealed = self.seal(KEY_STORE_TABLE, 1, &bytes)?;
        tx.execute(
            "INSERT INTO key_store (id, updated_at, sealed) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at, sealed = excluded.sealed",
            params![now(), sealed],
        )
        .map_err(VaultError::from)?;
        tx.commit().map_err(VaultError::from)?;
        Ok(())
    }
}
