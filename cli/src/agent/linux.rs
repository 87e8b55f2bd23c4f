//! The session agent and its clients on Linux (see [`super`]).

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nyckel_core::clock::{Clock, SystemClock};
use nyckel_core::vault::{DetachedCodes, FileStamp, UnwrappedKey, Vault};
use zeroize::Zeroizing;

use super::{
    SessionKey, CLIENT_TIMEOUT, MAX_CODES_ANSWER, MAX_REQUEST, MAX_SESSION, SUSPEND_SLACK,
};
use crate::error::{CliError, Result};

/// The user id of this process.
fn my_uid() -> u32 {
    rustix::process::getuid().as_raw()
}

/// The user id of the process at the other end of `stream` (`SO_PEERCRED`).
fn peer_uid(stream: &UnixStream) -> std::io::Result<u32> {
    Ok(rustix::net::sockopt::socket_peercred(stream)?.uid.as_raw())
}

/// The directory for agent sockets (created 0700 if missing and `create`), checked: a
/// directory (not a symlink), owned by this user, that nobody else can enter.
fn socket_dir(create: bool) -> Result<PathBuf> {
    let base = match std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from) {
        Some(dir) if dir.is_absolute() => dir.join("nyckel"),
        _ => std::env::temp_dir().join(format!("nyckel-{}", my_uid())),
    };
    let made = if create { std::fs::DirBuilder::new().mode(0o700).create(&base) } else { Ok(()) };
    match made {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => {
            return Err(CliError::failure(format!(
                "cannot create the session directory {}: {e}",
                base.display()
            )))
        }
    }
    let meta = std::fs::symlink_metadata(&base).map_err(|e| {
        CliError::failure(format!("cannot read the session directory {}: {e}", base.display()))
    })?;
    if !meta.is_dir() || meta.uid() != my_uid() || meta.mode() & 0o077 != 0 {
        return Err(CliError::failure(format!(
            "the session directory {} is not a private directory of yours (it must be mode 0700 and owned by you); remove it and try again",
            base.display()
        )));
    }
    Ok(base)
}

/// FNV-1a, 64 bits: names the socket after the vault path (not a secret, not security).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// The vault's canonical path, as the agent knows it.
fn canonical(vault: &Path) -> Result<PathBuf> {
    std::fs::canonicalize(vault)
        .map_err(|e| CliError::usage(format!("cannot find the vault {}: {e}", vault.display())))
}

/// The socket of the session for the vault at `canonical` (its directory made if `create`).
fn socket_path(canonical: &Path, create: bool) -> Result<PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    let hash = fnv1a(canonical.as_os_str().as_bytes());
    Ok(socket_dir(create)?.join(format!("agent-{hash:016x}.sock")))
}

/// Sends one request line to the agent for `canonical` and returns its one-line answer, or
/// `None` when no session is running (no socket, nobody listening, or not this user's).
fn ask(canonical: &Path, request: &str) -> Option<String> {
    let answer = exchange(canonical, request, MAX_REQUEST)?;
    Some(answer.lines().next().unwrap_or_default().to_owned())
}

/// Sends one request line to the agent for `canonical` and returns all it answers (at most
/// `limit` bytes, UTF-8), or `None` when no session is running.
fn exchange(canonical: &Path, request: &str, limit: u64) -> Option<String> {
    let socket = socket_path(canonical, false).ok()?;
    if !socket.exists() {
        return None;
    }
    let mut stream = UnixStream::connect(&socket).ok()?;
    if peer_uid(&stream).ok()? != my_uid() {
        return None;
    }
    stream.set_read_timeout(Some(CLIENT_TIMEOUT)).ok()?;
    stream.set_write_timeout(Some(CLIENT_TIMEOUT)).ok()?;
    stream.write_all(request.as_bytes()).ok()?;
    stream.write_all(b"\n").ok()?;
    let mut answer = String::new();
    // The agent answers and closes: read to the end, within the bound.
    stream.take(limit).read_to_string(&mut answer).ok()?;
    Some(answer)
}

fn request_line(verb: &str, canonical: &Path) -> Option<String> {
    // A path with a line break cannot be asked about (the agent reads one line).
    let path = canonical.to_str()?;
    (!path.contains('\n')).then(|| format!("{verb} {path}"))
}

/// The key of the unlocked session for `vault`, if one is running, with the stamp the
/// session remembers from the file's last passed check.
pub fn session_key(vault: &Path) -> Option<SessionKey> {
    let canonical = canonical(vault).ok()?;
    let answer = Zeroizing::new(ask(&canonical, &request_line("key", &canonical)?)?);
    let mut words = answer.strip_prefix("ok ")?.split(' ');
    let key = decode_hex(words.next()?)?;
    let _seconds_left = words.next();
    // An agent started by an older build sends no stamp: the checks then always run.
    let checked = words.next().and_then(FileStamp::parse);
    Some(SessionKey { key, checked })
}

/// Tells the session for `vault` (if one is running) that the file passed the integrity
/// checks with `stamp` taken before them. Best effort: without it the next command checks
/// again.
pub fn record_checked(vault: &Path, stamp: &FileStamp) {
    let Ok(canonical) = canonical(vault) else { return };
    let Some(path) = canonical.to_str().filter(|p| !p.contains('\n')) else { return };
    let _ = ask(&canonical, &format!("checked {} {path}", stamp.to_text()));
}

/// Every TOTP and Steam code of `vault` at `unix_time` as `nyckel code --json` prints it,
/// computed by the session's agent from the accounts it keeps (see [`super`]), or `None`
/// when no session runs for `vault` or it could not answer (the caller then reads the vault
/// itself).
pub fn codes_json(vault: &Path, unix_time: u64) -> Option<String> {
    let canonical = canonical(vault).ok()?;
    let request = request_line(&format!("codes {unix_time}"), &canonical)?;
    exchange(&canonical, &request, MAX_CODES_ANSWER)?.strip_prefix("ok\n").map(str::to_owned)
}

/// Ends the unlocked session for `vault`. `Ok(false)` when none was running.
pub fn lock(vault: &Path) -> Result<bool> {
    let canonical = canonical(vault)?;
    Ok(ask(&canonical, "lock").is_some_and(|a| a == "locked"))
}

fn decode_hex(hex: &str) -> Option<Zeroizing<Vec<u8>>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    let mut out = Zeroizing::new(Vec::with_capacity(hex.len() / 2));
    for pair in hex.as_bytes().chunks(2) {
        let digits = std::str::from_utf8(pair).ok()?;
        out.push(u8::from_str_radix(digits, 16).ok()?);
    }
    Some(out)
}

fn encode_hex(bytes: &[u8]) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(bytes.len() * 2));
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Starts the agent for `vault` holding `key` for `duration` (ending any session already
/// running for it): runs this executable's hidden `agent` command in its own process
/// group, hands it the key (and the stamp of the file's check, if any) through a pipe and
/// waits until it listens.
pub fn start(
    vault: &Path,
    key: &[u8],
    duration: Duration,
    checked: Option<&FileStamp>,
) -> Result<()> {
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};
    let canonical = canonical(vault)?;
    let path = canonical.to_str().filter(|p| !p.contains('\n')).ok_or_else(|| {
        CliError::usage("the vault's path is not UTF-8 text on one line; cannot start a session")
    })?;
    let _ = lock(vault);
    let exe = std::env::current_exe()
        .map_err(|e| CliError::failure(format!("cannot find the nyckel executable: {e}")))?;
    let mut child = Command::new(exe)
        .args(["agent", "--seconds", &duration.as_secs().to_string()])
        .current_dir("/")
        .env_remove(crate::passphrase::ENV)
        .env_remove(crate::pin::ENV)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| CliError::failure(format!("cannot start the session agent: {e}")))?;
    let stamp = checked.map(FileStamp::to_text).unwrap_or_default();
    let handover = Zeroizing::new(format!("{}\n{path}\n{stamp}\n", encode_hex(key).as_str()));
    let sent = child.stdin.take().map(|mut stdin| stdin.write_all(handover.as_bytes()));
    let mut ready = String::new();
    if let Some(out) = child.stdout.take() {
        let _ = BufReader::new(out.take(64)).read_line(&mut ready);
    }
    if !matches!(sent, Some(Ok(()))) || ready.trim_end() != "ready" {
        let _ = child.kill();
        let _ = child.wait();
        return Err(CliError::failure(format!(
            "the session agent did not start{}",
            ready.trim().strip_prefix("error: ").map(|e| format!(": {e}")).unwrap_or_default()
        )));
    }
    // The agent runs on; it is reaped by init when this process ends.
    Ok(())
}

/// The state shared by the agent's accept loop and its clock.
struct Session {
    key: Zeroizing<Vec<u8>>,
    socket: PathBuf,
    /// The vault file's stamp at its last passed check (see [`super`]), as text.
    checked: Option<String>,
    /// The accounts the last `codes` request read, while the file keeps their stamp.
    codes: Option<KeptCodes>,
}

/// Decrypted accounts with their HMAC keys prepared, kept between `codes` requests.
struct KeptCodes {
    codes: DetachedCodes,
    /// The vault file's stamp taken before they were read; settled, so that any later write
    /// changes it ([`FileStamp::is_settled`]).
    stamp: FileStamp,
}

/// The codes of `codes` at `unix_time` as `nyckel code --json` prints them.
fn codes_text(codes: &DetachedCodes, unix_time: u64) -> Option<String> {
    let codes = codes.codes_at(unix_time).ok()?;
    crate::commands::code::json_text(codes.iter().map(|c| (&*c.account, &c.code))).ok()
}

impl Session {
    /// The current codes of the vault at `canonical` as `nyckel code --json` prints them:
    /// from the kept accounts while the file has their stamp, else read with the session's
    /// key (running the vault's checks unless the file passed them unchanged). `None` when
    /// the vault cannot be opened or unlocked with the key: the client then opens it itself
    /// and reports what is wrong.
    fn codes_json(&mut self, canonical: &Path, unix_time: u64) -> Option<String> {
        let now = FileStamp::of(canonical);
        if self.codes.as_ref().is_none_or(|kept| now.as_ref() != Some(&kept.stamp)) {
            // The old secrets go before the new ones are read.
            self.codes = None;
            let checked = self.checked.as_deref().and_then(FileStamp::parse);
            let (mut vault, passed) =
                Vault::open_unless_unchanged(canonical, checked.as_ref(), &SystemClock).ok()?;
            vault.unlock_with_unwrapped_key(UnwrappedKey::new(self.key.to_vec())).ok()?;
            if let Some(passed) = passed {
                self.checked = Some(passed.to_text());
            }
            let codes = vault.detached_codes().ok()?;
            drop(vault);
            match now.filter(|stamp| stamp.is_settled(SystemClock.now())) {
                Some(stamp) => self.codes = Some(KeptCodes { codes, stamp }),
                // Too fresh to tell a later write in the same clock tick: serve it once.
                None => return codes_text(&codes, unix_time),
            }
        }
        let kept = self.codes.as_ref()?;
        codes_text(&kept.codes, unix_time)
    }
}

impl Session {
    /// Ends the session: wipes the key and the kept accounts, removes the socket, exits.
    fn end(session: &Mutex<Session>) -> ! {
        if let Ok(mut s) = session.lock() {
            s.key.iter_mut().for_each(|b| *b = 0);
            // `exit` runs no destructors: drop the secrets here.
            s.codes = None;
            let _ = std::fs::remove_file(&s.socket);
        }
        std::process::exit(0)
    }
}

/// The hidden `nyckel agent --seconds N` command: reads the key, the vault path and the
/// stamp of the file's check (an empty line for none) from stdin, listens, prints `ready`, and serves until the session ends. Never returns.
pub fn serve(seconds: u64) -> Result<()> {
    // `main` has made this process undumpable and untraceable (crate::process) before this.
    let fail = |message: String| -> CliError {
        println!("error: {message}");
        CliError::failure(message)
    };
    let mut stdin = BufReader::new(std::io::stdin().lock().take(MAX_REQUEST));
    let mut hex = Zeroizing::new(String::new());
    let mut path = String::new();
    let _ = stdin.read_line(&mut hex);
    let _ = stdin.read_line(&mut path);
    let mut stamp = String::new();
    let _ = stdin.read_line(&mut stamp);
    let checked = FileStamp::parse(stamp.trim_end()).map(|s| s.to_text());
    let key = decode_hex(hex.trim_end()).ok_or_else(|| fail("no key on stdin".to_owned()))?;
    let canonical = PathBuf::from(path.trim_end_matches('\n'));
    let socket =
        socket_path(&canonical, true).map_err(|e| fail(e.message().unwrap_or_default()))?;
    let _ = std::fs::remove_file(&socket);
    let listener = UnixListener::bind(&socket)
        .map_err(|e| fail(format!("cannot listen on {}: {e}", socket.display())))?;
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| fail(format!("cannot protect {}: {e}", socket.display())))?;
    let duration = Duration::from_secs(seconds).min(MAX_SESSION);
    let session =
        Arc::new(Mutex::new(Session { key, socket: socket.clone(), checked, codes: None }));
    let started = Clocks::now();
    {
        let session = session.clone();
        std::thread::spawn(move || loop {
            // A removed socket (the runtime directory goes at logout) ends the session too.
            let gone =
                session.lock().map_or(true, |s| std::fs::symlink_metadata(&s.socket).is_err());
            if gone || Clocks::now().since(&started).is_over(duration) {
                Session::end(&session);
            }
            std::thread::sleep(Duration::from_millis(250));
        });
    }
    println!("ready");
    let _ = std::io::stdout().flush();
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        if peer_uid(&stream).ok() != Some(my_uid()) {
            continue;
        }
        let left = duration.saturating_sub(Clocks::now().since(&started).awake).as_secs();
        if answer(stream, &session, &canonical, left) {
            Session::end(&session);
        }
    }
    Session::end(&session)
}

/// The two clocks a session is measured by. `CLOCK_MONOTONIC` stops while the computer is
/// suspended; `CLOCK_BOOTTIME` runs on. Neither follows the wall clock, so setting the time
/// (by hand or NTP) neither ends a session nor hides a suspend.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Clocks {
    /// Time spent awake (`CLOCK_MONOTONIC`).
    awake: Duration,
    /// Time passed, suspended or not (`CLOCK_BOOTTIME`).
    passed: Duration,
}

impl Clocks {
    /// Both clocks now.
    fn now() -> Clocks {
        use rustix::time::{clock_gettime, ClockId};
        let read = |clock| {
            let t = clock_gettime(clock);
            Duration::new(t.tv_sec.max(0) as u64, t.tv_nsec.clamp(0, 999_999_999) as u32)
        };
        Clocks { awake: read(ClockId::Monotonic), passed: read(ClockId::Boottime) }
    }

    /// The time on each clock from `start` to `self`.
    fn since(&self, start: &Clocks) -> Clocks {
        Clocks {
            awake: self.awake.saturating_sub(start.awake),
            passed: self.passed.saturating_sub(start.passed),
        }
    }

    /// Whether a session of `duration` that has run for `self` is over: its time is up on
    /// either clock, or the computer was suspended (the boot clock ran more than
    /// [`SUSPEND_SLACK`] ahead of the awake clock).
    fn is_over(&self, duration: Duration) -> bool {
        self.awake >= duration
            || self.passed >= duration
            || self.passed > self.awake + SUSPEND_SLACK
    }
}

/// Answers one connection; true when it asked to lock.
fn answer(stream: UnixStream, session: &Mutex<Session>, canonical: &Path, left: u64) -> bool {
    let _ = stream.set_read_timeout(Some(CLIENT_TIMEOUT));
    let _ = stream.set_write_timeout(Some(CLIENT_TIMEOUT));
    let mut line = String::new();
    let Ok(mut writer) = stream.try_clone() else { return false };
    if BufReader::new(stream.take(MAX_REQUEST)).read_line(&mut line).is_err() {
        return false;
    }
    let line = line.trim_end_matches('\n');
    let (verb, rest) = line.split_once(' ').unwrap_or((line, ""));
    let no = || Zeroizing::new("no\n".to_owned());
    let reply = match verb {
        "lock" => {
            let _ = writer.write_all(b"locked\n");
            return true;
        }
        "key" if Path::new(rest) == canonical => match session.lock() {
            Ok(s) => {
                let stamp = s.checked.as_deref().map(|t| format!(" {t}")).unwrap_or_default();
                Zeroizing::new(format!("ok {} {left}{stamp}\n", encode_hex(&s.key).as_str()))
            }
            Err(_) => no(),
        },
        "codes" => match rest.split_once(' ') {
            Some((time, path)) if Path::new(path) == canonical => {
                let json = time.parse().ok().and_then(|time| {
                    session.lock().ok().and_then(|mut s| s.codes_json(canonical, time))
                });
                match json {
                    Some(json) => Zeroizing::new(format!("ok\n{json}")),
                    None => no(),
                }
            }
            _ => no(),
        },
        "checked" => match rest.split_once(' ') {
            Some((stamp, path)) if Path::new(path) == canonical => {
                match (FileStamp::parse(stamp), session.lock()) {
                    (Some(stamp), Ok(mut s)) => {
                        s.checked = Some(stamp.to_text());
                        Zeroizing::new("ok\n".to_owned())
                    }
                    _ => no(),
                }
            }
            _ => no(),
        },
        _ => no(),
    };
    let _ = writer.write_all(reply.as_bytes());
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn a_suspend_ends_the_session_and_only_a_suspend() {
        let ten_min = Duration::from_secs(600);
        let run = |awake: u64, passed: u64| {
            Clocks { awake: Duration::from_secs(awake), passed: Duration::from_secs(passed) }
                .is_over(ten_min)
        };
        assert!(!run(0, 0) && !run(599, 599), "running, awake all along");
        assert!(!run(60, 60 + SUSPEND_SLACK.as_secs()), "a hiccup within the slack");
        assert!(run(60, 66), "suspended for 6 s, one minute in");
        assert!(run(60, 4000), "suspended for an hour");
        assert!(run(600, 600) && run(599, 600), "time is up");
        // The clocks themselves: the boot clock never runs behind the awake one, and the
        // session just started is not over.
        let start = Clocks::now();
        let later = Clocks::now().since(&start);
        assert!(later.passed + Duration::from_millis(50) >= later.awake, "{later:?}");
        assert!(!later.is_over(ten_min), "{later:?}");
        assert!(start.passed >= start.awake, "{start:?}");
    }

    #[test]
    fn hex_round_trip() {
        let key: Vec<u8> = (0..32).collect();
        assert_eq!(decode_hex(&encode_hex(&key)).unwrap().as_slice(), key.as_slice());
        assert!(decode_hex("abc").is_none());
        assert!(decode_hex("zz").is_none());
    }

    #[test]
    fn socket_names_differ_per_vault() {
        assert_ne!(fnv1a(b"/home/a/vault.nyckel"), fnv1a(b"/home/a/other.nyckel"));
    }
}
