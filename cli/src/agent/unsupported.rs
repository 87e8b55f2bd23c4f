//! Unlocked sessions need `SO_PEERCRED` (Linux): elsewhere no session ever runs, and
//! `nyckel unlock` says so.

use std::path::Path;
use std::time::Duration;

use nyckel_core::vault::FileStamp;

use super::SessionKey;
use crate::error::{CliError, Result};

fn unsupported() -> CliError {
    CliError::usage("unlocked sessions (`nyckel unlock`) are only available on Linux")
}

/// No session runs here.
pub fn session_key(_vault: &Path) -> Option<SessionKey> {
    None
}

/// No session computes codes here.
pub fn codes_json(_vault: &Path, _unix_time: u64) -> Option<String> {
    None
}

/// No session to tell.
pub fn record_checked(_vault: &Path, _stamp: &FileStamp) {}

/// Nothing to lock.
pub fn lock(_vault: &Path) -> Result<bool> {
    Ok(false)
}

/// Refused: not available on this system.
pub fn start(
    _vault: &Path,
    _key: &[u8],
    _duration: Duration,
    _checked: Option<&FileStamp>,
) -> Result<()> {
    Err(unsupported())
}

/// Refused: not available on this system.
pub fn serve(_seconds: u64) -> Result<()> {
    Err(unsupported())
}
