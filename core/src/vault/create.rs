//! Creating a vault file atomically: built in a temporary file next to its path, made durable,
//! then linked into place without ever replacing anything.
//!
//! An interrupted create (crash, SIGKILL, power loss) leaves either no vault or the complete
//! one at the path — never a half-made file that answers "wrong passphrase" and blocks the
//! next create. At worst a hidden temporary file (`.NAME.XXXXXXXXXXXXXXXX.creating`) stays
//! behind; it is not a vault and blocks nothing.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use super::error::VaultError;
use super::slots::hex;
use crate::error::StorageFault;

/// The files SQLite keeps next to a database (`-wal`, `-shm`, `-journal`).
pub(super) const SIDE_FILES: [&str; 3] = ["-wal", "-shm", "-journal"];

/// `path` with a side-file suffix.
pub(super) fn side_file(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Refuses a path where a file, a (dangling) symlink or any SQLite side file already is: a
/// vault is never created over something, and never next to a journal that SQLite would
/// read or write into (another user's `-wal` in a shared directory, say).
pub(super) fn refuse_existing(path: &Path) -> Result<(), VaultError> {
    let taken = std::iter::once(path.to_path_buf())
        .chain(SIDE_FILES.iter().map(|s| side_file(path, s)))
        .find(|p| p.symlink_metadata().is_ok());
    match taken {
        Some(p) => Err(VaultError::AlreadyExists(p.display().to_string())),
        None => Ok(()),
    }
}

/// Opens a new file exclusively (`O_CREAT | O_EXCL`), owner-only (0600) on Unix from the
/// first moment: there is no window in which another user could open it.
fn create_new(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

fn storage(what: &str, path: &Path, e: std::io::Error) -> VaultError {
    VaultError::io(format_args!("cannot {what} {}", path.display()), &e)
}

/// The temporary file a vault is built in. Removed (with any side files SQLite left for it)
/// when dropped, unless [`TempFile::persist_exclusively`] linked it into place.
pub(super) struct TempFile {
    path: PathBuf,
}

impl TempFile {
    /// Creates `.NAME.<16 random hex>.creating` in the directory of `target`, empty, 0600.
    pub(super) fn new(target: &Path) -> Result<TempFile, VaultError> {
        let name = target
            .file_name()
            .ok_or_else(|| VaultError::InvalidInput("the vault path has no file name".into()))?;
        let random = crate::random::array::<8>(&crate::random::SystemRandom).map_err(|e| {
            VaultError::storage(StorageFault::Other, format!("no randomness for a file name: {e}"))
        })?;
        let mut temp_name = std::ffi::OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!(".{}.creating", hex(&random)));
        let path = target.with_file_name(temp_name);
        create_new(&path).map_err(|e| storage("create", &path, e))?;
        let temp = TempFile { path };
        // A random name nobody could have guessed; side files already there are hostile.
        refuse_existing_side_files(&temp.path)?;
        Ok(temp)
    }

    /// Where the vault is being built.
    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// Makes the finished file durable and links it at `target`, failing with
    /// [`VaultError::AlreadyExists`] if anything got there first (a hard link never replaces
    /// a file, unlike a rename), then removes the temporary name and makes both directory
    /// changes durable. The caller has closed every connection to the file.
    pub(super) fn persist_exclusively(self, target: &Path) -> Result<(), VaultError> {
        // The build ran without a journal file: no side files may be left for this name.
        refuse_existing_side_files(&self.path)?;
        File::open(&self.path)
            .and_then(|f| f.sync_all())
            .map_err(|e| storage("write", &self.path, e))?;
        match std::fs::hard_link(&self.path, target) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(VaultError::AlreadyExists(target.display().to_string()));
            }
            Err(e) => return Err(storage("create", target, e)),
        }
        // From here on the vault exists at `target`; the temporary name is only a second
        // link to it. Dropping `self` removes that name.
        drop(self);
        sync_directory(target)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        for suffix in SIDE_FILES {
            let _ = std::fs::remove_file(side_file(&self.path, suffix));
        }
    }
}

pub(super) fn refuse_existing_side_files(path: &Path) -> Result<(), VaultError> {
    for suffix in SIDE_FILES {
        let side = side_file(path, suffix);
        if side.symlink_metadata().is_ok() {
            return Err(VaultError::AlreadyExists(side.display().to_string()));
        }
    }
    Ok(())
}

/// Makes the new directory entry at `path` durable (Unix; elsewhere a no-op).
fn sync_directory(path: &Path) -> Result<(), VaultError> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        File::open(dir).and_then(|d| d.sync_all()).map_err(|e| storage("sync", dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Checks the side files SQLite opened next to a just-created vault: each must belong to the
/// vault file's owner and be readable by it alone. A side file planted in the moment between
/// the checks before linking and SQLite opening it (another user's, group- or world-readable)
/// is refused, and the new vault removed. Unix only; elsewhere the app sandbox.
pub(super) fn check_side_files(path: &Path) -> Result<(), VaultError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let vault = path.symlink_metadata().map_err(|e| storage("read", path, e))?;
        for suffix in SIDE_FILES {
            let side = side_file(path, suffix);
            let Ok(meta) = side.symlink_metadata() else { continue };
            if !meta.file_type().is_file() || meta.uid() != vault.uid() || meta.mode() & 0o077 != 0
            {
                return Err(VaultError::AlreadyExists(side.display().to_string()));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}
