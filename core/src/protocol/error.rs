//! Errors of the push protocol. Messages are one line and never contain keys, nonces,
//! numbers, activation codes or other secrets.

use super::keys::KeyStoreError;
use super::uri::UriError;

/// Error codes a provider returns: the wire vocabulary's [`super::wire::ErrorCode`], shared
/// with the provider (one enum, so a code cannot drift between the two sides).
pub use super::wire::ErrorCode as ProviderCode;

/// Why a protocol step failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// The enrollment QR code could not be used.
    #[error("unusable enrollment code: {0}")]
    Uri(#[from] UriError),
    /// The device key store failed (for the device key, or a prompt of the phone sign-in
    /// key that the user cancelled or failed).
    #[error("device key store: {0}")]
    KeyStore(#[from] KeyStoreError),
    /// The phone sign-in key (not the device key) is gone or unusable: `NotFound` (deleted,
    /// or invalidated by a change of the enrolled biometrics), `Unavailable`, `Other`. The
    /// enrollment and its device key are fine; enabling phone sign-in again creates a new
    /// key. A prompt the user cancelled or failed stays [`ProtocolError::KeyStore`].
    #[error("phone sign-in key: {0}")]
    PhoneSigninKey(KeyStoreError),
    /// The key store returned a signature that is not DER or does not verify.
    #[error("the device key store returned an invalid signature")]
    BadPlatformSignature,
    /// The key store returned something that is not an uncompressed P-256 public key.
    #[error("the device key store returned an invalid public key")]
    BadPlatformKey,
    /// The provider answered with an error (the sentence per code is in [`crate::error`]).
    #[error("{}", crate::error::provider_sentence(code, *status))]
    Provider {
        /// HTTP status.
        status: u16,
        /// The provider's error code.
        code: ProviderCode,
    },
    /// The device clock was off; the clock offset was corrected from signed server time.
    /// Build the request again and resend it once.
    #[error("this device's clock is too far from the provider's, even after correcting for it; check the date and time")]
    ClockSkew,
    /// The response is not what the protocol says (bad JSON, missing or mistyped field).
    #[error(
        "the provider's answer is not valid Nyckel protocol (malformed: {0}); nothing was changed"
    )]
    Malformed(&'static str),
    /// The response body is larger than allowed.
    #[error("the provider's answer is too large; nothing was changed")]
    TooLarge,
    /// The provider signature does not verify with the pinned key.
    #[error("the provider's answer is not signed by the key pinned at enrollment, so it was ignored (an attack, or the provider changed its key: then enroll again)")]
    BadProviderSignature,
    /// The provider's key does not match the fingerprint from the QR code.
    #[error("the provider's key does not match the fingerprint in the enrollment code, so nothing was stored; the code may be forged or the connection intercepted: do not use it")]
    ProviderKeyMismatch,
    /// A signed payload of the wrong type, version, or answering another request.
    #[error(
        "the provider's answer is not valid Nyckel protocol (unexpected {0}); nothing was changed"
    )]
    UnexpectedPayload(&'static str),
    /// A signed payload names another device, account, origin or request.
    #[error("the provider's answer is about another {0}, so it was ignored (possible attack); nothing was changed")]
    Substituted(&'static str),
    /// The sign-in request has expired (by provider time).
    #[error("the sign-in request expired before it was answered; start the sign-in again")]
    Expired,
    /// The typed number is not a two-digit number (10–99).
    #[error("the number must be two digits (10-99)")]
    InvalidNumber,
    /// A passwordless request needs phone sign-in, which is not enabled for this account.
    #[error("this is a passwordless sign-in request, which needs phone sign-in; it is not enabled for this account on this device")]
    PhoneSigninNotEnabled,
    /// The signature counter cannot be increased any further.
    #[error("this enrollment's signature counter is used up")]
    CounterExhausted,
    /// The random source gave nothing (a starved platform); nothing was sent.
    #[error("this device could not make a random nonce; nothing was sent")]
    NoRandomness,
    /// The enrollment record itself is inconsistent (e.g. a corrupted stored key).
    #[error("the stored enrollment is damaged ({0})")]
    InvalidEnrollment(&'static str),
}

impl From<crate::random::NoRandomness> for ProtocolError {
    fn from(_: crate::random::NoRandomness) -> Self {
        ProtocolError::NoRandomness
    }
}

impl ProtocolError {
    /// Tags a key-store failure of the phone sign-in key as [`ProtocolError::PhoneSigninKey`]
    /// (a cancelled or failed prompt stays [`ProtocolError::KeyStore`]), and so a signature
    /// or public key from that key that does not check out; any other error is returned as
    /// it is.
    pub fn of_phone_signin_key(self) -> Self {
        match self {
            ProtocolError::KeyStore(
                KeyStoreError::UserCancelled | KeyStoreError::UserVerificationFailed,
            ) => self,
            ProtocolError::KeyStore(e) => ProtocolError::PhoneSigninKey(e),
            ProtocolError::BadPlatformSignature | ProtocolError::BadPlatformKey => {
                ProtocolError::PhoneSigninKey(KeyStoreError::Other(self.to_string()))
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_signin_key_failures_are_tagged_but_prompts_are_not() {
        let tagged = |e: ProtocolError| e.of_phone_signin_key();
        assert_eq!(
            tagged(ProtocolError::KeyStore(KeyStoreError::NotFound)),
            ProtocolError::PhoneSigninKey(KeyStoreError::NotFound)
        );
        for e in [ProtocolError::BadPlatformSignature, ProtocolError::BadPlatformKey] {
            assert!(matches!(tagged(e), ProtocolError::PhoneSigninKey(KeyStoreError::Other(_))));
        }
        for prompt in [KeyStoreError::UserCancelled, KeyStoreError::UserVerificationFailed] {
            assert_eq!(
                tagged(ProtocolError::KeyStore(prompt.clone())),
                ProtocolError::KeyStore(prompt)
            );
        }
        assert_eq!(tagged(ProtocolError::Expired), ProtocolError::Expired);
    }
}
