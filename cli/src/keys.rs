//! The CLI's device keys: a [`SoftwareKeyStore`] kept sealed inside the vault.
//!
//! The store is read from the vault at the start of a command and written back after every
//! step that creates or deletes keys. A key the provider is about to learn must never be
//! lost, so [`DeviceKeys::saving`] also writes the store through a second connection to the
//! same vault **the moment a key is created**, before its public key is sent anywhere (the
//! [`Approvals`](nyckel_core::approvals::Approvals) calls hold the main handle, so there is no
//! other way to save between "begin" and "finish"). Deletions are only saved at the end,
//! once the vault's records no longer name the deleted key.

use std::path::Path;
use std::sync::{Arc, Mutex};

use nyckel_core::protocol::{DeviceKeyStore, KeyStoreError, PinSource, SoftwareKeyStore};
use nyckel_core::vault::{UnwrappedKey, Vault};

use crate::error::{CliError, Result};

/// The device-key store of one command run.
pub struct DeviceKeys {
    store: SoftwareKeyStore,
    /// A second, unlocked handle on the same vault, for saving new keys at once.
    saver: Option<Mutex<Vault>>,
}

impl std::fmt::Debug for DeviceKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceKeys").field("store", &self.store).field("saving", &self.saver.is_some()).finish()
    }
}

fn damaged(e: KeyStoreError) -> CliError {
    CliError::failure(format!("the device keys stored in the vault are unreadable ({e})"))
}

/// The store saved in `vault`, or an empty one.
pub fn load_store(vault: &Vault) -> Result<SoftwareKeyStore> {
    match vault.software_key_store()? {
        Some(bytes) => SoftwareKeyStore::from_bytes(&bytes).map_err(damaged),
        None => Ok(SoftwareKeyStore::new()),
    }
}

impl DeviceKeys {
    /// The keys in `vault`, for commands that only sign (approve, pending).
    pub fn load(vault: &Vault) -> Result<DeviceKeys> {
        Ok(DeviceKeys { store: load_store(vault)?, saver: None })
    }

    /// The keys in the (unlocked) `vault` at `path`; every key created is saved into the
    /// vault before `create_key` returns.
    pub fn saving(vault: &Vault, path: &Path) -> Result<DeviceKeys> {
        let store = load_store(vault)?;
        let mut second = Vault::open(path)?;
        second.unlock_with_unwrapped_key(UnwrappedKey::new(vault.key_for_wrapping()?.to_vec()))?;
        Ok(DeviceKeys { store, saver: Some(Mutex::new(second)) })
    }

    /// Sets where PINs for phone sign-in keys come from.
    pub fn set_pin_source(&self, source: Arc<dyn PinSource>) {
        self.store.set_pin_source(Some(source));
    }

    /// The underlying store.
    pub fn store(&self) -> &SoftwareKeyStore {
        &self.store
    }

    /// Aliases of the PIN-gated (phone sign-in) keys.
    pub fn pin_key_aliases(&self) -> Vec<String> {
        self.store.aliases().into_iter().filter(|a| self.store.is_user_verification_key(a) == Some(true)).collect()
    }

    /// Writes the whole store into the vault (after a step that created or deleted keys).
    pub fn save(&self, vault: &mut Vault) -> Result<()> {
        vault.set_software_key_store(&self.store.to_bytes())?;
        Ok(())
    }

    fn save_now(&self) -> std::result::Result<(), KeyStoreError> {
        let Some(saver) = &self.saver else { return Ok(()) };
        let mut vault = saver.lock().unwrap_or_else(|e| e.into_inner());
        vault
            .set_software_key_store(&self.store.to_bytes())
            .map_err(|e| KeyStoreError::Unavailable(format!("cannot save the new key in the vault: {e}")))
    }
}

impl DeviceKeyStore for DeviceKeys {
    fn create_key(&self, alias: String, user_verification: bool) -> std::result::Result<Vec<u8>, KeyStoreError> {
        let public = self.store.create_key(alias.clone(), user_verification)?;
        if let Err(e) = self.save_now() {
            // Not saved: forget it, so nothing is registered with a key we could lose.
            let _ = self.store.delete_key(alias);
            return Err(e);
        }
        Ok(public)
    }

    fn public_key(&self, alias: String) -> std::result::Result<Vec<u8>, KeyStoreError> {
        self.store.public_key(alias)
    }

    fn sign(&self, alias: String, message: Vec<u8>) -> std::result::Result<Vec<u8>, KeyStoreError> {
        self.store.sign(alias, message)
    }

    fn delete_key(&self, alias: String) -> std::result::Result<(), KeyStoreError> {
        self.store.delete_key(alias)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nyckel_core::vault::KdfParams;

    #[test]
    fn a_new_key_is_in_the_vault_before_create_key_returns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.nyckel");
        let mut vault = Vault::create(&path, "test passphrase", KdfParams::FLOOR).unwrap();
        let keys = DeviceKeys::saving(&vault, &path).unwrap();
        let public = keys.create_key("nyckel-device-x".into(), false).unwrap();
        // Nothing saved through `vault` yet: what is there came through the second handle.
        let on_disk = load_store(&vault).unwrap();
        assert_eq!(on_disk.public_key("nyckel-device-x".into()).unwrap(), public);
        // Deletions wait for `save`.
        keys.delete_key("nyckel-device-x".into()).unwrap();
        assert!(load_store(&vault).unwrap().public_key("nyckel-device-x".into()).is_ok());
        keys.save(&mut vault).unwrap();
        assert!(load_store(&vault).unwrap().aliases().is_empty());
    }

    #[test]
    fn loading_without_a_store_gives_an_empty_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.nyckel");
        let vault = Vault::create(&path, "test passphrase", KdfParams::FLOOR).unwrap();
        let keys = DeviceKeys::load(&vault).unwrap();
        assert!(keys.store().aliases().is_empty());
        assert!(keys.pin_key_aliases().is_empty());
        // Without a saver, creating a key saves nothing.
        keys.create_key("k".into(), false).unwrap();
        assert!(load_store(&vault).unwrap().aliases().is_empty());
    }
}
