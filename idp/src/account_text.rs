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

// --- "Lägg till metod": a one-time code ---

pub(crate) const ADD_CODE: &str = "Lägg till verifieringskod";
pub(crate) const ADD_CODE_HOW: &str = "Skanna koden med Nyckel eller en annan autentiseringsapp. Ange sedan koden som appen visar: först då kan du använda verifieringskoden.";
pub(crate) const ADD_CODE_QR_LABEL: &str = "QR-kod för verifieringskoden";
pub(crate) const ADD_CODE_OPEN: &str = "Öppna i autentiseringsappen";
pub(crate) const ADD_CODE_ACTIVE: &str =
    "Kontot har redan en aktiverad verifieringskod. Den visas inte igen.";
pub(crate) const ADD_CODE_CONFIRM: &str = "Aktivera";

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

// --- "Jag har tappat telefonen" ---

pub(crate) const LOST: &str = "Jag har tappat telefonen";
/// The accessible name of a phone's "Jag har tappat telefonen" button.
pub(crate) fn lost_label(phone: &str) -> String {
    format!("Jag har tappat {phone}")
}
/// The step-up page's heading (`phone` escaped by the caller).
pub(crate) fn lost_heading(phone: &str) -> String {
    format!("Spärra {phone}?")
}
pub(crate) const LOST_WHAT: &str = "Telefonen spärras direkt: den kan inte längre godkänna inloggningar, inloggningar som väntar på godkännande avbryts och du loggas ut överallt.";
pub(crate) const LOST_WHY: &str = "För att vara säker på att det är du behöver vi först en bekräftelse med en annan av dina metoder. Att du redan är inloggad räcker inte, och telefonen du har tappat kan aldrig godkänna sin egen spärr.";
/// The warning when the lost phone is the user's only phone.
pub(crate) const LOST_LAST: &str = "Det här är den enda telefonen på kontot. Efter spärren kan du inte logga in igen förrän administratören ger dig en ny registreringskod. Har du en ny telefon till hands kan du lägga till den först.";
pub(crate) const LOST_BY_PHONE: &str = "Godkänn med en annan telefon";
pub(crate) const LOST_BY_CODE_HEADING: &str = "Eller: lösenord och engångskod";
pub(crate) const PASSWORD: &str = "Lösenord";
pub(crate) const ONE_TIME_CODE: &str = "Engångskod";
pub(crate) const LOST_BY_CODE: &str = "Spärra med lösenord och engångskod";
/// Without a second method: what to do instead (`name` escaped by the caller).
pub(crate) fn lost_no_method(name: &str) -> String {
    format!(
        "Du har ingen annan metod att bekräfta med: ingen annan telefon och ingen aktiverad verifieringskod. Kontakta administratören. Administratören spärrar telefonen och ger dig en ny registreringskod med <code>nyckel-idp user enroll {name} --qr FIL.png</code>."
    )
}
pub(crate) const LOST_NUMBER_TITLE: &str = "Godkänn spärren";
pub(crate) const LOST_NUMBER_HOW: &str = "Öppna Nyckel i en annan av dina telefoner – inte den du har tappat – och skriv in numret. Tryck sedan på Jag har godkänt.";
pub(crate) const NUMBER_LABEL: &str = "Nummer att skriva in";
pub(crate) const LOST_APPROVED: &str = "Jag har godkänt";
pub(crate) const LOST_STILL_WAITING: &str =
    "Inget godkännande ännu. Godkänn i Nyckel på din andra telefon och försök igen.";
/// What the phone shows as the requesting application.
pub(crate) const LOST_APP: &str = "Ditt konto: spärra en tappad telefon";
pub(crate) const LOST_DONE_TITLE: &str = "Telefonen är spärrad";
pub(crate) const LOST_DONE_TEXT: &str = "Den kan inte längre godkänna inloggningar, inloggningar som väntade har avbrutits och du har loggats ut överallt.";
pub(crate) const LOST_BY_LOST_PHONE: &str = "Godkännandet kom från telefonen du har tappat. Den kan aldrig godkänna sin egen spärr, så ingenting har spärrats. Börja om och godkänn med en annan telefon.";
pub(crate) const LOST_BY_NEW_PHONE: &str = "Godkännandet kom från en telefon som lades till efter att du loggade in. Ingenting har spärrats. Godkänn med en telefon du hade redan innan, eller använd lösenord och engångskod.";
pub(crate) const LOST_NOT_APPROVED: &str =
    "Spärren godkändes inte: den nekades, fick fel nummer eller gick ut. Ingenting har spärrats. Börja om.";
pub(crate) const LOST_WRONG_PASSWORD: &str = "Fel lösenord. Ingenting har spärrats.";
pub(crate) const LOST_FAILED: &str = "Telefonen kunde inte spärras.";
