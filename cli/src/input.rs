//! Bounded reads of everything the user hands to `nyckel`: a line on stdin (a URI, a
//! secret, an answer) and files (images). Nothing is read whole before its size is checked:
//! a 256 MiB line or `/dev/zero` is refused after at most `limit + 1` bytes.

use std::fmt;
use std::io::{BufRead, Read};
use std::path::Path;

use crate::error::CliError;

/// The longest line read from stdin. An otpauth URI fits in a QR code (under 3 KB); an
/// enrollment code or an answer is shorter still. 64 KiB leaves room for any real input.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// The largest image file `scan`, `add --qr`-style commands and `enroll --image` read.
/// A phone screenshot is a few MB; a photo of a screen rarely passes 10 MB.
pub const MAX_IMAGE_BYTES: u64 = 32 * 1024 * 1024;

/// Why bounded input was refused.
#[derive(Debug)]
pub enum InputError {
    /// More than `limit` bytes arrived (before a newline, for lines).
    TooLong {
        /// The bound, in bytes.
        limit: u64,
    },
    /// The input is not UTF-8 text.
    NotUtf8,
    /// Reading failed.
    Io(std::io::Error),
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::TooLong { limit } => write!(f, "it is longer than {}", size(*limit)),
            InputError::NotUtf8 => f.write_str("it is not valid UTF-8 text"),
            InputError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl InputError {
    /// The CLI error for this refusal, its message starting with `context` ("cannot read
    /// the URI from stdin"). Too long and not text are bad input (exit 2); I/O is exit 1.
    pub fn into_cli(self, context: &str) -> CliError {
        match self {
            InputError::Io(e) => crate::error::input_error(context, &e),
            other => CliError::usage(format!("{context}: {other}")),
        }
    }
}

/// "64 KiB", "32 MiB": bounds as people read them.
fn size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", bytes / (1024 * 1024))
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// One line (its newline included) of at most `limit` bytes, `None` at the end of input.
/// A longer line is refused after reading `limit + 1` bytes of it.
pub fn read_line(reader: &mut impl BufRead, limit: usize) -> Result<Option<String>, InputError> {
    let mut bytes = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    reader.take(cap).read_until(b'\n', &mut bytes).map_err(InputError::Io)?;
    if bytes.is_empty() {
        return Ok(None);
    }
    let content = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
    if content.len() > limit {
        return Err(InputError::TooLong { limit: limit as u64 });
    }
    String::from_utf8(bytes).map(Some).map_err(|_| InputError::NotUtf8)
}

/// The whole of `reader`, refused once it passes `limit` bytes.
pub fn read_all(reader: impl Read, limit: u64) -> Result<Vec<u8>, InputError> {
    let mut bytes = Vec::new();
    reader.take(limit.saturating_add(1)).read_to_end(&mut bytes).map_err(InputError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(InputError::TooLong { limit });
    }
    Ok(bytes)
}

/// The bytes of the file at `path`, at most `limit` of them. A regular file whose size
/// already says it is too large is refused before any read; devices and pipes (which
/// have no size) are read up to the bound.
pub fn read_file(path: &Path, limit: u64) -> Result<Vec<u8>, InputError> {
    let file = std::fs::File::open(path).map_err(InputError::Io)?;
    let meta = file.metadata().map_err(InputError::Io)?;
    if meta.is_dir() {
        return Err(InputError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "it is a directory",
        )));
    }
    if meta.is_file() && meta.len() > limit {
        return Err(InputError::TooLong { limit });
    }
    read_all(file, limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_within_the_bound_are_read_with_their_newline() {
        let mut input = &b"otpauth://totp/a?secret=GEZDGNBV\nnext"[..];
        assert_eq!(
            read_line(&mut input, 64).unwrap().as_deref(),
            Some("otpauth://totp/a?secret=GEZDGNBV\n")
        );
        assert_eq!(read_line(&mut input, 64).unwrap().as_deref(), Some("next"));
        assert_eq!(read_line(&mut input, 64).unwrap(), None);
    }

    #[test]
    fn a_line_of_exactly_the_bound_passes_and_one_more_byte_does_not() {
        let line = "x".repeat(16);
        assert_eq!(read_line(&mut format!("{line}\n").as_bytes(), 16).unwrap().unwrap().len(), 17);
        assert_eq!(read_line(&mut line.as_bytes(), 16).unwrap().unwrap().len(), 16);
        let long = "x".repeat(17);
        assert!(matches!(
            read_line(&mut long.as_bytes(), 16),
            Err(InputError::TooLong { limit: 16 })
        ));
    }

    #[test]
    fn an_endless_line_stops_at_the_bound() {
        // std::io::repeat never ends: an unbounded read_line would allocate until it fails.
        let mut endless = std::io::BufReader::new(std::io::repeat(b'a'));
        let e = read_line(&mut endless, MAX_LINE_BYTES).unwrap_err();
        assert!(matches!(e, InputError::TooLong { .. }));
        let cli = e.into_cli("cannot read the URI from stdin");
        assert_eq!(cli.exit_code(), 2);
        assert_eq!(
            cli.message().unwrap(),
            "cannot read the URI from stdin: it is longer than 64 KiB"
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_are_refused_as_text() {
        let e = read_line(&mut &b"\xff\xfe\n"[..], 64).unwrap_err();
        assert!(matches!(e, InputError::NotUtf8));
        assert_eq!(e.into_cli("ctx").message().unwrap(), "ctx: it is not valid UTF-8 text");
    }

    #[test]
    fn endless_readers_and_large_files_are_refused() {
        assert!(matches!(
            read_all(std::io::repeat(0), 1024),
            Err(InputError::TooLong { limit: 1024 })
        ));
        assert_eq!(read_all(&b"abc"[..], 3).unwrap(), b"abc");
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.png");
        std::fs::write(&big, vec![0u8; 2048]).unwrap();
        assert!(matches!(read_file(&big, 2047), Err(InputError::TooLong { limit: 2047 })));
        assert_eq!(read_file(&big, 2048).unwrap().len(), 2048);
        assert!(matches!(read_file(dir.path(), 2048), Err(InputError::Io(_))));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn dev_zero_is_read_only_up_to_the_bound() {
        let e = read_file(Path::new("/dev/zero"), 4096).unwrap_err();
        assert!(matches!(e, InputError::TooLong { limit: 4096 }));
    }
}
