//! The activity log: what happened to the vault, sealed like accounts.

use rusqlite::{params, Transaction};
use serde::Serialize;

use super::error::VaultError;
use super::records::{self, EventRecord};
use super::store::Vault;
use crate::protocol::ActivityRecord;

const TABLE: &str = "activity";

/// Something that happened, as recorded in the log. Stored as a `records::EventRecord` (its own
/// frozen format); the serde form here is what `nyckel activity --json` prints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ActivityEvent {
    /// An account was added.
    AccountAdded { account_id: i64, issuer: String, name: String },
    /// An account's issuer, name or note changed (the new issuer and name).
    AccountEdited { account_id: i64, issuer: String, name: String },
    /// An account was deleted.
    AccountRemoved { account_id: i64, issuer: String, name: String },
    /// Secrets left the vault (QR shown, URI printed, export file written).
    Exported { account_ids: Vec<i64>, format: String },
    /// This device was enrolled for push approvals with a provider.
    Enrolled { enrollment_id: i64, provider: String, account_name: String },
    /// An enrollment was removed from this device.
    EnrollmentRemoved { enrollment_id: i64, provider: String, account_name: String },
    /// Phone sign-in was enabled or disabled for an enrollment.
    PhoneSignin { enrollment_id: i64, account_name: String, enabled: bool },
    /// A sign-in request was approved, denied or reported, with the context the user saw.
    SignIn { enrollment_id: i64, record: ActivityRecord },
}

impl std::fmt::Display for ActivityEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let label = |issuer: &str, name: &str| match (issuer.is_empty(), name.is_empty()) {
            (false, false) => format!("{issuer} ({name})"),
            (false, true) => issuer.to_owned(),
            _ => name.to_owned(),
        };
        match self {
            ActivityEvent::AccountAdded { issuer, name, .. } => {
                write!(f, "added {}", label(issuer, name))
            }
            ActivityEvent::AccountEdited { issuer, name, .. } => {
                write!(f, "edited {}", label(issuer, name))
            }
            ActivityEvent::AccountRemoved { issuer, name, .. } => {
                write!(f, "removed {}", label(issuer, name))
            }
            ActivityEvent::Exported { account_ids, format } => {
                write!(f, "exported {} account(s) as {format}", account_ids.len())
            }
            ActivityEvent::Enrolled { provider, account_name, .. } => {
                write!(f, "enrolled {account_name} for sign-in approvals with {provider}")
            }
            ActivityEvent::EnrollmentRemoved { provider, account_name, .. } => {
                write!(f, "removed enrollment of {account_name} with {provider}")
            }
            ActivityEvent::PhoneSignin { account_name, enabled, .. } => {
                write!(
                    f,
                    "phone sign-in {} for {account_name}",
                    if *enabled { "enabled" } else { "disabled" }
                )
            }
            ActivityEvent::SignIn { record, .. } => {
                let place = [record.location.as_str(), record.ip.as_str()]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ");
                write!(
                    f,
                    "{} {} sign-in of {} to {}",
                    record.decision,
                    record.kind.as_str(),
                    record.account_name,
                    record.app
                )?;
                if !place.is_empty() {
                    write!(f, " from {place}")?;
                }
                write!(f, ": {}", record.result)
            }
        }
    }
}

/// One log entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivityEntry {
    /// Log id (increasing).
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    /// What happened.
    pub event: ActivityEvent,
}

impl Vault {
    /// Appends `event` inside the caller's transaction, so the log and the change it
    /// describes commit together.
    pub(super) fn log_in(
        &self,
        tx: &Transaction<'_>,
        event: &ActivityEvent,
        at: i64,
    ) -> Result<(), VaultError> {
        tx.execute("INSERT INTO activity (at, sealed) VALUES (?1, x'')", [at])?;
        let id = tx.last_insert_rowid();
        let sealed = self.seal(TABLE, id, &records::to_json(&EventRecord::new(event)))?;
        tx.execute("UPDATE activity SET sealed = ?1 WHERE id = ?2", params![sealed, id])?;
        Ok(())
    }

    /// Records an event on its own.
    pub fn log(&mut self, event: &ActivityEvent) -> Result<(), VaultError> {
        let tx = self.begin()?;
        self.log_in(&tx, event, super::store::now())?;
        tx.commit()?;
        Ok(())
    }

    /// The newest `limit` entries, newest first.
    pub fn activity(&self, limit: usize) -> Result<Vec<ActivityEntry>, VaultError> {
        let limit = limit.min(i64::MAX as usize) as i64;
        self.entries("SELECT id, at, sealed FROM activity ORDER BY id DESC LIMIT ?1", limit)
    }

    /// The entries recorded after `after` (Unix seconds, exclusive), newest first.
    pub fn activity_after(&self, after: i64) -> Result<Vec<ActivityEntry>, VaultError> {
        self.entries("SELECT id, at, sealed FROM activity WHERE at > ?1 ORDER BY id DESC", after)
    }

    fn entries(&self, sql: &str, arg: i64) -> Result<Vec<ActivityEntry>, VaultError> {
        self.key()?;
        let mut st = self.conn.prepare(sql)?;
        let rows = st.query_map([arg], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, Vec<u8>>(2)?))
        })?;
        rows.map(|row| {
            let (id, at, sealed) = row?;
            let plain = self.open_sealed(TABLE, id, &sealed)?;
            let record: EventRecord = serde_json::from_slice(&plain)
                .map_err(|_| VaultError::Corrupt(format!("activity entry {id} is unreadable")))?;
            Ok(ActivityEntry { id, at, event: record.into_event() })
        })
        .collect()
    }
}
