//! `activity.sealed`: one log entry, tagged by `event` (record format 1).

use serde::{Deserialize, Serialize};

use crate::protocol::{ActivityRecord, RequestKind};
use crate::vault::ActivityEvent;

/// The sealed content of an activity row. Frozen: see the module rules. Schema-1 files hold
/// the first four events; schema 2 added the rest.
#[derive(Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub(in crate::vault) enum EventRecord {
    AccountAdded { account_id: i64, issuer: String, name: String },
    AccountEdited { account_id: i64, issuer: String, name: String },
    AccountRemoved { account_id: i64, issuer: String, name: String },
    Exported { account_ids: Vec<i64>, format: String },
    Enrolled { enrollment_id: i64, provider: String, account_name: String },
    EnrollmentRemoved { enrollment_id: i64, provider: String, account_name: String },
    PhoneSignin { enrollment_id: i64, account_name: String, enabled: bool },
    SignIn { enrollment_id: i64, record: SignInRecord },
}

/// `sign_in`'s `record`: the context the user saw when deciding.
#[derive(Serialize, Deserialize)]
pub(in crate::vault) struct SignInRecord {
    at: i64,
    provider: String,
    account_name: String,
    request_id: String,
    kind: KindRecord,
    app: String,
    ip: String,
    location: String,
    decision: String,
    result: String,
}

/// `record.kind`.
#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum KindRecord {
    Push,
    Passwordless,
}

impl EventRecord {
    /// The record of an event.
    pub(in crate::vault) fn new(event: &ActivityEvent) -> Self {
        use ActivityEvent as E;
        match event.clone() {
            E::AccountAdded { account_id, issuer, name } => {
                EventRecord::AccountAdded { account_id, issuer, name }
            }
            E::AccountEdited { account_id, issuer, name } => {
                EventRecord::AccountEdited { account_id, issuer, name }
            }
            E::AccountRemoved { account_id, issuer, name } => {
                EventRecord::AccountRemoved { account_id, issuer, name }
            }
            E::Exported { account_ids, format } => EventRecord::Exported { account_ids, format },
            E::Enrolled { enrollment_id, provider, account_name } => {
                EventRecord::Enrolled { enrollment_id, provider, account_name }
            }
            E::EnrollmentRemoved { enrollment_id, provider, account_name } => {
                EventRecord::EnrollmentRemoved { enrollment_id, provider, account_name }
            }
            E::PhoneSignin { enrollment_id, account_name, enabled } => {
                EventRecord::PhoneSignin { enrollment_id, account_name, enabled }
            }
            E::SignIn { enrollment_id, record } => {
                EventRecord::SignIn { enrollment_id, record: SignInRecord::new(record) }
            }
        }
    }

    /// The event.
    pub(in crate::vault) fn into_event(self) -> ActivityEvent {
        use ActivityEvent as E;
        match self {
            EventRecord::AccountAdded { account_id, issuer, name } => {
                E::AccountAdded { account_id, issuer, name }
            }
            EventRecord::AccountEdited { account_id, issuer, name } => {
                E::AccountEdited { account_id, issuer, name }
            }
            EventRecord::AccountRemoved { account_id, issuer, name } => {
                E::AccountRemoved { account_id, issuer, name }
            }
            EventRecord::Exported { account_ids, format } => E::Exported { account_ids, format },
            EventRecord::Enrolled { enrollment_id, provider, account_name } => {
                E::Enrolled { enrollment_id, provider, account_name }
            }
            EventRecord::EnrollmentRemoved { enrollment_id, provider, account_name } => {
                E::EnrollmentRemoved { enrollment_id, provider, account_name }
            }
            EventRecord::PhoneSignin { enrollment_id, account_name, enabled } => {
                E::PhoneSignin { enrollment_id, account_name, enabled }
            }
            EventRecord::SignIn { enrollment_id, record } => {
                E::SignIn { enrollment_id, record: record.into_record() }
            }
        }
    }
}

impl SignInRecord {
    fn new(r: ActivityRecord) -> Self {
        SignInRecord {
            at: r.at,
            provider: r.provider,
            account_name: r.account_name,
            request_id: r.request_id,
            kind: match r.kind {
                RequestKind::Push => KindRecord::Push,
                RequestKind::Passwordless => KindRecord::Passwordless,
            },
            app: r.app,
            ip: r.ip,
            location: r.location,
            decision: r.decision,
            result: r.result,
        }
    }

    fn into_record(self) -> ActivityRecord {
        ActivityRecord {
            at: self.at,
            provider: self.provider,
            account_name: self.account_name,
            request_id: self.request_id,
            kind: match self.kind {
                KindRecord::Push => RequestKind::Push,
                KindRecord::Passwordless => RequestKind::Passwordless,
            },
            app: self.app,
            ip: self.ip,
            location: self.location,
            decision: self.decision,
            result: self.result,
        }
    }
}
