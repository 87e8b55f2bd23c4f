//! The provider's P-256 signing key and signed envelopes (`docs/protocol.md` §2.1).

use nyckel_core::protocol::wire::{
    b64, fingerprint, provider_signed_bytes, unb64, Envelope, Payload, ServerTime, Signed,
};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use rusqlite::Connection;

use crate::db::{set_setting, setting};
use crate::error::Error;

/// Creates the provider key if the database has none (safe against concurrent creators).
pub(crate) fn ensure_key(conn: &Connection) -> rusqlite::Result<()> {
    if setting(conn, "provider_key")?.is_none() {
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &SystemRandom::new())
                .map_err(|_| rusqlite::Error::InvalidQuery)?;
        conn.execute(
            "INSERT OR IGNORE INTO settings (key, value) VALUES ('provider_key', ?1)",
            [b64(pkcs8.as_ref())],
        )?;
    }
    Ok(())
}

/// The provider identity: signing key plus where it is reachable.
pub struct Identity {
    pair: EcdsaKeyPair,
    /// SEC1 uncompressed public key.
    pub public_key: Vec<u8>,
    /// Origin (`http://127.0.0.1:PORT`).
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
    /// Loads the key and the origin settings written by `serve` (or `--origin`).
    pub fn load(conn: &Connection) -> Result<Identity, Error> {
        let pkcs8 =
            setting(conn, "provider_key")?.and_then(|s| unb64(&s)).ok_or(Error::Internal)?;
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &pkcs8, &SystemRandom::new())
                .map_err(|_| Error::Internal)?;
        let origin = setting(conn, "origin")?.ok_or(Error::NotConfigured)?;
        let rp_id = setting(conn, "rp_id")?.unwrap_or_else(|| host_of(&origin));
        let issuer = setting(conn, "issuer")?.unwrap_or_else(|| "Nyckel IdP".to_owned());
        let public_key = pair.public_key().as_ref().to_vec();
        Ok(Identity { pair, public_key, origin, rp_id, issuer })
    }

    /// Stores origin, rpId and issuer for the other commands.
    pub fn configure(
        conn: &Connection,
        origin: &str,
        rp_id: Option<&str>,
        issuer: &str,
    ) -> rusqlite::Result<()> {
        let origin = origin.trim_end_matches('/');
        set_setting(conn, "origin", origin)?;
        set_setting(conn, "rp_id", &rp_id.map(str::to_owned).unwrap_or_else(|| host_of(origin)))?;
        set_setting(conn, "issuer", issuer)
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
    fn envelopes_verify_with_the_public_key_and_bind_the_tag() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Db::init(dir.path().join("t.db")).unwrap();
        ensure_key(&db.conn().unwrap()).unwrap();
        let conn = db.conn().unwrap();
        Identity::configure(&conn, "http://127.0.0.1:1/", None, "T").unwrap();
        let p = Identity::load(&conn).unwrap();
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
        let again = Identity::load(&db.conn().unwrap()).unwrap();
        assert_eq!(again.public_key, p.public_key);
    }
}
