//! The vault every vault metric works on: 1,000 TOTP-SHA1 accounts, made once per run.

use std::path::{Path, PathBuf};

use nyckel_core::vault::{DuplicatePolicy, KdfParams, Vault};

use crate::data::{totp_uri, ACCOUNTS};

/// The passphrase of the fixture vault.
pub const PASSPHRASE: &str = "correct horse battery staple";

/// A fixture vault on disk, with its raw key (for unlocking without the KDF).
pub struct Fixture {
    /// The vault file.
    pub path: PathBuf,
    /// The vault key, as a platform key store would hand it back.
    pub key: Vec<u8>,
    _dir: tempfile::TempDir,
}

/// Creates the fixture in a fresh directory under `parent` (on disk, like a phone's vault),
/// with the default KDF parameters a new vault gets.
pub fn create(parent: &Path) -> Result<Fixture, String> {
    std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
    let dir = tempfile::tempdir_in(parent).map_err(|e| e.to_string())?;
    let path = dir.path().join("bench.nyckel");
    let mut vault =
        Vault::create(&path, PASSPHRASE, KdfParams::DEFAULT).map_err(|e| e.to_string())?;
    for i in 0..ACCOUNTS {
        vault.add_uri(&totp_uri(i), DuplicatePolicy::Allow).map_err(|e| e.to_string())?;
    }
    let key = vault.key_for_wrapping().map_err(|e| e.to_string())?.to_vec();
    drop(vault);
    Ok(Fixture { path, key, _dir: dir })
}
