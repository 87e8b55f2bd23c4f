//! [`NewKey`]: the one owner of a key a flow just created, until the flow commits it.

use super::keys::{DeviceKeyStore, KeyStoreError};

/// A key created in the device-key store by an enrollment or a phone sign-in activation.
/// Until [`NewKey::commit`] — called once the record that names the key is saved — the
/// guard owns the key: dropped on any error path, early return or unwind, it deletes the
/// key, so no step deletes keys on its own error paths and a failed flow leaves none behind.
pub struct NewKey<'k> {
    keys: &'k dyn DeviceKeyStore,
    alias: String,
    public_key: Vec<u8>,
    attestation: Option<(String, Vec<Vec<u8>>)>,
    committed: bool,
}

impl<'k> NewKey<'k> {
    /// Creates the key `alias` (gated by biometrics / PIN when `user_verification`). When
    /// the store fails nothing was created and there is nothing to own.
    pub fn create(
        keys: &'k dyn DeviceKeyStore,
        alias: String,
        user_verification: bool,
    ) -> Result<Self, KeyStoreError> {
        let public_key = keys.create_key(alias.clone(), user_verification)?;
        Ok(NewKey { keys, alias, public_key, attestation: None, committed: false })
    }

    /// Creates the user-verification key `alias` with the platform's attestation for
    /// `challenge` when the store can attest keys, else as [`NewKey::create`] does.
    pub fn create_attested(
        keys: &'k dyn DeviceKeyStore,
        alias: String,
        challenge: &[u8],
    ) -> Result<Self, KeyStoreError> {
        match keys.create_attested_key(alias.clone(), challenge.to_vec())? {
            Some(a) => Ok(NewKey {
                keys,
                alias,
                public_key: a.public_key,
                attestation: Some((a.format, a.chain)),
                committed: false,
            }),
            None => Self::create(keys, alias, true),
        }
    }

    /// The platform's attestation of the key (format, certificate chain leaf first), if it
    /// gave one.
    pub fn attestation(&self) -> Option<(&str, &[Vec<u8>])> {
        self.attestation.as_ref().map(|(f, c)| (f.as_str(), c.as_slice()))
    }

    /// The key's alias in the store.
    pub fn alias(&self) -> &str {
        &self.alias
    }

    /// What the store returned as the public key (checked by the caller).
    pub fn public_key(&self) -> &[u8] {
        &self.public_key
    }

    /// The record naming the key is saved: keep the key. Returns its alias.
    pub fn commit(mut self) -> String {
        self.committed = true;
        std::mem::take(&mut self.alias)
    }
}

impl Drop for NewKey<'_> {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: a store that cannot delete now leaves an orphan key that no
            // record names (never a record naming a missing key).
            let _ = self.keys.delete_key(std::mem::take(&mut self.alias));
        }
    }
}

impl std::fmt::Debug for NewKey<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewKey")
            .field("alias", &self.alias)
            .field("committed", &self.committed)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::SoftwareKeyStore;

    #[test]
    fn an_uncommitted_key_is_deleted_and_a_committed_one_stays() {
        let store = SoftwareKeyStore::new();
        {
            let key = NewKey::create(&store, "dropped".into(), false).unwrap();
            assert_eq!(key.public_key().len(), 65);
            assert_eq!(store.aliases(), ["dropped"]);
        }
        assert!(store.aliases().is_empty(), "dropped uncommitted: deleted");
        let kept = NewKey::create(&store, "kept".into(), false).unwrap().commit();
        assert_eq!(kept, "kept");
        assert_eq!(store.aliases(), ["kept"]);
        let failed = || -> Result<(), KeyStoreError> {
            let _key = NewKey::create(&store, "early".into(), false)?;
            Err(KeyStoreError::Other("a later step failed".into()))
        };
        assert!(failed().is_err());
        assert_eq!(store.aliases(), ["kept"], "an early return deletes the new key");
        assert_eq!(
            NewKey::create(&store, "kept".into(), false).map(|_| ()),
            Err(KeyStoreError::AlreadyExists)
        );
        assert_eq!(store.aliases(), ["kept"], "a failed create owns (and deletes) nothing");
    }
}
