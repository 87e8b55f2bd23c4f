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
    /// No response from the provider (network down, timeout).
    #[error("could not reach the provider: {0}")]
    Transport(String),
}
