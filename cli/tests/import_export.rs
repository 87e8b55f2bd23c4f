//! `nyckel import` and `nyckel export` through the built binary: every real file from
//! other apps (shared fixtures, read in place), dry runs, wrong passwords, damaged files,
//! duplicates, partial failures, and round trips through every export format.

mod common;
#[path = "common/fixtures.rs"]
mod fixtures;
#[allow(unused_imports)]
#[path = "common/idp.rs"]
mod idp;

use std::path::{Path, PathBuf};

use common::*;
use fixtures::{aegis_testdata, rows, Row, GROUND_TRUTH};
use serde_json::Value;

/// The otpauth URIs of a vault, one a line in its order (through `export --format otpauth`).
fn otpauth_lines(v: &TestVault) -> Vec<String> {
    let out = v.file("snapshot.txt");
    v.run(&["export", "--format", "otpauth", "--out", out.to_str().unwrap(), "--force"]).ok();
    let text = std::fs::read_to_string(&out).unwrap();
    std::fs::remove_file(&out).unwrap();
    text.lines().map(str::to_owned).collect()
}

/// Every account as (secret, `list --json` entry without its id).
fn accounts(v: &TestVault) -> Vec<(String, Value)> {
    let list = v.run(&["list", "--json"]).json();
    let list = list.as_array().unwrap();
    let uris = if list.is_empty() { Vec::new() } else { otpauth_lines(v) };
    assert_eq!(uris.len(), list.len());
    list.iter()
        .zip(uris)
        .map(|(a, uri)| {
            let secret = uri.split("secret=").nth(1).unwrap().split('&').next().unwrap();
            let mut a = a.clone();
            a.as_object_mut().unwrap().remove("id");
            (secret.to_owned(), a)
        })
        .collect()
}

fn row_json(row: &Row) -> Value {
    let (_, kind, issuer, name, algorithm, digits, number) = *row;
    let key = if kind == "hotp" { "counter" } else { "period" };
    serde_json::json!({
        "type": kind, "issuer": issuer, "name": name, "algorithm": algorithm,
        "digits": digits, key: number,
    })
}

/// Checks the vault holds exactly `expected`, matched by secret.
fn assert_holds(v: &TestVault, file: &str, expected: &[Row]) {
    let got = accounts(v);
    assert_eq!(got.len(), expected.len(), "{file}: {got:?}");
    for (secret, account) in &got {
        let row = expected
            .iter()
            .find(|r| r.0 == secret)
            .unwrap_or_else(|| panic!("{file}: {account} has a secret not in the ground truth"));
        assert_eq!(account, &row_json(row), "{file}");
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A file in the vault's directory holding `text`.
fn write(v: &TestVault, name: &str, text: &str) -> PathBuf {
    let p = v.file(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn every_shared_fixture_imports_to_its_ground_truth() {
    let Some(dir) = aegis_testdata("every_shared_fixture_imports_to_its_ground_truth") else {
        return;
    };
    let all = rows(&[1, 2, 3, 4, 5, 6, 7]);
    // 2FAS schema 2 knows no HOTP: those rows come out TOTP with period 30.
    let schema2: Vec<Row> = rows(&[1, 3, 4, 6])
        .into_iter()
        .map(|mut r| {
            if r.1 == "hotp" {
                (r.1, r.6) = ("totp", 30);
            }
            r
        })
        .collect();
    // FreeOTP stores HOTP counters one lower.
    let freeotp: Vec<Row> = rows(&[1, 2, 3, 4, 5, 6])
        .into_iter()
        .map(|mut r| {
            if r.1 == "hotp" {
                r.6 -= 1;
            }
            r
        })
        .collect();
    // Google keeps no algorithm, digits or period.
    let google_db: Vec<Row> = rows(&[1, 2, 3, 4, 5, 6])
        .into_iter()
        .map(|(s, k, i, n, _, _, number)| {
            (s, k, i, n, "SHA1", 6, if k == "hotp" { number } else { 30 })
        })
        .collect();
    let microsoft: Vec<Row> =
        all.iter().map(|&(s, _, i, n, ..)| (s, "totp", i, n, "SHA1", 6, 30)).collect();
    // Bitwarden keeps only the secret of a Steam entry: it gets no issuer or name from it.
    let mut bitwarden = rows(&[1, 2, 3]);
    let steam_row = GROUND_TRUTH[6];
    let steam = vec![(steam_row.0, "steam", "Steam", "Sophia", "SHA1", 5, 30)];
    let cases: Vec<(&str, &str, bool, Vec<Row>)> = vec![
        ("plain.txt", "otpauth", false, all.clone()),
        ("aegis_plain.json", "aegis", false, all.clone()),
        ("aegis_encrypted.json", "aegis", true, all.clone()),
        ("2fas_authenticator_plain.2fas", "2fas", false, schema2.clone()),
        ("2fas_authenticator_encrypted.2fas", "2fas", true, schema2),
        ("2fas_authenticator_plain_v4.2fas", "2fas", false, rows(&[1, 4, 5, 6, 7])),
        ("2fas_authenticator_encrypted_v4.2fas", "2fas", true, rows(&[1, 4, 5, 6, 7])),
        ("bitwarden.json", "bitwarden-json", false, bitwarden.clone()),
        ("bitwarden.csv", "bitwarden-csv", false, bitwarden.clone()),
        ("proton_authenticator.json", "proton", false, rows(&[1, 2, 3])),
        ("ente_auth.txt", "ente", false, all.clone()),
        ("freeotp_plus.json", "freeotp-plus", false, freeotp),
        ("andotp_plain.json", "andotp", false, all.clone()),
        ("steam.json", "steam", false, steam),
        ("google_authenticator.sqlite", "google-authenticator-db", false, google_db),
        ("microsoft_authenticator.sqlite", "microsoft-authenticator-db", false, microsoft),
    ];
    let mut checked = std::collections::BTreeSet::new();
    for (file, format, encrypted, expected) in cases {
        let v = TestVault::new();
        let fixture = dir.join(file);
        let password = write(&v, "password", "test\n");
        let mut args = vec!["import", path(&fixture), "--json"];
        if encrypted {
            args.extend(["--password-file", path(&password)]);
        }
        let report = v.run(&args).json();
        let count = if file.starts_with("bitwarden") { 4 } else { expected.len() };
        assert_eq!(report["format"], format, "{file}: {report}");
        assert_eq!(report["imported"], count, "{file}: {report}");
        assert_eq!(report["duplicates"], 0, "{file}");
        assert_eq!(report["failed"], serde_json::json!([]), "{file}");
        assert_eq!(report["entries"].as_array().unwrap().len(), count, "{file}");
        if file.starts_with("bitwarden") {
            // The Steam entry: its secret and type are right; its label is Bitwarden's item.
            let got = accounts(&v);
            let steam = got.iter().find(|(s, _)| s == steam_row.0).expect("steam entry");
            assert_eq!(steam.1["type"], "steam", "{file}");
            assert_eq!(
                (steam.1["digits"].as_u64(), steam.1["period"].as_u64()),
                (Some(5), Some(30))
            );
            let steam_issuer = steam.1["issuer"].as_str().unwrap().to_owned();
            let steam_name = steam.1["name"].as_str().unwrap().to_owned();
            bitwarden.push((
                steam_row.0,
                "steam",
                leak(steam_issuer),
                leak(steam_name),
                "SHA1",
                5,
                30,
            ));
            assert_holds(&v, file, &bitwarden);
            bitwarden.pop();
        } else {
            assert_holds(&v, file, &expected);
        }
        // The same file again: every entry is a duplicate, nothing changes, exit 0.
        let again = v.run(&args).json();
        assert_eq!(
            (again["imported"].as_u64(), again["duplicates"].as_u64()),
            (Some(0), Some(count as u64))
        );
        checked.insert(file.to_owned());
    }
    // Every file in the folder is covered (a new fixture must get a case here).
    for f in std::fs::read_dir(&dir).unwrap() {
        let name = f.unwrap().file_name().to_string_lossy().into_owned();
        assert!(name == "README.md" || checked.contains(&name), "fixture {name} is not checked");
    }
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

#[test]
fn the_text_report_lists_every_entry_and_a_summary() {
    let Some(dir) = aegis_testdata("the_text_report_lists_every_entry_and_a_summary") else {
        return;
    };
    let v = TestVault::new();
    let existing =
        v.add(&format!("otpauth://totp/Deno:Mason?secret={}&issuer=Deno", GROUND_TRUTH[0].0));
    let out = v.run(&["import", path(&dir.join("aegis_plain.json"))]);
    let text = out.ok();
    assert!(
        text.contains(&format!("duplicate  Deno (Mason) (already in the vault as [{existing}])")),
        "{text}"
    );
    assert!(text.contains("imported   Air Canada (Benjamin) ["), "{text}");
    assert!(text.ends_with("Imported 6 (aegis); 1 already in the vault, 0 failed.\n"), "{text}");
    // No secret in the report.
    for row in GROUND_TRUTH {
        assert!(!text.contains(row.0) && !out.stderr.contains(row.0));
    }
    assert_eq!(v.run(&["list", "--json"]).json().as_array().unwrap().len(), 7);
}

#[test]
fn a_dry_run_reports_but_changes_nothing() {
    let Some(dir) = aegis_testdata("a_dry_run_reports_but_changes_nothing") else { return };
    let v = TestVault::new();
    let activity = v.run(&["activity", "--json"]).json();
    let file = dir.join("andotp_plain.json");
    let report = v.run(&["import", path(&file), "--dry-run", "--json"]).json();
    assert_eq!(
        (report["dry_run"].as_bool(), report["committed"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(report["imported"], 7);
    assert!(report["entries"].as_array().unwrap().iter().all(|e| e["outcome"] == "would_import"));
    let text = v.run(&["import", path(&file), "--dry-run"]).ok().to_owned();
    assert!(text.contains("Dry run (andotp): 7 would be imported, 0 already in the vault, 0 failed; nothing was changed."), "{text}");
    assert_eq!(v.run(&["list", "--json"]).json(), serde_json::json!([]));
    assert_eq!(v.run(&["activity", "--json"]).json(), activity);
}

#[test]
fn passwords_wrong_missing_or_from_stdin() {
    let Some(dir) = aegis_testdata("passwords_wrong_missing_or_from_stdin") else { return };
    let v = TestVault::new();
    for file in ["aegis_encrypted.json", "2fas_authenticator_encrypted_v4.2fas"] {
        let fixture = dir.join(file);
        let wrong = write(&v, "wrong", "not the password\n");
        v.run(&["import", path(&fixture), "--password-file", path(&wrong)])
            .fails(2, "wrong password");
        // No terminal to ask on: say how to give it.
        v.run(&["import", path(&fixture)]).fails(
            2,
            "is encrypted; give its password with --password-file FILE or --password-stdin",
        );
        v.run_stdin(&["import", path(&fixture), "--password-stdin"], "nope\n")
            .fails(2, "wrong password");
        v.run_stdin(&["import", path(&fixture), "--password-stdin"], "\n")
            .fails(2, "the password given is empty");
        assert_eq!(v.run(&["list", "--json"]).json(), serde_json::json!([]), "{file}");
    }
    // A wrong password is refused before the vault's passphrase is needed.
    let mut cmd = v.cmd(&["import", path(&dir.join("aegis_encrypted.json")), "--password-stdin"]);
    cmd.env_remove("NYCKEL_PASSPHRASE");
    output(cmd, &["import"], Some("nope\n")).fails(2, "wrong password");
    // The right one, from stdin.
    let report = v
        .run_stdin(
            &["import", path(&dir.join("aegis_encrypted.json")), "--password-stdin", "--json"],
            "test\n",
        )
        .json();
    assert_eq!(report["imported"], 7);
}

#[test]
fn damaged_and_unknown_files_are_refused_and_nothing_is_added() {
    let Some(dir) = aegis_testdata("damaged_and_unknown_files_are_refused") else { return };
    let v = TestVault::new();
    let plain = std::fs::read_to_string(dir.join("aegis_plain.json")).unwrap();
    let truncated = write(&v, "truncated.json", &plain[..plain.len() / 2]);
    v.run(&["import", path(&truncated), "--format", "aegis"]).fails(2, "malformed aegis file");
    // Flipping one character of the ciphertext: authentication fails, told apart from a
    // wrong password.
    let encrypted: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("aegis_encrypted.json")).unwrap())
            .unwrap();
    let mut tampered = encrypted.clone();
    let db = tampered["db"].as_str().unwrap();
    let flipped = if db.starts_with('A') { "B" } else { "A" };
    tampered["db"] = Value::String(format!("{flipped}{}", &db[1..]));
    let tampered = write(&v, "tampered.json", &tampered.to_string());
    let password = write(&v, "password", "test\n");
    v.run(&["import", path(&tampered), "--password-file", path(&password)])
        .fails(2, "tampered or damaged");
    let garbage = write(&v, "garbage.bin", "\u{1}\u{2} this is not an export");
    v.run(&["import", path(&garbage)]).fails(2, "unrecognised file format");
    v.run(&["import", path(&v.file("missing.json"))]).fails(2, "cannot read");
    v.run(&["import", path(&truncated), "--format", "nope"]).fails(2, "possible values");
    assert_eq!(v.run(&["list", "--json"]).json(), serde_json::json!([]));
}

#[test]
fn one_bad_entry_imports_nothing_unless_keep_good() {
    let v = TestVault::new();
    let list = format!(
        "# three accounts, one broken\notpauth://totp/A:a?secret={RFC_SECRET}\notpauth://totp/B:b?secret=!!!\notpauth://hotp/C:c?secret=JBSWY3DPEHPK3PXP&counter=4\n"
    );
    let file = write(&v, "list.txt", &list);
    // A first line that is a comment: still detected as a URI list.
    let out = v.run(&["import", path(&file)]);
    out.fails(1, "nothing was imported: 1 entry failed (listed above); fix the file, or add --keep-good to import the other 2");
    assert!(out.stdout.contains("failed"), "{}", out.stdout);
    assert!(out.stdout.contains("not imported"), "{}", out.stdout);
    assert_eq!(v.run(&["list", "--json"]).json(), serde_json::json!([]));
    let out = v.run(&["import", path(&file), "--format", "otpauth", "--keep-good", "--json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["imported"], 2);
    assert_eq!(report["failed"].as_array().unwrap().len(), 1);
    assert_eq!(report["failed"][0]["entry"], 2);
    assert!(report["failed"][0]["reason"].as_str().unwrap().contains("base32"), "{report}");
    assert!(out.stderr.contains("1 entry could not be imported (listed above); the others were"));
    assert_eq!(v.run(&["list", "--json"]).json().as_array().unwrap().len(), 2);
}

/// The ground truth's accounts (every kind and its edge cases), one with a note.
fn varied_vault() -> TestVault {
    let v = TestVault::new();
    let mut list = String::new();
    for (secret, kind, issuer, name, algorithm, digits, number) in GROUND_TRUTH {
        let extra = if kind == "hotp" { "counter" } else { "period" };
        let issuer = issuer.replace(' ', "%20");
        list.push_str(&format!(
            "otpauth://{kind}/{issuer}:{name}?secret={secret}&issuer={issuer}&algorithm={algorithm}&digits={digits}&{extra}={number}\n"
        ));
    }
    let file = write(&v, "accounts.txt", &list);
    v.run(&["import", path(&file)]).ok();
    v.run(&["rename", "1", "--note", "personal, backup codes in the safe"]).ok();
    v
}

fn sorted(mut lines: Vec<String>) -> Vec<String> {
    lines.sort();
    lines
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn every_file_format_round_trips_into_a_fresh_vault() {
    let source = varied_vault();
    let uris = sorted(otpauth_lines(&source));
    assert_eq!(uris.len(), 7);
    let password = write(&source, "password", "ett långt lösenord\n");
    for (format, encrypted) in
        [("nyckel", true), ("aegis-encrypted", true), ("aegis", false), ("otpauth", false)]
    {
        let out = source.file(&format!("export-{format}"));
        let mut args = vec!["export", "--format", format, "--out", path(&out), "--json"];
        if encrypted {
            args.extend(["--password-file", path(&password)]);
        }
        let run = source.run(&args);
        let summary = run.json();
        assert_eq!(summary["exported"], 7, "{format}");
        assert_eq!(summary["files"], serde_json::json!([path(&out)]));
        // Plain formats warn; encrypted ones do not, and hold no secret in the clear.
        assert_eq!(run.stderr.contains("is not encrypted"), !encrypted, "{format}: {}", run.stderr);
        let bytes = std::fs::read_to_string(&out).unwrap();
        assert_eq!(bytes.contains(GROUND_TRUTH[0].0), !encrypted, "{format}");
        #[cfg(unix)]
        assert_eq!(mode(&out), 0o600, "{format}");

        let target = TestVault::new();
        let mut args = vec!["import", path(&out), "--json"];
        if encrypted {
            args.extend(["--password-file", path(&password)]);
        }
        let report = target.run(&args).json();
        assert_eq!(report["imported"], 7, "{format}: {report}");
        assert_eq!(sorted(otpauth_lines(&target)), uris, "{format}");
        let notes_kept = matches!(format, "nyckel" | "aegis" | "aegis-encrypted");
        let list = target.run(&["list"]).ok().to_owned();
        assert_eq!(
            list.contains("personal, backup codes in the safe"),
            notes_kept,
            "{format}: {list}"
        );
    }
    // Every export is in the source's activity log.
    let activity = source.run(&["activity"]).ok().to_owned();
    for format in ["nyckel", "aegis-encrypted", "aegis", "otpauth"] {
        assert!(activity.contains(&format!("exported 7 accounts as {format}")), "{activity}");
    }
}

#[test]
fn google_qr_codes_round_trip_through_images_and_scan() {
    let v = TestVault::new();
    // Ten accounts: two QR codes of one export.
    let secrets: Vec<String> = (0..10u8)
        .map(|i| {
            let bytes: Vec<u8> =
                (0..10).map(|j| i.wrapping_mul(31).wrapping_add(j * 7 + 1)).collect();
            base32_encode(&bytes)
        })
        .collect();
    for (i, s) in secrets.iter().enumerate() {
        v.add(&format!("otpauth://totp/Kommun%20{i}:anna{i}?secret={s}&issuer=Kommun%20{i}"));
    }
    // Google's format cannot hold a Steam account or a 7-digit code: left out, said so.
    v.add(&format!("otpauth://steam/Steam:sophia?secret={RFC_SECRET}"));
    v.add("otpauth://totp/SPDX:James?secret=5OM4WOOGPLQEF6UGN3CPEOOLWU&digits=7");
    let out = v.file("codes.png");
    let run = v.run(&["export", "--format", "google-qr", "--out", path(&out), "--json"]);
    let summary = run.json();
    assert!(run.stderr.contains("hold your secrets unencrypted"), "{}", run.stderr);
    assert_eq!((summary["exported"].as_u64(), summary["qr_codes"].as_u64()), (Some(10), Some(2)));
    let not = summary["not_exported"].as_array().unwrap();
    assert_eq!(not.len(), 2, "{summary}");
    assert!(not.iter().any(|l| l["reason"].as_str().unwrap().contains("Steam")));
    let (one, two) = (v.file("codes-1.png"), v.file("codes-2.png"));
    assert_eq!(summary["files"], serde_json::json!([path(&one), path(&two)]));
    assert!(!out.exists());
    #[cfg(unix)]
    assert_eq!((mode(&one), mode(&two)), (0o600, 0o600));

    let target = TestVault::new();
    // One code of two: the missing batch is named, nothing is added.
    target.run(&["import", "--scan", path(&two)]).fails(2, "batch 1 of 2 missing");
    assert_eq!(target.run(&["list", "--json"]).json(), serde_json::json!([]));
    // Both, in any order.
    let report = target.run(&["import", "--scan", path(&two), path(&one), "--json"]).json();
    assert_eq!(
        (report["format"].as_str(), report["imported"].as_u64()),
        (Some("google-transfer"), Some(10))
    );
    let mut want: Vec<String> =
        otpauth_lines(&v).into_iter().filter(|u| u.starts_with("otpauth://totp/Kommun")).collect();
    want.sort();
    assert_eq!(sorted(otpauth_lines(&target)), want);

    // Both codes in one image, scanned with `nyckel scan`: routed to import; all duplicates now.
    let a = image::open(&one).unwrap().to_luma8();
    let b = image::open(&two).unwrap().to_luma8();
    let both = side_by_side(&a, &b);
    let combined = v.file("both.png");
    save(&both, &combined);
    let fresh = TestVault::new();
    let text = fresh.run(&["scan", path(&combined)]).ok().to_owned();
    assert!(
        text.contains("Imported 10 (google-transfer); 0 already in the vault, 0 failed."),
        "{text}"
    );
    let again = fresh.run(&["scan", path(&combined), "--json"]).json();
    assert_eq!((again["imported"].as_u64(), again["duplicates"].as_u64()), (Some(0), Some(10)));
}

/// RFC 4648 base32 without padding (test data only).
fn base32_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            out.push(ALPHABET[((buffer >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

#[test]
fn google_qr_without_out_is_shown_in_the_terminal() {
    let v = TestVault::new();
    v.add(&format!("otpauth://totp/Bank:anna?secret={RFC_SECRET}"));
    let run = v.run(&["export", "--format", "google-qr"]);
    let text = run.ok();
    assert!(text.starts_with("QR code 1 of 1"), "{text}");
    assert!(text.contains('▀') || text.contains('▄'));
    assert!(run.stderr.contains("clear the screen"), "{}", run.stderr);
}

#[test]
fn export_refuses_to_overwrite_without_force_and_checks_before_unlocking() {
    let v = TestVault::new();
    v.add(&format!("otpauth://totp/Bank:anna?secret={RFC_SECRET}"));
    let out = write(&v, "existing.txt", "keep me");
    // Refused before any passphrase is needed; the file is untouched; nothing is logged.
    v.run_with_passphrase(&["export", "--format", "otpauth", "--out", path(&out)], None)
        .fails(2, "already exists; refusing to overwrite it");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep me");
    assert!(!v.run(&["activity"]).ok().contains("exported"));
    // With --force it is replaced, and owner-only even if it was not before.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    v.run(&["export", "--format", "otpauth", "--out", path(&out), "--force"]).ok();
    assert!(std::fs::read_to_string(&out).unwrap().contains(RFC_SECRET));
    #[cfg(unix)]
    assert_eq!(mode(&out), 0o600);
    // No temporary file is left behind.
    let left: Vec<_> = std::fs::read_dir(v.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".nyckel-export"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // A directory that does not exist: refused, nothing logged.
    let before = v.run(&["activity", "--json"]).json();
    v.run(&["export", "--format", "aegis", "--out", path(&v.file("no/such/dir/x.json"))])
        .fails(2, "cannot write");
    assert_eq!(v.run(&["activity", "--json"]).json(), before);
}

#[test]
fn encrypted_exports_need_a_password() {
    let v = TestVault::new();
    v.add(&format!("otpauth://totp/Bank:anna?secret={RFC_SECRET}"));
    let out = v.file("backup.json");
    v.run(&["export", "--format", "nyckel", "--out", path(&out)])
        .fails(2, "give a password with --password-file FILE or --password-stdin");
    v.run_stdin(
        &["export", "--format", "aegis-encrypted", "--out", path(&out), "--password-stdin"],
        "   \n",
    )
    .fails(2, "must not be empty");
    assert!(!out.exists());
    v.run(&["export", "--format", "otpauth"]).fails(2, "give --out PATH");
    let empty = TestVault::new();
    empty.run(&["export", "--format", "aegis", "--out", path(&out)]).fails(2, "nothing to export");
    assert!(!out.exists());
}

#[test]
fn a_managed_secret_and_device_keys_never_leave() {
    let provider = idp::Idp::start();
    let v = TestVault::new();
    v.add(&format!("otpauth://totp/Bank:anna?secret={RFC_SECRET}"));
    // The provider marks the secret it issues as managed (`otp_managed=1`).
    let uri = provider.add_user("anna@skane.se", true);
    assert!(uri.ends_with("&otp_managed=1"), "{uri}");
    v.run(&["enroll", &uri]).ok();
    assert_eq!(v.run(&["list", "--json"]).json().as_array().unwrap().len(), 2);
    let out = v.file("backup.json");
    let password = write(&v, "password", "ett långt lösenord\n");
    let summary = v
        .run(&[
            "export",
            "--format",
            "nyckel",
            "--out",
            path(&out),
            "--password-file",
            path(&password),
            "--json",
        ])
        .json();
    assert_eq!(summary["exported"], 1, "{summary}");
    let reasons: Vec<&str> = summary["not_exported"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["reason"].as_str().unwrap())
        .collect();
    assert!(reasons.iter().any(|r| r.contains("managed by the organisation")), "{reasons:?}");
    assert!(
        reasons.iter().any(|r| r.contains("never exported: enroll the new phone again")),
        "{reasons:?}"
    );
    let target = TestVault::new();
    let report =
        target.run(&["import", path(&out), "--password-file", path(&password), "--json"]).json();
    assert_eq!(report["imported"], 1);
    let text =
        v.run(&["export", "--format", "otpauth", "--out", path(&v.file("x.txt"))]).ok().to_owned();
    assert!(text.contains("Not exported:"), "{text}");
}

/// `nyckel ARGS` (an encrypted export) on a terminal, typing `first`, then `second` to repeat.
fn export_on_terminal(v: &TestVault, args: &[&str], first: &str, second: &str) -> (i32, String) {
    on_terminal(
        v,
        args,
        Some(PASSPHRASE),
        &[
            Step::WaitFor("Password for the export:"),
            Step::Type(first),
            Step::WaitFor("Repeat the password:"),
            Step::Type(second),
        ],
    )
}

#[test]
fn passwords_are_asked_for_on_a_terminal() {
    if !have_script() {
        return;
    }
    let v = TestVault::new();
    v.add(&format!("otpauth://totp/Bank:anna?secret={RFC_SECRET}"));
    let out = v.file("backup.json");
    let export = ["export", "--format", "nyckel", "--out", path(&out)];
    // Asked twice; a mismatch writes nothing.
    let (code, text) =
        export_on_terminal(&v, &export, "ett långt lösenord\n", "ett annat lösenord\n");
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("nyckel: the passwords do not match; nothing was exported"), "{text}");
    assert!(!out.exists());
    let (code, text) =
        export_on_terminal(&v, &export, "ett långt lösenord\n", "ett långt lösenord\n");
    assert_eq!(code, 0, "{text}");
    assert!(!text.contains("ett långt lösenord"), "the password is not echoed: {text}");
    // Importing the encrypted file asks for its password once it is known to be encrypted.
    let target = TestVault::new();
    let (code, text) = on_terminal(
        &target,
        &["import", path(&out)],
        Some(PASSPHRASE),
        &[Step::WaitFor("Password of this Nyckel backup file"), Step::Type("ett långt lösenord\n")],
    );
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("Imported 1 (nyckel)"), "{text}");
}
