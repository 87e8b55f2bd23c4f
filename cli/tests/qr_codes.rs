//! `nyckel scan` on generated PNG/JPEG images, and `nyckel show-qr` round trips.

mod common;
use common::*;

fn github_uri() -> String {
    format!("otpauth://totp/GitHub:octocat?secret={RFC_SECRET}&issuer=GitHub")
}

/// Two images side by side on a white background.
fn side_by_side(a: &image::GrayImage, b: &image::GrayImage) -> image::GrayImage {
    let (w, h) = (a.width() + b.width() + 40, a.height().max(b.height()) + 40);
    let mut out = image::GrayImage::from_pixel(w, h, image::Luma([255]));
    image::imageops::overlay(&mut out, a, 20, 20);
    image::imageops::overlay(&mut out, b, i64::from(a.width()) + 20, 20);
    out
}

#[test]
fn scan_png_adds_the_account() {
    let v = TestVault::new();
    let png = v.file("qr.png");
    save(&qr_image(&github_uri(), 4), &png);
    let out = v.run(&["scan", png.to_str().unwrap()]);
    assert!(out.ok().contains("Added [1] GitHub (octocat)"), "{}", out.stdout);
    let list = v.run(&["list", "--json"]).json();
    assert_eq!(list[0]["issuer"], "GitHub");
    // Scanning it again is a duplicate.
    v.run(&["scan", png.to_str().unwrap()]).fails(2, "already in the vault (id 1)");
}

#[test]
fn scan_jpeg_with_json() {
    let v = TestVault::new();
    let jpg = v.file("qr.jpg");
    save(&qr_image(&format!("otpauth://hotp/Bank:anna?secret={RFC_SECRET}&counter=5"), 5), &jpg);
    let added = v.run(&["scan", jpg.to_str().unwrap(), "--json"]).json();
    let added = added.as_array().expect("scan --json prints a list");
    assert_eq!(added.len(), 1);
    assert_eq!(keys(&added[0]), added_keys("counter"));
    assert_eq!((added[0]["type"].as_str(), added[0]["counter"].as_i64()), (Some("hotp"), Some(5)));
}

#[test]
fn scan_rejects_a_web_link() {
    let v = TestVault::new();
    let png = v.file("link.png");
    save(&qr_image("https://www.skane.se/mfa", 4), &png);
    let out = v.run(&["scan", png.to_str().unwrap()]);
    out.fails(2, "not an otpauth");
    // Only the scheme and the length are named: the rest might be a secret.
    assert!(
        out.stderr.contains(r#"it holds a link (scheme "https", 24 characters)"#),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("skane.se"), "{}", out.stderr);
    // Refused before asking for the passphrase.
    v.run_with_passphrase(&["scan", png.to_str().unwrap()], None).fails(2, "not an otpauth");
}

#[test]
fn scan_never_echoes_a_qr_code_that_is_not_an_account() {
    // Bitwarden's Steam format and mOTP carry the secret outside an otpauth URI.
    let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    let v = TestVault::new();
    for (text, scheme, account_secret) in [
        (format!("steam://{secret}"), "steam", "GEZDGNBVGY3TQOJQ"),
        (format!("motp://Example:anna?secret={secret}"), "motp", "KRSXG5CTMVRXEZLU"),
        (secret.to_owned(), "", "MFRGGZDFMZTWQ2LK"),
    ] {
        let png = v.file(&format!("other-{scheme}.png"));
        save(&qr_image(&text, 4), &png);
        let out = v.run(&["scan", png.to_str().unwrap()]);
        out.fails(2, "not an otpauth:// account");
        let n = text.chars().count();
        let what = if scheme.is_empty() {
            format!("text ({n} characters)")
        } else {
            format!(r#"a link (scheme "{scheme}", {n} characters)"#)
        };
        assert!(out.stderr.contains(&format!("it holds {what}")), "{}", out.stderr);
        assert!(!out.stderr.contains("JBSW"), "the secret is not echoed: {}", out.stderr);

        // Next to an account it is skipped, with the same description.
        let mixed = v.file(&format!("mixed-{scheme}.png"));
        let account = format!("otpauth://totp/Mixed:anna?secret={account_secret}");
        save(&side_by_side(&qr_image(&text, 4), &qr_image(&account, 4)), &mixed);
        let out = v.run(&["scan", mixed.to_str().unwrap()]);
        out.ok();
        assert!(
            out.stderr.contains(&format!("not an otpauth:// account ({what})")),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains("JBSW"), "the secret is not echoed: {}", out.stderr);
    }
}

#[test]
fn scan_of_an_enrollment_or_microsoft_code_says_what_to_do_instead() {
    let v = TestVault::new();
    let enroll = v.file("enroll.png");
    let code =
        "nyckel-enroll://v1?url=https%3A%2F%2Flogin.skane.se%2Fnyckel&code=ACTIVATION7&user=anna";
    save(&qr_image(code, 4), &enroll);
    let out = v.run(&["scan", enroll.to_str().unwrap()]);
    out.fails(2, "is an enrollment code for sign-in approvals");
    let hint = format!("`nyckel enroll --scan {}`", enroll.display());
    assert!(out.stderr.contains(&hint), "{}", out.stderr);
    assert!(
        !out.stderr.contains("ACTIVATION7"),
        "the activation code is not echoed: {}",
        out.stderr
    );
    // Refused before asking for the passphrase.
    v.run_with_passphrase(&["scan", enroll.to_str().unwrap()], None)
        .fails(2, "is an enrollment code");

    // Microsoft Authenticator's work-account QR code (phonefactor://).
    let ms = v.file("microsoft.png");
    let text = "phonefactor://activate_account?code=123456789&url=https%3A%2F%2Fmobileappcommunicator.auth.microsoft.com%2Factivate%2F987654321%2FWEU";
    save(&qr_image(text, 4), &ms);
    let out = v.run(&["scan", ms.to_str().unwrap()]);
    out.fails(2, "is a Microsoft Authenticator code (phonefactor://)");
    assert!(out.stderr.contains("I want to use a different authenticator app"), "{}", out.stderr);
    assert!(!out.stderr.contains("123456789"), "the code is not echoed: {}", out.stderr);

    // Next to an account, each is skipped with the same advice and the account is added.
    let mixed = v.file("mixed-enroll.png");
    let account = "otpauth://totp/Mixed:anna?secret=GEZDGNBVGY3TQOJQ";
    save(&side_by_side(&qr_image(code, 4), &qr_image(account, 4)), &mixed);
    let out = v.run(&["scan", mixed.to_str().unwrap()]);
    assert!(out.ok().contains("Mixed"), "the account is added");
    assert!(
        out.stderr.contains("it is an enrollment code for sign-in approvals"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("ACTIVATION7"), "{}", out.stderr);
}

#[test]
fn scan_imports_google_exports() {
    let v = TestVault::new();
    let png = v.file("export.png");
    // Not a transfer payload: a typed refusal.
    save(&qr_image("otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8SBUFsaWNlGgdFeGFtcGxlIAEoATACEAEYASAA", 4), &png);
    v.run(&["scan", png.to_str().unwrap()]).fails(2, "malformed Google Authenticator transfer");
    // A real one (as `nyckel export --format google-qr` writes it) is imported.
    let source = TestVault::new();
    source.add(&format!("otpauth://totp/Example:Alice?secret={RFC_SECRET}&issuer=Example"));
    source
        .run(&["export", "--format", "google-qr", "--out", png.to_str().unwrap(), "--force"])
        .ok();
    let report = v.run(&["scan", png.to_str().unwrap(), "--json"]).json();
    assert_eq!(
        (report["format"].as_str(), report["imported"].as_u64()),
        (Some("google-transfer"), Some(1))
    );
    let list = v.run(&["list", "--json"]).json();
    assert_eq!(
        (list[0]["issuer"].as_str(), list[0]["name"].as_str()),
        (Some("Example"), Some("Alice"))
    );
    // Next to an account's QR code, the export is skipped with what to run instead.
    let mixed = v.file("mixed.png");
    let a = image::open(&png).unwrap().to_luma8();
    let b = qr_image(&format!("otpauth://totp/Bank:anna?secret={RFC_SECRET}"), 4);
    let both = side_by_side(&a, &b);
    save(&both, &mixed);
    let out = v.run(&["scan", mixed.to_str().unwrap(), "--allow-duplicate"]);
    out.ok();
    assert!(out.stderr.contains("import it with `nyckel import --scan"), "{}", out.stderr);
    assert_eq!(v.run(&["list", "--json"]).json().as_array().unwrap().len(), 2);
}

#[test]
fn scan_reports_images_without_qr_codes() {
    let v = TestVault::new();
    let blank = v.file("blank.png");
    save(
        &image::GrayImage::from_fn(200, 120, |x, y| image::Luma([((x * 7 + y * 3) % 256) as u8])),
        &blank,
    );
    v.run(&["scan", blank.to_str().unwrap()]).fails(2, "no QR code found");
    let jpg = v.file("blank.jpg");
    save(&image::GrayImage::from_pixel(64, 64, image::Luma([200])), &jpg);
    v.run(&["scan", jpg.to_str().unwrap()]).fails(2, "no QR code found");
}

#[test]
fn scan_reports_unreadable_files() {
    let v = TestVault::new();
    let text = v.file("notes.png");
    std::fs::write(&text, "just text").unwrap();
    v.run(&["scan", text.to_str().unwrap()]).fails(2, "not a PNG or JPEG");
    let broken = v.file("broken.png");
    let mut bytes = Vec::new();
    qr_image("x", 2)
        .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
        .unwrap();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&broken, &bytes).unwrap();
    v.run(&["scan", broken.to_str().unwrap()]).fails(2, "cannot read the image");
    v.run(&["scan", v.file("missing.png").to_str().unwrap()]).fails(2, "cannot read");
}

#[test]
fn scan_adds_every_otpauth_code_in_one_image() {
    let v = TestVault::new();
    let two = v.file("two.png");
    let a = qr_image(&github_uri(), 4);
    let b = qr_image("otpauth://totp/Region%20Sk%C3%A5ne:anna?secret=JBSWY3DPEHPK3PXP", 4);
    save(&side_by_side(&a, &b), &two);
    let added = v.run(&["scan", two.to_str().unwrap(), "--json"]).json();
    let mut issuers: Vec<&str> =
        added.as_array().unwrap().iter().map(|a| a["issuer"].as_str().unwrap()).collect();
    issuers.sort();
    assert_eq!(issuers, ["GitHub", "Region Skåne"]);

    // An otpauth code next to a link: the account is added, the link noted.
    let w = TestVault::new();
    let mixed = w.file("mixed.jpg");
    save(&side_by_side(&qr_image("https://example.com/", 4), &a), &mixed);
    let out = w.run(&["scan", mixed.to_str().unwrap()]);
    assert!(out.ok().contains("GitHub (octocat)"), "{}", out.stdout);
    assert!(
        out.stderr.contains(r#"Skipped a QR code in "#)
            && out.stderr.contains(r#"(scheme "https", 20 characters)"#),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("example.com"), "{}", out.stderr);

    // One of two already present: the other is added, exit 2 names what happened.
    let dup = v.file("dup.png");
    save(&side_by_side(&a, &qr_image("otpauth://totp/New:one?secret=KRSXG5CTMVRXEZLU", 4)), &dup);
    let out = v.run(&["scan", dup.to_str().unwrap()]);
    out.fails(2, "added 1 of 2");
    assert!(out.stderr.contains("already in the vault"), "{}", out.stderr);
    assert!(out.stdout.contains("New (one)"), "{}", out.stdout);
}

/// Reads the half-block QR that `show-qr` prints back into modules and decodes it.
fn decode_terminal_qr(text: &str) -> Vec<String> {
    let rows: Vec<Vec<char>> = text
        .lines()
        .filter(|l| !l.is_empty() && l.chars().all(|c| matches!(c, '█' | '▀' | '▄' | ' ')))
        .map(|l| l.chars().collect())
        .collect();
    assert!(rows.len() > 10, "no QR in: {text}");
    let width = rows.iter().map(Vec::len).max().unwrap();
    let scale = 4;
    let mut modules = vec![vec![false; width]; rows.len() * 2];
    for (y, row) in rows.iter().enumerate() {
        for (x, c) in row.iter().enumerate() {
            let (top, bottom) = match c {
                '█' => (true, true),
                '▀' => (true, false),
                '▄' => (false, true),
                _ => (false, false),
            };
            modules[2 * y][x] = top;
            modules[2 * y + 1][x] = bottom;
        }
    }
    let (w, h) = (width * scale, modules.len() * scale);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        if modules[y / scale][x / scale] {
            0
        } else {
            255
        }
    });
    img.detect_grids().iter().map(|g| g.decode().expect("decodes").1).collect()
}

#[test]
fn show_qr_prints_a_scannable_code_of_the_export_uri() {
    let v = TestVault::new();
    let id = v.add(&format!("otpauth://totp/Region%20Sk%C3%A5ne:anna?secret={RFC_SECRET}&issuer=Region%20Sk%C3%A5ne")).to_string();
    let out = v.run(&["show-qr", &id]);
    let text = out.ok();
    assert!(text.contains("Region Skåne (anna)"), "{text}");
    assert!(!text.contains('\x1b'), "no ANSI colours when stdout is not a terminal");
    assert!(
        out.stderr.contains("warning:") && out.stderr.contains("contains the secret"),
        "{}",
        out.stderr
    );
    let uri = v.run(&["show-qr", &id, "--uri"]).ok().trim().to_owned();
    assert_eq!(decode_terminal_qr(text), vec![uri.clone()]);

    // That URI as a QR image (the qr module's own PNG rendering is checked against rqrr in
    // its unit tests): scanning it finds the same account, a duplicate here.
    let file = v.file("moved.png");
    save(&qr_image(&uri, 3), &file);
    v.run(&["scan", file.to_str().unwrap()]).fails(2, &format!("already in the vault (id {id})"));

    // Logged as a QR export.
    let log = v.run(&["activity", "--json"]).json();
    assert!(
        log.as_array().unwrap().iter().any(|e| e["event"] == "exported" && e["format"] == "qr"),
        "{log}"
    );
}

#[test]
fn show_qr_of_a_uri_too_long_for_a_qr_code_is_refused_and_not_logged() {
    let v = TestVault::new();
    // A 1020-byte secret and long non-ASCII labels (percent-encoded in the URI): a valid
    // account whose URI (about 3.6 KB) does not fit the largest QR code.
    let secret = "GEZDGNBVGY3TQOJQ".repeat(102);
    let (issuer, name) = ("Å".repeat(110), "ö".repeat(100));
    let added =
        v.run(&["add", "--secret", &secret, "--issuer", &issuer, "--name", &name, "--json"]).json();
    let id = added["id"].as_i64().unwrap().to_string();
    let out = v.run(&["show-qr", &id]);
    out.fails(2, "too long for a QR code; use --uri");
    assert_eq!(
        out.stderr.lines().count(),
        1,
        "no warning about a code that is not shown: {}",
        out.stderr
    );
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    let log = v.run(&["activity", "--json"]).json();
    assert!(
        !log.as_array().unwrap().iter().any(|e| e["event"] == "exported"),
        "not logged as shown: {log}"
    );
    // The URI itself can still be shown, and that is logged.
    assert!(v.run(&["show-qr", &id, "--uri"]).ok().len() > 3000);
    let log = v.run(&["activity", "--json"]).json();
    let exports: Vec<&serde_json::Value> =
        log.as_array().unwrap().iter().filter(|e| e["event"] == "exported").collect();
    assert_eq!(exports.len(), 1, "{log}");
    assert_eq!(exports[0]["format"], "uri");
}

#[test]
fn show_qr_invert_round_trips_too() {
    let v = TestVault::new();
    let id = v.add(&format!("otpauth://steam/Steam:gabe?secret={RFC_SECRET}")).to_string();
    let text = v.run(&["show-qr", &id, "--invert"]).ok().to_owned();
    // Swap ink and paper back, then decode.
    let swapped: String = text
        .chars()
        .map(|c| match c {
            '█' => ' ',
            ' ' => '█',
            '▀' => '▄',
            '▄' => '▀',
            c => c,
        })
        .collect();
    let qr_lines: String =
        swapped.lines().filter(|l| l.chars().count() > 20).map(|l| format!("{l}\n")).collect();
    let uri = v.run(&["show-qr", &id, "--uri"]).ok().trim().to_owned();
    assert_eq!(decode_terminal_qr(&qr_lines), vec![uri]);
}
