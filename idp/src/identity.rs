//! The provider's identity: its P-256 signing key, origin, rpId and display name, and the
//! signed envelopes (`docs/protocol.md` §2.1).

use crate::error::Error;
use crate::model::Setting;
use crate::storage::Store;
use nyckel_core::protocol::wire::{
    b64, fingerprint, provider_signed_bytes, unb64, Envelope, Payload, ServerTime, Signed,
};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};

/// Creates the provider key if the store has none (safe against concurrent creators).
pub(crate) fn ensure_key(store: &dyn Store) -> Result<(), Error> {
    if store.setting(Setting::ProviderKey)?.is_none() {
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &SystemRandom::new())
                .map_err(|_| Error::Internal)?;
        store.add_setting_if_absent(Setting::ProviderKey, &b64(pkcs8.as_ref()))?;
    }
    Ok(())
}

/// The provider's HMAC-SHA256 key kept in `setting` (32 random bytes, created on first use and
/// kept, so what it signs outlives a restart; safe against concurrent creators): the decoy
/// tokens', the recognised browsers' cookies' and the phone sign-in challenges'.
pub(crate) fn mac_key(store: &dyn Store, setting: Setting) -> Result<ring::hmac::Key, Error> {
    let stored = match store.setting(setting)? {
        Some(k) => Some(k),
        None => {
            // Another thread or process may add it first: whichever was added is the key.
            store.add_setting_if_absent(setting, &b64(&crate::ids::random_bytes(32)))?;
            store.setting(setting)?
        }
    };
    let stored = stored.and_then(|k| unb64(&k));
    let bytes = stored.filter(|k| k.len() == 32).ok_or(Error::Internal)?;
    Ok(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &bytes))
}

/// The provider identity: signing key plus where it is reachable.
pub struct Identity {
    pair: EcdsaKeyPair,
    /// SEC1 uncompressed public key.
    pub public_key: Vec<u8>,
    /// The base URL (`http://127.0.0.1:PORT`, `https://login.example.se/auth`): enrollment
    /// codes, the OpenID Connect issuer. The WebAuthn origin is [`Identity::web_origin`].
    pub origin: String,
    /// rpId.
    pub rp_id: String,
    /// Display name.
    pub issuer: String,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("origin", &self.origin)
            .field("rp_id", &self.rp_id)
            .finish_non_exhaustive()
    }
}

/// Host part of an origin (`https://a.b:8443` → `a.b`).
pub fn host_of(origin: &str) -> String {
    let rest = origin.split_once("://").map(|(_, r)| r).unwrap_or(origin);
    if let Some(stripped) = rest.strip_prefix('[') {
        return format!("[{}]", stripped.split(']').next().unwrap_or(""));
    }
    rest.split([':', '/']).next().unwrap_or("").to_ascii_lowercase()
}

impl Identity {
    /// The WebAuthn origin: the base URL's scheme, host and port, without its path (what the
    /// app's clientData and the wire messages' `origin` carry, protocol §3).
    pub fn web_origin(&self) -> &str {
        let authority = self.origin.find("://").map_or(0, |i| i + 3);
        match self.origin[authority..].find('/') {
            Some(end) => &self.origin[..authority + end],
            None => &self.origin,
        }
    }

    /// Loads the key and the origin settings written by `serve` (or `--origin`).
    pub fn load(store: &dyn Store) -> Result<Identity, Error> {
        let pkcs8 =
            store.setting(Setting::ProviderKey)?.and_then(|s| unb64(&s)).ok_or(Error::Internal)?;
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &pkcs8, &SystemRandom::new())
                .map_err(|_| Error::Internal)?;
        let origin = store.setting(Setting::Origin)?.ok_or(Error::NotConfigured)?;
        let rp_id = store.setting(Setting::RpId)?.unwrap_or_else(|| host_of(&origin));
        let issuer = store.setting(Setting::Issuer)?.unwrap_or_else(|| "Nyckel IdP".to_owned());
        let public_key = pair.public_key().as_ref().to_vec();
        Ok(Identity { pair, public_key, origin, rp_id, issuer })
    }

    /// Stores origin, rpId and issuer for the other commands.
    pub fn configure(
        store: &dyn Store,
        origin: &str,
        rp_id: Option<&str>,
        issuer: &str,
    ) -> Result<(), Error> {
        let origin = normalised_origin(origin)?;
        let origin = origin.as_str();
        let rp_id = rp_id.map(str::to_owned).unwrap_or_else(|| host_of(origin));
        store.set_settings(&[
            (Setting::Origin, origin),
            (Setting::RpId, &rp_id),
            (Setting::Issuer, issuer),
        ])?;
        Ok(())
    }

    /// The stored display name, if one was configured.
    pub fn stored_issuer(store: &dyn Store) -> Result<Option<String>, Error> {
        Ok(store.setting(Setting::Issuer)?)
    }

    /// The key fingerprint (b64url SHA-256 of the SEC1 key).
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.public_key)
    }

    /// Signs a payload into an envelope `{"payload","signature"}`.
    pub fn envelope<T: Payload>(&self, payload: &Signed<T>) -> Envelope {
        let bytes = serde_json::to_vec(payload).unwrap_or_default();
        let sig = self
            .pair
            .sign(&SystemRandom::new(), &provider_signed_bytes(&bytes))
            .map(|s| b64(s.as_ref()))
            .unwrap_or_default();
        Envelope { payload: b64(&bytes), signature: sig, provider_key: None }
    }

    /// Signs `body` as a version-1 payload of its type at `now`, answering `req_nonce`.
    pub fn sign<T: Payload>(&self, now: i64, req_nonce: Option<&str>, body: T) -> Envelope {
        self.envelope(&Signed::new(now, req_nonce, body))
    }

    /// A signed `nyckel.time` payload answering `nonce`.
    pub fn time_envelope(&self, now: i64, nonce: &str) -> Envelope {
        self.sign(now, Some(nonce), ServerTime {})
    }
}

/// The origin as the provider announces and compares it: an http(s) URL with a host and
/// optionally a path, no user info, query or fragment; scheme and host lower case, a default
/// port (`:443`, `:80`) dropped and no trailing `/` — the form the app's core compares signed
/// paths and WebAuthn origins against, so `https://Login.example.se:443/auth/` and
/// `https://login.example.se/auth` are one provider.
fn normalised_origin(origin: &str) -> Result<String, Error> {
    let refused = |why: &str| Error::bad_request(format!("--origin must be an http(s) URL{why}"));
    let url = url::Url::parse(origin.trim()).map_err(|_| refused(""))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(refused(" (http or https)"));
    }
    let Some(host) = url.host_str() else { return Err(refused(" with a host")) };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refused(" without user name or password"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(refused(" without a query or fragment"));
    }
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    let path = url.path().trim_end_matches('/');
    Ok(format!("{}://{host}{port}{path}", url.scheme()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_of_origins() {
        assert_eq!(host_of("https://IdP.example.se:8443"), "idp.example.se");
        assert_eq!(host_of("http://127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(host_of("http://[::1]:9/x"), "[::1]");
        assert_eq!(host_of("https://a.se/auth"), "a.se");
    }

    #[test]
    fn origins_are_stored_in_one_form() {
        for (given, stored) in [
            ("HTTPS://Login.Example.se:443/auth/", "https://login.example.se/auth"),
            ("http://127.0.0.1:80", "http://127.0.0.1"),
            ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
            ("https://idp.example.se:8443/a/b", "https://idp.example.se:8443/a/b"),
            ("http://[::1]:9", "http://[::1]:9"),
        ] {
            assert_eq!(normalised_origin(given).unwrap(), stored, "{given}");
        }
        for bad in
            ["idp.example.se", "ftp://h", "https://u:p@h", "https://h/?x=1", "https://h/#f", ""]
        {
            assert!(matches!(normalised_origin(bad), Err(Error::BadRequest(_))), "{bad}");
        }
    }

    #[test]
    fn envelopes_verify_with_the_public_key_and_bind_the_tag() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::storage::sqlite::SqliteStore::open(dir.path().join("t.db")).unwrap();
        ensure_key(&store).unwrap();
        Identity::configure(&store, "http://127.0.0.1:1/", None, "T").unwrap();
        let p = Identity::load(&store).unwrap();
        assert_eq!(p.origin, "http://127.0.0.1:1");
        assert_eq!(p.rp_id, "127.0.0.1");
        let env = p.time_envelope(1, "n");
        let payload = unb64(&env.payload).unwrap();
        let sig = unb64(&env.signature).unwrap();
        assert!(nyckel_core::protocol::wire::verify_p256(
            &p.public_key,
            &provider_signed_bytes(&payload),
            &sig
        ));
        assert!(
            !nyckel_core::protocol::wire::verify_p256(&p.public_key, &payload, &sig),
            "the domain tag is signed"
        );
        // The key survives reopening.
        ensure_key(&store).unwrap();
        let again = Identity::load(&store).unwrap();
        assert_eq!(again.public_key, p.public_key);
    }
}
