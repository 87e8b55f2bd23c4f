//! Google's attestation certificate status list: the certificates of Android Key
//! Attestation chains that Google revoked or suspended (leaked or flawed attestation keys).
//! Google publishes it as JSON, `{"entries": {"<serial>": {"status": "REVOKED", …}, …}}`,
//! keyed by each certificate's serial number in lowercase hexadecimal; the administrator
//! fetches it on a schedule into a file the provider reads (the provider fetches nothing).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use serde::Deserialize;

/// The serial numbers of a status list (lowercase hexadecimal, no leading zeros).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RevokedSerials(HashSet<String>);

#[derive(Deserialize)]
struct StatusFile {
    entries: BTreeMap<String, serde::de::IgnoredAny>,
}

/// A serial number as the list writes it: lowercase hexadecimal without leading zeros.
pub fn normalize(hex: &str) -> String {
    let lower = hex.to_ascii_lowercase();
    let trimmed = lower.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".to_owned()
    } else {
        trimmed.to_owned()
    }
}

impl RevokedSerials {
    /// Reads a status list in Google's format. Every entry counts, whatever its `status`
    /// (`REVOKED` or `SUSPENDED`): a suspended attestation key is not trusted either.
    pub fn from_json(bytes: &[u8]) -> Result<RevokedSerials, String> {
        let file: StatusFile =
            serde_json::from_slice(bytes).map_err(|e| format!("not a status list: {e}"))?;
        let mut serials = HashSet::new();
        for serial in file.entries.keys() {
            if serial.is_empty() || !serial.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err("an entry's serial number is not hexadecimal".to_owned());
            }
            serials.insert(normalize(serial));
        }
        Ok(RevokedSerials(serials))
    }

    /// Whether `serial` (hexadecimal, any case) is listed.
    pub fn contains(&self, serial: &str) -> bool {
        self.0.contains(&normalize(serial))
    }
}

/// A status list file the provider reads again whenever it changes (its modification time
/// or length), so a scheduled download takes effect without a restart. A file that cannot
/// be read or parsed refuses every attestation until it can (fail closed).
pub struct RevocationFile {
    path: PathBuf,
    cache: Mutex<Option<(Stamp, Arc<RevokedSerials>)>>,
}

type Stamp = (Option<SystemTime>, u64);

impl RevocationFile {
    /// Reads `path` now (an error names what is wrong, for the administrator at start).
    pub fn open(path: &Path) -> Result<RevocationFile, String> {
        let file = RevocationFile { path: path.to_owned(), cache: Mutex::new(None) };
        file.current()?;
        Ok(file)
    }

    /// The list as the file says now.
    pub fn current(&self) -> Result<Arc<RevokedSerials>, String> {
        let meta = std::fs::metadata(&self.path).map_err(|e| self.describe(e))?;
        let stamp = (meta.modified().ok(), meta.len());
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((seen, list)) = cache.as_ref() {
            if *seen == stamp && seen.0.is_some() {
                return Ok(list.clone());
            }
        }
        let bytes = std::fs::read(&self.path).map_err(|e| self.describe(e))?;
        let list = Arc::new(
            RevokedSerials::from_json(&bytes)
                .map_err(|e| format!("{}: {e}", self.path.display()))?,
        );
        *cache = Some((stamp, list.clone()));
        Ok(list)
    }

    fn describe(&self, e: std::io::Error) -> String {
        format!("{}: {e}", self.path.display())
    }
}

impl std::fmt::Debug for RevocationFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevocationFile").field("path", &self.path).finish()
    }
}
