//! Device keys for push approvals: the [`DeviceKeyStore`] trait the apps implement with the
//! platform key store, the [`SoftwareDeviceKeyStore`] Rust implementation (desktop, tests),
//! and the adapter to the core's `protocol::DeviceKeyStore`.

use std::sync::Arc;

use nyckel_core::protocol::keys::FixedPin;
use nyckel_core::protocol::wire::{self, ATTESTATION_ANDROID_KEY, ATTESTATION_APPLE_APP_ATTEST};
use nyckel_core::protocol::{self, KeyStoreError, SoftwareKeyStore};

use crate::error::DeviceKeyError;

/// A store of ECDSA P-256 signing keys addressed by alias: Android Keystore (StrongBox when
/// present), iOS Secure Enclave.
///
/// The user-verification gate belongs **inside** [`DeviceKeyStore::sign`]: a key created with
/// `user_verification = true` (the phone sign-in key) must only sign after the platform
/// verified the user — on Android a Keystore key with `setUserAuthenticationRequired(true)`
/// whose `Signature` is unlocked by `BiometricPrompt` as `CryptoObject`; on iOS a Secure
/// Enclave key with `SecAccessControl(.biometryCurrentSet)`, where `SecKeyCreateSignature`
/// shows Face ID itself. Keys without user verification (the device key) must sign without
/// any prompt: they sign every request to the provider.
///
/// Nyckel calls these on the thread that made the `NyckelApprovals` call, holding no lock,
/// so `sign` may block on a prompt as long as the user needs and may call back into Nyckel.
#[uniffi::export(rust, foreign)]
pub trait DeviceKeyStore: Send + Sync {
    /// Creates a new P-256 key under `alias` (never overwrite: `AlreadyExists`) and returns
    /// its SEC1 **uncompressed** public key (65 bytes, `0x04 ‖ X ‖ Y`).
    ///
    /// With `user_verification = true` (the phone sign-in key) the platform must enforce user
    /// verification for **every** signature — Android `setUserAuthenticationRequired(true)`
    /// with `setUserAuthenticationParameters(0, AUTH_BIOMETRIC_STRONG)`, no validity window;
    /// iOS `.biometryCurrentSet` in the Secure Enclave — or fail with `Unavailable`: never
    /// return a key that signs without the user. A provider that does not require key
    /// attestation cannot tell (docs/protocol.md §4.4, §9). Nyckel calls this only after the
    /// provider's single-use challenge arrived and signs it with the new key at once.
    fn create_key(&self, alias: String, user_verification: bool)
        -> Result<Vec<u8>, DeviceKeyError>;

    /// The SEC1 uncompressed public key (65 bytes) of an existing key; `NotFound` if none.
    fn public_key(&self, alias: String) -> Result<Vec<u8>, DeviceKeyError>;

    /// Signs `message` with ECDSA P-256 / SHA-256 (the store hashes) and returns the **DER**
    /// signature (`SEQUENCE { r, s }`, what `SHA256withECDSA` and `SecKeyCreateSignature`
    /// produce; never raw `r‖s`). For a user-verification key, verify the user first:
    /// `UserCancelled` / `UserVerificationFailed` when that fails.
    fn sign(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, DeviceKeyError>;

    /// Deletes the key; deleting a missing key is not an error.
    fn delete_key(&self, alias: String) -> Result<(), DeviceKeyError>;

    /// Creates the phone sign-in key as `create_key(alias, true)` does and has the platform
    /// attest it for the provider's single-use `challenge` (its raw bytes; docs/protocol.md
    /// §4.4), returning the key with its attestation — or `None`, having created **nothing**,
    /// when this phone cannot attest (Nyckel then calls `create_key`). Android: generate the
    /// key with `setAttestationChallenge(challenge)` and return
    /// `KeyStore.getCertificateChain(alias)`, leaf first, as [`AttestationFormat::AndroidKey`].
    /// iOS: create the Secure Enclave key, then have App Attest (`DCAppAttestService`) attest
    /// a new App Attest key for [`app_attest_client_data_hash`]`(challenge, public key)` and
    /// return its attestation object as the one item of `chain`, as
    /// [`AttestationFormat::AppleAppAttest`]. A provider that does not require attestation
    /// ignores it; one that does refuses a key without it.
    fn create_attested_key(
        &self,
        alias: String,
        challenge: Vec<u8>,
    ) -> Result<Option<AttestedKey>, DeviceKeyError>;
}

/// Which platform attestation an [`AttestedKey`] carries (docs/protocol.md §4.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum AttestationFormat {
    /// Android Key Attestation: `chain` is the key's certificate chain, leaf first, DER.
    AndroidKey,
    /// Apple App Attest: `chain` is one item, the attestation object (CBOR).
    AppleAppAttest,
}

/// A phone sign-in key created by [`DeviceKeyStore::create_attested_key`] and the platform's
/// attestation of it.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct AttestedKey {
    /// The SEC1 uncompressed public key (65 bytes).
    pub public_key: Vec<u8>,
    /// The attestation's format.
    pub format: AttestationFormat,
    /// The attestation: the certificate chain (Android) or the attestation object (iOS).
    pub chain: Vec<Vec<u8>>,
}

/// The `clientDataHash` an iOS key store gives App Attest's `attestKey` for the phone sign-in
/// key `public_key` (SEC1) and the provider's `challenge` (raw bytes): 32 bytes.
#[uniffi::export]
pub fn app_attest_client_data_hash(challenge: Vec<u8>, public_key: Vec<u8>) -> Vec<u8> {
    wire::app_attest_client_data_hash(&challenge, &public_key).to_vec()
}

/// The exported trait seen as the core's `protocol::DeviceKeyStore`.
pub(crate) struct KeysAdapter(pub(crate) Arc<dyn DeviceKeyStore>);

impl protocol::DeviceKeyStore for KeysAdapter {
    fn create_key(&self, alias: String, user_verification: bool) -> Result<Vec<u8>, KeyStoreError> {
        self.0.create_key(alias, user_verification).map_err(KeyStoreError::from)
    }
    fn public_key(&self, alias: String) -> Result<Vec<u8>, KeyStoreError> {
        self.0.public_key(alias).map_err(KeyStoreError::from)
    }
    fn sign(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, KeyStoreError> {
        self.0.sign(alias, message).map_err(KeyStoreError::from)
    }
    fn delete_key(&self, alias: String) -> Result<(), KeyStoreError> {
        self.0.delete_key(alias).map_err(KeyStoreError::from)
    }
    fn create_attested_key(
        &self,
        alias: String,
        challenge: Vec<u8>,
    ) -> Result<Option<protocol::AttestedKey>, KeyStoreError> {
        let attested = self.0.create_attested_key(alias, challenge).map_err(KeyStoreError::from)?;
        Ok(attested.map(|a| protocol::AttestedKey {
            public_key: a.public_key,
            format: match a.format {
                AttestationFormat::AndroidKey => ATTESTATION_ANDROID_KEY,
                AttestationFormat::AppleAppAttest => ATTESTATION_APPLE_APP_ATTEST,
            }
            .to_owned(),
            chain: a.chain,
        }))
    }
}

/// A software device-key store (ring P-256), for desktop use and tests — **not** for the
/// phone apps, which use the platform key store.
///
/// Keys live **in memory only**, in this object: they are gone when it is dropped, so
/// enrollments made with it cannot sign after the process ends. Keys created with user
/// verification are sealed with AES-256-GCM under Argon2id(PIN) and sign only when the
/// current PIN (see [`SoftwareDeviceKeyStore::set_pin`]) opens them: a wrong PIN gives
/// `UserVerificationFailed`, no PIN `UserCancelled` — the stand-in for a biometric prompt.
#[derive(uniffi::Object)]
pub struct SoftwareDeviceKeyStore {
    inner: SoftwareKeyStore,
}

#[uniffi::export]
impl SoftwareDeviceKeyStore {
    /// An empty store whose user-verification keys are sealed under (and opened with) `pin`.
    #[uniffi::constructor]
    pub fn new(pin: String) -> Arc<Self> {
        let store = SoftwareDeviceKeyStore { inner: SoftwareKeyStore::new() };
        store.set_pin(Some(pin));
        Arc::new(store)
    }

    /// Changes the PIN answered when a user-verification key signs (`None`: the "user"
    /// cancels). Existing keys stay sealed under the PIN they were created with.
    pub fn set_pin(&self, pin: Option<String>) {
        let pin = zeroize::Zeroizing::new(pin);
        self.inner.set_pin_source(
            pin.as_deref().map(|p| Arc::new(FixedPin::new(p)) as Arc<dyn protocol::PinSource>),
        );
    }

    /// The aliases of the keys in the store (no key material).
    pub fn aliases(&self) -> Vec<String> {
        self.inner.aliases()
    }
}

#[uniffi::export]
impl DeviceKeyStore for SoftwareDeviceKeyStore {
    fn create_key(
        &self,
        alias: String,
        user_verification: bool,
    ) -> Result<Vec<u8>, DeviceKeyError> {
        protocol::DeviceKeyStore::create_key(&self.inner, alias, user_verification)
            .map_err(DeviceKeyError::from)
    }
    fn public_key(&self, alias: String) -> Result<Vec<u8>, DeviceKeyError> {
        protocol::DeviceKeyStore::public_key(&self.inner, alias).map_err(DeviceKeyError::from)
    }
    fn sign(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, DeviceKeyError> {
        protocol::DeviceKeyStore::sign(&self.inner, alias, message).map_err(DeviceKeyError::from)
    }
    fn delete_key(&self, alias: String) -> Result<(), DeviceKeyError> {
        protocol::DeviceKeyStore::delete_key(&self.inner, alias).map_err(DeviceKeyError::from)
    }
    /// A software key cannot be attested: always `None`.
    fn create_attested_key(
        &self,
        _alias: String,
        _challenge: Vec<u8>,
    ) -> Result<Option<AttestedKey>, DeviceKeyError> {
        Ok(None)
    }
}
