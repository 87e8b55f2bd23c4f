//! Tests for the otpauth parser and canonical URI.
//!
//! Hostile cases follow `shared/reference/security.md` ("otpauth" and "base32"), peer
//! behaviour and vectors follow `shared/reference/formats.md`; each case is its own test.

use proptest::prelude::*;

use super::*;

/// `12345678901234567890` (20 bytes) in base32.
const S20: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const S20_BYTES: &[u8] = b"12345678901234567890";

fn ok(uri: &str) -> ParsedUri {
    match parse(uri) {
        Ok(p) => p,
        Err(e) => panic!("{uri} was rejected: {e}"),
    }
}

fn err(uri: &str) -> ParseError {
    match parse(uri) {
        Ok(p) => panic!("{uri} was accepted: {p:?}"),
        Err(e) => e,
    }
}

/// A TOTP URI with the 20-byte secret and `params` appended.
fn totp_with(params: &str) -> String {
    format!("otpauth://totp/Issuer:name?secret={S20}{params}")
}

fn invalid_number(uri: &str) -> (&'static str, String, &'static str) {
    match err(uri) {
        ParseError::InvalidNumber { name, value, reason } => (name, value, reason),
        other => panic!("{uri}: expected InvalidNumber, got {other:?}"),
    }
}

// ---------------------------------------------------------------- basic syntax

#[test]
fn google_wiki_example() {
    let p = ok("otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example");
    assert_eq!(p.params.kind, OtpKind::Totp);
    assert_eq!(p.params.issuer, "Example");
    assert_eq!(p.params.name, "alice@google.com");
    assert_eq!(p.params.secret.as_bytes(), b"Hello!\xde\xad\xbe\xef");
    assert_eq!(p.warnings, vec![Warning::ShortSecret { bits: 80 }]);
}

#[test]
fn defaults_are_sha1_six_digits_thirty_seconds() {
    let p = ok(&format!("otpauth://totp/name?secret={S20}")).params;
    assert_eq!(p.algorithm, Algorithm::Sha1);
    assert_eq!(p.digits, DEFAULT_DIGITS);
    assert_eq!(p.period, DEFAULT_PERIOD);
    assert_eq!(p.counter, 0);
    assert!(p.extra.is_empty());
    assert_eq!(p.secret.as_bytes(), S20_BYTES);
}

#[test]
fn no_warnings_for_a_clean_uri() {
    assert_eq!(ok(&totp_with("&issuer=Issuer")).warnings, vec![]);
}

#[test]
fn scheme_and_type_are_case_insensitive() {
    for uri in [
        format!("OTPAUTH://TOTP/x?secret={S20}"),
        format!("OtpAuth://Totp/x?secret={S20}"),
        format!("otpauth://HOTP/x?secret={S20}&counter=3"),
        format!("otpauth://Steam/x?secret={S20}"),
    ] {
        ok(&uri);
    }
    assert_eq!(ok(&format!("otpauth://HOTP/x?secret={S20}&counter=3")).params.kind, OtpKind::Hotp);
    assert_eq!(ok(&format!("otpauth://Steam/x?secret={S20}")).params.kind, OtpKind::Steam);
}

#[test]
fn algorithm_is_case_insensitive() {
    assert_eq!(ok(&totp_with("&algorithm=sha256")).params.algorithm, Algorithm::Sha256);
    assert_eq!(ok(&totp_with("&algorithm=Sha512")).params.algorithm, Algorithm::Sha512);
    assert_eq!(ok(&totp_with("&algorithm=sHa1")).params.algorithm, Algorithm::Sha1);
}

#[test]
fn parameter_names_are_case_insensitive() {
    let p = ok(&format!(
        "otpauth://totp/x?Secret={S20}&ALGORITHM=SHA256&Digits=8&PERIOD=60&IsSuEr=Acme"
    ))
    .params;
    assert_eq!(p.secret.as_bytes(), S20_BYTES);
    assert_eq!((p.algorithm, p.digits, p.period), (Algorithm::Sha256, 8, 60));
    assert_eq!(p.issuer, "Acme");
    assert!(p.extra.is_empty());
}

#[test]
fn percent_encoded_parameter_names_are_decoded() {
    assert_eq!(ok(&format!("otpauth://totp/x?%73ecret={S20}")).params.secret.as_bytes(), S20_BYTES);
}

#[test]
fn surrounding_whitespace_is_ignored() {
    ok(&format!("  {}\r\n", totp_with("")));
}

#[test]
fn empty_query_pieces_and_trailing_ampersand_are_skipped() {
    let p = ok(&format!("otpauth://totp/x?&&secret={S20}&&digits=8&")).params;
    assert_eq!(p.digits, 8);
    assert!(p.extra.is_empty());
}

#[test]
fn empty_label_is_allowed() {
    let p = ok(&format!("otpauth://totp/?secret={S20}")).params;
    assert_eq!((p.issuer.as_str(), p.name.as_str()), ("", ""));
}

#[test]
fn label_may_contain_a_slash() {
    assert_eq!(ok(&format!("otpauth://totp/a/b?secret={S20}")).params.name, "a/b");
}

// ---------------------------------------------------------------- secrets (base32)

#[test]
fn lowercase_secret() {
    assert_eq!(
        ok(&format!("otpauth://totp/x?secret={}", S20.to_lowercase())).params.secret.as_bytes(),
        S20_BYTES
    );
}

#[test]
fn secret_with_padding() {
    // "foo" is MZXW6 + 3 padding characters.
    for s in ["MZXW6===", "MZXW6%3D%3D%3D", "MZXW6%3d%3d%3d", "MZXW6"] {
        let p = ok(&format!("otpauth://totp/x?secret={s}"));
        assert_eq!(p.params.secret.as_bytes(), b"foo", "{s}");
    }
}

#[test]
fn secret_with_wrong_padding_count_is_accepted() {
    for s in ["MZXW6=", "MZXW6==========", "GEZDGNBVGY3TQOJQ===="] {
        ok(&format!("otpauth://totp/x?secret={s}"));
    }
}

#[test]
fn padding_inside_the_secret_is_rejected() {
    assert!(matches!(err("otpauth://totp/x?secret=MZ=XW6"), ParseError::InvalidSecret(_)));
    assert!(matches!(err("otpauth://totp/x?secret=MZXW6=%20A"), ParseError::InvalidSecret(_)));
}

#[test]
fn secret_with_spaces_and_dashes() {
    for s in [
        "GEZD%20GNBV%20GY3T%20QOJQ%20GEZD%20GNBV%20GY3T%20QOJQ",
        "GEZD+GNBV+GY3T+QOJQ+GEZD+GNBV+GY3T+QOJQ",
        "GEZD-GNBV-GY3T-QOJQ-GEZD-GNBV-GY3T-QOJQ",
        "gezd gnbv-gy3t%09qojq+gezdgnbvgy3tqojq",
    ] {
        assert_eq!(
            ok(&format!("otpauth://totp/x?secret={s}")).params.secret.as_bytes(),
            S20_BYTES,
            "{s}"
        );
    }
}

#[test]
fn missing_secret() {
    assert_eq!(err("otpauth://totp/x?issuer=a"), ParseError::MissingSecret);
    assert_eq!(err("otpauth://totp/x?"), ParseError::MissingSecret);
}

#[test]
fn empty_secret() {
    for s in ["", "=", "====", "%20-%20", "+"] {
        assert_eq!(err(&format!("otpauth://totp/x?secret={s}")), ParseError::EmptySecret, "{s:?}");
    }
    assert_eq!(err("otpauth://totp/x?secret"), ParseError::EmptySecret);
}

#[test]
fn secret_with_invalid_characters() {
    for c in ["0", "1", "8", "9", "!", "%C3%A5", "_", "."] {
        let uri = format!("otpauth://totp/x?secret=GEZDGNB{c}");
        assert!(matches!(err(&uri), ParseError::InvalidSecret(_)), "{uri}");
    }
}

#[test]
fn secret_with_impossible_length() {
    // Unpadded lengths 1, 3 and 6 (mod 8) cannot come from whole bytes.
    for s in ["G", "GEZ", "GEZDGN", "GEZDGNBVG", "GEZDGNBVGEZ", "GEZDGNBVGEZDGN"] {
        assert_eq!(
            err(&format!("otpauth://totp/x?secret={s}")),
            ParseError::InvalidSecret("impossible length for base32"),
            "{s}"
        );
    }
}

#[test]
fn secret_with_every_possible_length() {
    for bytes in 1..=10usize {
        let secret = Secret::new(vec![0xA5; bytes]).to_base32();
        let p = ok(&format!("otpauth://totp/x?secret={secret}"));
        assert_eq!(p.params.secret.as_bytes(), vec![0xA5; bytes]);
    }
}

#[test]
fn non_canonical_trailing_bits_are_accepted_and_ignored() {
    // 0xFF is canonically "74" (trailing bits 00); "77" has trailing bits 11.
    let canonical = ok("otpauth://totp/x?secret=74").params.secret;
    let loose = ok("otpauth://totp/x?secret=77").params.secret;
    assert_eq!(canonical.as_bytes(), [0xFF]);
    assert_eq!(loose, canonical);
    // to_uri writes the canonical spelling.
    let mut p = ok("otpauth://totp/x?secret=77").params;
    p.name.clear();
    assert!(p.to_uri().contains("secret=74&"));
}

#[test]
fn terence_eden_short_secret_is_accepted_with_warning() {
    // QWERTYUIOP: 10 characters = 50 bits = 6 bytes and 2 non-zero trailing bits.
    let p = ok("otpauth://totp/x?secret=QWERTYUIOP");
    assert_eq!(p.params.secret.as_bytes(), [0x85, 0x89, 0x19, 0xe2, 0x88, 0x73]);
    assert_eq!(p.warnings, vec![Warning::ShortSecret { bits: 48 }]);
}

#[test]
fn short_secret_warning_threshold_is_128_bits() {
    let s15 = Secret::new(vec![7; 15]).to_base32();
    let s16 = Secret::new(vec![7; 16]).to_base32();
    assert_eq!(
        ok(&format!("otpauth://totp/x?secret={s15}")).warnings,
        vec![Warning::ShortSecret { bits: 120 }]
    );
    assert_eq!(ok(&format!("otpauth://totp/x?secret={s16}")).warnings, vec![]);
}

#[test]
fn long_secrets_up_to_one_kib() {
    let s100 = Secret::new(vec![1; 100]).to_base32();
    assert_eq!(ok(&format!("otpauth://totp/x?secret={s100}")).params.secret.len(), 100);
    let s1024 = Secret::new(vec![1; 1024]).to_base32();
    assert_eq!(ok(&format!("otpauth://totp/x?secret={s1024}")).params.secret.len(), 1024);
}

#[test]
fn secret_over_one_kib_is_rejected() {
    let s1025 = Secret::new(vec![1; 1025]).to_base32();
    assert_eq!(
        err(&format!("otpauth://totp/x?secret={s1025}")),
        ParseError::InvalidSecret("longer than 1024 bytes")
    );
}

#[test]
fn errors_never_echo_the_secret() {
    let secrets =
        ["GEZDGNBVGY3TQOJ0", "GEZDGNBVGY3TQOJQG", "GEZDGNBV=GY3TQOJQ", "GEZDGNBVGY3TQOJ!"];
    for s in secrets {
        let e = err(&format!("otpauth://totp/x?secret={s}"));
        for shown in [e.to_string(), format!("{e:?}")] {
            assert!(!shown.contains("GEZDGNBV"), "{shown}");
        }
    }
    let dup = err(&format!("otpauth://totp/x?secret={S20}&secret={S20}"));
    assert!(!dup.to_string().contains("GEZD"), "{dup}");
    let escape = err("otpauth://totp/x?secret=GEZDGNBV%G1");
    assert!(!escape.to_string().contains("GEZD"), "{escape}");
}

#[test]
fn debug_of_a_parsed_uri_hides_the_secret() {
    let shown = format!("{:?}", ok(&totp_with("")));
    assert!(!shown.contains("GEZD") && !shown.contains("12345678"), "{shown}");
    assert!(shown.contains("20 bytes redacted"), "{shown}");
}

// ---------------------------------------------------------------- label and issuer

#[test]
fn plus_in_query_values_is_a_space() {
    let p = ok(&format!("otpauth://totp/x?secret={S20}&issuer=Air+Canada&image=a+b")).params;
    assert_eq!(p.issuer, "Air Canada");
    assert_eq!(p.extra, vec![("image".to_owned(), "a b".to_owned())]);
}

#[test]
fn encoded_plus_in_query_values_is_a_plus() {
    assert_eq!(ok(&format!("otpauth://totp/x?secret={S20}&issuer=A%2BB")).params.issuer, "A+B");
}

#[test]
fn plus_in_the_label_is_a_space() {
    let p = ok(&format!("otpauth://totp/Air+Canada:Anna+Berg?secret={S20}")).params;
    assert_eq!((p.issuer.as_str(), p.name.as_str()), ("Air Canada", "Anna Berg"));
}

#[test]
fn encoded_plus_in_the_label_is_a_plus() {
    let p = ok(&format!("otpauth://totp/C%2B%2B:anna%2Btag@example.se?secret={S20}")).params;
    assert_eq!((p.issuer.as_str(), p.name.as_str()), ("C++", "anna+tag@example.se"));
}

#[test]
fn issuer_prefix_spellings() {
    for label in [
        "Acme:anna",
        "Acme%3Aanna",
        "Acme%3aanna",
        "Acme: anna",
        "Acme:%20anna",
        "Acme%3A+anna",
        " Acme : anna ",
    ] {
        let label = label.replace(' ', "%20");
        let p = ok(&format!("otpauth://totp/{label}?secret={S20}")).params;
        assert_eq!((p.issuer.as_str(), p.name.as_str()), ("Acme", "anna"), "{label}");
    }
}

#[test]
fn issuer_from_parameter_only() {
    let p = ok(&format!("otpauth://totp/anna?secret={S20}&issuer=Acme"));
    assert_eq!((p.params.issuer.as_str(), p.params.name.as_str()), ("Acme", "anna"));
    assert!(p.warnings.is_empty());
}

#[test]
fn issuer_parameter_and_equal_prefix() {
    let p = ok(&format!("otpauth://totp/Acme:anna?secret={S20}&issuer=Acme"));
    assert_eq!((p.params.issuer.as_str(), p.params.name.as_str()), ("Acme", "anna"));
    assert!(p.warnings.is_empty());
}

#[test]
fn issuer_parameter_and_prefix_differing_only_in_case() {
    let p = ok(&format!("otpauth://totp/ACME:anna?secret={S20}&issuer=Acme"));
    assert_eq!((p.params.issuer.as_str(), p.params.name.as_str()), ("Acme", "anna"));
    assert!(p.warnings.is_empty());
}

#[test]
fn issuer_parameter_and_different_prefix() {
    let p = ok(&format!("otpauth://totp/Google:anna@gmail.com?secret={S20}&issuer=Gmail"));
    assert_eq!(p.params.issuer, "Gmail");
    assert_eq!(p.params.name, "Google:anna@gmail.com");
    assert_eq!(
        p.warnings,
        vec![Warning::IssuerMismatch { parameter: "Gmail".into(), label_prefix: "Google".into() }]
    );
}

#[test]
fn escaped_label_with_a_different_prefix_becomes_the_whole_trimmed_name() {
    // The decoded label's own buffer becomes the name: here the whole label, trimmed.
    let p =
        ok(&format!("otpauth://totp/+%20Google%3A+anna%40gmail.com+?secret={S20}&issuer=Gmail"));
    assert_eq!(p.params.issuer, "Gmail");
    assert_eq!(p.params.name, "Google: anna@gmail.com");
    assert_eq!(
        p.warnings,
        vec![Warning::IssuerMismatch { parameter: "Gmail".into(), label_prefix: "Google".into() }]
    );
}

#[test]
fn long_secret_with_separators_across_groups() {
    let secret = Secret::new((0u8..=99).collect()).to_base32();
    let spaced: String = secret
        .chars()
        .enumerate()
        .flat_map(|(i, c)| if i % 3 == 2 { vec![c, '-'] } else { vec![c] })
        .collect();
    let p = ok(&format!("otpauth://totp/x?secret={}", spaced.to_lowercase()));
    assert_eq!(p.params.secret.as_bytes(), (0u8..=99).collect::<Vec<_>>());
}

#[test]
fn empty_issuer_parameter_means_no_issuer_parameter() {
    let p = ok(&format!("otpauth://totp/Acme:anna?secret={S20}&issuer="));
    assert_eq!((p.params.issuer.as_str(), p.params.name.as_str()), ("Acme", "anna"));
    assert!(p.warnings.is_empty());
    assert_eq!(ok(&format!("otpauth://totp/anna?secret={S20}&issuer=%20")).params.issuer, "");
}

#[test]
fn empty_prefix_means_no_issuer() {
    let p = ok(&format!("otpauth://totp/:a:b?secret={S20}")).params;
    assert_eq!((p.issuer.as_str(), p.name.as_str()), ("", "a:b"));
}

#[test]
fn only_the_first_colon_separates() {
    let p = ok(&format!("otpauth://totp/Acme:a:b?secret={S20}")).params;
    assert_eq!((p.issuer.as_str(), p.name.as_str()), ("Acme", "a:b"));
}

#[test]
fn name_and_issuer_are_trimmed() {
    let p =
        ok(&format!("otpauth://totp/%20Acme%20:%20%20anna%20?secret={S20}&issuer=+Acme+")).params;
    assert_eq!((p.issuer.as_str(), p.name.as_str()), ("Acme", "anna"));
}

#[test]
fn percent_encoded_utf8_label() {
    let p = ok(&format!(
        "otpauth://totp/Region%20Sk%C3%A5ne:%C3%A5sa%20%C3%B6berg%20%F0%9F%98%80?secret={S20}&issuer=Region%20Sk%C3%A5ne"
    ))
    .params;
    assert_eq!(p.issuer, "Region Skåne");
    assert_eq!(p.name, "åsa öberg 😀");
}

#[test]
fn raw_utf8_label() {
    let p = ok(&format!("otpauth://totp/Bänk:Åsa 🔑?secret={S20}")).params;
    assert_eq!((p.issuer.as_str(), p.name.as_str()), ("Bänk", "Åsa 🔑"));
}

#[test]
fn invalid_utf8_in_label() {
    assert_eq!(
        err(&format!("otpauth://totp/a%FFb?secret={S20}")),
        ParseError::InvalidText("the label")
    );
    assert_eq!(
        err(&format!("otpauth://totp/%C3?secret={S20}")),
        ParseError::InvalidText("the label")
    );
}

#[test]
fn nul_in_label() {
    assert_eq!(
        err(&format!("otpauth://totp/a%00b?secret={S20}")),
        ParseError::InvalidText("the label")
    );
}

#[test]
fn invalid_utf8_in_issuer() {
    assert_eq!(err(&totp_with("&issuer=%FF")), ParseError::InvalidText("the issuer"));
}

#[test]
fn nul_in_issuer() {
    assert_eq!(err(&totp_with("&issuer=Ac%00me")), ParseError::InvalidText("the issuer"));
}

#[test]
fn invalid_text_in_an_unknown_parameter() {
    assert_eq!(err(&totp_with("&image=%FF")), ParseError::InvalidParameterText("image".into()));
    assert_eq!(err(&totp_with("&image=%00")), ParseError::InvalidParameterText("image".into()));
    assert!(matches!(err(&totp_with("&im%FFage=x")), ParseError::InvalidParameterText(_)));
}

// ---------------------------------------------------------------- unknown parameters

#[test]
fn unknown_parameters_are_kept_in_order() {
    let p = ok(&totp_with(
        "&image=https%3A%2F%2Fexample.se%2Flogo.png&codeDisplay=%7B%22pinned%22%3Afalse%7D&color=&flag&image=2",
    ))
    .params;
    assert_eq!(
        p.extra,
        vec![
            ("image".into(), "https://example.se/logo.png".into()),
            ("codeDisplay".into(), "{\"pinned\":false}".into()),
            ("color".into(), String::new()),
            ("flag".into(), String::new()),
            ("image".into(), "2".into()),
        ]
    );
}

#[test]
fn parameter_without_name_is_malformed() {
    assert_eq!(err(&totp_with("&=x")), ParseError::Malformed("a parameter has no name"));
}

// ---------------------------------------------------------------- numbers

#[test]
fn digits_range() {
    assert_eq!(ok(&totp_with("&digits=1")).params.digits, 1);
    assert_eq!(ok(&totp_with("&digits=10")).params.digits, 10);
    assert_eq!(ok(&totp_with("&digits=08")).params.digits, 8);
}

#[test]
fn digits_zero() {
    assert_eq!(
        invalid_number(&totp_with("&digits=0")),
        ("digits", "0".into(), "must be between 1 and 10")
    );
}

#[test]
fn digits_eleven_and_hundred() {
    assert_eq!(invalid_number(&totp_with("&digits=11")).2, "must be between 1 and 10");
    assert_eq!(invalid_number(&totp_with("&digits=100")).2, "must be between 1 and 10");
}

#[test]
fn digits_negative() {
    assert_eq!(
        invalid_number(&totp_with("&digits=-1")),
        ("digits", "-1".into(), "must not be negative")
    );
}

#[test]
fn digits_with_sign_or_whitespace() {
    for v in ["%2B5", "+5", "%205", "5%20", "5+", "%096", "5.0", "six", "0x6", "６"] {
        assert_eq!(
            invalid_number(&totp_with(&format!("&digits={v}"))).2,
            "not a decimal number",
            "{v}"
        );
    }
}

#[test]
fn digits_empty() {
    assert_eq!(err(&totp_with("&digits=")), ParseError::EmptyParameter("digits"));
    assert_eq!(err(&totp_with("&digits")), ParseError::EmptyParameter("digits"));
}

#[test]
fn period_range() {
    assert_eq!(ok(&totp_with("&period=1")).params.period, 1);
    assert_eq!(ok(&totp_with("&period=86400")).params.period, 86400);
}

#[test]
fn period_zero() {
    assert_eq!(invalid_number(&totp_with("&period=0")).2, "must be between 1 and 86400 seconds");
}

#[test]
fn period_negative() {
    assert_eq!(
        invalid_number(&totp_with("&period=-30")),
        ("period", "-30".into(), "must not be negative")
    );
}

#[test]
fn period_too_large() {
    assert_eq!(
        invalid_number(&totp_with("&period=86401")).2,
        "must be between 1 and 86400 seconds"
    );
    // Larger than u32.
    assert_eq!(
        invalid_number(&totp_with("&period=4294967326")).2,
        "must be between 1 and 86400 seconds"
    );
    assert_eq!(
        invalid_number(&totp_with("&period=99999999999999999999999")).2,
        "larger than 18446744073709551615"
    );
}

#[test]
fn period_not_a_number() {
    assert_eq!(invalid_number(&totp_with("&period=30s")).2, "not a decimal number");
    assert_eq!(invalid_number(&totp_with("&period=thirty")).2, "not a decimal number");
}

#[test]
fn period_empty() {
    assert_eq!(err(&totp_with("&period=")), ParseError::EmptyParameter("period"));
}

#[test]
fn hotp_counter() {
    let p = ok(&format!("otpauth://hotp/x?secret={S20}&counter=42"));
    assert_eq!(p.params.counter, 42);
    assert!(p.warnings.is_empty());
}

#[test]
fn hotp_counter_at_u64_max() {
    assert_eq!(
        ok(&format!("otpauth://hotp/x?secret={S20}&counter=18446744073709551615")).params.counter,
        u64::MAX
    );
}

#[test]
fn hotp_counter_over_u64() {
    let (name, _, reason) =
        invalid_number(&format!("otpauth://hotp/x?secret={S20}&counter=18446744073709551616"));
    assert_eq!((name, reason), ("counter", "larger than 18446744073709551615"));
}

#[test]
fn hotp_counter_negative_or_not_a_number() {
    assert_eq!(
        invalid_number(&format!("otpauth://hotp/x?secret={S20}&counter=-1")).2,
        "must not be negative"
    );
    assert_eq!(
        invalid_number(&format!("otpauth://hotp/x?secret={S20}&counter=1e3")).2,
        "not a decimal number"
    );
    assert_eq!(
        invalid_number(&format!("otpauth://hotp/x?secret={S20}&counter=+1")).2,
        "not a decimal number"
    );
}

#[test]
fn hotp_counter_empty() {
    assert_eq!(
        err(&format!("otpauth://hotp/x?secret={S20}&counter=")),
        ParseError::EmptyParameter("counter")
    );
}

#[test]
fn hotp_without_counter_assumes_zero() {
    let p = ok(&format!("otpauth://hotp/x?secret={S20}"));
    assert_eq!(p.params.counter, 0);
    assert_eq!(p.warnings, vec![Warning::MissingCounter]);
}

#[test]
fn hotp_ignores_period_but_validates_it() {
    let p = ok(&format!("otpauth://hotp/x?secret={S20}&counter=1&period=60")).params;
    assert_eq!(p.period, DEFAULT_PERIOD);
    assert!(matches!(
        err(&format!("otpauth://hotp/x?secret={S20}&counter=1&period=0")),
        ParseError::InvalidNumber { .. }
    ));
}

#[test]
fn totp_ignores_counter_but_validates_it() {
    assert_eq!(ok(&totp_with("&counter=5")).params.counter, 0);
    assert!(matches!(err(&totp_with("&counter=x")), ParseError::InvalidNumber { .. }));
}

// ---------------------------------------------------------------- algorithm

#[test]
fn algorithm_sha_dash_1_is_rejected() {
    assert_eq!(err(&totp_with("&algorithm=SHA-1")), ParseError::UnknownAlgorithm("SHA-1".into()));
    assert_eq!(
        err(&totp_with("&algorithm=sha-256")),
        ParseError::UnknownAlgorithm("sha-256".into())
    );
}

#[test]
fn algorithm_md5_is_rejected() {
    assert_eq!(err(&totp_with("&algorithm=MD5")), ParseError::UnknownAlgorithm("MD5".into()));
}

#[test]
fn algorithm_with_spaces_is_rejected() {
    assert_eq!(err(&totp_with("&algorithm=SHA1+")), ParseError::UnknownAlgorithm("SHA1 ".into()));
}

#[test]
fn algorithm_empty() {
    assert_eq!(err(&totp_with("&algorithm=")), ParseError::EmptyParameter("algorithm"));
}

// ---------------------------------------------------------------- duplicates

#[test]
fn duplicate_secret() {
    assert_eq!(
        err(&totp_with(&format!("&secret={S20}"))),
        ParseError::DuplicateParameter("secret".into())
    );
}

#[test]
fn duplicate_parameters_differing_in_case() {
    assert_eq!(
        err(&totp_with(&format!("&SECRET={S20}"))),
        ParseError::DuplicateParameter("secret".into())
    );
    assert_eq!(
        err(&totp_with("&digits=6&Digits=6")),
        ParseError::DuplicateParameter("digits".into())
    );
    assert_eq!(
        err(&totp_with("&issuer=a&ISSUER=a")),
        ParseError::DuplicateParameter("issuer".into())
    );
    assert_eq!(
        err(&totp_with("&algorithm=SHA1&algorithm=SHA1")),
        ParseError::DuplicateParameter("algorithm".into())
    );
    assert_eq!(
        err(&totp_with("&period=30&period=30")),
        ParseError::DuplicateParameter("period".into())
    );
    assert_eq!(
        err(&totp_with("&counter=1&counter=2")),
        ParseError::DuplicateParameter("counter".into())
    );
}

// ---------------------------------------------------------------- structure

#[test]
fn https_qr_is_another_scheme() {
    assert_eq!(
        err("https://example.se/enroll?secret=GEZDGNBV"),
        ParseError::WrongScheme("https".into())
    );
}

#[test]
fn migration_qr_is_another_scheme() {
    assert_eq!(
        err("otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8%3D"),
        ParseError::WrongScheme("otpauth-migration".into())
    );
}

#[test]
fn other_authenticator_schemes() {
    for (uri, scheme) in [
        ("steam://GEZDGNBV", "steam"),
        ("motp://x?secret=abc", "motp"),
        ("apple-otpauth://totp/x?secret=GEZDGNBV", "apple-otpauth"),
        ("HTTP://example.se", "http"),
    ] {
        assert_eq!(err(uri), ParseError::WrongScheme(scheme.into()), "{uri}");
    }
}

#[test]
fn not_a_uri_at_all() {
    for s in ["", "GEZDGNBVGY3TQOJQ", "  ", "://totp", "1otpauth://totp/x?secret=A", "ö://x"] {
        assert!(matches!(err(s), ParseError::Malformed(_)), "{s:?}");
    }
}

#[test]
fn missing_double_slash() {
    assert!(matches!(err(&format!("otpauth:totp/x?secret={S20}")), ParseError::Malformed(_)));
    assert!(matches!(err(&format!("otpauth:/totp/x?secret={S20}")), ParseError::Malformed(_)));
}

#[test]
fn unknown_type() {
    assert_eq!(
        err(&format!("otpauth://yaotp/x?secret={S20}&pin=1234")),
        ParseError::UnknownType("yaotp".into())
    );
    assert_eq!(
        err(&format!("otpauth://motp/x?secret={S20}")),
        ParseError::UnknownType("motp".into())
    );
}

#[test]
fn missing_type() {
    assert!(matches!(err(&format!("otpauth:///x?secret={S20}")), ParseError::Malformed(_)));
}

#[test]
fn missing_slash_after_type() {
    let e = ParseError::Malformed("missing '/' after the type");
    assert_eq!(err(&format!("otpauth://totp?secret={S20}")), e);
    assert_eq!(err(&format!("otpauth://totp?secret={S20}&x=a/b")), e);
    assert_eq!(err("otpauth://totp"), e);
}

#[test]
fn missing_question_mark() {
    let e = ParseError::Malformed("missing '?' before the parameters");
    assert_eq!(err("otpauth://totp/x"), e);
    assert_eq!(err(&format!("otpauth://totp/x&secret={S20}")), e);
}

#[test]
fn too_long() {
    // A canonical URI (as Nyckel writes it) of exactly the limit parses and writes back the same.
    let mut params = ok(&totp_with("&pad=")).params;
    let fill = MAX_URI_LEN - params.to_uri().len();
    params.extra = vec![("pad".into(), "a".repeat(fill))];
    let exact = params.to_uri();
    assert_eq!(exact.len(), MAX_URI_LEN);
    assert_eq!(ok(&exact).params.to_uri(), exact);
    let over = format!("{exact}a");
    assert_eq!(err(&over), ParseError::TooLong { len: MAX_URI_LEN + 1, max: MAX_URI_LEN });
    assert!(matches!(err(&"x".repeat(1 << 20)), ParseError::TooLong { .. }));
}

/// Found by the `otpauth` fuzz target: labels that fit the input limit raw but not once
/// percent-encoded (and the issuer repeated) parsed into an account no URI can carry, so the
/// vault refused it and no export could write it.
#[test]
fn an_account_too_long_to_write_back_is_refused() {
    let issuer = "é".repeat(700);
    let uri = format!("otpauth://totp/{issuer}:anna?secret={S20}");
    assert!(uri.len() <= MAX_URI_LEN);
    match err(&uri) {
        ParseError::CanonicalTooLong { len, max } => assert!(len > max && max == MAX_URI_LEN),
        other => panic!("{other:?}"),
    }
    // Whatever parses is written back within the limit.
    let fits = format!("otpauth://totp/{}:anna?secret={S20}", "é".repeat(300));
    let parsed = ok(&fits);
    assert!(parsed.params.to_uri().len() <= MAX_URI_LEN);
    assert_eq!(parse(&parsed.params.to_uri()).unwrap().params, parsed.params);
}

#[test]
fn bad_percent_escapes() {
    for uri in [
        format!("otpauth://totp/a%G1?secret={S20}"),
        format!("otpauth://totp/a%4?secret={S20}"),
        format!("otpauth://totp/a%?secret={S20}"),
        format!("otpauth://totp/x?secret={S20}%G1"),
        format!("otpauth://totp/x?secret={S20}&issuer=%4"),
        format!("otpauth://totp/x?secret={S20}&issuer=%"),
        format!("otpauth://totp/x?secret={S20}&image=%zz"),
        format!("otpauth://totp/x?secret={S20}&ima%4ge=1"),
        format!("otpauth://totp/x?secret={S20}&digits=%4"),
    ] {
        assert!(matches!(err(&uri), ParseError::InvalidEscape(_)), "{uri}");
    }
}

#[test]
fn bad_escape_errors_name_the_place() {
    assert_eq!(
        err(&format!("otpauth://totp/a%G1?secret={S20}")).to_string(),
        "invalid percent escape in the label (a '%' must be followed by two hex digits)"
    );
    assert!(err(&totp_with("&issuer=%4")).to_string().contains("parameter \"issuer\""));
    assert!(err(&totp_with("&image=%4")).to_string().contains("parameter \"image\""));
}

#[test]
fn errors_are_one_line_and_short() {
    let long = "y".repeat(1000);
    for uri in [
        format!("otpauth://to\ntp/x?secret={S20}"),
        format!("otpauth://{long}/x?secret={S20}"),
        totp_with("&digits=%0A%0D5"),
        totp_with(&format!("&algorithm={long}")),
        totp_with("&algorithm=SHA%0A1"),
        totp_with("&x%0Ay=%FF"),
    ] {
        let shown = err(&uri).to_string();
        assert!(!shown.contains('\n') && !shown.contains('\r'), "{shown:?}");
        assert!(shown.chars().count() < 200, "{shown}");
    }
}

#[test]
fn every_error_renders_as_one_line() {
    let errors = [
        ParseError::TooLong { len: 5000, max: MAX_URI_LEN },
        ParseError::WrongScheme("https".into()),
        ParseError::Malformed("missing '?' before the parameters"),
        ParseError::UnknownType("yaotp".into()),
        ParseError::MissingSecret,
        ParseError::EmptySecret,
        ParseError::InvalidSecret("impossible length for base32"),
        ParseError::InvalidNumber {
            name: "digits",
            value: "0".into(),
            reason: "must be between 1 and 10",
        },
        ParseError::UnknownAlgorithm("MD5".into()),
        ParseError::DuplicateParameter("secret".into()),
        ParseError::InvalidText("the label"),
        ParseError::InvalidEscape("the label".into()),
        ParseError::EmptyParameter("digits"),
        ParseError::InvalidParameterText("image".into()),
        ParseError::SteamConflict { name: "algorithm", value: "SHA256".into() },
    ];
    for e in errors {
        let shown = e.to_string();
        assert!(!shown.is_empty() && !shown.contains('\n'), "{shown}");
    }
}

// ---------------------------------------------------------------- steam

#[test]
fn steam_defaults() {
    let p = ok(&format!("otpauth://steam/Steam:anna?secret={S20}")).params;
    assert_eq!(p.kind, OtpKind::Steam);
    assert_eq!(
        (p.algorithm, p.digits, p.period, p.counter),
        (Algorithm::Sha1, STEAM_DIGITS, 30, 0)
    );
}

#[test]
fn steam_ignores_digits() {
    assert_eq!(ok(&format!("otpauth://steam/x?secret={S20}&digits=6")).params.digits, STEAM_DIGITS);
    assert_eq!(ok(&format!("otpauth://steam/x?secret={S20}&digits=5")).params.digits, STEAM_DIGITS);
    // ... but a broken digits value is still an error.
    assert!(matches!(
        err(&format!("otpauth://steam/x?secret={S20}&digits=0")),
        ParseError::InvalidNumber { .. }
    ));
}

#[test]
fn steam_accepts_sha1_and_thirty_seconds() {
    let p = ok(&format!("otpauth://steam/x?secret={S20}&algorithm=sha1&period=30")).params;
    assert_eq!((p.algorithm, p.period), (Algorithm::Sha1, 30));
}

#[test]
fn steam_rejects_other_algorithms() {
    assert_eq!(
        err(&format!("otpauth://steam/x?secret={S20}&algorithm=SHA256")),
        ParseError::SteamConflict { name: "algorithm", value: "SHA256".into() }
    );
    assert!(matches!(
        err(&format!("otpauth://steam/x?secret={S20}&algorithm=MD5")),
        ParseError::UnknownAlgorithm(_)
    ));
}

#[test]
fn steam_rejects_other_periods() {
    assert_eq!(
        err(&format!("otpauth://steam/x?secret={S20}&period=60")),
        ParseError::SteamConflict { name: "period", value: "60".into() }
    );
}

// ---------------------------------------------------------------- codes from parsed URIs

#[test]
fn terence_eden_vectors() {
    const T: u64 = 1_741_011_292;
    for (params, code) in [
        ("", "419231"),
        ("&algorithm=SHA256", "878984"),
        ("&algorithm=SHA512", "560428"),
        ("&digits=1&period=300", "7"),
    ] {
        let p = ok(&format!("otpauth://totp/Edent?secret=QWERTYUIOP{params}")).params;
        assert_eq!(p.code_at(T).unwrap().value, code, "{params}");
    }
}

#[test]
fn terence_eden_invalid_cases() {
    assert!(matches!(
        err("otpauth://totp/Edent?secret=QWERTYUIOP&algorithm=SHA-1"),
        ParseError::UnknownAlgorithm(_)
    ));
    assert!(matches!(
        err("otpauth://totp/Edent?secret=QWERTYUIOP&period=0"),
        ParseError::InvalidNumber { .. }
    ));
    assert!(matches!(
        err("otpauth://totp/Edent?secret=QWERTYUIOP&period=-30"),
        ParseError::InvalidNumber { .. }
    ));
    assert_eq!(err("otpauth://totp/Edent?secret="), ParseError::EmptySecret);
}

// ---------------------------------------------------------------- canonical URI

#[test]
fn canonical_totp_uri() {
    let mut p =
        OtpParams::totp(Secret::new(S20_BYTES.to_vec()), "Region Skåne", "anna+1@example.se");
    p.extra.push(("image".into(), "https://x.se/a b.png".into()));
    assert_eq!(
        p.to_uri(),
        "otpauth://totp/Region%20Sk%C3%A5ne:anna%2B1%40example.se?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
         &issuer=Region%20Sk%C3%A5ne&algorithm=SHA1&digits=6&period=30&image=https%3A%2F%2Fx.se%2Fa%20b.png"
    );
}

#[test]
fn canonical_hotp_uri_has_counter_not_period() {
    let mut p = OtpParams::totp(Secret::new(S20_BYTES.to_vec()), "", "anna");
    p.kind = OtpKind::Hotp;
    p.counter = u64::MAX;
    assert_eq!(
        p.to_uri(),
        format!(
            "otpauth://hotp/anna?secret={S20}&algorithm=SHA1&digits=6&counter=18446744073709551615"
        )
    );
}

#[test]
fn canonical_steam_uri() {
    let mut p = OtpParams::totp(Secret::new(S20_BYTES.to_vec()), "Steam", "anna");
    p.kind = OtpKind::Steam;
    p.digits = STEAM_DIGITS;
    assert_eq!(
        p.to_uri(),
        format!("otpauth://steam/Steam:anna?secret={S20}&issuer=Steam&algorithm=SHA1&digits=5&period=30")
    );
}

#[test]
fn canonical_form_of_a_messy_uri() {
    let messy = "OTPAUTH://TOTP/Acme%3A+anna?SECRET=gezd-gnbv-gy3t-qojq-gezd-gnbv-gy3t-qojq%3D%3D&algorithm=sha256&image=x";
    assert_eq!(
        ok(messy).params.to_uri(),
        format!("otpauth://totp/Acme:anna?secret={S20}&issuer=Acme&algorithm=SHA256&digits=6&period=30&image=x")
    );
}

#[test]
fn round_trip_issuer_with_colon() {
    let p = OtpParams::totp(Secret::new(S20_BYTES.to_vec()), "A:B", "anna");
    assert_eq!(
        p.to_uri(),
        format!("otpauth://totp/anna?secret={S20}&issuer=A%3AB&algorithm=SHA1&digits=6&period=30")
    );
    assert_eq!(ok(&p.to_uri()), ParsedUri { params: p, warnings: vec![] });
}

#[test]
fn round_trip_issuer_and_name_with_colons() {
    let p = OtpParams::totp(Secret::new(S20_BYTES.to_vec()), "A:B", "c:d");
    assert_eq!(ok(&p.to_uri()), ParsedUri { params: p, warnings: vec![] });
}

#[test]
fn round_trip_name_with_colon_and_no_issuer() {
    let p = OtpParams::totp(Secret::new(S20_BYTES.to_vec()), "", "a:b");
    assert!(p.to_uri().starts_with("otpauth://totp/:a%3Ab?"));
    assert_eq!(ok(&p.to_uri()), ParsedUri { params: p, warnings: vec![] });
}

#[test]
fn round_trip_after_issuer_mismatch() {
    let first = ok(&format!("otpauth://totp/Google:anna?secret={S20}&issuer=Gmail"));
    assert_eq!(first.warnings.len(), 1);
    let again = ok(&first.params.to_uri());
    assert_eq!(again.params, first.params);
    assert!(again.warnings.is_empty());
}

#[test]
fn to_uri_trims_like_parse_does() {
    // Untrimmed names are not canonical: parsing trims them (documented in docs/otpauth.md).
    let p = OtpParams::totp(Secret::new(S20_BYTES.to_vec()), " Acme ", "  anna ");
    let back = ok(&p.to_uri()).params;
    assert_eq!((back.issuer.as_str(), back.name.as_str()), ("Acme", "anna"));
}

#[test]
fn to_uri_leaves_out_extras_that_cannot_round_trip() {
    let mut p = OtpParams::totp(Secret::new(S20_BYTES.to_vec()), "", "anna");
    p.extra =
        vec![("Secret".into(), "x".into()), (String::new(), "y".into()), ("ok".into(), "z".into())];
    let uri = p.to_uri();
    assert!(uri.ends_with("&period=30&ok=z"), "{uri}");
    assert_eq!(ok(&uri).params.extra, vec![("ok".to_owned(), "z".to_owned())]);
}

#[test]
fn to_uri_uses_only_safe_characters() {
    let mut p = OtpParams::totp(Secret::new(vec![9; 20]), "a&b=c?d#e/f%g+h i", "ä😀:\t\"<>");
    p.extra.push(("k&=".into(), "v&=?#%+ ".into()));
    let uri = p.to_uri();
    let body = uri.strip_prefix("otpauth://totp/").unwrap();
    assert!(body.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%:?&=".contains(&b)), "{uri}");
    assert_eq!(ok(&uri).params, p);
}

// ---------------------------------------------------------------- shared fixtures

/// Where `../shared/fixtures` is relative to this crate, if it is there.
fn fixtures_dir() -> Option<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures");
    dir.is_dir().then_some(dir)
}

/// The ground truth of `aegis-testdata/README.md`: (secret, kind, issuer, name, algorithm,
/// digits, period or counter).
const GROUND_TRUTH: [(&str, OtpKind, &str, &str, Algorithm, u8, u64); 7] = [
    ("4SJHB4GSD43FZBAI7C2HLRJGPQ", OtpKind::Totp, "Deno", "Mason", Algorithm::Sha1, 6, 30),
    ("5OM4WOOGPLQEF6UGN3CPEOOLWU", OtpKind::Totp, "SPDX", "James", Algorithm::Sha256, 7, 20),
    ("7ELGJSGXNCCTV3O6LKJWYFV2RA", OtpKind::Totp, "Airbnb", "Elijah", Algorithm::Sha512, 8, 50),
    ("YOOMIXWS5GN6RTBPUFFWKTW5M4", OtpKind::Hotp, "Issuu", "James", Algorithm::Sha1, 6, 1),
    (
        "KUVJJOM753IHTNDSZVCNKL7GII",
        OtpKind::Hotp,
        "Air Canada",
        "Benjamin",
        Algorithm::Sha256,
        7,
        50,
    ),
    ("5VAML3X35THCEBVRLV24CGBKOY", OtpKind::Hotp, "WWE", "Mason", Algorithm::Sha512, 8, 10300),
    ("JRZCL47CMXVOQMNPZR2F7J4RGI", OtpKind::Steam, "Boeing", "Sophia", Algorithm::Sha1, 5, 30),
];

/// Parses every line of a fixture file and checks it against the ground truth.
fn check_fixture_file(path: &std::path::Path, extra_parameter: Option<&str>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut seen = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let parsed = ok(line);
        let p = &parsed.params;
        assert!(parsed.warnings.is_empty(), "{line}: {:?}", parsed.warnings);
        let truth = GROUND_TRUTH
            .iter()
            .find(|t| Secret::new(p.secret.as_bytes().to_vec()).to_base32() == t.0)
            .unwrap_or_else(|| panic!("{line}: secret not in the ground truth"));
        let (_, kind, issuer, name, algorithm, digits, number) = *truth;
        assert_eq!((p.kind, p.issuer.as_str(), p.name.as_str()), (kind, issuer, name), "{line}");
        assert_eq!((p.algorithm, p.digits), (algorithm, digits), "{line}");
        match kind {
            OtpKind::Hotp => assert_eq!(p.counter, number, "{line}"),
            _ => assert_eq!(u64::from(p.period), number, "{line}"),
        }
        let extra_names: Vec<&str> = p.extra.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(extra_names, extra_parameter.into_iter().collect::<Vec<_>>(), "{line}");
        assert_eq!(ok(&p.to_uri()).params, *p, "{line}");
        seen += 1;
    }
    assert_eq!(seen, 7, "{}", path.display());
}

/// Writes straight to stderr: unlike `eprintln!`, not swallowed by the test harness's
/// output capture, so a skip is visible in a plain `cargo test` run.
fn visible_note(note: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{note}");
}

#[test]
fn shared_fixture_uris_match_the_ground_truth() {
    let Some(dir) = fixtures_dir() else {
        visible_note("SKIPPED: ../shared/fixtures not found (otpauth shared_fixture_uris_match_the_ground_truth)");
        return;
    };
    let dir = dir.join("import/aegis-testdata");
    check_fixture_file(&dir.join("plain.txt"), None);
    check_fixture_file(&dir.join("ente_auth.txt"), Some("codeDisplay"));
}

// ---------------------------------------------------------------- properties

/// Characters that stress the encoder and the label rules.
fn tricky_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => prop::sample::select(vec![
            'a', 'Z', '0', ' ', ':', '+', '%', '&', '=', '?', '/', '#', '-', '.', '~', '@',
            'å', 'ä', 'ö', 'Å', '😀', '🔑', '\u{a0}', '\t', '\n', '"', '\'', '\u{7f}',
        ]),
        1 => any::<char>().prop_filter("no NUL", |c| *c != '\0'),
    ]
}

/// A text field as parsing leaves it: trimmed (leading/trailing whitespace cannot survive).
fn text_field() -> impl Strategy<Value = String> {
    prop::collection::vec(tricky_char(), 0..16)
        .prop_map(|cs| cs.into_iter().collect::<String>().trim().to_owned())
}

/// An extra parameter whose name is none of the known ones.
fn extra_param() -> impl Strategy<Value = (String, String)> {
    let name = prop::collection::vec(tricky_char(), 1..10)
        .prop_map(|cs| cs.into_iter().collect::<String>())
        .prop_filter("not a known parameter", |n| {
            !n.is_empty()
                && !["secret", "issuer", "algorithm", "digits", "period", "counter"]
                    .iter()
                    .any(|k| k.eq_ignore_ascii_case(n))
        });
    let value = prop::collection::vec(tricky_char(), 0..20).prop_map(|cs| cs.into_iter().collect());
    (name, value)
}

/// Any valid account, with the fields its kind does not use at their defaults.
fn any_params() -> impl Strategy<Value = OtpParams> {
    let kind = prop::sample::select(vec![OtpKind::Totp, OtpKind::Hotp, OtpKind::Steam]);
    let algorithm =
        prop::sample::select(vec![Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512]);
    (
        (kind, prop::collection::vec(any::<u8>(), 1..=64), text_field(), text_field()),
        (algorithm, 1u8..=10, 1u32..=86_400, any::<u64>()),
        prop::collection::vec(extra_param(), 0..4),
    )
        .prop_map(
            |((kind, secret, issuer, name), (algorithm, digits, period, counter), extra)| {
                let mut p = OtpParams {
                    kind,
                    secret: Secret::new(secret),
                    issuer,
                    name,
                    algorithm,
                    digits,
                    period,
                    counter,
                    extra,
                };
                match kind {
                    OtpKind::Totp => p.counter = 0,
                    OtpKind::Hotp => p.period = DEFAULT_PERIOD,
                    OtpKind::Steam => {
                        p.counter = 0;
                        p.period = DEFAULT_PERIOD;
                        p.digits = STEAM_DIGITS;
                        p.algorithm = Algorithm::Sha1;
                    }
                }
                p
            },
        )
}

/// A small edit to a valid URI: insert, delete or replace one byte-ish piece.
fn mutate(uri: &str, edits: &[(usize, u8, char)]) -> String {
    let mut chars: Vec<char> = uri.chars().collect();
    for &(pos, op, c) in edits {
        let i = pos % (chars.len() + 1);
        match op % 3 {
            0 => chars.insert(i, c),
            1 if i < chars.len() => {
                chars.remove(i);
            }
            _ if i < chars.len() => chars[i] = c,
            _ => chars.push(c),
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// parse(to_uri(x)) == x, with no warning but ShortSecret for secrets under 128 bits.
    #[test]
    fn round_trip(p in any_params()) {
        let uri = p.to_uri();
        let parsed = parse(&uri).map_err(|e| TestCaseError::fail(format!("{uri}: {e}")))?;
        prop_assert_eq!(&parsed.params, &p, "{}", uri);
        let expected = if p.secret.len() < 16 {
            vec![Warning::ShortSecret { bits: p.secret.len() * 8 }]
        } else {
            vec![]
        };
        prop_assert_eq!(parsed.warnings, expected);
        // The canonical form is a fixed point.
        prop_assert_eq!(parsed.params.to_uri(), uri);
    }

    /// Arbitrary input never panics.
    #[test]
    fn arbitrary_strings_never_panic(s in ".{0,300}") {
        let _ = parse(&s);
    }

    /// Arbitrary input that looks like a URI never panics.
    #[test]
    fn uri_shaped_strings_never_panic(s in "(?i)otpauth://(totp|hotp|steam|x)?/?[ -~%:åäö😀]{0,80}\\??[ -~%=&+]{0,120}") {
        let _ = parse(&s);
    }

    /// Mutations of valid URIs never panic, and whatever they parse to round-trips exactly.
    #[test]
    fn mutated_uris_never_panic(
        p in any_params(),
        edits in prop::collection::vec((any::<usize>(), any::<u8>(), prop_oneof![
            prop::sample::select(vec!['%', '=', '&', ':', '+', '?', '/', '\0', 'é', '-', ' ', '0', 'F']),
            any::<char>(),
        ]), 1..6),
    ) {
        let uri = mutate(&p.to_uri(), &edits);
        if let Ok(parsed) = parse(&uri) {
            let canonical = parsed.params.to_uri();
            let again = parse(&canonical).map_err(|e| TestCaseError::fail(format!("{uri} → {canonical}: {e}")))?;
            prop_assert_eq!(again.params, parsed.params, "{}", uri);
        }
    }
}
