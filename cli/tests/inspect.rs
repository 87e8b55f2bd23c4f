//! `nyckel inspect` (no vault): RFC vectors, Steam, the exact JSON shape, bad URIs.

mod common;
use common::*;

const INSPECT_KEYS_TOTP: &[&str] =
    &["type", "issuer", "name", "algorithm", "digits", "period", "secret", "code", "warnings"];
const INSPECT_KEYS_HOTP: &[&str] =
    &["type", "issuer", "name", "algorithm", "digits", "counter", "secret", "code", "warnings"];

fn inspect(uri: &str, at: u64) -> serde_json::Value {
    let at = at.to_string();
    run_bare(&["inspect", uri, "--at", &at, "--json"]).json()
}

#[test]
fn rfc6238_sha1_eight_digits() {
    let uri = format!("otpauth://totp/ACME:anna?secret={RFC_SECRET}&digits=8");
    let v = inspect(&uri, 59);
    assert_eq!(keys(&v), expect_keys(INSPECT_KEYS_TOTP));
    assert_eq!(v["code"], "94287082");
    assert_eq!(v["type"], "totp");
    assert_eq!(v["issuer"], "ACME");
    assert_eq!(v["name"], "anna");
    assert_eq!(v["algorithm"], "SHA1");
    assert_eq!(v["digits"], 8);
    assert_eq!(v["period"], 30);
    assert_eq!(v["secret"], RFC_SECRET);
    assert_eq!(v["warnings"], serde_json::json!([]));
    for (t, code) in [
        (1_111_111_109u64, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ] {
        assert_eq!(inspect(&uri, t)["code"], code, "T={t}");
    }
}

#[test]
fn rfc6238_sha256_and_sha512() {
    let s256 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA";
    let s512 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA";
    let v = inspect(&format!("otpauth://totp/x?secret={s256}&digits=8&algorithm=SHA256"), 59);
    assert_eq!((v["code"].as_str(), v["algorithm"].as_str()), (Some("46119246"), Some("SHA256")));
    let v = inspect(&format!("otpauth://totp/x?secret={s512}&digits=8&algorithm=sha512"), 59);
    assert_eq!((v["code"].as_str(), v["algorithm"].as_str()), (Some("90693936"), Some("SHA512")));
}

#[test]
fn rfc4226_hotp_at_its_counter() {
    let expected = [
        "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871",
        "520489",
    ];
    for (counter, code) in expected.iter().enumerate() {
        let v = inspect(
            &format!("otpauth://hotp/ACME:anna?secret={RFC_SECRET}&counter={counter}"),
            12345,
        );
        assert_eq!(keys(&v), expect_keys(INSPECT_KEYS_HOTP));
        assert_eq!(v["code"], *code);
        assert_eq!(v["counter"], counter);
        assert_eq!(v["type"], "hotp");
    }
}

#[test]
fn hotp_without_counter_warns() {
    let v = inspect(&format!("otpauth://hotp/ACME:anna?secret={RFC_SECRET}"), 0);
    assert_eq!(v["code"], "755224");
    let warnings = v["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].as_str().unwrap().contains("counter"));
}

#[test]
fn steam_codes() {
    let uri = format!("otpauth://steam/Steam:gabe?secret={RFC_SECRET}&issuer=Steam");
    let v = inspect(&uri, 59);
    assert_eq!(keys(&v), expect_keys(INSPECT_KEYS_TOTP));
    assert_eq!(v["type"], "steam");
    assert_eq!(v["digits"], 5);
    assert_eq!(v["period"], 30);
    assert_eq!(v["algorithm"], "SHA1");
    let code = v["code"].as_str().unwrap();
    // Same as the core's reference implementation (covered by its own vectors).
    assert_eq!(code, nyckel_core::codes::steam(b"12345678901234567890", 59, 30).unwrap());
    assert_eq!(code.len(), 5);
    assert!(code.chars().all(|c| "23456789BCDFGHJKMNPQRTVWXY".contains(c)), "{code}");
    assert_ne!(code, inspect(&uri, 60)["code"].as_str().unwrap());
}

#[test]
fn secret_is_canonicalised() {
    let v = inspect("otpauth://totp/x?secret=gezd+gnbv-gy3t%20qojq====", 0);
    assert_eq!(v["secret"], "GEZDGNBVGY3TQOJQ");
    assert!(v["warnings"][0].as_str().unwrap().contains("80 bits"));
}

#[test]
fn human_output_groups_the_code() {
    let uri = format!("otpauth://totp/Region%20Sk%C3%A5ne:anna?secret={RFC_SECRET}&digits=8");
    let out = run_bare(&["inspect", &uri, "--at", "59"]);
    let text = out.ok();
    assert!(text.contains("9428 7082"), "{text}");
    assert!(text.contains("Region Skåne"), "{text}");
    assert!(text.contains("1 s left"), "{text}");
    assert!(!text.contains('\x1b'), "no ANSI when stdout is not a terminal");
}

#[test]
fn uri_from_stdin() {
    let out = output(
        bare(&["inspect", "-", "--at", "59", "--json"]),
        &["inspect"],
        Some(&format!("otpauth://totp/a?secret={RFC_SECRET}&digits=8\n")),
    );
    assert_eq!(out.json()["code"], "94287082");
}

#[test]
fn bad_uris_exit_2() {
    let cases = [
        ("https://example.com/login", "not an otpauth"),
        ("otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8", "nyckel import --scan"),
        ("otpauth://totp/ACME:anna", "malformed"),
        ("otpauth://totp/ACME:anna?issuer=ACME", "missing secret"),
        ("otpauth://totp/ACME:anna?secret=", "secret"),
        ("otpauth://totp/ACME:anna?secret=ABC!DEF", "base32"),
        ("otpauth://totp/ACME:anna?secret=GEZDGNBV&digits=11", "digits"),
        ("otpauth://totp/ACME:anna?secret=GEZDGNBV&algorithm=MD5", "algorithm"),
        ("otpauth://yotp/ACME:anna?secret=GEZDGNBV", "unknown OTP type"),
        ("otpauth://totp/ACME:anna?secret=GEZDGNBV&period=0", "period"),
        ("otpauth://steam/x?secret=GEZDGNBV&period=60", "steam"),
        ("not a uri at all", "otpauth"),
        ("", "otpauth"),
    ];
    for (uri, needle) in cases {
        let out = run_bare(&["inspect", uri, "--json"]);
        out.fails(2, needle);
        assert_eq!(out.stderr.lines().count(), 1, "one line for {uri:?}: {:?}", out.stderr);
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn errors_never_echo_the_secret() {
    let out = run_bare(&["inspect", "otpauth://totp/x?secret=SUPERSECRETVALUEXA&digits=99"]);
    out.fails(2, "digits");
    assert!(!out.stderr.contains("SUPERSECRET"));
}

#[test]
fn bad_arguments_are_one_line_exit_2() {
    let out = run_bare(&["inspect", "otpauth://totp/x?secret=GEZDGNBV", "--at", "-5"]);
    out.fails(2, "nyckel --help");
    assert_eq!(out.stderr.lines().count(), 1, "{:?}", out.stderr);
    let out = run_bare(&["frobnicate"]);
    out.fails(2, "unknown command");
    assert_eq!(run_bare(&["--help"]).code, 0);
    assert!(run_bare(&["--version"]).ok().contains("nyckel"));
}

#[test]
fn argument_errors_never_echo_what_was_typed() {
    // A grouped secret left unquoted, a second URI, a URI typed where the command goes,
    // a secret given to an option that takes none or a fixed set of values.
    for args in [
        &["add", "--secret", "JBSW", "Y3DP", "EHPK", "3PXP", "--issuer", "X"][..],
        &[
            "add",
            "otpauth://totp/a?secret=GEZDGNBVGY3TQOJQ",
            "otpauth://totp/b?secret=JBSWY3DPEHPK3PXP",
        ],
        &["otpauth://totp/b?secret=JBSWY3DPEHPK3PXP"],
        &["inspect", "--json=JBSWY3DPEHPK3PXP", "otpauth://totp/a?secret=GEZDGNBVGY3TQOJQ"],
        &["add", "--secret", "X", "--issuer", "X", "--type", "JBSWY3DPEHPK3PXP"],
    ] {
        let out = run_bare(args);
        out.fails(2, "nyckel --help");
        assert_eq!(out.stderr.lines().count(), 1, "{:?}", out.stderr);
        for secret in ["EHPK", "JBSW", "GEZD"] {
            assert!(
                !out.stderr.contains(secret),
                "`nyckel {}` echoes a value: {:?}",
                args.join(" "),
                out.stderr
            );
        }
    }
    run_bare(&["add", "--secret", "JBSW", "Y3DP", "EHPK", "3PXP", "--issuer", "X"])
        .fails(2, "unexpected extra argument (quote values that contain spaces)");
    // Option names are still named.
    run_bare(&["add", "--secrte", "X"])
        .fails(2, "unknown option '--secrte'; did you mean '--secret'?");
    run_bare(&["add", "--secret", "X", "--type", "totpp"])
        .fails(2, "invalid value for '--type <TYPE>' (possible values: totp, hotp, steam)");
}
