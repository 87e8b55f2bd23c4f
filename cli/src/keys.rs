//! The CLI's device keys: a [`SoftwareKeyStore`] kept sealed inside the vault.
//!
//! The store is read from the vault at the start of a command; after every step that
//! creates or deletes keys, those changes are applied to the store as saved at that moment
//! (another `nyckel` may have saved keys meanwhile), in one vault transaction. A key the provider is about to learn must never be
//! lost, so [`run_flow`] hands the core's approval flows a hook
//! ([`Approvals::persist_keys_with`]) that writes the store into the vault **the moment a
//! key is created**, before its public key is sent anywhere (the flows take the vault only
//! around their own reads and writes, so the hook uses the same handle). Deletions are only
//! saved at the end, once the vault's records no longer name the deleted key.

use std::cell::RefCell;
use std::sync::Arc;

use nyckel_core::approvals::{ApprovalError, Approvals, HttpTransport};
use nyckel_core::protocol::{DeviceKeyStore, KeyStoreError, PinSource, SoftwareKeyStore};
use nyckel_core::vault::{Vault, VaultError};

use crate::error::{CliError, Result};

/// The device-key store of one command run.
#[derive(Debug)]
pub struct DeviceKeys {
    store: SoftwareKeyStore,
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
    /// The keys in `vault`.
    pub fn load(vault: &Vault) -> Result<DeviceKeys> {
        Ok(DeviceKeys { store: load_store(vault)? })
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
        self.store
            .aliases()
            .into_iter()
            .filter(|a| self.store.is_user_verification_key(a) == Some(true))
            .collect()
    }

    /// Saves this run's key creations and deletions into the vault (after a step that made
    /// some). They are applied over the store as saved now, inside one vault transaction, so
    /// a second `nyckel` enrolling at the same moment keeps its keys too.
    pub fn save(&self, vault: &mut Vault) -> Result<()> {
        Ok(self.persist(vault)?)
    }

    /// [`DeviceKeys::save`] with the vault's error, for the core's persist hook.
    pub fn persist(&self, vault: &mut Vault) -> std::result::Result<(), VaultError> {
        vault.update_software_key_store(|saved| {
            self.store.merged_over(saved).map_err(|e| {
                VaultError::Corrupt(format!(
                    "the device keys stored in the vault are unreadable ({e})"
                ))
            })
        })
    }
}

/// Runs one approval flow over `vault` with `keys` and `http`: every key the flow creates is
/// in the vault before the provider learns it, and the whole store (deletions too) is saved
/// once the flow returns, whatever it returned.
pub fn run_flow<T>(
    vault: &mut Vault,
    keys: &DeviceKeys,
    http: &dyn HttpTransport,
    flow: impl FnOnce(&Approvals<'_, RefCell<&mut Vault>>) -> std::result::Result<T, ApprovalError>,
) -> Result<T> {
    let persist = |v: &mut Vault| keys.persist(v);
    let result = {
        let cell = RefCell::new(&mut *vault);
        let approvals = Approvals::new(&cell, keys, http).persist_keys_with(&persist);
        flow(&approvals)
    };
    keys.save(vault)?;
    Ok(result?)
}

impl DeviceKeyStore for DeviceKeys {
    fn create_key(
        &self,
        alias: String,
        user_verification: bool,
    ) -> std::result::Result<Vec<u8>, KeyStoreError> {
        self.store.create_key(alias, user_verification)
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
    use nyckel_core::vault::{KdfParams, UnwrappedKey};

    /// What the vault file holds when the provider is asked: read through a second handle.
    struct Snooping {
        path: std::path::PathBuf,
        key: Vec<u8>,
        seen: std::sync::Mutex<Vec<Vec<String>>>,
    }

    impl HttpTransport for Snooping {
        fn execute(
            &self,
            _: nyckel_core::protocol::HttpRequest,
        ) -> std::result::Result<nyckel_core::protocol::HttpResponse, String> {
            let mut second = Vault::open(&self.path).unwrap();
            second.unlock_with_unwrapped_key(UnwrappedKey::new(self.key.clone())).unwrap();
            self.seen.lock().unwrap().push(load_store(&second).unwrap().aliases());
            Err("offline".into())
        }
    }

    #[test]
    fn a_new_key_is_in_the_vault_before_the_provider_learns_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.nyckel");
        let mut vault = Vault::create(&path, "test passphrase", KdfParams::FLOOR).unwrap();
        let http = Snooping {
            path: path.clone(),
            key: vault.key_for_wrapping().unwrap().to_vec(),
            seen: Default::default(),
        };
        let keys = DeviceKeys::load(&vault).unwrap();
        let provider = keys.store().create_key("provider".into(), false).unwrap();
        keys.store().delete_key("provider".into()).unwrap();
        let fingerprint = nyckel_core::protocol::wire::fingerprint(&provider);
        let uri = nyckel_core::protocol::EnrollUri::build(
            "https://idp.example.se",
            "q3U1y0Cq9E3N0QmK6cJ3aA",
            "anna",
            &fingerprint,
            None,
            None,
            None,
        );
        let result =
            run_flow(&mut vault, &keys, &http, |a| a.enroll(&uri, "t", None, 1_767_225_600));
        assert!(result.is_err(), "the provider was unreachable");
        let seen = http.seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 1);
        assert_eq!(
            seen[0].len(),
            1,
            "the new device key was on disk when the request left: {seen:?}"
        );
        // The failed enrollment deleted its key, and `run_flow` saved the deletion.
        assert!(keys.store().aliases().is_empty());
        assert!(load_store(&vault).unwrap().aliases().is_empty());
    }

    #[test]
    fn two_runs_saving_at_once_keep_each_others_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.nyckel");
        let mut first = Vault::create(&path, "test passphrase", KdfParams::FLOOR).unwrap();
        let old = DeviceKeys::load(&first).unwrap();
        old.create_key("old".into(), false).unwrap();
        old.save(&mut first).unwrap();
        // Two `nyckel` processes load the same store before either saves.
        let mut second = Vault::open(&path).unwrap();
        second
            .unlock_with_unwrapped_key(UnwrappedKey::new(
                first.key_for_wrapping().unwrap().to_vec(),
            ))
            .unwrap();
        let a = DeviceKeys::load(&first).unwrap();
        let b = DeviceKeys::load(&second).unwrap();
        a.create_key("a".into(), false).unwrap();
        a.delete_key("old".into()).unwrap();
        b.create_key("b".into(), false).unwrap();
        a.save(&mut first).unwrap();
        b.save(&mut second).unwrap();
        assert_eq!(
            load_store(&first).unwrap().aliases(),
            ["a", "b"],
            "b kept a's key and did not bring back 'old'"
        );
    }

    #[test]
    fn loading_without_a_store_gives_an_empty_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.nyckel");
        let vault = Vault::create(&path, "test passphrase", KdfParams::FLOOR).unwrap();
        let keys = DeviceKeys::load(&vault).unwrap();
        assert!(keys.store().aliases().is_empty());
        assert!(keys.pin_key_aliases().is_empty());
        // Creating a key outside a flow saves nothing.
        keys.create_key("k".into(), false).unwrap();
        assert!(load_store(&vault).unwrap().aliases().is_empty());
    }
}
