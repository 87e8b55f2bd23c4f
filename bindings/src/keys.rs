//! Device keys for push approvals: the [`DeviceKeyStore`] trait the apps implement with the
//! platform key store, the [`SoftwareDeviceKeyStore`] Rust implementation (desktop, tests),
//! and the adapter to the core's `protocol::DeviceKeyStore`.

use std::sync::Arc;

use nyckel_core::protocol::keys::FixedPin;
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
}
