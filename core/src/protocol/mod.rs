//! The Nyckel push protocol v1, app side (see `docs/protocol.md`).
//!
//! Sans-I/O and synchronous: every step builds an [`HttpRequest`] for the caller to send and
//! consumes the [`HttpResponse`] it got back. Nothing here opens a socket. Device keys live
//! behind the [`DeviceKeyStore`] trait (platform keystores, or [`SoftwareKeyStore`]).
//!
//! Order of calls for an app:
//! 1. [`EnrollUri::parse`] the QR code, [`enroll::begin`], send, [`enroll::EnrollState::finish`];
//!    persist the returned [`Enrollment`].
//! 2. On a push (or when polling): [`fetch_pending`], send, [`parse_pending`].
//! 3. [`respond()`] with a [`Decision`] (this bumps the signature counter: persist the
//!    enrollment **before** sending), send, [`parse_respond_result`].
//! 4. Phone sign-in: [`enable_phone_signin`] / [`disable_phone_signin`], send, `finish`.
//! 5. Maintenance: [`update_push_token`] when the platform rotates it; [`unenroll`] then
//!    [`delete_keys`] when the user removes the account.
//! 6. Moving to a new phone: [`request_transfer`], send, [`TransferRequest::finish`]; the new
//!    phone enrolls with the offer's URI (step 1, new keys).

pub mod activity;
pub mod assertion;
pub mod device;
pub mod enroll;
mod error;
mod http;
pub mod keys;
mod new_key;
pub mod pending;
pub mod phone_signin;
pub mod respond;
pub mod time;
pub mod transfer;
pub mod uri;
pub mod wire;

mod envelope;
mod url;

pub use activity::ActivityRecord;
pub use device::{
    delete_keys, standing, unenroll, update_push_token, DeviceAck, Standing, StandingCheck,
};
pub use enroll::{EnrollState, Enrollment, PhoneSignin};
pub use error::{ProtocolError, ProviderCode};
pub use http::{HttpRequest, HttpResponse};
pub use keys::{AttestedKey, DeviceKeyStore, KeyStoreError, PinSource, SoftwareKeyStore};
pub use new_key::NewKey;
pub use pending::{fetch_pending, parse_pending, PendingFetch, PendingRequest, RequestKind};
pub use phone_signin::{
    disable_phone_signin, enable_phone_signin, request_phone_signin_challenge,
    PhoneSigninChallengeFetch, PhoneSigninDisable, PhoneSigninEnable,
};
pub use respond::{
    parse_respond_answer, parse_respond_result, respond, Decision, ReportBlock, RespondAnswer,
    RespondOutcome,
};
pub use time::{sync_time, TimeSync};
pub use transfer::{request_transfer, TransferOffer, TransferRequest};
pub use uri::{EnrollUri, UriError};

/// Protocol version implemented here.
pub const PROTOCOL_VERSION: u32 = 1;

/// Default lifetime of a sign-in request, in seconds.
pub const DEFAULT_REQUEST_TTL: i64 = 120;

/// How far a device-signed request's timestamp may be from the provider clock, in seconds.
pub const MAX_CLOCK_SKEW: i64 = 300;

#[cfg(test)]
mod tests;
#[cfg(test)]
pub(crate) mod testutil;
