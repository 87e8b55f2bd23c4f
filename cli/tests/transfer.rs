//! `nyckel transfer export|import` end to end: the built `nyckel` binary against the
//! reference provider (`nyckel-idp`) started in this test process on 127.0.0.1.

mod common;
#[path = "common/idp.rs"]
#[allow(unused_imports)]
mod idp;

use common::*;
use idp::*;

const GITHUB: &str = "otpauth://totp/GitHub:anna?secret=JBSWY3DPEHPK3PXP&issuer=GitHub";

fn with_pin(v: &TestVault, args: &[&str], pin: &str) -> Run {
    let mut cmd = v.cmd(args);
    cmd.env("NYCKEL_PIN", pin);
    output(cmd, args, None)
}

/// An old vault enrolled at `idp` as `anna` with phone sign-in and a GitHub account.
fn old_vault(idp: &Idp) -> TestVault {
    let v = TestVault::new();
    v.run(&["enroll", &idp.add_user("anna", false), "--json"]).json();
    with_pin(&v, &["phone-signin", "enable", "anna", "--json"], "1234").json();
    v.add(GITHUB);
    v
}

#[test]
fn the_package_moves_enrollments_and_accounts_and_the_old_device_is_revoked() {
    let idp = Idp::start();
    let old = old_vault(&idp);
    let package = old.file("flytt.nyckel");
    let out = old.run(&["transfer", "export", "--out", package.to_str().unwrap(), "--json"]).json();
    let key = out["key"].as_str().unwrap().to_owned();
    assert_eq!(key.len(), "ABCDE-FGHIJ-KLMNO-PQRST-123456".len(), "{key}");
    assert!(out["qr"].as_str().unwrap().starts_with("nyckel-transfer://v1?key="));
    assert!(key.ends_with(out["code"].as_str().unwrap()));
    assert_eq!(out["accounts"], 1);
    assert_eq!(out["enrollments"][0]["phone_signin"], true);
    assert!(out["enrollments"][0]["error"].is_null());
    #[cfg(unix)]
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&package).unwrap().permissions()
        ) & 0o777,
        0o600
    );
    let old_device = idp.devices("anna")[0].device_id.clone();
    assert!(idp.devices("anna")[0].revoked_at.is_none(), "exporting revokes nothing");

    let new = TestVault::new();
    let args = ["transfer", "import", package.to_str().unwrap(), "--key", &key, "--json"];
    let moved = with_pin(&new, &args, "5678").json();
    let e = &moved["enrollments"][0];
    assert!(e["error"].is_null(), "{moved}");
    assert_eq!(e["old_device_revoked"], true);
    assert_eq!(e["phone_signin"], "on");
    assert_eq!(moved["accounts"][0]["outcome"], "imported");
    let devices = idp.devices("anna");
    assert_eq!(devices.len(), 2);
    let old_row = devices.iter().find(|d| d.device_id == old_device).unwrap();
    assert!(old_row.revoked_at.is_some(), "the old device is revoked");
    let new_row = devices.iter().find(|d| d.device_id != old_device).unwrap();
    assert!(new_row.revoked_at.is_none() && new_row.phone_signin);
    assert_eq!(new.run(&["list", "--json"]).json().as_array().unwrap().len(), 1);

    // The new vault approves; the old one is refused.
    let s = idp.signin("anna", false);
    old.run(&["approve", "--number", &s.number.to_string(), "--yes"]).fails(2, "revoked");
    new.run(&["approve", "--number", &s.number.to_string(), "--yes"]).ok();
    assert_eq!(idp.state(&s.id), "approved");

    // The package is good once: another vault gets the accounts but no enrollment.
    let third = TestVault::new();
    let again = with_pin(&third, &args, "0000");
    assert_eq!(again.code, 1, "{}", again.stderr);
    let refused: serde_json::Value = serde_json::from_str(&again.stdout).unwrap();
    assert!(refused["enrollments"][0]["error"].as_str().unwrap().contains("already used"));
}

#[test]
fn a_managed_one_time_code_comes_from_the_provider_not_the_package() {
    let idp = Idp::start();
    let old = TestVault::new();
    let uri = idp.add_user("anna", true); // its secret marked managed (`otp_managed=1`)
    old.run(&["enroll", &uri, "--json"]).json();
    let package = old.file("flytt.nyckel");
    let out = old.run(&["transfer", "export", "--out", package.to_str().unwrap(), "--json"]).json();
    assert_eq!(out["accounts"], 0, "the managed secret is not in the package: {out}");
    assert_eq!(out["not_transferred"].as_array().unwrap().len(), 0, "the provider re-delivers it");
    let key = out["key"].as_str().unwrap().to_owned();

    let new = TestVault::new();
    let args = ["transfer", "import", package.to_str().unwrap(), "--key", &key];
    let run = new.run(&args);
    let text = run.ok();
    assert!(text.contains("the managed one-time-code account"), "{text}");
    assert!(text.contains(": added"), "{text}");
    let listed = new.run(&["list", "--json"]).json();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    // Managed on the new vault too: its own exports leave it out.
    let backup = new.file("b.nyckel");
    let again = new.run(&["transfer", "export", "--out", backup.to_str().unwrap(), "--json"]);
    assert_eq!(again.json()["accounts"], 0);
}

#[test]
fn a_wrong_or_malformed_key_changes_nothing_and_says_so() {
    let idp = Idp::start();
    let old = old_vault(&idp);
    let package = old.file("flytt.nyckel");
    let out = old.run(&["transfer", "export", "--out", package.to_str().unwrap()]);
    let text = out.ok();
    assert!(text.contains("Transfer package written to"), "{text}");
    assert!(text.contains("type"), "{text}");
    let new = TestVault::new();
    let file = package.to_str().unwrap();
    new.run(&["transfer", "import", file, "--key", "not a key"]).fails(2, "not a transfer key");
    new.run(&["transfer", "import", file, "--key", "AAAAA-AAAAA-AAAAA-AAAAA-000000"])
        .fails(2, "password");
    assert!(new.run(&["list", "--json"]).json().as_array().unwrap().is_empty());
    assert!(new.run(&["enrollments", "--json"]).json().as_array().unwrap().is_empty());
    assert!(idp.devices("anna").iter().all(|d| d.revoked_at.is_none()));
    // An existing file is not replaced without --force.
    old.run(&["transfer", "export", "--out", file]).fails(2, "exists");
}

#[test]
fn an_empty_vault_has_nothing_to_transfer() {
    let v = TestVault::new();
    let out = v.file("x.nyckel");
    v.run(&["transfer", "export", "--out", out.to_str().unwrap()]).fails(2, "nothing to transfer");
    assert!(!out.exists());
}

/// The QR code `transfer export` draws with half blocks, turned back into modules (each
/// character is two rows: top and bottom half), 4 pixels per module, and decoded with rqrr
/// (what `nyckel scan` uses). Returns the text it holds.
fn decode_terminal_qr(drawn: &[&str]) -> String {
    let rows: Vec<Vec<bool>> = drawn
        .iter()
        .flat_map(|line| {
            let halves = |top: bool| {
                line.chars()
                    .map(|c| match c {
                        '█' => true,
                        '▀' => top,
                        '▄' => !top,
                        ' ' => false,
                        other => panic!("not a half-block character: {other:?}"),
                    })
                    .collect::<Vec<bool>>()
            };
            [halves(true), halves(false)]
        })
        .collect();
    let width = rows[0].len() as u32;
    assert!(rows.iter().all(|r| r.len() as u32 == width), "a square grid");
    let scale = 4;
    let img = image::GrayImage::from_fn(width * scale, rows.len() as u32 * scale, |x, y| {
        image::Luma([if rows[(y / scale) as usize][(x / scale) as usize] { 0 } else { 255 }])
    });
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the drawing");
    grids[0].decode().expect("the drawn QR code decodes").1
}

#[test]
fn the_terminal_qr_code_holds_the_key_the_import_accepts() {
    let idp = Idp::start();
    let old = old_vault(&idp);
    let package = old.file("flytt.nyckel");
    let text = old.run(&["transfer", "export", "--out", package.to_str().unwrap()]).ok().to_owned();
    let lines: Vec<&str> = text.lines().collect();
    let ask = lines.iter().position(|l| l.starts_with("On the new phone scan this code")).unwrap();
    let code = lines[ask].trim_end_matches(':').rsplit(' ').next().unwrap().to_owned();
    let whole =
        lines.iter().position(|l| l.starts_with("Or type the whole one-time key: ")).unwrap();
    let printed_key = lines[whole].rsplit(' ').next().unwrap().to_owned();
    // Between the two: the drawing, then an empty line.
    let drawn: Vec<&str> =
        lines[ask + 1..whole].iter().copied().filter(|l| !l.is_empty()).collect();
    assert!(drawn.len() > 10, "{text}");

    let scanned = decode_terminal_qr(&drawn);
    let part = scanned.strip_prefix("nyckel-transfer://v1?key=").expect(&scanned);
    // What the new phone has after scanning and typing the 6-digit code is the whole key.
    let groups: Vec<String> =
        part.as_bytes().chunks(5).map(|c| String::from_utf8(c.to_vec()).unwrap()).collect();
    let key = format!("{}-{code}", groups.join("-"));
    assert_eq!(key, printed_key, "{text}");

    let new = TestVault::new();
    let args = ["transfer", "import", package.to_str().unwrap(), "--key", &key, "--json"];
    let moved = with_pin(&new, &args, "5678").json();
    assert!(moved["enrollments"][0]["error"].is_null(), "{moved}");
    assert_eq!(moved["accounts"][0]["outcome"], "imported");
}
