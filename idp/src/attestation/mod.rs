//! Platform attestation of phone sign-in keys (`docs/protocol.md` §4.4, §9): what a provider
//! that requires it accepts. Two formats: **Android Key Attestation** (an X.509 chain whose
//! leaf carries the key description extension) up to roots the administrator configures, and
//! **Apple App Attest** (a CBOR attestation object) up to Apple's App Attestation root.
//!
//! What Android's proves: the key was generated inside the phone's TEE or StrongBox, for
//! signing only, usable only after user authentication for each signature, for this
//! provider's single-use challenge. What Apple's proves: the genuine app on a genuine Apple
//! device asked to register this key for this challenge (that the key is gated rests on that
//! app's code). Neither can prove that the phone's secure hardware is not compromised (a
//! leaked attestation key signs anything), or that the user at the prompt is the owner.

mod android;
mod apple;
#[cfg(test)]
mod apple_tests;
mod chain;
mod key_description;
mod revocation;
#[cfg(any(test, feature = "testing"))]
pub mod test_chain;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use nyckel_core::protocol::wire::{
    app_attest_client_data_hash, unb64, KeyAttestation, ATTESTATION_ANDROID_KEY,
    ATTESTATION_APPLE_APP_ATTEST,
};

pub use revocation::{RevocationFile, RevokedSerials};

/// Whether (and how) the provider requires an attestation of a phone sign-in key. The
/// default requires none: phone sign-in keys are registered without attestation (one sent
/// is not checked) and the provider trusts the app that the key is hardware-backed and gated.
#[derive(Clone, Debug, Default)]
pub struct KeyAttestationPolicy {
    /// Android Key Attestation, accepted under these rules; `None`: not accepted.
    pub android: Option<AndroidKeyPolicy>,
    /// Apple App Attest, accepted under these rules; `None`: not accepted.
    pub apple: Option<AppAttestPolicy>,
}

impl KeyAttestationPolicy {
    /// Requires an Android Key Attestation up to one of `roots`, with no further setting.
    pub fn android(roots: Vec<Vec<u8>>) -> KeyAttestationPolicy {
        KeyAttestationPolicy { android: Some(AndroidKeyPolicy::new(roots)), apple: None }
    }

    /// Whether every phone sign-in key needs an attestation.
    pub fn required(&self) -> bool {
        self.android.is_some() || self.apple.is_some()
    }
}

/// What an Apple App Attest attestation must show.
#[derive(Clone)]
pub struct AppAttestPolicy {
    /// Trusted roots, DER: Apple's App Attestation root ([`AppAttestPolicy::apple`]) unless
    /// the administrator gives others.
    pub roots: Vec<Vec<u8>>,
    /// The apps whose attestations count, as `TEAMID.bundleId` (the App ID).
    pub app_ids: Vec<String>,
    /// Also accept the development environment (`aaguid` `appattestdevelop`: builds signed
    /// for development); never in production.
    pub development: bool,
}

/// Apple's "Apple App Attestation Root CA" (SHA-256 of the DER
/// `1cb9823b…6242c932`; see the file's header and docs/protocol.md §4.4).
const APPLE_ROOT_PEM: &[u8] = include_bytes!("apple_app_attestation_root_ca.pem");

impl AppAttestPolicy {
    /// Apple's App Attestation root, production attestations of `app_ids` only.
    pub fn apple(app_ids: Vec<String>) -> AppAttestPolicy {
        use rustls_pki_types::pem::PemObject;
        let root = rustls_pki_types::CertificateDer::from_pem_slice(APPLE_ROOT_PEM)
            .map(|c| c.to_vec())
            .unwrap_or_default(); // the committed file; a test pins its bytes
        AppAttestPolicy { roots: vec![root], app_ids, development: false }
    }
}

impl std::fmt::Debug for AppAttestPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppAttestPolicy")
            .field("roots", &self.roots.len())
            .field("app_ids", &self.app_ids)
            .field("development", &self.development)
            .finish()
    }
}

/// What an Android Key Attestation must show beyond the checks every one gets
/// (`docs/protocol.md` §4.4): each setting off unless given.
#[derive(Clone, Default)]
pub struct AndroidKeyPolicy {
    /// Trusted root certificates, DER (Google's hardware attestation roots in production).
    pub roots: Vec<Vec<u8>>,
    /// Google's attestation status list: a chain with a listed certificate is refused.
    pub revocations: Option<Arc<RevocationFile>>,
    /// `rootOfTrust` must say the bootloader is locked and the boot verified
    /// (`deviceLocked` true, `verifiedBootState` Verified).
    pub require_verified_boot: bool,
    /// The apps that may create phone sign-in keys (package name and the SHA-256 of a
    /// signing certificate); empty: any app.
    pub apps: Vec<AndroidApp>,
    /// The oldest `osPatchLevel` accepted (YYYYMM, in the hardware-enforced list).
    pub min_os_patch_level: Option<u32>,
}

impl AndroidKeyPolicy {
    /// Only the root check (no other setting).
    pub fn new(roots: Vec<Vec<u8>>) -> AndroidKeyPolicy {
        AndroidKeyPolicy { roots, ..AndroidKeyPolicy::default() }
    }
}

impl std::fmt::Debug for AndroidKeyPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AndroidKeyPolicy")
            .field("roots", &self.roots.len())
            .field("revocations", &self.revocations)
            .field("require_verified_boot", &self.require_verified_boot)
            .field("apps", &self.apps)
            .field("min_os_patch_level", &self.min_os_patch_level)
            .finish()
    }
}

/// An Android app allowed to create phone sign-in keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AndroidApp {
    /// Its package name (`app.nyckel`).
    pub package: String,
    /// SHA-256 of its signing certificate (as `apksigner verify --print-certs` shows it).
    pub signing_cert_sha256: [u8; 32],
}

impl AndroidApp {
    /// Reads `PACKAGE:SHA256` (the digest in hexadecimal, colons allowed between bytes).
    pub fn parse(s: &str) -> Result<AndroidApp, String> {
        let (package, digest) = s.split_once(':').ok_or("expected PACKAGE:SHA256 (hexadecimal)")?;
        let hex: String = digest.chars().filter(|c| *c != ':').collect();
        let bytes = (0..hex.len())
            .step_by(2)
            .map(|i| hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
            .collect::<Option<Vec<u8>>>()
            .ok_or("the digest is not hexadecimal")?;
        let signing_cert_sha256 =
            bytes.try_into().map_err(|_| "the digest is not 32 bytes (SHA-256)".to_owned())?;
        if package.is_empty() {
            return Err("no package name".to_owned());
        }
        Ok(AndroidApp { package: package.to_owned(), signing_cert_sha256 })
    }
}

/// Why an attestation was refused (each a check of §4.4; no secret in any).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AttestationError {
    /// The provider requires an attestation and the request had none.
    #[error("an attestation of the key is required")]
    Missing,
    /// The app registered the key with key-proof layout v1 (no provider challenge, so
    /// nothing an attestation could be bound to): an app built before the challenge, which
    /// must be updated where the provider requires attestation.
    #[error("this app registers keys without a provider challenge (key-proof layout v1), which cannot be attested: update the app")]
    LegacyKeyProof,
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
    /// A certificate of the chain is on Google's status list, revoked or suspended (its
    /// index).
    #[error("certificate {0} is revoked")]
    Revoked(usize),
    /// The configured status list cannot be read now: every attestation is refused until
    /// it can (the administrator's log says why).
    #[error("the attestation status list is unavailable")]
    RevocationListUnavailable,
    /// `rootOfTrust` is missing, or says the bootloader is unlocked or the boot not verified.
    #[error("the phone's boot is not verified or its bootloader is unlocked")]
    BootNotVerified,
    /// The `attestationApplicationId` is missing or malformed, or names no allowed app.
    #[error("the key was created by an app that is not allowed")]
    AppNotAllowed,
    /// The hardware's `osPatchLevel` is missing or older than the provider's minimum.
    #[error("the phone's security patch level is too old")]
    PatchLevelTooOld,
    /// An App Attest object that is not the CBOR Apple defines (`fmt`, `attStmt.x5c`,
    /// `authData`), or a credential certificate without its nonce extension.
    #[error("the App Attest attestation is malformed")]
    MalformedAppAttest,
    /// The App Attest nonce is not for this challenge and key.
    #[error("the attestation is for another challenge or key")]
    NonceMismatch,
    /// The App Attest counter is not 0 (not a new key's attestation).
    #[error("the App Attest key is not new")]
    CounterNotZero,
    /// The App Attest environment is development and the provider accepts production only
    /// (or the `aaguid` is neither).
    #[error("the attestation is from another App Attest environment")]
    WrongEnvironment,
    /// The App Attest credential id is not the SHA-256 of the credential certificate's key.
    #[error("the App Attest key id does not match its certificate")]
    KeyIdMismatch,
}

/// Reads a key description extension's DER (fuzzing: the parser behind the signature).
#[cfg(feature = "fuzzing")]
pub use key_description::parse as parse_key_description;

/// Longest chain accepted (real chains have 3–5 certificates).
pub const MAX_CHAIN: usize = 6;

/// Whether a key registered with key-proof layout v1 (no challenge, so no attestation) is
/// acceptable under `policy`: only where attestation is not required.
pub(crate) fn check_legacy(policy: &KeyAttestationPolicy) -> Result<(), AttestationError> {
    if policy.required() {
        return Err(AttestationError::LegacyKeyProof);
    }
    Ok(())
}

/// Checks the attestation a phone sent with a new phone sign-in key (`public_key`, SEC1)
/// registered for `challenge` (the raw challenge bytes), as `policy` requires, at `now`.
pub fn check(
    policy: &KeyAttestationPolicy,
    attestation: Option<&KeyAttestation>,
    public_key: &[u8],
    challenge: &[u8],
    now: i64,
) -> Result<(), AttestationError> {
    if !policy.required() {
        return Ok(());
    }
    let a = attestation.ok_or(AttestationError::Missing)?;
    match (a.format.as_str(), &policy.android, &policy.apple) {
        (ATTESTATION_ANDROID_KEY, Some(android), _) => {
            check_android(a, android, public_key, challenge, now)
        }
        (ATTESTATION_APPLE_APP_ATTEST, _, Some(apple)) => {
            let [object] = a.chain.as_slice() else {
                return Err(AttestationError::ChainLength);
            };
            let object = unb64(object).ok_or(AttestationError::MalformedAppAttest)?;
            let hash = app_attest_client_data_hash(challenge, public_key);
            apple::verify(&object, apple, &hash, now)
        }
        _ => Err(AttestationError::UnsupportedFormat),
    }
}

fn check_android(
    a: &KeyAttestation,
    android: &AndroidKeyPolicy,
    public_key: &[u8],
    challenge: &[u8],
    now: i64,
) -> Result<(), AttestationError> {
    if a.chain.is_empty() || a.chain.len() > MAX_CHAIN {
        return Err(AttestationError::ChainLength);
    }
    let chain = a
        .chain
        .iter()
        .enumerate()
        .map(|(i, c)| unb64(c).ok_or(AttestationError::MalformedCertificate(i)))
        .collect::<Result<Vec<_>, _>>()?;
    android::verify(&chain, android, public_key, challenge, now)
}
