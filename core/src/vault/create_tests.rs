//! Creating a vault: atomic (a killed create leaves no vault or a complete one), exclusive
//! (nothing is ever replaced), owner-only from the first moment, and never next to a journal
//! that was there before.

use std::path::{Path, PathBuf};

use super::create::{check_side_files, side_file, SIDE_FILES};
use super::*;
use crate::otpauth::OtpParams;
use crate::secret::Secret;

const PASS: &str = "create tests passphrase";
/// Set for a child process of these tests: create a vault at this path, then exit.
const CHILD_CREATE_AT: &str = "NYCKEL_TEST_CREATE_VAULT_AT";
/// Set (with [`CHILD_CREATE_AT`]) to print the mode of every file in the vault's directory
/// while the vault is being built and once it is created.
const CHILD_REPORT_MODES: &str = "NYCKEL_TEST_REPORT_MODES";
/// The test that runs as the child process (ignored: it runs only when asked by name).
const CHILD_TEST: &str = "vault::create_tests::child_process_creating_a_vault";

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[cfg(unix)]
fn modes_in(dir: &Path) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;
    names_in(dir)
        .into_iter()
        .map(|name| {
            let mode = std::fs::metadata(dir.join(&name)).unwrap().permissions().mode();
            format!("{name} {:o}", mode & 0o777)
        })
        .collect()
}

/// A protector that reports the files of the vault's directory while the vault is being
/// built (it is called half-way through `create_with_protector`).
#[cfg(unix)]
struct ReportingProtector(PathBuf);

#[cfg(unix)]
impl KeyProtector for ReportingProtector {
    fn wrap(&self, key: Vec<u8>) -> Result<Vec<u8>, ProtectorError> {
        for line in modes_in(&self.0) {
            println!("building: {line}");
        }
        Ok(key)
    }
    fn unwrap(&self, wrapped: Vec<u8>) -> Result<Vec<u8>, ProtectorError> {
        Ok(wrapped)
    }
}

/// Runs only as a child process of the tests below (see [`child`]).
#[test]
#[ignore = "runs as a child process of the create tests"]
fn child_process_creating_a_vault() {
    let path = PathBuf::from(std::env::var_os(CHILD_CREATE_AT).expect("run by the create tests"));
    #[cfg(unix)]
    if std::env::var_os(CHILD_REPORT_MODES).is_some() {
        let dir = path.parent().unwrap().to_path_buf();
        let _vault = Vault::create_with_protector(&path, &ReportingProtector(dir.clone())).unwrap();
        for line in modes_in(&dir) {
            println!("created: {line}");
        }
        return;
    }
    drop(Vault::create(&path, PASS, KdfParams::FLOOR).unwrap());
}

/// This test binary, run as a child that executes [`child_process_creating_a_vault`].
fn child(path: &Path) -> std::process::Command {
    let mut command = std::process::Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", CHILD_TEST, "--ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD_CREATE_AT, path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    command
}

#[cfg(unix)]
#[test]
fn a_killed_create_leaves_no_vault_or_a_complete_one() {
    let dir = tempfile::tempdir().unwrap();
    // How long a whole create takes in a child, to spread the kills over it.
    let started = std::time::Instant::now();
    let full = dir.path().join("full.nyckel");
    assert!(child(&full).status().unwrap().success());
    let whole = started.elapsed();
    let mut vault = Vault::open(&full).unwrap();
    vault.unlock_with_passphrase(PASS).unwrap();
    drop(vault);

    const KILLS: u32 = 24;
    let (mut absent, mut complete) = (0, 0);
    for i in 0..KILLS {
        let path = dir.path().join(format!("killed-{i}.nyckel"));
        let mut process = child(&path).spawn().unwrap();
        std::thread::sleep(whole * i / (KILLS - 4)); // the last ones after a whole create
        let _ = process.kill(); // SIGKILL
        process.wait().unwrap();
        if path.exists() {
            // A vault at the path is a whole one: it opens and unlocks.
            let mut vault = Vault::open(&path).unwrap_or_else(|e| panic!("kill {i}: {e}"));
            vault.unlock_with_passphrase(PASS).unwrap_or_else(|e| panic!("kill {i}: {e}"));
            assert_eq!(vault.accounts().unwrap(), []);
            complete += 1;
        } else {
            // Nothing left behind blocks a new create at the path.
            for suffix in SIDE_FILES {
                assert!(!side_file(&path, suffix).exists(), "kill {i}: {suffix} left");
            }
            Vault::create(&path, PASS, KdfParams::FLOOR).unwrap();
            absent += 1;
        }
    }
    assert!(absent > 0, "some kills came before the vault was complete");
    assert_eq!(absent + complete, KILLS);
}

#[cfg(unix)]
#[test]
fn a_vault_and_its_side_files_are_owner_only_from_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.nyckel");
    // umask 000: a file created with default permissions would be world-readable.
    let exe = std::env::current_exe().unwrap();
    let output = std::process::Command::new("sh")
        .args(["-c", "umask 000 && exec \"$0\" \"$@\""])
        .arg(exe)
        .args(["--exact", CHILD_TEST, "--ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD_CREATE_AT, &path)
        .env(CHILD_REPORT_MODES, "1")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    // libtest may print "test NAME ... " on the line before the first report.
    let lines: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.find("building: ").or_else(|| l.find("created: ")).map(|at| &l[at..]))
        .collect();
    let building: Vec<&&str> = lines.iter().filter(|l| l.starts_with("building: ")).collect();
    assert_eq!(building.len(), 1, "only the temporary file exists while building: {lines:?}");
    assert!(building[0].contains(".creating "), "{lines:?}");
    for suffix in ["", "-wal", "-shm"] {
        let line = format!("created: vault.nyckel{suffix} 600");
        assert!(lines.contains(&line.as_str()), "{line} in {lines:?}");
    }
    for line in &lines {
        assert!(line.ends_with(" 600"), "{line}");
    }
}

#[test]
fn a_vault_is_never_created_next_to_an_existing_journal() {
    for suffix in SIDE_FILES {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vault.nyckel");
        let side = side_file(&path, suffix);
        std::fs::write(&side, b"another user's journal").unwrap();
        let refused = Vault::create(&path, PASS, KdfParams::FLOOR).unwrap_err();
        assert!(
            matches!(&refused, VaultError::AlreadyExists(p) if *p == side.display().to_string()),
            "{suffix}: {refused:?}"
        );
        assert!(matches!(
            Vault::create_with_protector(&path, &SoftwareProtector::generate().unwrap()),
            Err(VaultError::AlreadyExists(_))
        ));
        assert_eq!(std::fs::read(&side).unwrap(), b"another user's journal", "{suffix}");
        let side_name = format!("vault.nyckel{suffix}");
        assert_eq!(names_in(dir.path()), [side_name], "nothing else is left");
    }
}

#[cfg(unix)]
#[test]
fn a_dangling_symlink_as_journal_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.nyckel");
    let target = dir.path().join("elsewhere");
    std::os::unix::fs::symlink(&target, side_file(&path, "-wal")).unwrap();
    assert!(matches!(
        Vault::create(&path, PASS, KdfParams::FLOOR),
        Err(VaultError::AlreadyExists(_))
    ));
    assert!(!target.exists() && !path.exists());
}

#[cfg(unix)]
#[test]
fn side_files_open_to_others_are_refused_after_creation() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.nyckel");
    let vault = Vault::create(&path, PASS, KdfParams::FLOOR).unwrap();
    check_side_files(&path).unwrap();
    let wal = side_file(&path, "-wal");
    std::fs::set_permissions(&wal, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(
        matches!(check_side_files(&path), Err(VaultError::AlreadyExists(p)) if p.ends_with("-wal"))
    );
    drop(vault);
}

#[test]
fn an_existing_file_is_never_replaced_and_a_failed_create_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.nyckel");
    std::fs::write(&path, b"not a vault, but mine").unwrap();
    assert!(matches!(
        Vault::create(&path, PASS, KdfParams::FLOOR),
        Err(VaultError::AlreadyExists(p)) if p == path.display().to_string()
    ));
    assert_eq!(std::fs::read(&path).unwrap(), b"not a vault, but mine");
    assert_eq!(names_in(dir.path()), ["vault.nyckel"]);

    struct Cancelling;
    impl KeyProtector for Cancelling {
        fn wrap(&self, _: Vec<u8>) -> Result<Vec<u8>, ProtectorError> {
            Err(ProtectorError::UserCancelled)
        }
        fn unwrap(&self, _: Vec<u8>) -> Result<Vec<u8>, ProtectorError> {
            Err(ProtectorError::UserCancelled)
        }
    }
    let other = dir.path().join("other.nyckel");
    assert!(matches!(
        Vault::create_with_protector(&other, &Cancelling),
        Err(VaultError::Protector(_))
    ));
    assert_eq!(names_in(dir.path()), ["vault.nyckel"], "the temporary file is removed");
}

#[test]
fn a_leftover_temporary_file_blocks_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.nyckel");
    let leftover = dir.path().join(".vault.nyckel.0123456789abcdef.creating");
    std::fs::write(&leftover, b"half a vault").unwrap();
    let mut vault = Vault::create(&path, PASS, KdfParams::FLOOR).unwrap();
    vault
        .add(
            OtpParams::totp(Secret::new(b"12345678901234567890".to_vec()), "A", "a"),
            "",
            DuplicatePolicy::Reject,
        )
        .unwrap();
    drop(vault);
    let mut vault = Vault::open(&path).unwrap();
    vault.unlock_with_passphrase(PASS).unwrap();
    assert_eq!(vault.accounts().unwrap().len(), 1);
    assert_eq!(std::fs::read(&leftover).unwrap(), b"half a vault");
}
