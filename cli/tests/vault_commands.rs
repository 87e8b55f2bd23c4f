//! Commands on a vault: init, add (URI and manual), list, code, rename, delete, activity,
//! and their exit codes.

mod common;
use common::*;
use serde_json::Value;

const LIST_KEYS_TOTP: &[&str] = &["id", "type", "issuer", "name", "algorithm", "digits", "period"];
const LIST_KEYS_HOTP: &[&str] = &["id", "type", "issuer", "name", "algorithm", "digits", "counter"];

fn totp_uri(issuer: &str, name: &str, secret: &str) -> String {
    format!("otpauth://totp/{issuer}:{name}?secret={secret}&issuer={issuer}")
}

fn with_code_keys(base: &[&str]) -> Vec<String> {
    let mut k: Vec<&str> = base.to_vec();
    k.extend(["code", "seconds_left"]);
    expect_keys(&k)
}

#[test]
fn init_creates_the_vault_and_refuses_to_overwrite() {
    let v = TestVault::uncreated();
    let out = v.run(&["init", "--kdf-memory-mib", "19", "--kdf-iterations", "2"]);
    assert!(out.ok().contains("Created an encrypted vault"));
    assert!(v.path.is_file());
    assert!(out.stderr.is_empty(), "no warning for a long passphrase: {}", out.stderr);
    v.run(&["init", "--kdf-memory-mib", "19", "--kdf-iterations", "2"]).fails(2, "already exists");
}

#[test]
fn init_validates_kdf_against_the_core_floor() {
    let v = TestVault::uncreated();
    v.run(&["init", "--kdf-memory-mib", "8", "--kdf-iterations", "2"])
        .fails(2, "--kdf-memory-mib must be 19–1024");
    v.run(&["init", "--kdf-memory-mib", "19", "--kdf-iterations", "1"])
        .fails(2, "--kdf-iterations 2–64");
    v.run(&["init", "--kdf-memory-mib", "2048"]).fails(2, "out of range");
    v.run(&["init", "--kdf-memory-mib", "4194304"]).fails(2, "too large");
    assert!(!v.path.exists(), "nothing created on bad parameters");
}

#[test]
fn init_warns_about_short_passphrases_and_rejects_empty_ones() {
    let v = TestVault::uncreated();
    let args = ["init", "--kdf-memory-mib", "19", "--kdf-iterations", "2"];
    v.run_with_passphrase(&args, Some("")).fails(2, "empty");
    assert!(!v.path.exists());
    let out = v.run_with_passphrase(&args, Some("kort"));
    out.ok();
    assert!(
        out.stderr.contains("warning:") && out.stderr.contains("4 characters"),
        "{}",
        out.stderr
    );
}

#[test]
fn init_creates_missing_directories() {
    let v = TestVault::uncreated();
    let nested = v.file("a/b/vault.nyckel");
    let nested = nested.to_str().unwrap();
    v.run(&["--vault", nested, "init", "--kdf-memory-mib", "19", "--kdf-iterations", "2"]).ok();
    assert!(std::path::Path::new(nested).is_file());
    // --vault after the subcommand works too, and wins over NYCKEL_VAULT.
    assert_eq!(v.run(&["list", "--json", "--vault", nested]).json(), serde_json::json!([]));
}

#[test]
fn default_vault_lives_in_the_data_dir() {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = bare(&["init", "--kdf-memory-mib", "19", "--kdf-iterations", "2"]);
    cmd.env("XDG_DATA_HOME", home.path())
        .env("HOME", home.path())
        .env("NYCKEL_PASSPHRASE", PASSPHRASE);
    let out = output(cmd, &["init"], None);
    out.ok();
    if cfg!(target_os = "linux") {
        assert!(home.path().join("nyckel/vault.nyckel").is_file(), "{}", out.stdout);
    }
}

#[test]
fn passphrase_required_without_a_terminal() {
    let v = TestVault::new();
    let out = v.run_with_passphrase(&["list"], None);
    out.fails(2, "NYCKEL_PASSPHRASE");
    assert_eq!(out.stderr.lines().count(), 1);
    let u = TestVault::uncreated();
    u.run_with_passphrase(&["init"], None).fails(2, "NYCKEL_PASSPHRASE");
}

#[test]
fn wrong_passphrase_exits_2() {
    let v = TestVault::new();
    v.run_with_passphrase(&["list"], Some("not it")).fails(2, "wrong passphrase");
}

#[test]
fn missing_vault_exits_2() {
    let v = TestVault::uncreated();
    let out = v.run(&["list"]);
    out.fails(2, "no vault at");
    assert!(out.stderr.contains("nyckel init"));
    v.run(&["code"]).fails(2, "no vault at");
}

#[test]
fn corrupted_vault_exits_1() {
    let v = TestVault::new();
    v.add(&totp_uri("ACME", "anna", RFC_SECRET));
    let original = std::fs::read(&v.path).unwrap();
    // Truncated.
    std::fs::write(&v.path, &original[..original.len() / 3]).unwrap();
    v.run(&["list"]).fails(1, "damaged");
    // Pages overwritten with zeros after the header.
    let mut zeroed = original.clone();
    for b in zeroed.iter_mut().skip(4096) {
        *b = 0;
    }
    std::fs::write(&v.path, &zeroed).unwrap();
    let out = v.run(&["list"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    // Not a database at all.
    std::fs::write(&v.path, b"this is not a vault, just some text that is long enough to look at")
        .unwrap();
    v.run(&["list"]).fails(1, "not a Nyckel vault");
}

#[test]
fn add_list_and_json_shapes() {
    let v = TestVault::new();
    let out = v.run(&["add", &format!("otpauth://totp/Region%20Sk%C3%A5ne:anna?secret={RFC_SECRET}&issuer=Region%20Sk%C3%A5ne")]);
    assert!(out.ok().contains("Added [1] Region Skåne (anna)"), "{}", out.stdout);
    let added = v
        .run(&[
            "add",
            &format!(
                "otpauth://hotp/ACME:bob?secret={RFC_SECRET}&counter=3&digits=8&algorithm=SHA256"
            ),
            "--json",
        ])
        .json();
    assert_eq!(keys(&added), added_keys("counter"));
    assert_eq!(added["counter"], 3);
    assert_eq!(added["warnings"], serde_json::json!([]));

    let list = v.run(&["list", "--json"]).json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(keys(&list[0]), expect_keys(LIST_KEYS_TOTP));
    assert_eq!(keys(&list[1]), expect_keys(LIST_KEYS_HOTP));
    assert_eq!(list[0]["issuer"], "Region Skåne");
    assert_eq!(list[0]["type"], "totp");
    assert_eq!(list[1]["algorithm"], "SHA256");
    assert_eq!(list[1]["digits"], 8);
    let raw = v.run(&["list", "--json"]).stdout;
    assert!(!raw.contains(RFC_SECRET), "list never shows secrets");

    let text = v.run(&["list"]).stdout;
    assert!(
        text.contains("Region Skåne") && text.contains("ACME") && text.contains("bob"),
        "{text}"
    );
    assert!(!text.contains(RFC_SECRET));
}

#[test]
fn add_prints_warnings() {
    let v = TestVault::new();
    let out = v.run(&["add", "otpauth://hotp/ACME:x?secret=GEZDGNBVGY3TQOJQ"]);
    out.ok();
    assert!(out.stderr.contains("warning: hotp URI has no counter"), "{}", out.stderr);
    assert!(out.stderr.contains("80 bits"), "{}", out.stderr);
    let json = v
        .run(&["add", "otpauth://totp/Other:x?secret=GEZDGNBVGY3TQOJQ&issuer=Else", "--json"])
        .json();
    let w = json["warnings"].as_array().unwrap();
    assert_eq!(w.len(), 2, "{json}");
}

#[test]
fn duplicates_are_refused_unless_allowed() {
    let v = TestVault::new();
    let id = v.add(&totp_uri("ACME", "anna", RFC_SECRET));
    let out = v.run(&["add", &totp_uri("ACME", "anna", RFC_SECRET)]);
    out.fails(2, &format!("already in the vault (id {id})"));
    let again = v
        .run(&["add", &totp_uri("ACME", "anna", RFC_SECRET), "--allow-duplicate", "--json"])
        .json();
    assert_ne!(again["id"].as_i64().unwrap(), id);
    assert_eq!(v.run(&["list", "--json"]).json().as_array().unwrap().len(), 2);
}

#[test]
fn add_rejects_bad_uris_with_exit_2() {
    let v = TestVault::new();
    for (uri, needle) in [
        ("https://example.com/", "not an otpauth"),
        ("otpauth-migration://offline?data=abc", "nyckel import --scan"),
        ("otpauth://totp/x?secret=!!", "base32"),
        ("otpauth://totp/x", "malformed"),
        ("otpauth://totp/x?secret=GEZDGNBV&digits=0", "digits"),
    ] {
        v.run(&["add", uri]).fails(2, needle);
    }
    // Checked before the passphrase is even needed.
    v.run_with_passphrase(&["add", "https://example.com/"], None).fails(2, "not an otpauth");
    assert_eq!(v.run(&["list", "--json"]).json(), serde_json::json!([]));
}

#[test]
fn add_reads_the_uri_from_stdin() {
    let v = TestVault::new();
    let out =
        v.run_stdin(&["add", "-", "--json"], &format!("{}\n", totp_uri("Stdin", "x", RFC_SECRET)));
    assert_eq!(out.json()["issuer"], "Stdin");
}

#[test]
fn manual_entry_goes_through_the_parser() {
    let v = TestVault::new();
    let a = v
        .run(&[
            "add",
            "--secret",
            "gezd gnbv gy3t qojq gezd gnbv gy3t qojq",
            "--issuer",
            "Göteborgs Stad: skolor",
            "--name",
            "elev:karin & co",
            "--json",
        ])
        .json();
    assert_eq!(a["issuer"], "Göteborgs Stad: skolor");
    assert_eq!(a["name"], "elev:karin & co");
    assert_eq!(a["type"], "totp");
    assert_eq!((a["digits"].as_i64(), a["period"].as_i64()), (Some(6), Some(30)));

    let h = v
        .run(&[
            "add",
            "--secret",
            RFC_SECRET,
            "--issuer",
            "Bank",
            "--type",
            "hotp",
            "--counter",
            "7",
            "--digits",
            "8",
            "--algorithm",
            "sha512",
            "--allow-duplicate",
            "--json",
        ])
        .json();
    assert_eq!(keys(&h), added_keys("counter"));
    assert_eq!(
        (h["type"].as_str(), h["counter"].as_i64(), h["digits"].as_i64(), h["algorithm"].as_str()),
        (Some("hotp"), Some(7), Some(8), Some("SHA512"))
    );

    let s = v
        .run(&[
            "add",
            "--secret",
            "JBSWY3DPEHPK3PXP",
            "--name",
            "gabe",
            "--type",
            "steam",
            "--json",
        ])
        .json();
    assert_eq!(
        (s["type"].as_str(), s["digits"].as_i64(), s["issuer"].as_str()),
        (Some("steam"), Some(5), Some(""))
    );

    let t = v
        .run(&["add", "--secret", "JBSWY3DPEHPK3PXQ", "--name", "p", "--period", "60", "--json"])
        .json();
    assert_eq!(t["period"], 60);

    // The same validation as URIs.
    v.run(&["add", "--secret", "not base32!", "--name", "x"]).fails(2, "base32");
    v.run(&["add", "--secret", RFC_SECRET, "--name", "x", "--digits", "11", "--allow-duplicate"])
        .fails(2, "digits");
    v.run(&["add", "--secret", RFC_SECRET, "--name", "x", "--period", "abc", "--allow-duplicate"])
        .fails(2, "period");
    v.run(&["add", "--secret", RFC_SECRET, "--name", "x", "--counter", "1"]).fails(2, "--counter");
    v.run(&["add", "--secret", RFC_SECRET, "--name", "x", "--type", "hotp", "--period", "30"])
        .fails(2, "--period");
    v.run(&["add", "--secret", RFC_SECRET]).fails(2, "--name");
    v.run(&["add", "--secret", RFC_SECRET, "--name", "x", "--type", "motp"])
        .fails(2, "possible values: totp, hotp, steam");
    v.run(&["add"]).fails(2, "required");
    v.run(&["add", &totp_uri("A", "b", RFC_SECRET), "--secret", RFC_SECRET])
        .fails(2, "cannot be used with");
    assert_eq!(v.run(&["list", "--json"]).json().as_array().unwrap().len(), 4);
}

#[test]
fn code_at_boundaries() {
    let v = TestVault::new();
    v.add(&format!("otpauth://totp/ACME:anna?secret={RFC_SECRET}&digits=8"));
    let at = |t: &str| -> Value {
        v.run(&["code", "--at", t, "--json"]).json().as_array().unwrap()[0].clone()
    };
    let c59 = at("59");
    assert_eq!(keys(&c59), with_code_keys(LIST_KEYS_TOTP));
    assert_eq!(c59["code"], "94287082");
    assert_eq!(c59["seconds_left"], 1);
    let (c29, c30, c31) = (at("29"), at("30"), at("31"));
    assert_eq!(c29["seconds_left"], 1);
    assert_eq!(c30["seconds_left"], 30);
    assert_eq!(c31["seconds_left"], 29);
    assert_ne!(c29["code"], c30["code"]);
    assert_eq!(c30["code"], c31["code"]);
    assert_eq!(at("1111111109")["code"], "07081804");
    let text = v.run(&["code", "--at", "59"]).stdout;
    assert!(text.contains("9428 7082") && text.contains("1 s left"), "{text}");
}

#[test]
fn code_query_matching() {
    let v = TestVault::new();
    let skane = v.add(&format!("otpauth://totp/Region%20Sk%C3%A5ne:anna?secret={RFC_SECRET}"));
    v.add("otpauth://totp/G%C3%B6teborgs%20Stad%20skolor:karin?secret=JBSWY3DPEHPK3PXP");
    v.add("otpauth://steam/Steam:anna_spelar?secret=KRSXG5CTMVRXEZLU");
    let ids = |args: &[&str]| -> Vec<i64> {
        v.run(args).json().as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect()
    };
    assert_eq!(ids(&["code", "SKÅNE", "--json"]), vec![skane]);
    assert_eq!(ids(&["code", &skane.to_string(), "--json"]), vec![skane]);
    assert_eq!(ids(&["code", "anna", "--json"]).len(), 2, "issuer or name, several matches");
    assert_eq!(ids(&["code", "göteborgs", "--json"]).len(), 1);
    assert_eq!(ids(&["code", "--json"]).len(), 3);
    let steam = &v.run(&["code", "steam", "--json"]).json()[0];
    assert_eq!(steam["code"].as_str().unwrap().len(), 5);
    v.run(&["code", "nomatch"]).fails(2, "no account matches");
    v.run(&["code", "99"]).fails(2, "no account matches");
}

#[test]
fn hotp_is_advanced_only_when_named() {
    let v = TestVault::new();
    let hotp = v.add(&format!("otpauth://hotp/ACME:bob?secret={RFC_SECRET}&counter=0"));
    let totp = v.add(&format!("otpauth://totp/Other:bob?secret={RFC_SECRET}&issuer=Other"));
    let counter = || -> i64 {
        let list = v.run(&["list", "--json"]).json();
        list.as_array().unwrap().iter().find(|a| a["id"] == hotp).unwrap()["counter"]
            .as_i64()
            .unwrap()
    };
    // The batch never touches HOTP.
    let all = v.run(&["code", "--json"]).json();
    assert_eq!(all.as_array().unwrap().len(), 1);
    assert_eq!(all[0]["id"], totp);
    let text = v.run(&["code"]).stdout;
    assert!(text.contains(&format!("nyckel code {hotp}")), "HOTP hint: {text}");
    assert_eq!(counter(), 0);

    // Named: the next code, and the counter advances and persists.
    let first = v.run(&["code", "acme", "--json"]).json();
    assert_eq!(keys(&first[0]), with_code_keys(LIST_KEYS_HOTP));
    assert_eq!(first[0]["code"], "755224");
    assert_eq!(first[0]["seconds_left"], Value::Null);
    assert_eq!(first[0]["counter"], 1, "counter of the next code");
    assert_eq!(counter(), 1);
    let second = v.run(&["code", &hotp.to_string(), "--json"]).json();
    assert_eq!(second[0]["code"], "287082");
    assert_eq!(counter(), 2);
    let text = v.run(&["code", "acme"]).stdout;
    assert!(text.contains("359 152"), "{text}");
    assert_eq!(counter(), 3);

    // Several matches: the HOTP one is skipped, never advanced.
    let out = v.run(&["code", "bob", "--json"]);
    let shown = out.json();
    assert_eq!(shown.as_array().unwrap().len(), 1);
    assert_eq!(shown[0]["id"], totp);
    assert!(out.stderr.contains("Skipped HOTP account"), "{}", out.stderr);
    assert_eq!(counter(), 3);
    assert_eq!(v.run(&["watch", "--frames", "1"]).code, 0);
    assert_eq!(counter(), 3, "watch never advances HOTP");
}

#[test]
fn only_hotp_matches_of_an_ambiguous_query_exit_2() {
    let v = TestVault::new();
    v.add(&format!("otpauth://hotp/Bank:one?secret={RFC_SECRET}&counter=0"));
    v.add("otpauth://hotp/Bank:two?secret=JBSWY3DPEHPK3PXP&counter=0");
    v.run(&["code", "bank"]).fails(2, "name one by id");
}

#[test]
fn empty_vault_outputs() {
    let v = TestVault::new();
    assert_eq!(v.run(&["list", "--json"]).json(), serde_json::json!([]));
    assert_eq!(v.run(&["code", "--json"]).json(), serde_json::json!([]));
    assert!(v.run(&["list"]).ok().contains("No accounts yet"));
    assert!(v.run(&["code"]).ok().contains("No accounts yet"));
    v.run(&["code", "x"]).fails(2, "no account matches");
}

#[test]
fn delete_rename_and_show_qr_take_a_unique_name_too() {
    let v = TestVault::new();
    let gh1 = v.add("otpauth://totp/GitHub:anna?secret=JBSWY3DPEHPK3PXP");
    let gh2 = v.add("otpauth://totp/GitHub:bo?secret=GEZDGNBVGY3TQOJQ");
    let skane = v.add("otpauth://totp/Region%20Sk%C3%A5ne:anna.andersson?secret=KRSXG5CTMVRXEZLU");

    // A unique issuer, name or ISSUER:NAME, in any case.
    let uri = v.run(&["show-qr", "region skåne", "--uri"]).ok().trim().to_owned();
    assert!(uri.contains("secret=KRSXG5CTMVRXEZLU"), "{uri}");
    let out = v.run(&["rename", "GITHUB:bo", "--issuer", "GitHub", "--note", "jobbet", "--json"]);
    assert_eq!(out.json()["id"], gh2);
    let list = v.run(&["list"]).ok().to_owned();
    assert!(list.lines().any(|l| l.contains("bo") && l.contains("jobbet")), "{list}");
    let out = v.run(&["rename", " anna.andersson ", "--name", "anna", "--json"]).json();
    assert_eq!(out["id"], skane);

    // Ambiguous: nothing happens, and the candidates' ids are listed.
    let out = v.run(&["delete", "GitHub", "--yes"]);
    out.fails(2, "\"GitHub\" names 2 accounts");
    assert!(
        out.stderr.contains(&format!("[{gh1}] GitHub (anna)"))
            && out.stderr.contains(&format!("[{gh2}] GitHub (bo)"))
            && out.stderr.contains("give its id"),
        "{}",
        out.stderr
    );
    // "anna" is now the name of two accounts too.
    v.run(&["show-qr", "anna"]).fails(2, "names 2 accounts");
    assert_eq!(v.run(&["list", "--json"]).json().as_array().unwrap().len(), 3, "nothing deleted");

    // Unknown names, and names that are only part of one, are refused.
    v.run(&["delete", "Git", "--yes"]).fails(2, "no account is named \"Git\"");
    v.run(&["show-qr", "Nowhere"]).fails(2, "no account is named");

    // An id still wins, and a unique name deletes.
    assert!(v.run(&["delete", &gh1.to_string(), "--yes"]).ok().contains("GitHub (anna)"));
    assert!(v.run(&["delete", "github", "--yes"]).ok().contains("Deleted"));
    let left = v.run(&["list", "--json"]).json();
    assert_eq!(left.as_array().unwrap().len(), 1);
    assert_eq!(left[0]["id"], skane);
}

#[test]
fn rename_delete_and_activity_flow() {
    let v = TestVault::new();
    let id = v.add(&totp_uri("ACME", "anna", RFC_SECRET));
    let other = v.add("otpauth://totp/Keep:me?secret=JBSWY3DPEHPK3PXP");
    let sid = id.to_string();

    let renamed = v.run(&["rename", &sid, "--issuer", "Region Skåne", "--json"]).json();
    assert_eq!(keys(&renamed), expect_keys(LIST_KEYS_TOTP));
    assert_eq!(
        (renamed["issuer"].as_str(), renamed["name"].as_str()),
        (Some("Region Skåne"), Some("anna"))
    );
    let out = v.run(&["rename", &sid, "--name", "anna.andersson@skane.se", "--note", "jobbet"]);
    assert!(out.ok().contains("Region Skåne (anna.andersson@skane.se)"), "{}", out.stdout);
    assert!(out.stdout.contains("Note: jobbet"));
    assert!(v.run(&["list"]).stdout.contains("jobbet"), "notes show in the list");
    v.run(&["rename", &sid]).fails(2, "required");
    v.run(&["rename", "99", "--name", "x"]).fails(2, "no account with id 99");

    v.run(&["delete", &sid]).fails(2, "--yes");
    assert_eq!(
        v.run(&["list", "--json"]).json().as_array().unwrap().len(),
        2,
        "not deleted without --yes"
    );
    v.run(&["delete", "99", "--yes"]).fails(2, "no account with id 99");
    assert!(v.run(&["delete", &sid, "--yes"]).ok().contains("Deleted"));
    let list = v.run(&["list", "--json"]).json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], other);
    v.run(&["show-qr", &sid]).fails(2, "no account with id");

    let log = v.run(&["activity", "--json"]).json();
    let log = log.as_array().unwrap();
    let events: Vec<&str> = log.iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(
        events,
        ["account_removed", "account_edited", "account_edited", "account_added", "account_added"]
    );
    let ids: Vec<i64> = log.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    for e in log {
        for k in ["id", "at", "event", "summary"] {
            assert!(e.get(k).is_some(), "{k} in {e}");
        }
    }
    assert_eq!(log[0]["account_id"], id);
    assert_eq!(
        keys(&log[0]),
        expect_keys(&["id", "at", "event", "account_id", "issuer", "name", "summary"])
    );
    assert!(log[0]["summary"].as_str().unwrap().contains("removed Region Skåne"));
    assert_eq!(v.run(&["activity", "--limit", "2", "--json"]).json().as_array().unwrap().len(), 2);
    let text = v.run(&["activity", "--limit", "1"]).stdout;
    assert_eq!(text.lines().count(), 1);
    assert!(
        text.contains("removed Region Skåne (anna.andersson@skane.se)") && text.contains("UTC"),
        "{text}"
    );
}

/// The first time on a line of text ("2025-06-02 09:41:13 ZONE") as (minutes of the day,
/// zone).
fn first_time(text: &str) -> (i64, String) {
    let words: Vec<&str> = text.split_whitespace().collect();
    let at = words.iter().position(|w| w.len() == 8 && w.as_bytes()[2] == b':').expect(text);
    let hm: Vec<i64> = words[at].split(':').map(|n| n.parse().unwrap()).collect();
    (hm[0] * 60 + hm[1], words[at + 1].to_owned())
}

#[test]
fn times_are_shown_in_the_local_time_zone() {
    let v = TestVault::new();
    v.add(&totp_uri("ACME", "anna", RFC_SECRET));
    let in_zone = |tz: &str, args: &[&str]| {
        let mut cmd = v.cmd(args);
        cmd.env("TZ", tz);
        output(cmd, args, None).ok().to_owned()
    };
    let stockholm = "CET-1CEST,M3.5.0,M10.5.0/3";
    for args in [&["activity", "--limit", "1"][..], &["watch", "--frames", "1"]] {
        let (utc, zone) = first_time(&in_zone("UTC", args));
        assert_eq!(zone, "UTC");
        let (local, zone) = first_time(&in_zone(stockholm, args));
        assert!(zone == "CET" || zone == "CEST", "{zone}");
        let ahead = (local - utc).rem_euclid(24 * 60);
        assert_eq!(ahead, if zone == "CET" { 60 } else { 120 }, "{args:?}");
        // Across the date line too.
        let (auckland, zone) = first_time(&in_zone("NZST-12NZDT,M9.5.0,M4.1.0/3", args));
        assert!(zone == "NZST" || zone == "NZDT", "{zone}");
        assert!([12 * 60, 13 * 60].contains(&(auckland - utc).rem_euclid(24 * 60)));
    }
    // JSON keeps Unix seconds, whatever the zone.
    let log = v.run(&["activity", "--json"]).json();
    assert!(log[0]["at"].is_i64(), "{log}");
}

#[test]
fn show_qr_uri_is_logged_as_export() {
    let v = TestVault::new();
    let id = v.add(&totp_uri("ACME", "anna", RFC_SECRET)).to_string();
    let out = v.run(&["show-qr", &id, "--uri"]);
    assert_eq!(
        out.ok().trim(),
        format!("otpauth://totp/ACME:anna?secret={RFC_SECRET}&issuer=ACME&algorithm=SHA1&digits=6&period=30")
    );
    assert!(out.stderr.contains("warning:") && out.stderr.contains("secret"), "{}", out.stderr);
    let log = v.run(&["activity", "--json", "--limit", "1"]).json();
    assert_eq!(log[0]["event"], "exported");
    assert_eq!(log[0]["format"], "uri");
    assert_eq!(log[0]["account_ids"], serde_json::json!([id.parse::<i64>().unwrap()]));
    assert!(log[0]["summary"].as_str().unwrap().contains("ACME (anna)"));
}

#[test]
fn hostile_labels_cannot_drive_the_terminal() {
    let v = TestVault::new();
    v.add(&format!("otpauth://totp/%1B%5B2J%1B%5B31mEvil:x?secret={RFC_SECRET}"));
    for args in [vec!["list"], vec!["code"], vec!["activity"], vec!["watch", "--frames", "1"]] {
        let out = v.run(&args);
        assert!(!out.ok().contains('\x1b'), "{args:?}: {:?}", out.stdout);
        assert!(out.stdout.contains("Evil"));
    }
    // JSON keeps the real text (escaped by JSON).
    assert_eq!(v.run(&["list", "--json"]).json()[0]["issuer"], "\u{1b}[2J\u{1b}[31mEvil");
}

#[test]
fn stdin_that_is_not_utf8_is_bad_input() {
    let v = TestVault::new();
    let not_utf8: &[u8] = b"otpauth://totp/x?secret=GEZDGNBVGY3TQOJQ&issuer=\xff\n";
    for args in [&["inspect", "-"][..], &["add", "-"], &["add", "--secret", "-", "--issuer", "X"]] {
        let out = v.run_stdin_bytes(args, not_utf8);
        out.fails(2, "from stdin: it is not valid UTF-8 text");
        assert!(!out.stderr.contains("GEZD"), "{}", out.stderr);
    }
    assert_eq!(v.run(&["list", "--json"]).json(), serde_json::json!([]));
}

#[test]
fn bidi_controls_in_labels_are_escaped_but_emoji_kept() {
    let v = TestVault::new();
    // U+202E (right-to-left override) would show "Bank" followed by "live.com" reversed
    // and reverse the rest of the line; U+2066 (isolate) and U+200B (zero-width space)
    // likewise hide in plain sight. The name's family emoji joins with U+200D.
    let uri = format!(
        "otpauth://totp/Bank%E2%80%AEmoc.evil:anna%E2%81%A6x%E2%80%8By%F0%9F%91%A8%E2%80%8D%F0%9F%91%A9?secret={RFC_SECRET}&issuer=Bank%E2%80%AEmoc.evil"
    );
    let added = v.run(&["add", &uri]);
    let id = "1";
    let mut outputs = vec![added.ok().to_owned()];
    for args in
        [&["list"][..], &["code"], &["activity"], &["show-qr", id], &["watch", "--frames", "1"]]
    {
        let out = v.run(args);
        outputs.push(format!("{}{}", out.ok(), out.stderr));
    }
    for text in &outputs {
        assert!(text.contains(r"Bank\u{202e}moc.evil"), "{text}");
        assert!(
            text.contains("anna\\u{2066}x\\u{200b}y👨\u{200D}👩"),
            "the emoji stays joined: {text}"
        );
        for c in ['\u{202E}', '\u{2066}', '\u{200B}'] {
            assert!(!text.contains(c), "{c:?} reaches the terminal: {text}");
        }
    }
    // JSON keeps the exact text.
    let list = v.run(&["list", "--json"]).json();
    assert_eq!(list[0]["issuer"], "Bank\u{202E}moc.evil");
    assert_eq!(list[0]["name"], "anna\u{2066}x\u{200B}y👨\u{200D}👩");
}
