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

//!
//! Inside, three layers, each calling only the one below (and the shared leaves `model`,
//! `error`, `config`, `ids`):
//!
//! - handlers (`server`, `web`, `state`): HTTP in and out, the one error→HTTP mapping;
//! - domain (`signin`, `push_budget`, `devices`, `admin`, `identity`, `verify`): the
//!   protocol's rules, returning [`Error`];
//! - storage (`storage`): the [`storage::Store`](crate) trait in domain records, all SQL and
//!   the schema; SQLite is the embedded default.

// Handlers.
mod account_web;
mod base_path;
mod code_html;
mod code_web;
mod connections;
mod eam_web;
mod lang_web;
mod oidc_web;
mod server;
mod state;
mod step_up_web;
mod web;

// Domain.
mod admin;
mod argon_memory;
pub mod attestation;
mod decoys;
mod devices;
mod eam;
mod guessing;
mod identity;
mod known_browser;
mod lost;
mod oidc;
mod open_requests;
mod otp;
mod phone_challenge;
mod push_budget;
mod removal;
mod retention;
mod signin;
mod step_up;
mod verify;

// Storage.
mod storage;

// Shared leaves.
mod config;
mod eam_model;
mod error;
mod handle;
mod html;
pub mod i18n;
mod ids;
#[cfg(test)]
mod layers;
mod model;
mod oidc_model;
mod qr;
mod user_name;

pub use admin::{Enrollment, PhoneReplacement, MAX_PASSWORD};
pub use attestation::{
    AndroidApp, AndroidKeyPolicy, AppAttestPolicy, AttestationError, KeyAttestationPolicy,
    RevocationFile,
};
pub use config::{
    Config, GuessingLimits, OpenRequestLimits, PushBudgetLimits, Retention, ServerLimits,
};
pub use eam::service::EamSpec;
pub use eam_model::EamMethod;
pub use error::Error;
pub use handle::SigningKeyInfo;
pub use handle::{OpenError, Provider};
pub use model::{DeletedUser, DeviceInfo, EventInfo, Purged, PushTrigger, UserInfo};
pub use nyckel_core::protocol::wire::{ErrorCode, RequestKind};
pub use oidc::client::{ClientSpec, NewClient};
pub use oidc_model::{Client, SigningAlg};
pub use qr::{qr_png, write_qr_png};
pub use server::ServerHandle;
pub use signin::{SigninFrom, Started, Status};

/// Test-only access for harnesses (feature `testing`): nothing here is part of the provider.
#[cfg(feature = "testing")]
#[doc(hidden)]
pub mod testing {
    pub use crate::attestation::test_chain;
    pub use crate::storage::LockedWrites;
}

/// The parsers and validators that take hostile input, for the cargo-fuzz targets in `fuzz/`
/// (feature `fuzzing`): OpenID Connect authorization, token and logout requests, Entra's
/// external authentication method requests, hints and key sets, and device assertions. They
/// are the functions the HTTP handlers call, free of storage and HTTP; nothing here is part of
/// the provider's API.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::eam::{answer as eam_answer, hint, jwks, request as eam_request};
    pub use crate::oidc::{authorize, client, error, keys, logout, token};
    pub use crate::oidc_model::SignInMethod;

    /// The provider's checks of a device's assertion (`respond`).
    pub mod verify {
        pub use crate::verify::{check, decode, AssertionBody, Checked, Decided, Expected};
    }

    /// The provider's reading of device-signed requests: the device-auth headers, the
    /// enrollment body and the phone sign-in body (with its challenge).
    pub mod device {
        pub use crate::attestation::{check as check_attestation, parse_key_description};
        pub use crate::devices::{
            read_enrollment, read_legacy_phone_signin, read_phone_signin, CheckedPhoneSignin,
        };
        pub use crate::phone_challenge::ChallengeKey;
        pub use crate::verify::DeviceAuth;
    }
}
