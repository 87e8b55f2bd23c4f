//! Platform capabilities the apps implement in Kotlin / Swift (uniffi foreign traits).

use crate::error::KeyProtectorError;

/// Wraps and unwraps the vault key with a key that never leaves the platform's key store
/// (Android Keystore / iOS Keychain + Secure Enclave).
///
/// The user-presence check belongs *inside* these operations: on Android the wrapping key
/// requires user authentication and `unwrap` runs the cipher through `BiometricPrompt`'s
/// `CryptoObject`; on iOS the key is created with `SecAccessControl`
/// (`.biometryCurrentSet` / `.userPresence`) so the Keychain itself shows Face ID / Touch ID
/// when `unwrap` uses it. Nyckel never sees a "the user authenticated" boolean it would have
/// to trust.
///
/// Nyckel calls these on the thread that made the vault call, without holding any vault
/// lock, so an implementation may block on a prompt and may call back into the vault.
#[uniffi::export(foreign)]
pub trait VaultKeyProtector: Send + Sync {
    /// Encrypts `vault_key` (32 bytes) under the platform key; the result is stored in the
    /// vault file. May prompt the user.
    fn wrap(&self, vault_key: Vec<u8>) -> Result<Vec<u8>, KeyProtectorError>;

    /// Decrypts what [`VaultKeyProtector::wrap`] returned. Prompts the user (biometrics /
    /// device credential); throw `UserCancelled` if they dismiss it, `KeyInvalidated` if the
    /// platform key is gone.
    fn unwrap(&self, wrapped_key: Vec<u8>) -> Result<Vec<u8>, KeyProtectorError>;
}
