//! The live code list (`nyckel watch`, and the end of `nyckel demo`): every account with its
//! code and a countdown bar that shrinks over the period, redrawn each second.
//!
//! On a terminal the frame is redrawn in place with ANSI escapes and the cursor is hidden
//! (Ctrl-C restores it and exits cleanly); elsewhere each frame is printed plainly, one
//! after another.
//!
//! A redrawn frame must fit on the screen: the cursor cannot move up past the top row, so a
//! taller frame would scroll on every redraw. Each frame therefore reads the terminal's
//! height ([`terminal_rows`]) and shows as many whole accounts as fit in all rows but one,
//! then a line saying how many more there are ([`frame`] with [`Layout::rows`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use nyckel_core::vault::Account;
use nyckel_core::OtpKind;

use crate::error::Result;
use crate::output::{self, clean, group_code, pad, width, Term};

/// Width of the countdown bar in cells.
pub const BAR_CELLS: usize = 20;

/// Set by the SIGINT/SIGTERM handler.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// The current Unix time in seconds (the core's system clock).
pub fn now() -> u64 {
    u64::try_from(nyckel_core::clock::Clock::now(&nyckel_core::clock::SystemClock)).unwrap_or(0)
}

/// A bar of `BAR_CELLS` cells, `fraction` (0–1) of it filled, with eighth-block precision.
pub fn bar(fraction: f64) -> String {
    let eighths = (fraction.clamp(0.0, 1.0) * (BAR_CELLS * 8) as f64).round() as usize;
    let mut s = "█".repeat(eighths / 8);
    if !eighths.is_multiple_of(8) {
        s.push([' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'][eighths % 8]);
    }
    let used = width(&s);
    s.push_str(&" ".repeat(BAR_CELLS - used));
    s
}

/// How [`frame`] lays out its lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// The most lines the frame may have (`None`: no limit). Accounts that do not fit are
    /// counted on a last "… N more accounts" line instead.
    pub rows: Option<usize>,
    /// End with a "Ctrl-C to quit" line (a live list on a terminal).
    pub footer: bool,
}

impl Layout {
    /// Every account, no footer: plain output.
    pub const PLAIN: Layout = Layout { rows: None, footer: false };
}

/// The lines of one frame at `unix_time`: a header, then three lines per account (a blank
/// line, issuer and name, the code). `query` is the `nyckel watch QUERY` that chose
/// `accounts`, named in the header. Never more than `layout.rows` lines: when the accounts
/// do not all fit, the footer goes first, then accounts from the end, which a dim line
/// counts (that line also carries the footer's hint). When not even the header, one
/// account and that line fit, the header and the first account are cut to the rows there
/// are.
pub fn frame(
    accounts: &[Account],
    query: Option<&str>,
    unix_time: u64,
    term: &Term,
    layout: Layout,
) -> Vec<String> {
    let count = match accounts.len() {
        1 => "1 account".to_owned(),
        n => format!("{n} accounts"),
    };
    let count = match query {
        Some(q) => format!("{count} matching \"{}\"", clean(q)),
        None => count,
    };
    let header = format!(
        "{} · {count} · {}",
        term.bold("Nyckel"),
        term.dim(&output::local_time(unix_time as i64))
    );
    let blocks = account_blocks(accounts, unix_time, term);
    let mut lines = vec![header];
    if accounts.is_empty() {
        lines.push(String::new());
        lines.push("No accounts yet: add one with `nyckel add URI` or `nyckel scan IMAGE`.".into());
    }
    lines.extend(blocks.iter().flatten().cloned());
    let footer =
        if layout.footer { vec![String::new(), term.dim("Ctrl-C to quit")] } else { Vec::new() };
    let rows = layout.rows.unwrap_or(usize::MAX);
    if lines.len() + footer.len() <= rows {
        lines.extend(footer);
        return lines;
    }
    if lines.len() > rows && !blocks.is_empty() {
        // The header, `shown` whole accounts, a blank line and the "more" line.
        let shown = rows.saturating_sub(3) / 3;
        lines.truncate(1 + 3 * shown);
        if shown == 0 {
            lines.extend(blocks[0].iter().cloned());
        } else {
            let more = match accounts.len() - shown {
                1 => "1 more account".to_owned(),
                n => format!("{n} more accounts"),
            };
            let quit = if layout.footer { " · Ctrl-C to quit" } else { "" };
            lines.push(String::new());
            lines.push(term.dim(&format!("… {more}: narrow with `nyckel watch QUERY`{quit}")));
        }
    }
    lines.truncate(rows);
    lines
}

/// Each account's three lines: blank, issuer and name, then the code with its bar (or the
/// HOTP hint).
fn account_blocks(accounts: &[Account], unix_time: u64, term: &Term) -> Vec<[String; 3]> {
    let codes: Vec<Option<(String, Option<u32>, u32)>> = accounts
        .iter()
        .map(|a| match a.params.kind {
            OtpKind::Hotp => None,
            _ => a
                .params
                .code_at(unix_time)
                .ok()
                .map(|c| (group_code(&c.value), c.seconds_left, a.params.period)),
        })
        .collect();
    let code_cells = codes.iter().flatten().map(|(c, _, _)| width(c)).max().unwrap_or(7).max(7);
    let mut blocks = Vec::with_capacity(accounts.len());
    for (account, code) in accounts.iter().zip(&codes) {
        let p = &account.params;
        let head = match (p.issuer.is_empty(), p.name.is_empty()) {
            (false, false) => {
                format!("{}  {}", term.bold(&clean(&p.issuer)), term.dim(&clean(&p.name)))
            }
            (false, true) => term.bold(&clean(&p.issuer)),
            (true, _) => term.bold(&clean(&p.name)),
        };
        let body = match code {
            Some((value, Some(left), period)) => {
                let left = *left;
                let paint = |s: &str| match left {
                    0..=5 => term.red(s),
                    6..=10 => term.yellow(s),
                    _ => term.green(s),
                };
                let value = if left <= 5 { term.red(value) } else { term.bold(value) };
                format!(
                    "{}  {}  {}",
                    pad(&value, code_cells),
                    paint(&bar(f64::from(left) / f64::from(*period))),
                    paint(&format!("{left:>2} s"))
                )
            }
            _ if p.kind == OtpKind::Hotp => format!(
                "{}  {}",
                pad(&term.dim(&group_code(&"•".repeat(usize::from(p.digits)))), code_cells),
                term.dim(&format!("HOTP · `nyckel code {}` shows the next code", account.id))
            ),
            _ => term.red("cannot compute a code for this account"),
        };
        blocks.push([String::new(), head, format!("  {body}")]);
    }
    blocks
}

/// The height of the terminal on stdout, read afresh for each frame so that resizing
/// works: its window size (`TIOCGWINSZ`), else `LINES` when the terminal reports no size
/// (0×0, as a pseudo-terminal nobody sized), else `None` (no limit). The window size wins
/// over `LINES` because an exported `LINES` is a snapshot that goes stale when the window
/// is resized. The width is not needed: line wrapping is off during the live list, so a
/// long line is clipped and never takes a second row.
pub fn terminal_rows() -> Option<usize> {
    #[cfg(unix)]
    if let Some(rows) = winsize::stdout_rows() {
        return Some(rows);
    }
    std::env::var("LINES").ok()?.trim().parse::<usize>().ok().filter(|&n| n > 0)
}

#[cfg(unix)]
mod winsize {
    /// The rows of the terminal on stdout, when it reports a size.
    #[cfg(any(
        target_os = "linux",
        target_os = "android",
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "netbsd",
        target_os = "dragonfly"
    ))]
    pub fn stdout_rows() -> Option<usize> {
        use std::os::raw::c_int;

        /// `struct winsize` from `<sys/ioctl.h>` (`<termios.h>` on Linux).
        #[repr(C)]
        #[derive(Default)]
        struct Winsize {
            ws_row: u16,
            ws_col: u16,
            ws_xpixel: u16,
            ws_ypixel: u16,
        }

        // The request argument is `unsigned long` in glibc and the BSDs, `int` in musl and
        // bionic.
        #[cfg(any(target_env = "musl", target_os = "android"))]
        type Request = c_int;
        #[cfg(not(any(target_env = "musl", target_os = "android")))]
        type Request = std::os::raw::c_ulong;

        #[cfg(any(target_os = "linux", target_os = "android"))]
        const TIOCGWINSZ: Request = 0x5413;
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        const TIOCGWINSZ: Request = 0x4008_7468;

        const STDOUT: c_int = 1;

        extern "C" {
            fn ioctl(fd: c_int, request: Request, ...) -> c_int;
        }

        let mut size = Winsize::default();
        // SAFETY: TIOCGWINSZ writes one `struct winsize`, which `size` is (same layout),
        // and nothing else; on failure it writes nothing and we read the zeros back.
        let ok = unsafe { ioctl(STDOUT, TIOCGWINSZ, &mut size as *mut Winsize) } == 0;
        (ok && size.ws_row > 0).then_some(usize::from(size.ws_row))
    }

    /// Other Unixes: no window size (`LINES`, else no limit).
    #[cfg(not(any(
        target_os = "linux",
        target_os = "android",
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "netbsd",
        target_os = "dragonfly"
    )))]
    pub fn stdout_rows() -> Option<usize> {
        None
    }
}

#[cfg(unix)]
mod signals {
    use std::os::raw::c_int;

    extern "C" {
        fn signal(signum: c_int, handler: usize) -> usize;
    }

    const SIGINT: c_int = 2;
    const SIGTERM: c_int = 15;

    extern "C" fn on_signal(_: c_int) {
        // Only an atomic store: async-signal-safe.
        super::INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Routes Ctrl-C and SIGTERM to the flag instead of killing the process.
    pub fn install() {
        let handler = on_signal as extern "C" fn(c_int) as usize;
        // SAFETY: `signal` is the C library's; the handler only stores to an atomic.
        unsafe {
            signal(SIGINT, handler);
            signal(SIGTERM, handler);
        }
    }

    /// Gives Ctrl-C and SIGTERM their default meaning back.
    pub fn restore() {
        const SIG_DFL: usize = 0;
        // SAFETY: as above; SIG_DFL is 0 on every Unix.
        unsafe {
            signal(SIGINT, SIG_DFL);
            signal(SIGTERM, SIG_DFL);
        }
    }
}

/// Whether Ctrl-C was pressed during a [`run`].
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Sleeps until the next whole second, waking early on Ctrl-C.
fn sleep_to_next_second() {
    let subsec =
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_millis()).unwrap_or(0);
    let mut left = Duration::from_millis(u64::from(1000 - subsec.min(999)));
    while !left.is_zero() && !interrupted() {
        let step = left.min(Duration::from_millis(50));
        std::thread::sleep(step);
        left -= step;
    }
}

/// Shows the live list of `accounts` (chosen by `query`, when given): `frames` frames (one
/// a second), or until Ctrl-C when `None`. Returns `false` when stopped by Ctrl-C.
pub fn run(
    accounts: &[Account],
    query: Option<&str>,
    frames: Option<u64>,
    term: Term,
) -> Result<bool> {
    let live = term.tty;
    if live {
        #[cfg(unix)]
        signals::install();
        // Hide the cursor; turn off line wrapping so a long line cannot add rows and throw
        // off the redraw (it is clipped at the right edge instead).
        output::print("\x1b[?25l\x1b[?7l")?;
    }
    let result = draw_loop(accounts, query, frames, term);
    if live {
        // Restore the cursor whatever happened (even after a write error).
        let _ = output::print("\x1b[?7h\x1b[?25h");
        #[cfg(unix)]
        signals::restore();
        if interrupted() {
            let _ = output::print("\n");
        }
    }
    result.map(|()| !interrupted())
}

fn draw_loop(
    accounts: &[Account],
    query: Option<&str>,
    frames: Option<u64>,
    term: Term,
) -> Result<()> {
    let mut shown = 0u64;
    let mut previous_lines = 0usize;
    loop {
        if interrupted() {
            return Ok(());
        }
        let mut text = String::new();
        if term.tty {
            // One row stays free so that the newline after the last line never scrolls:
            // then moving up by the number of lines drawn always reaches the frame's top.
            let rows = terminal_rows().map(|r| r - 1);
            let lines =
                frame(accounts, query, now(), &term, Layout { rows, footer: frames.is_none() });
            if previous_lines > 0 {
                text.push_str(&format!("\x1b[{previous_lines}A"));
            }
            for line in &lines {
                text.push_str("\r\x1b[2K");
                text.push_str(line);
                text.push('\n');
            }
            text.push_str("\x1b[J");
            // Wrapping is off, so each line is exactly one row.
            previous_lines = lines.len();
        } else {
            if shown > 0 {
                text.push('\n');
            }
            for line in frame(accounts, query, now(), &term, Layout::PLAIN) {
                text.push_str(&line);
                text.push('\n');
            }
        }
        output::print(&text)?;
        shown += 1;
        if frames.is_some_and(|n| shown >= n) {
            return Ok(());
        }
        sleep_to_next_second();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_shrinks_with_eighths() {
        assert_eq!(bar(1.0), "█".repeat(BAR_CELLS));
        assert_eq!(bar(0.0), " ".repeat(BAR_CELLS));
        assert_eq!(width(&bar(0.5)), BAR_CELLS);
        assert!(bar(0.51).contains('▏') || bar(0.51).contains('▎'));
        assert_eq!(bar(0.5).trim_end(), "█".repeat(BAR_CELLS / 2));
    }

    /// `n` TOTP accounts, "Issuer 1" to "Issuer n".
    fn accounts(n: usize) -> Vec<Account> {
        (1..=n)
            .map(|i| Account {
                id: i as i64,
                params: nyckel_core::otpauth::parse(&format!(
                    "otpauth://totp/Issuer%20{i}:anna?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
                ))
                .unwrap()
                .params,
                note: String::new(),
                position: i as i64,
                created_at: 0,
                updated_at: 0,
            })
            .collect()
    }

    const T: u64 = 1_750_000_000;

    fn lines(n: usize, rows: Option<usize>, footer: bool) -> Vec<String> {
        frame(&accounts(n), None, T, &Term::PLAIN, Layout { rows, footer })
    }

    fn issuers(lines: &[String]) -> Vec<&str> {
        lines.iter().filter_map(|l| l.strip_suffix("  anna")).collect()
    }

    #[test]
    fn a_frame_that_fits_is_whole() {
        let plain = lines(3, None, false);
        assert_eq!(plain.len(), 1 + 3 * 3);
        assert!(plain[0].starts_with("Nyckel · 3 accounts · "), "{plain:?}");
        assert_eq!(issuers(&plain), ["Issuer 1", "Issuer 2", "Issuer 3"]);
        assert_eq!(lines(3, Some(10), false), plain, "exactly the rows there are");
        let live = lines(3, Some(12), true);
        assert_eq!(live.len(), 12);
        assert_eq!(live[..10], plain[..]);
        assert_eq!(live[10..], ["", "Ctrl-C to quit"]);
        assert_eq!(lines(3, Some(10), true), plain, "the footer is dropped before any account");
        assert_eq!(lines(0, Some(3), true).len(), 3, "an empty vault's hint without the footer");
    }

    #[test]
    fn a_tall_frame_shows_whole_accounts_and_counts_the_rest() {
        // 15 accounts in a 24-row terminal: 23 rows usable.
        let fitted = lines(15, Some(23), false);
        assert_eq!(fitted.len(), 1 + 3 * 6 + 2, "{fitted:?}");
        assert_eq!(
            issuers(&fitted),
            ["Issuer 1", "Issuer 2", "Issuer 3", "Issuer 4", "Issuer 5", "Issuer 6"]
        );
        assert!(
            fitted[0].starts_with("Nyckel · 15 accounts · "),
            "the header still counts them all"
        );
        assert!(
            fitted[18].trim_start().starts_with(|c: char| c.is_ascii_digit()),
            "the last account's code: {fitted:?}"
        );
        assert_eq!(fitted[19], "");
        assert_eq!(fitted[20], "… 9 more accounts: narrow with `nyckel watch QUERY`");
        let live = lines(15, Some(23), true);
        assert_eq!(live.len(), 21);
        assert_eq!(
            live[20],
            "… 9 more accounts: narrow with `nyckel watch QUERY` · Ctrl-C to quit"
        );
        assert_eq!(
            lines(2, Some(6), false).last().unwrap(),
            "… 1 more account: narrow with `nyckel watch QUERY`"
        );
    }

    #[test]
    fn a_frame_never_has_more_lines_than_rows() {
        for n in 0..12 {
            for rows in 0..45 {
                for footer in [false, true] {
                    let fitted = lines(n, Some(rows), footer);
                    let whole = lines(n, None, footer);
                    let without_footer = lines(n, None, false);
                    assert!(fitted.len() <= rows, "{n} accounts, {rows} rows: {fitted:?}");
                    if whole.len() <= rows {
                        assert_eq!(fitted, whole);
                    } else if without_footer.len() <= rows {
                        assert_eq!(fitted, without_footer, "every account rather than the footer");
                    } else if rows >= 1 + 3 + 2 && n > 0 {
                        // Whole accounts, then the "more" line, as many as fit.
                        let shown = issuers(&fitted).len();
                        assert!(
                            fitted
                                .last()
                                .unwrap()
                                .starts_with(&format!("… {} more account", n - shown)),
                            "{fitted:?}"
                        );
                        assert_eq!(fitted.len(), 1 + 3 * shown + 2);
                        assert!(
                            fitted.len() + 3 > rows,
                            "room for one more account: {rows} rows, {fitted:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_tiny_terminal_gets_what_fits() {
        let whole = lines(15, None, false);
        assert_eq!(lines(15, Some(5), true), whole[..4], "header and the first account");
        assert_eq!(lines(15, Some(4), true), whole[..4]);
        assert_eq!(lines(15, Some(2), true), whole[..2]);
        assert_eq!(lines(15, Some(1), true), whole[..1]);
        assert!(lines(15, Some(0), true).is_empty());
    }

    #[test]
    fn a_query_is_named_in_the_header() {
        let frame = frame(&accounts(2), Some("issuer\u{7}"), T, &Term::PLAIN, Layout::PLAIN);
        assert!(
            frame[0].starts_with("Nyckel · 2 accounts matching \"issuer\\u{7}\" · "),
            "cleaned: {frame:?}"
        );
    }
}
