//! A vault file's stamp: what the file system reports about the file and its WAL (device,
//! inode, size, modification and change times). A caller that saw the file pass
//! [`super::Vault::open`]'s checks can keep the stamp taken just before them and, on the
//! next open, skip the checks while the stamp is still the same
//! ([`super::Vault::open_unless_unchanged`]).
//!
//! Every write through the file system moves the size or the modification time of the file
//! or of its WAL, and always the change time, which no unprivileged program can set back
//! (changing the mode, the owner or the times by `utimensat` moves it too); replacing the
//! file changes the inode. So an equal stamp means the file holds what was checked, short
//! of the storage changing under the file system (which SQLite's page checks and each
//! record's AES-GCM tag still catch when the bytes are read).
//!
//! File times have the resolution of the kernel's clock tick, not a nanosecond: two writes
//! within one tick can leave the same times. As in git's "racy clean" rule, a stamp is
//! therefore only worth keeping once the times it holds are [`SETTLE_SECONDS`] older than
//! the clock ([`FileStamp::is_settled`]): a later write then always moves the change time.

use std::path::Path;

/// How much older than the clock a stamp's file times must be for the stamp to be kept.
pub const SETTLE_SECONDS: i64 = 2;

/// One file's metadata, as far as it tells whether the file was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FileMeta {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl FileMeta {
    const FIELDS: usize = 7;

    #[cfg(unix)]
    fn of(path: &Path) -> std::io::Result<Option<FileMeta>> {
        use std::os::unix::fs::MetadataExt;
        match std::fs::symlink_metadata(path) {
            Ok(m) => Ok(Some(FileMeta {
                dev: m.dev(),
                ino: m.ino(),
                size: m.size(),
                mtime: (m.mtime(), m.mtime_nsec()),
                ctime: (m.ctime(), m.ctime_nsec()),
            })),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn numbers(&self) -> [i128; Self::FIELDS] {
        [
            self.dev.into(),
            self.ino.into(),
            self.size.into(),
            self.mtime.0.into(),
            self.mtime.1.into(),
            self.ctime.0.into(),
            self.ctime.1.into(),
        ]
    }

    fn from_numbers(n: &[i128]) -> Option<FileMeta> {
        let [dev, ino, size, ms, mn, cs, cn] = n else { return None };
        Some(FileMeta {
            dev: u64::try_from(*dev).ok()?,
            ino: u64::try_from(*ino).ok()?,
            size: u64::try_from(*size).ok()?,
            mtime: (i64::try_from(*ms).ok()?, i64::try_from(*mn).ok()?),
            ctime: (i64::try_from(*cs).ok()?, i64::try_from(*cn).ok()?),
        })
    }
}

/// The stamp of a vault file and its WAL (see the module documentation). Not a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileStamp {
    vault: FileMeta,
    wal: Option<FileMeta>,
}

impl FileStamp {
    /// The stamp of the vault at `path` now; `None` where the platform does not report
    /// inodes and change times, when `path` is a symbolic link or cannot be read (then the
    /// checks always run).
    pub fn of(path: &Path) -> Option<FileStamp> {
        Self::read(path)
    }

    #[cfg(unix)]
    fn read(path: &Path) -> Option<FileStamp> {
        // A symbolic link's own times say nothing about its target's writes, and SQLite may
        // put the WAL next to either: no stamp (the checks then always run).
        if !std::fs::symlink_metadata(path).ok()?.is_file() {
            return None;
        }
        let vault = FileMeta::of(path).ok()??;
        let mut wal_path = path.as_os_str().to_owned();
        wal_path.push("-wal");
        let wal = FileMeta::of(Path::new(&wal_path)).ok()?;
        Some(FileStamp { vault, wal })
    }

    #[cfg(not(unix))]
    fn read(_: &Path) -> Option<FileStamp> {
        None
    }

    /// True when every time in the stamp is at least [`SETTLE_SECONDS`] before `now` (Unix
    /// seconds): a write after the stamp was taken then cannot leave the same times.
    pub fn is_settled(&self, now: i64) -> bool {
        let latest = |m: &FileMeta| m.mtime.0.max(m.ctime.0);
        let newest =
            self.wal.as_ref().map_or(latest(&self.vault), |w| latest(w).max(latest(&self.vault)));
        newest.saturating_add(SETTLE_SECONDS) <= now
    }

    /// The stamp as one word of ASCII digits and dots (`-` for no WAL), for a caller that
    /// keeps it in another process; [`FileStamp::parse`] reads it back.
    pub fn to_text(&self) -> String {
        let mut parts: Vec<String> = self.vault.numbers().iter().map(i128::to_string).collect();
        match &self.wal {
            Some(wal) => parts.extend(wal.numbers().iter().map(i128::to_string)),
            None => parts.push("-".to_owned()),
        }
        parts.join(".")
    }

    /// Reads what [`FileStamp::to_text`] wrote; `None` for anything else.
    pub fn parse(text: &str) -> Option<FileStamp> {
        let (vault, wal) = match text.strip_suffix(".-") {
            Some(vault) => (vault, None),
            None => {
                let mut dots = text.match_indices('.').map(|(i, _)| i);
                let split = dots.nth(FileMeta::FIELDS - 1)?;
                (&text[..split], Some(&text[split + 1..]))
            }
        };
        let numbers = |t: &str| -> Option<Vec<i128>> {
            t.split('.')
                .map(|n| {
                    let digits = n.strip_prefix('-').unwrap_or(n);
                    let plain = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
                    plain.then(|| n.parse().ok()).flatten()
                })
                .collect()
        };
        let vault = FileMeta::from_numbers(&numbers(vault)?)?;
        let wal = match wal {
            Some(w) => Some(FileMeta::from_numbers(&numbers(w)?)?),
            None => None,
        };
        Some(FileStamp { vault, wal })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(seed: i64) -> FileMeta {
        FileMeta {
            dev: 2049,
            ino: 1_234_567 + seed as u64,
            size: 405_504,
            mtime: (1_780_000_000 + seed, 123_456_789),
            ctime: (1_780_000_001, -5),
        }
    }

    #[test]
    fn text_round_trips_with_and_without_a_wal() {
        for stamp in [
            FileStamp { vault: meta(0), wal: None },
            FileStamp { vault: meta(1), wal: Some(meta(2)) },
        ] {
            let text = stamp.to_text();
            assert!(text.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-'), "{text}");
            assert_eq!(FileStamp::parse(&text), Some(stamp));
        }
    }

    #[test]
    fn malformed_text_is_refused() {
        let good = FileStamp { vault: meta(0), wal: Some(meta(1)) }.to_text();
        for bad in [
            "",
            "-",
            ".-",
            "1.2.3.-",
            &good[..good.len() - 2],
            &format!("{good}.9"),
            &good.replacen('.', "..", 1),
            &good.replacen('1', "+1", 1),
            &good.replacen('2', "x", 1),
            "1.2.3.4.5.6.7.-.-",
            "-1.2.3.4.5.6.7.-",
        ] {
            assert_eq!(FileStamp::parse(bad), None, "{bad:?}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn any_write_moves_the_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.nyckel");
        std::fs::write(&path, b"one").unwrap();
        let first = FileStamp::of(&path).unwrap();
        assert_eq!(FileStamp::of(&path), Some(first.clone()), "unchanged, same stamp");
        std::fs::write(&path, b"longer").unwrap();
        let second = FileStamp::of(&path).unwrap();
        assert_ne!(first, second);
        // A WAL appearing moves it too.
        std::fs::write(dir.path().join("v.nyckel-wal"), b"").unwrap();
        let third = FileStamp::of(&path).unwrap();
        assert_ne!(second, third);
        assert!(third.wal.is_some());
        // A link to it has no stamp.
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        assert_eq!(FileStamp::of(&link), None);
        // Replaced by another file: another inode.
        let other = dir.path().join("other");
        std::fs::write(&other, b"longer").unwrap();
        std::fs::rename(&other, &path).unwrap();
        assert_ne!(FileStamp::of(&path).unwrap().vault.ino, third.vault.ino);
        assert_eq!(FileStamp::of(&dir.path().join("none")), None);
    }

    #[test]
    fn only_times_older_than_the_settling_time_are_settled() {
        let stamp = FileStamp { vault: meta(0), wal: Some(meta(5)) };
        let newest = 1_780_000_005;
        assert!(!stamp.is_settled(newest));
        assert!(!stamp.is_settled(newest + SETTLE_SECONDS - 1));
        assert!(stamp.is_settled(newest + SETTLE_SECONDS));
        let no_wal = FileStamp { vault: meta(0), wal: None };
        assert!(no_wal.is_settled(1_780_000_001 + SETTLE_SECONDS), "the change time counts");
        assert!(!no_wal.is_settled(1_780_000_000 + SETTLE_SECONDS));
    }
}
