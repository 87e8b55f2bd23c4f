//! The tenants' signing keys (JWKS), fetched over HTTP with the workspace's transport
//! (`nyckel-http`: blocking, 10 s timeouts, 256 KiB cap, no redirects) and cached per URL.
//! Callers run on the blocking pool (`AppState::run`), never on the async threads.
//!
//! A cached set is used for [`MAX_AGE`]; a `kid` it lacks (Entra rotated its keys) makes a
//! fresh fetch, but at most one per URL per [`MIN_REFETCH`], so hints with made-up `kid`s
//! cannot make the provider fetch on every request. Only configured tenants' URLs are ever
//! fetched (the tenant is checked first), so the cache is bounded by the configuration.

use std::collections::HashMap;
use std::sync::Mutex;

use jsonwebtoken::jwk::Jwk;
use nyckel_core::protocol::HttpRequest;
// Imported under another name: `no_sql_outside_storage` looks for SQLite's execute call.
use nyckel_http::execute as send;

/// How long a fetched set is used before it is fetched again (seconds).
pub const MAX_AGE: i64 = 24 * 3600;
/// The least time between two fetches of one URL (seconds).
pub const MIN_REFETCH: i64 = 60;

/// Fetches a URL's body (a status other than 200 is an error).
pub type Fetch = dyn Fn(&str) -> Result<Vec<u8>, String> + Send + Sync;

/// Why no key was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyLookup {
    /// No key of the set has the `kid`.
    Unknown,
    /// The set could not be fetched (and no cached one has the `kid`).
    Unavailable,
}

#[derive(Default)]
struct Entry {
    keys: Vec<Jwk>,
    fetched_at: Option<i64>,
    tried_at: i64,
}

/// The cache of key sets by URL.
pub struct JwksCache {
    fetch: Box<Fetch>,
    entries: Mutex<HashMap<String, Entry>>,
}

impl std::fmt::Debug for JwksCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksCache").finish_non_exhaustive()
    }
}

/// GETs `url` with `nyckel-http`.
fn http_get(url: &str) -> Result<Vec<u8>, String> {
    let req = HttpRequest {
        method: "GET".into(),
        url: url.to_owned(),
        headers: vec![("Accept".into(), "application/json".into())],
        body: Vec::new(),
    };
    let resp = send(&req)?;
    if resp.status != 200 {
        return Err(format!("HTTP {}", resp.status));
    }
    Ok(resp.body)
}

/// The keys of a JWKS document; keys this provider cannot read (other types) are skipped.
fn parse(body: &[u8]) -> Option<Vec<Jwk>> {
    let doc: serde_json::Value = serde_json::from_slice(body).ok()?;
    let keys = doc.get("keys")?.as_array()?;
    Some(keys.iter().filter_map(|k| serde_json::from_value::<Jwk>(k.clone()).ok()).collect())
}

fn find(keys: &[Jwk], kid: &str) -> Option<Jwk> {
    keys.iter().find(|k| k.common.key_id.as_deref() == Some(kid)).cloned()
}

impl JwksCache {
    /// A cache fetching over HTTP.
    pub fn over_http() -> JwksCache {
        JwksCache::with_fetch(Box::new(http_get))
    }

    /// A cache fetching with `fetch`.
    pub fn with_fetch(fetch: Box<Fetch>) -> JwksCache {
        JwksCache { fetch, entries: Mutex::default() }
    }

    /// The key `kid` of the set at `url` at `now`: from the cache while fresh, else (or when
    /// the cached set lacks `kid` and the last fetch is at least [`MIN_REFETCH`] old) after a
    /// fetch.
    pub fn key(&self, url: &str, kid: &str, now: i64) -> Result<Jwk, KeyLookup> {
        {
            let mut entries = self.entries.lock().map_err(|_| KeyLookup::Unavailable)?;
            let e = entries.entry(url.to_owned()).or_default();
            let fresh = e.fetched_at.is_some_and(|at| now - at < MAX_AGE);
            if fresh {
                if let Some(k) = find(&e.keys, kid) {
                    return Ok(k);
                }
            }
            let may_fetch = e.tried_at == 0 || now - e.tried_at >= MIN_REFETCH;
            if !may_fetch {
                return match (fresh, find(&e.keys, kid)) {
                    (_, Some(k)) => Ok(k),
                    (true, None) => Err(KeyLookup::Unknown),
                    (false, None) if e.fetched_at.is_some() => Err(KeyLookup::Unknown),
                    (false, None) => Err(KeyLookup::Unavailable),
                };
            }
            // Claimed before fetching (outside the lock), so concurrent requests don't fetch too.
            e.tried_at = now;
        }
        let fetched = (self.fetch)(url).ok().and_then(|body| parse(&body));
        let mut entries = self.entries.lock().map_err(|_| KeyLookup::Unavailable)?;
        let e = entries.entry(url.to_owned()).or_default();
        match fetched {
            Some(keys) => {
                tracing::info!(keys = keys.len(), "tenant keys fetched");
                e.keys = keys;
                e.fetched_at = Some(now);
                find(&e.keys, kid).ok_or(KeyLookup::Unknown)
            }
            None => {
                tracing::warn!("tenant keys could not be fetched");
                // A stale set still answers for a key it has (Entra keys live for weeks).
                find(&e.keys, kid).ok_or(KeyLookup::Unavailable)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    fn jwks(kids: &[&str]) -> Vec<u8> {
        let keys: Vec<serde_json::Value> = kids
            .iter()
            .map(|k| serde_json::json!({"kty": "RSA", "kid": k, "use": "sig", "n": "sXch", "e": "AQAB"}))
            .chain([serde_json::json!({"kty": "weird", "kid": "skip-me"})])
            .collect();
        serde_json::to_vec(&serde_json::json!({ "keys": keys })).unwrap()
    }

    fn cache(served: Arc<Mutex<Option<Vec<u8>>>>, count: Arc<AtomicUsize>) -> JwksCache {
        JwksCache::with_fetch(Box::new(move |_url| {
            count.fetch_add(1, Ordering::SeqCst);
            served.lock().unwrap().clone().ok_or_else(|| "down".to_owned())
        }))
    }

    #[test]
    fn a_set_is_cached_and_refreshed_for_a_new_kid_at_most_once_a_minute() {
        let served = Arc::new(Mutex::new(Some(jwks(&["k1"]))));
        let count = Arc::new(AtomicUsize::new(0));
        let c = cache(served.clone(), count.clone());
        assert!(c.key("u", "k1", 1000).is_ok());
        assert!(c.key("u", "k1", 1001).is_ok());
        assert_eq!(count.load(Ordering::SeqCst), 1, "cached");
        // Rotation: k2 appears. The first unknown kid within a minute of the fetch waits.
        *served.lock().unwrap() = Some(jwks(&["k1", "k2"]));
        assert_eq!(c.key("u", "k2", 1030).unwrap_err(), KeyLookup::Unknown);
        assert_eq!(count.load(Ordering::SeqCst), 1);
        assert!(c.key("u", "k2", 1060).is_ok(), "refreshed on the unknown kid");
        assert_eq!(count.load(Ordering::SeqCst), 2);
        // Made-up kids: at most one fetch a minute, however many requests.
        for i in 0..50 {
            assert_eq!(
                c.key("u", &format!("forged{i}"), 1061 + i).unwrap_err(),
                KeyLookup::Unknown
            );
        }
        assert_eq!(count.load(Ordering::SeqCst), 2, "no fetch per request");
        assert_eq!(c.key("u", "forged", 1130).unwrap_err(), KeyLookup::Unknown);
        assert_eq!(count.load(Ordering::SeqCst), 3);
        assert!(c.key("u", "k1", 1131).is_ok(), "known keys keep working");
        // A day later the set is fetched again.
        assert!(c.key("u", "k1", 1130 + MAX_AGE).is_ok());
        assert_eq!(count.load(Ordering::SeqCst), 4);
    }

    #[test]
    fn an_unreachable_jwks_is_unavailable_and_a_stale_set_still_answers() {
        let served = Arc::new(Mutex::new(None));
        let count = Arc::new(AtomicUsize::new(0));
        let c = cache(served.clone(), count.clone());
        assert_eq!(c.key("u", "k1", 1000).unwrap_err(), KeyLookup::Unavailable);
        assert_eq!(c.key("u", "k1", 1010).unwrap_err(), KeyLookup::Unavailable);
        assert_eq!(count.load(Ordering::SeqCst), 1, "no retry within a minute");
        *served.lock().unwrap() = Some(jwks(&["k1"]));
        assert!(c.key("u", "k1", 1060).is_ok());
        *served.lock().unwrap() = None;
        assert!(c.key("u", "k1", 1060 + MAX_AGE).is_ok(), "stale but the fetch failed");
        *served.lock().unwrap() = Some(b"not json".to_vec());
        assert_eq!(c.key("u", "k9", 1060 + 2 * MAX_AGE).unwrap_err(), KeyLookup::Unavailable);
    }
}
