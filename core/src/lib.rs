//! Nyckel core: everything the authenticator does, in pure Rust.
//!
//! - [`otpauth`]: the `otpauth://` Key URI format (parse, validate, canonical URI).
//! - [`codes`]: HOTP, TOTP and Steam codes.
//! - [`vault`]: the encrypted SQLite vault of accounts, key slots, enrollments and activity.
//! - [`protocol`]: the push-approval protocol v1, app side, sans-I/O (`docs/protocol.md`).
//! - [`import`]: reading other authenticators' exports and adding them to the vault.
//! - [`export`]: Nyckel backups and exports to other apps (device-bound keys never leave).
//! - [`approvals`]: protocol steps bound to the vault (persist counters, log decisions).
//! - [`transfer`]: moving to a new phone (transfer codes and the encrypted transfer package).
//! - [`clock`]: the device clock, injected (the one place that reads the system time).
//! - [`random`]: the random source, injected (the one place that reads the system's
//!   randomness).
//! - [`error`]: the one classification of every error (kind, next step, request over).
//!
//! The core never opens sockets; the only I/O it does is SQLite.

pub mod approvals;
pub(crate) mod argon;
pub mod clock;
pub mod codes;
pub mod error;
pub mod export;
pub mod import;
pub mod otpauth;
pub mod protocol;
pub mod random;
pub mod recovery;
pub(crate) mod registers;
pub mod secret;
#[cfg(any(test, feature = "test-support"))]
#[doc(hidden)]
pub mod test_support;
pub mod transfer;
pub mod vault;

pub use codes::{Code, CodeError};
pub use error::{Classify, ErrorKind, NextStep};
pub use otpauth::{Algorithm, OtpKind, OtpParams, ParseError, ParsedUri, Warning};
pub use secret::Secret;
