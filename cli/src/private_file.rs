//! Files only their owner can read (mode 0600), written atomically: the content goes to a
//! temporary file in the target's directory, is flushed to disk, then linked or renamed into
//! place, so a reader never sees half an export and a failure leaves no partial file behind.
//! On Linux the temporary file has no name until it is complete (`O_TMPFILE`): a process
//! killed mid-export leaves nothing of its secrets in the directory. Elsewhere, or where the
//! file system cannot make unnamed files, it is a named `.nyckel-export-*` file.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::error::{CliError, Result};

/// A file being written: created (empty, owner-only) next to its final path.
pub(crate) struct Staged {
    temp: Temp,
    path: PathBuf,
}

/// The temporary file behind a [`Staged`] one.
enum Temp {
    /// No directory entry until committed (Linux `O_TMPFILE`).
    #[cfg(target_os = "linux")]
    Unnamed(unnamed::Unnamed),
    /// A `.nyckel-export-*` file, removed on drop.
    Named(tempfile::NamedTempFile),
}

const PREFIX: &str = ".nyckel-export-";

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
    #[cfg(target_os = "linux")]
    if let Some(file) = unnamed::create(dir) {
        return Ok(Staged { temp: Temp::Unnamed(file), path: path.to_owned() });
    }
    let mut builder = tempfile::Builder::new();
    builder.prefix(PREFIX);
    // tempfile's default already, said explicitly: this is what the file's secrecy rests on.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600));
    let temp = builder.tempfile_in(dir).map_err(|e| cannot_write(path, &e))?;
    Ok(Staged { temp: Temp::Named(temp), path: path.to_owned() })
}

fn cannot_write(path: &Path, e: &std::io::Error) -> CliError {
    let kind = e.kind();
    let text = format!("cannot write {}: {e}{}", path.display(), crate::error::file_remedy(e));
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
        let file = match &mut self.temp {
            #[cfg(target_os = "linux")]
            Temp::Unnamed(u) => u.file_mut(),
            Temp::Named(t) => t.as_file_mut(),
        };
        file.write_all(bytes)
            .and_then(|_| file.sync_all())
            .map_err(|e| cannot_write(&self.path, &e))
    }

    /// Moves the file to its final path: replacing what is there when `overwrite`, else
    /// refusing if something appeared there since [`check_free`].
    pub(crate) fn commit(self, overwrite: bool) -> Result<()> {
        let Staged { temp, path } = self;
        let result = match temp {
            #[cfg(target_os = "linux")]
            Temp::Unnamed(u) => u.link(&path, overwrite),
            Temp::Named(t) if overwrite => t.persist(&path).map(drop).map_err(|e| e.error),
            Temp::Named(t) => t.persist_noclobber(&path).map(drop).map_err(|e| e.error),
        };
        result.map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => exists(&path),
            _ => cannot_write(&path, &e),
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

/// Unnamed temporary files: `O_TMPFILE`, then `linkat` through `/proc/self/fd` (which needs no
/// privilege, unlike `AT_EMPTY_PATH`).
#[cfg(target_os = "linux")]
mod unnamed {
    use rustix::fs::{AtFlags, Mode, OFlags, CWD};
    use std::fs::File;
    use std::io;
    use std::os::fd::AsRawFd;
    use std::path::{Path, PathBuf};

    pub(super) struct Unnamed {
        file: File,
        dir: PathBuf,
    }

    /// An unnamed owner-only file in `dir`, or `None` where that cannot be had (file systems
    /// without `O_TMPFILE`, no `/proc`): the caller falls back to a named one.
    pub(super) fn create(dir: &Path) -> Option<Unnamed> {
        if !Path::new("/proc/self/fd").is_dir() {
            return None;
        }
        let flags = OFlags::TMPFILE | OFlags::WRONLY | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(CWD, dir, flags, Mode::RUSR | Mode::WUSR).ok()?;
        Some(Unnamed { file: File::from(fd), dir: dir.to_owned() })
    }

    impl Unnamed {
        pub(super) fn file_mut(&mut self) -> &mut File {
            &mut self.file
        }

        /// Gives the file the name `path`: refused with `AlreadyExists` if it is taken,
        /// unless `overwrite`, which links it under a fresh temporary name and renames that
        /// over `path` (one atomic replacement; only a kill in between leaves the whole file
        /// under that name).
        pub(super) fn link(self, path: &Path, overwrite: bool) -> io::Result<()> {
            if !overwrite {
                return self.link_as(path);
            }
            let temp = self.link_fresh()?;
            std::fs::rename(&temp, path).inspect_err(|_| {
                let _ = std::fs::remove_file(&temp);
            })
        }

        fn link_as(&self, path: &Path) -> io::Result<()> {
            let own = format!("/proc/self/fd/{}", self.file.as_raw_fd());
            rustix::fs::linkat(CWD, own.as_str(), CWD, path, AtFlags::SYMLINK_FOLLOW)
                .map_err(io::Error::from)
        }

        /// Links the file under a `.nyckel-export-*` name no one has, and returns it.
        fn link_fresh(&self) -> io::Result<PathBuf> {
            let stamp = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            for attempt in 0..64u32 {
                let name = format!("{}{}-{stamp:x}-{attempt}", super::PREFIX, std::process::id());
                let temp = self.dir.join(name);
                match self.link_as(&temp) {
                    Ok(()) => return Ok(temp),
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                    Err(e) => return Err(e),
                }
            }
            Err(io::Error::new(io::ErrorKind::AlreadyExists, "no free temporary name"))
        }
    }
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

    /// What a process killed before its commit leaves: on Linux (where the file system makes
    /// unnamed files) no directory entry at all, so no secret lies around half written.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_staged_file_has_no_name_until_committed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        let mut staged = stage(&path).unwrap();
        if matches!(staged.temp, Temp::Named(_)) {
            eprintln!("SKIPPED: this file system makes no unnamed (O_TMPFILE) files");
            return;
        }
        staged.write(b"secret").unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no entry before commit");
        std::mem::forget(staged); // as a SIGKILL would: no destructor runs
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn overwriting_leaves_only_the_new_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        std::fs::write(&path, "old").unwrap();
        let mut staged = stage(&path).unwrap();
        staged.write(b"new").unwrap();
        staged.commit(true).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary name left");
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
