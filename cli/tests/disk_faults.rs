//! A full disk and a read-only vault, through the built binary. A write that cannot be made
//! is a typed error (exit 1 and one `nyckel: ` line, never a panic or a signal), nothing
//! stored is lost or changed, no HOTP code is shown that was not saved, and the vault works
//! again once space or write access returns.
//!
//! A full disk is made without root or a mount: the child runs under `RLIMIT_FSIZE`, so a
//! write past the limit fails with `EFBIG` (SIGXFSZ, which would kill it, is ignored) —
//! for SQLite the same failed `write` a full disk gives. The limit is swept from nothing
//! up to more than the vault needs, so the failure lands in each file and phase of a write.
//! A real `ENOSPC` too, on a tmpfs (root only; skipped with its reason elsewhere): every
//! write path of the core under it is core/tests/disk_full.rs, the binary's message here.
//!
//! A vault whose file or folder cannot be written still reads, and creates nothing next to
//! itself; each write says "the vault is read-only" and what to do.

#![cfg(target_os = "linux")]

mod common;
use common::*;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::process::Command;

/// `cmd` with files limited to `bytes` (and SIGXFSZ ignored, as `ulimit -f` in a shell
/// that traps it).
fn disk_full_at(mut cmd: Command, bytes: u64) -> Command {
    // SAFETY: between fork and exec only async-signal-safe calls: signal(2), setrlimit(2).
    unsafe {
        cmd.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit { rlim_cur: bytes, rlim_max: bytes };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd
}

/// Byte limits from none to more than any file of a small vault reaches.
const LIMITS: [u64; 12] =
    [0, 100, 1024, 4096, 4200, 8192, 12_000, 32_768, 40_000, 65_536, 98_304, 1 << 20];

/// A failed write: exit 1, a single `nyckel:` line that says what happened — the file size
/// limit (`EFBIG`), or a full disk where a write was cut short (SQLite's `SQLITE_FULL`) —
/// and what to do, nothing on stdout.
fn assert_typed_failure(run: &Run, what: &str) {
    run.fails(1, "");
    assert!(run.stdout.is_empty(), "{what}: printed {:?} though it failed", run.stdout);
    let last = run.stderr.lines().last().unwrap();
    let limit = last.contains("a file size limit") && last.contains("raise the file size limit");
    let full = last.contains("the disk is full") && last.contains("free some space");
    assert!(limit || full, "{what}: the error says what failed and what to do: {}", run.stderr);
    assert!(last.contains("nothing was changed"), "{what}: {last}");
}

fn list(v: &TestVault) -> serde_json::Value {
    v.run(&["list", "--json"]).json()
}

#[test]
fn a_full_disk_is_a_typed_error_and_the_vault_survives_it() {
    let v = TestVault::new();
    let hotp = v.add(&format!("otpauth://hotp/Bank:anna?secret={RFC_SECRET}&counter=0"));
    let hotp = hotp.to_string();
    let mut shown: Vec<String> = Vec::new();
    let (mut failed, mut succeeded) = (0, 0);
    for (round, limit) in LIMITS.iter().enumerate() {
        // One account, then a file of twenty (several pages: all or none).
        let uri = format!("otpauth://totp/Full:u{round}?secret={}", secret(round, 99));
        let file = v.file(&format!("list{round}.txt"));
        let lines: Vec<String> = (0..20)
            .map(|j| format!("otpauth://totp/Imp{round}:u{j}?secret={}", secret(round, j)))
            .collect();
        std::fs::write(&file, lines.join("\n")).unwrap();
        for args in [vec!["add", uri.as_str()], vec!["import", file.to_str().unwrap()]] {
            let before = list(&v);
            let run = output(disk_full_at(v.cmd(&args), *limit), &args, None);
            let after = list(&v);
            if run.code == 0 {
                succeeded += 1;
                assert!(after.as_array().unwrap().len() > before.as_array().unwrap().len());
            } else {
                failed += 1;
                assert_typed_failure(&run, &format!("{} at limit {limit}", args[0]));
                assert_eq!(after, before, "limit {limit}: a failed {} changed the vault", args[0]);
            }
        }
        // A HOTP code is shown only once its counter is saved: never twice.
        let args = ["code", &hotp];
        let run = output(disk_full_at(v.cmd(&args), *limit), &args, None);
        if run.code == 0 {
            let code = run.stdout.trim().to_owned();
            assert!(!shown.contains(&code), "limit {limit}: HOTP code {code} shown twice");
            shown.push(code);
        } else {
            assert_typed_failure(&run, &format!("HOTP at limit {limit}"));
        }
        // With space back: the vault opens and works (every TOTP account has its code).
        let codes = v.run(&["code", "--json"]).json();
        assert_eq!(codes.as_array().unwrap().len(), list(&v).as_array().unwrap().len() - 1);
        let code = v.run(&["code", &hotp]).ok().trim().to_owned();
        assert!(!shown.contains(&code), "HOTP code {code} shown twice");
        shown.push(code);
    }
    assert!(failed > 0 && succeeded > 0, "the sweep hit both sides: {failed} failed");
}

/// Distinct base32 secrets per round and entry.
fn secret(round: usize, entry: usize) -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut s = RFC_SECRET.as_bytes().to_vec();
    (s[0], s[1], s[2]) = (alphabet[round % 32], alphabet[entry % 32], alphabet[entry / 32 % 32]);
    String::from_utf8(s).unwrap()
}

/// The test's own user when it is not root; as root (where file modes do not bind), the
/// vault is handed to `nobody` and the commands run as `nobody`.
struct Owner {
    uid: Option<u32>,
}

impl Owner {
    fn of(v: &TestVault) -> Owner {
        if !rustix::process::geteuid().is_root() {
            return Owner { uid: None };
        }
        let nobody = 65534;
        for entry in std::fs::read_dir(v.dir.path()).unwrap() {
            std::os::unix::fs::chown(entry.unwrap().path(), Some(nobody), Some(nobody)).unwrap();
        }
        std::os::unix::fs::chown(v.dir.path(), Some(nobody), Some(nobody)).unwrap();
        Owner { uid: Some(nobody) }
    }

    fn run(&self, v: &TestVault, args: &[&str]) -> Run {
        let mut cmd = v.cmd(args);
        if let Some(uid) = self.uid {
            cmd.uid(uid).gid(uid);
        }
        output(cmd, args, None)
    }
}

fn chmod(path: &std::path::Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The names in the vault's folder, sorted.
fn names_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A vault that cannot be written — its file, or its folder — still reads: `list`, `code`,
/// `show-qr` and `export` work (an export is not logged, and says so), and nothing is created
/// next to it. Every write is the typed "the vault is read-only" error (exit 1) and changes
/// nothing; with write access back every write works.
#[test]
fn a_read_only_vault_or_folder_reads_and_refuses_every_write() {
    let v = TestVault::new();
    let hotp = v.add(&format!("otpauth://hotp/Bank:anna?secret={RFC_SECRET}&counter=0"));
    v.add(&format!("otpauth://totp/Site:anna?secret={}", &RFC_SECRET[..16]));
    let out_dir = tempfile::tempdir().unwrap();
    let owner = Owner::of(&v);
    if let Some(uid) = owner.uid {
        std::os::unix::fs::chown(out_dir.path(), Some(uid), Some(uid)).unwrap();
    }
    let content = owner.run(&v, &["list", "--json"]).json();
    let files = names_in(v.dir.path());
    let uri = "otpauth://totp/New:x?secret=JBSWY3DPEHPK3PXP";
    let writes: [&[&str]; 4] = [
        &["add", uri],
        &["rename", "Site", "--note", "x"],
        &["code", &hotp.to_string()],
        &["delete", "Site", "--yes"],
    ];
    for (n, (what, path, mode, back)) in [
        ("read-only vault file", v.path.clone(), 0o400, 0o600),
        ("read-only folder", v.dir.path().to_owned(), 0o500, 0o700),
    ]
    .into_iter()
    .enumerate()
    {
        chmod(&path, mode);
        assert_eq!(owner.run(&v, &["list", "--json"]).json(), content, "{what}");
        let codes = owner.run(&v, &["code", "--json"]).json();
        assert_eq!(codes.as_array().unwrap().len(), 1, "{what}: the TOTP code: {codes}");
        let shown = owner.run(&v, &["show-qr", "--uri", "Site"]);
        assert!(shown.ok().starts_with("otpauth://totp/"), "{what}");
        assert!(shown.stderr.contains("not recorded in its activity log"), "{}", shown.stderr);
        let out = out_dir.path().join(format!("export{n}.txt"));
        let export = ["export", "--format", "otpauth", "--out", out.to_str().unwrap()];
        let exported = owner.run(&v, &export);
        exported.ok();
        assert!(exported.stderr.contains("not recorded in its activity log"), "{what}");
        assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 2, "{what}");
        for args in writes {
            let run = owner.run(&v, args);
            run.fails(1, "the vault is read-only");
            assert!(run.stdout.is_empty(), "{what}: {args:?} printed {:?}", run.stdout);
            assert!(run.stderr.contains("make the file and its folder writable"), "{}", run.stderr);
        }
        assert_eq!(names_in(v.dir.path()), files, "{what}: nothing created next to the vault");
        chmod(&path, back);
        assert_eq!(owner.run(&v, &["list", "--json"]).json(), content, "{what}");
    }
    // Write access back: every write works.
    for args in writes {
        owner.run(&v, args).ok();
    }
}

/// Earlier versions read a read-only vault through SQLite's ordinary read-only connection,
/// which left a `-wal` and a `-shm` with the vault's read-only mode; once the vault was
/// writable again every write failed on them. They are now given their owner's write
/// permission back when the vault is opened writable.
#[test]
fn read_only_side_files_an_earlier_version_left_are_repaired() {
    let v = TestVault::new();
    v.add(&format!("otpauth://totp/Site:anna?secret={}", &RFC_SECRET[..16]));
    let owner = Owner::of(&v);
    chmod(&v.path, 0o400);
    // What such a read left: SQLite makes the side files with the vault's mode and owner.
    let conn =
        rusqlite::Connection::open_with_flags(&v.path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    conn.query_row("SELECT COUNT(*) FROM accounts", [], |r| r.get::<_, i64>(0)).unwrap();
    drop(conn);
    let side = |s: &str| std::path::PathBuf::from(format!("{}{s}", v.path.display()));
    for s in ["-wal", "-shm"] {
        let mode = std::fs::metadata(side(s)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o400, "{s} was left read-only");
    }
    chmod(&v.path, 0o600);
    owner.run(&v, &["add", "otpauth://totp/New:x?secret=JBSWY3DPEHPK3PXP"]).ok();
    assert_eq!(owner.run(&v, &["list", "--json"]).json().as_array().unwrap().len(), 2);
}

/// A real full disk (`ENOSPC`): the vault on a tmpfs whose free space a filler file takes,
/// a little given back each round. `add`, `import`, a HOTP `code`, `rename` and `delete`
/// either work or fail with exit 1 and "the disk is full … free some space", changing
/// nothing; no HOTP code is shown twice; with space back everything acknowledged is there.
#[test]
fn a_real_full_disk_says_so_and_loses_nothing() {
    let test = "a_real_full_disk_says_so_and_loses_nothing";
    let Some(fs) = common::tmpfs::Tmpfs::or_skip(test, 4 << 20) else { return };
    let dir = tempfile::tempdir_in(fs.path()).unwrap();
    let path = dir.path().join("vault.nyckel");
    let v = TestVault { dir, path };
    v.run(&["init", "--kdf-memory-mib", "19", "--kdf-iterations", "2"]).ok();
    let hotp = v.add(&format!("otpauth://hotp/Bank:anna?secret={RFC_SECRET}&counter=0"));
    let elsewhere = tempfile::tempdir().unwrap();
    let filler = common::tmpfs::Filler::new(&fs);
    let mut shown: Vec<String> = Vec::new();
    let (mut failed, mut worked) = (0, 0);
    for (round, free) in [0u64, 4096, 8192, 16_384, 32_768, 65_536].iter().enumerate() {
        let site = v.add(&format!("otpauth://totp/Site{round}:x?secret={}", secret(round, 98)));
        let doomed = v.add(&format!("otpauth://totp/Del{round}:x?secret={}", secret(round, 97)));
        let file = elsewhere.path().join(format!("list{round}.txt"));
        let lines: Vec<String> = (0..12)
            .map(|j| format!("otpauth://totp/Imp{round}:u{j}?secret={}", secret(round, j)))
            .collect();
        std::fs::write(&file, lines.join("\n")).unwrap();
        let uri = format!("otpauth://totp/Full:u{round}?secret={}", secret(round, 99));
        let (site, doomed, hotp) = (site.to_string(), doomed.to_string(), hotp.to_string());
        let renamed = format!("renamed{round}");
        let writes: [Vec<&str>; 5] = [
            vec!["add", &uri],
            vec!["import", file.to_str().unwrap()],
            vec!["code", &hotp],
            vec!["rename", &site, "--name", &renamed],
            vec!["delete", &doomed, "--yes"],
        ];
        for args in &writes {
            let before = list(&v);
            filler.leave_free(*free);
            let run = v.run(args);
            filler.remove();
            let after = list(&v);
            let what = format!("{} with {free} bytes free", args[0]);
            if run.code == 0 {
                worked += 1;
                assert_ne!(after, before, "{what}: acknowledged, so changed");
                if args[0] == "code" {
                    let code = run.stdout.trim().to_owned();
                    assert!(!shown.contains(&code), "{what}: HOTP code {code} shown twice");
                    shown.push(code);
                }
            } else {
                failed += 1;
                run.fails(1, "the disk is full");
                let last = run.stderr.lines().last().unwrap();
                assert!(
                    last.contains("nothing was changed") && last.contains("free some space"),
                    "{what}: {last}"
                );
                assert!(run.stdout.is_empty(), "{what}: printed {:?}", run.stdout);
                assert_eq!(after, before, "{what}: a failed write changed the vault");
            }
        }
    }
    eprintln!("{test}: {failed} writes failed full, {worked} worked");
    assert!(failed > 0 && worked > 0, "the sweep hit both sides: {failed} failed, {worked} worked");
    // Space back: the HOTP code goes on from where it was saved, never repeating.
    let code = v.run(&["code", &hotp.to_string()]).ok().trim().to_owned();
    assert!(!shown.contains(&code), "HOTP code {code} shown twice");
}
