//! A small tmpfs for a real full disk (`ENOSPC`), as in core/tests/disk_full.rs: mounted on
//! a fresh temporary directory (root only), unmounted on drop, and a filler file that takes
//! its free space. Where mounting is not permitted, the test prints why it is skipped.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A mounted tmpfs; unmounted when dropped (lazily if something still holds it).
pub struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mounts one of `bytes`, or prints `SKIPPED: …` with the reason and gives `None`
    /// (a failure instead when `NYCKEL_REQUIRE_TMPFS=1`, as `cargo xtask test` sets as root).
    pub fn or_skip(test: &str, bytes: u64) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes},mode=0700"), "nyckel-test"])
            .arg(dir.path())
            .output();
        let why = match out {
            Ok(o) if o.status.success() => return Some(Tmpfs { dir }),
            Ok(o) => String::from_utf8_lossy(&o.stderr).trim().to_owned(),
            Err(e) => format!("cannot run mount: {e}"),
        };
        if std::env::var("NYCKEL_REQUIRE_TMPFS").as_deref() == Ok("1") {
            panic!("{test}: a tmpfs is required (NYCKEL_REQUIRE_TMPFS=1) but: {why}");
        }
        eprintln!("SKIPPED: {test}: cannot mount a tmpfs for a real full disk ({why})");
        None
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let done = Command::new("umount").arg(self.dir.path()).status();
        if !done.is_ok_and(|s| s.success()) {
            let _ = Command::new("umount").arg("-l").arg(self.dir.path()).status();
        }
    }
}

/// The file that takes the tmpfs's free space.
pub struct Filler {
    path: PathBuf,
}

impl Filler {
    pub fn new(fs: &Tmpfs) -> Filler {
        Filler { path: fs.path().join("filler") }
    }

    /// Fills the disk, then gives back `bytes` (rounded to pages).
    pub fn leave_free(&self, bytes: u64) {
        let mut file =
            std::fs::OpenOptions::new().create(true).append(true).open(&self.path).unwrap();
        for chunk in [65_536, 4096, 512, 1] {
            let block = vec![0xa5u8; chunk];
            while let Ok(n) = file.write(&block) {
                if n < chunk {
                    break;
                }
            }
        }
        let len = file.metadata().unwrap().len();
        file.set_len(len.saturating_sub(bytes)).unwrap();
    }

    /// Gives every byte back.
    pub fn remove(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
