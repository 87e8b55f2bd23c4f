//! Every user-facing text of the account page and its actions (security information, "Ta
//! bort", "Jag har tappat telefonen" and its step-up), in one place so the page can be
//! translated as a whole. Swedish; the handlers (`account_web.rs`, `lost_web.rs`) only
//! assemble these.

/// The page's title.
pub(crate) const TITLE: &str = "Ditt konto";
/// "Inloggad som NAME" (the heading; `name` is escaped by the caller).
pub(crate) fn signed_in_as(name: &str) -> String {
    format!("Inloggad som {name}")
}
/// The heading of the methods list.
pub(crate) const METHODS: &str = "Dina inloggningsmetoder";
/// The phones table's column headings.
pub(crate) const COL_PHONE: &str = "Telefon";
pub(crate) const COL_ADDED: &str = "Tillagd";
pub(crate) const COL_USED: &str = "Senast använd";
pub(crate) const COL_PHONE_SIGNIN: &str = "Telefoninloggning";
pub(crate) const COL_STATUS: &str = "Status";
pub(crate) const COL_ACTIONS: &str = "Åtgärd";
/// Phone sign-in on or off for a phone.
pub(crate) const ON: &str = "På";
pub(crate) const OFF: &str = "Av";
/// A phone that never answered a sign-in.
pub(crate) const NEVER: &str = "Aldrig";
pub(crate) const ACTIVE: &str = "Aktiv";
pub(crate) const REVOKED: &str = "Spärrad";
pub(crate) const NO_PHONES: &str = "Inga telefoner registrerade ännu.";
pub(crate) const REMOVE: &str = "Ta bort";
/// The accessible name of a phone's "Ta bort" button.
pub(crate) fn remove_label(phone: &str) -> String {
    format!("Ta bort {phone}")
}
/// The one-time-code method's line when the account has none, and when it is active.
pub(crate) const CODE_NONE: &str = "Verifieringskod: ingen";
pub(crate) const CODE_ACTIVE: &str = "Verifieringskod: aktiverad ✓";
pub(crate) const CODE_PENDING: &str = "Verifieringskod: väntar på aktivering";

/// "Lägg till metod": another phone.
pub(crate) const ADD_METHOD: &str = "Lägg till metod";
pub(crate) const ADD_PHONE: &str = "Lägg till telefon";
/// How long the code is valid, in minutes.
pub(crate) fn scan_code(minutes: i64) -> String {
    format!(
        "Skanna koden med Nyckel-appen. Koden kan användas en gång och gäller i {minutes} minuter."
    )
}
pub(crate) const QR_LABEL: &str = "QR-kod för att lägga till en telefon i Nyckel";
pub(crate) const OPEN_IN_APP: &str = "Öppna i Nyckel";
pub(crate) const OPEN_IN_APP_HINT: &str =
    "Är du på telefonen du vill lägga till? Tryck på Öppna i Nyckel i stället för att skanna.";
pub(crate) const PHONE_ADDED: &str = "Telefonen är tillagd ✓";
pub(crate) const SIGN_OUT: &str = "Logga ut";
pub(crate) const CANNOT_SHOW: &str = "Kontot kunde inte visas.";

// --- "Ta bort" ---

pub(crate) const UNKNOWN_PHONE: &str = "Okänd telefon.";
pub(crate) const REMOVE_FAILED: &str = "Telefonen kunde inte tas bort.";
pub(crate) const REMOVED_TITLE: &str = "Telefonen är borttagen";
pub(crate) const REMOVED_TEXT: &str =
    "Den kan inte längre godkänna inloggningar, och du har loggats ut överallt.";
pub(crate) const SIGN_IN_AGAIN: &str = "Logga in igen";
pub(crate) const LAST_TITLE: &str = "Ta bort telefon";
pub(crate) const LAST_HEADING: &str = "Ta bort din enda telefon?";
/// What happens when the last phone goes (the warning before it does).
pub(crate) const LAST_WARNING: &str = "Det här är den enda telefonen på kontot. Tar du bort den kan du inte logga in igen förrän administratören ger dig en ny registreringskod. Lägg hellre till den nya telefonen först och ta bort den gamla sedan.";
pub(crate) const REMOVE_ANYWAY: &str = "Ta bort ändå";
pub(crate) const CANCEL: &str = "Avbryt";
