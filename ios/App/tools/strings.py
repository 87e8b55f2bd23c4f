#!/usr/bin/env python3
"""Builds ios/App/Nyckel/Resources/Localizable.xcstrings (English keys, Swedish values).

Keys are the English literals of the SwiftUI sources (Text("…"), Button("…"),
String(localized: "…"), …). Swedish comes from the Android table (android/app/tools/strings.py,
same English wording) or from SV below. Interpolations: \\(…) becomes %@, or %lld where the
key is listed in INT_KEYS. Prints the keys that still lack Swedish (exit 1 if any).
Run: python3 ios/App/tools/strings.py
"""
import glob, importlib.util, json, os, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
APP = os.path.join(HERE, "..")
spec = importlib.util.spec_from_file_location("android_strings", os.path.join(APP, "..", "..", "android", "app", "tools", "strings.py"))
android = importlib.util.module_from_spec(spec)
spec.loader.exec_module(android)
EN_SV = {en: sv for en, sv in android.S.values()}

SV = {
    "On: %@": "På: %@",
    "Folder: %@": "Mapp: %@",
    "Backed up: %lld accounts.": "Säkerhetskopierat: %lld konton.",
    "Recovery passphrase": "Återställningslösenfras",
    "%lld accounts and %lld sign-in approvals will move.": "%lld konton och %lld inloggningsgodkännanden flyttas.",
    "No camera? Type the whole key: %@": "Ingen kamera? Skriv hela nyckeln: %@",
    "The organisation gave no code for the new phone: %@": "Organisationen gav ingen kod för den nya telefonen: %@",
    "Why: %@": "Varför: %@",
    "Its one-time-code secret is managed by your organisation, which did not send it for the new phone: set the account up again with %@.":
        "Engångskodens hemlighet hanteras av din organisation, som inte skickade den till den nya telefonen: lägg till kontot igen hos %@.",
    "Share the file (AirDrop, e-mail to yourself…)": "Dela filen (AirDrop, e-post till dig själv…)",
    "Your organisation's one-time-code account %@ was added to this phone.": "Organisationens engångskodskonto %@ lades till på den här telefonen.",
    "Your organisation's one-time-code account %@ was already on this phone.": "Organisationens engångskodskonto %@ fanns redan på den här telefonen.",
    "Accounts added: %lld (already here: %lld)": "Konton tillagda: %lld (fanns redan: %lld)",
    "Accounts that could not be added: %lld": "Konton som inte kunde läggas till: %lld",
    "00": "00",
    "1 min": "1 min",
    "30 seconds": "30 sekunder",
    "5 min": "5 min",
    "Algorithm": "Algoritm",
    "Camera not allowed": "Kameran är inte tillåten",
    "Details": "Detaljer",
    "Face ID or Touch ID has changed": "Face ID eller Touch ID har ändrats",
    "For your safety, the key that unlocked Nyckel no longer works after Face ID or Touch ID changed.":
        "För din säkerhet fungerar inte längre nyckeln som låste upp Nyckel efter att Face ID eller Touch ID ändrats.",
    "If Face ID or Touch ID changes, the key that unlocks Nyckel stops working. A recovery passphrase lets you get back in. Without it your accounts would be lost.":
        "Om Face ID eller Touch ID ändras slutar nyckeln som låser upp Nyckel att fungera. Med en återställningslösenfras kommer du in igen. Utan den går dina konton förlorade.",
    "Lock after": "Lås efter",
    "New sign-ins to your account, your own too, are blocked until %@.": "Nya inloggningar till ditt konto, även dina egna, är spärrade till %@.",
    "Contact %@ if you need to sign in before then.": "Kontakta %@ om du behöver logga in innan dess.",
    "Nyckel needs the camera to scan QR codes. Allow it in Settings, or add the account from an image or by typing the setup key.":
        "Nyckel behöver kameran för att skanna QR-koder. Tillåt den i Inställningar, eller lägg till kontot från en bild eller genom att skriva installationsnyckeln.",
    "Nyckel will register this phone with your organisation, so you can approve sign-ins here. A key is created in this phone's Secure Enclave; it never leaves the phone.":
        "Nyckel registrerar telefonen hos din organisation så att du kan godkänna inloggningar här. En nyckel skapas i telefonens Secure Enclave; den lämnar aldrig telefonen.",
    "Open the existing account": "Öppna det befintliga kontot",
    "Sign in without a password: approve with the number and Face ID or Touch ID.":
        "Logga in utan lösenord: godkänn med siffrorna och Face ID eller Touch ID.",
    "Tap + and scan the QR code your organisation or website shows.": "Tryck på + och skanna QR-koden som din organisation eller webbplats visar.",
    "The screen is being recorded or mirrored, so the QR code is hidden.": "Skärmen spelas in eller speglas, så QR-koden är dold.",
    "This is a phone sign-in without a password: Nyckel will ask for Face ID or Touch ID when you approve.":
        "Det här är en telefoninloggning utan lösenord: Nyckel ber om Face ID eller Touch ID när du godkänner.",
    "This phone has no Face ID or Touch ID set up, so Nyckel will use a passphrase.":
        "Den här telefonen har inte Face ID eller Touch ID, så Nyckel använder en lösenfras.",
    "Unlock with Face ID or Touch ID": "Lås upp med Face ID eller Touch ID",
    "Use Face ID or Touch ID instead": "Använd Face ID eller Touch ID i stället",
    "Your accounts will be locked with a key in this phone's Secure Enclave, opened with Face ID or Touch ID.":
        "Dina konton låses med en nyckel i telefonens Secure Enclave, som öppnas med Face ID eller Touch ID.",
    "The unlock key no longer works because the phone's Face ID or Touch ID changed.":
        "Upplåsningsnyckeln fungerar inte längre eftersom telefonens Face ID eller Touch ID har ändrats.",
    "Face ID or Touch ID is not available right now. Try again": "Face ID eller Touch ID är inte tillgängligt just nu. Försök igen",
    "Face ID or Touch ID unlock is not set up. Use your passphrase.": "Upplåsning med Face ID eller Touch ID är inte aktiverad. Använd din lösenfras.",
    "Phone sign-in can't use its key on this phone any more (for example after Face ID or Touch ID changed). Nothing was sent. Turn phone sign-in off and on again for this account":
        "Telefoninloggningen kan inte längre använda sin nyckel på den här telefonen (till exempel efter att Face ID eller Touch ID ändrats). Inget skickades. Stäng av och aktivera telefoninloggning igen för kontot",
    "Face ID or Touch ID could not verify you. Nothing was sent; try again. If you changed Face ID or Touch ID, turn phone sign-in off and on again.":
        "Face ID eller Touch ID kunde inte verifiera dig. Inget skickades; försök igen. Om du har ändrat Face ID eller Touch ID, stäng av och aktivera telefoninloggning igen.",
    "Yes, approve with Face ID": "Ja, godkänn med Face ID",
    "Unlock with your recovery passphrase. Nyckel will then set up a new key.": "Lås upp med din återställningslösenfras. Nyckel skapar sedan en ny nyckel.",
    "If you set a recovery passphrase, unlock with it. Without one, your accounts cannot be opened again: reset Nyckel and add them again.":
        "Om du har en återställningslösenfras, lås upp med den. Utan den går dina konton inte att öppna igen: återställ Nyckel och lägg till dem på nytt.",
    "Added %@": "Lade till %@",
    "Edited %@": "Ändrade %@",
    "Removed %@": "Tog bort %@",
    "Exported %lld account(s) as %@": "Exporterade %lld konto(n) som %@",
    "Sign-in approvals set up for %@ (%@)": "Inloggningsgodkännanden aktiverade för %@ (%@)",
    "Sign-in approvals removed for %@ (%@)": "Inloggningsgodkännanden borttagna för %@ (%@)",
    "Phone sign-in turned on for %@": "Telefoninloggning aktiverad för %@",
    "Phone sign-in turned off for %@": "Telefoninloggning avaktiverad för %@",
    "Approved sign-in of %@ to %@": "Godkände inloggning för %@ till %@",
    "Denied sign-in of %@ to %@": "Nekade inloggning för %@ till %@",
    "Reported sign-in of %@ to %@": "Rapporterade inloggning för %@ till %@",
    "Sign-in of %@ to %@ not completed (%@)": "Inloggning för %@ till %@ slutfördes inte (%@)",
    "Could not check one account: %@": "Kunde inte kontrollera ett konto: %@",
    "Expires in %@": "Går ut om %@",
    "%lld more waiting": "%lld till väntar",
    "%lld seconds left": "%lld sekunder kvar",
    "Time-based, %lld digits every %lld s": "Tidsbaserad, %lld siffror var %lld:e sekund",
    "Counter-based, %lld digits": "Räknarbaserad, %lld siffror",
    "%@ will be removed from Nyckel. Make sure you can still sign in another way, or turn off two-step verification on the website first.":
        "%@ tas bort från Nyckel. Se till att du kan logga in på annat sätt, eller stäng av tvåstegsverifieringen på webbplatsen först.",
    "Nyckel cannot open your accounts": "Nyckel kan inte öppna dina konton",
    "%@ · Phone sign-in on": "%@ · Telefoninloggning på",
    "%@ · Approvals on": "%@ · Godkännanden på",
    "After Nyckel is set up, choose your backup file and enter its password.": "När Nyckel är konfigurerad väljer du säkerhetskopian och anger dess lösenord.",
    "Accounts in the backup: %lld": "Konton i säkerhetskopian: %lld",
    "Already in Nyckel: %lld": "Finns redan i Nyckel: %lld",
    "At least %lld characters.": "Minst %lld tecken.",
    "Backup saved with %lld accounts.": "Säkerhetskopian sparades med %lld konton.",
    "Cannot be imported: %lld": "Kan inte importeras: %lld",
    "File: %@": "Fil: %@",
    "Import %lld accounts": "Importera %lld konton",
    "Import the other %lld": "Importera de övriga %lld",
    "Imported %lld accounts.": "%lld konton importerades.",
    "New accounts: %lld": "Nya konton: %lld",
    "Restore %lld accounts": "Återställ %lld konton",
    "Restored %lld accounts.": "%lld konton återställdes.",
    "Scanned %lld of %lld codes. Scan code %@ next.": "%lld av %lld koder skannade. Skanna kod %@ härnäst.",
}

INT_KEYS = {"\\(ids.count)", "\\(model.queued)", "\\(secondsLeft)", "\\(Int(info.digits))", "\\(Int(info.period))",
            "\\(plan.accounts.count)", "\\(Int(s.wouldImport))", "\\(Int(s.duplicates))", "\\(Int(s.failed))",
            "\\(Int(s.imported))", "\\(BackupFlow.minPassword)", "\\(accounts)", "\\(n)", "\\(scannedCount)", "\\(total)",
            "\\(shown.accounts)", "\\(shown.moving.count)", "\\(out.accountsImported)", "\\(out.accountsDuplicate)",
            "\\(out.accountsFailed)", "\\(RecoverySetupFlow.minPassphrase)"}

CALLS = r"(?:Text|Button|Label|LabeledContent|Section|Toggle|SecureField|TextField|navigationTitle|ContentUnavailableView|confirmationDialog|alert|Picker|DisclosureGroup)"
PATTERNS = [re.compile(CALLS + r'\(\s*"((?:[^"\\]|\\.|\\\([^)]*\)*\))*)"'), re.compile(r'String\(localized:\s*"((?:[^"\\]|\\.)*)"')]
INTERP = re.compile(r"\\\((?:[^()]|\([^()]*(?:\([^()]*\))*[^()]*\))*\)")


def key_of(literal: str) -> str:
    return INTERP.sub(lambda m: "%lld" if m.group(0) in INT_KEYS else "%@", literal)


def main() -> int:
    keys = set()
    for path in glob.glob(os.path.join(APP, "Nyckel", "**", "*.swift"), recursive=True):
        text = open(path, encoding="utf-8").read()
        for p in PATTERNS:
            for m in p.finditer(text):
                keys.add(key_of(m.group(1)))
    keys.discard("")
    out = {"sourceLanguage": "en", "version": "1.0", "strings": {}}
    missing = []
    for k in sorted(keys):
        sv = SV.get(k) or EN_SV.get(k)
        if sv is None:
            missing.append(k)
            out["strings"][k] = {}
            continue
        out["strings"][k] = {"localizations": {"sv": {"stringUnit": {"state": "translated", "value": sv}}}}
    dest = os.path.join(APP, "Nyckel", "Resources", "Localizable.xcstrings")
    with open(dest, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=2, sort_keys=True)
        f.write("\n")
    print(f"{len(keys)} keys, {len(keys) - len(missing)} in Swedish")
    for k in missing:
        print("missing sv:", k)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
