//! Files only their owner can read (mode 0600), written atomically: the content goes to a
//! temporary file in the target's directory, is flushed to disk, then renamed into place,
//! so a reader never sees half an export and a failure leaves no partial file behind.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::error::{CliError, Result};

/// A file being written: created (empty, owner-only) next to its final path.
pub(crate) struct Staged {
    temp: tempfile::NamedTempFile,
    path: PathBuf,
}

/// Refuses paths that already exist (unless `overwrite`), before any work is done.
pub(crate) fn check_free(paths: &[PathBuf], overwrite: bool) -> Result<()> {
    for path in paths {
        if std::fs::symlink_metadata(path).is_ok() {
            if !overwrite {
                return Err(exists(path));
            }
            if path.is_dir() {
                return Err(CliError::usage(format!("{} is a directory", path.display())));
            }
        }
    }
    Ok(())
}

fn exists(path: &Path) -> CliError {
    CliError::usage(format!(
        "{} already exists; refusing to overwrite it (choose another --out, or add --force)",
        path.display()
    ))
}

/// Creates the temporary file for `path` in its directory (so a directory that cannot be
/// written is found before anything is exported).
pub(crate) fn stage(path: &Path) -> Result<Staged> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".nyckel-export-");
    // tempfile's default already, said explicitly: this is what the file's secrecy rests on.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600));
    let temp = builder.tempfile_in(dir).map_err(|e| cannot_write(path, &e))?;
    Ok(Staged { temp, path: path.to_owned() })
}

fn cannot_write(path: &Path, e: &std::io::Error) -> CliError {
    let kind = e.kind();
    let text = format!("cannot write {}: {e}", path.display());
    if matches!(kind, std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied) {
        CliError::usage(text)
    } else {
        CliError::failure(text)
    }
}

impl Staged {
    /// The final path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `bytes` and syncs them to disk (not yet at the final path).
    pub(crate) fn write(&mut self, bytes: &[u8]) -> Result<()> {
        let file = self.temp.as_file_mut();
        file.write_all(bytes)
            .and_then(|_| file.sync_all())
            .map_err(|e| cannot_write(&self.path, &e))
    }

    /// Moves the file to its final path: replacing what is there when `overwrite`, else
    /// refusing if something appeared there since [`check_free`].
    pub(crate) fn commit(self, overwrite: bool) -> Result<()> {
        let Staged { temp, path } = self;
        let result = if overwrite { temp.persist(&path) } else { temp.persist_noclobber(&path) };
        result.map_err(|e| match e.error.kind() {
            std::io::ErrorKind::AlreadyExists => exists(&path),
            _ => cannot_write(&path, &e.error),
        })?;
        sync_dir(&path);
        Ok(())
    }
}

/// Commits every staged file; if one fails, the ones already moved into place are removed
/// again (none of them was there before, or `overwrite` was asked for).
pub(crate) fn commit_all(staged: Vec<Staged>, overwrite: bool) -> Result<Vec<PathBuf>> {
    let mut done = Vec::new();
    for s in staged {
        let path = s.path().to_owned();
        if let Err(e) = s.commit(overwrite) {
            for p in &done {
                let _ = std::fs::remove_file(p);
            }
            return Err(e);
        }
        done.push(path);
    }
    Ok(done)
}

/// Makes the rename itself durable (best effort: not every file system allows it).
fn sync_dir(path: &Path) {
    #[cfg(unix)]
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn written_files_are_owner_only_and_appear_whole() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        let mut staged = stage(&path).unwrap();
        staged.write(b"{}").unwrap();
        assert!(!path.exists(), "nothing at the final path before commit");
        staged.commit(false).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"{}");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        // Nothing else is left in the directory.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn an_existing_file_is_kept_unless_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        std::fs::write(&path, "old").unwrap();
        let e = check_free(std::slice::from_ref(&path), false).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.message().unwrap().contains("already exists"));
        // A file that appears after the check is not replaced either.
        let mut staged = stage(&path).unwrap();
        staged.write(b"new").unwrap();
        assert!(staged.commit(false).unwrap_err().message().unwrap().contains("already exists"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        check_free(std::slice::from_ref(&path), true).unwrap();
        let mut staged = stage(&path).unwrap();
        staged.write(b"new").unwrap();
        staged.commit(true).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
    }

    #[test]
    fn a_failed_commit_removes_the_files_already_committed() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.png"), dir.path().join("b.png"));
        let mut first = stage(&a).unwrap();
        first.write(b"1").unwrap();
        let mut second = stage(&b).unwrap();
        second.write(b"2").unwrap();
        std::fs::write(&b, "taken").unwrap();
        assert!(commit_all(vec![first, second], false).is_err());
        assert!(!a.exists());
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "taken");
    }
}
