//! Rendering for people (aligned text, grouped codes, optional colour) and for programs
//! (the serde structs below are the documented JSON shapes; see `docs/cli.md`).

use std::io::{IsTerminal, Write};

use nyckel_core::vault::{Account, ActivityEntry, ActivityEvent};
use nyckel_core::{Code, OtpKind, OtpParams};
use serde::Serialize;

use crate::error::Result;

/// What the terminal on stdout can do.
#[derive(Clone, Copy, Debug)]
pub struct Term {
    /// Stdout is a terminal (cursor movement is allowed).
    pub tty: bool,
    /// ANSI colours and styles are wanted (a terminal, `NO_COLOR` unset, `TERM` not dumb).
    pub color: bool,
}

impl Term {
    /// Detects what stdout is.
    pub fn stdout() -> Term {
        let tty = std::io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
        Term { tty, color: tty && !no_color && !dumb }
    }

    /// Plain text: no cursor movement, no colour.
    #[cfg(test)]
    pub const PLAIN: Term = Term { tty: false, color: false };

    fn style(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// Bold text.
    pub fn bold(&self, text: &str) -> String {
        self.style("1", text)
    }

    /// Dimmed text.
    pub fn dim(&self, text: &str) -> String {
        self.style("2", text)
    }

    /// Green text.
    pub fn green(&self, text: &str) -> String {
        self.style("32", text)
    }

    /// Yellow text.
    pub fn yellow(&self, text: &str) -> String {
        self.style("33", text)
    }

    /// Red text.
    pub fn red(&self, text: &str) -> String {
        self.style("31", text)
    }
}

/// Writes `text` to stdout and flushes (a closed pipe becomes [`crate::error::CliError::BrokenPipe`]).
pub fn print(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Prints `value` as pretty JSON followed by a newline.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> Result<()> {
    print(&json_text(value)?)
}

/// `value` as `--json` prints it: pretty, with a final line break.
pub fn json_text<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| crate::error::CliError::failure(format!("cannot encode JSON: {e}")))?;
    text.push('\n');
    Ok(text)
}

/// A note for the user on stderr (ignored if stderr is gone).
pub fn note(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// A warning on stderr, prefixed `warning: `.
pub fn warn(text: &str) {
    note(&format!("warning: {}", crate::error::one_line(text)))
}

// ---------------------------------------------------------------------------------------
// JSON shapes

/// An account's parameters as the JSON views print them (never the secret), borrowed from
/// the account (no copy of its labels per printed account).
#[derive(Debug, Serialize)]
pub struct ParamsJson<'a> {
    /// "totp", "hotp" or "steam".
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Issuer ("" when none).
    pub issuer: &'a str,
    /// Account name ("" when none).
    pub name: &'a str,
    /// "SHA1", "SHA256" or "SHA512".
    pub algorithm: &'static str,
    /// Number of digits (5 characters for Steam).
    pub digits: u8,
    /// Seconds per code (TOTP and Steam only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<u32>,
    /// Counter of the next code (HOTP only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counter: Option<u64>,
}

impl<'a> ParamsJson<'a> {
    /// The JSON view of an account's parameters.
    pub fn new(p: &'a OtpParams) -> Self {
        let (period, counter) = match p.kind {
            OtpKind::Hotp => (None, Some(p.counter)),
            OtpKind::Totp | OtpKind::Steam => (Some(p.period), None),
        };
        ParamsJson {
            kind: p.kind.as_str(),
            issuer: &p.issuer,
            name: &p.name,
            algorithm: p.algorithm.as_str(),
            digits: p.digits,
            period,
            counter,
        }
    }
}

/// An account as `list --json` prints it (never the secret).
#[derive(Debug, Serialize)]
pub struct AccountJson<'a> {
    /// Stable account id.
    pub id: i64,
    /// Its parameters.
    #[serde(flatten)]
    pub params: ParamsJson<'a>,
}

impl<'a> AccountJson<'a> {
    /// The JSON view of an account.
    pub fn new(account: &'a Account) -> Self {
        AccountJson { id: account.id, params: ParamsJson::new(&account.params) }
    }
}

/// An account `add`/`scan` added, with the parser's warnings.
#[derive(Debug, Serialize)]
pub struct AddedJson<'a> {
    /// The account.
    #[serde(flatten)]
    pub account: AccountJson<'a>,
    /// Things the parser accepted but wants shown.
    pub warnings: Vec<String>,
}

/// An account with a code, as `code --json` prints it.
#[derive(Debug, Serialize)]
pub struct CodeJson<'a> {
    /// The account.
    #[serde(flatten)]
    pub account: AccountJson<'a>,
    /// The code.
    pub code: &'a str,
    /// Seconds until the code changes; `null` for HOTP.
    pub seconds_left: Option<u32>,
}

/// What `inspect --json` prints.
#[derive(Debug, Serialize)]
pub struct InspectJson<'a> {
    /// The parameters.
    #[serde(flatten)]
    pub params: ParamsJson<'a>,
    /// Canonical base32 secret (upper case, no padding): revealing it is inspect's purpose.
    pub secret: String,
    /// The code at the requested time (HOTP: at its counter).
    pub code: String,
    /// Parser warnings.
    pub warnings: Vec<String>,
}

impl<'a> InspectJson<'a> {
    /// Builds the inspect view.
    pub fn new(p: &'a OtpParams, code: &Code, warnings: Vec<String>) -> Self {
        InspectJson {
            params: ParamsJson::new(p),
            secret: p.secret.to_base32(),
            code: code.value.clone(),
            warnings,
        }
    }
}

/// One activity entry, as `activity --json` prints it.
#[derive(Debug, Serialize)]
pub struct ActivityJson {
    /// Log id (increasing).
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    /// The event: `event` ("account_added", "account_edited", "account_removed",
    /// "exported", "enrolled", "enrollment_removed", "phone_signin", "sign_in") and its fields.
    #[serde(flatten)]
    pub event: ActivityEvent,
    /// For `sign_in`: the record's fields at the top level too.
    #[serde(flatten)]
    pub sign_in: Option<SignInJson>,
    /// One-line description ("added Region Skåne (anna)").
    pub summary: String,
}

/// A sign-in decision's fields, as `activity --json` shows them beside `record`.
#[derive(Debug, Serialize)]
pub struct SignInJson {
    /// The account.
    pub account_name: String,
    /// The provider's base URL.
    pub provider: String,
    /// The request id.
    pub request_id: String,
    /// "push" or "passwordless".
    pub kind: &'static str,
    /// The requesting application.
    pub app: String,
    /// The client's IP address.
    pub ip: String,
    /// Approximate location.
    pub location: String,
    /// "approve", "deny" or "report".
    pub decision: String,
    /// "approved", "denied", "reported", or what went wrong ("wrong_number", "expired",
    /// "not_pending", "not delivered", …).
    pub result: String,
}

impl ActivityJson {
    /// The JSON view of a log entry with its one-line `summary`.
    pub fn new(entry: &ActivityEntry, summary: String) -> Self {
        let sign_in = match &entry.event {
            ActivityEvent::SignIn { record: r, .. } => Some(SignInJson {
                account_name: r.account_name.clone(),
                provider: r.provider.clone(),
                request_id: r.request_id.clone(),
                kind: r.kind.as_str(),
                app: r.app.clone(),
                ip: r.ip.clone(),
                location: r.location.clone(),
                decision: r.decision.clone(),
                result: r.result.clone(),
            }),
            _ => None,
        };
        ActivityJson { id: entry.id, at: entry.at, event: entry.event.clone(), sign_in, summary }
    }
}

// ---------------------------------------------------------------------------------------
// Human text

/// Whether `c` is shown escaped on a terminal: the characters the wire vocabulary calls unsafe
/// to show (`nyckel_core::protocol::wire::is_unsafe_display_char`: control characters such as
/// ANSI escapes and newlines, every format character — bidirectional controls, zero-width
/// space, soft hyphen, byte-order mark, tag characters —, line separators, Hangul fillers);
/// the zero-width joiners of emoji sequences stay. One rule for the CLI's output and the
/// provider's device names.
pub fn needs_escape(c: char) -> bool {
    nyckel_core::protocol::wire::is_unsafe_display_char(c)
}

/// Text safe to put on a terminal: the characters of [`needs_escape`] (ANSI escapes from a
/// hostile QR code, newlines, U+202E that would reverse the line) are shown escaped
/// (`\u{202e}`).
pub fn clean(text: &str) -> String {
    text.chars()
        .flat_map(|c| if needs_escape(c) { c.escape_default().collect() } else { vec![c] })
        .collect()
}

/// Display width of `text` in terminal cells (one per character: good for Swedish and
/// other Latin text; wide CJK characters count as one).
pub fn width(text: &str) -> usize {
    // Skip ANSI escape sequences so styled text aligns too.
    let mut n = 0;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            n += 1;
        }
    }
    n
}

/// `text` padded with spaces to `cells` terminal cells.
pub fn pad(text: &str, cells: usize) -> String {
    let w = width(text);
    format!("{text}{}", " ".repeat(cells.saturating_sub(w)))
}

/// "Issuer (name)", or whichever of the two exists; cleaned for the terminal.
pub fn label(issuer: &str, name: &str) -> String {
    match (issuer.is_empty(), name.is_empty()) {
        (false, false) => format!("{} ({})", clean(issuer), clean(name)),
        (false, true) => clean(issuer),
        (true, false) => clean(name),
        (true, true) => "(no name)".into(),
    }
}

/// Issuer or name, cleaned, or a dash when empty.
pub fn or_dash(text: &str) -> String {
    if text.is_empty() {
        "—".into()
    } else {
        clean(text)
    }
}

/// A code split into groups for reading aloud: "123 456", "1234 5678", "123 456 789";
/// five characters or fewer (Steam) stay whole.
pub fn group_code(code: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    let n = chars.len();
    if n <= 5 {
        return code.to_owned();
    }
    let groups: Vec<String> = if n.is_multiple_of(3) {
        chars.chunks(3).map(|c| c.iter().collect()).collect()
    } else {
        let first = n.div_ceil(2);
        vec![chars[..first].iter().collect(), chars[first..].iter().collect()]
    };
    groups.join(" ")
}

/// "TOTP · 6 digits · 30 s", "HOTP · 8 digits · SHA512 · counter 3", "Steam · 30 s".
pub fn kind_summary(p: &OtpParams) -> String {
    let mut parts = vec![match p.kind {
        OtpKind::Totp => "TOTP".to_owned(),
        OtpKind::Hotp => "HOTP".to_owned(),
        OtpKind::Steam => "Steam".to_owned(),
    }];
    if p.kind != OtpKind::Steam {
        parts.push(format!("{} digits", p.digits));
        if p.algorithm != nyckel_core::Algorithm::Sha1 {
            parts.push(p.algorithm.as_str().to_owned());
        }
    }
    match p.kind {
        OtpKind::Hotp => parts.push(format!("counter {}", p.counter)),
        _ => parts.push(format!("{} s", p.period)),
    }
    parts.join(" · ")
}

/// Aligns rows into columns separated by two spaces (trailing spaces trimmed).
pub fn table(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|i| rows.iter().filter_map(|r| r.get(i)).map(|c| width(c)).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&pad(cell, widths[i]));
                line.push_str("  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A one-line description of an added account.
pub fn added_line(term: &Term, account: &Account) -> String {
    format!(
        "Added {} {}  {}",
        term.dim(&format!("[{}]", account.id)),
        term.bold(&label(&account.params.issuer, &account.params.name)),
        term.dim(&kind_summary(&account.params))
    )
}

/// `uri` with the value of its `secret` parameter replaced by `…`, for the demo's narration.
#[cfg_attr(not(feature = "demo"), allow(dead_code))]
pub fn redact_secret(uri: &str) -> String {
    let Some((head, query)) = uri.split_once('?') else { return uri.to_owned() };
    let params: Vec<String> = query
        .split('&')
        .map(|p| match p.split_once('=') {
            Some((name, _)) if name.eq_ignore_ascii_case("secret") => format!("{name}=…"),
            _ => p.to_owned(),
        })
        .collect();
    format!("{head}?{}", params.join("&"))
}

/// Unix seconds in the user's time zone (`TZ`, else the system's), as
/// "2025-06-01 16:03:27 CEST"; in UTC when the zone cannot be found.
pub fn local_time(unix: i64) -> String {
    in_zone(unix, &jiff::tz::TimeZone::system())
}

/// Unix seconds in `zone`, as [`local_time`] shows them.
fn in_zone(unix: i64, zone: &jiff::tz::TimeZone) -> String {
    match jiff::Timestamp::from_second(unix) {
        Ok(t) => t.to_zoned_datetime(zone.clone()).strftime("%Y-%m-%d %H:%M:%S %Z").to_string(),
        Err(_) => utc(unix),
    }
}

/// A length of time as "90 s", "10 min", "1 h 30 min".
pub fn duration_text(seconds: u64) -> String {
    let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    let parts: Vec<String> = [(h, "h"), (m, "min"), (s, "s")]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n} {unit}"))
        .collect();
    if parts.is_empty() {
        "0 s".to_owned()
    } else {
        parts.join(" ")
    }
}

/// Unix seconds as "2025-06-01 14:03:27 UTC" (no time-zone database needed).
pub fn utc(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC", secs / 3600, secs % 3600 / 60, secs % 60)
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_grouped() {
        assert_eq!(group_code("123456"), "123 456");
        assert_eq!(group_code("12345678"), "1234 5678");
        assert_eq!(group_code("1234567"), "1234 567");
        assert_eq!(group_code("123456789"), "123 456 789");
        assert_eq!(group_code("1234567890"), "12345 67890");
        assert_eq!(group_code("5KX7T"), "5KX7T");
    }

    #[test]
    fn local_times_follow_the_zone() {
        let stockholm = jiff::tz::TimeZone::posix("CET-1CEST,M3.5.0,M10.5.0/3").unwrap();
        // Summer and winter time, and the day changing.
        assert_eq!(in_zone(1_748_850_073, &stockholm), "2025-06-02 09:41:13 CEST");
        assert_eq!(in_zone(1_733_007_600, &stockholm), "2024-12-01 00:00:00 CET");
        assert_eq!(in_zone(0, &jiff::tz::TimeZone::UTC), "1970-01-01 00:00:00 UTC");
        // Outside what the zone code handles: UTC as before.
        assert_eq!(in_zone(i64::MAX, &stockholm), utc(i64::MAX));
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_text(90), "1 min 30 s");
        assert_eq!(duration_text(600), "10 min");
        assert_eq!(duration_text(5400), "1 h 30 min");
        assert_eq!(duration_text(0), "0 s");
    }

    #[test]
    fn utc_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_111_111_109), "2005-03-18 01:58:29 UTC");
        assert_eq!(utc(20_000_000_000), "2603-10-11 11:33:20 UTC");
    }

    #[test]
    fn alignment_counts_characters_not_bytes() {
        let t = table(&[vec!["Skåne".into(), "x".into()], vec!["Abc".into(), "y".into()]]);
        assert_eq!(t, "Skåne  x\nAbc    y\n");
        assert_eq!(width("\x1b[1mÅÄÖ\x1b[0m"), 3);
    }

    #[test]
    fn secrets_are_redacted() {
        assert_eq!(
            redact_secret("otpauth://totp/a?issuer=x&Secret=ABC&digits=6"),
            "otpauth://totp/a?issuer=x&Secret=…&digits=6"
        );
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(clean("a\x1b[2Jb"), "a\\u{1b}[2Jb");
    }

    #[test]
    fn bidi_and_invisible_characters_are_escaped_but_emoji_sequences_kept() {
        assert_eq!(clean("Bank\u{202E}lapyap"), "Bank\\u{202e}lapyap");
        for c in [
            '\u{061C}', '\u{200B}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202D}', '\u{2066}',
            '\u{2069}', '\u{2028}', '\u{FEFF}',
        ] {
            assert_eq!(clean(&format!("a{c}b")), format!("a{}b", c.escape_default()), "{:?}", c);
        }
        // A family (ZWJ), a flag, a keycap, a skin tone, Persian with ZWNJ.
        for text in [
            "👨\u{200D}👩\u{200D}👧",
            "🇸🇪",
            "1\u{FE0F}\u{20E3}",
            "👍🏽",
            "می\u{200C}خواهم",
            "Region Skåne",
        ] {
            assert_eq!(clean(text), text);
        }
        // Tag characters are invisible wherever they stand (they can carry hidden text after
        // any character), so a subdivision flag's tags are escaped too, and so are the other
        // format characters and the Hangul filler.
        assert_eq!(clean("🏴\u{E0067}\u{E0062}\u{E007F}"), "🏴\\u{e0067}\\u{e0062}\\u{e007f}");
        for c in ['\u{00AD}', '\u{2060}', '\u{3164}', '\u{FFF9}', '\u{E0041}'] {
            assert_eq!(clean(&format!("a{c}b")), format!("a{}b", c.escape_default()), "{:?}", c);
        }
    }
}
