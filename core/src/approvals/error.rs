//! Errors of the approval flows: the vault's, the protocol's, or the transport's.

use crate::protocol::ProtocolError;
use crate::vault::VaultError;

/// A failed approval-flow step.
#[derive(Debug, thiserror::Error)]
pub enum ApprovalError {
    /// The vault failed (locked, not found, storage…).
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// The protocol step failed (provider refused, bad signature, expired…).
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    /// No response from the provider (network down, timeout). The text never carries the
    /// request's nonce, signature or query.
    #[error("cannot reach the provider: {0}")]
    Transport(String),
    /// The [`VaultAccess`](super::VaultAccess) has no open vault (the app closed it).
    #[error("the vault has been closed")]
    Closed,
    /// Other decisions on the same enrollment kept committing signature counters between
    /// this decision's read and write; nothing was sent. Try again.
    #[error("another approval for this account is in progress; try again")]
    Conflict,
    /// Phone sign-in of this enrollment was enabled or disabled by another call while this
    /// activation was on the network. Nothing was saved and this call's new key was
    /// deleted; the provider may hold either call's key: enable phone sign-in again.
    #[error("phone sign-in for this account was changed by another call at the same time, so this change was not saved")]
    PhoneSigninConflict,
    /// The push token is longer than the protocol allows; nothing was sent.
    #[error("the push token is too long")]
    PushTokenTooLong,
    /// The provider does not know the sign-in request the decision answered (any more): it
    /// was answered, withdrawn or expired and forgotten (the response call's `not_found`).
    #[error("the provider does not know this sign-in request (any more)")]
    RequestGone,
    /// The request id is not among the requests fetched last (see
    /// [`SignInRequests`](super::SignInRequests)): fetch the pending requests again.
    #[error("unknown sign-in request; refresh the list of pending requests")]
    UnknownRequest,
}
