//! The pages' two languages, Swedish (the default) and English: which one a request gets
//! ([`Lang::negotiate`] over `Accept-Language`, overridden by the user's choice in the
//! `nyckel_lang` cookie) and every text the pages show ([`Msg`], the account page's
//! [`AccountMsg`], and the formatted texts in [`text`]). Each message is a variant with one `match` arm per language, so a message
//! without a translation fails to compile. Pure: no HTTP types (the handlers read the headers,
//! `lang_web.rs`).

mod account;
mod messages;
mod negotiate;
pub mod text;

pub use account::AccountMsg;
pub use messages::Msg;

/// A set of fixed texts (a catalog enum: [`Msg`], [`AccountMsg`]).
pub trait Catalog: Copy {
    /// The text in `lang`.
    fn text(self, lang: Lang) -> &'static str;
}

/// A language the pages are written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Swedish: the default when the browser names neither language.
    #[default]
    Sv,
    /// English.
    En,
}

impl Lang {
    /// Every language, the default first.
    pub const ALL: [Lang; 2] = [Lang::Sv, Lang::En];

    /// The BCP 47 tag (`<html lang>`, the cookie's value, the switch's path).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }

    /// The language named by `code` (`sv` or `en`, any case); `None` for anything else.
    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code().eq_ignore_ascii_case(code))
    }

    /// The language's own name, as the switch to it reads.
    pub fn name(self) -> &'static str {
        match self {
            Lang::Sv => "Svenska",
            Lang::En => "English",
        }
    }

    /// The language a page offers to switch to.
    pub fn other(self) -> Lang {
        match self {
            Lang::Sv => Lang::En,
            Lang::En => Lang::Sv,
        }
    }

    /// The language an `Accept-Language` header asks for (RFC 9110 §12.5.4): the supported
    /// language with the highest q-value, by its primary subtag (`en-GB` asks for English), a
    /// `*` giving its q-value to the languages not named; Swedish when the header is absent,
    /// names neither language, refuses both, is too long or malformed. Never panics.
    pub fn negotiate(accept_language: Option<&str>) -> Lang {
        accept_language.and_then(negotiate::best).unwrap_or_default()
    }

    /// The first supported language of an OpenID Connect `ui_locales` value (space-separated
    /// BCP 47 tags in order of preference; a tag counts by its primary subtag, `en-GB` is
    /// English); `None` when it names neither language.
    pub fn from_ui_locales(value: &str) -> Option<Lang> {
        value.split_ascii_whitespace().find_map(|tag| Lang::from_code(tag.split('-').next()?))
    }

    /// The message `m` in this language.
    pub fn t(self, m: impl Catalog) -> &'static str {
        m.text(self)
    }
}

#[cfg(test)]
mod tests {
    use super::Lang;

    #[test]
    fn ui_locales_gives_its_first_supported_tag() {
        assert_eq!(Lang::from_ui_locales("de en-GB sv"), Some(Lang::En));
        assert_eq!(Lang::from_ui_locales("  SV-fi\ten"), Some(Lang::Sv));
        for none in ["", "de fr-CA", "-en", "english"] {
            assert_eq!(Lang::from_ui_locales(none), None, "{none:?}");
        }
    }
}
