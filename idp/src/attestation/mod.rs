//! Platform attestation of phone sign-in keys (`docs/protocol.md` §4.4, §9): what a provider
//! that requires it accepts. v1 verifies **Android Key Attestation** (an X.509 chain whose
//! leaf carries the key description extension) up to roots the administrator configures;
//! Apple App Attest is described in the protocol but not verified here.
//!
//! What it proves: the key was generated inside the phone's TEE or StrongBox, for signing
//! only, usable only after user authentication for each signature, for this provider's
//! single-use challenge. What it cannot prove: that the phone's TEE itself is not
//! compromised (a leaked attestation key signs anything), or that the user at the prompt is
//! the phone's owner.

mod android;
mod key_description;
#[cfg(any(test, feature = "testing"))]
pub mod test_chain;
#[cfg(test)]
mod tests;

use nyckel_core::protocol::wire::{unb64, KeyAttestation, ATTESTATION_ANDROID_KEY};

/// Whether (and how) the provider requires an attestation of a phone sign-in key.
#[derive(Clone, Default)]
pub enum KeyAttestationPolicy {
    /// Phone sign-in keys are registered without attestation (an attestation sent is not
    /// checked): the provider trusts the app that the key is hardware-backed and gated.
    #[default]
    NotRequired,
    /// Every phone sign-in key needs an Android Key Attestation chain up to one of these
    /// roots (DER certificates: Google's hardware attestation roots in production).
    AndroidKey {
        /// Trusted root certificates, DER.
        roots: Vec<Vec<u8>>,
    },
}

impl std::fmt::Debug for KeyAttestationPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyAttestationPolicy::NotRequired => f.write_str("NotRequired"),
            KeyAttestationPolicy::AndroidKey { roots } => {
                write!(f, "AndroidKey {{ roots: {} }}", roots.len())
            }
        }
    }
}

/// Why an attestation was refused (each a check of §4.4; no secret in any).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AttestationError {
    /// The provider requires an attestation and the request had none.
    #[error("an attestation of the key is required")]
    Missing,
    /// A format other than `android-key`.
    #[error("unsupported attestation format")]
    UnsupportedFormat,
    /// No certificate, or more than [`MAX_CHAIN`].
    #[error("the certificate chain is empty or too long")]
    ChainLength,
    /// A certificate that is not b64url DER X.509 (its index, leaf 0).
    #[error("certificate {0} is malformed")]
    MalformedCertificate(usize),
    /// A certificate not signed by the next one's key (its index).
    #[error("certificate {0} is not signed by the next certificate")]
    ChainBroken(usize),
    /// A certificate outside its validity period now (its index).
    #[error("certificate {0} is not valid now")]
    NotValidNow(usize),
    /// The chain does not end at a configured root.
    #[error("the chain does not end at a trusted root")]
    UntrustedRoot,
    /// The leaf has no key description extension, or another certificate has one.
    #[error("no key description in the leaf certificate alone")]
    NoKeyDescription,
    /// The key description is not the DER the schema defines.
    #[error("the key description is malformed")]
    MalformedKeyDescription,
    /// The leaf attests another key than the one registered.
    #[error("the attestation is of another key")]
    WrongKey,
    /// The attestation challenge is not this registration's challenge.
    #[error("the attestation is for another challenge")]
    ChallengeMismatch,
    /// Attested by software (security level Software), not by a TEE or StrongBox.
    #[error("the key is not in secure hardware")]
    NotHardware,
    /// Not a P-256 EC key for signing, or imported rather than generated in hardware.
    #[error("the key is not a hardware-generated P-256 signing key")]
    WrongKeyProperties,
    /// `noAuthRequired` is set (in either list): the key signs without the user.
    #[error("the key does not require user authentication")]
    NoAuthRequired,
    /// The hardware does not enforce user authentication (`userAuthType` absent or 0).
    #[error("user authentication is not enforced by the hardware")]
    UserAuthNotEnforced,
    /// An `authTimeout` above 0: the key signs for a while after any unlock, not only
    /// behind a prompt for each signature.
    #[error("the key is usable without a prompt for each signature")]
    AuthValidityWindow,
}

/// Reads a key description extension's DER (fuzzing: the parser behind the signature).
#[cfg(feature = "fuzzing")]
pub use key_description::parse as parse_key_description;

/// Longest chain accepted (real chains have 3–5 certificates).
pub const MAX_CHAIN: usize = 6;

/// Checks the attestation a phone sent with a new phone sign-in key (`public_key`, SEC1)
/// registered for `challenge` (the raw challenge bytes), as `policy` requires, at `now`.
pub fn check(
    policy: &KeyAttestationPolicy,
    attestation: Option<&KeyAttestation>,
    public_key: &[u8],
    challenge: &[u8],
    now: i64,
) -> Result<(), AttestationError> {
    let roots = match policy {
        KeyAttestationPolicy::NotRequired => return Ok(()),
        KeyAttestationPolicy::AndroidKey { roots } => roots,
    };
    let a = attestation.ok_or(AttestationError::Missing)?;
    if a.format != ATTESTATION_ANDROID_KEY {
        return Err(AttestationError::UnsupportedFormat);
    }
    if a.chain.is_empty() || a.chain.len() > MAX_CHAIN {
        return Err(AttestationError::ChainLength);
    }
    let chain = a
        .chain
        .iter()
        .enumerate()
        .map(|(i, c)| unb64(c).ok_or(AttestationError::MalformedCertificate(i)))
        .collect::<Result<Vec<_>, _>>()?;
    android::verify(&chain, roots, public_key, challenge, now)
}
