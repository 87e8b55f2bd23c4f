//! User names: shown as the administrator typed them, matched by a normalised key, so that
//! "Anna" typed on a phone (which capitalises the first letter), "anna" and " ANNA " are one
//! user. The key is the name trimmed of white space, lower-cased by Unicode's rules (Å, Ä, Ö
//! and every other cased letter, not only ASCII as SQLite's `NOCASE` and `lower()` do) and put
//! in Normalization Form C (an "å" typed as "a" + combining ring matches a precomposed "å").
//!
//! The store keeps the key beside the name with a unique index on it (schema v17), so two
//! users can no longer differ only in case; a lookup by name takes the exact name first (a
//! user from before v17 whose name differed only in case from an older user's keeps signing
//! in with the name as it was typed) and then the key.

use icu_normalizer::ComposingNormalizerBorrowed;

/// The key user `name` is matched by: trimmed, lower-cased (Unicode), NFC.
pub(crate) fn key(name: &str) -> String {
    let lower = name.trim().to_lowercase();
    ComposingNormalizerBorrowed::new_nfc().normalize(&lower).into_owned()
}

#[cfg(test)]
mod tests {
    use super::key;

    #[test]
    fn case_and_surrounding_space_do_not_matter() {
        for typed in ["anna", "Anna", "ANNA", " anna ", "\tAnNa\n", "\u{a0}Anna\u{2003}"] {
            assert_eq!(key(typed), "anna", "{typed:?}");
        }
        // Space inside a name is part of it.
        assert_eq!(key("Anna Berg"), "anna berg");
        assert_ne!(key("Anna Berg"), key("AnnaBerg"));
    }

    #[test]
    fn swedish_and_other_non_ascii_letters_are_lower_cased() {
        assert_eq!(key("ÅSA ÖSTERGÅRD"), "åsa östergård");
        assert_eq!(key("Ärla"), "ärla");
        assert_eq!(key("ÉMILE"), "émile");
        // Greek: the final sigma takes its final form.
        assert_eq!(key("ΟΔΥΣΣΕΥΣ"), "οδυσσευς");
        assert_eq!(key("Þóra"), "þóra");
        // Lower case already: unchanged (ß has no single-letter lower case to differ from).
        assert_eq!(key("straße"), "straße");
        assert_eq!(key("anna@region.example.se"), "anna@region.example.se");
    }

    #[test]
    fn composed_and_decomposed_letters_are_one_key() {
        // "Åsa" typed with A + COMBINING RING ABOVE, and with the ANGSTROM SIGN.
        assert_eq!(key("A\u{30a}sa"), "åsa");
        assert_eq!(key("\u{212b}sa"), "åsa");
        assert_eq!(key("o\u{308}rjan"), key("Örjan"));
        assert_eq!(key("Örjan"), "\u{f6}rjan");
    }

    #[test]
    fn different_names_keep_different_keys() {
        assert_ne!(key("anna"), key("anna2"));
        assert_ne!(key("åsa"), key("asa"));
        assert_ne!(key("öst"), key("ost"));
        assert_eq!(key(""), "");
        assert_eq!(key("   "), "");
    }
}
