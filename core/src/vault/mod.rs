//! The encrypted vault: one SQLite file holding key slots, sealed accounts and a sealed
//! activity log. The format is documented in `docs/vault-format.md`.
//!
//! A [`Vault`] is opened locked; unlocking with a passphrase or the platform key store
//! recovers the vault key, which [`Vault::lock`] wipes from memory again.

mod access;
mod accounts;
mod activity;
mod create;
pub(crate) mod crypto;
mod enrollments;
mod error;
mod records;
mod schema;
mod slots;
mod snapshot;
mod stamp;
mod store;

pub use accounts::{Account, AccountCode, AccountEdit, AddedAccount, BatchResult, DuplicatePolicy};
pub use activity::{ActivityEntry, ActivityEvent};
pub use enrollments::StoredEnrollment;
pub use error::VaultError;
pub use schema::{APPLICATION_ID, LATEST as SCHEMA_VERSION};
pub use slots::{KdfParams, KeyProtector, ProtectorError, SoftwareProtector};
pub use snapshot::{ChangeStamp, DetachedCodes};
pub use stamp::{FileStamp, SETTLE_SECONDS};
pub use store::{UnwrappedKey, Vault};

#[cfg(test)]
mod create_tests;
#[cfg(test)]
mod golden_tests;
#[cfg(all(test, unix))]
mod side_file_tests;
#[cfg(test)]
mod tests;
