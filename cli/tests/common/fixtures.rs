//! The shared fixtures from other apps (`../shared/fixtures`, read in place, never copied)
//! and the ground truth of `import/aegis-testdata/README.md`.
#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;

/// One ground-truth row: (secret, type, issuer, name, algorithm, digits, period or counter).
pub type Row = (&'static str, &'static str, &'static str, &'static str, &'static str, u64, u64);

/// The seven accounts every file of `aegis-testdata` exports (its README's table).
pub const GROUND_TRUTH: [Row; 7] = [
    ("4SJHB4GSD43FZBAI7C2HLRJGPQ", "totp", "Deno", "Mason", "SHA1", 6, 30),
    ("5OM4WOOGPLQEF6UGN3CPEOOLWU", "totp", "SPDX", "James", "SHA256", 7, 20),
    ("7ELGJSGXNCCTV3O6LKJWYFV2RA", "totp", "Airbnb", "Elijah", "SHA512", 8, 50),
    ("YOOMIXWS5GN6RTBPUFFWKTW5M4", "hotp", "Issuu", "James", "SHA1", 6, 1),
    ("KUVJJOM753IHTNDSZVCNKL7GII", "hotp", "Air Canada", "Benjamin", "SHA256", 7, 50),
    ("5VAML3X35THCEBVRLV24CGBKOY", "hotp", "WWE", "Mason", "SHA512", 8, 10300),
    ("JRZCL47CMXVOQMNPZR2F7J4RGI", "steam", "Boeing", "Sophia", "SHA1", 5, 30),
];

/// Ground-truth rows by their 1-based numbers.
pub fn rows(numbers: &[usize]) -> Vec<Row> {
    numbers.iter().map(|n| GROUND_TRUTH[n - 1]).collect()
}

/// `../shared/fixtures/import/aegis-testdata`, or `None` after saying so on the real
/// stderr (so the skip shows even with captured output) when the folder is absent.
pub fn aegis_testdata(test: &str) -> Option<PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures/import/aegis-testdata");
    if !dir.is_dir() {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: {test}: ../shared/fixtures not found ({})",
            dir.display()
        );
        return None;
    }
    Some(dir)
}
