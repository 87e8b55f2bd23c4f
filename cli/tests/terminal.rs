//! The terminal paths, under a real pseudo-terminal (util-linux `script`): passphrase
//! prompts, the delete confirmation, ANSI `watch` with Ctrl-C, and the coloured QR code.
//! Skipped with a visible message where `script` is missing.

mod common;
use common::*;

#[test]
fn init_asks_twice_and_unlock_asks_once() {
    if !have_script() {
        return;
    }
    let v = TestVault::uncreated();
    let init = ["init", "--kdf-memory-mib", "19", "--kdf-iterations", "2"];
    let (code, out) = on_terminal(
        &v,
        &init,
        None,
        &[
            Step::WaitFor("New passphrase:"),
            Step::Type("fel ett\n"),
            Step::WaitFor("Repeat the passphrase:"),
            Step::Type("fel två\n"),
        ],
    );
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("nyckel: the passphrases do not match"), "{out}");
    assert!(!v.path.exists());

    let (code, out) = on_terminal(
        &v,
        &init,
        None,
        &[
            Step::WaitFor("New passphrase:"),
            Step::Type("räksmörgås 42\n"),
            Step::WaitFor("Repeat the passphrase:"),
            Step::Type("räksmörgås 42\n"),
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Created an encrypted vault"), "{out}");
    assert!(!out.contains("räksmörgås"), "the passphrase is not echoed: {out}");

    let (code, out) = on_terminal(
        &v,
        &["list"],
        None,
        &[Step::WaitFor("Passphrase for"), Step::Type("räksmörgås 42\n")],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("No accounts yet"), "{out}");
    let (code, out) =
        on_terminal(&v, &["list"], None, &[Step::WaitFor("Passphrase for"), Step::Type("nope\n")]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("nyckel: wrong passphrase"), "{out}");
}

#[test]
fn delete_asks_y_or_n_on_a_terminal() {
    if !have_script() {
        return;
    }
    let v = TestVault::new();
    let id =
        v.add(&format!("otpauth://totp/Region%20Sk%C3%A5ne:anna?secret={RFC_SECRET}")).to_string();
    let (code, out) = on_terminal(
        &v,
        &["delete", &id],
        Some(PASSPHRASE),
        &[Step::WaitFor("[y/N]"), Step::Type("\n")],
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("Delete [1] Region Skåne (anna)?") && out.contains("Nothing deleted"),
        "{out}"
    );
    assert_eq!(v.run(&["list", "--json"]).json().as_array().unwrap().len(), 1);
    let (code, out) = on_terminal(
        &v,
        &["delete", &id],
        Some(PASSPHRASE),
        &[Step::WaitFor("[y/N]"), Step::Type("y\n")],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Deleted"), "{out}");
    assert_eq!(v.run(&["list", "--json"]).json(), serde_json::json!([]));
}

#[test]
fn watch_redraws_with_ansi_and_ctrl_c_restores_the_cursor() {
    if !have_script() {
        return;
    }
    let v = TestVault::new();
    v.add(&format!("otpauth://totp/G%C3%B6teborgs%20Stad%20skolor:karin?secret={RFC_SECRET}"));
    let (code, out) = on_terminal(
        &v,
        &["watch"],
        Some(PASSPHRASE),
        &[
            Step::WaitFor("Ctrl-C to quit"),
            Step::WaitFor("\x1b[6A"), // the second frame moved the cursor back up over the first six lines
            Step::Type("\x03"),
        ],
    );
    assert_eq!(code, 0, "Ctrl-C exits cleanly: {out:?}");
    assert!(out.contains("\x1b[?25l"), "cursor hidden: {out:?}");
    let hidden = out.find("\x1b[?25l").unwrap();
    let shown = out.rfind("\x1b[?25h").expect("cursor shown again");
    assert!(shown > hidden);
    assert!(out.contains("Göteborgs Stad skolor"), "{out:?}");
    assert!(out.contains("\x1b[2K"), "lines are cleared and redrawn: {out:?}");
}

#[test]
fn watch_frames_on_a_terminal_end_by_themselves() {
    if !have_script() {
        return;
    }
    let v = TestVault::new();
    v.add(&format!("otpauth://totp/ACME:anna?secret={RFC_SECRET}"));
    let (code, out) = on_terminal(&v, &["watch", "--frames", "2"], Some(PASSPHRASE), &[]);
    assert_eq!(code, 0, "{out:?}");
    assert!(out.contains("\x1b[?25l") && out.contains("\x1b[?25h"), "{out:?}");
    assert!(!out.contains("Ctrl-C to quit"), "no footer for a finite run: {out:?}");
}

/// A `$SHELL` for `script` (it runs `$SHELL -c LINE`) that gives the pseudo-terminal a
/// window size with `stty` and then runs the command line, which stays `exec nyckel …`.
/// Without it the pseudo-terminal reports 0×0.
#[cfg(unix)]
fn sized_shell(v: &TestVault, rows: u16, cols: u16) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = v.file("sized-sh");
    std::fs::write(
        &path,
        format!("#!/bin/sh\nstty rows {rows} cols {cols} || exit 99\nexec /bin/sh \"$@\"\n"),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.to_str().unwrap().to_owned()
}

/// The cursor-ups (`\x1b[NA`) of a `watch` on a terminal, each checked against the frame
/// before it: N lines cleared and drawn (`\r\x1b[2K` each) on N rows (newlines). Returns
/// them with the number of lines the last frame drew.
fn redraws(out: &str) -> (Vec<usize>, usize) {
    let mut ups = Vec::new();
    let mut start = 0;
    for (i, _) in out.match_indices("\x1b[") {
        let after = &out[i + 2..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || after.as_bytes().get(digits) != Some(&b'A') {
            continue;
        }
        let up: usize = after[..digits].parse().unwrap();
        let frame = &out[start..i];
        assert_eq!(
            frame.matches("\r\x1b[2K").count(),
            up,
            "lines drawn before moving up {up}: {frame:?}"
        );
        assert_eq!(frame.matches('\n').count(), up, "rows used before moving up {up}: {frame:?}");
        ups.push(up);
        start = i + 2 + digits + 1;
    }
    (ups, out[start..].matches("\r\x1b[2K").count())
}

#[cfg(unix)]
#[test]
fn watch_fits_the_terminal_height_from_its_window_size() {
    if !have_script() {
        return;
    }
    let v = TestVault::new();
    for i in 1..=8 {
        v.add(&format!(
            "otpauth://totp/Konto%20{i}:anna?secret=JBSWY3DPEHPK3PX{}",
            char::from(b'A' + i)
        ));
    }
    // 12 rows: 11 usable (the last stays free), so the header, two whole accounts (three
    // lines each) and the "more" line after a blank line: 9 lines. The whole frame would
    // be 25, and LINES (40) is ignored while the terminal reports its size.
    let shell = sized_shell(&v, 12, 80);
    let (code, out) = on_terminal_with(
        &v,
        &["watch", "--frames", "2"],
        Some(PASSPHRASE),
        &[("SHELL", &shell), ("LINES", "40")],
        &[],
    );
    assert_eq!(code, 0, "{out:?}");
    assert!(out.contains("… 6 more accounts: narrow with `nyckel watch QUERY`"), "{out:?}");
    assert!(
        out.contains("Konto 2") && !out.contains("Konto 3"),
        "whole accounts from the top: {out:?}"
    );
    assert!(out.contains("8 accounts"), "the header counts them all: {out:?}");
    assert_eq!(
        redraws(&out),
        (vec![9], 9),
        "two frames of 9 lines, the cursor moved up 9 between them: {out:?}"
    );
}

#[test]
fn watch_fits_lines_when_the_terminal_reports_no_size() {
    if !have_script() {
        return;
    }
    let v = TestVault::new();
    for i in 1..=3 {
        v.add(&format!(
            "otpauth://totp/Konto%20{i}:anna?secret=JBSWY3DPEHPK3PX{}",
            char::from(b'A' + i)
        ));
    }
    // `script` without a terminal of its own leaves the window size at 0×0, so LINES
    // counts: 5 rows, 4 usable, too few for an account and the "more" line; the header
    // and the first account are what fits. Until Ctrl-C: the footer goes first.
    let (code, out) = on_terminal_with(
        &v,
        &["watch"],
        Some(PASSPHRASE),
        &[("LINES", "5")],
        &[
            Step::WaitFor("A\r\x1b[2K"), // a second frame, drawn after moving the cursor up
            Step::Type("\x03"),
        ],
    );
    assert_eq!(code, 0, "{out:?}");
    assert!(out.contains("Konto 1") && !out.contains("Konto 2"), "{out:?}");
    assert!(!out.contains("Ctrl-C to quit") && !out.contains("more account"), "{out:?}");
    let (ups, last) = redraws(&out);
    assert!(!ups.is_empty() && ups.iter().all(|&up| up == 4), "{ups:?}: {out:?}");
    assert_eq!(last, 4, "{out:?}");
}

#[test]
fn show_qr_is_black_on_white_on_a_terminal() {
    if !have_script() {
        return;
    }
    let v = TestVault::new();
    let id = v.add(&format!("otpauth://totp/ACME:anna?secret={RFC_SECRET}")).to_string();
    let (code, out) = on_terminal(&v, &["show-qr", &id], Some(PASSPHRASE), &[]);
    assert_eq!(code, 0, "{out:?}");
    let qr_lines =
        out.lines().filter(|l| l.contains('▀') || l.contains('▄') || l.contains('█')).count();
    assert!(qr_lines > 10, "{out}");
    assert!(
        out.lines().filter(|l| l.contains('▀')).all(|l| l.contains("\x1b[30;107m")),
        "explicit colours on every QR line"
    );
    assert!(out.contains("contains the secret"), "warning shown: {out}");
}
