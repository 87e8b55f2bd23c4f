//! `nyckel-idp`: the reference identity provider of the Nyckel push protocol v1
//! (`docs/protocol.md`). An axum HTTP server over SQLite with the device API
//! (`/nyckel/v1/…`), the sign-in and account web pages, and an admin CLI.
//!
//! Everything is driven through one handle, [`Provider`]: open a database with a policy
//! ([`Config`], [`Clock`]), administer it (users, enrollment codes, devices, events), start
//! sign-ins as the sign-in page would, and serve the HTTP API in-process
//! ([`Provider::spawn`]) or inside a runtime ([`Provider::serve`]). Failures are [`Error`]s,
//! each with its wire [`ErrorCode`]. The wire messages themselves are
//! `nyckel_core::protocol::wire`, shared with the app.

mod admin;
mod api;
mod clock;
mod config;
mod db;
mod error;
mod handle;
mod html;
mod ids;
mod provider;
mod server;
mod signin;
mod state;
mod verify;
mod web;

pub use admin::{DeviceInfo, Enrollment, EventInfo, PushTrigger};
pub use clock::Clock;
pub use config::Config;
pub use error::Error;
pub use handle::{OpenError, Provider};
pub use nyckel_core::protocol::wire::{ErrorCode, RequestKind};
pub use server::ServerHandle;
pub use signin::{SigninFrom, Started, Status};
