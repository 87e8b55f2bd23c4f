//! Device keys: the [`DeviceKeyStore`] trait the platforms implement (Android Keystore,
//! iOS Secure Enclave) and [`SoftwareKeyStore`], a ring-based implementation for the CLI and
//! tests whose user-verification keys are sealed under an Argon2id-derived PIN key.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::wire::{b64, unb64};

/// Why a key operation failed. Shaped for export as a foreign-trait error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyStoreError {
    /// No key with that alias (it may have been lost in a restore: never re-create silently).
    #[error("key not found")]
    NotFound,
    /// A key with that alias exists already.
    #[error("a key with that alias exists")]
    AlreadyExists,
    /// The user dismissed the biometric/PIN prompt.
    #[error("user cancelled")]
    UserCancelled,
    /// Biometric/PIN verification failed (or the key was invalidated by a new enrollment).
    #[error("user verification failed")]
    UserVerificationFailed,
    /// The key store cannot be used right now (device locked, hardware busy, …); retry later.
    #[error("key store unavailable: {0}")]
    Unavailable(String),
    /// Anything else.
    #[error("key store error: {0}")]
    Other(String),
}

/// A store of P-256 signing keys addressed by alias.
///
/// Implementations must put any user-verification gate **inside** [`DeviceKeyStore::sign`]:
/// for a key created with `user_verification = true`, `sign` succeeds only after the user
/// passed BiometricPrompt with a CryptoObject / a `SecAccessControl` prompt / the PIN.
pub trait DeviceKeyStore: Send + Sync {
    /// Creates a new key and returns its SEC1 uncompressed public key (65 bytes).
    fn create_key(&self, alias: String, user_verification: bool) -> Result<Vec<u8>, KeyStoreError>;
    /// The SEC1 uncompressed public key (65 bytes) of an existing key.
    fn public_key(&self, alias: String) -> Result<Vec<u8>, KeyStoreError>;
    /// Signs `message` with ECDSA P-256 SHA-256 and returns the DER signature.
    fn sign(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, KeyStoreError>;
    /// Deletes a key; deleting a missing key is not an error.
    fn delete_key(&self, alias: String) -> Result<(), KeyStoreError>;
    /// Creates a key like `create_key(alias, true)` — user verification required for every
    /// signature — whose creation the platform attests for `challenge` (Android Key
    /// Attestation: `KeyGenParameterSpec.setAttestationChallenge`), and returns it with the
    /// attestation. `Ok(None)` — the default — means this store cannot attest keys and
    /// created nothing; the caller then uses `create_key`.
    fn create_attested_key(
        &self,
        alias: String,
        challenge: Vec<u8>,
    ) -> Result<Option<AttestedKey>, KeyStoreError> {
        let _ = (alias, challenge);
        Ok(None)
    }
}

/// A key created by [`DeviceKeyStore::create_attested_key`] and its attestation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttestedKey {
    /// The SEC1 uncompressed public key (65 bytes).
    pub public_key: Vec<u8>,
    /// The attestation format (`wire::ATTESTATION_ANDROID_KEY`).
    pub format: String,
    /// The certificate chain, leaf first, DER.
    pub chain: Vec<Vec<u8>>,
}

/// Supplies the PIN that unlocks a [`SoftwareKeyStore`] user-verification key.
/// Called inside `create_key`/`sign` for UV keys; `None` means the user cancelled.
pub trait PinSource: Send + Sync {
    /// The PIN for the key `alias`.
    fn pin(&self, alias: &str) -> Option<Zeroizing<String>>;
}

/// A [`PinSource`] that always answers the same PIN (tests, scripted CLI use).
pub struct FixedPin(Zeroizing<String>);

impl FixedPin {
    /// Wraps a PIN.
    pub fn new(pin: &str) -> Self {
        FixedPin(Zeroizing::new(pin.to_owned()))
    }
}

impl PinSource for FixedPin {
    fn pin(&self, _alias: &str) -> Option<Zeroizing<String>> {
        Some(self.0.clone())
    }
}

impl std::fmt::Debug for FixedPin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FixedPin(<redacted>)")
    }
}

/// Argon2id parameters sealing UV keys: m = 19 MiB, t = 2, p = 1 (the floor).
pub const PIN_KDF_M_KIB: u32 = 19 * 1024;
/// Argon2id time cost.
pub const PIN_KDF_T: u32 = 2;
/// Argon2id parallelism.
pub const PIN_KDF_P: u32 = 1;
/// Largest memory cost accepted from a stored record (guards against absurd values).
const PIN_KDF_M_MAX_KIB: u32 = 1024 * 1024;
/// Largest time cost accepted from a stored record.
const PIN_KDF_T_MAX: u32 = 16;
/// Format version of [`SoftwareKeyStore::to_bytes`].
const STORE_VERSION: u32 = 1;

#[derive(Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum StoredKey {
    /// PKCS#8 kept as is; protected by whatever encrypts the serialised store (the vault).
    Plain {
        pkcs8: String,
        #[serde(rename = "publicKey")]
        public_key: String,
    },
    /// PKCS#8 sealed with AES-256-GCM under Argon2id(PIN, salt).
    Pin {
        #[serde(rename = "publicKey")]
        public_key: String,
        salt: String,
        nonce: String,
        ciphertext: String,
        m: u32,
        t: u32,
        p: u32,
    },
}

impl Drop for StoredKey {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        if let StoredKey::Plain { pkcs8, .. } = self {
            pkcs8.zeroize();
        }
    }
}

#[derive(Serialize, Deserialize)]
struct StoreFile {
    v: u32,
    keys: BTreeMap<String, StoredKey>,
}

/// A software [`DeviceKeyStore`] (ring P-256).
///
/// Keys created without user verification are kept as PKCS#8 and rely on the vault's
/// encryption of [`SoftwareKeyStore::to_bytes`]. Keys created with user verification are
/// sealed with AES-256-GCM under Argon2id(PIN) and can only sign when the [`PinSource`]
/// gives the right PIN. `Debug` never shows key bytes.
pub struct SoftwareKeyStore {
    keys: Mutex<BTreeMap<String, StoredKey>>,
    /// Plain keys already parsed from their PKCS#8 (parsing checks the key pair, which costs
    /// about as much as a signature): each approval then signs at ring's own speed.
    /// Keyed by alias, each with the public key it belongs to (a key deleted and created
    /// again under the same alias is parsed anew).
    parsed: Mutex<BTreeMap<String, (String, Arc<ParsedKey>)>>,
    pin: Mutex<Option<Arc<dyn PinSource>>>,
    changes: Mutex<Changes>,
}

/// A parsed signing key, wiped from memory when dropped (ring does not wipe its key pairs).
struct ParsedKey(std::mem::ManuallyDrop<Box<EcdsaKeyPair>>);

impl ParsedKey {
    fn parse(pkcs8: &[u8]) -> Result<Self, KeyStoreError> {
        let rng = SystemRandom::new();
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8, &rng)
            .map(|pair| ParsedKey(std::mem::ManuallyDrop::new(Box::new(pair))))
            .map_err(|_| KeyStoreError::Other("stored key is corrupt".into()))
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyStoreError> {
        self.0
            .sign(&SystemRandom::new(), message)
            .map(|s| s.as_ref().to_vec())
            .map_err(|_| KeyStoreError::Other("signing failed".into()))
    }
}

impl Drop for ParsedKey {
    fn drop(&mut self) {
        // SAFETY: the box is taken exactly once (here); after its contents are dropped in
        // place the bytes are overwritten with zeros, and the allocation is freed as
        // `MaybeUninit`, which has the same layout and runs no destructor again.
        unsafe {
            let raw = Box::into_raw(std::mem::ManuallyDrop::take(&mut self.0));
            std::ptr::drop_in_place(raw);
            zeroize::zeroize_flat_type(raw);
            drop(Box::from_raw(raw.cast::<std::mem::MaybeUninit<EcdsaKeyPair>>()));
        }
    }
}

/// What this store itself created and deleted since it was made or loaded, so a save can
/// apply just those over a copy another process may have saved meanwhile.
#[derive(Default)]
struct Changes {
    created: BTreeSet<String>,
    deleted: BTreeSet<String>,
}

impl Default for SoftwareKeyStore {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for SoftwareKeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let aliases: Vec<String> = self.aliases();
        f.debug_struct("SoftwareKeyStore").field("aliases", &aliases).finish_non_exhaustive()
    }
}

impl SoftwareKeyStore {
    /// An empty store without a PIN source (UV keys then fail with `UserCancelled`).
    pub fn new() -> Self {
        SoftwareKeyStore::with_keys(BTreeMap::new())
    }

    fn with_keys(keys: BTreeMap<String, StoredKey>) -> Self {
        SoftwareKeyStore {
            keys: Mutex::new(keys),
            parsed: Mutex::new(BTreeMap::new()),
            pin: Mutex::new(None),
            changes: Mutex::new(Changes::default()),
        }
    }

    /// Sets where PINs for UV keys come from.
    pub fn set_pin_source(&self, source: Option<Arc<dyn PinSource>>) {
        *self.pin.lock().unwrap_or_else(|e| e.into_inner()) = source;
    }

    /// The aliases of the stored keys.
    pub fn aliases(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }

    /// True when `alias` is a user-verification (PIN-sealed) key.
    pub fn is_user_verification_key(&self, alias: &str) -> Option<bool> {
        self.lock().get(alias).map(|k| matches!(k, StoredKey::Pin { .. }))
    }

    /// Serialises the whole store (JSON). Contains the non-UV keys' PKCS#8: seal it.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let keys = self.lock().clone();
        let file = StoreFile { v: STORE_VERSION, keys };
        Zeroizing::new(serde_json::to_vec(&file).unwrap_or_default())
    }

    /// Restores a store written by [`SoftwareKeyStore::to_bytes`] (without a PIN source).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyStoreError> {
        let file: StoreFile = serde_json::from_slice(bytes)
            .map_err(|_| KeyStoreError::Other("malformed key store".into()))?;
        if file.v != STORE_VERSION {
            return Err(KeyStoreError::Other("unsupported key store version".into()));
        }
        for key in file.keys.values() {
            let ok = match key {
                StoredKey::Plain { pkcs8, public_key } => {
                    unb64(pkcs8).is_some() && unb64(public_key).is_some()
                }
                StoredKey::Pin { public_key, salt, nonce, ciphertext, m, t, p } => {
                    unb64(public_key).is_some()
                        && unb64(salt).is_some_and(|s| s.len() >= 16)
                        && unb64(nonce).is_some_and(|n| n.len() == NONCE_LEN)
                        && unb64(ciphertext).is_some()
                        && (PIN_KDF_M_KIB..=PIN_KDF_M_MAX_KIB).contains(m)
                        && (PIN_KDF_T..=PIN_KDF_T_MAX).contains(t)
                        && *p == PIN_KDF_P
                }
            };
            if !ok {
                return Err(KeyStoreError::Other("malformed key store entry".into()));
            }
        }
        Ok(SoftwareKeyStore::with_keys(file.keys))
    }

    /// The bytes to save over `saved` (the store as it is on disk now, which another process
    /// may have changed since this one was loaded): `saved` with this store's own creations
    /// and deletions applied, so neither process loses the other's keys.
    pub fn merged_over(&self, saved: Option<&[u8]>) -> Result<Zeroizing<Vec<u8>>, KeyStoreError> {
        let base = match saved {
            Some(bytes) => SoftwareKeyStore::from_bytes(bytes)?,
            None => SoftwareKeyStore::new(),
        };
        {
            let ours = self.lock();
            let changes = self.changes.lock().unwrap_or_else(|e| e.into_inner());
            let mut merged = base.lock();
            for alias in &changes.created {
                if let Some(key) = ours.get(alias) {
                    merged.insert(alias.clone(), key.clone());
                }
            }
            for alias in &changes.deleted {
                merged.remove(alias);
            }
        }
        Ok(base.to_bytes())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, StoredKey>> {
        self.keys.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The parsed form of the plain key `alias` (`pkcs8` and `public_key` in base64, as
    /// stored), parsing it only the first time.
    fn parsed_plain_key(
        &self,
        alias: &str,
        pkcs8: &str,
        public_key: &str,
    ) -> Result<Arc<ParsedKey>, KeyStoreError> {
        let mut parsed = self.parsed.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((public, key)) = parsed.get(alias) {
            if public == public_key {
                return Ok(Arc::clone(key));
            }
        }
        let der = Zeroizing::new(
            unb64(pkcs8).ok_or_else(|| KeyStoreError::Other("stored key is corrupt".into()))?,
        );
        let key = Arc::new(ParsedKey::parse(&der)?);
        parsed.insert(alias.to_owned(), (public_key.to_owned(), Arc::clone(&key)));
        Ok(key)
    }

    fn ask_pin(&self, alias: &str) -> Result<Zeroizing<String>, KeyStoreError> {
        // Clone the source out so the callback never runs while our lock is held.
        let source = self.pin.lock().unwrap_or_else(|e| e.into_inner()).clone();
        source.and_then(|s| s.pin(alias)).ok_or(KeyStoreError::UserCancelled)
    }
}

fn rng_fill(buf: &mut [u8]) -> Result<(), KeyStoreError> {
    SystemRandom::new().fill(buf).map_err(|_| KeyStoreError::Unavailable("no randomness".into()))
}

fn pin_key(
    pin: &str,
    salt: &[u8],
    m: u32,
    t: u32,
    p: u32,
) -> Result<Zeroizing<[u8; 32]>, KeyStoreError> {
    crate::argon::derive_32(pin.as_bytes(), salt, m, t, p).map_err(|e| match e {
        argon2::Error::MemoryTooLittle
        | argon2::Error::MemoryTooMuch
        | argon2::Error::TimeTooSmall
        | argon2::Error::ThreadsTooFew
        | argon2::Error::ThreadsTooMany => KeyStoreError::Other("bad KDF parameters".into()),
        _ => KeyStoreError::Other("KDF failed".into()),
    })
}

fn aad(alias: &str, public_key: &str) -> Vec<u8> {
    format!("nyckel-softkey-v1\n{alias}\n{public_key}").into_bytes()
}

fn aead_key(key: &[u8; 32]) -> Result<LessSafeKey, KeyStoreError> {
    UnboundKey::new(&AES_256_GCM, key)
        .map(LessSafeKey::new)
        .map_err(|_| KeyStoreError::Other("cipher setup failed".into()))
}

fn sign_pkcs8(pkcs8: &[u8], message: &[u8]) -> Result<Vec<u8>, KeyStoreError> {
    ParsedKey::parse(pkcs8)?.sign(message)
}

impl DeviceKeyStore for SoftwareKeyStore {
    fn create_key(&self, alias: String, user_verification: bool) -> Result<Vec<u8>, KeyStoreError> {
        if self.lock().contains_key(&alias) {
            return Err(KeyStoreError::AlreadyExists);
        }
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
            .map_err(|_| KeyStoreError::Unavailable("key generation failed".into()))?;
        let pkcs8 = Zeroizing::new(pkcs8.as_ref().to_vec());
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &pkcs8, &rng)
            .map_err(|_| KeyStoreError::Other("key generation failed".into()))?;
        let public = pair.public_key().as_ref().to_vec();
        let public_b64 = b64(&public);
        let stored = if user_verification {
            let pin = self.ask_pin(&alias)?;
            if pin.is_empty() {
                return Err(KeyStoreError::UserVerificationFailed);
            }
            let mut salt = [0u8; 16];
            rng_fill(&mut salt)?;
            let mut nonce = [0u8; NONCE_LEN];
            rng_fill(&mut nonce)?;
            let key = pin_key(&pin, &salt, PIN_KDF_M_KIB, PIN_KDF_T, PIN_KDF_P)?;
            let mut buf = Zeroizing::new(pkcs8.to_vec());
            aead_key(&key)?
                .seal_in_place_append_tag(
                    Nonce::assume_unique_for_key(nonce),
                    Aad::from(aad(&alias, &public_b64)),
                    &mut *buf,
                )
                .map_err(|_| KeyStoreError::Other("sealing failed".into()))?;
            StoredKey::Pin {
                public_key: public_b64,
                salt: b64(&salt),
                nonce: b64(&nonce),
                ciphertext: b64(&buf),
                m: PIN_KDF_M_KIB,
                t: PIN_KDF_T,
                p: PIN_KDF_P,
            }
        } else {
            StoredKey::Plain { pkcs8: b64(&pkcs8), public_key: public_b64 }
        };
        let mut keys = self.lock();
        if keys.contains_key(&alias) {
            return Err(KeyStoreError::AlreadyExists);
        }
        let mut changes = self.changes.lock().unwrap_or_else(|e| e.into_inner());
        changes.deleted.remove(&alias);
        changes.created.insert(alias.clone());
        keys.insert(alias, stored);
        Ok(public)
    }

    fn public_key(&self, alias: String) -> Result<Vec<u8>, KeyStoreError> {
        let keys = self.lock();
        let pk = match keys.get(&alias).ok_or(KeyStoreError::NotFound)? {
            StoredKey::Plain { public_key, .. } | StoredKey::Pin { public_key, .. } => public_key,
        };
        unb64(pk).ok_or_else(|| KeyStoreError::Other("stored key is corrupt".into()))
    }

    fn sign(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, KeyStoreError> {
        let stored = self.lock().get(&alias).cloned().ok_or(KeyStoreError::NotFound)?;
        match &stored {
            StoredKey::Plain { pkcs8, public_key } => {
                self.parsed_plain_key(&alias, pkcs8, public_key)?.sign(&message)
            }
            StoredKey::Pin { public_key, salt, nonce, ciphertext, m, t, p } => {
                let corrupt = || KeyStoreError::Other("stored key is corrupt".into());
                let salt = unb64(salt).ok_or_else(corrupt)?;
                let nonce: [u8; NONCE_LEN] =
                    unb64(nonce).and_then(|n| n.try_into().ok()).ok_or_else(corrupt)?;
                let mut buf = Zeroizing::new(unb64(ciphertext).ok_or_else(corrupt)?);
                let pin = self.ask_pin(&alias)?;
                let key = pin_key(&pin, &salt, *m, *t, *p)?;
                let plain = aead_key(&key)?
                    .open_in_place(
                        Nonce::assume_unique_for_key(nonce),
                        Aad::from(aad(&alias, public_key)),
                        &mut buf,
                    )
                    .map_err(|_| KeyStoreError::UserVerificationFailed)?;
                sign_pkcs8(plain, &message)
            }
        }
    }

    fn delete_key(&self, alias: String) -> Result<(), KeyStoreError> {
        let mut keys = self.lock();
        let mut changes = self.changes.lock().unwrap_or_else(|e| e.into_inner());
        self.parsed.lock().unwrap_or_else(|e| e.into_inner()).remove(&alias);
        keys.remove(&alias);
        changes.created.remove(&alias);
        changes.deleted.insert(alias);
        Ok(())
    }
}

/// Signs with the key store and checks the result: it must be a DER signature that verifies
/// against `public_key`. Catches garbage from a foreign implementation (raw `r‖s`,
/// truncated, wrong key) before anything is sent.
pub(crate) fn sign_checked(
    keys: &dyn DeviceKeyStore,
    alias: &str,
    public_key: &[u8],
    message: &[u8],
) -> Result<Vec<u8>, super::ProtocolError> {
    let sig = keys.sign(alias.to_owned(), message.to_vec())?;
    if super::wire::verify_p256(public_key, message, &sig) {
        Ok(sig)
    } else {
        Err(super::ProtocolError::BadPlatformSignature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::wire::verify_p256;

    #[test]
    fn plain_key_signs_der_that_verifies() {
        let s = SoftwareKeyStore::new();
        let pk = s.create_key("a".into(), false).unwrap();
        assert_eq!(pk.len(), 65);
        assert_eq!(pk[0], 4);
        assert_eq!(s.public_key("a".into()).unwrap(), pk);
        let sig = s.sign("a".into(), b"hello".to_vec()).unwrap();
        assert_eq!(sig[0], 0x30, "DER SEQUENCE");
        assert!(verify_p256(&pk, b"hello", &sig));
        assert!(!verify_p256(&pk, b"hellO", &sig));
        assert_eq!(s.create_key("a".into(), false), Err(KeyStoreError::AlreadyExists));
    }

    #[test]
    fn merged_over_applies_only_this_stores_own_changes() {
        // Two processes load the same saved store, then each creates and deletes keys.
        let first = SoftwareKeyStore::new();
        first.create_key("shared".into(), false).unwrap();
        first.create_key("doomed".into(), false).unwrap();
        let saved = first.to_bytes();
        let a = SoftwareKeyStore::from_bytes(&saved).unwrap();
        let b = SoftwareKeyStore::from_bytes(&saved).unwrap();
        let a_key = a.create_key("a".into(), false).unwrap();
        a.delete_key("doomed".into()).unwrap();
        let a_saved = a.merged_over(Some(&saved)).unwrap();
        b.create_key("b".into(), false).unwrap();
        b.create_key("b-tmp".into(), false).unwrap();
        b.delete_key("b-tmp".into()).unwrap();
        // b saves after a: a's new key survives, a's deletion is not undone.
        let merged = SoftwareKeyStore::from_bytes(&b.merged_over(Some(&a_saved)).unwrap()).unwrap();
        assert_eq!(merged.aliases(), ["a", "b", "shared"]);
        assert_eq!(merged.public_key("a".into()).unwrap(), a_key);
        let sig = merged.sign("a".into(), b"m".to_vec()).unwrap();
        assert!(verify_p256(&a_key, b"m", &sig), "a's key came over whole");
        // Nothing saved yet: just this store's creations.
        let fresh = SoftwareKeyStore::new();
        fresh.create_key("x".into(), false).unwrap();
        assert_eq!(
            SoftwareKeyStore::from_bytes(&fresh.merged_over(None).unwrap()).unwrap().aliases(),
            ["x"]
        );
        // A damaged saved store is an error, not an overwrite.
        assert!(fresh.merged_over(Some(b"not json")).is_err());
    }

    #[test]
    fn a_key_created_again_under_the_same_alias_signs_with_the_new_key() {
        let store = SoftwareKeyStore::new();
        let first = store.create_key("k".into(), false).unwrap();
        let sig = store.sign("k".into(), b"m".to_vec()).unwrap();
        assert!(verify_p256(&first, b"m", &sig));
        // Signing again uses the parsed key: still the same key.
        let sig = store.sign("k".into(), b"m2".to_vec()).unwrap();
        assert!(verify_p256(&first, b"m2", &sig));
        store.delete_key("k".into()).unwrap();
        assert_eq!(store.sign("k".into(), b"m".to_vec()), Err(KeyStoreError::NotFound));
        let second = store.create_key("k".into(), false).unwrap();
        let sig = store.sign("k".into(), b"m".to_vec()).unwrap();
        assert!(verify_p256(&second, b"m", &sig));
        assert!(!verify_p256(&first, b"m", &sig));
    }

    #[test]
    fn missing_key_is_not_found_and_delete_is_idempotent() {
        let s = SoftwareKeyStore::new();
        assert_eq!(s.sign("x".into(), vec![]), Err(KeyStoreError::NotFound));
        assert_eq!(s.public_key("x".into()), Err(KeyStoreError::NotFound));
        assert_eq!(s.delete_key("x".into()), Ok(()));
    }

    #[test]
    fn uv_key_is_pin_gated() {
        let s = SoftwareKeyStore::new();
        // No PIN source: cannot even create.
        assert_eq!(s.create_key("uv".into(), true), Err(KeyStoreError::UserCancelled));
        s.set_pin_source(Some(Arc::new(FixedPin::new("1234"))));
        let pk = s.create_key("uv".into(), true).unwrap();
        assert_eq!(s.is_user_verification_key("uv"), Some(true));
        let sig = s.sign("uv".into(), b"m".to_vec()).unwrap();
        assert!(verify_p256(&pk, b"m", &sig));
        // Wrong PIN fails verification; missing PIN is a cancel.
        s.set_pin_source(Some(Arc::new(FixedPin::new("9999"))));
        assert_eq!(s.sign("uv".into(), b"m".to_vec()), Err(KeyStoreError::UserVerificationFailed));
        s.set_pin_source(None);
        assert_eq!(s.sign("uv".into(), b"m".to_vec()), Err(KeyStoreError::UserCancelled));
        // The public key needs no PIN.
        assert_eq!(s.public_key("uv".into()).unwrap(), pk);
    }

    #[test]
    fn round_trip_keeps_keys_and_the_pin_gate() {
        let s = SoftwareKeyStore::new();
        s.set_pin_source(Some(Arc::new(FixedPin::new("2468"))));
        let a = s.create_key("dev".into(), false).unwrap();
        let b = s.create_key("uv".into(), true).unwrap();
        let bytes = s.to_bytes();
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        assert!(!text.contains("2468"));
        let r = SoftwareKeyStore::from_bytes(&bytes).unwrap();
        assert_eq!(r.public_key("dev".into()).unwrap(), a);
        let sig = r.sign("dev".into(), b"x".to_vec()).unwrap();
        assert!(verify_p256(&a, b"x", &sig));
        assert_eq!(r.sign("uv".into(), b"x".to_vec()), Err(KeyStoreError::UserCancelled));
        r.set_pin_source(Some(Arc::new(FixedPin::new("2468"))));
        let sig = r.sign("uv".into(), b"x".to_vec()).unwrap();
        assert!(verify_p256(&b, b"x", &sig));
    }

    #[test]
    fn swapped_sealed_records_fail() {
        // A sealed record moved to another alias does not open (alias is AAD).
        let s = SoftwareKeyStore::new();
        s.set_pin_source(Some(Arc::new(FixedPin::new("1111"))));
        s.create_key("one".into(), true).unwrap();
        let text = String::from_utf8(s.to_bytes().to_vec()).unwrap();
        let moved = text.replace("\"one\"", "\"two\"");
        let r = SoftwareKeyStore::from_bytes(moved.as_bytes()).unwrap();
        r.set_pin_source(Some(Arc::new(FixedPin::new("1111"))));
        assert_eq!(r.sign("two".into(), b"x".to_vec()), Err(KeyStoreError::UserVerificationFailed));
    }

    #[test]
    fn from_bytes_rejects_garbage_and_absurd_kdf() {
        assert!(SoftwareKeyStore::from_bytes(b"").is_err());
        assert!(SoftwareKeyStore::from_bytes(b"{\"v\":2,\"keys\":{}}").is_err());
        let absurd = r#"{"v":1,"keys":{"k":{"kind":"pin","publicKey":"AA","salt":"AAAAAAAAAAAAAAAAAAAAAA","nonce":"AAAAAAAAAAAAAAAA","ciphertext":"AA","m":4000000000,"t":2,"p":1}}}"#;
        assert!(SoftwareKeyStore::from_bytes(absurd.as_bytes()).is_err());
    }

    #[test]
    fn debug_shows_no_key_material() {
        let s = SoftwareKeyStore::new();
        s.create_key("dev".into(), false).unwrap();
        let text = String::from_utf8(s.to_bytes().to_vec()).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let pkcs8 = v["keys"]["dev"]["pkcs8"].as_str().unwrap().to_owned();
        let dbg = format!("{s:?}");
        assert!(!dbg.contains(&pkcs8[..20]));
        assert!(dbg.contains("dev"));
    }

    struct Garbage(Vec<u8>);
    impl DeviceKeyStore for Garbage {
        fn create_key(&self, _: String, _: bool) -> Result<Vec<u8>, KeyStoreError> {
            Ok(vec![4; 65])
        }
        fn public_key(&self, _: String) -> Result<Vec<u8>, KeyStoreError> {
            Ok(vec![4; 65])
        }
        fn sign(&self, _: String, _: Vec<u8>) -> Result<Vec<u8>, KeyStoreError> {
            Ok(self.0.clone())
        }
        fn delete_key(&self, _: String) -> Result<(), KeyStoreError> {
            Ok(())
        }
    }

    #[test]
    fn sign_checked_rejects_raw_truncated_and_foreign_signatures() {
        let real = SoftwareKeyStore::new();
        let pk = real.create_key("k".into(), false).unwrap();
        let der = real.sign("k".into(), b"m".to_vec()).unwrap();
        assert!(sign_checked(&real, "k", &pk, b"m").is_ok());
        // Truncated DER.
        let g = Garbage(der[..der.len() - 3].to_vec());
        assert_eq!(
            sign_checked(&g, "k", &pk, b"m"),
            Err(crate::protocol::ProtocolError::BadPlatformSignature)
        );
        // Raw r||s (64 bytes).
        let g = Garbage(vec![0x11; 64]);
        assert_eq!(
            sign_checked(&g, "k", &pk, b"m"),
            Err(crate::protocol::ProtocolError::BadPlatformSignature)
        );
        // A valid DER signature by another key.
        let other = SoftwareKeyStore::new();
        other.create_key("k".into(), false).unwrap();
        let g = Garbage(other.sign("k".into(), b"m".to_vec()).unwrap());
        assert_eq!(
            sign_checked(&g, "k", &pk, b"m"),
            Err(crate::protocol::ProtocolError::BadPlatformSignature)
        );
    }
}
