//! `nyckel watch --frames`, `nyckel demo`, broken pipes and the panic hook.

mod common;
use common::*;
use std::process::Stdio;

fn has_grouped_code(text: &str) -> bool {
    text.lines().any(|l| {
        let chars: Vec<char> = l.trim_start().chars().collect();
        chars.len() >= 7
            && chars[..3].iter().all(char::is_ascii_digit)
            && chars[3] == ' '
            && chars[4..7].iter().all(char::is_ascii_digit)
    })
}

#[test]
fn watch_prints_plain_frames() {
    let v = TestVault::new();
    v.add(&format!(
        "otpauth://totp/Region%20Sk%C3%A5ne:anna?secret={RFC_SECRET}&issuer=Region%20Sk%C3%A5ne"
    ));
    let hotp = v.add("otpauth://hotp/Bank:anna?secret=JBSWY3DPEHPK3PXP&counter=4");
    v.add("otpauth://steam/Steam:gabe?secret=KRSXG5CTMVRXEZLU");
    let start = std::time::Instant::now();
    let out = v.run(&["watch", "--frames", "2"]);
    let text = out.ok();
    assert!(start.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(text.matches("Nyckel · 3 accounts").count(), 2, "two frames: {text}");
    assert!(!text.contains('\x1b'), "no ANSI when stdout is not a terminal: {text:?}");
    assert!(text.contains("Region Skåne") && text.contains("anna"), "{text}");
    assert!(has_grouped_code(text), "a code split in groups: {text}");
    assert!(text.contains('█') || text.contains('▏'), "countdown bars: {text}");
    assert!(text.contains(" s\n"), "seconds left: {text}");
    assert!(
        text.contains(&format!("`nyckel code {hotp}` shows the next code")),
        "HOTP hint: {text}"
    );
    let list = v.run(&["list", "--json"]).json();
    assert_eq!(list[1]["counter"], 4, "watch does not advance HOTP");
}

#[test]
fn watch_on_an_empty_vault_and_bad_frames() {
    let v = TestVault::new();
    assert!(v.run(&["watch", "--frames", "1"]).ok().contains("No accounts yet"));
    v.run(&["watch", "--frames", "0"]).fails(2, "--frames <N>': must be at least 1");
}

#[test]
fn watch_query_narrows_the_list_like_code() {
    let v = TestVault::new();
    v.add(&format!("otpauth://totp/Region%20Sk%C3%A5ne:anna?secret={RFC_SECRET}"));
    let github = v.add("otpauth://totp/GitHub:anna?secret=JBSWY3DPEHPK3PXP");
    v.add("otpauth://totp/Region%20Halland:bo?secret=KRSXG5CTMVRXEZLU");

    let out = v.run(&["watch", "REGION", "--frames", "2"]);
    let text = out.ok();
    assert_eq!(text.matches("Nyckel · 2 accounts matching \"REGION\" · ").count(), 2, "{text}");
    assert!(
        text.contains("Region Skåne")
            && text.contains("Region Halland")
            && !text.contains("GitHub"),
        "{text}"
    );
    assert!(!text.contains('\x1b'), "{text:?}");

    // An id names exactly that account, and names match case-insensitively, as for `code`.
    let text = v.run(&["watch", &github.to_string(), "--frames", "1"]).ok().to_owned();
    assert!(
        text.contains("1 account matching") && text.contains("GitHub") && !text.contains("Region"),
        "{text}"
    );
    let text = v.run(&["watch", "--frames", "1", "skåne"]).ok().to_owned();
    assert!(text.contains("Region Skåne") && !text.contains("Halland"), "{text}");

    let out = v.run(&["watch", "nordea", "--frames", "1"]);
    out.fails(2, "no account matches \"nordea\"");
    assert_eq!(out.stderr.lines().count(), 1, "one line: {:?}", out.stderr);
    assert!(out.stdout.is_empty(), "{:?}", out.stdout);
}

#[test]
fn demo_runs_without_a_terminal() {
    let out = run_bare(&["demo", "--seconds", "1"]);
    let text = out.ok();
    for needle in [
        "Region Skåne",
        "Göteborgs Stad skolor",
        "GitHub",
        "Steam",
        "HOTP",
        "Activity log",
        "already in the vault",
        "wrong passphrase",
    ] {
        assert!(text.contains(needle), "demo mentions {needle:?}");
    }
    assert!(has_grouped_code(text), "demo prints codes");
    assert!(text.contains("Nyckel · 5 accounts"), "live frame from the watch renderer");
    assert!(text.matches("▀▀▀▀▀▀▀").count() >= 5, "a QR code per account");
    assert!(!text.contains('\x1b'));
    // The demo never prints the sample secrets in its narration (only inside QR codes).
    assert!(!text.contains("secret=5JXQ"), "secrets are redacted");
    // Its temporary vault is gone afterwards.
    let dir = text
        .lines()
        .find_map(|l| l.split_whitespace().find(|w| w.contains("nyckel-demo-")))
        .unwrap();
    let dir = dir.trim_end_matches(['.', ')', ',']);
    let dir = std::path::Path::new(dir);
    let dir = if dir.extension().is_some() { dir.parent().unwrap() } else { dir };
    assert!(!dir.exists(), "{} should be removed", dir.display());
}

#[test]
fn demo_walks_through_sign_in_approvals() {
    let start = std::time::Instant::now();
    let mut cmd = bare(&["demo", "--seconds", "0"]);
    // The demo's phone sign-in never reads the user's PIN, and nothing asks for one.
    cmd.env("NYCKEL_PIN", "9999");
    let out = output(cmd, &["demo"], None);
    let text = out.ok();
    assert!(start.elapsed() < std::time::Duration::from_secs(30), "a few seconds");
    for needle in [
        "nyckel-idp",
        "Enrolled [1] anna@skane.se with Region Skåne IdP (http://127.0.0.1:",
        "One-time codes too: Added [6] Region Skåne IdP (anna@skane.se)",
        "│ Sign-in page: enter this number in your app: ",
        "Type the number shown on the sign-in screen (or d = deny, r = report): ",
        "App      Intranätet (Region Skåne)",
        "From     198.51.100.23 · Malmö, Sverige",
        "Approved.",
        "Sign-in page: signed in as anna@skane.se.",
        "The number did not match. The sign-in was stopped; start it again on the sign-in page.",
        "Phone sign-in is on for Region Skåne IdP (anna@skane.se).",
        "Passwordless sign-in request (phone sign-in)",
        "approved passwordless sign-in of anna@skane.se",
        "typed a wrong number for sign-in of anna@skane.se",
    ] {
        assert!(text.contains(needle), "demo shows {needle:?}");
    }
    assert_eq!(
        text.matches("signed in as anna@skane.se").count(),
        2,
        "password and passwordless sign-ins"
    );
    // The number typed each time is the one the sign-in page showed (except the guess).
    let shown: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split("enter this number in your app: ").nth(1))
        .map(|n| n.trim_end_matches(|c: char| !c.is_ascii_digit()))
        .collect();
    let typed: Vec<&str> = text.lines().filter_map(|l| l.split("r = report): ").nth(1)).collect();
    assert_eq!(shown.len(), 3, "{shown:?}");
    assert_eq!(typed.len(), 3, "{typed:?}");
    assert_eq!(typed[0], shown[0]);
    assert_ne!(typed[1], shown[1], "the guess is wrong");
    assert_eq!(typed[2], shown[2]);
    // No password, activation code or embedded secret in the narration.
    assert!(!text.contains("sommar i Ystad"), "the demo password is not shown");
    assert!(!text.contains("code=") || text.contains("code=…"), "activation code hidden");
    assert!(!text.contains("secret%3D"), "the embedded TOTP secret is hidden");
}

#[test]
fn demo_ignores_the_users_vault_settings() {
    let mut cmd = bare(&["demo", "--seconds", "0"]);
    cmd.env("NYCKEL_VAULT", "/nonexistent/vault.nyckel").env("NYCKEL_PASSPHRASE", "x");
    let out = output(cmd, &["demo"], None);
    assert!(out.ok().contains("skipped: --seconds 0"));
}

/// Runs with stdout closed before anything is written: never a panic, exit 0.
fn closed_stdout(mut cmd: std::process::Command) -> (i32, String) {
    cmd.stdout(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn broken_pipes_are_quiet() {
    let v = TestVault::new();
    for i in 0..30 {
        v.run(&[
            "add",
            &format!(
                "otpauth://totp/Issuer{i}:name?secret=JBSWY3DPEHPK3PX{}",
                [
                    "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P",
                    "Q", "R", "S", "T", "U", "V", "W", "X", "Y", "Z", "2", "3", "4", "5"
                ][i]
            ),
        ])
        .ok();
    }
    for args in
        [&["list"][..], &["list", "--json"], &["code"], &["activity"], &["watch", "--frames", "2"]]
    {
        let (code, stderr) = closed_stdout(v.cmd(args));
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
    for args in [
        &["demo", "--seconds", "1"][..],
        &["--help"],
        &["inspect", "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP"],
    ] {
        let (code, stderr) = closed_stdout(bare(args));
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    // Through a real shell pipeline too.
    if std::path::Path::new("/bin/sh").exists() {
        let mut sh = std::process::Command::new("/bin/sh");
        sh.arg("-c")
            .arg(format!(
                "'{}' list | head -0; '{}' list --json | head -c 1",
                env!("CARGO_BIN_EXE_nyckel"),
                env!("CARGO_BIN_EXE_nyckel")
            ))
            .env("NYCKEL_VAULT", &v.path)
            .env("NYCKEL_PASSPHRASE", PASSPHRASE);
        let out = sh.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked") && !stderr.contains("nyckel:"), "{stderr}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "[");
    }
}
