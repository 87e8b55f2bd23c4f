//! The unlocked session (`nyckel unlock --for 10m`, `nyckel lock`): a small agent process
//! holds the vault key in memory and hands it to this user's `nyckel` commands, so that
//! they need no passphrase (and skip Argon2id) until the session ends.
//!
//! Safety rules:
//! - the key lives only in the agent's memory (never on disk, in argv or the environment;
//!   it reaches the agent through a pipe), zeroed when the agent ends, and the agent, like
//!   every `nyckel` process, cannot dump core nor be traced ([`crate::process`]);
//! - the socket is in a directory only this user can enter (`$XDG_RUNTIME_DIR/nyckel`, else
//!   `/tmp/nyckel-UID`: mode 0700, owned by this user, not a symlink, checked on each use),
//!   the socket itself is 0600, and both ends check the other's user id (`SO_PEERCRED`);
//! - the session ends at its deadline, on `nyckel lock`, when the computer was suspended
//!   (`CLOCK_BOOTTIME` ran ahead of `CLOCK_MONOTONIC`), when its socket is removed (the
//!   runtime directory goes at logout), or when the vault is unlocked anew.
//!
//! One agent per vault file (the socket's name is a hash of the vault's canonical path,
//! and the agent also checks the path it is asked about). The protocol is one line each
//! way per connection: `key PATH` → `ok HEXKEY SECONDS_LEFT [STAMP]`, `checked STAMP PATH`
//! → `ok`, `codes UNIX_TIME PATH` → `ok` and, on the following lines, what
//! `nyckel code --json` prints, `lock` → `locked`; anything else → `no`.
//!
//! The agent also remembers the vault file's stamp ([`FileStamp`]) from the last time a
//! command of the session saw the file pass `Vault::open`'s integrity checks (`checked`,
//! and `nyckel unlock` hands over its own): a command that finds the file with that stamp
//! still — nothing wrote to it since — opens it without checking it again
//! (`Vault::open_unless_unchanged`). It is kept in the agent's memory, which only this
//! user reaches; whoever can hand the agent a stamp could as well write the vault.
//!
//! For `nyckel code --json` the agent computes the codes itself: it keeps the decrypted
//! accounts with their HMAC keys prepared ([`nyckel_core::vault::DetachedCodes`]) while the
//! file keeps the (settled) stamp it had when they were read, and reads them again when it
//! changed. So the command reads and decrypts nothing; the agent's memory then holds the
//! account secrets as well as the key that decrypts them from the file, which adds nothing
//! to what a reader of that memory already gets (docs/security.md). It keeps no connection
//! open: a long-lived SQLite connection to a file that is replaced by a rename could apply
//! its WAL to the new file.

use std::time::Duration;

use nyckel_core::vault::FileStamp;
use zeroize::Zeroizing;

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
pub use linux::{codes_json, lock, record_checked, serve, session_key, start};

#[cfg(not(target_os = "linux"))]
mod unsupported;
#[cfg(not(target_os = "linux"))]
pub use unsupported::{codes_json, lock, record_checked, serve, session_key, start};

/// What a running session hands a command.
pub struct SessionKey {
    /// The vault key.
    pub key: Zeroizing<Vec<u8>>,
    /// The vault file's stamp when a command last saw it pass the integrity checks.
    pub checked: Option<FileStamp>,
}

/// Longest session `nyckel unlock --for` grants.
pub const MAX_SESSION: Duration = Duration::from_secs(12 * 3600);

/// How long a client waits for the agent's answer.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(2);

/// A suspend longer than this (the boot clock ahead of the monotonic clock) ends the session.
const SUSPEND_SLACK: Duration = Duration::from_secs(5);

/// Longest request line the agent reads (a path and a word).
const MAX_REQUEST: u64 = 8 * 1024;

/// Longest answer to `codes` a client reads (about 200 bytes per account).
const MAX_CODES_ANSWER: u64 = 64 * 1024 * 1024;

/// Parses a session length: `90s`, `10m`, `1h`, `1h30m`, or plain seconds. At least one
/// second, at most [`MAX_SESSION`].
pub fn parse_duration(text: &str) -> std::result::Result<Duration, String> {
    let t = text.trim().to_ascii_lowercase();
    // Not quoting `text`: clap's messages leave out what was typed.
    let bad = || "not a duration like 90s, 10m, 1h or 1h30m".to_owned();
    if t.is_empty() {
        return Err(bad());
    }
    let mut total: u64 = 0;
    let mut number = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return Err(bad()),
        };
        let n: u64 = number.parse().map_err(|_| bad())?;
        total = n.checked_mul(unit).and_then(|v| total.checked_add(v)).ok_or_else(bad)?;
        number.clear();
    }
    if !number.is_empty() {
        let n: u64 = number.parse().map_err(|_| bad())?;
        total = total.checked_add(n).ok_or_else(bad)?;
    }
    let d = Duration::from_secs(total);
    if d.is_zero() {
        return Err("a session lasts at least 1 s".to_owned());
    }
    if d > MAX_SESSION {
        return Err(format!("a session lasts at most {} h", MAX_SESSION.as_secs() / 3600));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration(" 90S "), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert_eq!(parse_duration("12h"), Ok(MAX_SESSION));
        assert!(parse_duration("13h").unwrap_err().contains("at most 12 h"));
        assert!(parse_duration("0m").unwrap_err().contains("at least 1 s"));
        for bad in ["", "m", "10x", "1.5h", "-5m", "99999999999999999999h"] {
            assert!(parse_duration(bad).unwrap_err().contains("not a duration"), "{bad}");
        }
    }
}
