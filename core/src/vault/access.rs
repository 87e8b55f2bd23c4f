//! Whether a vault can be written, checked before SQLite sees the file, and what opening a
//! read-only vault may and may not leave next to it.
//!
//! SQLite reads a WAL-mode file through a `-wal` and a `-shm` it creates next to it, even on
//! a read-only connection, with the database file's own mode: a read-only (0400) vault got a
//! read-only `-shm` that outlived the connection and kept every write failing after the vault
//! was made writable again. So a vault that cannot be written is opened *immutable* (SQLite
//! creates, locks and changes nothing) when its `-wal` holds nothing, and through SQLite's
//! ordinary read-only connection only when the `-wal` may hold the last commits (a crash
//! before the checkpoint); [`repair_side_files`] gives such leftovers their write permission
//! back the next time the vault is writable.

use std::path::Path;

use super::create::side_file;
use super::error::VaultError;
use crate::error::StorageFault;

/// How a vault can be opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Access {
    /// The file, its folder and its side files can be written.
    Writable,
    /// Nothing can be written; `why` says which part refused (for the log).
    ReadOnly { why: &'static str },
}

/// Whether the vault at `path` can be written. Read from file modes and `access(2)`, never by
/// opening the file: closing another descriptor of a database file would drop this process's
/// SQLite locks on it (another vault handle on the same file).
pub(super) fn of(path: &Path) -> Access {
    // No write bit at all: SQLite would make its side files read-only too, even for root.
    if std::fs::metadata(path).is_ok_and(|m| m.permissions().readonly()) {
        return Access::ReadOnly { why: "the vault file has no write permission" };
    }
    #[cfg(unix)]
    {
        use rustix::fs::{access, Access as Mode};
        if access(path, Mode::WRITE_OK).is_err() {
            return Access::ReadOnly {
                why:
                    "this user cannot write the vault file (permissions or a read-only file system)",
            };
        }
        // SQLite creates a missing `-wal` or `-shm` next to the vault: a folder it cannot
        // write leaves it only reading (if at all).
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let missing_side_file =
            ["-wal", "-shm"].iter().any(|s| side_file(path, s).symlink_metadata().is_err());
        if missing_side_file && access(dir, Mode::WRITE_OK | Mode::EXEC_OK).is_err() {
            return Access::ReadOnly { why: "this user cannot write the vault's folder" };
        }
    }
    Access::Writable
}

/// Whether the vault's `-wal` may hold commits not yet in the file (it exists and is not
/// empty). An empty or missing `-wal` holds none: the file alone is the whole vault.
pub(super) fn wal_has_frames(path: &Path) -> bool {
    side_file(path, "-wal").metadata().is_ok_and(|m| m.len() > 0)
}

/// Refuses an existing vault whose `-wal`, `-shm` or `-journal` is not its owner's own, before
/// SQLite reads from it: a symlink or anything but a regular file, a file of another owner, or
/// one that group or others may write where the vault file itself is not writable by them.
/// SQLite replays a `-wal` (or a hot `-journal`) into what it reads, and their checksums are
/// not keyed: whoever could plant one next to the vault (another user in a shared, sticky
/// directory) could put back old pages — an older HOTP counter, a deleted account. Refused
/// with [`VaultError::AlreadyExists`] naming the side file, as creation refuses one (see
/// `create.rs`); nothing is opened, read or changed. The side files are looked for where
/// SQLite puts them: next to the file a symlinked vault path resolves to. Unix only;
/// elsewhere the app sandbox.
///
/// Checked before SQLite opens the files; a side file swapped in after the check and before
/// SQLite opens it (microseconds later) is not caught here.
pub(super) fn refuse_foreign_side_files(path: &Path) -> Result<(), VaultError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let Ok(vault) = path.metadata() else { return Ok(()) };
        let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        for suffix in super::create::SIDE_FILES {
            let side = side_file(&real, suffix);
            let Ok(meta) = side.symlink_metadata() else { continue };
            let widens_write = meta.mode() & 0o022 & !vault.mode() != 0;
            if !meta.file_type().is_file() || meta.uid() != vault.uid() || widens_write {
                return Err(VaultError::AlreadyExists(side.display().to_string()));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Gives a `-wal` or `-shm` that an earlier read-only open left without write permission
/// (owned by the vault's owner, a regular file) its owner's write permission back, so that
/// SQLite can write through it again. A side file of another owner, or one this user may not
/// change, is left as it is (writes then fail as read-only, with a typed error).
pub(super) fn repair_side_files(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let Ok(vault) = path.metadata() else { return };
        for suffix in ["-wal", "-shm"] {
            let side = side_file(path, suffix);
            let Ok(meta) = side.symlink_metadata() else { continue };
            if meta.file_type().is_file() && meta.uid() == vault.uid() && meta.mode() & 0o200 == 0 {
                let mode = (meta.mode() & 0o777) | 0o600;
                let _ = std::fs::set_permissions(&side, std::fs::Permissions::from_mode(mode));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// The `file:` URI that opens `path` immutable and read-only (every byte outside the
/// unreserved set percent-encoded, so any file name, UTF-8 or not, survives).
pub(super) fn immutable_uri(path: &Path) -> std::ffi::OsString {
    #[cfg(unix)]
    let bytes = std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str()).to_vec();
    #[cfg(not(unix))]
    let bytes = path.to_string_lossy().into_owned().into_bytes();
    let mut uri = String::from("file:");
    for b in bytes {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push_str("?mode=ro&immutable=1");
    uri.into()
}

/// The error of a write to a vault opened read-only.
pub(super) fn read_only_error(why: &str) -> VaultError {
    VaultError::storage(StorageFault::ReadOnly, why)
}

/// A read-only vault whose `-wal` could not be read (SQLite's `detail` for the log).
pub(super) fn read_only_error_with(why: &str, detail: &str) -> VaultError {
    VaultError::storage(
        StorageFault::ReadOnly,
        format!("{why}; its last changes are in its -wal, which cannot be read here: {detail}"),
    )
}
