//! The admin CLI as scripts use it: `--db FILE --json`, one JSON object per command.

use std::process::Command;

use nyckel_core::protocol::EnrollUri;
use serde_json::Value;

fn idp(db: &std::path::Path, args: &[&str]) -> (bool, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_nyckel-idp"))
        .args(args)
        .arg("--db")
        .arg(db)
        .arg("--json")
        .output()
        .expect("run nyckel-idp");
    let text = String::from_utf8_lossy(&out.stdout);
    let v = serde_json::from_str(text.trim()).unwrap_or_else(|_| panic!("not JSON: {text:?}"));
    (out.status.success(), v)
}

#[test]
fn user_add_needs_a_configured_database_then_prints_an_enrollment_uri() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("idp.db");
    // A missing database is an error, not a new empty file.
    for args in [&["user", "add", "anna", "--password", "x"][..], &["user", "list"], &["events"]] {
        let (ok, v) = idp(&db, args);
        assert!(!ok);
        assert_eq!(v["error"], "no_database", "{args:?}");
        assert!(v["message"].as_str().unwrap().contains("idp.db"), "{v}");
    }
    assert!(!db.exists(), "no stray database file");

    let (ok, v) = idp(
        &db,
        &[
            "--origin",
            "https://idp.example.se",
            "--issuer",
            "Region Skåne",
            "user",
            "add",
            "bertil",
            "--totp",
        ],
    );
    assert!(ok, "{v}");
    let uri = EnrollUri::parse(v["enrollUri"].as_str().unwrap()).unwrap();
    assert_eq!(uri.base_url, "https://idp.example.se");
    assert_eq!(uri.account, "bertil");
    assert_eq!(uri.issuer.as_deref(), Some("Region Skåne"));
    assert!(uri.otp.is_some());
    assert!(v["expiresAt"].as_i64().unwrap() > 0);

    // Duplicate user.
    let (ok, v) = idp(&db, &["user", "add", "bertil"]);
    assert!(!ok);
    assert_eq!(v["error"], "exists");
    // A fresh code each time.
    let (_, a) = idp(&db, &["user", "enroll", "bertil"]);
    let (_, b) = idp(&db, &["user", "enroll", "bertil"]);
    assert_ne!(a["enrollUri"], b["enrollUri"]);
    // Unlocking a name without failed password attempts says so.
    let (ok, v) = idp(&db, &["user", "unlock", "bertil"]);
    assert!(ok, "{v}");
    assert_eq!((v["user"].as_str(), v["unlocked"].as_bool()), (Some("bertil"), Some(false)));
}

#[test]
fn signin_and_device_commands_report_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("idp.db");
    idp(&db, &["--origin", "http://127.0.0.1:9", "user", "add", "anna"]);
    let (ok, v) = idp(&db, &["signin", "start", "anna"]);
    assert!(!ok);
    assert_eq!(v["error"], "no_device");
    let (ok, v) = idp(&db, &["signin", "start", "nobody", "--passwordless"]);
    assert!(!ok);
    assert_eq!(v["error"], "unknown_user");
    let (ok, v) = idp(&db, &["signin", "status", "bm9uZQ"]);
    assert!(!ok);
    assert_eq!(v["error"], "not_found");
    let (ok, v) = idp(&db, &["device", "revoke", "bm9uZQ"]);
    assert!(!ok);
    assert_eq!(v["error"], "not_found");
    let (ok, v) = idp(&db, &["device", "list", "anna"]);
    assert!(ok);
    assert_eq!(v["devices"], serde_json::json!([]));
    let (ok, v) = idp(&db, &["events", "--user", "anna"]);
    assert!(ok);
    assert_eq!(v["events"][0]["kind"], "user_added");
}

#[test]
fn a_database_from_the_future_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("idp.db");
    idp(&db, &["--origin", "http://127.0.0.1:9", "user", "add", "anna"]);
    rusqlite::Connection::open(&db).unwrap().pragma_update(None, "user_version", 99).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_nyckel-idp"))
        .args(["user", "enroll", "anna", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("newer"));
}

#[test]
fn ids_starting_with_a_dash_are_ids_not_options() {
    // Request and device ids are base64url: one in 64 starts with '-'.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("idp.db");
    for args in [
        ["signin", "status", "-KlbsQnJWrLWNMAPJKXkzg"],
        ["device", "revoke", "-KlbsQnJWrLWNMAPJKXkzg"],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_nyckel-idp"))
            .arg("--db")
            .arg(&db)
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("unexpected argument"), "{args:?}: {stderr}");
    }
}

/// Runs `nyckel-idp ARGS --db DB --json` with `stdin` on standard input.
fn idp_stdin(db: &std::path::Path, args: &[&str], stdin: &[u8]) -> (bool, Value) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_nyckel-idp"))
        .args(args)
        .arg("--db")
        .arg(db)
        .arg("--json")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run nyckel-idp");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let v = serde_json::from_str(text.trim()).unwrap_or_else(|_| panic!("not JSON: {text:?}"));
    (out.status.success(), v)
}

#[test]
fn the_administrators_recovery_commands() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("idp.db");
    let (ok, v) = idp(
        &db,
        &[
            "--origin",
            "http://127.0.0.1:9",
            "--helpdesk",
            "IT-support 040-123 45 67",
            "user",
            "add",
            "anna",
        ],
    );
    assert!(ok, "{v}");
    idp(&db, &["user", "add", "bertil", "--password", "x"]);

    // An enrollment code as a QR image, owner-only.
    let png = dir.path().join("anna.png");
    let (ok, v) = idp(&db, &["user", "enroll", "anna", "--qr", png.to_str().unwrap()]);
    assert!(ok, "{v}");
    assert!(v["enrollUri"].as_str().unwrap().starts_with("nyckel-enroll://"));
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&png).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let (ok, v) = idp(&db, &["user", "enroll", "anna", "--qr", "/nonexistent/dir/a.png"]);
    assert!(!ok);
    assert_eq!(v["error"], "bad_request");

    let (ok, v) = idp(&db, &["user", "list"]);
    assert!(ok, "{v}");
    let names: Vec<&str> =
        v["users"].as_array().unwrap().iter().map(|u| u["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["anna", "bertil"]);
    assert_eq!(v["users"][1]["hasPassword"], true);

    let (ok, v) = idp(&db, &["device", "list", "nobody"]);
    assert!(!ok);
    assert_eq!(v["error"], "unknown_user");

    let (ok, v) = idp(&db, &["user", "disable", "anna"]);
    assert!(ok && v["changed"] == true, "{v}");
    let (ok, v) = idp(&db, &["signin", "start", "anna", "--passwordless"]);
    assert!(!ok);
    assert_eq!(v["error"], "blocked");
    assert_eq!(v["message"], "the account is disabled");
    let (ok, v) = idp(&db, &["user", "enable", "anna"]);
    assert!(ok && v["changed"] == true, "{v}");
    let (ok, v) = idp(&db, &["user", "unblock", "anna"]);
    assert!(ok && v["unblocked"] == false, "{v}");

    // The password comes from standard input, never from the command line.
    let (ok, v) = idp_stdin(&db, &["user", "set-password", "bertil"], "nytt lösen\n".as_bytes());
    assert!(ok, "{v}");
    let (ok, v) = idp_stdin(&db, &["user", "set-password", "bertil"], b"");
    assert!(!ok);
    assert_eq!(v["message"], "the password is empty");
    let (ok, v) = idp_stdin(&db, &["user", "set-password", "bertil"], &[b'x'; 2000]);
    assert!(!ok);
    assert_eq!(v["error"], "bad_request");

    // Events: local ISO 8601 times.
    let (ok, v) = idp(&db, &["events", "--user", "bertil"]);
    assert!(ok);
    assert_eq!(v["events"][0]["kind"], "password_set");
    let time = v["events"][0]["time"].as_str().unwrap();
    assert!(time.len() == 25 && time.as_bytes()[10] == b'T', "{time}");

    // Deleting asks for --yes.
    let (ok, v) = idp(&db, &["user", "delete", "bertil"]);
    assert!(!ok);
    assert!(v["message"].as_str().unwrap().contains("--yes"), "{v}");
    let (ok, v) = idp(&db, &["user", "delete", "bertil", "--yes"]);
    assert!(ok, "{v}");
    assert_eq!(v["deleted"]["devices"], 0);
    let (ok, v) = idp(&db, &["user", "delete", "bertil", "--yes"]);
    assert!(!ok);
    assert_eq!(v["error"], "unknown_user");
}

#[test]
fn times_are_shown_in_the_administrators_zone() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("idp.db");
    idp(&db, &["--origin", "http://127.0.0.1:9", "user", "add", "anna"]);
    let out = Command::new(env!("CARGO_BIN_EXE_nyckel-idp"))
        .args(["events", "--db"])
        .arg(&db)
        .env("TZ", "Europe/Stockholm")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("+01:00  anna  user_added") || text.contains("+02:00  anna  user_added"),
        "{text}"
    );
}

#[test]
fn eam_add_list_remove_and_user_link_unlink() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("idp.db");
    let o = ["--origin", "https://login.example.se/auth"];
    idp(&db, &[o[0], o[1], "user", "add", "anna"]);
    let add = [
        "eam",
        "add",
        "--tenant",
        "11111111-aaaa",
        "--tenant",
        "22222222-bbbb",
        "--app-id",
        "app-1",
        "--client-id",
        "nyckel-entra",
    ];
    let (ok, v) = idp(&db, &add);
    assert!(ok, "{v}");
    assert_eq!(v["clientId"], "nyckel-entra");
    assert_eq!(v["appId"], "app-1");
    assert_eq!(v["tenants"], serde_json::json!(["11111111-aaaa", "22222222-bbbb"]));
    // Entra's global-cloud defaults.
    assert_eq!(
        v["redirectUri"],
        "https://login.microsoftonline.com/common/federation/externalauthprovider"
    );
    assert_eq!(v["issuerTemplate"], "https://login.microsoftonline.com/{tenantid}/v2.0");
    assert_eq!(v["jwksUri"], "https://login.microsoftonline.com/{tenantid}/discovery/v2.0/keys");
    assert_eq!(v["discoveryUrl"], "https://login.example.se/auth/.well-known/openid-configuration");
    let (ok, v) = idp(&db, &add);
    assert!(!ok, "client id taken");
    assert_eq!(v["error"], "bad_request");
    let (ok, v) = idp(
        &db,
        &[
            "eam",
            "add",
            "--tenant",
            "t",
            "--app-id",
            "a",
            "--client-id",
            "c2",
            "--redirect-uri",
            "http://evil.example/cb",
        ],
    );
    assert!(!ok, "plain http off loopback: {v}");
    let (ok, v) = idp(&db, &["eam", "list"]);
    assert!(ok);
    assert_eq!(v["eams"].as_array().unwrap().len(), 1);

    let link = ["user", "link", "anna", "--tenant", "11111111-aaaa", "--oid", "-oid-1"];
    let (ok, v) = idp(&db, &link);
    assert!(ok, "{v}");
    assert_eq!((v["user"].as_str(), v["linked"].as_bool()), (Some("anna"), Some(true)));
    idp(&db, &["user", "add", "bertil"]);
    let (ok, v) =
        idp(&db, &["user", "link", "bertil", "--tenant", "11111111-aaaa", "--oid", "-oid-1"]);
    assert!(!ok, "one Nyckel user per Entra user: {v}");
    let (ok, v) = idp(&db, &["user", "link", "nobody", "--tenant", "t", "--oid", "o"]);
    assert_eq!((ok, v["error"].as_str()), (false, Some("unknown_user")));
    let unlink = ["user", "unlink", "anna", "--tenant", "11111111-aaaa", "--oid", "-oid-1"];
    let (ok, v) = idp(&db, &unlink);
    assert!(ok, "{v}");
    assert_eq!(v["linked"], false);
    let (ok, v) = idp(&db, &unlink);
    assert_eq!((ok, v["error"].as_str()), (false, Some("not_found")));

    let (ok, _) = idp(&db, &["eam", "remove", "nyckel-entra"]);
    assert!(ok);
    let (ok, v) = idp(&db, &["eam", "remove", "nyckel-entra"]);
    assert_eq!((ok, v["error"].as_str()), (false, Some("not_found")));
}

#[test]
fn serve_refuses_an_attestation_root_it_cannot_read() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("idp.db");
    let empty_pem = dir.path().join("empty.pem");
    std::fs::write(&empty_pem, "-----BEGIN NOTHING-----\n-----END NOTHING-----\n").unwrap();
    for (root, says) in
        [(dir.path().join("missing.pem"), "missing.pem"), (empty_pem, "no certificate")]
    {
        let out = Command::new(env!("CARGO_BIN_EXE_nyckel-idp"))
            .arg("--db")
            .arg(&db)
            .args(["serve", "--addr", "127.0.0.1:0", "--require-key-attestation"])
            .arg(&root)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", root.display());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--require-key-attestation") && stderr.contains(says), "{stderr}");
    }
    assert!(!db.exists(), "nothing was created");
}

#[test]
fn serve_refuses_android_attestation_settings_it_cannot_use() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("idp.db");
    let root = dir.path().join("root.der");
    std::fs::write(&root, b"a root the settings below never get to").unwrap();
    let status = dir.path().join("status.json");
    std::fs::write(&status, b"<html>not the list</html>").unwrap();
    let cases: [(Vec<String>, &str); 4] = [
        // Each Android setting needs the requirement itself.
        (vec!["--android-require-verified-boot".into()], "--require-key-attestation"),
        (vec!["--android-revocation-list".into(), status.display().to_string()], "status.json"),
        (vec!["--android-app".into(), "app.nyckel:abcd".into()], "32 bytes"),
        (vec!["--android-min-patch-level".into(), "1999".into()], "--android-min-patch-level"),
    ];
    for (i, (args, says)) in cases.into_iter().enumerate() {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_nyckel-idp"));
        cmd.arg("--db").arg(&db).args(["serve", "--addr", "127.0.0.1:0"]);
        if i > 0 {
            cmd.arg("--require-key-attestation").arg(&root);
        }
        let out = cmd.args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    assert!(!db.exists(), "nothing was created");
}

#[test]
fn serve_refuses_app_attest_settings_it_cannot_use() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("idp.db");
    let missing = dir.path().join("missing.pem").display().to_string();
    let cases: [(&[&str], &str); 2] = [
        // A root or the development environment without an app to accept.
        (&["--app-attest-development"], "--app-attest-app-id"),
        (
            &["--app-attest-app-id", "ABCDE12345.app.nyckel", "--app-attest-root", &missing],
            "missing.pem",
        ),
    ];
    for (args, says) in cases {
        let out = Command::new(env!("CARGO_BIN_EXE_nyckel-idp"))
            .arg("--db")
            .arg(&db)
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    assert!(!db.exists(), "nothing was created");
}

/// [`idp`] with what the command printed on stderr.
fn idp_err(db: &std::path::Path, args: &[&str]) -> (bool, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_nyckel-idp"))
        .args(args)
        .arg("--db")
        .arg(db)
        .arg("--json")
        .output()
        .expect("run nyckel-idp");
    let text = String::from_utf8_lossy(&out.stdout);
    let v = serde_json::from_str(text.trim()).unwrap_or_else(|_| panic!("not JSON: {text:?}"));
    (out.status.success(), v, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Every admin command finds a user by name in any case (as the sign-in pages do); a new
/// name that differs from an existing one only in case is refused; what is shown and put in
/// enrollment codes is the name as it was added.
#[test]
fn admin_commands_take_a_user_name_in_any_case() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("idp.db");
    let (ok, v) = idp(&db, &["--origin", "http://127.0.0.1:9", "user", "add", "Åsa", "--totp"]);
    assert!(ok, "{v}");
    for taken in ["åsa", "ÅSA", " Åsa "] {
        let (ok, v) = idp(&db, &["user", "add", taken]);
        assert!(!ok, "{taken}: {v}");
        assert_eq!(v["error"], "exists");
        assert!(v["message"].as_str().unwrap().contains("case"), "{v}");
    }
    let (ok, v) = idp(&db, &["user", "enroll", "åSA"]);
    assert!(ok, "{v}");
    assert_eq!(v["user"], "Åsa");
    let uri = EnrollUri::parse(v["enrollUri"].as_str().unwrap()).unwrap();
    assert_eq!(uri.account, "Åsa", "the name as added, in the code the app shows");
    assert_eq!(uri.otp.unwrap().params.name, "Åsa");
    let (ok, v) = idp(&db, &["device", "list", "ÅSA"]);
    assert!(ok && v["devices"] == serde_json::json!([]), "{v}");
    for (args, field) in [
        (&["user", "disable", "åsa"][..], "changed"),
        (&["user", "enable", "ÅSA"], "changed"),
        (&["user", "unlock", "åsa"], "user"),
        (&["user", "unblock", "ÅSA"], "user"),
        (&["user", "link", "åsa", "--tenant", "t1", "--oid", "o1"], "linked"),
        (&["user", "unlink", "ÅSA", "--tenant", "t1", "--oid", "o1"], "user"),
    ] {
        let (ok, v) = idp(&db, args);
        assert!(ok && !v[field].is_null(), "{args:?}: {v}");
    }
    let (ok, v) = idp_stdin(&db, &["user", "set-password", "åsa"], b"nytt\n");
    assert!(ok, "{v}");
    let (ok, v) = idp(&db, &["events", "--user", "ÅSA"]);
    assert!(ok, "{v}");
    let kinds: Vec<&str> =
        v["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"password_set") && kinds.contains(&"user_added"), "{kinds:?}");
    assert!(v["events"].as_array().unwrap().iter().all(|e| e["user"] == "Åsa"), "{v}");
    let (ok, v) = idp(&db, &["user", "delete", "åsa", "--yes"]);
    assert!(ok, "{v}");
    let (_, v) = idp(&db, &["user", "list"]);
    assert_eq!(v["users"], serde_json::json!([]));
}

/// Two users whose names differ only in case (left so by the upgrade to schema v17: the
/// younger has no key) are named in a warning on every command until one is deleted; the
/// one without a key still answers to its exact name, any other spelling means the other.
#[test]
fn users_differing_only_in_case_are_warned_about_until_one_is_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("idp.db");
    idp(&db, &["--origin", "http://127.0.0.1:9", "user", "add", "anna"]);
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute("INSERT INTO users (id, name, created_at) VALUES ('u-old', 'Anna', 1)", [])
            .unwrap();
    }
    let (ok, v, stderr) = idp_err(&db, &["user", "list"]);
    assert!(ok, "{v}");
    assert_eq!(v["nameClashes"], serde_json::json!([{"name": "Anna", "sameAs": "anna"}]));
    assert!(stderr.contains(r#"warning: users "Anna" and "anna" differ only in case"#), "{stderr}");
    let (_, _, stderr) = idp_err(&db, &["events"]);
    assert!(stderr.contains("differ only in case"), "every command warns: {stderr}");
    let (_, v) = idp(&db, &["user", "enroll", "Anna"]);
    assert_eq!(v["userId"], "u-old", "the exact name");
    let (_, v) = idp(&db, &["user", "enroll", "ANNA"]);
    assert_eq!(v["user"], "anna", "any other spelling: the user with the key");

    let (ok, v) = idp(&db, &["user", "delete", "anna", "--yes"]);
    assert!(ok, "{v}");
    let (ok, v, stderr) = idp_err(&db, &["user", "list"]);
    assert!(ok && v["nameClashes"] == serde_json::json!([]), "{v}");
    assert!(!stderr.contains("warning"), "{stderr}");
    let (_, v) = idp(&db, &["user", "enroll", "ANNA"]);
    assert_eq!(v["userId"], "u-old", "the key went to the one left");
}

/// `user replace-phone NAME --qr FILE.png`: the new enrollment code and its QR image
/// (owner-only) in one command, the phones it revoked, the event; a path that cannot be
/// written and an unknown user change nothing.
#[test]
fn replace_phone_issues_the_code_and_its_qr_in_one_command() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("idp.db");
    idp(&db, &["--origin", "http://127.0.0.1:9", "user", "add", "Anna"]);
    let (_, before) = idp(&db, &["events", "--user", "anna"]);

    let missing = dir.path().join("no-such-folder").join("anna.png");
    let (ok, v) = idp(&db, &["user", "replace-phone", "anna", "--qr", missing.to_str().unwrap()]);
    assert!(!ok);
    assert!(v["message"].as_str().unwrap().contains("nothing was changed"), "{v}");
    let (ok, v) = idp(&db, &["user", "replace-phone", "nobody"]);
    assert!(!ok);
    assert_eq!(v["error"], "unknown_user");
    assert_eq!(idp(&db, &["events", "--user", "anna"]).1, before, "nothing happened");

    let png = dir.path().join("anna.png");
    let (ok, v) = idp(&db, &["user", "replace-phone", "ANNA", "--qr", png.to_str().unwrap()]);
    assert!(ok, "{v}");
    assert_eq!(v["user"], "Anna");
    assert_eq!(v["revoked"], serde_json::json!([]));
    assert_eq!(v["qr"], png.to_str().unwrap());
    assert_eq!(EnrollUri::parse(v["enrollUri"].as_str().unwrap()).unwrap().account, "Anna");
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&png).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let (_, v) = idp(&db, &["events", "--user", "anna", "--limit", "1"]);
    assert_eq!(v["events"][0]["kind"], "phones_replaced");

    let out = Command::new(env!("CARGO_BIN_EXE_nyckel-idp"))
        .args(["user", "replace-phone", "anna", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Anna had no active phone.") && text.contains("nyckel-enroll://"),
        "{text}"
    );
}

/// `device list` without `--json`, as the administrator reads it: one line per phone, oldest
/// first, times in the administrator's zone as ISO 8601 with the offset (summer and winter
/// time), "never used" for a phone that never decided a request, the revocation and the phone
/// sign-in key's attestation; an unknown user is an error, not an empty list.
#[test]
fn device_list_prints_each_phone_with_local_times_and_refuses_an_unknown_user() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("idp.db");
    let (ok, v) = idp(&db, &["--origin", "http://127.0.0.1:9", "user", "add", "anna"]);
    assert!(ok, "{v}");
    {
        // Phones with fixed times (the enrollment protocol would stamp the real time).
        let c = rusqlite::Connection::open(&db).unwrap();
        let anna: String =
            c.query_row("SELECT id FROM users WHERE name = 'anna'", [], |r| r.get(0)).unwrap();
        c.execute_batch(&format!(
            "INSERT INTO devices (id, user_id, name, push_token, created_at, revoked_at) VALUES
                 ('dev-old', '{anna}', 'Gammal', NULL, 1764000000, 1764500000),
                 ('dev-summer', '{anna}', 'Sommar', 'p', 1751360400, NULL),
                 ('dev-used', '{anna}', 'Telefon', 'p', 1764930000, NULL);
             INSERT INTO credentials (id, device_id, user_id, kind, public_key, created_at, attestation) VALUES
                 ('c-used', 'dev-used', '{anna}', 'device', x'00', 1764930000, NULL),
                 ('c-signin', 'dev-summer', '{anna}', 'phone_signin', x'00', 1751364000, 'android-key');
             INSERT INTO requests (id, user_id, kind, nonce, number, app, ip, location, created_at,
                                   expires_at, state, decided_at, credential_id) VALUES
                 ('r1', '{anna}', 'push', x'00', 42, 'App', '127.0.0.1', '', 1764933590,
                  1764933700, 'completed', 1764933600, 'c-used');"
        ))
        .unwrap();
    }
    let run = |name: &str| {
        Command::new(env!("CARGO_BIN_EXE_nyckel-idp"))
            .args(["device", "list", name, "--db"])
            .arg(&db)
            .env("TZ", "Europe/Stockholm")
            .output()
            .unwrap()
    };
    let out = run("anna");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "dev-summer  Sommar  added 2025-07-01T11:00:00+02:00  never used  active  phone sign-in on (key attested: android-key)\n\
         dev-old  Gammal  added 2025-11-24T17:00:00+01:00  never used  revoked 2025-11-30T11:53:20+01:00\n\
         dev-used  Telefon  added 2025-12-05T11:20:00+01:00  last used 2025-12-05T12:20:00+01:00  active\n"
    );
    let out = run("nobody");
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "nyckel-idp: no such user\n");
}
