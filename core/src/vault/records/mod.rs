//! The sealed records' persisted formats, frozen.
//!
//! Each record sealed into the vault (`accounts.sealed`, `enrollments.sealed`,
//! `activity.sealed`) is written and read through a type of this module, never through a
//! domain or protocol type: renaming a field of [`crate::protocol::Enrollment`] or a variant
//! of [`super::ActivityEvent`] changes the code, not the files people already have. The types
//! here mirror `docs/vault-format.md` field for field; the golden files in `golden/` (read by
//! `golden_tests.rs`) check that what they write is byte for byte what the schema-1 and
//! schema-2 builds wrote.
//!
//! Rules: never rename, retype or remove a field or variant here. A new optional field needs
//! `#[serde(default)]` and a `skip_serializing_if` that keeps old records' bytes unchanged; any
//! other change is a new record format (a new type next to the old one, decoded by version).
//!
//! Each record is decoded once, straight from the opened bytes, and its fields are moved (not
//! cloned) into the domain type.

mod account;
mod activity;
mod enrollment;

pub(super) use account::AccountRecord;
pub(super) use activity::EventRecord;
pub(super) use enrollment::EnrollmentRecord;

use zeroize::Zeroizing;

/// A record's JSON as written into the vault (compact `serde_json`), wiped on drop.
pub(super) fn to_json<T: serde::Serialize>(record: &T) -> Zeroizing<Vec<u8>> {
    // Records are plain structs of strings and numbers: serialising them cannot fail.
    Zeroizing::new(serde_json::to_vec(record).expect("a vault record serialises"))
}
