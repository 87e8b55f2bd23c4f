//! Text one party shows on another's screen (device names on the provider's pages and in
//! admin tools, labels in the CLI): the characters that must never be shown as they are.

/// Whether `c` must not be shown as it is: control characters (ANSI escapes, newlines), the
/// bidirectional controls that reorder the rest of a line (U+061C, U+200E/F, U+202A–202E,
/// U+2066–2069), the line and paragraph separators (U+2028/9), and the invisible U+200B
/// (zero-width space) and U+FEFF (byte-order mark), which only make two names look alike.
/// The zero-width joiners U+200C/D are fine: emoji sequences (👨‍👩‍👧) and several scripts need
/// them, and they move nothing.
pub fn is_unsafe_display_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200B}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{FEFF}'
        )
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
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
}
