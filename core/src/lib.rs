//! Nyckel core: everything the authenticator does, in pure Rust.
//!
//! - [`otpauth`]: the `otpauth://` Key URI format (parse, validate, canonical URI).
//! - [`codes`]: HOTP, TOTP and Steam codes.
//! - [`vault`]: the encrypted SQLite vault of accounts, key slots and activity.
//!
//! The core never opens sockets; the only I/O it does is SQLite.

pub mod codes;
pub mod otpauth;
pub mod protocol;
pub mod secret;
pub mod vault;

pub use codes::{Code, CodeError};
pub use otpauth::{Algorithm, OtpKind, OtpParams, ParseError, ParsedUri, Warning};
pub use secret::Secret;
