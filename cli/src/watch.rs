//! The live code list (`nyckel watch`, and the end of `nyckel demo`): every account with its
//! code and a countdown bar that shrinks over the period, redrawn each second.
//!
//! On a terminal the frame is redrawn in place with ANSI escapes and the cursor is hidden
//! (Ctrl-C restores it and exits cleanly); elsewhere each frame is printed plainly, one
//! after another.

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

/// The current Unix time in seconds.
pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
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

/// The lines of one frame at `unix_time`.
pub fn frame(accounts: &[Account], unix_time: u64, term: &Term) -> Vec<String> {
    let mut lines = Vec::new();
    let count = match accounts.len() {
        1 => "1 account".to_owned(),
        n => format!("{n} accounts"),
    };
    lines.push(format!("{} · {count} · {}", term.bold("Nyckel"), term.dim(&output::utc(unix_time as i64))));
    if accounts.is_empty() {
        lines.push(String::new());
        lines.push("No accounts yet: add one with `nyckel add URI` or `nyckel scan IMAGE`.".into());
    }
    let codes: Vec<Option<(String, Option<u32>, u32)>> = accounts
        .iter()
        .map(|a| match a.params.kind {
            OtpKind::Hotp => None,
            _ => a.params.code_at(unix_time).ok().map(|c| (group_code(&c.value), c.seconds_left, a.params.period)),
        })
        .collect();
    let code_cells = codes.iter().flatten().map(|(c, _, _)| width(c)).max().unwrap_or(7).max(7);
    for (account, code) in accounts.iter().zip(&codes) {
        lines.push(String::new());
        let p = &account.params;
        let head = match (p.issuer.is_empty(), p.name.is_empty()) {
            (false, false) => format!("{}  {}", term.bold(&clean(&p.issuer)), term.dim(&clean(&p.name))),
            (false, true) => term.bold(&clean(&p.issuer)),
            (true, _) => term.bold(&clean(&p.name)),
        };
        lines.push(head);
        let body = match code {
            Some((value, Some(left), period)) => {
                let left = *left;
                let paint = |s: &str| match left {
                    0..=5 => term.red(s),
                    6..=10 => term.yellow(s),
                    _ => term.green(s),
                };
                let value = if left <= 5 { term.red(value) } else { term.bold(value) };
                format!("{}  {}  {}", pad(&value, code_cells), paint(&bar(f64::from(left) / f64::from(*period))), paint(&format!("{left:>2} s")))
            }
            _ if p.kind == OtpKind::Hotp => format!(
                "{}  {}",
                pad(&term.dim(&group_code(&"•".repeat(usize::from(p.digits)))), code_cells),
                term.dim(&format!("HOTP · `nyckel code {}` shows the next code", account.id))
            ),
            _ => term.red("cannot compute a code for this account"),
        };
        lines.push(format!("  {body}"));
    }
    lines
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
    let subsec = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_millis()).unwrap_or(0);
    let mut left = Duration::from_millis(u64::from(1000 - subsec.min(999)));
    while !left.is_zero() && !interrupted() {
        let step = left.min(Duration::from_millis(50));
        std::thread::sleep(step);
        left -= step;
    }
}

/// Shows the live list: `frames` frames (one a second), or until Ctrl-C when `None`.
/// Returns `false` when stopped by Ctrl-C.
pub fn run(accounts: &[Account], frames: Option<u64>, term: Term) -> Result<bool> {
    let live = term.tty;
    if live {
        #[cfg(unix)]
        signals::install();
        // Hide the cursor; turn off line wrapping so a long line cannot add rows and throw
        // off the redraw (it is clipped at the right edge instead).
        output::print("\x1b[?25l\x1b[?7l")?;
    }
    let result = draw_loop(accounts, frames, term);
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

fn draw_loop(accounts: &[Account], frames: Option<u64>, term: Term) -> Result<()> {
    let mut shown = 0u64;
    let mut previous_lines = 0usize;
    loop {
        if interrupted() {
            return Ok(());
        }
        let mut lines = frame(accounts, now(), &term);
        let mut text = String::new();
        if term.tty {
            if frames.is_none() {
                lines.push(String::new());
                lines.push(term.dim("Ctrl-C to quit"));
            }
            if previous_lines > 0 {
                text.push_str(&format!("\x1b[{previous_lines}A"));
            }
            for line in &lines {
                text.push_str("\r\x1b[2K");
                text.push_str(line);
                text.push('\n');
            }
            text.push_str("\x1b[J");
        } else {
            if shown > 0 {
                text.push('\n');
            }
            for line in &lines {
                text.push_str(line);
                text.push('\n');
            }
        }
        output::print(&text)?;
        previous_lines = lines.len();
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
}
