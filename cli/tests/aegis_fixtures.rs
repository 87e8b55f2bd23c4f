//! Real-world otpauth URIs from the Aegis importer test data (shared fixtures, read in
//! place, never copied): every line of plain.txt is added with `nyckel add`, and
//! `list --json` must match the README's ground truth.

mod common;
#[path = "common/fixtures.rs"]
mod fixtures;

use common::*;
use fixtures::{aegis_testdata, GROUND_TRUTH};

#[test]
fn aegis_plain_txt_matches_ground_truth() {
    let Some(dir) = aegis_testdata("aegis_plain_txt_matches_ground_truth") else { return };
    let path = dir.join("plain.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let uris: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    assert_eq!(uris.len(), GROUND_TRUTH.len());

    let v = TestVault::new();
    for uri in &uris {
        let out = v.run(&["add", uri]);
        out.ok();
    }
    let list = v.run(&["list", "--json"]).json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), GROUND_TRUTH.len());
    for (account, (_, kind, issuer, name, algorithm, digits, period_or_counter)) in
        list.iter().zip(GROUND_TRUTH)
    {
        assert_eq!(account["type"], kind, "{account}");
        assert_eq!(account["issuer"], issuer, "{account}");
        assert_eq!(account["name"], name, "{account}");
        assert_eq!(account["algorithm"], algorithm, "{account}");
        assert_eq!(account["digits"], digits, "{account}");
        let key = if kind == "hotp" { "counter" } else { "period" };
        assert_eq!(account[key], period_or_counter, "{account}");
        assert!(account.get("secret").is_none());
    }

    // Each URI's secret survives: show-qr --uri gives it back canonically, and inspect agrees.
    for (account, uri) in list.iter().zip(&uris) {
        let secret = uri.split("secret=").nth(1).unwrap().split('&').next().unwrap();
        let exported =
            v.run(&["show-qr", &account["id"].to_string(), "--uri"]).ok().trim().to_owned();
        assert!(exported.contains(&format!("secret={secret}")), "{exported}");
        assert_eq!(run_bare(&["inspect", uri, "--json"]).json()["secret"], secret);
    }
}
