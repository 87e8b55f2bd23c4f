//! The terminal paths, under a real pseudo-terminal (util-linux `script`): passphrase
//! prompts, the delete confirmation, ANSI `watch` with Ctrl-C, and the coloured QR code.
//! Skipped with a visible message where `script` is missing.

mod common;
use common::*;


/// Runs `nyckel ARGS` on a pseudo-terminal, following `steps`; returns (exit code, output).
fn on_terminal(vault: &TestVault, args: &[&str], passphrase: Option<&str>, steps: &[Step]) -> (i32, String) {
    on_terminal_with(vault, args, passphrase, &[], steps)
}

#[test]
fn init_asks_twice_and_unlock_asks_once() {
    if !have_script() {
        return;
    }
    let v = TestVault::uncreated();
    let init = ["init", "--kdf-memory-mib", "19", "--kdf-iterations", "2"];
    let (code, out) = on_terminal(&v, &init, None, &[
        Step::WaitFor("New passphrase:"), Step::Type("fel ett\n"),
        Step::WaitFor("Repeat the passphrase:"), Step::Type("fel två\n"),
    ]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("nyckel: the passphrases do not match"), "{out}");
    assert!(!v.path.exists());

    let (code, out) = on_terminal(&v, &init, None, &[
        Step::WaitFor("New passphrase:"), Step::Type("räksmörgås 42\n"),
        Step::WaitFor("Repeat the passphrase:"), Step::Type("räksmörgås 42\n"),
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Created an encrypted vault"), "{out}");
    assert!(!out.contains("räksmörgås"), "the passphrase is not echoed: {out}");

    let (code, out) = on_terminal(&v, &["list"], None, &[
        Step::WaitFor("Passphrase for"), Step::Type("räksmörgås 42\n"),
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("No accounts yet"), "{out}");
    let (code, out) = on_terminal(&v, &["list"], None, &[Step::WaitFor("Passphrase for"), Step::Type("nope\n")]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("nyckel: wrong passphrase"), "{out}");
}

#[test]
fn delete_asks_y_or_n_on_a_terminal() {
    if !have_script() {
        return;
    }
    let v = TestVault::new();
    let id = v.add(&format!("otpauth://totp/Region%20Sk%C3%A5ne:anna?secret={RFC_SECRET}")).to_string();
    let (code, out) = on_terminal(&v, &["delete", &id], Some(PASSPHRASE), &[Step::WaitFor("[y/N]"), Step::Type("\n")]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Delete [1] Region Skåne (anna)?") && out.contains("Nothing deleted"), "{out}");
    assert_eq!(v.run(&["list", "--json"]).json().as_array().unwrap().len(), 1);
    let (code, out) = on_terminal(&v, &["delete", &id], Some(PASSPHRASE), &[Step::WaitFor("[y/N]"), Step::Type("y\n")]);
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
    let (code, out) = on_terminal(&v, &["watch"], Some(PASSPHRASE), &[
        Step::WaitFor("Ctrl-C to quit"),
        Step::WaitFor("\x1b[6A"), // the second frame moved the cursor back up over the first six lines
        Step::Type("\x03"),
    ]);
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

#[test]
fn show_qr_is_black_on_white_on_a_terminal() {
    if !have_script() {
        return;
    }
    let v = TestVault::new();
    let id = v.add(&format!("otpauth://totp/ACME:anna?secret={RFC_SECRET}")).to_string();
    let (code, out) = on_terminal(&v, &["show-qr", &id], Some(PASSPHRASE), &[]);
    assert_eq!(code, 0, "{out:?}");
    let qr_lines = out.lines().filter(|l| l.contains('▀') || l.contains('▄') || l.contains('█')).count();
    assert!(qr_lines > 10, "{out}");
    assert!(out.lines().filter(|l| l.contains('▀')).all(|l| l.contains("\x1b[30;107m")), "explicit colours on every QR line");
    assert!(out.contains("contains the secret"), "warning shown: {out}");
}
