#![warn(missing_docs)]
//! The `nyckel` command-line authenticator: a thin layer over `nyckel-core`.
//!
//! `main.rs` parses arguments ([`cli`]) and dispatches to [`commands`]; everything that
//! prints goes through [`output`], every failure through [`error`].

pub mod agent;
pub mod cli;
pub mod commands;
#[cfg(feature = "demo")]
pub mod demo;
pub mod error;
pub mod input;
pub mod keys;
pub mod output;
pub mod passphrase;
pub mod pin;
pub mod process;
pub mod qr;
pub mod watch;
