//! The texts with values in them, one function each with a `match` per language. The values
//! are inserted as given: the caller escapes them for HTML.

use super::{Lang, Msg};

/// The sign-in form's heading for an application's sign-in.
pub fn sign_in_to(lang: Lang, client: &str) -> String {
    match lang {
        Lang::Sv => format!("Logga in till {client}"),
        Lang::En => format!("Sign in to {client}"),
    }
}

/// Too many wrong passwords: try again in `secs` seconds.
pub fn too_many_attempts(lang: Lang, secs: i64) -> String {
    match lang {
        Lang::Sv => format!(
            "För många felaktiga inloggningsförsök. Försök igen om {secs} s, eller logga in med telefonen."
        ),
        Lang::En => format!(
            "Too many wrong sign-in attempts. Try again in {secs} s, or sign in with your phone."
        ),
    }
}

/// A reported sign-in blocks new ones for `minutes` more; whom to contact (the
/// administrator when the provider names nobody).
pub fn blocked(lang: Lang, minutes: i64, contact: Option<&str>) -> String {
    let contact = contact.unwrap_or(lang.t(Msg::TheAdministrator));
    match lang {
        Lang::Sv => format!(
            "En inloggning till kontot rapporterades som misstänkt, så nya inloggningar är spärrade i {minutes} min till. Kontakta {contact} om du behöver logga in tidigare."
        ),
        Lang::En => format!(
            "A sign-in to the account was reported as suspicious, so new sign-ins are blocked for {minutes} more min. Contact {contact} if you need to sign in earlier."
        ),
    }
}

/// Too many wrong one-time codes: the limit lifts in `minutes`, at `clock` (`HH:MM`, UTC).
pub fn code_limited(lang: Lang, minutes: i64, clock: &str) -> String {
    match lang {
        Lang::Sv => format!(
            "För många felaktiga koder. Försök igen om {minutes} min (kl. {clock} UTC), eller godkänn inloggningen i Nyckel-appen."
        ),
        Lang::En => format!(
            "Too many wrong codes. Try again in {minutes} min (at {clock} UTC), or approve the sign-in in the Nyckel app."
        ),
    }
}

/// The account page's heading: signed in as `name`.
pub fn signed_in_as(lang: Lang, name: &str) -> String {
    match lang {
        Lang::Sv => format!("Inloggad som {name}"),
        Lang::En => format!("Signed in as {name}"),
    }
}

/// The accessible name of a phone's remove button.
pub fn remove_label(lang: Lang, phone: &str) -> String {
    match lang {
        Lang::Sv => format!("Ta bort {phone}"),
        Lang::En => format!("Remove {phone}"),
    }
}

/// The heading of the step-up before removing `phone` (escaped by the caller).
pub fn remove_heading(lang: Lang, phone: &str) -> String {
    match lang {
        Lang::Sv => format!("Ta bort {phone}?"),
        Lang::En => format!("Remove {phone}?"),
    }
}

/// How to use the enrollment code, valid for `minutes`.
pub fn scan_code(lang: Lang, minutes: i64) -> String {
    match lang {
        Lang::Sv => format!(
            "Skanna koden med Nyckel-appen. Koden kan användas en gång och gäller i {minutes} minuter."
        ),
        Lang::En => format!(
            "Scan the code with the Nyckel app. The code can be used once and is valid for {minutes} minutes."
        ),
    }
}

/// The accessible name of a phone's "I have lost the phone" button: its visible text, then
/// the phone's name (WCAG 2.5.3, label in name).
pub fn lost_label(lang: Lang, phone: &str) -> String {
    match lang {
        Lang::Sv => format!("Jag har tappat telefonen {phone}"),
        Lang::En => format!("I have lost the phone {phone}"),
    }
}

/// The lost-phone step-up page's heading.
pub fn lost_heading(lang: Lang, phone: &str) -> String {
    match lang {
        Lang::Sv => format!("Spärra {phone}?"),
        Lang::En => format!("Block {phone}?"),
    }
}

/// Without a second method to confirm a lost phone's blocking: what to do instead (`name`
/// is escaped by the caller; the text carries markup).
pub fn lost_no_method(lang: Lang, name: &str) -> String {
    match lang {
        Lang::Sv => format!(
            "Du har ingen annan metod att bekräfta med: ingen annan telefon och ingen aktiverad verifieringskod. Kontakta administratören. Administratören spärrar telefonen och ger dig en ny registreringskod med <code>nyckel-idp user enroll {name} --qr FIL.png</code>."
        ),
        Lang::En => format!(
            "You have no other method to confirm with: no other phone and no activated verification code. Contact your administrator. The administrator blocks the phone and gives you a new enrollment code with <code>nyckel-idp user enroll {name} --qr FILE.png</code>."
        ),
    }
}

/// The requesting application shown on the phone for a sign-in on the provider's own pages.
pub fn web_app(lang: Lang, issuer: &str) -> String {
    match lang {
        Lang::Sv => format!("{issuer} (webb)"),
        Lang::En => format!("{issuer} (web)"),
    }
}
