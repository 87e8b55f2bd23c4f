#!/usr/bin/env python3
"""The app's texts in English and Swedish, one table, so the two languages never drift apart.

Writes src/main/res/values/strings.xml (English, the default) and values-sv/strings.xml.
Run after editing: python3 android/app/tools/strings.py
"""
import os
from xml.sax.saxutils import escape

HERE = os.path.dirname(os.path.abspath(__file__))
RES = os.path.join(HERE, "..", "src", "main", "res")

S = {
    "app_name": ("Nyckel", "Nyckel"),
    # common
    "back": ("Back", "Tillbaka"),
    "cancel": ("Cancel", "Avbryt"),
    "ok": ("OK", "OK"),
    "done": ("Done", "Klar"),
    "save": ("Save", "Spara"),
    "saved": ("Saved", "Sparat"),
    "delete": ("Delete", "Ta bort"),
    "refresh": ("Refresh", "Uppdatera"),
    "passphrase": ("Passphrase", "Lösenfras"),
    "passphrase_confirm": ("Repeat the passphrase", "Upprepa lösenfrasen"),
    "passphrase_mismatch": ("The passphrases are not the same.", "Lösenfraserna är inte likadana."),
    "passphrase_min_length": ("At least %1$d characters. Write it down and keep it safe.", "Minst %1$d tecken. Skriv ner den och förvara den säkert."),
    # biometric prompts
    "biometric_unlock_title": ("Unlock Nyckel", "Lås upp Nyckel"),
    "biometric_unlock_subtitle": ("Your accounts are encrypted on this phone", "Dina konton är krypterade på den här telefonen"),
    "biometric_sign_in_title": ("Confirm the sign-in", "Bekräfta inloggningen"),
    "biometric_enable_phone_signin_title": ("Turn on phone sign-in", "Aktivera telefoninloggning"),
    "biometric_sign_in_subtitle": ("Phone sign-in with Nyckel", "Telefoninloggning med Nyckel"),
    # welcome / create vault
    "welcome_title": ("Welcome to Nyckel", "Välkommen till Nyckel"),
    "welcome_body": ("Nyckel keeps your sign-in codes and approves sign-ins for your work or school account. Everything is encrypted on this phone.",
                     "Nyckel sparar dina inloggningskoder och godkänner inloggningar för ditt jobb- eller skolkonto. Allt är krypterat på den här telefonen."),
    "welcome_biometrics_body": ("Your accounts will be locked with a key in this phone's secure hardware, opened with your fingerprint or face.",
                                "Dina konton låses med en nyckel i telefonens säkra hårdvara, som öppnas med ditt fingeravtryck eller ansikte."),
    "welcome_create_biometrics": ("Get started", "Kom igång"),
    "welcome_use_passphrase": ("Use a passphrase instead", "Använd en lösenfras i stället"),
    "welcome_use_biometrics": ("Use fingerprint or face instead", "Använd fingeravtryck eller ansikte i stället"),
    "welcome_no_biometrics": ("This phone has no fingerprint or face unlock set up, so Nyckel will use a passphrase.",
                              "Den här telefonen har inget fingeravtryck eller ansiktsupplåsning, så Nyckel använder en lösenfras."),
    "welcome_passphrase_body": ("Choose a passphrase. You will type it every time you open Nyckel. It cannot be recovered if you forget it.",
                                "Välj en lösenfras. Du skriver den varje gång du öppnar Nyckel. Den går inte att återställa om du glömmer den."),
    "welcome_create_passphrase": ("Create with passphrase", "Skapa med lösenfras"),
    # lock
    "lock_title": ("Nyckel is locked", "Nyckel är låst"),
    "lock_unlock": ("Unlock", "Lås upp"),
    "lock_unlock_with_passphrase": ("Unlock with passphrase", "Lås upp med lösenfras"),
    "lock_recovery_passphrase": ("Recovery passphrase", "Återställningslösenfras"),
    "lock_now": ("Lock now", "Lås nu"),
    "lock_invalidated_title": ("Fingerprint or face has changed", "Fingeravtryck eller ansikte har ändrats"),
    "lock_invalidated_body": ("A new fingerprint or face was added to this phone. For your safety, the key that unlocked Nyckel no longer works.",
                              "Ett nytt fingeravtryck eller ansikte har lagts till på telefonen. För din säkerhet fungerar inte längre nyckeln som låste upp Nyckel."),
    "lock_invalidated_use_passphrase": ("Unlock with your recovery passphrase. Nyckel will then ask for your fingerprint or face to set up a new key.",
                                        "Lås upp med din återställningslösenfras. Nyckel ber sedan om fingeravtryck eller ansikte för att skapa en ny nyckel."),
    "lock_invalidated_no_passphrase": ("If you set a recovery passphrase, unlock with it. Without one, your accounts cannot be opened again: reset Nyckel and add them again (for work or school accounts, ask your IT support for a new code).",
                                       "Om du har en återställningslösenfras, lås upp med den. Utan den går dina konton inte att öppna igen: återställ Nyckel och lägg till dem på nytt (för jobb- och skolkonton, be IT-supporten om en ny kod)."),
    "lock_reset": ("Reset Nyckel", "Återställ Nyckel"),
    "lock_reset_confirm_title": ("Delete all accounts?", "Ta bort alla konton?"),
    "lock_reset_confirm_body": ("This deletes every account and sign-in approval on this phone. You will have to add them again. This cannot be undone.",
                                "Detta tar bort alla konton och inloggningsgodkännanden på den här telefonen. Du måste lägga till dem igen. Det går inte att ångra."),
    "broken_title": ("Nyckel cannot open your accounts", "Nyckel kan inte öppna dina konton"),
    "broken_body": ("The file has been left as it is. Update Nyckel, or contact support.", "Filen har lämnats orörd. Uppdatera Nyckel eller kontakta supporten."),
    # account list
    "add_account": ("Add account", "Lägg till konto"),
    "accounts_empty_title": ("No accounts yet", "Inga konton ännu"),
    "accounts_empty_body": ("Tap “Add account” and scan the QR code your organisation or website shows.",
                            "Tryck på ”Lägg till konto” och skanna QR-koden som din organisation eller webbplats visar."),
    "search_accounts": ("Search accounts", "Sök konton"),
    "copy_code": ("Copy code", "Kopiera kod"),
    "code_copied": ("Code copied. It is cleared from the clipboard in 30 seconds.", "Koden kopierades. Den rensas från urklipp om 30 sekunder."),
    "seconds_left": ("%1$d seconds left", "%1$d sekunder kvar"),
    "hotp_generate": ("Generate", "Skapa kod"),
    "account_details": ("Account details", "Kontouppgifter"),
    "enrollments_section": ("Sign-in approvals", "Inloggningsgodkännanden"),
    "approvals_on": ("Approvals on", "Godkännanden på"),
    "phone_signin_on": ("Phone sign-in on", "Telefoninloggning på"),
    # add
    "add_scan": ("Scan QR code", "Skanna QR-kod"),
    "add_scan_body": ("Use the camera", "Använd kameran"),
    "add_image": ("QR code from an image", "QR-kod från en bild"),
    "add_image_body": ("A screenshot or photo of the code", "En skärmbild eller ett foto av koden"),
    "add_manual": ("Enter a setup key", "Ange en installationsnyckel"),
    "add_manual_body": ("Type the key the website shows", "Skriv nyckeln som webbplatsen visar"),
    "scan_hint": ("Point the camera at the QR code", "Rikta kameran mot QR-koden"),
    "scan_permission_denied": ("Nyckel needs the camera to scan QR codes. You can also add an account from an image or by typing the setup key.",
                               "Nyckel behöver kameran för att skanna QR-koder. Du kan också lägga till ett konto från en bild eller genom att skriva installationsnyckeln."),
    "scan_allow_camera": ("Allow camera", "Tillåt kameran"),
    "preview_title": ("Add this account?", "Lägga till kontot?"),
    "preview_warnings": ("Check before adding", "Kontrollera innan du lägger till"),
    "field_issuer": ("Service", "Tjänst"),
    "field_account": ("Account", "Konto"),
    "field_type": ("Type", "Typ"),
    "field_secret": ("Setup key", "Installationsnyckel"),
    "field_secret_help": ("Letters A–Z and digits 2–7; spaces don't matter", "Bokstäver A–Z och siffror 2–7; mellanslag spelar ingen roll"),
    "field_digits": ("Digits", "Siffror"),
    "field_period": ("Seconds", "Sekunder"),
    "field_counter": ("Counter", "Räknare"),
    "field_note": ("Note", "Anteckning"),
    "field_required": ("Required", "Obligatoriskt"),
    "field_not_a_number": ("Not a number", "Inte ett tal"),
    "kind_totp": ("Time-based, %1$d digits every %2$d s", "Tidsbaserad, %1$d siffror var %2$d:e sekund"),
    "kind_hotp": ("Counter-based, %1$d digits", "Räknarbaserad, %1$d siffror"),
    "kind_steam": ("Steam Guard", "Steam Guard"),
    "kind_totp_short": ("Time", "Tid"),
    "kind_hotp_short": ("Counter", "Räknare"),
    "manual_show_advanced": ("More options", "Fler alternativ"),
    "manual_hide_advanced": ("Fewer options", "Färre alternativ"),
    "manual_added_with_warnings": ("Added. Please note:", "Tillagt. Observera:"),
    # details / export
    "added_on": ("Added %1$s", "Tillagt %1$s"),
    "delete_confirm_title": ("Delete this account?", "Ta bort kontot?"),
    "delete_confirm_body": ("%1$s will be removed from Nyckel. Make sure you can still sign in another way, or turn off two-step verification on the website first.",
                            "%1$s tas bort från Nyckel. Se till att du kan logga in på annat sätt, eller stäng av tvåstegsverifieringen på webbplatsen först."),
    "export_show_qr": ("Show QR code", "Visa QR-kod"),
    "export_warning_title": ("This QR code contains the secret key", "QR-koden innehåller den hemliga nyckeln"),
    "export_warning_body": ("Anyone who scans or photographs it can create your codes. Show it only to move the account to your own new phone, and not in public. Showing it is recorded in the activity log.",
                            "Den som skannar eller fotograferar den kan skapa dina koder. Visa den bara för att flytta kontot till din egen nya telefon, och inte offentligt. Att den visas sparas i aktivitetsloggen."),
    "export_reveal": ("I understand, show the QR code", "Jag förstår, visa QR-koden"),
    "export_hide": ("Hide", "Dölj"),
    "export_qr_description": ("QR code with the account's secret key", "QR-kod med kontots hemliga nyckel"),
    "enrollment_settings": ("Sign-in approvals for this account", "Inloggningsgodkännanden för kontot"),
    # activity
    "activity_title": ("Activity", "Aktivitet"),
    "activity_empty": ("Nothing yet.", "Inget ännu."),
    "activity_added": ("Added %1$s", "Lade till %1$s"),
    "activity_edited": ("Edited %1$s", "Ändrade %1$s"),
    "activity_removed": ("Removed %1$s", "Tog bort %1$s"),
    "activity_enrolled": ("Sign-in approvals set up for %1$s (%2$s)", "Inloggningsgodkännanden aktiverade för %1$s (%2$s)"),
    "activity_enrollment_removed": ("Sign-in approvals removed for %1$s (%2$s)", "Inloggningsgodkännanden borttagna för %1$s (%2$s)"),
    "activity_phone_signin_enabled": ("Phone sign-in turned on for %1$s", "Telefoninloggning aktiverad för %1$s"),
    "activity_phone_signin_disabled": ("Phone sign-in turned off for %1$s", "Telefoninloggning avaktiverad för %1$s"),
    "activity_sign_in_approved": ("Approved sign-in of %1$s to %2$s", "Godkände inloggning för %1$s till %2$s"),
    "activity_sign_in_denied": ("Denied sign-in of %1$s to %2$s", "Nekade inloggning för %1$s till %2$s"),
    "activity_sign_in_reported": ("Reported sign-in of %1$s to %2$s", "Rapporterade inloggning för %1$s till %2$s"),
    "activity_sign_in_failed": ("Sign-in of %1$s to %2$s not completed (%3$s)", "Inloggning för %1$s till %2$s slutfördes inte (%3$s)"),
    # settings
    "settings_title": ("Settings", "Inställningar"),
    "settings_lock_after": ("Lock when Nyckel has been in the background for", "Lås när Nyckel har varit i bakgrunden i"),
    "settings_lock_immediately": ("Immediately", "Direkt"),
    "settings_lock_seconds": ("%1$d seconds", "%1$d sekunder"),
    "settings_lock_minutes": ("%1$d min", "%1$d min"),
    "settings_biometric_unlock": ("Unlock with fingerprint or face", "Lås upp med fingeravtryck eller ansikte"),
    "settings_biometric_unlock_body": ("Can be turned off only when a recovery passphrase is set", "Kan bara stängas av när en återställningslösenfras finns"),
    "settings_recovery_title": ("Recovery passphrase", "Återställningslösenfras"),
    "settings_recovery_body": ("If a new fingerprint or face is added to this phone, the key that unlocks Nyckel stops working. A recovery passphrase lets you get back in. Without it your accounts would be lost.",
                               "Om ett nytt fingeravtryck eller ansikte läggs till på telefonen slutar nyckeln som låser upp Nyckel att fungera. Med en återställningslösenfras kommer du in igen. Utan den går dina konton förlorade."),
    "settings_recovery_is_set": ("A recovery passphrase is set.", "En återställningslösenfras finns."),
    "settings_recovery_not_set": ("No recovery passphrase is set.", "Ingen återställningslösenfras finns."),
    "settings_recovery_set": ("Set recovery passphrase", "Ange återställningslösenfras"),
    "settings_recovery_change": ("Change recovery passphrase", "Byt återställningslösenfras"),
    "settings_passphrase_saved": ("Recovery passphrase saved.", "Återställningslösenfrasen sparades."),
    "settings_version": ("Nyckel %1$s", "Nyckel %1$s"),
    # approvals
    "approvals_title": ("Sign-in requests", "Inloggningsförfrågningar"),
    "approvals_none": ("No sign-in waiting", "Ingen inloggning väntar"),
    "approvals_none_body": ("When you sign in on a computer, the request shows here. Nyckel checks every few seconds while this screen is open.",
                            "När du loggar in på en dator visas förfrågan här. Nyckel kontrollerar med några sekunders mellanrum medan skärmen är öppen."),
    "approvals_fetch_failed": ("Could not check one account: %1$s", "Kunde inte kontrollera ett konto: %1$s"),
    "approval_question": ("Are you trying to sign in?", "Försöker du logga in?"),
    "approval_app": ("App", "App"),
    "approval_location": ("Location", "Plats"),
    "approval_time": ("Time", "Tid"),
    "approval_expires_in": ("Expires in %1$s", "Går ut om %1$s"),
    "approval_enter_number": ("Enter the number shown to sign in", "Ange siffrorna som visas för att logga in"),
    "approval_passwordless_note": ("This is a phone sign-in without a password: Nyckel will ask for your fingerprint, face or screen lock when you approve.",
                                   "Det här är en telefoninloggning utan lösenord: Nyckel ber om ditt fingeravtryck, ansikte eller skärmlås när du godkänner."),
    "approval_approve": ("Yes, approve", "Ja, godkänn"),
    "approval_approve_biometric": ("Yes, approve with biometrics", "Ja, godkänn med biometri"),
    "approval_deny": ("No, it's not me", "Nej, det är inte jag"),
    "approval_report": ("Report", "Rapportera"),
    "approval_report_hint": ("Report if you did not try to sign in: the sign-in is stopped and your organisation is told someone may know your password.",
                             "Rapportera om du inte försökte logga in: inloggningen stoppas och din organisation får veta att någon kan känna till ditt lösenord."),
    "approval_report_title": ("Report this sign-in?", "Rapportera inloggningen?"),
    "approval_report_body": ("The sign-in is denied and reported to your organisation as suspicious. New sign-in requests for your account may be blocked for a while. Change your password if you did not try to sign in.",
                             "Inloggningen nekas och rapporteras som misstänkt till din organisation. Nya inloggningsförfrågningar för ditt konto kan blockeras en stund. Byt lösenord om du inte försökte logga in."),
    "approval_more_waiting": ("%1$d more waiting", "%1$d till väntar"),
    "outcome_approved": ("Sign-in approved", "Inloggningen godkändes"),
    "outcome_denied": ("Sign-in denied", "Inloggningen nekades"),
    "outcome_reported": ("Sign-in denied and reported", "Inloggningen nekades och rapporterades"),
    # enrollment
    "enroll_title": ("Set up sign-in approvals", "Aktivera inloggningsgodkännanden"),
    "enroll_body": ("Nyckel will register this phone with your organisation, so you can approve sign-ins here. A key is created in this phone's secure hardware; it never leaves the phone.",
                    "Nyckel registrerar telefonen hos din organisation så att du kan godkänna inloggningar här. En nyckel skapas i telefonens säkra hårdvara; den lämnar aldrig telefonen."),
    "enroll_device_name": ("Phone name", "Telefonens namn"),
    "enroll_device_name_help": ("Shown in your organisation's list of your devices", "Visas i organisationens lista över dina enheter"),
    "enroll_button": ("Set up", "Aktivera"),
    "enrollment_provider": ("Organisation", "Organisation"),
    "enrollment_since": ("Since %1$s", "Sedan %1$s"),
    "phone_signin_toggle": ("Phone sign-in", "Telefoninloggning"),
    "phone_signin_body": ("Sign in without a password: approve with the number and your fingerprint, face or screen lock.",
                          "Logga in utan lösenord: godkänn med siffrorna och ditt fingeravtryck, ansikte eller skärmlås."),
    "enrollment_remove": ("Remove from this phone", "Ta bort från telefonen"),
    "enrollment_remove_title": ("Remove sign-in approvals?", "Ta bort inloggningsgodkännanden?"),
    "enrollment_remove_body": ("This phone will no longer get sign-in requests for this account, and its keys are deleted. To use it again you need a new code from your organisation.",
                               "Telefonen får inte längre inloggningsförfrågningar för kontot, och dess nycklar tas bort. För att använda den igen behöver du en ny kod från din organisation."),
    # notifications
    "notification_channel_sign_in": ("Sign-in requests", "Inloggningsförfrågningar"),
    "notification_channel_sign_in_description": ("When you or someone else tries to sign in to your account", "När du eller någon annan försöker logga in på ditt konto"),
    "notification_sign_in_title": ("Are you trying to sign in?", "Försöker du logga in?"),
    "notification_sign_in_text": ("Open Nyckel to approve or deny", "Öppna Nyckel för att godkänna eller neka"),
    # problems
    "problem_already_added": ("This account is already added.", "Kontot är redan tillagt."),
    "problem_invalid_code": ("This QR code cannot be used", "QR-koden kan inte användas"),
    "problem_invalid_input": ("Please check what you entered", "Kontrollera det du har angett"),
    "problem_not_an_account": ("This QR code is not an account code.", "QR-koden är ingen kontokod."),
    "problem_google_migration": ("This is a Google Authenticator export code. Nyckel cannot import it yet: show each account's own QR code instead.",
                                 "Det här är en exportkod från Google Authenticator. Nyckel kan inte importera den ännu: visa varje kontos egen QR-kod i stället."),
    "problem_no_qr_found": ("No QR code was found in the image.", "Ingen QR-kod hittades i bilden."),
    "problem_wrong_passphrase": ("Wrong passphrase.", "Fel lösenfras."),
    "problem_locked": ("Nyckel is locked.", "Nyckel är låst."),
    "problem_closed": ("Nyckel was closed. Open it again.", "Nyckel stängdes. Öppna den igen."),
    "problem_cancelled": ("Cancelled.", "Avbrutet."),
    "problem_key_invalidated": ("The unlock key no longer works because the phone's fingerprints or face changed.", "Upplåsningsnyckeln fungerar inte längre eftersom telefonens fingeravtryck eller ansikte har ändrats."),
    "problem_key_unavailable": ("Fingerprint or face unlock is not available right now. Try again", "Upplåsning med fingeravtryck eller ansikte är inte tillgänglig just nu. Försök igen"),
    "problem_key_failed": ("The phone's key store failed", "Telefonens nyckellager fungerade inte"),
    "problem_no_platform_key": ("Fingerprint or face unlock is not set up. Use your passphrase.", "Upplåsning med fingeravtryck eller ansikte är inte aktiverad. Använd din lösenfras."),
    "problem_not_found": ("The account no longer exists.", "Kontot finns inte längre."),
    "problem_storage": ("Nyckel could not read or write its file. Is the phone full?", "Nyckel kunde inte läsa eller skriva sin fil. Är telefonens lagring full?"),
    "problem_damaged": ("The accounts file is damaged", "Kontofilen är skadad"),
    "problem_too_new": ("The accounts were saved by a newer Nyckel. Update the app.", "Kontona sparades av en nyare version av Nyckel. Uppdatera appen."),
    "problem_enrollment_not_found": ("This sign-in approval setup no longer exists.", "Inloggningsgodkännandet finns inte längre."),
    "problem_wrong_number": ("The number didn't match; start the sign-in again.", "Siffrorna stämde inte; börja om inloggningen."),
    "problem_request_expired": ("The sign-in request has expired; start the sign-in again.", "Inloggningsförfrågan har gått ut; börja om inloggningen."),
    "problem_request_not_pending": ("This sign-in was already answered or replaced by a newer one.", "Inloggningen har redan besvarats eller ersatts av en nyare."),
    "problem_request_not_found": ("This sign-in request is no longer listed. Refresh and try again.", "Inloggningsförfrågan finns inte längre i listan. Uppdatera och försök igen."),
    "problem_busy": ("Another answer for this account was being sent at the same moment. Nothing was sent; try again.", "Ett annat svar för kontot skickades samtidigt. Inget skickades; försök igen."),
    "problem_invalid_number": ("Enter the two-digit number from the sign-in screen.", "Ange de två siffrorna från inloggningsskärmen."),
    "problem_provider_unreachable": ("Could not reach your organisation. Check the connection and try again", "Kunde inte nå din organisation. Kontrollera anslutningen och försök igen"),
    "problem_provider_refused": ("Your organisation refused the request", "Din organisation avvisade begäran"),
    "problem_provider_untrusted": ("The answer from your organisation could not be verified, so nothing was accepted. If this keeps happening, the network may be unsafe",
                                   "Svaret från din organisation kunde inte verifieras, så inget godtogs. Om det fortsätter kan nätverket vara osäkert"),
    "problem_phone_signin_not_enabled": ("Phone sign-in is not turned on for this account on this phone. Turn it on, or sign in with your password.",
                                         "Telefoninloggning är inte aktiverad för kontot på den här telefonen. Aktivera den, eller logga in med ditt lösenord."),
    "problem_device_revoked": ("Your organisation has removed this phone. Remove the account and set it up again with a new code.",
                               "Din organisation har tagit bort telefonen. Ta bort kontot och aktivera det igen med en ny kod."),
    "problem_device_key_unavailable": ("The phone's key could not be used. Try again", "Telefonens nyckel kunde inte användas. Försök igen"),
    "problem_enrollment_unusable": ("This account's sign-in approval setup can no longer be used on this phone. Remove the account and set it up again with a new code", "Kontots inställning för inloggningsgodkännande kan inte längre användas på den här telefonen. Ta bort kontot och lägg till det igen med en ny kod"),
    "problem_user_verification_failed": ("Your fingerprint, face or screen lock could not be verified. Nothing was sent; try again. If you added a new fingerprint or face, turn phone sign-in off and on again.",
                                         "Fingeravtryck, ansikte eller skärmlås kunde inte verifieras. Inget skickades; försök igen. Om du har lagt till ett nytt fingeravtryck eller ansikte, stäng av och aktivera telefoninloggning igen."),
    "problem_phone_signin_key_unavailable": ("Phone sign-in can't use its key on this phone any more (for example after a new fingerprint or face was added). Nothing was sent. Turn phone sign-in off and on again for this account",
                                             "Telefoninloggningen kan inte längre använda sin nyckel på den här telefonen (till exempel efter att ett nytt fingeravtryck eller ansikte lagts till). Inget skickades. Stäng av och aktivera telefoninloggning igen för kontot"),
    "problem_enrollment_invalid": ("This setup code cannot be used. Ask your organisation for a new one", "Aktiveringskoden kan inte användas. Be din organisation om en ny"),
    "problem_unexpected": ("Something went wrong in Nyckel", "Något gick fel i Nyckel"),
}

PLURALS = {
    "activity_exported": (
        {"one": "Showed %1$d account as %2$s", "other": "Exported %1$d accounts as %2$s"},
        {"one": "Visade %1$d konto som %2$s", "other": "Exporterade %1$d konton som %2$s"},
    ),
}


def android_escape(text: str) -> str:
    return escape(text).replace("'", "\\'").replace('"', '\\"')


def write(lang_index: int, folder: str, header: str) -> None:
    lines = ['<?xml version="1.0" encoding="utf-8"?>', f"<!-- {header} Generated by tools/strings.py: edit the table there. -->", "<resources>"]
    for name, texts in S.items():
        if name == "app_name" and lang_index != 0:
            continue  # not translatable
        extra = ' translatable="false"' if name == "app_name" and lang_index == 0 else ""
        lines.append(f'    <string name="{name}"{extra}>{android_escape(texts[lang_index])}</string>')
    for name, forms in PLURALS.items():
        lines.append(f'    <plurals name="{name}">')
        for q, t in forms[lang_index].items():
            lines.append(f'        <item quantity="{q}">{android_escape(t)}</item>')
        lines.append("    </plurals>")
    lines.append("</resources>")
    path = os.path.join(RES, folder, "strings.xml")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    write(0, "values", "English (default).")
    write(1, "values-sv", "Svenska.")
    print(f"{len(S)} strings, {len(PLURALS)} plurals")
