//! Text one party shows on another's screen (device names on the provider's pages and in
//! admin tools, labels in the CLI): the characters that must never be shown as they are.

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Letters and marks that render as nothing although Unicode does not class them as format
/// characters (they are Default_Ignorable_Code_Point in Unicode's DerivedCoreProperties.txt):
/// U+034F combining grapheme joiner, the Hangul fillers U+115F, U+1160, U+3164 and the
/// halfwidth U+FFA0, and the Khmer inherent vowels U+17B4/5. Each only makes two names look
/// alike. (The other default-ignorable marks — the variation selectors U+FE00–FE0F and
/// U+E0100–E01EF, the Mongolian free variation selectors — select a glyph that emoji and
/// several scripts need, and stay.)
const INVISIBLE: [char; 7] =
    ['\u{034F}', '\u{115F}', '\u{1160}', '\u{17B4}', '\u{17B5}', '\u{3164}', '\u{FFA0}'];

/// Code points Unicode reserves as default-ignorable (DerivedCoreProperties.txt) that are not
/// yet assigned: a future version makes them format characters, which a renderer of today
/// already shows as nothing. U+E0100–E01EF (variation selectors) lie between and stay.
const RESERVED_INVISIBLE: [(char, char); 4] = [
    ('\u{2065}', '\u{2065}'),
    ('\u{FFF0}', '\u{FFF8}'),
    ('\u{E0000}', '\u{E00FF}'),
    ('\u{E01F0}', '\u{E0FFF}'),
];

/// Whether `c` must not be shown as it is:
/// - control characters (general category Cc: ANSI escapes, newlines);
/// - every format character (Cf, by the Unicode Character Database through the
///   `unicode-properties` crate): the bidirectional controls that reorder the rest of a line
///   (U+061C, U+200E/F, U+202A–202E, U+2066–2069), and the invisible ones that only make two
///   names look alike — U+00AD soft hyphen, U+180E, U+200B zero-width space, U+2060–2064
///   (word joiner, invisible operators), U+FEFF byte-order mark, U+FFF9–FFFB interlinear
///   annotation, the tag characters U+E0001 and U+E0020–E007F (so also an emoji's
///   subdivision-flag tags), and the rest;
/// - the line and paragraph separators U+2028/9 (Zl, Zp);
/// - the invisible letters and marks of [`INVISIBLE`] (the Hangul fillers, …) and the
///   unassigned default-ignorable code points.
///
/// The zero-width joiners U+200C/D (Cf) are fine: emoji sequences (👨‍👩‍👧) and several scripts
/// need them, and they move nothing. One rule for the CLI, the apps' protocol code and the
/// provider.
pub fn is_unsafe_display_char(c: char) -> bool {
    if matches!(c, '\u{200C}' | '\u{200D}') {
        return false;
    }
    matches!(
        c.general_category(),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
    ) || INVISIBLE.contains(&c)
        || RESERVED_INVISIBLE.iter().any(|&(from, to)| (from..=to).contains(&c))
}

/// Whether `name` is a device name a provider accepts (`docs/protocol.md` §1): at most
/// [`MAX_DEVICE_NAME`](crate::protocol::enroll::MAX_DEVICE_NAME) characters, none of them
/// [unsafe to show](is_unsafe_display_char).
pub fn is_valid_device_name(name: &str) -> bool {
    name.chars().count() <= crate::protocol::enroll::MAX_DEVICE_NAME
        && !name.chars().any(is_unsafe_display_char)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_controls_invisibles_and_controls_are_unsafe_but_joiners_and_emoji_are_not() {
        for c in [
            '\u{1b}', '\n', '\u{202E}', '\u{2066}', '\u{2069}', '\u{200B}', '\u{FEFF}', '\u{061C}',
            '\u{2028}',
        ] {
            assert!(is_unsafe_display_char(c), "{c:?}");
        }
        for c in ['a', 'Å', '💻', '\u{200D}', '\u{200C}', ' '] {
            assert!(!is_unsafe_display_char(c), "{c:?}");
        }
        assert!(is_valid_device_name("Annas 👨‍👩‍👧 telefon"));
        assert!(!is_valid_device_name("Annas \u{202E}enofelet"));
        assert!(!is_valid_device_name(&"x".repeat(65)));
        assert!(is_valid_device_name(&"å".repeat(64)));
    }

    #[test]
    fn format_characters_hangul_fillers_and_tags_are_unsafe() {
        let unsafe_chars = [
            ('\u{00AD}', "soft hyphen"),
            ('\u{180E}', "Mongolian vowel separator"),
            ('\u{2060}', "word joiner"),
            ('\u{2061}', "function application"),
            ('\u{2062}', "invisible times"),
            ('\u{2063}', "invisible separator"),
            ('\u{2064}', "invisible plus"),
            ('\u{206A}', "inhibit symmetric swapping"),
            ('\u{3164}', "Hangul filler"),
            ('\u{115F}', "Hangul choseong filler"),
            ('\u{1160}', "Hangul jungseong filler"),
            ('\u{FFA0}', "halfwidth Hangul filler"),
            ('\u{034F}', "combining grapheme joiner"),
            ('\u{17B4}', "Khmer vowel inherent aq"),
            ('\u{FFF9}', "interlinear annotation anchor"),
            ('\u{FFFA}', "interlinear annotation separator"),
            ('\u{FFFB}', "interlinear annotation terminator"),
            ('\u{E0001}', "language tag"),
            ('\u{E0020}', "tag space"),
            ('\u{E0041}', "tag latin capital letter a"),
            ('\u{E007F}', "cancel tag"),
            ('\u{0600}', "Arabic number sign"),
            ('\u{1D173}', "musical symbol begin beam"),
            ('\u{1BCA0}', "shorthand format letter overlap"),
            ('\u{13430}', "Egyptian hieroglyph vertical joiner"),
            ('\u{2065}', "reserved default-ignorable"),
            ('\u{E0002}', "reserved tag"),
            ('\u{0085}', "next line (C1 control)"),
            ('\u{2029}', "paragraph separator"),
        ];
        for (c, what) in unsafe_chars {
            assert!(is_unsafe_display_char(c), "{what} {c:?}");
            assert!(!is_valid_device_name(&format!("Anna{c}s telefon")), "{what} {c:?}");
        }
    }

    #[test]
    fn scripts_variation_selectors_and_emoji_sequences_stay_valid() {
        for name in [
            "Annas telefon",
            "Åsas 📱",
            "Annas 👨‍👩‍👧",         // ZWJ sequence
            "❤\u{FE0F} hjärta", // emoji presentation selector
            "👍🏽 tumme",         // skin tone modifier
            "🇸🇪 Sverige",       // regional indicators
            "عربي هاتف",        // Arabic letters (right-to-left, no controls)
            "טלפון",            // Hebrew
            "क्\u{200D}ष फ़ोन",   // Devanagari with ZWJ
            "می\u{200C}خواهم",  // Persian with ZWNJ
            "葛\u{E0100}城",    // ideographic variation sequence
            "ᠠ\u{180B}ᠡ",       // Mongolian free variation selector
            "한국어 전화",      // Hangul syllables
            "日本の電話",
            "Ελληνικά",
        ] {
            assert!(is_valid_device_name(name), "{name:?}");
        }
    }
}
