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
fn user_add_needs_an_origin_then_prints_an_enrollment_uri() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("idp.db");
    let (ok, v) = idp(&db, &["user", "add", "anna", "--password", "x"]);
    assert!(!ok);
    assert_eq!(v["error"], "not_configured");

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
