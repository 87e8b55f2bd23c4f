//! uniffi bindings over `nyckel-core` for the phone apps (Kotlin package `app.nyckel`,
//! Swift module `Nyckel`).
//!
//! Everything a user can do is reachable through this one API:
//! - free functions: [`parse_uri`], [`code_for_uri`];
//! - the vault object [`NyckelVault`] (create/open, unlock, accounts, codes, activity);
//! - one error enum [`NyckelError`]: the core's classification ([`ErrorKind`], [`NextStep`],
//!   whether a request is over) exported in `error.rs`; the apps only render it;
//! - the foreign trait [`VaultKeyProtector`] the platform implements with its key store;
//! - push approvals and phone sign-in: [`NyckelApprovals`] over the vault, the foreign
//!   traits [`DeviceKeyStore`] (platform signing keys; [`SoftwareDeviceKeyStore`] in Rust)
//!   and [`HttpClient`] (the platform's HTTP stack);
//! - import from other authenticators and export / backup ([`NyckelVault::import_file`],
//!   [`NyckelVault::import_google_transfer`], [`NyckelVault::export`]) in `transfer.rs`.
//!
//! All exports are synchronous: call them off the UI thread.

mod approvals;
mod error;
mod http;
mod keys;
mod otp;
mod phone_transfer;
mod protector;
mod recovery;
#[cfg(feature = "test-hooks")]
mod test_hooks;
mod transfer;
mod vault;
#[cfg(feature = "wiping-allocator")]
mod wiping_alloc;

/// Every block the library frees is zeroed first: see `wiping_alloc` for what that wipes.
#[cfg(feature = "wiping-allocator")]
#[global_allocator]
static ALLOCATOR: wiping_alloc::WipingAllocator = wiping_alloc::WipingAllocator;

pub use approvals::{
    EnrollmentInfo, FetchFailure, NyckelApprovals, PendingRequests, RemovedEnrollment,
    SignInOutcome, SignInRequest,
};
pub use error::{DeviceKeyError, HttpError, KeyProtectorError, NyckelError};
pub use http::{HttpClient, HttpHeader, HttpRequest, HttpResponse};
pub use keys::{
    app_attest_client_data_hash, AttestationFormat, AttestedKey, DeviceKeyStore,
    SoftwareDeviceKeyStore,
};
pub use nyckel_core::export::{ExportFormat, GoogleLimit};
pub use nyckel_core::{ErrorKind, NextStep};
pub use otp::{
    code_for_uri, nyckel_version, parse_uri, CodeInfo, HashAlgorithm, OtpInfo, OtpKind, ParseResult,
};
pub use phone_transfer::{is_transfer_qr, transfer_key_from_scan};
pub use protector::VaultKeyProtector;
pub use recovery::{check_recovery_code, generate_recovery_code};
pub use transfer::{
    google_transfer_progress, import_format_names, inspect_import_file, ExportPlan, ExportResult,
    ImportEntry, ImportFileInfo, ImportOutcome, ImportSummary, LeftOut, LeftOutCause,
    TransferProgress,
};
pub use vault::{
    kdf_default, kdf_minimum, AccountChanges, AccountCode, AccountInfo, ActivityEvent,
    ActivityInfo, AddedAccount, ExportVia, KdfSettings, ManualAccount, NyckelVault,
};

uniffi::setup_scaffolding!("nyckel");

#[cfg(test)]
mod approvals_tests;
#[cfg(all(test, feature = "wiping-allocator"))]
mod memory_tests;
#[cfg(test)]
mod misuse_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod transfer_tests;
