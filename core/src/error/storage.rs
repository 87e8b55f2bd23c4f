//! Which storage failure an [`ErrorKind::Storage`](super::ErrorKind::Storage) error is: the
//! one place that tells a full disk from a read-only file, a missing permission or a failing
//! device, from SQLite's result code and the operating system's error. The CLI says what
//! to do about each, and the bindings hand it to the apps (`NyckelError.Storage`'s `fault`);
//! the kind, its next step (try again: a failed write changed nothing) and whether a sign-in
//! request can still be answered stay those of `Storage` for all of them.

/// The cause of a failed read or write of the vault (or of a file Nyckel writes), as far as
/// the user can act on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StorageFault {
    /// No space left on the device (`ENOSPC`, SQLite's `SQLITE_FULL`), or the user's disk
    /// quota is used up (`EDQUOT`).
    DiskFull,
    /// The file may not grow any larger (`EFBIG`): a file size limit of the process
    /// (`ulimit -f`) or the file system's largest file.
    FileTooLarge,
    /// The vault file, its folder or its file system is read-only (`EROFS`, a file without
    /// write permission, SQLite's `SQLITE_READONLY`): it can be read, not changed.
    ReadOnly,
    /// This user may not open or change the file or its folder (`EACCES`, `EPERM`).
    PermissionDenied,
    /// Another process held the vault's write lock for longer than Nyckel waits.
    Busy,
    /// The device reported an input/output error (`EIO`, or another failed read or write).
    Io,
    /// Neither the file nor the device: no randomness, or an encryption step failed.
    Other,
}

impl StorageFault {
    /// Every fault, for tests that each one is rendered.
    pub const ALL: [StorageFault; 7] = [
        StorageFault::DiskFull,
        StorageFault::FileTooLarge,
        StorageFault::ReadOnly,
        StorageFault::PermissionDenied,
        StorageFault::Busy,
        StorageFault::Io,
        StorageFault::Other,
    ];

    /// The fault an operating-system error stands for, from its kind (`ENOSPC` is
    /// `StorageFull`, `EROFS` `ReadOnlyFilesystem`, …). Anything unknown is [`Self::Io`].
    pub fn from_io(e: &std::io::Error) -> StorageFault {
        use std::io::ErrorKind as K;
        match e.kind() {
            K::StorageFull | K::QuotaExceeded => StorageFault::DiskFull,
            K::FileTooLarge => StorageFault::FileTooLarge,
            K::ReadOnlyFilesystem => StorageFault::ReadOnly,
            K::PermissionDenied => StorageFault::PermissionDenied,
            K::ResourceBusy | K::WouldBlock => StorageFault::Busy,
            _ => StorageFault::Io,
        }
    }

    /// One line saying what happened (never SQLite's or the OS's own text, which may name
    /// tables or paths: that is the error's `log_detail`).
    pub const fn sentence(self) -> &'static str {
        match self {
            StorageFault::DiskFull => "the disk is full: the change could not be saved",
            StorageFault::FileTooLarge => {
                "the file may not grow any larger (a file size limit): the change could not be saved"
            }
            StorageFault::ReadOnly => "the vault is read-only: nothing in it can be changed",
            StorageFault::PermissionDenied => {
                "permission denied: this user may not change the vault file or its folder"
            }
            StorageFault::Busy => "the vault is in use by another process",
            StorageFault::Io => "the device reported an error reading or writing the vault file",
            StorageFault::Other => "could not read or write the vault file",
        }
    }
}

impl std::fmt::Display for StorageFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.sentence())
    }
}
