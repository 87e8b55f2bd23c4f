//! `nyckel-idp`: the reference identity provider of the Nyckel push protocol v1
//! (`docs/protocol.md`). An axum HTTP server over SQLite with the device API
//! (`/nyckel/v1/…`), the sign-in and account web pages, and an admin CLI.
//!
//! Start it in-process with [`serve`] (async) or [`spawn_background`] (blocking helper that
//! runs its own runtime on a thread). The admin operations in [`admin`] work directly on the
//! database file, also while a server runs.

pub mod admin;
pub mod api;
pub mod clock;
pub mod config;
pub mod db;
pub mod error;
pub mod provider;
pub mod server;
pub mod signin;
pub mod verify;
pub mod web;

mod html;
mod ids;

pub use clock::Clock;
pub use config::Config;
pub use error::ApiError;
pub use server::{serve, spawn_background, spawn_background_with, ServerHandle};
